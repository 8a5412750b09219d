/* netlens-history.c: the SQLite history store
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-history"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "netlens-history.h"
#include "netlens-history-row.h"
#include "netlens-export.h"
#include "netlens-dpi.h"
#include "netlens-json.h"

/* "NLHS": PRAGMA application_id, so that another program's database is not taken for ours. */
#define NETLENS_HISTORY_APPLICATION_ID 0x4E4C4853

#define DEFAULT_QUEUE_LIMIT 20000
#define DEFAULT_BATCH_ROWS  500
#define DEFAULT_BATCH_MS    1000
#define RETENTION_CHUNKS_PER_BATCH 4
/* A queue this many batches deep is written in one transaction (take_batch) */
#define DEEP_QUEUE_BATCHES 4
#define USEC_PER_MINUTE G_GINT64_CONSTANT (60000000)
#define USEC_PER_DAY    G_GINT64_CONSTANT (86400000000)
/* Traffic of one push is spread over at most this many minutes (a day). */
#define MAX_SPREAD_MINUTES 1440

G_DEFINE_QUARK (netlens-history-error-quark, netlens_history_error)

/* A block index of the connections (schema 5): each row of `blocks` covers the ids
 * [first_id, last_id] and the times [min_first_seen, max_last_seen] of the rows in it, so a
 * time range is read from the id ranges of the blocks that overlap it, not from an index
 * with an entry per row.  Rows are written in id order, mostly in time order (a live
 * capture), so blocks are narrow in time; a replayed old capture gives blocks of its own
 * times.  The writer extends the last block with each batch (one transaction: its ids are
 * consecutive) until it holds BLOCK_ROWS rows; an update widens its row's block. */
#define BLOCK_ROWS 4096
#define BLOCKS_SQL \
  "CREATE TABLE blocks (" \
  "  first_id INTEGER PRIMARY KEY," \
  "  last_id INTEGER NOT NULL," \
  "  rows INTEGER NOT NULL," \
  "  min_first_seen INTEGER NOT NULL," \
  "  max_last_seen INTEGER NOT NULL);"

/* Schema migrations: MIGRATIONS[v] takes a database from version v to v + 1 (with
 * migrate_step() for what SQL alone does not say). */
static const char *const migrations[] = {
  /* 0 -> 1 */
  "CREATE TABLE sessions ("
  "  id INTEGER PRIMARY KEY,"
  "  started INTEGER NOT NULL,"
  "  source TEXT);"
  "CREATE TABLE connections ("
  "  id INTEGER PRIMARY KEY,"
  "  session INTEGER NOT NULL,"
  "  conn_id INTEGER NOT NULL,"
  "  generation INTEGER NOT NULL,"
  "  first_seen INTEGER NOT NULL,"
  "  proto INTEGER, family INTEGER, ip_proto INTEGER, protocol TEXT,"
  "  laddr BLOB, lport INTEGER, raddr BLOB, rport INTEGER,"
  "  local_address TEXT, remote_address TEXT,"
  "  state TEXT, app_state TEXT, app TEXT, end_reason TEXT, service TEXT,"
  "  last_seen INTEGER NOT NULL, ended INTEGER, state_since INTEGER,"
  "  tx_packets INTEGER, tx_bytes INTEGER, rx_packets INTEGER, rx_bytes INTEGER,"
  "  best_name TEXT, sni TEXT, http_host TEXT, dns_name TEXT, reverse_name TEXT,"
  "  pid INTEGER, uid INTEGER, process_name TEXT, cmdline TEXT, user_name TEXT,"
  "  exe TEXT, cgroup TEXT, app_id TEXT,"
  "  peer_pid INTEGER, peer_uid INTEGER, peer_name TEXT, peer_cmdline TEXT, peer_user TEXT,"
  "  peer_exe TEXT, peer_cgroup TEXT, peer_app_id TEXT,"
  "  program TEXT,"
  "  country TEXT, asn INTEGER, as_org TEXT, timeout_s INTEGER, flags INTEGER,"
  "  dpi TEXT, json TEXT,"
  "  written INTEGER NOT NULL);"
  "CREATE UNIQUE INDEX connections_identity"
  "  ON connections (session, conn_id, generation, first_seen);"
  "CREATE INDEX connections_last_seen ON connections (last_seen);"
  "CREATE INDEX connections_written ON connections (written);"
  "CREATE TABLE connection_minutes ("
  "  conn INTEGER NOT NULL, minute INTEGER NOT NULL, tx INTEGER NOT NULL, rx INTEGER NOT NULL,"
  "  PRIMARY KEY (conn, minute)) WITHOUT ROWID;"
  "CREATE TABLE program_minutes ("
  "  minute INTEGER NOT NULL, program TEXT NOT NULL, tx INTEGER NOT NULL, rx INTEGER NOT NULL,"
  "  PRIMARY KEY (minute, program)) WITHOUT ROWID;",
  /* 1 -> 2: the export object is no longer stored beside the columns it is made of (it is
   * rebuilt from them when read: half the bytes written per row), and a row without DPI
   * results stores NULL rather than the all-null "dpi" object (migrate_step) */
  "ALTER TABLE connections DROP COLUMN json;",
  /* 2 -> 3: a row written once keeps no per-minute buckets of its own (they are its spread,
   * made again when read); a row written again stores them, the first write's included.
   * The buckets of existing rows stay as they are: nothing to change, but a schema 2
   * Netlens would read such rows as without traffic, so it must refuse the file. */
  "-- nothing to change",
  /* 3 -> 4: a row is the columns SQL selects and orders by, and one compact blob of
   * everything else (netlens-history-row.c), instead of 55 columns: a third of the bytes
   * and of the work per row.  No identity index (the writer remembers the rows it may write
   * again: IdentityEntry) and none on `written` (retention goes in id order: delete_oldest),
   * two B-tree inserts per row less.  migrate_step() fills connections_v4 from the old rows. */
  "DROP TABLE connections;"
  "ALTER TABLE connections_v4 RENAME TO connections;"
  "CREATE INDEX connections_last_seen ON connections (last_seen);",
  /* 4 -> 5: no index on last_seen either (an entry per row): the `blocks` table says which
   * id ranges hold which times (BLOCKS_SQL), made here from the rows in 4096-id runs */
  "DROP INDEX connections_last_seen;"
  BLOCKS_SQL
  "INSERT INTO blocks SELECT min (id), max (id), count (*), min (first_seen), max (last_seen)"
  "  FROM connections GROUP BY id / 4096;",
};

/* Schema 4's table, made by migrate_step() before the SQL of 3 -> 4 renames it. */
#define CONNECTIONS_V4_COLUMNS \
  "  id INTEGER PRIMARY KEY," \
  "  session INTEGER NOT NULL," \
  "  conn_id INTEGER NOT NULL," \
  "  generation INTEGER NOT NULL," \
  "  first_seen INTEGER NOT NULL," \
  "  last_seen INTEGER NOT NULL," \
  "  tx_bytes INTEGER NOT NULL," \
  "  rx_bytes INTEGER NOT NULL," \
  "  written INTEGER NOT NULL," \
  "  fields BLOB NOT NULL)"
static const char connections_v4_sql[] = "CREATE TABLE connections_v4 (" CONNECTIONS_V4_COLUMNS;

/* A new file gets the current schema at once, not through every migration (the same tables
 * and indexes: /history/fresh-equals-migrated). */
static const char fresh_schema_sql[] =
  "CREATE TABLE sessions ("
  "  id INTEGER PRIMARY KEY,"
  "  started INTEGER NOT NULL,"
  "  source TEXT);"
  "CREATE TABLE connections (" CONNECTIONS_V4_COLUMNS ";"
  BLOCKS_SQL
  "CREATE TABLE connection_minutes ("
  "  conn INTEGER NOT NULL, minute INTEGER NOT NULL, tx INTEGER NOT NULL, rx INTEGER NOT NULL,"
  "  PRIMARY KEY (conn, minute)) WITHOUT ROWID;"
  "CREATE TABLE program_minutes ("
  "  minute INTEGER NOT NULL, program TEXT NOT NULL, tx INTEGER NOT NULL, rx INTEGER NOT NULL,"
  "  PRIMARY KEY (minute, program)) WITHOUT ROWID;";

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == NETLENS_HISTORY_SCHEMA_VERSION);

/* Schema 3's columns after the identity (session, conn_id, generation, first_seen): read
 * only by the migration to schema 4 (v3_row_to_connection). */
static const char *const row_columns[] = {
  "proto", "family", "ip_proto", "protocol",
  "laddr", "lport", "raddr", "rport", "local_address", "remote_address",
  "state", "app_state", "app", "end_reason", "service",
  "last_seen", "ended", "state_since",
  "tx_packets", "tx_bytes", "rx_packets", "rx_bytes",
  "best_name", "sni", "http_host", "dns_name", "reverse_name",
  "pid", "uid", "process_name", "cmdline", "user_name", "exe", "cgroup", "app_id",
  "peer_pid", "peer_uid", "peer_name", "peer_cmdline", "peer_user", "peer_exe",
  "peer_cgroup", "peer_app_id",
  "program",
  "country", "asn", "as_org", "timeout_s", "flags",
  "dpi",
  "written",
};

/* Queued rows live in chunks of this size (a larger row gets a chunk of its own): one
 * allocation per few thousand rows rather than one per row, which made a capture's end
 * grow the heap a page at a time while the history thread freed them.  Up to SPARE_CHUNKS
 * emptied chunks are kept for the next rows: a new chunk cost the pusher 0.6 ms on this
 * machine (its pages faulted in one by one, and the freed one's unmapping stopped the other
 * core), 9 ms of a 20,000-row capture's end. */
#define ITEM_CHUNK_SIZE (256 * 1024)
#define SPARE_CHUNKS    4

typedef struct _ItemChunk ItemChunk;
struct _ItemChunk
{
  gint       refs;   /* one per queued item, and one while it is the chunk being filled */
  gsize      used;
  gsize      size;
  ItemChunk *next;   /* among the spare chunks */
};

/* TRUE when that was the last reference: the caller has the chunk (chunk_retire) */
static gboolean
item_chunk_release (ItemChunk *chunk,
                    gint       n)
{
  return g_atomic_int_add (&chunk->refs, -n) == n;
}

/* A pushed row, encoded by the pusher (netlens_history_push): the history thread only binds
 * and steps.  In a chunk: the struct, the blob, then the program key's text. */
typedef struct _QueueItem QueueItem;
struct _QueueItem
{
  QueueItem *next;       /* the queue is the items' own list: no node to allocate */
  ItemChunk *chunk;
  gint64  session;
  gint64  pushed;        /* monotonic */
  gint64  first_seen;
  gint64  last_seen;
  gint64  ended;         /* 0 while open */
  guint64 tx_bytes;
  guint64 rx_bytes;
  guint32 conn_id;
  guint16 generation;
  guint8  offered;       /* ended, and offered live before: a late live copy may follow */
  guint32 fields_len;     /* the blob's bytes, which follow the struct */
};

typedef struct
{
  QueueItem *head;
  QueueItem *tail;
  guint      length;
} ItemQueue;

static void
item_queue_push (ItemQueue *queue,
                 QueueItem *item)
{
  item->next = NULL;
  if (queue->tail != NULL)
    queue->tail->next = item;
  else
    queue->head = item;
  queue->tail = item;
  queue->length++;
}

/* Items taken off the queue together: still linked by NEXT, LEN of them from HEAD. */
typedef struct
{
  QueueItem *head;
  guint      len;
} ItemBatch;

/* After the struct: the blob, then the program key, NUL-terminated */
#define QUEUE_ITEM_FIELDS(item)  ((const guint8 *) (item) + sizeof (QueueItem))
#define QUEUE_ITEM_PROGRAM(item) ((const char *) QUEUE_ITEM_FIELDS (item) + (item)->fields_len)

/* A row this writer may write again (written while open, or ended after it was offered
 * live): where it is and what was stored, so that the next write updates it in place and
 * stores only the traffic since (schema 4 has no identity index to find it by). */
