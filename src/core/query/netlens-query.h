/* netlens-query.h: the filter bar's query language
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "netlens-connection.h"

G_BEGIN_DECLS

/* A compiled query: immutable once parsed, so it may be matched from any thread.
 * The syntax is described in docs/query.md. */
typedef struct _NetlensQuery NetlensQuery;

#define NETLENS_QUERY_ERROR (netlens_query_error_quark ())

typedef enum
{
  NETLENS_QUERY_ERROR_SYNTAX,               /* an operator without an operand, "()", … */
  NETLENS_QUERY_ERROR_UNKNOWN_KEYWORD,      /* "foo:bar" with no keyword "foo" */
  NETLENS_QUERY_ERROR_EMPTY_VALUE,          /* "port:", "port:\"\"", "//" */
  NETLENS_QUERY_ERROR_BAD_VALUE,            /* "port:http", "src:10.0.0.0/99" */
  NETLENS_QUERY_ERROR_UNBALANCED,           /* "(a", "a)" */
  NETLENS_QUERY_ERROR_UNTERMINATED,         /* "\"abc", "/abc" */
  NETLENS_QUERY_ERROR_BAD_REGEX,            /* "/a(/" */
} NetlensQueryError;

/* How a new query relates to the previous one, so that a view re-checks only
 * the rows that can change. */
typedef enum
{
  NETLENS_QUERY_RELATION_SAME,       /* matches exactly the same rows */
  NETLENS_QUERY_RELATION_STRICTER,   /* matches a subset: re-check only rows the old one matched */
  NETLENS_QUERY_RELATION_LOOSER,     /* matches a superset: re-check only rows the old one hid */
  NETLENS_QUERY_RELATION_DIFFERENT,  /* anything may change: re-check every row */
} NetlensQueryRelation;

GQuark                netlens_query_error_quark  (void);

/* NULL or blank TEXT gives a query that matches every row. */
NetlensQuery         *netlens_query_parse        (const char               *text,
                                                  GError                  **error);
/* As netlens_query_parse(), and on error also the byte span [*ERR_START, *ERR_END)
 * of the bad term in TEXT (set to -1 on success).  Any out argument may be NULL. */
gboolean              netlens_query_parse_full   (const char               *text,
                                                  NetlensQuery            **out,
                                                  int                      *err_start,
                                                  int                      *err_end,
                                                  GError                  **error);
NetlensQuery         *netlens_query_ref          (NetlensQuery             *query);
void                  netlens_query_unref        (NetlensQuery             *query);

/* Never allocates, except inside GRegex for /regex/ terms. */
gboolean              netlens_query_match        (const NetlensQuery       *query,
                                                  const NetlensConnection  *conn);
gboolean              netlens_query_is_match_all (const NetlensQuery       *query);
/* NULL for either side means "match all". */
NetlensQueryRelation  netlens_query_relation     (const NetlensQuery       *old_query,
                                                  const NetlensQuery       *new_query);
/* The canonical form (aliases resolved, explicit parentheses), for debugging and tests;
 * it parses back to the same query. */
const char           *netlens_query_to_string    (const NetlensQuery       *query);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensQuery, netlens_query_unref)

G_END_DECLS
