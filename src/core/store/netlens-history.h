/* netlens-history.h: the SQLite history store
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "netlens-connection.h"

G_BEGIN_DECLS

#define NETLENS_HISTORY_ERROR (netlens_history_error_quark ())

typedef enum
{
  NETLENS_HISTORY_ERROR_FAILED,   /* an SQLite or I/O error */
  NETLENS_HISTORY_ERROR_NEWER,    /* written by a newer Netlens: left as it is */
  NETLENS_HISTORY_ERROR_CORRUPT,  /* not a Netlens history, or damaged: left as it is */
  NETLENS_HISTORY_ERROR_INVALID,  /* a --since/--until value that is not a time */
} NetlensHistoryError;

GQuark netlens_history_error_quark (void);

/* The schema version this build writes (PRAGMA user_version). */
#define NETLENS_HISTORY_SCHEMA_VERSION 5

/* Defaults of the Preferences (DESIGN.md): 30 days, 1 GiB. */
#define NETLENS_HISTORY_DEFAULT_DAYS      30
#define NETLENS_HISTORY_DEFAULT_MAX_BYTES (G_GUINT64_CONSTANT (1) << 30)

typedef struct _NetlensHistory NetlensHistory;

/* Opens PATH, creating it (mode 0600, its folder 0700) when missing.  An existing file is
 * checked (SQLite header, application id, schema version, PRAGMA quick_check) before
 * anything is written; on NEWER or CORRUPT the file is left byte for byte as it was.
 * quick_check takes about 1 s per 150 MB: the window opens the history off the main thread.
 * Any thread may use the returned history. */
NetlensHistory *netlens_history_open   (const char      *path,
                                        GError         **error);
/* Stops the writer after writing everything queued, then closes.  NULL is fine. */
void            netlens_history_close  (NetlensHistory  *history);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensHistory, netlens_history_close)

const char     *netlens_history_get_path (NetlensHistory *history);

/* Renames PATH (and its -wal/-shm files) to "PATH.broken-YYYYMMDD-HHMMSS" so that a
 * fresh history can be created; *NEW_PATH (may be NULL) receives the new name. */
gboolean        netlens_history_set_aside (const char  *path,
                                           char       **new_path,
                                           GError     **error);

/* The user's default database: $XDG_DATA_HOME/netlens/history.sqlite (not created). */
char           *netlens_history_default_path (void);

/* Rows pushed from now on belong to a new session (a new pipeline: row ids restart).
 * netlens_history_open() starts the first one.  SOURCE describes it ("file x.pcap",
 * "interface eth0"), may be NULL.  Returns the session id (NetlensHistoryRow.session),
 * 0 when it could not be written (the rows then stay in the previous session). */
gint64          netlens_history_begin_session (NetlensHistory *history,
                                               const char     *source);

/* ---- writing ---- */

/* Starts the history thread.  Without it, rows pushed wait for netlens_history_flush(),
 * which then writes them on the calling thread. */
void            netlens_history_start_writer (NetlensHistory    *history);
/* Queue SNAPSHOT (ownership taken) for writing.  Never blocks on the database: when the
 * queue is full (netlens_history_set_queue_limit) the row is dropped and counted.  The same
 * row may be pushed again (periodic snapshots of a long-lived connection, then its end):
 * it is updated in place, keyed by (session, id, generation, first_seen), and its traffic
 * since the previous push goes into the per-minute buckets.  Usable as a NetlensRowSink. */
void            netlens_history_push         (NetlensHistory    *history,
                                              NetlensConnection *snapshot);
void            netlens_history_row_sink     (NetlensConnection *snapshot,
                                              gpointer           history);
/* For long-lived rows (the UI's change sets, a headless live run's periodic snapshots):
 * pushes a snapshot of CONN (copied, CONN is not taken) when this row of the current
 * session was not written in the last INTERVAL_S seconds (0: 60), and returns whether it
 * did.  Rows that ended are pushed by the row sink; NOW_US is any monotonic clock. */
gboolean        netlens_history_offer_live   (NetlensHistory          *history,
                                              const NetlensConnection *conn,
                                              gint64                   now_us,
                                              guint                    interval_s);
/* Writes everything pushed before the call and returns when it is committed.
 * FALSE when the store has failed (netlens_history_get_error()). */
gboolean        netlens_history_flush        (NetlensHistory    *history);
void            netlens_history_set_queue_limit (NetlensHistory *history,
                                                 guint           max_rows);   /* default 20000 */
/* Replaying a file (no capture to fall behind): with the writer running, a push into a full
 * queue waits for room instead of dropping, so that the history holds every row.  Off by
 * default (live captures never wait). */
void            netlens_history_set_block_when_full (NetlensHistory *history,
                                                     gboolean        block);