typedef struct
{
  gint64  session;
  gint64  first_seen;
  guint32 conn_id;
  guint16 generation;
  gboolean ended;
  gboolean has_buckets;   /* its minutes are stored (written more than once) */
  gint64  row_id;
  gint64  last_seen;
  guint64 tx_bytes;
  guint64 rx_bytes;
  gint64  touched;        /* monotonic: when last written */
} IdentityEntry;

static guint
identity_hash (gconstpointer p)
{
  const IdentityEntry *e = p;

  return (guint) e->conn_id ^ ((guint) e->generation << 20) ^ (guint) e->first_seen
         ^ (guint) (e->session << 7);
}

static gboolean
identity_equal (gconstpointer a,
                gconstpointer b)
{
  const IdentityEntry *x = a, *y = b;

  return x->conn_id == y->conn_id && x->generation == y->generation
         && x->first_seen == y->first_seen && x->session == y->session;
}

/* The traffic of one program in one minute, summed over a batch's rows.  PROGRAM belongs
 * to a row of the batch. */
typedef struct
{
  gint64      minute;
  const char *program;
  guint64     tx;
  guint64     rx;
} ProgramMinute;

static guint
program_minute_hash (gconstpointer p)
{
  const ProgramMinute *pm = p;

  return g_str_hash (pm->program) ^ (guint) (pm->minute / USEC_PER_MINUTE);
}

static gboolean
program_minute_equal (gconstpointer a,
                      gconstpointer b)
{
  const ProgramMinute *x = a, *y = b;

  return x->minute == y->minute && strcmp (x->program, y->program) == 0;
}

struct _NetlensHistory
{
  char         *path;

  /* The writing connection and its statements: the writer thread's, or the flushing
   * caller's when no writer runs. */
  GMutex        db_lock;
  sqlite3      *db;
  sqlite3_stmt *insert_stmt;
  sqlite3_stmt *block_last_stmt;
  sqlite3_stmt *block_extend_stmt;
  sqlite3_stmt *block_insert_stmt;
  sqlite3_stmt *block_widen_stmt;
  sqlite3_stmt *update_stmt;
  sqlite3_stmt *conn_minute_stmt;
  sqlite3_stmt *program_minute_stmt;
  /* The batch's traffic per (minute, program), written once per batch (ProgramMinute) */
  GHashTable   *program_minutes;
  /* Rows that may be written again (IdentityEntry), and when it was last pruned */
  GHashTable   *identities;
  gint64        identities_pruned;

  /* The reading connection (queries from any thread, one at a time). */
  GMutex        read_lock;
  sqlite3      *rdb;

  /* Everything below is guarded by LOCK. */
  GMutex        lock;
  GCond         cond;
  GCond         space;        /* the queue has room (block_when_full) */
  gboolean      block_when_full;
  ItemQueue     queue;
  guint         queue_limit;
  guint         batch_rows;
  guint         batch_ms;
  guint64       dropped;
  guint64       written;
  guint64       batches;
  guint64       flush_requested;
  guint64       flush_done;
  gboolean      stopping;
  gboolean      writing;      /* a batch is being written outside LOCK */
  GThread      *thread;
  gint64        session;        /* 0: the default session, not written yet */
  gint64        default_session;  /* written by the first batch that needs it (db_lock) */
  guint         retention_days;
  guint64       retention_bytes;
  GError       *error;
  GHashTable   *live_offered;   /* (id << 16 | generation) -> last push (gint64 *) */
  gint64        live_pruned;
  ItemChunk    *chunk;          /* where the next pushed row goes */
  ItemChunk    *spare;          /* emptied chunks, at most SPARE_CHUNKS */
  guint         n_spare;
};

/* A chunk without items any more: kept for the next rows, or freed.  Called with LOCK. */
static void
chunk_retire (NetlensHistory *history,
              ItemChunk      *chunk)
{
  if (chunk->size == ITEM_CHUNK_SIZE && history->n_spare < SPARE_CHUNKS)
    {
      chunk->next = history->spare;
      history->spare = chunk;
      history->n_spare++;
    }
  else
    g_free (chunk);
}

/* Releases a batch's items (without LOCK): one atomic operation per run of items of one
 * chunk, not one per item (the pusher counts its items into the chunk it fills: a write
 * per item on that cache line from this thread moved it between the cores at every push),
 * and LOCK once for the chunks emptied. */
static void
item_batch_clear (NetlensHistory *history,
                  ItemBatch      *batch)
{
  QueueItem *item = batch->head;
  ItemChunk *emptied = NULL;

  while (item != NULL)
    {
      ItemChunk *chunk = item->chunk;
      gint run = 0;

      while (item != NULL && item->chunk == chunk)
        {
          item = item->next;
          run++;
        }
      if (item_chunk_release (chunk, run))
        {
          chunk->next = emptied;
          emptied = chunk;
        }
    }
  batch->head = NULL;
  batch->len = 0;
  if (emptied == NULL)
    return;
  g_mutex_lock (&history->lock);
  while (emptied != NULL)
    {
      ItemChunk *next = emptied->next;

      chunk_retire (history, emptied);
      emptied = next;
    }
  g_mutex_unlock (&history->lock);
}

/* The "dpi" value of a row without DPI results: stored as NULL. */
static const char *
null_dpi_json (void)
{
  static gsize once;
  static char *json;

  if (g_once_init_enter (&once))
    {
      GString *s = g_string_new (NULL);

      netlens_dpi_write_json (NULL, s);
      json = g_string_free (s, FALSE);
      g_once_init_leave (&once, 1);
    }
  return json;
}

/* ---- small SQLite helpers ---- */

static void
set_sqlite_error (GError    **error,
                  sqlite3    *db,
                  int         rc,
                  const char *what)
{
  int code = NETLENS_HISTORY_ERROR_FAILED;

  if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
    code = NETLENS_HISTORY_ERROR_CORRUPT;
  g_set_error (error, NETLENS_HISTORY_ERROR, code, "%s: %s", what,
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}

static gboolean
exec_sql (sqlite3     *db,
          const char  *sql,
          GError     **error)
{
  char *msg = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &msg);

  if (rc != SQLITE_OK)
    {
      int code = (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
                 ? NETLENS_HISTORY_ERROR_CORRUPT : NETLENS_HISTORY_ERROR_FAILED;
      g_set_error (error, NETLENS_HISTORY_ERROR, code, "%s", msg ? msg : sqlite3_errstr (rc));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* The first column of the first row of SQL as an integer. */
static gboolean
query_int (sqlite3     *db,
           const char  *sql,
           gint64      *out,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, db, rc, sql);
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64 (stmt, 0);
  else if (rc == SQLITE_DONE)
    *out = 0;
  else
    {
      set_sqlite_error (error, db, rc, sql);
      sqlite3_finalize (stmt);
      return FALSE;
    }
  sqlite3_finalize (stmt);
  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

/* Without a copy: TEXT must stay as it is until the statement has run. */
static const char *
column_text (sqlite3_stmt *stmt,
             int           index)
{
  return (const char *) sqlite3_column_text (stmt, index);
}

/* ---- opening ---- */

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Checks the 100-byte SQLite header of an existing file without SQLite, so that nothing
 * that is not a database is ever handed to it in write mode. */
static gboolean
check_file_header (const char  *path,
                   gboolean    *is_empty,
                   GError     **error)
{
  guint8 header[100];
  FILE *f;
  gsize n;

  *is_empty = FALSE;
  f = g_fopen (path, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot read the history %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  n = fread (header, 1, sizeof header, f);
  fclose (f);
  if (n == 0)
    {
      *is_empty = TRUE;
      return TRUE;
    }
  if (n < sizeof header || memcmp (header, "SQLite format 3", 16) != 0)
    {
      g_set_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_CORRUPT,
                   "The history %s is damaged or not an SQLite database; it was left as it is",
                   path);
      return FALSE;
    }
  /* user_version at offset 60, application_id at 68, both big-endian */
  if (read_be32 (header + 68) != 0 && read_be32 (header + 68) != NETLENS_HISTORY_APPLICATION_ID)
    {
      g_set_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_CORRUPT,
                   "%s is an SQLite database of another program, not a Netlens history; "
                   "it was left as it is", path);
      return FALSE;
    }
  if (read_be32 (header + 60) > NETLENS_HISTORY_SCHEMA_VERSION)
    {
      g_set_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_NEWER,
                   "The history %s was written by a newer version of Netlens (schema %u, "
                   "this one knows %u); it was left as it is", path,
                   read_be32 (header + 60), NETLENS_HISTORY_SCHEMA_VERSION);
      return FALSE;
    }
  return TRUE;
}

/* With a read-only connection: schema version, application id and PRAGMA quick_check. */
static gboolean
check_database (const char  *path,
                GError     **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 version = 0, app_id = 0, n_tables = 0;
  g_autoptr(GString) problems = g_string_new (NULL);
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, db, rc, "Cannot open the history");
      sqlite3_close (db);
      return FALSE;
    }
  sqlite3_busy_timeout (db, 5000);

  if (!query_int (db, "PRAGMA user_version", &version, error)
      || !query_int (db, "PRAGMA application_id", &app_id, error)
      || !query_int (db, "SELECT count(*) FROM sqlite_schema", &n_tables, error))
    goto corrupt;

  if (version > NETLENS_HISTORY_SCHEMA_VERSION)
    {
      g_set_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_NEWER,
                   "The history %s was written by a newer version of Netlens (schema %"
                   G_GINT64_FORMAT ", this one knows %d); it was left as it is", path,
                   version, NETLENS_HISTORY_SCHEMA_VERSION);
      sqlite3_close (db);
      return FALSE;
    }
  if ((app_id != 0 && app_id != NETLENS_HISTORY_APPLICATION_ID)
      || (version == 0 && n_tables > 0))
    {
      g_set_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_CORRUPT,
                   "%s is an SQLite database of another program, not a Netlens history; "
                   "it was left as it is", path);
      sqlite3_close (db);
      return FALSE;
    }

  rc = sqlite3_prepare_v2 (db, "PRAGMA quick_check(5)", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        const char *line = column_text (stmt, 0);
        if (g_strcmp0 (line, "ok") != 0)
          g_string_append_printf (problems, "%s%s", problems->len ? "; " : "", line);
      }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_OK)
    {
      set_sqlite_error (error, db, rc, "quick_check");
      goto corrupt;
    }
  if (problems->len > 0)
    {
      g_set_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_CORRUPT,
                   "%s", problems->str);
      goto corrupt;
    }
  sqlite3_close (db);
  return TRUE;

corrupt:
  sqlite3_close (db);
  if (error != NULL && *error != NULL)
    {
      char *old = (*error)->message;
      (*error)->message = g_strdup_printf ("The history %s is damaged (%s); it was left as it is",
                                           path, old);
      (*error)->code = NETLENS_HISTORY_ERROR_CORRUPT;
      g_free (old);
    }
  return FALSE;
}

static NetlensConnection *v3_row_to_connection (sqlite3_stmt *stmt);
static char *v3_select_columns (void);

/* The nine values a schema 4 row is written with, from parameter FIRST + 1 on, in the order
 * of the INSERT statements (session, conn_id, generation, first_seen, last_seen, tx_bytes,
 * rx_bytes, written, fields): the writer's and the migration's. */
static void
bind_row_values (sqlite3_stmt *stmt,
                 int           first,
                 gint64        session,
                 gint64        conn_id,
                 gint64        generation,
                 gint64        first_seen,
                 gint64        last_seen,
                 guint64       tx_bytes,
                 guint64       rx_bytes,
                 gint64        written,
                 const guint8 *fields,
                 gsize         fields_len)
{
  sqlite3_bind_int64 (stmt, first + 1, session);
  sqlite3_bind_int64 (stmt, first + 2, conn_id);
  sqlite3_bind_int64 (stmt, first + 3, generation);
  sqlite3_bind_int64 (stmt, first + 4, first_seen);
  sqlite3_bind_int64 (stmt, first + 5, last_seen);
  sqlite3_bind_int64 (stmt, first + 6, (gint64) tx_bytes);
  sqlite3_bind_int64 (stmt, first + 7, (gint64) rx_bytes);
  sqlite3_bind_int64 (stmt, first + 8, written);
  sqlite3_bind_blob (stmt, first + 9, fields, (int) fields_len, SQLITE_STATIC);
}

