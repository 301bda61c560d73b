/*
 * risk_config.h - the "risk" object of config/trading_config.json as the gates' settings.
 */
#ifndef TB_RISK_CONFIG_H
#define TB_RISK_CONFIG_H

#include "config/config.h"
#include "risk/gates.h"

/* Converts the validated configuration (dollars to micro-dollars, names to enums). */
void tb_risk_cfg_from_config(const tb_config *c, tb_risk_cfg *out);

#endif
