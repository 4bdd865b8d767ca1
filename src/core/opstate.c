/*
 * opstate - the name tables of the operation's state, kind and outcome
 * (contract in opstate.h).
 */
#include "core/opstate.h"

#include <stddef.h>
#include <string.h>

#include "util/err.h"

static const char *const state_names[] = {
    [OPS_ST_NEW] = "new",
    [OPS_ST_SENDING] = "sending",
    [OPS_ST_PENDING] = "pending",
    [OPS_ST_SUCCEEDED] = "succeeded",
    [OPS_ST_FAILED] = "failed",
    [OPS_ST_TIMED_OUT] = "timed_out",
    [OPS_ST_CANCELLED] = "cancelled",
};

static const char *const kind_names[] = {
    [OPS_K_REGISTER] = "register", [OPS_K_TRANSFER] = "transfer",
    [OPS_K_RENEW] = "renew",       [OPS_K_PRIVACY] = "privacy",
    [OPS_K_RESTORE] = "restore",
};

static const char *const outcome_names[] = {
    [OPS_SUCCEEDED] = "succeeded", [OPS_FAILED] = "failed",
    [OPS_PENDING] = "pending",     [OPS_TIMED_OUT] = "timed_out",
    [OPS_CANCELLED] = "cancelled",
};

#define COUNT(t) (sizeof(t) / sizeof(t)[0])

/* lookup - the index of name in names[n]; -1 when it is none of them. */
static int lookup(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return (int)i;
    return -1;
}

bool ops_kind_renews(enum ops_kind k)
{
    return k == OPS_K_RENEW || k == OPS_K_RESTORE;
}

const char *ops_state_name(enum ops_state s)
{
    return (unsigned)s < COUNT(state_names) ? state_names[s] : "?";
}

int ops_state_parse(const char *name, enum ops_state *out)
{
    int i = lookup(state_names, COUNT(state_names), name);

    if (i < 0)
        return RM_EINVAL;
    *out = (enum ops_state)i;
    return 0;
}

bool ops_state_refunds(enum ops_state s)
{
    return s == OPS_ST_FAILED || s == OPS_ST_TIMED_OUT || s == OPS_ST_CANCELLED;
}

bool ops_state_terminal(enum ops_state s)
{
    return s == OPS_ST_SUCCEEDED || ops_state_refunds(s);
}

bool ops_state_is(const char *name, enum ops_state s)
{
    enum ops_state got;

    return name && ops_state_parse(name, &got) == 0 && got == s;
}

bool ops_state_refunded(const char *name)
{
    enum ops_state got;

    return name && ops_state_parse(name, &got) == 0 && ops_state_refunds(got);
}

const char *ops_kind_name(enum ops_kind k)
{
    return (unsigned)k < COUNT(kind_names) ? kind_names[k] : "?";
}

int ops_kind_parse(const char *name, enum ops_kind *out)
{
    int i = lookup(kind_names, COUNT(kind_names), name);

    if (i < 0)
        return RM_EINVAL;
    *out = (enum ops_kind)i;
    return 0;
}

const char *ops_outcome_name(enum ops_outcome o)
{
    return (unsigned)o < COUNT(outcome_names) ? outcome_names[o] : "?";
}

int ops_outcome_parse(const char *name, enum ops_outcome *out)
{
    int i = lookup(outcome_names, COUNT(outcome_names), name);

    if (i < 0)
        return RM_EINVAL;
    *out = (enum ops_outcome)i;
    return 0;
}

enum ops_outcome ops_state_outcome(enum ops_state s)
{
    switch (s) {
    case OPS_ST_SUCCEEDED:
        return OPS_SUCCEEDED;
    case OPS_ST_FAILED:
        return OPS_FAILED;
    case OPS_ST_TIMED_OUT:
        return OPS_TIMED_OUT;
    case OPS_ST_CANCELLED:
        return OPS_CANCELLED;
    default:
        return OPS_PENDING;
    }
}