/* 3 -> 4: every row of the old table, read as schema 3 reads it, into connections_v4 with
 * its blob; the ids stay, so connection_minutes still point at their rows. */
static gboolean
migrate_rows_to_v4 (sqlite3     *db,
                    GError     **error)
{
  g_autofree char *columns = v3_select_columns ();
  g_autofree char *select = g_strdup_printf ("%s FROM connections ORDER BY id", columns);
  const int dpi_col = 5 + (int) G_N_ELEMENTS (row_columns) - 2;
  const int written_col = 5 + (int) G_N_ELEMENTS (row_columns) - 1;
  g_autoptr(GByteArray) fields = g_byte_array_sized_new (512);
  sqlite3_stmt *read = NULL, *write = NULL;
  int rc;

  if (!exec_sql (db, connections_v4_sql, error))
    return FALSE;
  rc = sqlite3_prepare_v2 (db, select, -1, &read, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "INSERT INTO connections_v4 (id, session, conn_id, generation,"
                             " first_seen, last_seen, tx_bytes, rx_bytes, written, fields)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", -1, &write,
                             NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (read)) == SQLITE_ROW)
    {
      NetlensConnection *conn = v3_row_to_connection (read);
      const char *dpi = column_text (read, dpi_col);

      /* a DPI value schema 3 could not read stays unread: the row without DPI results */
      if (dpi != NULL)
        conn->dpi = netlens_dpi_from_json (dpi, conn, NULL);
      g_byte_array_set_size (fields, 0);
      netlens_history_row_encode (conn, fields);
      sqlite3_bind_int64 (write, 1, sqlite3_column_int64 (read, 0));
      bind_row_values (write, 1, sqlite3_column_int64 (read, 1), conn->id, conn->generation,
                       conn->first_seen, conn->last_seen, conn->tx_bytes, conn->rx_bytes,
                       sqlite3_column_int64 (read, written_col), fields->data, fields->len);
      netlens_connection_free (conn);
      rc = sqlite3_step (write);
      sqlite3_reset (write);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  sqlite3_finalize (read);
  sqlite3_finalize (write);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, db, rc, "Cannot migrate the history");
      return FALSE;
    }
  return TRUE;
}

/* What migration V (to V + 1) needs beyond its SQL, run before it. */
static gboolean
migrate_step (sqlite3     *db,
              gint64       v,
              GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (v == 3)
    return migrate_rows_to_v4 (db, error);
  if (v != 1)
    return TRUE;
  /* 1 -> 2: the all-null "dpi" object becomes NULL */
  rc = sqlite3_prepare_v2 (db, "UPDATE connections SET dpi = NULL WHERE dpi = ?1", -1, &stmt,
                           NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, null_dpi_json (), -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_OK)
    {
      set_sqlite_error (error, db, rc, "Cannot migrate the history");
      return FALSE;
    }
  return TRUE;
}

static gboolean
migrate (sqlite3     *db,
         GError     **error)
{
  gint64 version = 0;

  if (!query_int (db, "PRAGMA user_version", &version, error))
    return FALSE;
  if (version == NETLENS_HISTORY_SCHEMA_VERSION)
    return TRUE;

  if (version == 0)
    {
      gint64 mode = 0;

      /* Set on a new file before WAL mode wrote its header (netlens_history_open); for a
       * file of version 0 that has a header already, a VACUUM (of an empty database:
       * instant) applies it. */
      if (!exec_sql (db, "PRAGMA auto_vacuum = INCREMENTAL", error)
          || !query_int (db, "PRAGMA auto_vacuum", &mode, error))
        return FALSE;
      if (mode != 2 && !exec_sql (db, "VACUUM", error))
        return FALSE;
    }
  if (!exec_sql (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (version == 0)
    {
      if (!exec_sql (db, fresh_schema_sql, error))
        goto fail;
    }
  else
    for (gint64 v = version; v < NETLENS_HISTORY_SCHEMA_VERSION; v++)
      {
        g_debug ("Migrating the history schema from version %" G_GINT64_FORMAT, v);
        if (!migrate_step (db, v, error) || !exec_sql (db, migrations[v], error))
          goto fail;
      }
  {
    g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d; PRAGMA application_id = %d",
                                            NETLENS_HISTORY_SCHEMA_VERSION,
                                            NETLENS_HISTORY_APPLICATION_ID);
    if (!exec_sql (db, sql, error))
      goto fail;
  }
  if (!exec_sql (db, "COMMIT", error))
    goto fail;
  /* what a migration freed (1 -> 2: the export objects) goes back to the file system */
  if (version > 0)
    exec_sql (db, "PRAGMA incremental_vacuum", NULL);
  return TRUE;

fail:
  exec_sql (db, "ROLLBACK", NULL);
  return FALSE;
}

static gboolean
prepare_statements (NetlensHistory  *history,
                    GError         **error)
{
  struct { sqlite3_stmt **stmt; const char *sql; } stmts[] = {
    { &history->conn_minute_stmt,
      "INSERT INTO connection_minutes (conn, minute, tx, rx) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (conn, minute) DO UPDATE SET tx = tx + excluded.tx, rx = rx + excluded.rx" },
    { &history->program_minute_stmt,
      "INSERT INTO program_minutes (minute, program, tx, rx) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (minute, program) DO UPDATE SET tx = tx + excluded.tx, rx = rx + excluded.rx" },
    { &history->insert_stmt,
      "INSERT INTO connections (session, conn_id, generation, first_seen, last_seen, tx_bytes,"
      " rx_bytes, written, fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)" },
    /* the identity is checked again: a row trimmed or cleared meanwhile changes nothing */
    { &history->update_stmt,
      "UPDATE connections SET last_seen = ?5, tx_bytes = ?6, rx_bytes = ?7,"
      " fields = ?9 WHERE id = ?10 AND session = ?1 AND conn_id = ?2 AND generation = ?3"
      " AND first_seen = ?4" },   /* ?8, the time of this write, is not stored: see delete_oldest */
    { &history->block_last_stmt,
      "SELECT first_id, last_id, rows FROM blocks ORDER BY first_id DESC LIMIT 1" },
    { &history->block_extend_stmt,
      "UPDATE blocks SET last_id = ?2, rows = rows + ?3, min_first_seen = min (min_first_seen, ?4),"
      " max_last_seen = max (max_last_seen, ?5) WHERE first_id = ?1" },
    { &history->block_insert_stmt,
      "INSERT INTO blocks (first_id, last_id, rows, min_first_seen, max_last_seen)"
      " VALUES (?1, ?2, ?3, ?4, ?5)" },
    { &history->block_widen_stmt,
      "UPDATE blocks SET max_last_seen = max (max_last_seen, ?2) WHERE first_id ="
      " (SELECT max (first_id) FROM blocks WHERE first_id <= ?1)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (stmts); i++)
    {
      int rc = sqlite3_prepare_v3 (history->db, stmts[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
                                   stmts[i].stmt, NULL);
      if (rc != SQLITE_OK)
        {
          set_sqlite_error (error, history->db, rc, "Cannot prepare the history statements");
          return FALSE;
        }
    }
  return TRUE;
}

static void
finalize_statements (NetlensHistory *history)
{
  g_clear_pointer (&history->insert_stmt, sqlite3_finalize);
  g_clear_pointer (&history->block_last_stmt, sqlite3_finalize);
  g_clear_pointer (&history->block_extend_stmt, sqlite3_finalize);
  g_clear_pointer (&history->block_insert_stmt, sqlite3_finalize);
  g_clear_pointer (&history->block_widen_stmt, sqlite3_finalize);
  g_clear_pointer (&history->update_stmt, sqlite3_finalize);
  g_clear_pointer (&history->conn_minute_stmt, sqlite3_finalize);
  g_clear_pointer (&history->program_minute_stmt, sqlite3_finalize);
}

static gint64
insert_session (sqlite3    *db,
                const char *source)
{
  sqlite3_stmt *stmt = NULL;
  gint64 id = 0;

  if (sqlite3_prepare_v2 (db, "INSERT INTO sessions (started, source) VALUES (?1, ?2)", -1,
                          &stmt, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  bind_text (stmt, 2, source);
  if (sqlite3_step (stmt) == SQLITE_DONE)
    id = sqlite3_last_insert_rowid (db);
  sqlite3_finalize (stmt);
  return id;
}

NetlensHistory *
netlens_history_open (const char  *path,
                      GError     **error)
{
  g_autoptr(NetlensHistory) history = NULL;
  g_autofree char *dir = NULL;
  gboolean exists, is_empty = FALSE;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot create the folder %s: %s", dir, g_strerror (saved));
      return NULL;
    }

  exists = g_file_test (path, G_FILE_TEST_EXISTS);
  if (!exists)
    {
      /* 0600: it names hosts, programs and command lines.  SQLite gives the -wal and -shm
       * files the mode of the database. */
      int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0 && errno != EEXIST)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "Cannot create the history %s: %s", path, g_strerror (saved));
          return NULL;
        }
      if (fd >= 0)
        close (fd);
      exists = TRUE;
    }
  if (exists)
    {
      if (!check_file_header (path, &is_empty, error))
        return NULL;
      if (!is_empty && !check_database (path, error))
        return NULL;
    }

  history = g_new0 (NetlensHistory, 1);
  history->path = g_strdup (path);
  g_mutex_init (&history->db_lock);
  g_mutex_init (&history->read_lock);
  g_mutex_init (&history->lock);
  g_cond_init (&history->cond);
  g_cond_init (&history->space);
  history->live_offered = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  history->identities = g_hash_table_new_full (identity_hash, identity_equal, g_free, NULL);
  history->program_minutes = g_hash_table_new_full (program_minute_hash, program_minute_equal,
                                                    g_free, NULL);
  history->queue_limit = DEFAULT_QUEUE_LIMIT;
  history->batch_rows = DEFAULT_BATCH_ROWS;
  history->batch_ms = DEFAULT_BATCH_MS;
  history->retention_days = NETLENS_HISTORY_DEFAULT_DAYS;
  history->retention_bytes = NETLENS_HISTORY_DEFAULT_MAX_BYTES;

  rc = sqlite3_open_v2 (path, &history->db,
                        SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE)
                        | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, history->db, rc, "Cannot open the history");
      return NULL;
    }
  sqlite3_busy_timeout (history->db, 5000);
  sqlite3_extended_result_codes (history->db, 0);
  /* No checkpoint when closing: what is committed is in the WAL, synced, and readable by
   * every opener; copying it into the database (every page written and synced once more:
   * 30 ms for a 20,000-connection capture) is left to the automatic checkpoint of a later
   * commit, when the WAL passes 32 MiB, on the history thread.  So the end of a capture
   * waits only for its last transaction. */
  sqlite3_db_config (history->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);

  /* A new file: incremental auto-vacuum before its first page is written (the switch to WAL
   * writes it), and no syncs until its schema is there (a new history lost to a power cut
   * is a damaged file without rows, reported and set aside when opened): about fifteen
   * syncs less, 0.05 to 0.15 s on a busy disk. */
  if (is_empty && (!exec_sql (history->db, "PRAGMA synchronous = OFF", error)
                   || !exec_sql (history->db, "PRAGMA auto_vacuum = INCREMENTAL", error)))
    return NULL;
  /* WAL: readers beside the writer; FULL: a committed batch survives a power loss.
   * Checkpoints (two syncs each, and every page copied once more) when the WAL passes
   * 32 MiB rather than SQLite's 4 MiB: a capture's end is one or two transactions of
   * several MiB, checkpointed once; the file is cut back to 8 MiB after a checkpoint.
   * The writer's cache is 256 KiB (SQLite's default is 2 MiB): it appends, so the table's
   * last pages and the blocks are what it reuses, and each page of cache is a separate
   * allocation that grows the thread's heap by a page: a system call and a page fault
   * (10 to 20 us on a virtual machine) each, 450 of them for a 20,000-row capture with
   * 2 MiB; a page it needs again comes back from the WAL through the kernel's cache.  The
   * queries have their own connection and cache. */
  if (!exec_sql (history->db, "PRAGMA journal_mode = WAL", error)
      || !exec_sql (history->db, "PRAGMA wal_autocheckpoint = 8192", error)
      || !exec_sql (history->db, "PRAGMA journal_size_limit = 8388608", error)
      || !exec_sql (history->db, "PRAGMA cache_size = -256", error)
      || !migrate (history->db, error)
      || !exec_sql (history->db, "PRAGMA synchronous = FULL", error)
      || !prepare_statements (history, error))
    return NULL;

  /* the first session is written with the first row: a reader (--history) adds nothing */
  rc = sqlite3_open_v2 (path, &history->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, history->rdb, rc, "Cannot open the history for reading");
      return NULL;
    }
  sqlite3_busy_timeout (history->rdb, 5000);

  return g_steal_pointer (&history);
}

