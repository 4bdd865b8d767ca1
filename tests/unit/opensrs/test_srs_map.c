/*
 * test_srs_map - golden OpenSRS responses (tests/data/opensrs) map to the
 * expected registrar-neutral results, and malformed ones to clear errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>

#include "fixture.h"
#include "opensrs/srs.h"
#include "registrar/registrar.h"

static time_t utc(const char *s)
{
    time_t t = 0;
    assert_int_equal(reg_parse_time(s, &t, NULL), 0);
    return t;
}

/* --- operations ------------------------------------------------------- */

struct op_case {
    const char *file;
    enum reg_op_kind kind;
    bool save;
    enum reg_op_state state;
    enum reg_pending_why why;
    const char *order_id;
    const char *queue_id;
    const char *expiry; /* NULL: 0 */
    const char *reason; /* substring of reason, or NULL */
};

static const struct op_case op_cases[] = {
    /* done */
    {"sw_register_200_done", REG_KIND_REGISTER, false, REG_OP_DONE,
     REG_PENDING_NONE, "1000123", "", NULL, "Registration successful"},
    {"renew_200", REG_KIND_RENEW, false, REG_OP_DONE, REG_PENDING_NONE,
     "1000150", "", "2028-03-04 05:06:07", NULL},
    {"process_pending_200", REG_KIND_REGISTER, false, REG_OP_DONE,
     REG_PENDING_NONE, "1000160", "", "2027-06-01 00:00:00", NULL},
    {"process_pending_cancel_200", REG_KIND_CANCEL, false, REG_OP_DONE,
     REG_PENDING_NONE, "", "", NULL, "cancelled"},
    {"cancel_transfer_200", REG_KIND_CANCEL, false, REG_OP_DONE,
     REG_PENDING_NONE, "", "", NULL, "canceled"},
    /* pending: accepted for later */
    {"sw_register_200_forced_pending", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_FORCED, "1000124", "", NULL, NULL},
    {"sw_register_435_forced", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_FORCED, "1000128", "", NULL, "435"},

    {"sw_register_200_queued", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_QUEUED, "1000125", "77001", NULL, "queued"},
    {"renew_200_queued", REG_KIND_RENEW, false, REG_OP_PENDING,
     REG_PENDING_QUEUED, "1000151", "77002", NULL, NULL},
    {"sw_register_250_async", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_ASYNC, "1000126", "", NULL, "asynchronous"},
    {"sw_register_transfer_250", REG_KIND_TRANSFER, false, REG_OP_PENDING,
     REG_PENDING_ASYNC, "1000141", "", NULL, NULL},
    {"process_pending_250", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_ASYNC, "1000162", "", NULL, NULL},
    {"sw_register_200_saved", REG_KIND_REGISTER, true, REG_OP_PENDING,
     REG_PENDING_SAVED, "1000127", "", NULL, NULL},
    {"sw_register_transfer_200", REG_KIND_TRANSFER, false, REG_OP_PENDING,
     REG_PENDING_TRANSFER, "1000140", "", NULL, "Transfer request"},
    {"process_pending_transfer_200", REG_KIND_TRANSFER, false, REG_OP_PENDING,
     REG_PENDING_TRANSFER, "1000163", "", NULL, NULL},
    /* pending: outcome unknown, never failed */
    {"sw_register_437_waiting", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "437"},
    {"sw_register_486_processing", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "486"},
    {"sw_register_705_timeout", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "705"},
    {"sw_register_300_rate", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "300"},
    {"sw_register_310_connections", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "310"},
    {"sw_register_400_retry", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "400"},
    {"sw_register_404_internal", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "404"},
    {"sw_register_436_registry", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "436"},
    {"renew_400_in_progress", REG_KIND_RENEW, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "400"},
    {"sw_register_999_unknown", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_UNKNOWN, "", "", NULL, "999"},
    {"sw_register_201_odd_success", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_UNKNOWN, "", "", NULL, "201"},
    {"sw_register_bad_id_type", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_UNKNOWN, "", "", NULL, "\"id\" is not a scalar"},
    {"sw_register_350_too_many", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "350"},
    {"sw_register_552_status", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "552"},
    {"sw_register_557_association", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "557"},
    {"sw_register_405_registry", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_UNKNOWN, "", "", NULL, "405"},
    {"renew_705_timeout", REG_KIND_RENEW, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "705"},
    {"renew_250_async", REG_KIND_RENEW, false, REG_OP_PENDING,
     REG_PENDING_ASYNC, "1000153", "", NULL, NULL},
    /* REDEEM: 200 restored, 250 the registry restores later, 400 a
     * refusal (for REDEEM only; elsewhere 400 is "try again") */
    {"redeem_200", REG_KIND_RESTORE, false, REG_OP_DONE, REG_PENDING_NONE, "",
     "", NULL, NULL},
    {"redeem_250", REG_KIND_RESTORE, false, REG_OP_PENDING, REG_PENDING_ASYNC,
     "", "", NULL, NULL},
    {"redeem_400", REG_KIND_RESTORE, false, REG_OP_FAILED, REG_PENDING_NONE, "",
     "", NULL, "redemption period is over"},
    {"redeem_400", REG_KIND_RENEW, false, REG_OP_PENDING, REG_PENDING_RETRY, "",
     "", NULL, "400"},
    {"process_pending_400_funds", REG_KIND_REGISTER, false, REG_OP_PENDING,
     REG_PENDING_RETRY, "", "", NULL, "Insufficient funds"},
    {"renew_bad_date", REG_KIND_RENEW, false, REG_OP_PENDING,
     REG_PENDING_UNKNOWN, "", "", NULL, "bad date"},
    /* failed: explicit, definite refusals */
    {"sw_register_485_forced", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "1000129", "", NULL, "485 Domain taken"},
    {"sw_register_485_taken", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "485 Domain taken"},
    {"sw_register_435_denied", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "435"},
    {"sw_register_465_invalid", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "Invalid Phone number"},
    {"sw_register_460_missing", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "460"},
    {"sw_register_440_quota", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "440"},
    {"sw_register_401_auth", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "401"},
    {"sw_register_transfer_487", REG_KIND_TRANSFER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "not transferable"},
    {"renew_555_already", REG_KIND_RENEW, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "555"},
    {"renew_541_year", REG_KIND_RENEW, false, REG_OP_FAILED, REG_PENDING_NONE,
     "", "", NULL, "541"},
    {"renew_480_not_allowed", REG_KIND_RENEW, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "480"},
    {"renew_465_already_sandbox", REG_KIND_RENEW, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "Already Renewed"},
    {"process_pending_555", REG_KIND_RENEW, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "555"},
    {"sw_register_410_reseller_auth", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "410"},
    {"sw_register_420_contact", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "420"},
    {"sw_register_430_invalid_command", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "430"},
    {"sw_register_445_ns_quota", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "445"},
    {"sw_register_447_subuser_quota", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "447"},
    {"renew_401_auth", REG_KIND_RENEW, false, REG_OP_FAILED, REG_PENDING_NONE,
     "", "", NULL, "401"},
    {"process_pending_465_not_pending", REG_KIND_REGISTER, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "not pending"},
    {"cancel_transfer_465_state", REG_KIND_CANCEL, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "465"},
    {"cancel_transfer_480", REG_KIND_CANCEL, false, REG_OP_FAILED,
     REG_PENDING_NONE, "", "", NULL, "480"},
};

