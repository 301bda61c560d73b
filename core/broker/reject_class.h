/*
 * reject_class.h - which broker rejections are permanent for a symbol: retrying the same order on
 * the next signal would only be rejected again (field: one symbol rejected 489 times in a
 * session). core/trade/admit.c holds that symbol's entries for a configured time on these.
 */
#ifndef TB_BROKER_REJECT_CLASS_H
#define TB_BROKER_REJECT_CLASS_H

typedef enum {
    BROKER_REJECT_TRANSIENT, /* margin, buying power, price, rate, anything unknown: retry allowed
                              */
    BROKER_REJECT_SYMBOL,    /* no such contract, no trading permission, not tradable */
    BROKER_REJECT_SHORT      /* not shortable / short sale not allowed: short entries only */
} broker_reject_class;

/*
 * Classifies a rejection reason as the adapters write it: IB "<code> <text>" (ibkr_apply.c:
 * 200 no security definition, 203 not allowed for this account, 201 with the reason text) and
 * Alpaca "<http status> <message>" (403/422). Unknown wording is transient: a hold that should
 * have been is a few extra rejections; a wrong hold stops trading a good symbol.
 */
broker_reject_class broker_reject_classify(const char *reason);

#endif
