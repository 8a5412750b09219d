/* netlens-history-service.h: the window's history, written and opened off the main thread
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "netlens-groups.h"
#include "netlens-history.h"
#include "netlens-pipeline.h"
#include "netlens-query.h"

G_BEGIN_DECLS

/* One per process.  Every database operation (open with its quick_check, a new session,
 * pushing rows, retention, Clear History, close) runs in order on one worker thread: the
 * main thread only queues.  Follows the GSettings keys history-enabled,
 * history-retention-days and history-max-size-mb. */
typedef struct _NetlensHistoryService NetlensHistoryService;

/* Before the first get_default(): the database (NULL: netlens_history_default_path()),
 * and --no-history (no history whatever the Preferences say). */
void                   netlens_history_service_configure   (const char *path,
                                                            gboolean    disabled);
NetlensHistoryService *netlens_history_service_get_default (void);
/* Writes what is queued, closes the database and frees the service (application shutdown).
 * Waits for the worker. */
void                   netlens_history_service_shutdown    (void);

gboolean               netlens_history_service_is_enabled (NetlensHistoryService *self);
/* The error of the last open (damaged or newer database, I/O), or NULL.  Main thread. */
const GError          *netlens_history_service_get_error   (NetlensHistoryService *self);
char                  *netlens_history_service_get_path    (NetlensHistoryService *self);
/* When the store stopped writing (a full disk, a database another program locked: the
 * capture goes on), that error, returned once per opening; else NULL.  Main thread. */
GError                *netlens_history_service_take_write_error (NetlensHistoryService *self);

/* A new pipeline: rows fed from now on belong to a new session.  SOURCE: "interface eth0". */
void                   netlens_history_service_begin_session (NetlensHistoryService *self,
                                                              const char            *source);
/* From the window's tick, before the change sets are consumed: rows that ENDED (closed,
 * timed out, evicted, end of capture) are written; rows of the change sets that have lived
 * a minute are written at most once a minute.  Copies what it keeps; takes nothing. */
void                   netlens_history_service_feed        (NetlensHistoryService *self,
                                                            GPtrArray             *sets,
                                                            GPtrArray             *ended);
/* Deletes every row (after the user's confirmation) on the worker. */
void                   netlens_history_service_clear_async  (NetlensHistoryService *self,
                                                             GCancellable          *cancellable,
                                                             GAsyncReadyCallback    callback,
                                                             gpointer               user_data);
gboolean               netlens_history_service_clear_finish (NetlensHistoryService *self,
                                                             GAsyncResult          *result,
                                                             GError               **error);
/* Waits until everything queued before it is committed (tests). */
gboolean               netlens_history_service_sync        (NetlensHistoryService *self);
/* Rows queued and not yet committed, rows committed since start (tests, status). */
guint64                netlens_history_service_get_written (NetlensHistoryService *self);

/* A range of the history, read on the worker (never on the main thread). */
typedef struct
{
  GPtrArray *rows;        /* NetlensConnection *, oldest first, DPI results included */
  GArray    *minutes;     /* NetlensHistoryMinute, the whole machine's traffic per minute */
  GPtrArray *damage;      /* char *, one per row: NULL, or why the row holds only part of
                           * what was stored (NetlensHistoryRow.damage) */
  guint      n_damaged;   /* rows with a damage message */
} NetlensHistoryRange;

typedef struct
{
  gint64  minute_us;
  guint64 tx_bytes;
  guint64 rx_bytes;
} NetlensHistoryMinute;

void                   netlens_history_range_free          (NetlensHistoryRange *range);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensHistoryRange, netlens_history_range_free)

/* The rows (those QUERY matches; NULL: all) and the traffic of [SINCE_US, UNTIL_US]
 * (0 = open).  Fails with the open's error
 * (a damaged or newer database) or NETLENS_HISTORY_ERROR_FAILED when history is off. */
void                   netlens_history_service_query_async  (NetlensHistoryService *self,
                                                             gint64                 since_us,
                                                             gint64                 until_us,
                                                             NetlensQuery          *query,
                                                             GCancellable          *cancellable,
                                                             GAsyncReadyCallback    callback,
                                                             gpointer               user_data);
NetlensHistoryRange   *netlens_history_service_query_finish (NetlensHistoryService *self,
                                                             GAsyncResult          *result,
                                                             GError               **error);

/* Every program and host the history knows, for "first use ever" notifications: a set of
 * "KIND:KEY" strings (KIND a NetlensGroupKind number, KEY netlens_group_key_for_process()
 * or _for_host() of each stored row).  Read on the worker: the whole history, once. */
void                   netlens_history_service_known_async  (NetlensHistoryService *self,
                                                             GCancellable          *cancellable,
                                                             GAsyncReadyCallback    callback,
                                                             gpointer               user_data);
GHashTable            *netlens_history_service_known_finish (NetlensHistoryService *self,
                                                             GAsyncResult          *result,
                                                             GError               **error);

/* The programs and hosts of a range, read on the worker: every stored row whose time
 * overlaps [SINCE_US, UNTIL_US] (0 = open) counted once, with its totals, into GROUPS (no
 * row is open there, rates are 0).  TOP[kind]: group key -> NULL-terminated keys of the
 * other kind (a program's hosts, a host's programs) with the most bytes, busiest first. */
#define NETLENS_HISTORY_GROUPS_TOP 3

typedef struct
{
  NetlensGroups *groups;
  GHashTable    *top[NETLENS_N_GROUP_KINDS];
  guint          n_rows;         /* connections in the range */
} NetlensHistoryGroups;

void                   netlens_history_groups_free          (NetlensHistoryGroups *groups);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensHistoryGroups, netlens_history_groups_free)

/* Fails as netlens_history_service_query_async() does. */
void                   netlens_history_service_groups_async  (NetlensHistoryService *self,
                                                              gint64                 since_us,
                                                              gint64                 until_us,
                                                              GCancellable          *cancellable,
                                                              GAsyncReadyCallback    callback,
                                                              gpointer               user_data);
NetlensHistoryGroups  *netlens_history_service_groups_finish (NetlensHistoryService *self,
                                                              GAsyncResult          *result,
                                                              GError               **error);

/* Seconds a live row must have lived before its first periodic write, and between two. */
#define NETLENS_HISTORY_SERVICE_LIVE_INTERVAL_S 60

G_END_DECLS
