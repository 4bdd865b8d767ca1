/*
 * Unit tests of opensrs-sim's state file: the snapshot and its journal
 * (sim_journal.h) - what a restart finds after a crash at any point, a
 * torn last record, damage, and when snapshots are written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/sim_state.h"
#include "util/xalloc.h"

static char dir[64];
static char state_path[128];
static char journal_path[160];

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/sim-journal-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(state_path, sizeof(state_path), "%s/state.json", dir);
    snprintf(journal_path, sizeof(journal_path), "%s.journal", state_path);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* open_sim - a sim on state_path; rc of sim_init, err filled. */
static int open_sim(struct sim *s, struct rm_err *err)
{
    struct sim_config cfg;
    sim_config_init(&cfg);
    assert_int_equal(sim_config_add_reseller(&cfg, "alice:k1", NULL), 0);
    cfg.state_path = xstrdup(state_path);
    return sim_init(s, &cfg, err);
}

/* start - open_sim that must work, and its first save (as main does). */
static void start(struct sim *s)
{
    struct rm_err err;
    if (open_sim(s, &err) < 0)
        fail_msg("start: %s", err.msg);
    pthread_mutex_lock(&s->mu);
    assert_int_equal(sim_save_if_dirty(s, NULL), 0);
    pthread_mutex_unlock(&s->mu);
}

/* change - one "request": a domain, an event, a clock move, a balance. */
static void change(struct sim *s, int i)
{
    char name[32];
    snprintf(name, sizeof(name), "d%d.com", i);
    pthread_mutex_lock(&s->mu);
    int64_t now = sim_now(s);
    sim_put(s, "domains", name, sim_new_domain("alice", now));
    json_t *data = json_object();
    sim_jset_str(data, "domain_name", name);
    sim_event(s, "alice", "REGISTERED", "DOMAIN", data);
    sim_clock_advance(s, 60);
    sim_jset_int(sim_reseller(s, "alice"), "balance", 1000 + i);
    assert_int_equal(sim_save_if_dirty(s, NULL), 0);
    pthread_mutex_unlock(&s->mu);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *text = xmalloc(1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void write_text(const char *path, const char *text, const char *mode)
{
    FILE *f = fopen(path, mode);
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

/* world_after_restart - load state_path into a new sim; *out gets a copy
 * of its world. The sim is released. */
static json_t *world_after_restart(char *note, size_t n)
{
    struct sim s;
    start(&s);
    if (note)
        snprintf(note, n, "%s", s.note);
    json_t *w = json_deep_copy(s.state);
    sim_release(&s);
    return w;
}

static void changes_survive_a_crash_without_a_snapshot(void **state)
{
    struct sim s;
    start(&s);
    for (int i = 0; i < 5; i++)
        change(&s, i);
    assert_true(file_size(journal_path) > 0);
    /* no sim_save: as if killed here */
    json_t *want = json_deep_copy(s.state);
    sim_release(&s);
    json_t *got = world_after_restart(NULL, 0);
    assert_true(json_equal(want, got));
    assert_non_null(json_object_get(json_object_get(got, "domains"), "d4.com"));
    assert_int_equal(json_array_size(json_object_get(got, "events")), 5);
    json_decref(want);
    json_decref(got);
}

static void torn_last_record_is_ignored(void **state)
{
    static const char *const tails[] = {
        "{\"seq\":4,\"set\":{\"domains\":{\"x.com\":{\"owner\"",
        "{\"seq\":4,\"set\":{\"domains\":{\"x.com\":\n",
        "{\"seq\":4}", /* whole, but never finished with its newline */
        "\n",
        "\0\0\0\0",
    };
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        struct sim s;
        start(&s);
        for (int k = 0; k < 3; k++)
            change(&s, (int)i * 10 + k);
        json_t *want = json_deep_copy(s.state);
        long good = file_size(journal_path);
        sim_release(&s);
        write_text(journal_path, tails[i], "ab");
        if (i == 4) /* NUL bytes, as a crash can leave */
            assert_int_equal(truncate(journal_path, good + 4), 0);
        char note[512];
        json_t *got = world_after_restart(note, sizeof(note));
        if (!json_equal(want, got))
            fail_msg("tail %zu: the world changed", i);
        if (!strstr(note, "incomplete last record"))
            fail_msg("tail %zu: note \"%s\"", i, note);
        json_decref(want);
        json_decref(got);
        /* the restart wrote a snapshot: the journal is empty again */
        assert_int_equal(file_size(journal_path), 0);
        unlink(state_path);
        unlink(journal_path);
    }
}

/* rewrite_journal - replace line `line` (1-based) with text, or drop it
 * when text is NULL. */
static void rewrite_journal(int line, const char *text)
{
    char *all = read_text(journal_path);
    FILE *f = fopen(journal_path, "wb");
    assert_non_null(f);
    int n = 1;
    for (char *p = all; *p; n++) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl);
        if (n != line)
            fwrite(p, 1, (size_t)(nl + 1 - p), f);
        else if (text)
            fprintf(f, "%s\n", text);
        p = nl + 1;
    }
    fclose(f);
    free(all);
}

