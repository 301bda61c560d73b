/*
 * data_fetch.h - `tradebot data fetch` (cmd_data.c dispatches here): history from the
 * configured vendor into the bar store, through the fetch ledger (feed/fetch.h).
 */
#ifndef TB_CLI_DATA_FETCH_H
#define TB_CLI_DATA_FETCH_H

/* argv[0] is "fetch". Returns the exit status (0, 1 failure, 2 usage). */
int tb_data_fetch_cmd(int argc, char **argv);

#endif
