/*
 * fuzz_srs_mappers - libFuzzer target for the OpenSRS response mappers.
 *
 * Input: arbitrary bytes → xcp_parse → xcp_response_read → every srs_map_*
 * function (each operation kind, with and without handle=save). Properties
 * (abort otherwise):
 *   M1  no crash, leak or undefined behaviour (ASan/UBSan);
 *   M2  a query mapper returns 0 or a negative rm_errcode with a message;
 *   M3  an operation is FAILED only when the registrar said is_success 0,
 *       and DONE only when it said is_success 1 with code 200 and neither
 *       forced_pending nor queue_request_id - nothing uncertain becomes a
 *       success or a failure;
 *   M4  a transfer is never DONE (it takes days: always pending).
 *   M5  a POLL EVENT answer mapped without error lists at most the limit
 *       asked for, and every event has an id an ACK EVENT may carry (so
 *       none can be stuck unacknowledgeable); a failed one lists nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opensrs/srs.h"
#include "xcp/xcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rc(const char *what, int rc, const struct rm_err *err)
{
    if (rc > 0 || (rc < 0 && err->msg[0] == '\0')) {
        fprintf(stderr,
                "fuzz_srs_mappers: %s returned %d without a "
                "message\n",
                what, rc);
        abort();
    }
}

static void check_op(const struct xcp_response *r, enum reg_op_kind kind,
                     const struct reg_op_result *o)
{
    const char *forced = xcp_path_str(r->attrs, "forced_pending");
    const char *queue = xcp_path_str(r->attrs, "queue_request_id");
    bool clean = !(forced && *forced) && !(queue && *queue);
    if (o->state == REG_OP_FAILED && r->is_success)
        abort();
    if (o->state == REG_OP_DONE && !(r->is_success && r->code == 200 && clean))
        abort();
    if (o->state == REG_OP_DONE && kind == REG_KIND_TRANSFER)
        abort();
    if (o->state == REG_OP_NOT_SENT)
        abort(); /* an answer was received */
}

/* check_events - M5, for one limit. */
static void check_events(const struct xcp_response *r, int limit)
{
    struct reg_events ev;
    struct rm_err err;
    rm_err_clear(&err);
    int rc = srs_map_events(r, limit, &ev, &err);
    check_rc("srs_map_events", rc, &err);
    size_t max = limit < 1 ? 1 : (size_t)limit;
    if (max > SRS_EVENTS_MAX)
        max = SRS_EVENTS_MAX;
    if (rc == 0 && ev.n > max)
        abort();
    if (rc != 0 && (ev.n || ev.items))
        abort();
    for (size_t i = 0; i < ev.n; i++) {
        struct xcp_value *ack = srs_req_ack_event(ev.items[i].id, NULL);
        if (!ack)
            abort();
        xcp_free(ack);
        if (strlen(ev.items[i].data) >= sizeof(ev.items[i].data))
            abort();
    }
    reg_events_release(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xcp_msg msg;
    struct xcp_response r;
    struct rm_err err;
    rm_err_clear(&err);
    memset(&msg, 0, sizeof(msg));
    if (xcp_parse((const char *)data, size, &msg, &err) != 0)
        return 0;
    if (xcp_response_read(msg.data, &r, &err) != 0) {
        xcp_msg_free(&msg);
        return 0;
    }

    for (int k = REG_KIND_REGISTER; k <= REG_KIND_CANCEL; k++)
        for (int save = 0; save < 2; save++) {
            struct reg_op_result o;
            srs_map_op((enum reg_op_kind)k, save, &r, &o);
            check_op(&r, (enum reg_op_kind)k, &o);
        }

#define Q(fn, type)                                                            \
    do {                                                                       \
        type out;                                                              \
        rm_err_clear(&err);                                                    \
        check_rc(#fn, fn(&r, &out, &err), &err);                               \
    } while (0)
    Q(srs_map_lookup, struct reg_lookup);
    Q(srs_map_transfer_check, struct reg_transfer_info);
    Q(srs_map_order_info, struct reg_order_info);
    Q(srs_map_queue, struct reg_queue_info);
    Q(srs_map_belongs, struct reg_belongs);
    Q(srs_map_info, struct reg_domain_info);
    Q(srs_map_status, struct reg_domain_status);
    Q(srs_map_balance, struct reg_balance);
    Q(srs_map_price, struct reg_price);
#undef Q
    {
        struct reg_suggest out;
        rm_err_clear(&err);
        check_rc("srs_map_suggest", srs_map_suggest(&r, &out, &err), &err);
        reg_suggest_release(&out);
    }
    {
        struct reg_transfers out;
        rm_err_clear(&err);
        check_rc("srs_map_transfers_in", srs_map_transfers_in(&r, &out, &err),
                 &err);
        reg_transfers_release(&out);
    }
    {
        /* two pages into one list, as the driver does */
        struct reg_expiring out = {0};
        int64_t rem;
        rm_err_clear(&err);
        check_rc("srs_map_expiring_page",
                 srs_map_expiring_page(&r, &out, &rem, &err), &err);
        rm_err_clear(&err);
        check_rc("srs_map_expiring_page",
                 srs_map_expiring_page(&r, &out, &rem, &err), &err);
        reg_expiring_release(&out);
    }
    check_events(&r, 1);
    check_events(&r, SRS_EVENTS_MAX);
    {
        struct reg_reply out;
        rm_err_clear(&err);
        check_rc("srs_map_ack", srs_map_ack(&r, &out, &err), &err);
    }
    xcp_msg_free(&msg);
    return 0;
}
