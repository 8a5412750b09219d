/* netlens-groups-view.h: the Processes and Hosts views
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "netlens-groups.h"
#include "netlens-group-row.h"
#include "netlens-history-view.h"

G_BEGIN_DECLS

#define NETLENS_TYPE_GROUPS_VIEW (netlens_groups_view_get_type ())

G_DECLARE_FINAL_TYPE (NetlensGroupsView, netlens_groups_view, NETLENS, GROUPS_VIEW, GtkWidget)

/* A sortable column view of the groups of KIND.  Activating a row (double click,
 * Enter) emits ::group-activated with the filter-bar query that shows its
 * connections (netlens_group_dup_query()) and the group's key. */
GtkWidget  *netlens_groups_view_new              (NetlensGroupKind   kind);
NetlensGroupKind netlens_groups_view_get_kind    (NetlensGroupsView *self);
/* Call once per refresh, after netlens_groups_tick().  GROUPS must outlive the view
 * or be replaced by another call (NULL clears).  While the view is unmapped this only
 * remembers that it is out of date; it catches up when it is shown. */
void        netlens_groups_view_update           (NetlensGroupsView *self,
                                                  NetlensGroups     *groups);
void        netlens_groups_view_set_bits         (NetlensGroupsView *self,
                                                  gboolean           bits);
/* The country and AS columns (Hosts): hidden when there is no GeoIP database. */
void        netlens_groups_view_set_geo_visible  (NetlensGroupsView *self,
                                                  gboolean           visible);
/* The rows as shown, sorted (NetlensGroupRow items). */
GListModel *netlens_groups_view_get_model        (NetlensGroupsView *self);
/* The selected row (::selection-changed says when it changes), or NULL. */
NetlensGroupRow *netlens_groups_view_get_selected (NetlensGroupsView *self);
/* Sort by column ID ("name", "open", "rx-rate", "tx-rate", "rx", "tx", "peers",
 * "first-seen", "country", "asn"), descending or not. */
void        netlens_groups_view_sort_by          (NetlensGroupsView *self,
                                                  const char        *column_id,
                                                  gboolean           descending);

/* ---- a range of the history (the menu above the rows: Live, Last Hour, Today, …) ---- */

/* The live groups again (netlens_groups_view_update()). */
void        netlens_groups_view_show_live        (NetlensGroupsView       *self);
/* The programs or hosts of a range of the history, read on the history's worker thread
 * (the view fills in when it is done; it reads again each time it is shown).  SINCE and
 * UNTIL: the custom range's texts (--since/--until syntax), else ignored.  While a range
 * is shown, ::group-activated is for the History page (netlens_groups_view_get_range()). */
void        netlens_groups_view_show_range       (NetlensGroupsView       *self,
                                                  NetlensHistoryRangeKind  kind,
                                                  const char              *since,
                                                  const char              *until);
/* Reads the range again (no-op when live). */
void        netlens_groups_view_reload           (NetlensGroupsView       *self);
/* FALSE when live; else the range (the texts are the custom range's, owned by the view). */
gboolean    netlens_groups_view_get_range        (NetlensGroupsView       *self,
                                                  NetlensHistoryRangeKind *kind,
                                                  const char             **since,
                                                  const char             **until);
/* The groups on screen: the live ones, or the range's once read (NULL before). */
NetlensGroups *netlens_groups_view_get_shown_groups (NetlensGroupsView    *self);
/* Tests: whether a range is being read; the message shown instead of rows (no history,
 * a damaged one, an empty range), or NULL; a cell's text as shown. */
gboolean    netlens_groups_view_is_loading       (NetlensGroupsView       *self);
const char *netlens_groups_view_get_message      (NetlensGroupsView       *self);
char       *netlens_groups_view_dup_cell_text    (NetlensGroupsView       *self,
                                                  NetlensGroupRow         *row,
                                                  const char              *column_id);

G_END_DECLS