const char *
netlens_history_get_path (NetlensHistory *history)
{
  g_return_val_if_fail (history != NULL, NULL);
  return history->path;
}

char *
netlens_history_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "netlens", "history.sqlite", NULL);
}

gboolean
netlens_history_set_aside (const char  *path,
                           char       **new_path,
                           GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *target = NULL;
  static const char *const suffixes[] = { "-wal", "-shm", "-journal" };

  g_return_val_if_fail (path != NULL, FALSE);

  target = g_strdup_printf ("%s.broken-%s", path, stamp);
  for (guint n = 2; g_file_test (target, G_FILE_TEST_EXISTS); n++)
    {
      g_free (target);
      target = g_strdup_printf ("%s.broken-%s-%u", path, stamp, n);
    }
  if (g_rename (path, target) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot move %s aside: %s", path, g_strerror (saved));
      return FALSE;
    }
  /* The companions go with it: a -wal left behind would be replayed into the new file. */
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (target, suffixes[i], NULL);
      if (g_file_test (from, G_FILE_TEST_EXISTS) && g_rename (from, to) != 0)
        g_warning ("Cannot move %s aside: %s", from, g_strerror (errno));
    }
  if (new_path != NULL)
    *new_path = g_steal_pointer (&target);
  return TRUE;
}

static void set_writer_error (NetlensHistory *history, GError *error);

gint64
netlens_history_begin_session (NetlensHistory *history,
                               const char     *source)
{
  g_autoptr(GError) error = NULL;
  gint64 id;

  g_return_val_if_fail (history != NULL, 0);

  g_mutex_lock (&history->db_lock);
  id = insert_session (history->db, source);
  if (id == 0)
    set_sqlite_error (&error, history->db, sqlite3_errcode (history->db),
                      "Cannot start a history session");
  g_mutex_unlock (&history->db_lock);
  if (id == 0)
    {
      /* a locked or full database: the store's error, which the caller reports (the
       * window's banner, the headless run's warning); the rows go on without it */
      set_writer_error (history, error);
      return 0;
    }
  g_mutex_lock (&history->lock);
  history->session = id;
  g_hash_table_remove_all (history->live_offered);
  g_mutex_unlock (&history->lock);
  return id;
}

/* ---- writing ---- */

const char *
netlens_history_program_key (const NetlensConnection *conn)
{
  if (conn->process == NULL)
    return "";
  if (conn->process->app_id != NULL && conn->process->app_id[0] != '\0')
    return conn->process->app_id;
  return conn->process->name != NULL ? conn->process->name : "";
}

