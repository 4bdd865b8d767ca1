/*
 * sqlite_sql - SQL rewriting for the SQLite backend (see sqlite_sql.h).
 */
#include "store/sqlite_sql.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

static int word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* skip_quoted - past the quoted run at s (s[0] is its quote; a doubled
 * quote stands for one); at the end of the string when unterminated. */
static const char *skip_quoted(const char *s)
{
    char q = *s++;

    while (*s != '\0') {
        if (*s == q && s[1] == q) {
            s += 2;
            continue;
        }
        if (*s++ == q)
            break;
    }
    return s;
}

/* phrase_at - the length of `FOR UPDATE SKIP LOCKED` at p, 0 when none. */
static size_t phrase_at(const char *p)
{
    static const char *const words[] = {"FOR", "UPDATE", "SKIP", "LOCKED"};
    const char *q = p;

    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        size_t n = strlen(words[i]);
        if (i > 0) {
            if (!isspace((unsigned char)*q))
                return 0;
            while (isspace((unsigned char)*q))
                q++;
        }
        if (strncasecmp(q, words[i], n) != 0 || word_char(q[n]))
            return 0;
        q += n;
    }
    return (size_t)(q - p);
}

char *store_sqlite_rewrite(const char *sql)
{
    const char *p = sql;
    char *out = NULL;
    size_t o = 0;

    while (*p != '\0') {
        const char *next;
        size_t cut = 0;

        if (*p == '\'' || *p == '"') {
            next = skip_quoted(p);
        } else if (p[0] == '-' && p[1] == '-') {
            next = p + strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            next = end ? end + 2 : p + strlen(p);
        } else if (word_char(*p)) {
            cut = (p == sql || !word_char(p[-1])) ? phrase_at(p) : 0;
            next = p;
            if (cut == 0)
                while (word_char(*next))
                    next++;
        } else {
            next = p + 1;
        }
        if (cut) {
            if (!out) {
                out = xmalloc(strlen(sql) + 1);
                o = (size_t)(p - sql);
                memcpy(out, sql, o);
            }
            /* the whitespace before the phrase goes with it */
            while (o > 0 && isspace((unsigned char)out[o - 1]))
                o--;
            p += cut;
            continue;
        }
        if (out) {
            memcpy(out + o, p, (size_t)(next - p));
            o += (size_t)(next - p);
        }
        p = next;
    }
    if (out)
        out[o] = '\0';
    return out;
}