static void op_responses_map_to_the_documented_state(void **state)
{
    for (size_t i = 0; i < sizeof(op_cases) / sizeof(op_cases[0]); i++) {
        const struct op_case *c = &op_cases[i];
        struct xcp_msg msg;
        struct xcp_response r;
        print_message("%s\n", c->file);
        assert_int_equal(fixture_load(c->file, &msg, &r), 0);
        struct reg_op_result out;
        srs_map_op(c->kind, c->save, &r, &out);
        assert_string_equal(reg_op_state_name(out.state),
                            reg_op_state_name(c->state));
        assert_string_equal(reg_pending_why_name(out.why),
                            reg_pending_why_name(c->why));
        assert_string_equal(out.order_id, c->order_id);
        assert_string_equal(out.queue_id, c->queue_id);
        assert_int_equal(out.expiry, c->expiry ? utc(c->expiry) : 0);
        if (c->reason && !strstr(out.reason, c->reason))
            fail_msg("%s: reason \"%s\" lacks \"%s\"", c->file, out.reason,
                     c->reason);
        assert_int_equal(out.reply.delivery, REG_ANSWERED);
        assert_int_equal(out.reply.code, r.code);
        xcp_msg_free(&msg);
    }
}

static void transport_outcomes_map_to_not_sent_or_pending(void **state)
{
    struct srs_reply rep;
    struct reg_op_result out;
    srs_reply_init(&rep);
    rep.outcome = SRS_NOT_SENT;
    srs_map_op_reply(REG_KIND_REGISTER, false, &rep, "not sent: refused", &out);
    assert_int_equal(out.state, REG_OP_NOT_SENT);
    assert_int_equal(out.reply.delivery, REG_NOT_SENT);
    assert_string_equal(out.reason, "not sent: refused");

    rep.outcome = SRS_UNKNOWN;
    srs_map_op_reply(REG_KIND_RENEW, false, &rep, "outcome unknown: reset",
                     &out);
    assert_int_equal(out.state, REG_OP_PENDING);
    assert_int_equal(out.why, REG_PENDING_TRANSPORT);
    assert_int_equal(out.reply.delivery, REG_UNKNOWN);
}

/* --- queries ---------------------------------------------------------- */

struct lookup_case {
    const char *file;
    int rc;
    enum reg_availability avail;
    bool claim, premium;
};

static const struct lookup_case lookup_cases[] = {
    {"lookup_210_available", 0, REG_AVAILABLE, false, false},
    {"lookup_210_claim", 0, REG_AVAILABLE, true, false},
    {"lookup_211_taken", 0, REG_TAKEN, false, false},
    {"lookup_221_waiting", 0, REG_PENDING_ELSEWHERE, false, false},
    {"lookup_465_invalid", 0, REG_INVALID, false, false},
    {"lookup_200_premium", 0, REG_AVAILABLE, false, true},
    {"lookup_401_auth", RM_EPROTO, 0, false, false},
    {"lookup_705_timeout", RM_EPROTO, 0, false, false},
    {"lookup_300_rate", RM_EPROTO, 0, false, false},
    {"lookup_bad_type", RM_EPROTO, 0, false, false},
};

static void lookup_codes_map_to_availability(void **state)
{
    for (size_t i = 0; i < sizeof(lookup_cases) / sizeof(lookup_cases[0]);
         i++) {
        const struct lookup_case *c = &lookup_cases[i];
        struct xcp_msg msg;
        struct xcp_response r;
        print_message("%s\n", c->file);
        assert_int_equal(fixture_load(c->file, &msg, &r), 0);
        struct reg_lookup out;
        struct rm_err err;
        rm_err_clear(&err);
        assert_int_equal(srs_map_lookup(&r, &out, &err), c->rc);
        if (c->rc == 0) {
            assert_int_equal(out.availability, c->avail);
            assert_int_equal(out.has_claim, c->claim);
            assert_int_equal(out.premium, c->premium);
        } else {
            assert_true(err.msg[0] != '\0');
        }
        xcp_msg_free(&msg);
    }
}

struct xfer_case {
    const char *file;
    int rc;
    bool transferable;
    enum reg_transfer_state st;
    time_t when;
};

static const struct xfer_case xfer_cases[] = {
    {"check_transfer_transferrable", 0, true, REG_XFER_NONE, 0},
    {"check_transfer_pending_owner", 0, false, REG_XFER_PENDING_OWNER,
     1115199366},
    {"check_transfer_pending_admin", 0, false, REG_XFER_PENDING_ADMIN,
     1700000000},
    {"check_transfer_pending_registry", 0, false, REG_XFER_PENDING_REGISTRY,
     1700000100},
    {"check_transfer_completed", 0, false, REG_XFER_COMPLETED, 1700000200},
    {"check_transfer_cancelled", 0, true, REG_XFER_CANCELLED, 1700000300},
    {"check_transfer_odd_status", 0, false, REG_XFER_UNKNOWN, 0},
    {"check_transfer_465", RM_EPROTO, false, 0, 0},
    {"check_transfer_bad_unixtime", RM_EINVAL, false, 0, 0},
};

