// A local OpenAI-compatible chat completions endpoint for the Healer's LLM proposer tests
// (node core modules only). Listens on 127.0.0.1, writes its port to argv[2], appends each
// request ({model, authorization, finding, user: all the model is shown}) to argv[3], and
// answers with a unified diff that breaks the file it was shown (a syntax error), so validation
// must refuse it. With argv[4] (an answer file) and that file present, it answers with the
// file's text instead, read at each request: a test scripts what the "model" proposes
// (multi-file diffs, config edits, ...).
import { createServer } from 'node:http';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

const [portFile, logFile, answerFile] = process.argv.slice(2);

function breakingDiff(user) {
  const m = user.match(/\nFile ([^\n:]+):\n([\s\S]*)$/);
  if (!m) return null;
  const [, file, content] = m;
  const lines = content.split('\n');
  const i = lines.findIndex((l) => /^\s*name\s*=/.test(l));
  if (i < 1) return null;
  const ctx = (l) => ' ' + l;
  return [`--- a/${file}`, `+++ b/${file}`, `@@ -${i},3 +${i},3 @@`, ctx(lines[i - 1]),
    '-' + lines[i], '+' + lines[i].replace('=', '= ='), ctx(lines[i + 1]), ''].join('\n');
}

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    let reply = 404;
    let answer = {};
    if (req.method === 'POST' && req.url === '/v1/chat/completions') {
      const r = JSON.parse(body);
      const user = r.messages.find((m) => m.role === 'user').content;
      appendFileSync(logFile, JSON.stringify({ model: r.model, authorization: req.headers.authorization || '',
        finding: user.split('\n')[0], user }) + '\n');
      const scripted = answerFile && existsSync(answerFile);
      const content = scripted ? readFileSync(answerFile, 'utf8')
        : `Name the strategy differently.\n\`\`\`diff\n${breakingDiff(user)}\`\`\`\n`;
      reply = 200;
      answer = { id: 'stub', object: 'chat.completion', model: r.model,
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }] };
    }
    res.writeHead(reply, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
});
server.listen(0, '127.0.0.1', () => writeFileSync(portFile, String(server.address().port)));