static void damage_or_a_gap_stops_the_start(void **state)
{
    static const struct {
        const char *text; /* NULL: the line is removed */
        const char *err;
    } cases[] = {
        {"{\"seq\":2,\"set\":{\"dom", "damaged"},
        {NULL, "follows"},
        {"{\"seq\":2,\"set\":{\"nowhere\":{}}}", "not a keyed collection"},
        {"{\"seq\":2,\"top\":{\"domains\":{}}}", "not a top member"},
        {"{\"seq\":2,\"events\":[[\"del\",99]]}", "event operation"},
        {"[2]", "seq"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sim s;
        start(&s);
        for (int k = 0; k < 3; k++)
            change(&s, k);
        sim_release(&s);
        rewrite_journal(2, cases[i].text);
        struct rm_err err;
        struct sim again;
        if (open_sim(&again, &err) == 0)
            fail_msg("case %zu: the sim started", i);
        if (!strstr(err.msg, cases[i].err))
            fail_msg("case %zu: error \"%s\"", i, err.msg);
        /* nothing was thrown away */
        assert_true(file_size(journal_path) > 0);
        unlink(state_path);
        unlink(journal_path);
    }
}

static void records_already_in_the_snapshot_are_skipped(void **state)
{
    struct sim s;
    start(&s);
    for (int i = 0; i < 4; i++)
        change(&s, i);
    char *old = read_text(journal_path);
    pthread_mutex_lock(&s.mu);
    assert_int_equal(sim_save(&s, NULL), 0);
    pthread_mutex_unlock(&s.mu);
    assert_int_equal(file_size(journal_path), 0);
    json_t *want = json_deep_copy(s.state);
    sim_release(&s);
    /* a crash after the snapshot was renamed, before the journal was
     * emptied: adding the events again would duplicate them */
    write_text(journal_path, old, "wb");
    free(old);
    json_t *got = world_after_restart(NULL, 0);
    assert_true(json_equal(want, got));
    assert_int_equal(json_array_size(json_object_get(got, "events")), 4);
    json_decref(want);
    json_decref(got);

    /* and records after those apply */
    start(&s);
    change(&s, 9);
    want = json_deep_copy(s.state);
    sim_release(&s);
    got = world_after_restart(NULL, 0);
    assert_true(json_equal(want, got));
    json_decref(want);
    json_decref(got);
}

static void a_journal_for_another_state_file_is_refused(void **state)
{
    struct sim s;
    start(&s);
    change(&s, 1);
    json_t *world = json_deep_copy(s.state);
    sim_release(&s);
    /* a state file put in place by hand, without journal_seq */
    assert_int_equal(json_dump_file(world, state_path, JSON_INDENT(1)), 0);
    json_decref(world);
    struct rm_err err;
    assert_true(open_sim(&s, &err) < 0);
    assert_non_null(strstr(err.msg, "journal_seq"));
    /* with the journal moved away it starts from the file alone */
    unlink(journal_path);
    json_t *got = world_after_restart(NULL, 0);
    assert_non_null(json_object_get(json_object_get(got, "domains"), "d1.com"));
    json_decref(got);
}

static void a_snapshot_is_written_when_the_journal_outgrows_it(void **state)
{
    struct sim s;
    start(&s);
    s.journal.compact_min = s.journal.compact_at = 4096;
    long most = 0;
    for (int i = 0; i < 200; i++) {
        change(&s, i);
        long j = file_size(journal_path);
        if (j > most)
            most = j;
    }
    long snap = file_size(state_path);
    /* never much more than the snapshot (or the minimum) */
    assert_true(most < (snap > 4096 ? snap : 4096) + 4096);
    json_t *file = json_load_file(state_path, 0, NULL);
    assert_non_null(file);
    assert_true(json_integer_value(json_object_get(file, "journal_seq")) > 0);
    json_decref(file);
    json_t *want = json_deep_copy(s.state);
    sim_release(&s);
    json_t *got = world_after_restart(NULL, 0);
    assert_true(json_equal(want, got));
    assert_int_equal(json_object_size(json_object_get(got, "domains")),
                     200 + 3 /* taken.com, .net, .org */);
    json_decref(want);
    json_decref(got);
}

static void reset_is_durable(void **state)
{
    struct sim s;
    start(&s);
    for (int i = 0; i < 3; i++)
        change(&s, i);
    pthread_mutex_lock(&s.mu);
    sim_reset(&s);
    assert_int_equal(sim_save_if_dirty(&s, NULL), 0);
    pthread_mutex_unlock(&s.mu);
    change(&s, 7);
    json_t *want = json_deep_copy(s.state);
    sim_release(&s);
    json_t *got = world_after_restart(NULL, 0);
    assert_true(json_equal(want, got));
    assert_null(json_object_get(json_object_get(got, "domains"), "d1.com"));
    assert_non_null(json_object_get(json_object_get(got, "domains"), "d7.com"));
    json_decref(want);
    json_decref(got);
}

static void reading_writes_nothing(void **state)
{
    struct sim s;
    start(&s);
    change(&s, 1);
    long before = file_size(journal_path);
    pthread_mutex_lock(&s.mu);
    sim_now(&s);
    assert_non_null(sim_domain(&s, "d1.com"));
    assert_non_null(sim_domain(&s, "taken.com"));
    assert_int_equal(sim_save_if_dirty(&s, NULL), 0);
    /* a change later does not drag the members only read along */
    sim_jset_int(sim_reseller(&s, "alice"), "balance", 5);
    s.dirty = true;
    assert_int_equal(sim_save_if_dirty(&s, NULL), 0);
    pthread_mutex_unlock(&s.mu);
    char *text = read_text(journal_path);
    const char *last = text + before;
    assert_null(strstr(last, "d1.com"));
    assert_null(strstr(last, "taken.com"));
    assert_non_null(strstr(last, "\"balance\":5"));
    free(text);
    sim_release(&s);
}

static void without_a_state_file_nothing_is_written(void **state)
{
    struct sim_config cfg;
    sim_config_init(&cfg);
    assert_int_equal(sim_config_add_reseller(&cfg, "alice:k1", NULL), 0);
    struct sim s;
    assert_int_equal(sim_init(&s, &cfg, NULL), 0);
    change(&s, 1);
    pthread_mutex_lock(&s.mu);
    assert_int_equal(sim_save(&s, NULL), 0);
    pthread_mutex_unlock(&s.mu);
    sim_release(&s);
    assert_int_equal(file_size(state_path), -1);
    assert_int_equal(file_size(journal_path), -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(changes_survive_a_crash_without_a_snapshot),
        T(torn_last_record_is_ignored),
        T(damage_or_a_gap_stops_the_start),
        T(records_already_in_the_snapshot_are_skipped),
        T(a_journal_for_another_state_file_is_refused),
        T(a_snapshot_is_written_when_the_journal_outgrows_it),
        T(reset_is_durable),
        T(reading_writes_nothing),
        T(without_a_state_file_nothing_is_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
