#include "oms/broker.h"

#include <stdio.h>

const char *broker_state_name(broker_state s)
{
    static const char *const names[] = {"disconnected", "connecting", "syncing", "ready"};
    return (unsigned)s < 4 ? names[s] : "?";
}

int broker_connect(broker b, tb_err *e)
{
    return b.vt->connect(b.self, e);
}
int broker_disconnect(broker b, tb_err *e)
{
    return b.vt->disconnect(b.self, e);
}
broker_state broker_get_state(broker b)
{
    return b.vt->state(b.self);
}
int broker_submit(broker b, const broker_submit_req *r, tb_err *e)
{
    return b.vt->submit(b.self, r, e);
}
int broker_cancel(broker b, const oms_order *o, tb_err *e)
{
    return b.vt->cancel(b.self, o, e);
}
int broker_replace(broker b, const broker_replace_req *r, tb_err *e)
{
    return b.vt->replace(b.self, r, e);
}
int broker_positions(broker b, broker_position *out, int cap, int *n, tb_err *e)
{
    return b.vt->positions(b.self, out, cap, n, e);
}
int broker_account_get(broker b, broker_account *out, tb_err *e)
{
    return b.vt->account(b.self, out, e);
}
void broker_set_update_fn(broker b, broker_update_fn fn, void *ud)
{
    b.vt->set_update_fn(b.self, fn, ud);
}

const char *broker_not_ready(broker b, char *why, size_t why_len)
{
    char tmp[8];
    if (!why || !why_len) why = tmp, why_len = sizeof tmp;
    why[0] = 0;
    if (b.vt->not_ready) return b.vt->not_ready(b.self, why, why_len);
    broker_state s = b.vt->state(b.self);
    if (s == BROKER_READY) return NULL;
    snprintf(why, why_len, "%s: broker is %s, not ready for orders", b.vt->name,
             broker_state_name(s));
    return broker_state_name(s);
}

const struct posdiff *broker_differences(broker b)
{
    return b.vt->differences ? b.vt->differences(b.self) : NULL;
}

/* The wrapped broker: the first member of the decorator's state (broker.h). */
static broker inner(void *self)
{
    return *(broker *)self;
}

int broker_fwd_connect(void *self, tb_err *e)
{
    return broker_connect(inner(self), e);
}
int broker_fwd_disconnect(void *self, tb_err *e)
{
    return broker_disconnect(inner(self), e);
}
broker_state broker_fwd_state(void *self)
{
    return broker_get_state(inner(self));
}
int broker_fwd_cancel(void *self, const oms_order *o, tb_err *e)
{
    return broker_cancel(inner(self), o, e);
}
int broker_fwd_positions(void *self, broker_position *out, int cap, int *n, tb_err *e)
{
    return broker_positions(inner(self), out, cap, n, e);
}
int broker_fwd_account(void *self, broker_account *out, tb_err *e)
{
    return broker_account_get(inner(self), out, e);
}
const char *broker_fwd_not_ready(void *self, char *why, size_t why_len)
{
    return broker_not_ready(inner(self), why, why_len);
}
const struct posdiff *broker_fwd_differences(void *self)
{
    return broker_differences(inner(self));
}
