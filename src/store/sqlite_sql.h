/*
 * sqlite_sql - the text work of the SQLite backend, kept apart so it is
 * tested on its own (tests/unit/store/test_sqlite_sql.c).
 *
 * store_sqlite_rewrite removes every `FOR UPDATE SKIP LOCKED` (store.h
 * D13: the words in any case, separated by any whitespace, as whole words
 * outside single-quoted literals, double-quoted identifiers and comments).
 * SQLite has one writer at a time, so a claim has nothing to skip, and it
 * does not know the phrase.
 */
#ifndef RM_STORE_SQLITE_SQL_H
#define RM_STORE_SQLITE_SQL_H

/* store_sqlite_rewrite - NULL when sql has no such phrase (use sql as it
 * is), else a new string the caller frees. */
char *store_sqlite_rewrite(const char *sql);

#endif