/* The batch's per-program minutes, one statement each, inside its transaction. */
static int
write_program_minutes (NetlensHistory *history)
{
  GHashTableIter iter;
  ProgramMinute *pm;
  int rc = SQLITE_OK;

  g_hash_table_iter_init (&iter, history->program_minutes);
  while (rc == SQLITE_OK && g_hash_table_iter_next (&iter, (gpointer *) &pm, NULL))
    {
      sqlite3_bind_int64 (history->program_minute_stmt, 1, pm->minute);
      sqlite3_bind_text (history->program_minute_stmt, 2, pm->program, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (history->program_minute_stmt, 3, (gint64) pm->tx);
      sqlite3_bind_int64 (history->program_minute_stmt, 4, (gint64) pm->rx);
      rc = sqlite3_step (history->program_minute_stmt);
      sqlite3_reset (history->program_minute_stmt);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  g_hash_table_remove_all (history->program_minutes);
  return rc;
}

static gint64
minute_floor (gint64 ts_us)
{
  gint64 m = ts_us / USEC_PER_MINUTE;
  if (ts_us < 0 && ts_us % USEC_PER_MINUTE != 0)
    m--;
  return m * USEC_PER_MINUTE;
}

/* Receives one minute of a spread: SQLITE_OK to go on. */
typedef int (*MinuteFunc) (gint64   minute_us,
                           guint64  tx,
                           guint64  rx,
                           gpointer data);

/* Spreads TX/RX bytes over the minutes of [FROM, TO] in proportion to the time in each,
 * so that the buckets always add up to the totals; minutes without bytes are skipped.
 * The same numbers for the same arguments: a row written once has no stored buckets, its
 * spread is made again when read (netlens_history_query_connection_traffic). */
static int
spread_traffic (gint64     from,
                gint64     to,
                guint64    tx,
                guint64    rx,
                MinuteFunc func,
                gpointer   data)
{
  gint64 first, last, span;
  guint64 tx_done = 0, rx_done = 0;
  int rc;

  if (tx == 0 && rx == 0)
    return SQLITE_OK;
  if (to < from)
    to = from;
  if (to - from > MAX_SPREAD_MINUTES * USEC_PER_MINUTE)
    from = to - MAX_SPREAD_MINUTES * USEC_PER_MINUTE;
  first = minute_floor (from);
  last = minute_floor (to);
  span = to - from;
  if (span == 0 || first == last)
    return func (last, tx, rx, data);

  for (gint64 m = first; m <= last; m += USEC_PER_MINUTE)
    {
      gint64 end = MIN (m + USEC_PER_MINUTE, to);
      guint64 tx_cum, rx_cum;

      if (m == last)
        {
          tx_cum = tx;
          rx_cum = rx;
        }
      else
        {
          /* 128-bit free: the fraction is applied as a double, the last minute takes the rest */
          double f = (double) (end - from) / (double) span;
          tx_cum = MIN (tx, (guint64) (f * (double) tx));
          rx_cum = MIN (rx, (guint64) (f * (double) rx));
        }
      if (tx_cum - tx_done != 0 || rx_cum - rx_done != 0)
        {
          rc = func (m, tx_cum - tx_done, rx_cum - rx_done, data);
          if (rc != SQLITE_OK)
            return rc;
        }
      tx_done = tx_cum;
      rx_done = rx_cum;
    }
  return SQLITE_OK;
}

/* Where a spread goes: the row's buckets (ROW_ID != 0), the program's (PROGRAM != NULL). */
typedef struct
{
  NetlensHistory *history;
  gint64          row_id;
  const char     *program;
} MinuteTarget;

static int
add_minute (gint64   minute_us,
            guint64  tx,
            guint64  rx,
            gpointer data)
{
  MinuteTarget *target = data;
  NetlensHistory *history = target->history;

  if (target->row_id != 0)
    {
      int rc;

      sqlite3_bind_int64 (history->conn_minute_stmt, 1, target->row_id);
      sqlite3_bind_int64 (history->conn_minute_stmt, 2, minute_us);
      sqlite3_bind_int64 (history->conn_minute_stmt, 3, (gint64) tx);
      sqlite3_bind_int64 (history->conn_minute_stmt, 4, (gint64) rx);
      rc = sqlite3_step (history->conn_minute_stmt);
      sqlite3_reset (history->conn_minute_stmt);
      if (rc != SQLITE_DONE)
        return rc;
    }
  if (target->program != NULL)
    {
      /* the program's minute is written once per batch (write_program_minutes) */
      ProgramMinute key, *pm;

      key.minute = minute_us;
      key.program = target->program;
      pm = g_hash_table_lookup (history->program_minutes, &key);
      if (pm == NULL)
        {
          pm = g_new0 (ProgramMinute, 1);
          pm->minute = minute_us;
          pm->program = target->program;
          g_hash_table_add (history->program_minutes, pm);
        }
      pm->tx += tx;
      pm->rx += rx;
    }
  return SQLITE_OK;
}

static int
add_traffic (NetlensHistory *history,
             gint64          row_id,
             const char     *program,
             gint64          from,
             gint64          to,
             guint64         tx,
             guint64         rx)
{
  MinuteTarget target = { history, row_id, program };

  return spread_traffic (from, to, tx, rx, add_minute, &target);
}

static void
bind_item (sqlite3_stmt    *stmt,
           gint64           session,
           const QueueItem *item,
           gint64           now_us)
{
  bind_row_values (stmt, 0, session, item->conn_id, item->generation, item->first_seen,
                   item->last_seen, item->tx_bytes, item->rx_bytes, now_us,
                   QUEUE_ITEM_FIELDS (item), item->fields_len);
}

/* The rows a batch inserted: consecutive ids (one transaction), and their times. */
typedef struct
{
  gint64 first_id;   /* 0: none yet */
  gint64 last_id;
  gint64 rows;
  gint64 min_first_seen;
  gint64 max_last_seen;
} BatchBlock;

static void
batch_block_add (BatchBlock *block,
                 gint64      id,
                 gint64      first_seen,
                 gint64      last_seen)
{
  if (block->first_id == 0)
    {
      block->first_id = block->last_id = id;
      block->min_first_seen = first_seen;
      block->max_last_seen = last_seen;
    }
  else
    {
      block->first_id = MIN (block->first_id, id);
      block->last_id = MAX (block->last_id, id);
      block->min_first_seen = MIN (block->min_first_seen, first_seen);
      block->max_last_seen = MAX (block->max_last_seen, last_seen);
    }
  block->rows++;
}

/* An updated row's block takes its new last seen. */
static int
block_widen (NetlensHistory *history,
             BatchBlock     *block,
             gint64          id,
             gint64          last_seen)
{
  int rc;

  if (block->first_id != 0 && id >= block->first_id && id <= block->last_id)
    {
      block->max_last_seen = MAX (block->max_last_seen, last_seen);
      return SQLITE_OK;
    }
  sqlite3_bind_int64 (history->block_widen_stmt, 1, id);
  sqlite3_bind_int64 (history->block_widen_stmt, 2, last_seen);
  rc = sqlite3_step (history->block_widen_stmt);
  sqlite3_reset (history->block_widen_stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The batch's rows join the last block when they follow it and it has room, else make one. */
static int
block_write (NetlensHistory   *history,
             const BatchBlock *block)
{
  gint64 last_first = 0, last_last = 0, last_rows = 0;
  sqlite3_stmt *stmt;
  int rc;

  if (block->first_id == 0)
    return SQLITE_OK;
  rc = sqlite3_step (history->block_last_stmt);
  if (rc == SQLITE_ROW)
    {
      last_first = sqlite3_column_int64 (history->block_last_stmt, 0);
      last_last = sqlite3_column_int64 (history->block_last_stmt, 1);
      last_rows = sqlite3_column_int64 (history->block_last_stmt, 2);
      rc = SQLITE_DONE;
    }
  sqlite3_reset (history->block_last_stmt);
  if (rc != SQLITE_DONE)
    return rc;
  if (last_first != 0 && last_last + 1 == block->first_id && last_rows + block->rows <= BLOCK_ROWS)
    {
      stmt = history->block_extend_stmt;
      sqlite3_bind_int64 (stmt, 1, last_first);
    }
  else
    {
      stmt = history->block_insert_stmt;
      sqlite3_bind_int64 (stmt, 1, block->first_id);
    }
  sqlite3_bind_int64 (stmt, 2, block->last_id);
  sqlite3_bind_int64 (stmt, 3, block->rows);
  sqlite3_bind_int64 (stmt, 4, block->min_first_seen);
  sqlite3_bind_int64 (stmt, 5, block->max_last_seen);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Ended rows are forgotten after a while (a late live copy comes within moments); open
 * ones not written for a day are gone without an end (a run that stopped). */
#define IDENTITY_ENDED_KEEP_US (10 * 60 * G_USEC_PER_SEC)
#define IDENTITY_OPEN_KEEP_US  (24 * 60 * 60 * (gint64) G_USEC_PER_SEC)

static gboolean
identity_is_old (gpointer key,
                 gpointer value,
                 gpointer data)
{
  IdentityEntry *e = key;
  gint64 now = *(gint64 *) data;

  return now - e->touched > (e->ended ? IDENTITY_ENDED_KEEP_US : IDENTITY_OPEN_KEEP_US);
}

/* One row inside the batch's transaction. */
static int
write_row (NetlensHistory  *history,
           gint64           session,
           const QueueItem *item,
           gint64           now_us,
           BatchBlock      *block)
{
  const char *program = QUEUE_ITEM_PROGRAM (item);
  IdentityEntry probe = { 0 }, *entry;
  gint64 prev_last, row_id;
  guint64 prev_tx, prev_rx;
  int rc;

  probe.session = session;
  probe.first_seen = item->first_seen;
  probe.conn_id = item->conn_id;
  probe.generation = item->generation;
  entry = g_hash_table_lookup (history->identities, &probe);

  if (entry != NULL)
    {
      /* A periodic snapshot that arrives after the row's end (another thread took it) is
       * older than what is stored: keep the newer state. */
      if (item->last_seen < entry->last_seen || item->tx_bytes < entry->tx_bytes
          || item->rx_bytes < entry->rx_bytes || (entry->ended && item->ended == 0))
        return SQLITE_OK;

      bind_item (history->update_stmt, session, item, now_us);
      sqlite3_bind_int64 (history->update_stmt, 10, entry->row_id);
      rc = sqlite3_step (history->update_stmt);
      sqlite3_reset (history->update_stmt);
      if (rc != SQLITE_DONE)
        return rc;
      if (sqlite3_changes (history->db) == 0)
        {
          /* trimmed by retention or cleared since: written again as a new row */
          g_hash_table_remove (history->identities, entry);
          entry = NULL;
        }
    }

  if (entry != NULL)
    {
      prev_last = entry->last_seen;
      prev_tx = entry->tx_bytes;
      prev_rx = entry->rx_bytes;
      entry->last_seen = item->last_seen;
      entry->tx_bytes = item->tx_bytes;
      entry->rx_bytes = item->rx_bytes;
      entry->ended = item->ended != 0;
      entry->touched = g_get_monotonic_time ();
      if ((rc = block_widen (history, block, entry->row_id, item->last_seen)) != SQLITE_OK)
        return rc;
      /* written a second time: the first write's spread is stored now (its program minutes
       * were written with it), then what came since goes to both */
      if (!entry->has_buckets)
        {
          entry->has_buckets = TRUE;
          if ((rc = add_traffic (history, entry->row_id, NULL, item->first_seen, prev_last,
                                 prev_tx, prev_rx)) != SQLITE_OK)
            return rc;
        }
      return add_traffic (history, entry->row_id, program, prev_last, item->last_seen,
                          item->tx_bytes - prev_tx, item->rx_bytes - prev_rx);
    }

  bind_item (history->insert_stmt, session, item, now_us);
  rc = sqlite3_step (history->insert_stmt);
  sqlite3_reset (history->insert_stmt);
  if (rc != SQLITE_DONE)
    return rc;
  row_id = sqlite3_last_insert_rowid (history->db);
  batch_block_add (block, row_id, item->first_seen, item->last_seen);
  /* Most rows are written once, at their end: nothing to remember. */
  if (item->ended == 0 || item->offered)
    {
      entry = g_new0 (IdentityEntry, 1);
      *entry = probe;
      entry->row_id = row_id;
      entry->last_seen = item->last_seen;
      entry->tx_bytes = item->tx_bytes;
      entry->rx_bytes = item->rx_bytes;
      entry->ended = item->ended != 0;
      entry->touched = g_get_monotonic_time ();
      g_hash_table_add (history->identities, entry);
    }
  /* a new row's buckets are its spread, made again when read: only the program's */
  return add_traffic (history, 0, program, item->first_seen, item->last_seen, item->tx_bytes,
                      item->rx_bytes);
}

static void
set_writer_error (NetlensHistory *history,
                  GError         *error)
{
  g_mutex_lock (&history->lock);
  if (history->error == NULL)
    {
      /* not a programmer's error: the caller shows it (netlens_history_get_error) */
      g_message ("The history stops writing: %s", error->message);
      history->error = g_error_copy (error);
    }
  g_mutex_unlock (&history->lock);
}

static gboolean
has_failed (NetlensHistory *history)
{
  gboolean failed;

  g_mutex_lock (&history->lock);
  failed = history->error != NULL;
  g_mutex_unlock (&history->lock);
  return failed;
}

/* One transaction for the whole batch. */
static void
write_batch (NetlensHistory  *history,
             const ItemBatch *items)
{
  g_autoptr(GError) error = NULL;
  gboolean new_default_session = FALSE;
  gint64 now = g_get_real_time (), now_mono = g_get_monotonic_time ();
  BatchBlock block = { 0 };
  int rc = SQLITE_OK;

  if (items->len == 0)
    return;
  if (has_failed (history))
    {
      g_mutex_lock (&history->lock);
      history->dropped += items->len;
      g_mutex_unlock (&history->lock);
      return;
    }

  g_mutex_lock (&history->db_lock);
  if (!exec_sql (history->db, "BEGIN IMMEDIATE", &error))
    goto out;
  for (const QueueItem *item = items->head; item != NULL && rc == SQLITE_OK; item = item->next)
    {
      gint64 session = item->session;

      if (session == 0)
        {
          if (history->default_session == 0)
            {
              history->default_session = insert_session (history->db, NULL);
              new_default_session = TRUE;
            }
          session = history->default_session;
          if (session == 0)
            {
              rc = sqlite3_errcode (history->db);
              if (rc == SQLITE_OK)
                rc = SQLITE_ERROR;
              break;
            }
        }
      rc = write_row (history, session, item, now, &block);
    }
  if (rc == SQLITE_OK)
    rc = block_write (history, &block);
  if (rc == SQLITE_OK)
    rc = write_program_minutes (history);
  g_hash_table_remove_all (history->program_minutes);
  if (now_mono - history->identities_pruned > 60 * G_USEC_PER_SEC)
    {
      g_hash_table_foreach_remove (history->identities, identity_is_old, &now_mono);
      history->identities_pruned = now_mono;
    }
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (&error, history->db, rc, "Cannot write to the history");
      exec_sql (history->db, "ROLLBACK", NULL);
      goto rolled_back;
    }
  if (!exec_sql (history->db, "COMMIT", &error))
    {
      exec_sql (history->db, "ROLLBACK", NULL);
      goto rolled_back;
    }
  goto out;

rolled_back:
  if (new_default_session)
    history->default_session = 0;

out:
  g_mutex_unlock (&history->db_lock);
  g_mutex_lock (&history->lock);
  if (error == NULL)
    {
      history->written += items->len;
      history->batches++;
    }
  else
    history->dropped += items->len;
  g_mutex_unlock (&history->lock);
  if (error != NULL)
    set_writer_error (history, error);
}

/* ---- retention ---- */

static guint64
database_size (sqlite3 *db)
{
  gint64 pages = 0, page_size = 0;

  if (!query_int (db, "PRAGMA page_count", &pages, NULL)
      || !query_int (db, "PRAGMA page_size", &page_size, NULL))
    return 0;
  return (guint64) pages * (guint64) page_size;
}

/* Deletes up to LIMIT of the oldest rows, by the time they were first written (a replayed
 * capture is kept for as long as a live one), written before CUTOFF (G_MAXINT64: any),
 * with their buckets, in one transaction.  Returns the number.  Schema 4 has no index on
 * `written`: rows are written in id order and an update keeps the time of the first write,
 * so the oldest are the first ids, and a chunk looks at the first LIMIT of them only. */
static gint64
delete_oldest (sqlite3  *db,
               gint64    cutoff,
               gint64    limit,
               GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n = 0;
  int rc;

  if (!exec_sql (db, "BEGIN IMMEDIATE;"
                 "CREATE TEMP TABLE IF NOT EXISTS doomed (id INTEGER PRIMARY KEY);"
                 "DELETE FROM temp.doomed", error))
    return -1;
  rc = sqlite3_prepare_v2 (db, "INSERT INTO temp.doomed SELECT id FROM "
                           "(SELECT id, written FROM connections ORDER BY id LIMIT ?2) "
                           "WHERE written < ?1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, cutoff);
      sqlite3_bind_int64 (stmt, 2, limit);
      rc = sqlite3_step (stmt);
      n = sqlite3_changes (db);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_OK)
    {
      set_sqlite_error (error, db, rc, "Cannot trim the history");
      exec_sql (db, "ROLLBACK", NULL);
      return -1;
    }
  /* Nothing old: nothing more to do (this runs after every batch). */
  if (n == 0)
    {
      if (exec_sql (db, "COMMIT", error))
        return 0;
      exec_sql (db, "ROLLBACK", NULL);
      return -1;
    }
  if (!exec_sql (db,
                 "DELETE FROM connection_minutes WHERE conn IN (SELECT id FROM temp.doomed);"
                 "DELETE FROM connections WHERE id IN (SELECT id FROM temp.doomed);"
                 "DELETE FROM temp.doomed;"
                 /* the blocks of none but deleted rows, and the first one's times from
                  * the rows it has left (at most BLOCK_ROWS of them) */
                 "DELETE FROM blocks WHERE last_id <"
                 "  coalesce ((SELECT min (id) FROM connections), 9223372036854775807);"
                 "UPDATE blocks SET min_first_seen = coalesce ((SELECT min (first_seen)"
                 "  FROM connections WHERE id BETWEEN blocks.first_id AND blocks.last_id),"
                 "  min_first_seen) WHERE first_id = (SELECT min (first_id) FROM blocks);"
                 /* program buckets older than every remaining row: a row's buckets start
                  * no earlier than the minute of its first seen (the blocks hold a lower
                  * bound of those; no index per row to ask) */
                 "DELETE FROM program_minutes WHERE minute < "
                 "  coalesce ((SELECT min (min_first_seen) FROM blocks), 9223372036854775807)"
                 "  - 60000000;"
                 "COMMIT", error))
    {
      exec_sql (db, "ROLLBACK", NULL);
      return -1;
    }
  return n;
}

/* One step of retention: at most MAX_CHUNKS deletions (-1: until the limits hold). */
static void
enforce_retention (NetlensHistory *history,
                   int             max_chunks)
{
  g_autoptr(GError) error = NULL;
  guint days;
  guint64 max_bytes;
  gboolean vacuum = FALSE;
  int chunks = 0;

  g_mutex_lock (&history->lock);
  days = history->retention_days;
  max_bytes = history->retention_bytes;
  g_mutex_unlock (&history->lock);

  g_mutex_lock (&history->db_lock);

  if (days > 0)
    {
      gint64 cutoff = g_get_real_time () - (gint64) days * USEC_PER_DAY;
      gint64 oldest = G_MAXINT64, n;

      /* This runs after every batch: a look at the first row (by id: by the time of its
       * first write) before a transaction that would find nothing old. */
      if (!query_int (history->db, "SELECT coalesce ((SELECT written FROM connections"
                      " ORDER BY id LIMIT 1), 9223372036854775807)", &oldest, &error))
        oldest = G_MAXINT64;
      while (oldest < cutoff && error == NULL && (max_chunks < 0 || chunks < max_chunks)
             && (n = delete_oldest (history->db, cutoff, 2000, &error)) > 0)
        {
          chunks++;
          vacuum = TRUE;
        }
    }

  /* Trim to 3/4 of the limit once past 7/8 of it, so that the next batches fit under it. */
  if (error == NULL && max_bytes > 0 && database_size (history->db) > max_bytes / 8 * 7)
    {
      guint64 target = max_bytes / 4 * 3;

      while (error == NULL && (max_chunks < 0 || chunks < max_chunks))
        {
          guint64 size = database_size (history->db);
          gint64 rows = 0, n;
          gint64 limit;

          if (size <= target)
            break;
          if (!query_int (history->db, "SELECT count(*) FROM connections", &rows, &error))
            break;
          if (rows == 0)
            {
              exec_sql (history->db, "DELETE FROM program_minutes", &error);
              exec_sql (history->db, "PRAGMA incremental_vacuum", NULL);
              break;
            }
          /* the share of rows that is the share of bytes over the target, a little more */
          limit = (gint64) ((double) rows * (double) (size - target) / (double) size * 1.1) + 1;
          limit = CLAMP (limit, 16, 5000);
          n = delete_oldest (history->db, G_MAXINT64, limit, &error);
          if (n <= 0)
            break;
          exec_sql (history->db, "PRAGMA incremental_vacuum", NULL);
          chunks++;
        }
    }
  if (vacuum)
    exec_sql (history->db, "PRAGMA incremental_vacuum", NULL);

  g_mutex_unlock (&history->db_lock);

  if (error != NULL)
    set_writer_error (history, error);
}

void
netlens_history_set_retention (NetlensHistory *history,
                               guint           days,
                               guint64         max_bytes)
{
  g_return_if_fail (history != NULL);

  g_mutex_lock (&history->lock);
  history->retention_days = days;
  history->retention_bytes = max_bytes;
  g_mutex_unlock (&history->lock);
}

guint64
netlens_history_get_size (NetlensHistory *history)
{
  guint64 size;

  g_return_val_if_fail (history != NULL, 0);

  g_mutex_lock (&history->db_lock);
  size = database_size (history->db);
  g_mutex_unlock (&history->db_lock);
  return size;
}

/* ---- the writer ---- */

/* Takes up to BATCH_ROWS items off the queue; called with LOCK held.  When someone waits
 * for all of it (a flush, the end of a file), when a file is replayed (nobody reads the
 * history while it is written: no latency to keep) or when it is deep (rows end faster
 * than batches are written: a capture's end), up to the queue limit: one transaction, one
 * sync, instead of one per BATCH_ROWS. */
static ItemBatch
take_batch (NetlensHistory *history,
            gboolean        all)
{
  ItemQueue *queue = &history->queue;
  ItemBatch items = { queue->head, 0 };
  guint limit = history->batch_rows;
  QueueItem *last;

  if (all || history->block_when_full
      || queue->length >= DEEP_QUEUE_BATCHES * history->batch_rows)
    limit = MAX (history->queue_limit, history->batch_rows);
  if (queue->length == 0)
    return items;
  /* the whole queue: detached as it is, without a walk under LOCK (the pushers wait) */
  if (queue->length <= limit)
    {
      items.len = queue->length;
      queue->head = queue->tail = NULL;
      queue->length = 0;
      return items;
    }
  last = queue->head;
  for (guint i = 1; i < limit; i++)
    last = last->next;
  items.len = limit;
  queue->head = last->next;
  queue->length -= limit;
  last->next = NULL;
  return items;
}

static gpointer
writer_thread (gpointer data)
{
  NetlensHistory *history = data;

  g_mutex_lock (&history->lock);
  for (;;)
    {
      ItemBatch items;
      guint64 flush_target;
      gboolean flushing;

      while (!history->stopping && history->queue.length == 0
             && history->flush_requested == history->flush_done)
        g_cond_wait (&history->cond, &history->lock);

      /* wait for a full batch, the batch delay, a flush or the end */
      while (!history->stopping && history->flush_requested == history->flush_done
             && history->queue.length > 0 && history->queue.length < history->batch_rows)
        {
          QueueItem *first = history->queue.head;
          gint64 deadline = first->pushed + (gint64) history->batch_ms * 1000;

          if (g_get_monotonic_time () >= deadline)
            break;
          g_cond_wait_until (&history->cond, &history->lock, deadline);
        }

      flush_target = history->flush_requested;
      flushing = flush_target != history->flush_done;
      items = take_batch (history, flushing || history->stopping);
      g_cond_broadcast (&history->space);
      history->writing = TRUE;
      g_mutex_unlock (&history->lock);

      write_batch (history, &items);
      /* once writing failed (a full disk, a lock held elsewhere) no more waits on the
       * database: each would cost the busy timeout (5 s) per batch */
      if ((items.len > 0 || flushing) && !has_failed (history))
        enforce_retention (history, flushing ? -1 : RETENTION_CHUNKS_PER_BATCH);
      item_batch_clear (history, &items);

      g_mutex_lock (&history->lock);
      history->writing = FALSE;
      if (flushing && history->queue.length == 0)
        {
          history->flush_done = flush_target;
          g_cond_broadcast (&history->cond);
        }
      if (history->stopping && history->queue.length == 0)
        break;
    }
  g_mutex_unlock (&history->lock);
  return NULL;
}

void
netlens_history_start_writer (NetlensHistory *history)
{
  g_return_if_fail (history != NULL);

  g_mutex_lock (&history->lock);
  if (history->thread == NULL)
    history->thread = g_thread_new ("netlens-history", writer_thread, history);
  g_mutex_unlock (&history->lock);
}

/* The pusher's encoding buffer (a thread may push to several histories, one at a time). */
static GPrivate encode_buffer = G_PRIVATE_INIT ((GDestroyNotify) g_byte_array_unref);

void
netlens_history_push (NetlensHistory    *history,
                      NetlensConnection *snapshot)
{
  GByteArray *buf = g_private_get (&encode_buffer);
  QueueItem *item;
  const char *program;
  gsize fields_len, size;
  gint64 live_key;

  g_return_if_fail (history != NULL);
  g_return_if_fail (snapshot != NULL);

  /* Encoded here, on the pusher's thread (the window's, or a capture's end, which has its
   * workers idle by then): the history thread only binds and steps. */
  if (buf == NULL)
    {
      buf = g_byte_array_sized_new (1024);
      g_private_set (&encode_buffer, buf);
    }
  g_byte_array_set_size (buf, 0);
  netlens_history_row_encode (snapshot, buf);
  fields_len = buf->len;
  program = netlens_history_program_key (snapshot);
  g_byte_array_append (buf, (const guint8 *) program, (guint) strlen (program) + 1);
  size = (sizeof (QueueItem) + buf->len + 7) & ~(gsize) 7;
  live_key = ((gint64) snapshot->id << 16) | snapshot->generation;

  g_mutex_lock (&history->lock);
  /* files: wait for the writer rather than lose rows (the reader blocks too) */
  while (history->block_when_full && history->thread != NULL && !history->stopping
         && history->queue.length >= history->queue_limit)
    g_cond_wait (&history->space, &history->lock);
  if (history->queue.length >= history->queue_limit || history->stopping)
    {
      history->dropped++;
      g_mutex_unlock (&history->lock);
      netlens_connection_free (snapshot);
      return;
    }
  if (history->chunk == NULL || history->chunk->used + size > history->chunk->size)
    {
      gsize chunk_size = MAX (ITEM_CHUNK_SIZE, sizeof (ItemChunk) + size);

      if (history->chunk != NULL && item_chunk_release (history->chunk, 1))
        chunk_retire (history, history->chunk);
      if (chunk_size == ITEM_CHUNK_SIZE && history->spare != NULL)
        {
          history->chunk = history->spare;
          history->spare = history->chunk->next;
          history->n_spare--;
        }
      else
        history->chunk = g_malloc (chunk_size);
      history->chunk->refs = 1;
      history->chunk->used = sizeof (ItemChunk);
      history->chunk->size = chunk_size;
    }
  item = (QueueItem *) (gpointer) ((guint8 *) history->chunk + history->chunk->used);
  history->chunk->used += size;
  g_atomic_int_inc (&history->chunk->refs);
  item->chunk = history->chunk;
  memcpy ((guint8 *) item + sizeof (QueueItem), buf->data, buf->len);
  item->first_seen = snapshot->first_seen;
  item->last_seen = snapshot->last_seen;
  item->ended = snapshot->ended;
  item->tx_bytes = snapshot->tx_bytes;
  item->rx_bytes = snapshot->rx_bytes;
  item->conn_id = snapshot->id;
  item->generation = snapshot->generation;
  item->fields_len = (guint32) fields_len;
  item->offered = item->ended != 0 && g_hash_table_contains (history->live_offered, &live_key);
  item->session = history->session;
  item->pushed = g_get_monotonic_time ();
  item_queue_push (&history->queue, item);
  /* the writer sleeps until the first row (to start the batch delay) or a full batch; a
   * file's rows wait for a full batch or the end (a wake-up less per batch: each moves a
   * thread to the other core) */
  if ((history->queue.length == 1 && !history->block_when_full)
      || history->queue.length == history->batch_rows)
    g_cond_signal (&history->cond);
  g_mutex_unlock (&history->lock);
  netlens_connection_free (snapshot);
}

static gboolean
live_entry_is_old (gpointer key,
                   gpointer value,
                   gpointer data)
{
  gint64 *entry = key;   /* key and time share one allocation: [key, time] */
  return entry[1] < *(gint64 *) data;
}

gboolean
netlens_history_offer_live (NetlensHistory          *history,
                            const NetlensConnection *conn,
                            gint64                   now_us,
                            guint                    interval_s)
{
  gint64 interval, key, *entry;

  g_return_val_if_fail (history != NULL, FALSE);
  g_return_val_if_fail (conn != NULL, FALSE);

  interval = (gint64) (interval_s ? interval_s : 60) * G_USEC_PER_SEC;
  key = ((gint64) conn->id << 16) | conn->generation;

  g_mutex_lock (&history->lock);
  entry = g_hash_table_lookup (history->live_offered, &key);
  if (entry != NULL && now_us - entry[1] < interval)
    {
      g_mutex_unlock (&history->lock);
      return FALSE;
    }
  if (entry == NULL)
    {
      entry = g_new (gint64, 2);
      entry[0] = key;
      g_hash_table_add (history->live_offered, entry);
    }
  entry[1] = now_us;
  /* rows that stopped being offered (ended, removed) are forgotten after a while */
  if (now_us - history->live_pruned > 10 * interval)
    {
      gint64 cutoff = now_us - 10 * interval;
      g_hash_table_foreach_remove (history->live_offered, live_entry_is_old, &cutoff);
      history->live_pruned = now_us;
    }
  g_mutex_unlock (&history->lock);

  netlens_history_push (history, netlens_connection_snapshot (conn));
  return TRUE;
}

void
netlens_history_row_sink (NetlensConnection *snapshot,
                          gpointer           history)
{
  netlens_history_push (history, snapshot);
}

gboolean
netlens_history_flush (NetlensHistory *history)
{
  gboolean ok;

  g_return_val_if_fail (history != NULL, FALSE);

  g_mutex_lock (&history->lock);
  if (history->thread != NULL)
    {
      guint64 target = ++history->flush_requested;

      g_cond_broadcast (&history->cond);
      while (history->flush_done < target)
        g_cond_wait (&history->cond, &history->lock);
    }
  else
    {
      while (history->queue.length > 0)
        {
          ItemBatch items = take_batch (history, TRUE);

          g_mutex_unlock (&history->lock);
          write_batch (history, &items);
          item_batch_clear (history, &items);
          g_mutex_lock (&history->lock);
        }
      g_mutex_unlock (&history->lock);
      enforce_retention (history, -1);
      g_mutex_lock (&history->lock);
    }
  ok = history->error == NULL;
  g_mutex_unlock (&history->lock);
  return ok;
}

void
netlens_history_set_queue_limit (NetlensHistory *history,
                                 guint           max_rows)
{
  g_return_if_fail (history != NULL);

  g_mutex_lock (&history->lock);
  history->queue_limit = MAX (max_rows, 1);
  g_mutex_unlock (&history->lock);
}

void
netlens_history_set_block_when_full (NetlensHistory *history,
                                     gboolean        block)
{
  g_return_if_fail (history != NULL);

  g_mutex_lock (&history->lock);
  history->block_when_full = block;
  g_cond_broadcast (&history->space);
  g_mutex_unlock (&history->lock);
}

void
netlens_history_set_batch (NetlensHistory *history,
                           guint           max_rows,
                           guint           max_delay_ms)
{
  g_return_if_fail (history != NULL);

  g_mutex_lock (&history->lock);
  history->batch_rows = MAX (max_rows, 1);
  history->batch_ms = max_delay_ms;
  g_cond_broadcast (&history->cond);
  g_mutex_unlock (&history->lock);
}

#define DEFINE_COUNTER_GETTER(name, field)              \
  guint64                                               \
  netlens_history_get_##name (NetlensHistory *history)  \
  {                                                     \
    guint64 value;                                      \
    g_return_val_if_fail (history != NULL, 0);          \
    g_mutex_lock (&history->lock);                      \
    value = history->field;                             \
    g_mutex_unlock (&history->lock);                    \
    return value;                                       \
  }

DEFINE_COUNTER_GETTER (dropped, dropped)
DEFINE_COUNTER_GETTER (written, written)
DEFINE_COUNTER_GETTER (batches, batches)

gboolean
netlens_history_get_error (NetlensHistory  *history,
                           GError         **error)
{
  gboolean failed;

  g_return_val_if_fail (history != NULL, FALSE);

  g_mutex_lock (&history->lock);
  failed = history->error != NULL;
  if (failed && error != NULL)
    *error = g_error_copy (history->error);
  g_mutex_unlock (&history->lock);
  return failed;
}

gboolean
netlens_history_clear (NetlensHistory  *history,
                       GError         **error)
{
  gboolean ok;

  g_return_val_if_fail (history != NULL, FALSE);

  /* what is queued belongs to the history being cleared */
  netlens_history_flush (history);

  g_mutex_lock (&history->db_lock);
  ok = exec_sql (history->db,
                 "BEGIN IMMEDIATE;"
                 "DELETE FROM connection_minutes;"
                 "DELETE FROM program_minutes;"
                 "DELETE FROM connections;"
                 "DELETE FROM blocks;"
                 "DELETE FROM sessions WHERE id <> (SELECT max (id) FROM sessions);"
                 "COMMIT", error);
  if (!ok)
    exec_sql (history->db, "ROLLBACK", NULL);
  else
    {
      /* new rows may take the ids of the cleared ones */
      g_hash_table_remove_all (history->identities);
      exec_sql (history->db, "PRAGMA incremental_vacuum", NULL);
      exec_sql (history->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
    }
  g_mutex_unlock (&history->db_lock);
  return ok;
}

void
netlens_history_close (NetlensHistory *history)
{
  if (history == NULL)
    return;

  g_mutex_lock (&history->lock);
  history->stopping = TRUE;
  g_cond_broadcast (&history->cond);
  g_cond_broadcast (&history->space);
  g_mutex_unlock (&history->lock);

  if (history->thread != NULL)
    g_thread_join (history->thread);
  else if (history->db != NULL)
    {
      g_mutex_lock (&history->lock);
      while (history->queue.length > 0)
        {
          ItemBatch items = take_batch (history, TRUE);

          g_mutex_unlock (&history->lock);
          write_batch (history, &items);
          item_batch_clear (history, &items);
          g_mutex_lock (&history->lock);
        }
      g_mutex_unlock (&history->lock);
    }
  {
    ItemBatch rest = { history->queue.head, history->queue.length };

    item_batch_clear (history, &rest);
    history->queue.head = history->queue.tail = NULL;
    history->queue.length = 0;
  }
  if (history->chunk != NULL && item_chunk_release (history->chunk, 1))
    g_free (history->chunk);
  while (history->spare != NULL)
    {
      ItemChunk *next = history->spare->next;

      g_free (history->spare);
      history->spare = next;
    }

  finalize_statements (history);
  if (history->rdb != NULL)
    sqlite3_close (history->rdb);
  if (history->db != NULL)
    sqlite3_close (history->db);

  g_clear_error (&history->error);
  g_clear_pointer (&history->live_offered, g_hash_table_unref);
  g_clear_pointer (&history->program_minutes, g_hash_table_unref);
  g_clear_pointer (&history->identities, g_hash_table_unref);
  g_mutex_clear (&history->db_lock);
  g_mutex_clear (&history->read_lock);
  g_mutex_clear (&history->lock);
  g_cond_clear (&history->cond);
  g_cond_clear (&history->space);
  g_free (history->path);
  g_free (history);
}

/* ---- reading ---- */

static guint8
enum_from_string (const char  *text,
                  guint        n,
                  const char *(*to_string) (int))
{
  if (text == NULL)
    return 0;
  for (guint i = 0; i < n; i++)
    {
      const char *name = to_string (i);
      if (name != NULL && strcmp (name, text) == 0)
        return i;
    }
  return 0;
}

static const char *
state_name (int v)
{
  return netlens_state_to_string (v);
}

static const char *
app_state_name (int v)
{
  return netlens_app_state_to_string (v);
}

static const char *
app_name (int v)
{
  return netlens_app_to_string (v);
}

static const char *
end_reason_name (int v)
{
  return netlens_end_reason_to_string (v);
}

static char *
column_ref_string (sqlite3_stmt *stmt,
                   int           index)
{
  const char *text = column_text (stmt, index);
  return text != NULL ? g_ref_string_new (text) : NULL;
}

static NetlensOwner *
column_owner (sqlite3_stmt *stmt,
              int           index)
{
  NetlensOwner *owner;

  if (sqlite3_column_type (stmt, index) == SQLITE_NULL)
    return NULL;
  owner = netlens_owner_new ();
  owner->pid = (guint32) sqlite3_column_int64 (stmt, index);
  owner->uid = (guint32) sqlite3_column_int64 (stmt, index + 1);
  owner->name = g_strdup (column_text (stmt, index + 2));
  owner->cmdline = g_strdup (column_text (stmt, index + 3));
  owner->user = g_strdup (column_text (stmt, index + 4));
  owner->exe = g_strdup (column_text (stmt, index + 5));
  owner->cgroup = g_strdup (column_text (stmt, index + 6));
  owner->app_id = g_strdup (column_text (stmt, index + 7));
  return owner;
}

static void
column_addr (sqlite3_stmt *stmt,
             int           index,
             NetlensAddr  *addr)
{
  const void *blob = sqlite3_column_blob (stmt, index);
  int len = sqlite3_column_bytes (stmt, index);

  memset (addr, 0, sizeof *addr);
  if (blob != NULL)
    memcpy (addr->bytes, blob, MIN ((gsize) len, sizeof addr->bytes));
}

/* SELECT id, session, conn_id, generation, first_seen, <row_columns...> */
#define COL(name) (col_index (#name))

static int
col_index (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (row_columns); i++)
    if (strcmp (row_columns[i], name) == 0)
      return 5 + (int) i;
  g_assert_not_reached ();
}

/* A schema 3 row (the migration to 4 reads them). */
static NetlensConnection *
v3_row_to_connection (sqlite3_stmt *stmt)
{
  NetlensConnection *conn = g_new0 (NetlensConnection, 1);

  conn->id = (guint32) sqlite3_column_int64 (stmt, 2);
  conn->generation = (guint16) sqlite3_column_int64 (stmt, 3);
  conn->first_seen = sqlite3_column_int64 (stmt, 4);
  conn->key.proto = (guint8) sqlite3_column_int (stmt, COL (proto));
  conn->key.family = (guint8) sqlite3_column_int (stmt, COL (family));
  conn->key.ip_proto = (guint8) sqlite3_column_int (stmt, COL (ip_proto));
  column_addr (stmt, COL (laddr), &conn->key.laddr);
  column_addr (stmt, COL (raddr), &conn->key.raddr);
  conn->key.lport = (guint16) sqlite3_column_int (stmt, COL (lport));
  conn->key.rport = (guint16) sqlite3_column_int (stmt, COL (rport));
  conn->state = enum_from_string (column_text (stmt, COL (state)), NETLENS_N_STATES, state_name);
  conn->app_state = enum_from_string (column_text (stmt, COL (app_state)), NETLENS_N_APP_STATES,
                                      app_state_name);
  conn->app = enum_from_string (column_text (stmt, COL (app)), NETLENS_N_APPS, app_name);
  conn->end_reason = enum_from_string (column_text (stmt, COL (end_reason)),
                                       NETLENS_END_END_OF_CAPTURE + 1, end_reason_name);
  conn->last_seen = sqlite3_column_int64 (stmt, COL (last_seen));
  conn->ended = sqlite3_column_int64 (stmt, COL (ended));
  conn->state_since = sqlite3_column_int64 (stmt, COL (state_since));
  conn->tx_packets = (guint32) sqlite3_column_int64 (stmt, COL (tx_packets));
  conn->tx_bytes = (guint64) sqlite3_column_int64 (stmt, COL (tx_bytes));
  conn->rx_packets = (guint32) sqlite3_column_int64 (stmt, COL (rx_packets));
  conn->rx_bytes = (guint64) sqlite3_column_int64 (stmt, COL (rx_bytes));
  conn->dns_name = column_ref_string (stmt, COL (dns_name));
  conn->reverse_name = column_ref_string (stmt, COL (reverse_name));
  conn->process = column_owner (stmt, COL (pid));
  conn->peer_process = column_owner (stmt, COL (peer_pid));
  conn->country = column_ref_string (stmt, COL (country));
  conn->as_org = column_ref_string (stmt, COL (as_org));
  conn->asn = (guint32) sqlite3_column_int64 (stmt, COL (asn));
  conn->timeout_s = (guint32) sqlite3_column_int64 (stmt, COL (timeout_s));
  conn->flags = (sqlite3_column_int (stmt, COL (flags)) & 0xff) | NETLENS_CONN_SNAPSHOT;
  conn->extra_flags = (sqlite3_column_int (stmt, COL (flags)) >> 8) & 0xff;
  return conn;
}

static char *
v3_select_columns (void)
{
  GString *sql = g_string_new ("SELECT id, session, conn_id, generation, first_seen");

  for (guint i = 0; i < G_N_ELEMENTS (row_columns); i++)
    g_string_append_printf (sql, ", %s", row_columns[i]);
  return g_string_free (sql, FALSE);
}

/* SELECT id, session, conn_id, generation, first_seen, last_seen, tx_bytes, rx_bytes, fields */
static NetlensConnection *
row_to_connection (sqlite3_stmt  *stmt,
                   GError       **error)
{
  NetlensConnection *conn = g_new0 (NetlensConnection, 1);

  conn->id = (guint32) sqlite3_column_int64 (stmt, 2);
  conn->generation = (guint16) sqlite3_column_int64 (stmt, 3);
  conn->first_seen = sqlite3_column_int64 (stmt, 4);
  conn->last_seen = sqlite3_column_int64 (stmt, 5);
  conn->tx_bytes = (guint64) sqlite3_column_int64 (stmt, 6);
  conn->rx_bytes = (guint64) sqlite3_column_int64 (stmt, 7);
  conn->flags = NETLENS_CONN_SNAPSHOT;
  netlens_history_row_decode (sqlite3_column_blob (stmt, 8), (gsize) sqlite3_column_bytes (stmt, 8),
                              conn, error);
  return conn;
}

/* The id ranges to read for rows overlapping [SINCE, UNTIL]: the blocks that overlap it,
 * adjacent ones merged, and everything after the last block (rows no block covers yet are
 * read rather than lost).  Too many ranges: the whole table. */
#define MAX_RANGES 64

static char *
range_query_sql (sqlite3 *db,
                 gint64   since_us,
                 gint64   until_us,
                 int     *rc_out)
{
  GString *sql = g_string_new ("SELECT id, session, conn_id, generation, first_seen, last_seen,"
                               " tx_bytes, rx_bytes, fields FROM connections WHERE ");
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (gint64) * 2);
  sqlite3_stmt *stmt = NULL;
  gint64 max_last = 0;
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT first_id, last_id, max_last_seen >= ?1 AND"
                           " min_first_seen <= ?2 FROM blocks ORDER BY first_id", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, since_us);
      sqlite3_bind_int64 (stmt, 2, until_us);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint64 r[2] = { sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1) };

          max_last = MAX (max_last, r[1]);
          if (!sqlite3_column_int (stmt, 2))
            continue;
          if (ranges->len > 0 && r[0] <= g_array_index (ranges, gint64, 2 * (ranges->len - 1) + 1) + 1)
            {
              gint64 *last = &g_array_index (ranges, gint64, 2 * (ranges->len - 1) + 1);
              *last = MAX (*last, r[1]);
            }
          else
            g_array_append_val (ranges, r);
        }
    }
  sqlite3_finalize (stmt);
  *rc_out = rc == SQLITE_DONE ? SQLITE_OK : rc;

  g_string_append (sql, "(");
  if (ranges->len > MAX_RANGES)
    g_string_append (sql, "1");
  else
    {
      for (guint i = 0; i < ranges->len; i++)
        g_string_append_printf (sql, "id BETWEEN %" G_GINT64_FORMAT " AND %" G_GINT64_FORMAT " OR ",
                                g_array_index (ranges, gint64, 2 * i),
                                g_array_index (ranges, gint64, 2 * i + 1));
      g_string_append_printf (sql, "id > %" G_GINT64_FORMAT, max_last);
    }
  g_string_append (sql, ") AND last_seen >= ?1 AND first_seen <= ?2 ORDER BY first_seen, id");
  return g_string_free (sql, FALSE);
}

