/* netlens-connection-model.h: the connection table's GListModel, filtered and sorted inside
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "netlens-connection.h"
#include "netlens-connection-row.h"
#include "netlens-format.h"

G_BEGIN_DECLS

/* How a new filter relates to the previous one: a stricter filter only has to look
 * at the rows shown, a looser one only at the rows hidden. */
typedef enum
{
  NETLENS_FILTER_CHANGE_DIFFERENT = 0,
  NETLENS_FILTER_CHANGE_STRICTER,
  NETLENS_FILTER_CHANGE_LOOSER,
} NetlensFilterChange;

/* Must not allocate: it runs for every changed row on every tick. */
typedef gboolean (*NetlensConnectionMatchFunc) (const NetlensConnection *conn,
                                                gpointer                 user_data);

#define NETLENS_TYPE_CONNECTION_MODEL (netlens_connection_model_get_type ())

G_DECLARE_FINAL_TYPE (NetlensConnectionModel, netlens_connection_model, NETLENS, CONNECTION_MODEL, GObject)

NetlensConnectionModel *netlens_connection_model_new          (void);

/* ---- updates: call any number of these, then commit() once (one items-changed) ---- */
/* The clock of the change set that follows (rates are derived from it). */
void                  netlens_connection_model_set_now        (NetlensConnectionModel *self,
                                                               gint64                  now_us);
gint64                netlens_connection_model_get_now        (NetlensConnectionModel *self);
/* Adds or replaces the row with CONN->id.  Takes ownership of the snapshot CONN. */
void                  netlens_connection_model_update         (NetlensConnectionModel *self,
                                                               NetlensConnection      *conn);
void                  netlens_connection_model_remove         (NetlensConnectionModel *self,
                                                               guint32                 id);
void                  netlens_connection_model_clear          (NetlensConnectionModel *self);
/* Applies what changed since the last commit: filter, sort, one items-changed,
 * then the "committed" signal (the window refreshes the cells it shows). */
void                  netlens_connection_model_commit         (NetlensConnectionModel *self);
guint64               netlens_connection_model_get_serial     (NetlensConnectionModel *self);

/* ---- filter and sort (take effect at the next commit) ---- */
void                  netlens_connection_model_set_filter     (NetlensConnectionModel    *self,
                                                               NetlensConnectionMatchFunc func,
                                                               gpointer                   user_data,
                                                               GDestroyNotify             destroy,
                                                               NetlensFilterChange        change);
void                  netlens_connection_model_set_hide_localhost (NetlensConnectionModel *self,
                                                                   gboolean                hide);
void                  netlens_connection_model_set_sort       (NetlensConnectionModel *self,
                                                               NetlensColumn           column,
                                                               gboolean                descending);
NetlensColumn         netlens_connection_model_get_sort_column (NetlensConnectionModel *self);
gboolean              netlens_connection_model_get_sort_descending (NetlensConnectionModel *self);

/* A re-sort or re-filter of a table of at least N_ROWS rows runs on a worker thread
 * (default 10000; 0: always, G_MAXUINT: never).  Until it is swapped in (a commit on
 * the main loop, then "rebuilt"), commits go on in the order and filter shown. */
void                  netlens_connection_model_set_async_threshold (NetlensConnectionModel *self,
                                                                    guint                   n_rows);
/* Whether such a job is running. */
gboolean              netlens_connection_model_is_busy        (NetlensConnectionModel *self);

/* ---- queries ---- */
/* Rows known, shown or not. */
guint                 netlens_connection_model_get_n_total    (NetlensConnectionModel *self);
NetlensConnectionRow *netlens_connection_model_lookup         (NetlensConnectionModel *self,
                                                               guint32                 id);
/* Position of the row with ID among those shown, or G_MAXUINT. */
guint                 netlens_connection_model_get_position   (NetlensConnectionModel *self,
                                                               guint32                 id);
/* Calls FUNC for every shown row in order (export). */
void                  netlens_connection_model_foreach_shown  (NetlensConnectionModel *self,
                                                               GFunc                   func,
                                                               gpointer                user_data);

G_END_DECLS