static void check_transfer_maps_status_words(void **state)
{
    for (size_t i = 0; i < sizeof(xfer_cases) / sizeof(xfer_cases[0]); i++) {
        const struct xfer_case *c = &xfer_cases[i];
        struct xcp_msg msg;
        struct xcp_response r;
        print_message("%s\n", c->file);
        assert_int_equal(fixture_load(c->file, &msg, &r), 0);
        struct reg_transfer_info out;
        struct rm_err err;
        rm_err_clear(&err);
        assert_int_equal(srs_map_transfer_check(&r, &out, &err), c->rc);
        if (c->rc == 0) {
            assert_int_equal(out.transferable, c->transferable);
            assert_string_equal(reg_transfer_state_name(out.state),
                                reg_transfer_state_name(c->st));
            assert_int_equal(out.when, c->when);
        } else {
            assert_true(err.msg[0] != '\0');
        }
        xcp_msg_free(&msg);
    }
}

struct order_case {
    const char *file;
    int rc;
    enum reg_order_state st;
};

static const struct order_case order_cases[] = {
    {"get_order_info_completed", 0, REG_ORDER_COMPLETED},
    {"get_order_info_pending", 0, REG_ORDER_PENDING},
    {"get_order_info_waiting", 0, REG_ORDER_WAITING},
    {"get_order_info_declined", 0, REG_ORDER_DECLINED},
    {"get_order_info_cancelled", 0, REG_ORDER_CANCELLED},
    {"get_order_info_processed", 0, REG_ORDER_PROCESSED},
    {"get_order_info_480", RM_ENOTFOUND, 0},
    {"get_order_info_no_field_hash", RM_EPROTO, 0},
    {"get_order_info_bad_period", RM_EINVAL, 0},
};

static void order_info_maps_order_states(void **state)
{
    for (size_t i = 0; i < sizeof(order_cases) / sizeof(order_cases[0]); i++) {
        const struct order_case *c = &order_cases[i];
        struct xcp_msg msg;
        struct xcp_response r;
        print_message("%s\n", c->file);
        assert_int_equal(fixture_load(c->file, &msg, &r), 0);
        struct reg_order_info out;
        struct rm_err err;
        rm_err_clear(&err);
        assert_int_equal(srs_map_order_info(&r, &out, &err), c->rc);
        if (c->rc == 0) {
            assert_int_equal(out.state, c->st);
            assert_string_equal(out.order_id, "1000180");
            assert_string_equal(out.domain, "example.com");
            assert_string_equal(out.reg_type, "new");
            assert_int_equal(out.period, 2);
        } else {
            assert_true(err.msg[0] != '\0');
        }
        xcp_msg_free(&msg);
    }
}

struct queue_case {
    const char *file;
    int rc;
    enum reg_queue_state st;
};

static const struct queue_case queue_cases[] = {
    {"query_queued_request_queued", 0, REG_QUEUE_WAITING},
    {"query_queued_request_completed", 0, REG_QUEUE_COMPLETED},
    {"query_queued_request_failed", 0, REG_QUEUE_FAILED},
    {"query_queued_request_480", RM_ENOTFOUND, 0},
};

static void queued_request_maps_queue_states(void **state)
{
    for (size_t i = 0; i < sizeof(queue_cases) / sizeof(queue_cases[0]); i++) {
        const struct queue_case *c = &queue_cases[i];
        struct xcp_msg msg;
        struct xcp_response r;
        print_message("%s\n", c->file);
        assert_int_equal(fixture_load(c->file, &msg, &r), 0);
        struct reg_queue_info out;
        struct rm_err err;
        rm_err_clear(&err);
        assert_int_equal(srs_map_queue(&r, &out, &err), c->rc);
        if (c->rc == 0) {
            assert_int_equal(out.state, c->st);
            assert_string_equal(out.order_id, "1000190");
            assert_string_equal(out.domain, "queued.ca");
        }
        xcp_msg_free(&msg);
    }
}

struct belongs_case {
    const char *file;
    int rc;
    bool ours;
    const char *expiry;
};

static const struct belongs_case belongs_cases[] = {
    {"belongs_to_rsp_yes", 0, true, "2027-11-30 23:59:59"},
    {"belongs_to_rsp_no", 0, false, NULL},
    {"belongs_to_rsp_bad_value", RM_EPROTO, false, NULL},
    {"belongs_to_rsp_401", RM_EPROTO, false, NULL},
};

static void belongs_to_rsp_maps_ownership_and_expiry(void **state)
{
    for (size_t i = 0; i < sizeof(belongs_cases) / sizeof(belongs_cases[0]);
         i++) {
        const struct belongs_case *c = &belongs_cases[i];
        struct xcp_msg msg;
        struct xcp_response r;
        print_message("%s\n", c->file);
        assert_int_equal(fixture_load(c->file, &msg, &r), 0);
        struct reg_belongs out;
        assert_int_equal(srs_map_belongs(&r, &out, NULL), c->rc);
        if (c->rc == 0) {
            assert_int_equal(out.ours, c->ours);
            assert_int_equal(out.expiry, c->expiry ? utc(c->expiry) : 0);
        }
        xcp_msg_free(&msg);
    }
}

struct money_case {
    const char *file;
    int rc;
    int64_t amount, hold;
    bool premium;
};

static const struct money_case balance_cases[] = {
    {"get_balance_200", 0, 854918, 167605, false},
    {"get_balance_bad_type", RM_EPROTO, 0, 0, false},
    {"get_balance_bad_amount", RM_EINVAL, 0, 0, false},
};

static const struct money_case price_cases[] = {
    {"get_price_200", 0, 1099, 0, false},
    {"get_price_premium", 0, 250000, 0, true},
    {"get_price_465", RM_EPROTO, 0, 0, false},
    {"get_price_missing", RM_EPROTO, 0, 0, false},
};

static void balance_and_price_are_minor_units(void **state)
{
    for (size_t i = 0; i < sizeof(balance_cases) / sizeof(balance_cases[0]);
         i++) {
        const struct money_case *c = &balance_cases[i];
        struct xcp_msg msg;
        struct xcp_response r;
        print_message("%s\n", c->file);
        assert_int_equal(fixture_load(c->file, &msg, &r), 0);
        struct reg_balance out;
        assert_int_equal(srs_map_balance(&r, &out, NULL), c->rc);
        if (c->rc == 0) {
            assert_int_equal(out.balance, c->amount);
            assert_int_equal(out.hold, c->hold);
        }
        xcp_msg_free(&msg);
    }
    for (size_t i = 0; i < sizeof(price_cases) / sizeof(price_cases[0]); i++) {
        const struct money_case *c = &price_cases[i];
        struct xcp_msg msg;
        struct xcp_response r;
        print_message("%s\n", c->file);
        assert_int_equal(fixture_load(c->file, &msg, &r), 0);
        struct reg_price out;
        assert_int_equal(srs_map_price(&r, &out, NULL), c->rc);
        if (c->rc == 0) {
            assert_int_equal(out.price, c->amount);
            assert_int_equal(out.premium, c->premium);
        }
        xcp_msg_free(&msg);
    }
}