gboolean
netlens_history_query (NetlensHistory        *history,
                       gint64                 since_us,
                       gint64                 until_us,
                       NetlensHistoryRowFunc  func,
                       gpointer               user_data,
                       GError               **error)
{
  g_autoptr(GString) json = g_string_sized_new (1024);
  g_autoptr(GString) dpi_json = g_string_sized_new (512);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (history != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if (until_us == 0)
    until_us = G_MAXINT64;

  g_mutex_lock (&history->read_lock);
  sql = range_query_sql (history->rdb, since_us, until_us, &rc);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (history->rdb, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, since_us);
      sqlite3_bind_int64 (stmt, 2, until_us);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          g_autoptr(GError) row_error = NULL;
          NetlensHistoryRow row = { 0 };
          char protocol[32];
          gboolean more;

          row.id = sqlite3_column_int64 (stmt, 0);
          row.session = sqlite3_column_int64 (stmt, 1);
          /* a damaged row is shown with what could be read, not hidden */
          row.conn = row_to_connection (stmt, &row_error);
          if (row_error != NULL)
            row.damage = row_error->message;
          /* what schema 3 stored as columns, made again as the export makes them */
          row.protocol = netlens_connection_protocol_name (row.conn, protocol, sizeof protocol);
          row.best_name = netlens_connection_get_best_name (row.conn);
          row.sni = netlens_connection_get_sni (row.conn);
          row.http_host = netlens_connection_get_http_host (row.conn);
          row.service = netlens_connection_get_service (row.conn);
          if (row.conn->dpi != NULL)
            {
              g_string_truncate (dpi_json, 0);
              netlens_dpi_write_json (row.conn->dpi, dpi_json);
              row.dpi_json = dpi_json->str;
            }
          else
            row.dpi_json = null_dpi_json ();
          /* the export object, made again from what is stored (schema 2 on) */
          g_string_truncate (json, 0);
          netlens_connection_write_json (row.conn, json);
          row.json = json->str;
          more = func (&row, user_data);
          g_clear_pointer (&row.conn, netlens_connection_free);
          if (!more)
            {
              rc = SQLITE_DONE;
              break;
            }
        }
    }
  if (rc != SQLITE_DONE)
    set_sqlite_error (error, history->rdb, rc, "Cannot read the history");
  sqlite3_finalize (stmt);
  g_mutex_unlock (&history->read_lock);
  return rc == SQLITE_DONE;
}

