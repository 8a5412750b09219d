/* netlens-history-view.h: the History page: a time range of the history, browsed
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define NETLENS_TYPE_HISTORY_VIEW (netlens_history_view_get_type ())
G_DECLARE_FINAL_TYPE (NetlensHistoryView, netlens_history_view, NETLENS, HISTORY_VIEW, GtkWidget)

typedef enum
{
  NETLENS_HISTORY_RANGE_HOUR = 0,
  NETLENS_HISTORY_RANGE_TODAY,
  NETLENS_HISTORY_RANGE_WEEK,
  NETLENS_HISTORY_RANGE_CUSTOM,
} NetlensHistoryRangeKind;

/* The times a range covers, in microseconds since the epoch, as of now; a custom range from
 * the texts of --since/--until (either may be empty: open-ended). FALSE with an error for a
 * text that is not a time or a range that ends before it starts. */
gboolean    netlens_history_range_compute   (NetlensHistoryRangeKind  kind,
                                             const char              *since_text,
                                             const char              *until_text,
                                             gint64                  *since,
                                             gint64                  *until,
                                             GError                 **error);

GtkWidget  *netlens_history_view_new        (void);
/* Reads the range again (on the history's worker thread; the view fills in when it is done).
 * The view also reloads when it is mapped and when the range or the query changes. */
void        netlens_history_view_reload     (NetlensHistoryView     *self);
void        netlens_history_view_set_range  (NetlensHistoryView     *self,
                                             NetlensHistoryRangeKind kind);
/* Custom range: the texts of --since/--until ("-2h", "2026-11-20 10:00", "today"). */
void        netlens_history_view_set_custom (NetlensHistoryView     *self,
                                             const char             *since,
                                             const char             *until);
void        netlens_history_view_set_query  (NetlensHistoryView     *self,
                                             const char             *query);
/* Tests: rows shown, whether a load is running, the message shown instead of rows (an error,
 * "no connections"), or NULL. */
GListModel *netlens_history_view_get_model   (NetlensHistoryView     *self);
gboolean    netlens_history_view_is_loading  (NetlensHistoryView     *self);
const char *netlens_history_view_get_message (NetlensHistoryView     *self);
GtkWidget  *netlens_history_view_get_detail_pane (NetlensHistoryView *self);
GtkWidget  *netlens_history_view_get_graph   (NetlensHistoryView     *self);
GtkWidget  *netlens_history_view_get_search_entry (NetlensHistoryView *self);
GtkSingleSelection *netlens_history_view_get_selection (NetlensHistoryView *self);
/* Tests: the query's error shown under the bar, "⚠ N damaged" (the range's damaged rows),
 * the selected row's damage over its detail pane; NULL when not shown. */
const char *netlens_history_view_get_query_error   (NetlensHistoryView *self);
const char *netlens_history_view_get_damaged_count (NetlensHistoryView *self);
const char *netlens_history_view_get_damage        (NetlensHistoryView *self);

G_END_DECLS