static void all_info_maps_dates_contacts_and_sorted_nameservers(void **s)
{
    struct xcp_msg msg;
    struct xcp_response r;
    assert_int_equal(fixture_load("get_domain_all_info", &msg, &r), 0);
    struct reg_domain_info out;
    assert_int_equal(srs_map_info(&r, &out, NULL), 0);
    assert_int_equal(out.expiry, utc("2027-05-06 07:08:09"));
    assert_int_equal(out.created, utc("2020-05-06 07:08:09"));
    assert_int_equal(out.updated, utc("2026-01-02 03:04:05"));
    assert_true(out.auto_renew);
    assert_false(out.let_expire);
    assert_string_equal(out.owner.email, "owner@example.com");
    assert_string_equal(out.tech.first_name, "Tina");
    assert_string_equal(out.billing.country, "CA");
    assert_int_equal(out.n_nameservers, 2);
    assert_string_equal(out.nameservers[0], "ns1.example.net");
    assert_string_equal(out.nameservers[1], "ns2.example.net");
    assert_int_equal(out.phase, REG_PHASE_NONE);
    assert_int_equal(out.grace_end, 0);
    xcp_msg_free(&msg);

    /* the phase after expiry and its dates, where stated (opensrs-sim) */
    assert_int_equal(fixture_load("get_domain_all_info_grace", &msg, &r), 0);
    assert_int_equal(srs_map_info(&r, &out, NULL), 0);
    assert_int_equal(out.phase, REG_PHASE_GRACE);
    assert_int_equal(out.grace_end, utc("2027-06-15 07:08:09"));
    assert_int_equal(out.redemption_end, utc("2027-07-15 07:08:09"));
    assert_int_equal(out.delete_at, utc("2027-07-20 07:08:09"));
    assert_string_equal(reg_phase_name(out.phase), "expired");
    xcp_msg_free(&msg);

    assert_int_equal(fixture_load("get_domain_all_info_no_expiry", &msg, &r),
                     0);
    assert_int_equal(srs_map_info(&r, &out, NULL), RM_EPROTO);
    xcp_msg_free(&msg);
    assert_int_equal(fixture_load("get_domain_415", &msg, &r), 0);
    assert_int_equal(srs_map_info(&r, &out, NULL), RM_EPROTO);
    assert_int_equal(out.reply.code, 415);
    xcp_msg_free(&msg);
}

static void domain_status_maps_lock_state(void **s)
{
    struct xcp_msg msg;
    struct xcp_response r;
    struct reg_domain_status out;
    assert_int_equal(fixture_load("get_domain_status", &msg, &r), 0);
    assert_int_equal(srs_map_status(&r, &out, NULL), 0);
    assert_true(out.locked);
    assert_true(out.can_modify);
    assert_false(out.transfer_away_in_progress);
    xcp_msg_free(&msg);
    assert_int_equal(fixture_load("get_domain_status_unlocked", &msg, &r), 0);
    assert_int_equal(srs_map_status(&r, &out, NULL), 0);
    assert_false(out.locked);
    assert_true(out.transfer_away_in_progress);
    xcp_msg_free(&msg);
    assert_false(out.restore_pending);
    assert_int_equal(out.phase, REG_PHASE_NONE);
    assert_int_equal(fixture_load("get_domain_status_redemption", &msg, &r), 0);
    assert_int_equal(srs_map_status(&r, &out, NULL), 0);
    assert_true(out.restore_pending);
    assert_int_equal(out.phase, REG_PHASE_REDEMPTION);
    xcp_msg_free(&msg);
    /* a phase word not known is no phase; a date that does not read is
     * an error like any other field */
    assert_int_equal(fixture_load("get_domain_status_unknown_phase", &msg, &r),
                     0);
    assert_int_equal(srs_map_status(&r, &out, NULL), 0);
    assert_int_equal(out.phase, REG_PHASE_NONE);
    xcp_msg_free(&msg);
    assert_int_equal(fixture_load("get_domain_status_bad_phase_date", &msg, &r),
                     0);
    assert_int_equal(srs_map_status(&r, &out, NULL), RM_EPROTO);
    xcp_msg_free(&msg);
    assert_int_equal(fixture_load("get_domain_415", &msg, &r), 0);
    assert_int_equal(srs_map_status(&r, &out, NULL), RM_EPROTO);
    xcp_msg_free(&msg);
}

static void expiring_pages_accumulate_until_remainder_zero(void **s)
{
    struct reg_expiring out = {0};
    struct xcp_msg msg;
    struct xcp_response r;
    int64_t rem = -1;
    assert_int_equal(fixture_load("get_domains_by_expiredate_page1", &msg, &r),
                     0);
    assert_int_equal(srs_map_expiring_page(&r, &out, &rem, NULL), 0);
    assert_int_equal(rem, 1);
    xcp_msg_free(&msg);
    assert_int_equal(fixture_load("get_domains_by_expiredate_page2", &msg, &r),
                     0);
    assert_int_equal(srs_map_expiring_page(&r, &out, &rem, NULL), 0);
    assert_int_equal(rem, 0);
    xcp_msg_free(&msg);
    assert_int_equal(out.n, 3);
    assert_string_equal(out.items[0].domain, "alpha.com");
    assert_true(out.items[0].auto_renew);
    assert_int_equal(out.items[1].expiry, utc("2026-12-15 12:30:00"));
    assert_string_equal(out.items[2].domain, "gamma.org");
    assert_true(out.items[2].let_expire);
    reg_expiring_release(&out);

    assert_int_equal(fixture_load("get_domains_by_expiredate_empty", &msg, &r),
                     0);
    assert_int_equal(srs_map_expiring_page(&r, &out, &rem, NULL), 0);
    assert_int_equal(out.n, 0);
    xcp_msg_free(&msg);
    assert_int_equal(
        fixture_load("get_domains_by_expiredate_bad_remainder", &msg, &r), 0);
    assert_int_equal(srs_map_expiring_page(&r, &out, &rem, NULL), RM_EINVAL);
    xcp_msg_free(&msg);
    reg_expiring_release(&out);
}

