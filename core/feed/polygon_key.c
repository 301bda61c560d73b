/*
 * polygon_key.c - the Polygon (Massive) API key, read by every Polygon client: the live feed,
 * the candidate snapshot, the macro (VIX) fetch and `tradebot data fetch`.
 */
#include "feed/polygon.h"
#include "log/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int tb_polygon_load_key(const char *file, char *key, size_t cap, tb_err *e)
{
    const char *k = getenv("POLYGON_API_KEY");
    key[0] = '\0';
    if (k && *k) {
        snprintf(key, cap, "%s", k);
    } else if (file && *file) {
        struct stat sb;
        if (stat(file, &sb) != 0) return tb_errf(e, "polygon: key file %s: not found", file);
        if (sb.st_mode & 077)
            return tb_errf(e, "polygon: key file %s must be mode 0600 (it is %03o)", file,
                           (unsigned)(sb.st_mode & 0777));
        FILE *f = fopen(file, "r");
        if (!f) return tb_errf(e, "polygon: cannot read key file %s", file);
        char line[512];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n \t")] = '\0';
            const char *v = strncmp(line, "POLYGON_API_KEY=", 16) == 0 ? line + 16 : line;
            if (*v && *v != '#') {
                snprintf(key, cap, "%s", v);
                break;
            }
        }
        fclose(f);
    }
    if (!key[0]) return tb_errf(e, "polygon: no API key: set POLYGON_API_KEY or polygon.key_file");
    tb_redact_add_secret(key);
    return 0;
}
