/* netlens-query-bar.h: a query typed into a search entry, its error under the entry
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "netlens-query.h"

G_BEGIN_DECLS

/* The rule of every filter bar (the live table's, the History page's): an invalid query
 * never empties the rows.  Parses TEXT as typed.  Valid: the error label is hidden and the
 * query returned.  Invalid: the error is shown in ERROR_LABEL with the bad term underlined
 * and ENTRY marked invalid; when the bad term is the one being typed at the end ("proto:"
 * on the way to "proto:udp") NULL is returned (keep the rows of the last valid query),
 * otherwise the query of TEXT without that term, if the rest parses.  APPLIED (optional)
 * gets the text of the returned query. */
NetlensQuery *netlens_query_bar_parse      (GtkLabel   *error_label,
                                            GtkWidget  *entry,
                                            const char *text,
                                            char      **applied);
/* MESSAGE, and TEXT with [START, END) underlined (START < 0: no span) */
void          netlens_query_bar_show_error (GtkLabel   *error_label,
                                            GtkWidget  *entry,
                                            const char *text,
                                            int         start,
                                            int         end,
                                            const char *message);
void          netlens_query_bar_hide_error (GtkLabel   *error_label,
                                            GtkWidget  *entry);

G_END_DECLS