static void transfers_in_lists_each_transfer(void **s)
{
    struct xcp_msg msg;
    struct xcp_response r;
    struct reg_transfers out;
    assert_int_equal(fixture_load("get_transfers_in_200", &msg, &r), 0);
    assert_int_equal(srs_map_transfers_in(&r, &out, NULL), 0);
    assert_int_equal(out.n, 2);
    assert_string_equal(out.items[0].domain, "moving.com");
    assert_int_equal(out.items[0].state, REG_XFER_PENDING_OWNER);
    assert_int_equal(out.items[0].order_date, 1769940000);
    assert_int_equal(out.items[0].completed_date, 0);
    assert_string_equal(out.items[0].transfer_id, "41");
    assert_int_equal(out.items[1].state, REG_XFER_COMPLETED);
    assert_int_equal(out.items[1].completed_date, utc("2026-01-06 12:00:00"));
    reg_transfers_release(&out);
    xcp_msg_free(&msg);

    assert_int_equal(fixture_load("get_transfers_in_empty", &msg, &r), 0);
    assert_int_equal(srs_map_transfers_in(&r, &out, NULL), 0);
    assert_int_equal(out.n, 0);
    reg_transfers_release(&out);
    xcp_msg_free(&msg);
    assert_int_equal(fixture_load("get_transfers_in_bad_item", &msg, &r), 0);
    assert_int_equal(srs_map_transfers_in(&r, &out, NULL), RM_EPROTO);
    assert_null(out.items);
    xcp_msg_free(&msg);
}

static void name_suggest_lists_lookup_and_suggestions(void **s)
{
    struct xcp_msg msg;
    struct xcp_response r;
    struct reg_suggest out;
    assert_int_equal(fixture_load("name_suggest_200", &msg, &r), 0);
    assert_int_equal(srs_map_suggest(&r, &out, NULL), 0);
    assert_int_equal(out.n, 4);
    assert_string_equal(out.items[0].domain, "example.com");
    assert_false(out.items[0].available);
    assert_true(out.items[1].available);
    assert_string_equal(out.items[3].domain, "theexample.org");
    reg_suggest_release(&out);
    xcp_msg_free(&msg);
    assert_int_equal(fixture_load("name_suggest_bad_items", &msg, &r), 0);
    assert_int_equal(srs_map_suggest(&r, &out, NULL), RM_EPROTO);
    assert_null(out.items);
    xcp_msg_free(&msg);
}

/* --- shared parsers ----------------------------------------------------- */

struct time_case {
    const char *in;
    int rc;
    int64_t t;
};

static const struct time_case time_cases[] = {
    {"1970-01-01 00:00:00", 0, 0},
    {"2026-11-28 01:02:03", 0, 1795827723},
    {"2024-02-29", 0, 1709164800},
    {"1115199366", 0, 1115199366},
    {"2023-02-29", RM_EINVAL, 0},
    {"2026-13-01", RM_EINVAL, 0},
    {"2026-01-01 24:00:00", RM_EINVAL, 0},
    {"2026-01-01T00:00:00", RM_EINVAL, 0},
    {"2026-11-28T01:02:03Z", 0, 1795827723},
    {"2026-11-28T03:02:03+02:00", 0, 1795827723},
    {"2026-11-27T20:02:03-05:00", 0, 1795827723},
    {"2026-11-28T01:02:03.5Z", RM_EINVAL, 0},
    {"2026-11-28T01:02:03+2:00", RM_EINVAL, 0},
    {"2026-11-28 01:02:03Z", RM_EINVAL, 0},
    {"2026-1-1", RM_EINVAL, 0},
    {"", RM_EINVAL, 0},
    {"soon", RM_EINVAL, 0},
    {"1969-12-31", RM_EINVAL, 0},
};

static void dates_parse_as_utc_or_fail_clearly(void **s)
{
    for (size_t i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
        time_t t = 0;
        struct rm_err err;
        rm_err_clear(&err);
        print_message("\"%s\"\n", time_cases[i].in);
        assert_int_equal(reg_parse_time(time_cases[i].in, &t, &err),
                         time_cases[i].rc);
        if (time_cases[i].rc == 0)
            assert_int_equal((int64_t)t, time_cases[i].t);
        else
            assert_true(err.msg[0] != '\0');
    }
}

struct money_parse_case {
    const char *in;
    int rc;
    int64_t v;
};

static const struct money_parse_case money_parse_cases[] = {
    {"1000.00", 0, 100000},  {"12.5", 0, 1250},
    {"12", 0, 1200},         {"-3.40", 0, -340},
    {".99", 0, 99},          {"0", 0, 0},
    {"1.234", RM_EINVAL, 0}, {"12,50", RM_EINVAL, 0},
    {"", RM_EINVAL, 0},      {"abc", RM_EINVAL, 0},
    {"-", RM_EINVAL, 0},     {"99999999999999999999", RM_EINVAL, 0},
};

static void money_parses_to_minor_units_or_fails(void **s)
{
    for (size_t i = 0;
         i < sizeof(money_parse_cases) / sizeof(money_parse_cases[0]); i++) {
        int64_t v = -1;
        print_message("\"%s\"\n", money_parse_cases[i].in);
        assert_int_equal(reg_parse_money(money_parse_cases[i].in, &v, NULL),
                         money_parse_cases[i].rc);
        if (money_parse_cases[i].rc == 0)
            assert_int_equal(v, money_parse_cases[i].v);
    }
}

/* --- the event stream ------------------------------------------------- */

struct event_want {
    const char *id;
    enum reg_event_kind kind;
    const char *event, *object;
    const char *at; /* NULL: 0 */
    const char *domain, *order_id, *status;
    enum reg_order_state order_state;
    enum reg_transfer_state transfer_state;
    const char *expiry; /* NULL: 0 */
    const char *data;   /* exact, or NULL: not checked */
};

#define H(n) "6887c7d3838dcaec7517c531df527b" n

