/*
 * fixture - load a golden OpenSRS response from tests/data/opensrs for the
 * unit tests. The directory comes from the first command-line argument
 * (meson passes it) or $SRS_FIXTURES.
 */
#ifndef RM_TESTS_OPENSRS_FIXTURE_H
#define RM_TESTS_OPENSRS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xcp/xcp.h"

static const char *fixture_dir = "tests/data/opensrs";

/* Names loaded so far, so a last test can prove every file was used. */
static const char *fixture_used[512];
static size_t fixture_n_used;

/* fixture_load - parse <dir>/<name>.xml into msg and read it as a
 * response into r; aborts the test (returns nonzero) on any failure. */
static int fixture_load(const char *name, struct xcp_msg *msg,
                        struct xcp_response *r)
{
    char path[1024];
    if (fixture_n_used < sizeof(fixture_used) / sizeof(fixture_used[0]))
        fixture_used[fixture_n_used++] = name;
    snprintf(path, sizeof(path), "%s/%s.xml", fixture_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open fixture %s\n", path);
        return -1;
    }
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    struct rm_err err;
    rm_err_clear(&err);
    memset(msg, 0, sizeof(*msg));
    if (xcp_parse(buf, n, msg, &err) != 0) {
        fprintf(stderr, "fixture %s: %s\n", name, err.msg);
        return -1;
    }
    if (xcp_response_read(msg->data, r, &err) != 0) {
        fprintf(stderr, "fixture %s: %s\n", name, err.msg);
        xcp_msg_free(msg);
        return -1;
    }
    return 0;
}

static void fixture_dir_from_args(int argc, char **argv)
{
    const char *env = getenv("SRS_FIXTURES");
    if (argc > 1)
        fixture_dir = argv[1];
    else if (env)
        fixture_dir = env;
}

#endif