static gboolean
run_traffic_query (NetlensHistory            *history,
                   const char                *sql,
                   gint64                     a,
                   gint64                     b,
                   const char                *text,
                   NetlensHistoryTrafficFunc  func,
                   gpointer                   user_data,
                   GError                   **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_mutex_lock (&history->read_lock);
  rc = sqlite3_prepare_v2 (history->rdb, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, a);
      sqlite3_bind_int64 (stmt, 2, b);
      if (text != NULL)
        sqlite3_bind_text (stmt, 3, text, -1, SQLITE_TRANSIENT);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        if (!func (sqlite3_column_int64 (stmt, 0), (guint64) sqlite3_column_int64 (stmt, 1),
                   (guint64) sqlite3_column_int64 (stmt, 2), user_data))
          {
            rc = SQLITE_DONE;
            break;
          }
    }
  if (rc != SQLITE_DONE)
    set_sqlite_error (error, history->rdb, rc, "Cannot read the history");
  sqlite3_finalize (stmt);
  g_mutex_unlock (&history->read_lock);
  return rc == SQLITE_DONE;
}

gboolean
netlens_history_query_traffic (NetlensHistory            *history,
                               gint64                     since_us,
                               gint64                     until_us,
                               const char                *program,
                               NetlensHistoryTrafficFunc  func,
                               gpointer                   user_data,
                               GError                   **error)
{
  g_return_val_if_fail (history != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if (until_us == 0)
    until_us = G_MAXINT64;
  if (program == NULL)
    return run_traffic_query (history,
                              "SELECT minute, sum (tx), sum (rx) FROM program_minutes "
                              "WHERE minute >= ?1 AND minute <= ?2 GROUP BY minute ORDER BY minute",
                              minute_floor (since_us), until_us, NULL, func, user_data, error);
  return run_traffic_query (history,
                            "SELECT minute, tx, rx FROM program_minutes "
                            "WHERE minute >= ?1 AND minute <= ?2 AND program = ?3 ORDER BY minute",
                            minute_floor (since_us), until_us, program, func, user_data, error);
}

typedef struct
{
  NetlensHistoryTrafficFunc func;
  gpointer                  data;
} TrafficSpread;

static int
traffic_spread_minute (gint64   minute_us,
                       guint64  tx,
                       guint64  rx,
                       gpointer data)
{
  TrafficSpread *spread = data;

  return spread->func (minute_us, tx, rx, spread->data) ? SQLITE_OK : SQLITE_DONE;
}

gboolean
netlens_history_query_connection_traffic (NetlensHistory            *history,
                                          gint64                     row_id,
                                          NetlensHistoryTrafficFunc  func,
                                          gpointer                   user_data,
                                          GError                   **error)
{
  TrafficSpread spread = { func, user_data };
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (history != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  /* A row written once has no stored buckets: its spread from its own first/last seen and
   * totals is what they would hold.  One statement, so one snapshot of both tables. */
  g_mutex_lock (&history->read_lock);
  rc = sqlite3_prepare_v2 (history->rdb,
                           "SELECT minute, tx, rx, NULL FROM connection_minutes WHERE conn = ?1 "
                           "UNION ALL "
                           "SELECT first_seen, tx_bytes, rx_bytes, last_seen FROM connections "
                           "WHERE id = ?1 AND NOT EXISTS "
                           "  (SELECT 1 FROM connection_minutes WHERE conn = ?1) "
                           "ORDER BY 1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, row_id);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint64 minute = sqlite3_column_int64 (stmt, 0);
          guint64 tx = (guint64) sqlite3_column_int64 (stmt, 1);
          guint64 rx = (guint64) sqlite3_column_int64 (stmt, 2);
          int frc;

          if (sqlite3_column_type (stmt, 3) == SQLITE_NULL)
            frc = traffic_spread_minute (minute, tx, rx, &spread);
          else
            frc = spread_traffic (minute, sqlite3_column_int64 (stmt, 3), tx, rx,
                                  traffic_spread_minute, &spread);
          if (frc != SQLITE_OK)
            {
              rc = SQLITE_DONE;
              break;
            }
        }
    }
  if (rc != SQLITE_DONE)
    set_sqlite_error (error, history->rdb, rc, "Cannot read the history");
  sqlite3_finalize (stmt);
  g_mutex_unlock (&history->read_lock);
  return rc == SQLITE_DONE;
}

/* ---- --since / --until ---- */

gboolean
netlens_history_parse_time (const char  *text,
                            gint64       now_us,
                            gint64      *out,
                            GError     **error)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *stripped = NULL;

  g_return_val_if_fail (out != NULL, FALSE);

  if (text == NULL)
    goto invalid;
  stripped = g_strstrip (g_strdup (text));

  if (g_ascii_strcasecmp (stripped, "now") == 0)
    {
      *out = now_us;
      return TRUE;
    }
  if (g_ascii_strcasecmp (stripped, "today") == 0 || g_ascii_strcasecmp (stripped, "yesterday") == 0)
    {
      g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (now_us / G_USEC_PER_SEC);
      g_autoptr(GDateTime) midnight = NULL;

      if (now == NULL)
        goto invalid;
      midnight = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                        g_date_time_get_day_of_month (now), 0, 0, 0);
      if (g_ascii_strcasecmp (stripped, "yesterday") == 0)
        {
          GDateTime *before = g_date_time_add_days (midnight, -1);
          g_date_time_unref (midnight);
          midnight = before;
        }
      *out = g_date_time_to_unix (midnight) * G_USEC_PER_SEC;
      return TRUE;
    }

  /* relative: -N followed by one unit */
  if (stripped[0] == '-' && g_ascii_isdigit (stripped[1]))
    {
      char *end = NULL;
      guint64 n;
      gint64 unit;

      errno = 0;
      n = g_ascii_strtoull (stripped + 1, &end, 10);
      if (errno != 0 || end == NULL || end[0] == '\0' || end[1] != '\0')
        goto invalid;
      switch (end[0])
        {
        case 's': unit = G_USEC_PER_SEC; break;
        case 'm': unit = 60 * (gint64) G_USEC_PER_SEC; break;
        case 'h': unit = 3600 * (gint64) G_USEC_PER_SEC; break;
        case 'd': unit = USEC_PER_DAY; break;
        case 'w': unit = 7 * USEC_PER_DAY; break;
        default: goto invalid;
        }
      if (n > (guint64) (G_MAXINT64 / unit))
        goto invalid;
      *out = now_us - (gint64) n * unit;
      return TRUE;
    }

  dt = g_date_time_new_from_iso8601 (stripped, tz);
  if (dt == NULL && strlen (stripped) == 10)
    {
      /* a date alone: its local midnight */
      g_autofree char *full = g_strconcat (stripped, "T00:00:00", NULL);
      dt = g_date_time_new_from_iso8601 (full, tz);
    }
  if (dt == NULL && strlen (stripped) >= 16 && stripped[13] == ':'
      && (stripped[16] == '\0' || strchr ("Zz+-", stripped[16]) != NULL))
    {
      /* hours and minutes without seconds */
      g_autofree char *full = g_strdup_printf ("%.16s:00%s", stripped, stripped + 16);
      dt = g_date_time_new_from_iso8601 (full, tz);
    }
  if (dt == NULL)
    goto invalid;
  *out = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  return TRUE;

invalid:
  g_set_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_INVALID,
               "“%s” is not a time: use ISO 8601 (2026-11-20T10:00:00Z, 2026-11-20) or a "
               "relative time (-7d, -2h, -30m)", text ? text : "");
  return FALSE;
}