static const struct event_want kinds_want[] = {
    {H("00"), REG_EVENT_ORDER_STATUS, "STATUS_CHANGE", "ORDER",
     "2026-01-01 01:00:00", "async.ca", "1000200", "completed",
     REG_ORDER_COMPLETED, REG_XFER_NONE, NULL,
     "order_id=1000200; domain_name=async.ca; order_reg_type=new; "
     "order_status=completed"},
    {H("01"), REG_EVENT_DOMAIN_REGISTERED, "REGISTERED", "DOMAIN",
     "2014-06-19 15:31:47", "async.ca", "", "", REG_ORDER_UNKNOWN,
     REG_XFER_NONE, "2015-06-19 11:31:47",
     "domain_name=Async.CA; domain_id=808369; "
     "expiration_date=2015-06-19T11:31:47Z"},
    /* +02:00 */
    {H("02"), REG_EVENT_DOMAIN_REGISTERED, "CREATED", "DOMAIN",
     "2014-06-19 15:31:47", "domainregistered.com", "", "", REG_ORDER_UNKNOWN,
     REG_XFER_NONE, "2015-04-01 04:00:00", NULL},
    /* +00:00 */
    {H("03"), REG_EVENT_DOMAIN_RENEWED, "RENEWED", "DOMAIN",
     "2014-06-19 15:31:47", "renewed.net", "", "", REG_ORDER_UNKNOWN,
     REG_XFER_NONE, "2017-06-19 00:00:00", NULL},
    {H("04"), REG_EVENT_DOMAIN_DELETED, "DELETED", "DOMAIN",
     "2026-11-28 01:02:03", "gone.org", "", "", REG_ORDER_UNKNOWN,
     REG_XFER_NONE, NULL, "domain_name=gone.org; domain_id=1"},
    /* -0500; the nested nameserver_list is left out of data */
    {H("05"), REG_EVENT_DOMAIN_CHANGED, "NAMESERVER_UPDATE", "DOMAIN",
     "2014-06-19 20:31:47", "ns.example", "", "", REG_ORDER_UNKNOWN,
     REG_XFER_NONE, NULL, "domain_name=ns.example; domain_id=77; locked=0"},
    {H("06"), REG_EVENT_DOMAIN_CHANGED, "ZONE_CHECK_STATUS_CHANGE", "DOMAIN",
     "2014-05-29 11:14:02", "abc-fictional.de", "", "", REG_ORDER_UNKNOWN,
     REG_XFER_NONE, NULL, NULL},
    {H("07"), REG_EVENT_TRANSFER_STATUS, "STATUS_CHANGE", "TRANSFER",
     "2026-01-03 00:00:00", "taken.net", "1000210", "pending_registry",
     REG_ORDER_UNKNOWN, REG_XFER_PENDING_REGISTRY, NULL,
     "domain_name=taken.net; transfer_status=pending_registry; "
     "order_id=1000210; transfer_id=55"},
    /* lower case words; the status under "status", spelled Canceled */
    {H("08"), REG_EVENT_TRANSFER_STATUS, "status_change", "transfer",
     "2026-01-04 00:00:00", "taken.org", "", "Canceled", REG_ORDER_UNKNOWN,
     REG_XFER_CANCELLED, NULL, NULL},
    {H("09"), REG_EVENT_OTHER, "MESSAGE_STATUS_CHANGE", "ORDER",
     "2026-01-05 00:00:00", "msg.com", "1000220", "", REG_ORDER_UNKNOWN,
     REG_XFER_NONE, NULL, NULL},
    {H("0a"), REG_EVENT_OTHER, "MESSAGE_STATUS_CHANGE", "TRUST_ORDER",
     "2026-01-06 00:00:00", "", "9", "", REG_ORDER_UNKNOWN, REG_XFER_NONE, NULL,
     "order_id=9"},
    /* unknown fields, nested or not, are ignored */
    {H("0b"), REG_EVENT_ORDER_STATUS, "STATUS_CHANGE", "Order",
     "2026-01-07 00:00:00", "declined.com", "1000230", "Declined",
     REG_ORDER_DECLINED, REG_XFER_NONE, NULL,
     "order_id=1000230; domain_name=declined.com; order_reg_type=transfer; "
     "order_status=Declined"},
};

static const struct event_want missing_want[] = {
    /* nothing but the id: kept, to be acknowledged */
    {"a1", REG_EVENT_OTHER, "", "", NULL, "", "", "", REG_ORDER_UNKNOWN,
     REG_XFER_NONE, NULL, ""},
    /* an order without its status word: the order, state unknown */
    {"a2", REG_EVENT_ORDER_STATUS, "STATUS_CHANGE", "ORDER", NULL, "",
     "1000240", "", REG_ORDER_UNKNOWN, REG_XFER_NONE, NULL, "order_id=1000240"},
    /* no order id: nothing to apply it to */
    {"a3", REG_EVENT_OTHER, "STATUS_CHANGE", "ORDER", NULL, "x.com", "",
     "completed", REG_ORDER_UNKNOWN, REG_XFER_NONE, NULL, NULL},
    /* no domain name */
    {"a4", REG_EVENT_OTHER, "REGISTERED", "DOMAIN", "2014-06-19 15:31:47", "",
     "", "", REG_ORDER_UNKNOWN, REG_XFER_NONE, NULL,
     "domain_name=; domain_id=808369"},
    /* a transfer without a status word: a transfer in an unknown state */
    {"a5", REG_EVENT_TRANSFER_STATUS, "STATUS_CHANGE", "TRANSFER", NULL,
     "t.com", "", "", REG_ORDER_UNKNOWN, REG_XFER_UNKNOWN, NULL, NULL},
    /* empty and all-zero dates are "not given" */
    {"a6", REG_EVENT_DOMAIN_RENEWED, "RENEWED", "DOMAIN", NULL, "r.com", "", "",
     REG_ORDER_UNKNOWN, REG_XFER_NONE, NULL, NULL},
};

static void check_event(const struct reg_event *e, const struct event_want *w)
{
    print_message("  event %s\n", w->id);
    assert_string_equal(e->id, w->id);
    assert_string_equal(reg_event_kind_name(e->kind),
                        reg_event_kind_name(w->kind));
    assert_string_equal(e->event, w->event);
    assert_string_equal(e->object, w->object);
    assert_int_equal(e->at, w->at ? utc(w->at) : 0);
    assert_string_equal(e->domain, w->domain);
    assert_string_equal(e->order_id, w->order_id);
    assert_string_equal(e->status, w->status);
    assert_string_equal(reg_order_state_name(e->order_state),
                        reg_order_state_name(w->order_state));
    assert_string_equal(reg_transfer_state_name(e->transfer_state),
                        reg_transfer_state_name(w->transfer_state));
    assert_int_equal(e->expiry, w->expiry ? utc(w->expiry) : 0);
    if (w->data)
        assert_string_equal(e->data, w->data);
}

