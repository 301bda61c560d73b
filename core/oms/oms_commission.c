/* A commission that arrives after its fill (oms.h: oms_on_commission). */
#include "oms/oms_priv.h"

int oms_on_commission(oms *m, const char *client_id, const char *exec_id, tb_money commission,
                      tb_err *e)
{
    const oms_order *found = oms_find(m, client_id);
    if (!found) return tb_errf(e, "oms: commission for unknown order %s", client_id);
    slot *s = (slot *)found; /* the order is a slot's first member */
    tb_money old = 0;
    if (m->journal.fill_commission) {
        int rc = m->journal.fill_commission(m->journal.ud, exec_id, &old, e);
        if (rc != 0) return rc < 0 ? tb_err_prefix(e, "oms: commission %s: ", exec_id) : 1;
    }
    tb_money d = commission - old;
    if (d == 0) return 0;
    oms_order next = s->o;
    oms_position pos = m->syms[s->sym].pos, spos;
    int32_t be = oms_book_find(&m->book, next.strategy, next.symbol);
    if (tb_money_add(next.commission, d, &next.commission, e) < 0 ||
        tb_money_add(pos.fees, d, &pos.fees, e) < 0)
        return -1;
    if (be >= 0) {
        spos = m->book.e[be].pos;
        if (tb_money_add(spos.fees, d, &spos.fees, e) < 0) return -1;
    }
    if (m->journal.save_commission &&
        m->journal.save_commission(m->journal.ud, &next, exec_id, commission, &pos,
                                   be >= 0 ? &spos : NULL, e) < 0)
        return tb_err_prefix(e, "oms: journal commission %s: ", exec_id);
    s->o = next;
    m->syms[s->sym].pos = pos;
    if (be >= 0) m->book.e[be].pos = spos;
    oms_exec x = {.commission = d};
    oms_strlcpy(x.exec_id, exec_id, sizeof x.exec_id);
    if (m->listener) {
        oms_event ev = {OMS_EV_FEE, &s->o, &x, &m->syms[s->sym].pos};
        m->listener(m->listener_ud, &ev);
    }
    return 0;
}