/* Batch limits: a transaction is committed after MAX_ROWS rows or MAX_DELAY_MS after the
 * first row of the batch was pushed (defaults 500 rows, 1000 ms). */
void            netlens_history_set_batch    (NetlensHistory    *history,
                                              guint              max_rows,
                                              guint              max_delay_ms);
guint64         netlens_history_get_dropped  (NetlensHistory    *history);
guint64         netlens_history_get_written  (NetlensHistory    *history);  /* rows committed */
guint64         netlens_history_get_batches  (NetlensHistory    *history);  /* commits */
/* The first error of the writer (a full disk, a database damaged while in use), or NULL.
 * After one the writer stops writing and drops what it is given. */
gboolean        netlens_history_get_error    (NetlensHistory    *history,
                                              GError           **error);

/* ---- retention ---- */

/* 0 = no limit.  Enforced after each batch, a few chunks of the oldest rows at a time,
 * and completely by netlens_history_flush(). */
void            netlens_history_set_retention (NetlensHistory  *history,
                                               guint            days,
                                               guint64          max_bytes);
/* The database size: page_count * page_size (the -wal file not included). */
guint64         netlens_history_get_size      (NetlensHistory  *history);
/* Deletes every row (after a confirmation, in the GUI) and shrinks the file. */
gboolean        netlens_history_clear         (NetlensHistory  *history,
                                               GError         **error);

/* ---- reading (any thread; reads run beside the writer, WAL) ---- */

typedef struct
{
  gint64             id;          /* the database row */
  gint64             session;
  /* Rebuilt from the stored columns: key, id, generation, states, app, times, counters,
   * process and peer process, dns/reverse names, country, asn, as_org, and the DPI results
   * (netlens_dpi_from_json of dpi_json).  Owned by the query: steal it to keep it. */
  NetlensConnection *conn;
  const char        *protocol;    /* "tcp", "ip:gre" */
  const char        *best_name;   /* as the export wrote them, or NULL */
  const char        *sni;
  const char        *http_host;
  const char        *service;
  const char        *dpi_json;    /* the export's "dpi" value */
  const char        *json;        /* the whole export object: netlens_connection_write_json
                                   * of CONN (not stored, made again; as the export wrote it) */
  const char        *damage;      /* NULL, or why CONN holds only part of the row (its stored
                                   * fields are damaged: what came before the damage is kept) */
} NetlensHistoryRow;

/* Return FALSE to stop. */
typedef gboolean (*NetlensHistoryRowFunc) (NetlensHistoryRow *row,
                                           gpointer           user_data);

/* FUNC runs on the calling thread while the read connection is held: it must not start
 * another query on the same history (copy or steal what it needs, query afterwards).
 * Rows whose [first_seen, last_seen] overlaps [SINCE_US, UNTIL_US] (0 = unbounded), in the
 * order of first_seen; each connection once, in its latest pushed state. */
gboolean        netlens_history_query          (NetlensHistory        *history,
                                                gint64                 since_us,
                                                gint64                 until_us,
                                                NetlensHistoryRowFunc  func,
                                                gpointer               user_data,
                                                GError               **error);

/* Per-minute traffic (bytes) of the whole machine, or of one program, or of one row. */
typedef gboolean (*NetlensHistoryTrafficFunc) (gint64   minute_us,   /* start of the minute */
                                               guint64  tx_bytes,
                                               guint64  rx_bytes,
                                               gpointer user_data);
/* PROGRAM: NULL for all programs together; "" for traffic with no known program;
 * otherwise the program key (the owner's app_id when known, else its name). */
gboolean        netlens_history_query_traffic  (NetlensHistory            *history,
                                                gint64                     since_us,
                                                gint64                     until_us,
                                                const char                *program,
                                                NetlensHistoryTrafficFunc  func,
                                                gpointer                   user_data,
                                                GError                   **error);
gboolean        netlens_history_query_connection_traffic (NetlensHistory            *history,
                                                          gint64                     row_id,
                                                          NetlensHistoryTrafficFunc  func,
                                                          gpointer                   user_data,
                                                          GError                   **error);
/* The program key under which a row's traffic is bucketed. */
const char     *netlens_history_program_key    (const NetlensConnection *conn);

/* ---- --since / --until ---- */

/* ISO 8601 ("2026-11-20T10:00:00Z", "2026-11-20 10:00", "2026-11-20"; local time when no
 * zone is given), relative to NOW_US ("-7d", "-2h", "-30m", "-45s", "-1w"), "now",
 * "today" and "yesterday" (local midnight) -> microseconds since the epoch. */
gboolean        netlens_history_parse_time     (const char  *text,
                                                gint64       now_us,
                                                gint64      *out,
                                                GError     **error);

G_END_DECLS