static void map_events_file(const char *file, int limit, struct reg_events *out,
                            int want_rc, struct rm_err *err)
{
    struct xcp_msg msg;
    struct xcp_response r;
    print_message("%s (limit %d)\n", file, limit);
    assert_int_equal(fixture_load(file, &msg, &r), 0);
    rm_err_clear(err);
    assert_int_equal(srs_map_events(&r, limit, out, err), want_rc);
    assert_int_equal(out->reply.delivery, REG_ANSWERED);
    assert_int_equal(out->reply.code, r.code);
    xcp_msg_free(&msg);
}

static void poll_event_maps_every_kind(void **s)
{
    struct reg_events ev;
    struct rm_err err;
    map_events_file("poll_event_kinds", 100, &ev, 0, &err);
    size_t n = sizeof(kinds_want) / sizeof(kinds_want[0]);
    assert_int_equal(ev.n, n);
    assert_int_equal(ev.total, 20);
    for (size_t i = 0; i < n; i++)
        check_event(&ev.items[i], &kinds_want[i]);
    reg_events_release(&ev);
    assert_null(ev.items);
    assert_int_equal(ev.n, 0);
}

static void poll_event_tolerates_missing_optional_fields(void **s)
{
    struct reg_events ev;
    struct rm_err err;
    map_events_file("poll_event_missing_fields", 100, &ev, 0, &err);
    size_t n = sizeof(missing_want) / sizeof(missing_want[0]);
    assert_int_equal(ev.n, n);
    assert_int_equal(ev.total, -1); /* not given */
    for (size_t i = 0; i < n; i++)
        check_event(&ev.items[i], &missing_want[i]);
    reg_events_release(&ev);
}

static void poll_event_with_nothing_waiting_is_empty(void **s)
{
    struct reg_events ev;
    struct rm_err err;
    map_events_file("poll_event_empty", 10, &ev, 0, &err);
    assert_int_equal(ev.n, 0);
    assert_null(ev.items);
    assert_int_equal(ev.total, 0);
    reg_events_release(&ev);
    map_events_file("poll_event_no_attributes", 10, &ev, 0, &err);
    assert_int_equal(ev.n, 0);
    assert_int_equal(ev.total, -1);
    reg_events_release(&ev);
}

static void poll_event_limit_is_clamped_and_the_rest_waits(void **s)
{
    static const struct {
        int limit;
        size_t n;
    } cases[] = {{2, 2}, {1, 1}, {0, 1}, {-7, 1}, {5, 5}, {100, 5}, {1000, 5}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct reg_events ev;
        struct rm_err err;
        map_events_file("poll_event_five", cases[i].limit, &ev, 0, &err);
        assert_int_equal(ev.n, cases[i].n);
        /* the registrar said 3 but listed 5: at least 5 wait */
        assert_int_equal(ev.total, 5);
        for (size_t k = 0; k < ev.n; k++) {
            char want[32];
            snprintf(want, sizeof(want), "d%zu.com", k);
            assert_string_equal(ev.items[k].domain, want);
        }
        reg_events_release(&ev);
    }
    static const struct {
        int limit;
        const char *sent;
    } req[] = {{1, "1"},  {37, "37"},   {100, "100"},    {0, "1"},
               {-5, "1"}, {101, "100"}, {1000000, "100"}};
    for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
        struct xcp_value *q = srs_req_poll_events(req[i].limit);
        assert_string_equal(xcp_path_str(q, "action"), "POLL");
        assert_string_equal(xcp_path_str(q, "object"), "EVENT");
        assert_string_equal(xcp_path_str(q, "attributes.limit"), req[i].sent);
        xcp_free(q);
    }
}

struct bad_poll {
    const char *file;
    int rc;
    const char *msg; /* substring of the error */
};

static const struct bad_poll bad_polls[] = {
    {"poll_event_not_a_list", RM_EPROTO, "events is not a list"},
    {"poll_event_no_event_id", RM_EPROTO, "events[1] has no event_id"},
    {"poll_event_empty_event_id", RM_EPROTO, "events[0] has no event_id"},
    {"poll_event_long_event_id", RM_EPROTO, "unusable event_id"},
    {"poll_event_bad_event_date", RM_EPROTO,
     "events[1].event_date: bad date \"yesterday\""},
    {"poll_event_bad_offset", RM_EPROTO, "bad date"},
    {"poll_event_bad_expiration_date", RM_EPROTO,
     "events[0].object_data.expiration_date: bad date"},
    {"poll_event_item_not_a_structure", RM_EPROTO,
     "events[0] is not a structure"},
    {"poll_event_object_data_scalar", RM_EPROTO,
     "events[0].object_data is not a structure"},
    {"poll_event_domain_name_list", RM_EPROTO,
     "events[0].object_data.domain_name is not a scalar"},
    {"poll_event_bad_total", RM_EPROTO, "total \"many\" is not a count"},
    {"poll_event_negative_total", RM_EPROTO, "is not a count"},
    {"poll_event_415", RM_EPROTO, "415"},
};

static void malformed_poll_answers_are_protocol_errors(void **s)
{
    for (size_t i = 0; i < sizeof(bad_polls) / sizeof(bad_polls[0]); i++) {
        struct reg_events ev;
        struct rm_err err;
        map_events_file(bad_polls[i].file, 100, &ev, bad_polls[i].rc, &err);
        /* nothing half-mapped */
        assert_int_equal(ev.n, 0);
        assert_null(ev.items);
        if (!strstr(err.msg, bad_polls[i].msg))
            fail_msg("%s: error \"%s\" lacks \"%s\"", bad_polls[i].file,
                     err.msg, bad_polls[i].msg);
        reg_events_release(&ev);
    }
    /* past the limit nothing is read: the bad item waits for its poll */
    struct reg_events ev;
    struct rm_err err;
    map_events_file("poll_event_no_event_id", 1, &ev, 0, &err);
    assert_int_equal(ev.n, 1);
    reg_events_release(&ev);
}

/* event_data_is_cut_whole_characters - a huge object_data fills data to
 * its size at most, ends with "...", and never splits a UTF-8
 * character. */
