/* netlens-window-private.h: internals of NetlensWindow, for its tests and benchmark
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "netlens-window.h"
#include "netlens-connection-model.h"
#include "netlens-detail-pane.h"
#include "netlens-format.h"
#include "netlens-groups.h"
#include "netlens-groups-view.h"
#include "netlens-notifier.h"
#include "netlens-row-selection.h"
#include "netlens-traffic-graph.h"

G_BEGIN_DECLS

NetlensConnectionModel *_netlens_window_get_model        (NetlensWindow *self);
NetlensRowSelection    *_netlens_window_get_selection    (NetlensWindow *self);
GtkColumnView          *_netlens_window_get_column_view  (NetlensWindow *self);
GtkSearchEntry         *_netlens_window_get_search_entry (NetlensWindow *self);
GtkSearchBar           *_netlens_window_get_search_bar   (NetlensWindow *self);
GtkLabel               *_netlens_window_get_count_label  (NetlensWindow *self);
GtkLabel               *_netlens_window_get_query_error_label (NetlensWindow *self);
NetlensDetailPane      *_netlens_window_get_detail_pane  (NetlensWindow *self);
gboolean                _netlens_window_get_detail_visible (NetlensWindow *self);
GtkRevealer            *_netlens_window_get_error_revealer (NetlensWindow *self);
/* TRUE once an opened file was read to its end (or failed). */
gboolean                _netlens_window_is_loaded        (NetlensWindow *self);
/* One refresh tick now: drain the pipeline, commit, refresh the cells shown. */
void                    _netlens_window_tick             (NetlensWindow *self);
/* Applies the filter text now (as the search entry would after its delay). */
void                    _netlens_window_apply_query      (NetlensWindow *self,
                                                          const char    *text);
/* Writes the rows shown to PATH (format by extension: .json, .jsonl, .csv), as Export… does. */
gboolean                _netlens_window_export_to        (NetlensWindow *self,
                                                          const char    *path,
                                                          GError       **error);
AdwViewStack           *_netlens_window_get_view_stack   (NetlensWindow *self);
NetlensGroupsView      *_netlens_window_get_groups_view  (NetlensWindow   *self,
                                                          NetlensGroupKind kind);
NetlensGroups          *_netlens_window_get_groups       (NetlensWindow *self);
NetlensTrafficGraph    *_netlens_window_get_traffic_graph (NetlensWindow *self);
NetlensTrafficGraph    *_netlens_window_get_selection_graph (NetlensWindow *self);
/* Save Capture… without the file chooser (tests): the packets of the session to PATH. */
void                    _netlens_window_save_capture_to (NetlensWindow       *self,
                                                         const char          *path,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean                _netlens_window_has_geo          (NetlensWindow *self);
GtkColumnViewColumn    *_netlens_window_get_column       (NetlensWindow *self,
                                                          NetlensColumn  column);
/* The notifier, once a live capture made one (NULL before). */
NetlensNotifier        *_netlens_window_get_notifier     (NetlensWindow *self);
/* Refreshes the cells shown and the status bar (what a tick does after commit). */
void                    _netlens_window_refresh_view     (NetlensWindow *self);

G_END_DECLS