static void event_data_is_cut_whole_characters(void **s)
{
    for (size_t pad = 0; pad < 4; pad++) {
        struct xcp_value *od = xcp_assoc_new();
        char key[8];
        xcp_assoc_set_str(od, "domain_name", "Big.example");
        /* pad shifts where the cut falls within the 2-byte characters */
        xcp_assoc_set_str(od, "pad",
                          pad == 0   ? ""
                          : pad == 1 ? "x"
                          : pad == 2 ? "xx"
                                     : "xxx");
        xcp_assoc_set_str(od, "ctl", "a\tb\nc");
        for (int i = 0; i < 40; i++) {
            snprintf(key, sizeof(key), "k%02d", i);
            xcp_assoc_set_str(od, key,
                              "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                              "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                              "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
        }
        struct xcp_value *e = xcp_assoc_new();
        xcp_assoc_set_str(e, "event_id", "big1");
        xcp_assoc_set_str(e, "event", "NAMESERVER_UPDATE");
        xcp_assoc_set_str(e, "object", "DOMAIN");
        xcp_assoc_set(e, "object_data", od);
        struct xcp_value *a = xcp_assoc_new();
        xcp_array_push(xcp_assoc_set(a, "events", xcp_array_new()), e);
        struct xcp_value *doc =
            xcp_response_new("EVENT", true, 200, "Command successful", a);
        struct xcp_response r;
        assert_int_equal(xcp_response_read(doc, &r, NULL), 0);
        struct reg_events ev;
        assert_int_equal(srs_map_events(&r, 1, &ev, NULL), 0);
        assert_int_equal(ev.n, 1);
        const char *d = ev.items[0].data;
        size_t len = strlen(d);
        assert_true(len < sizeof(ev.items[0].data));
        assert_true(len > sizeof(ev.items[0].data) - 8);
        assert_string_equal(d + len - 3, "...");
        assert_true(strncmp(d, "domain_name=Big.example; pad=", 29) == 0);
        assert_non_null(strstr(d, "; ctl=a b c; k00="));
        /* whole characters only: every lead byte has its continuation */
        for (size_t k = 0; k < len - 3; k++) {
            unsigned char c = (unsigned char)d[k];
            if (c == 0xc3)
                assert_int_equal((unsigned char)d[k + 1], 0xa9);
            if (c == 0xa9)
                assert_int_equal((unsigned char)d[k - 1], 0xc3);
        }
        assert_string_equal(ev.items[0].domain, "big.example");
        reg_events_release(&ev);
        xcp_free(doc);
    }
}

struct ack_case {
    const char *file;
    int rc;
};

static const struct ack_case ack_cases[] = {
    {"ack_event_200", 0},
    /* already acknowledged (or never there) */
    {"ack_event_480", RM_ENOTFOUND},
    {"ack_event_460", RM_EPROTO},
};

static void ack_event_maps_done_not_found_and_refused(void **s)
{
    for (size_t i = 0; i < sizeof(ack_cases) / sizeof(ack_cases[0]); i++) {
        struct xcp_msg msg;
        struct xcp_response r;
        print_message("%s\n", ack_cases[i].file);
        assert_int_equal(fixture_load(ack_cases[i].file, &msg, &r), 0);
        struct reg_reply out;
        struct rm_err err;
        rm_err_clear(&err);
        assert_int_equal(srs_map_ack(&r, &out, &err), ack_cases[i].rc);
        assert_int_equal(out.delivery, REG_ANSWERED);
        assert_int_equal(out.code, r.code);
        assert_string_equal(out.text, r.text);
        if (ack_cases[i].rc)
            assert_true(err.msg[0] != '\0');
        xcp_msg_free(&msg);
    }
    /* the request: ACK EVENT with the id; ids a poll would refuse are not
     * sent */
    struct xcp_value *q = srs_req_ack_event(H("00"), NULL);
    assert_non_null(q);
    assert_string_equal(xcp_path_str(q, "action"), "ACK");
    assert_string_equal(xcp_path_str(q, "object"), "EVENT");
    assert_string_equal(xcp_path_str(q, "attributes.event_id"), H("00"));
    xcp_free(q);
    static const char *const bad[] = {
        NULL, "", "a b", "a\nb",
        "0123456789012345678901234567890123456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rm_err err;
        assert_null(srs_req_ack_event(bad[i], &err));
        assert_int_equal(err.code, RM_EINVAL);
    }
    /* 63 bytes is the longest id that fits */
    q = srs_req_ack_event(
        "012345678901234567890123456789012345678901234567890123456789012",
        NULL);
    assert_non_null(q);
    xcp_free(q);
}

#undef H

/* every_fixture_is_checked - runs last: each file in the fixture
 * directory was loaded by one of the tests above. */
static void every_fixture_is_checked(void **s)
{
    DIR *d = opendir(fixture_dir);
    assert_non_null(d);
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".xml") != 0)
            continue;
        files++;
        bool used = false;
        for (size_t i = 0; i < fixture_n_used && !used; i++)
            used = strlen(fixture_used[i]) == n - 4 &&
                   strncmp(fixture_used[i], e->d_name, n - 4) == 0;
        if (!used)
            fail_msg("fixture %s is not checked by any test", e->d_name);
    }
    closedir(d);
    assert_true(files > 0);
}

int main(int argc, char **argv)
{
    fixture_dir_from_args(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(op_responses_map_to_the_documented_state),
        cmocka_unit_test(transport_outcomes_map_to_not_sent_or_pending),
        cmocka_unit_test(lookup_codes_map_to_availability),
        cmocka_unit_test(check_transfer_maps_status_words),
        cmocka_unit_test(order_info_maps_order_states),
        cmocka_unit_test(queued_request_maps_queue_states),
        cmocka_unit_test(belongs_to_rsp_maps_ownership_and_expiry),
        cmocka_unit_test(balance_and_price_are_minor_units),
        cmocka_unit_test(all_info_maps_dates_contacts_and_sorted_nameservers),
        cmocka_unit_test(domain_status_maps_lock_state),
        cmocka_unit_test(expiring_pages_accumulate_until_remainder_zero),
        cmocka_unit_test(transfers_in_lists_each_transfer),
        cmocka_unit_test(name_suggest_lists_lookup_and_suggestions),
        cmocka_unit_test(dates_parse_as_utc_or_fail_clearly),
        cmocka_unit_test(money_parses_to_minor_units_or_fails),
        cmocka_unit_test(poll_event_maps_every_kind),
        cmocka_unit_test(poll_event_tolerates_missing_optional_fields),
        cmocka_unit_test(poll_event_with_nothing_waiting_is_empty),
        cmocka_unit_test(poll_event_limit_is_clamped_and_the_rest_waits),
        cmocka_unit_test(malformed_poll_answers_are_protocol_errors),
        cmocka_unit_test(event_data_is_cut_whole_characters),
        cmocka_unit_test(ack_event_maps_done_not_found_and_refused),
        cmocka_unit_test(every_fixture_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
