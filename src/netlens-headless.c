/* netlens-headless.c: netlens without a window (--export, --history)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "netlens-export.h"
#include "netlens-file-source.h"
#include "netlens-geo.h"
#include "netlens-headless.h"
#include "netlens-history.h"
#include "netlens-live-source.h"
#include "netlens-pcapng-writer.h"
#include "netlens-pipeline.h"
#include "netlens-query.h"

/* Ended rows go to the export, and to the history and the pcapng annotations when asked. */
typedef struct
{
  NetlensExport            *export;
  NetlensHistory           *history;
  NetlensPcapngAnnotations *annotations;
  NetlensGeo               *geo;          /* NULL without a GeoIP database */
} Sinks;

static void
sinks_row (NetlensConnection *conn,
           gpointer           data)
{
  Sinks *sinks = data;

  /* before the filter sees the row, so that country: and asn: work */
  if (sinks->geo != NULL)
    netlens_geo_enrich (sinks->geo, conn);
  netlens_export_write_row (sinks->export, conn);
  if (sinks->annotations != NULL)
    netlens_pcapng_annotations_add (sinks->annotations, conn);
  if (sinks->history != NULL)
    netlens_history_push (sinks->history, conn);  /* takes it */
  else
    netlens_connection_free (conn);
}

static NetlensHistory *
open_history (NetlensOptions *o,
              const char     *source)
{
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;

  /* a headless run writes history only when --history-db is given */
  if (o->history_db == NULL || o->no_history)
    return NULL;
  history = netlens_history_open (o->history_db, &error);
  if (history == NULL)
    {
      /* "database or disk is full" alone does not say which database */
      if (strstr (error->message, o->history_db) == NULL)
        g_printerr ("netlens: the history %s cannot be opened: %s\n", o->history_db,
                    error->message);
      else
        g_printerr ("netlens: %s\n", error->message);
      return NULL;
    }
  netlens_history_begin_session (history, source);
  netlens_history_start_writer (history);
  return history;
}

static int
close_history (NetlensHistory *history)
{
  g_autoptr(GError) error = NULL;
  int code = NETLENS_EXIT_OK;

  if (history == NULL)
    return code;
  /* The history is a copy: when it fails (disk full, locked) the capture and the export go
   * on, complete, and the result is partial (exit 3) with this warning. */
  if (!netlens_history_flush (history) && netlens_history_get_error (history, &error))
    {
      g_printerr ("netlens: warning: history: %s; %" G_GUINT64_FORMAT " rows stored, %"
                  G_GUINT64_FORMAT " not (the export is complete)\n", error->message,
                  netlens_history_get_written (history), netlens_history_get_dropped (history));
      code = NETLENS_EXIT_PARTIAL;
    }
  netlens_history_close (history);
  return code;
}

static int
write_annotated (const char               *input,
                 const char               *output,
                 NetlensPcapngAnnotations *annotations,
                 const char               *drop_note)
{
  g_autoptr(GError) error = NULL;
  NetlensPcapngAnnotateStats stats = { 0 };

  if (!netlens_pcapng_annotate (input, output, drop_note, netlens_pcapng_annotations_lookup,
                                annotations, &stats, &error))
    {
      g_printerr ("netlens: --write: %s\n", error->message);
      return NETLENS_EXIT_USAGE;
    }
  g_debug ("wrote %" G_GUINT64_FORMAT " packets to %s, %" G_GUINT64_FORMAT " annotated",
           stats.packets, output, stats.annotated);
  return NETLENS_EXIT_OK;
}

/* --write of a live run: the packets go to a spool as they arrive (on the capture's
 * reader thread); at the end the spool is re-read and written annotated to the file. */
typedef struct
{
  NetlensPcapngWriter *writer;
  int                  interface_id;   /* -1 until the first packet */
  int                  link_type;
  GError              *error;          /* the first write error; later packets are skipped */
} LiveSpool;

static void
live_spool_packet (int           link_type,
                   guint32       snaplen,
                   const char   *interface,
                   gint64        ts_us,
                   guint32       caplen,
                   guint32       origlen,
                   const guint8 *data,
                   gpointer      user_data)
{
  LiveSpool *spool = user_data;

  if (spool->error != NULL)
    return;
  if (spool->interface_id < 0 || link_type != spool->link_type)
    {
      spool->interface_id = netlens_pcapng_writer_add_interface (spool->writer, link_type,
                                                                 snaplen != 0 ? snaplen : 262144,
                                                                 interface, 6, &spool->error);
      spool->link_type = link_type;
      if (spool->interface_id < 0)
        return;
    }
  netlens_pcapng_writer_write_packet (spool->writer, (guint) spool->interface_id, ts_us, caplen,
                                      origlen, data, NULL, &spool->error);
}

static gboolean
match_query (const NetlensConnection *conn,
             gpointer                 data)
{
  return netlens_query_match (data, conn);
}

/* The export goes to a temporary file beside PATH, renamed into place at the end,
 * so that an unreadable input never leaves a half-written or empty export behind. */
typedef struct
{
  FILE *stream;
  char *path;
  char *tmp_path;
} Output;

static gboolean
output_open (Output      *out,
             const char  *path,
             GError     **error)
{
  int fd;

  if (path == NULL || g_str_equal (path, "-"))
    {
      out->stream = stdout;
      return TRUE;
    }
  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      /* a device or a pipe (/dev/null, a FIFO): written in place, never replaced */
      if ((out->stream = fopen (path, "w")) == NULL)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("%s: cannot write the export: %s"), path, g_strerror (saved));
          return FALSE;
        }
      out->path = g_strdup (path);
      return TRUE;
    }
  out->path = g_strdup (path);
  {
    g_autofree char *dir = g_path_get_dirname (path);
    g_autofree char *base = g_path_get_basename (path);

    out->tmp_path = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  }
  fd = g_mkstemp_full (out->tmp_path, O_WRONLY, 0644);
  if (fd < 0 || (out->stream = fdopen (fd, "w")) == NULL)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("%s: cannot write the export: %s"), path, g_strerror (saved));
      if (fd >= 0)
        close (fd);
      g_clear_pointer (&out->tmp_path, g_free);
      return FALSE;
    }
  return TRUE;
}

static gboolean
output_close (Output    *out,
              gboolean   keep,
              GError   **error)
{
  gboolean ok = TRUE;

  if (out->stream == NULL || out->stream == stdout)
    {
      if (out->stream == stdout && fflush (stdout) != 0)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("cannot write the export to standard output: %s"), g_strerror (saved));
          return FALSE;
        }
      return TRUE;
    }
  if (out->tmp_path == NULL)
    {
      /* written in place */
      if (fclose (out->stream) != 0)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("%s: cannot write the export: %s"), out->path, g_strerror (saved));
          ok = FALSE;
        }
      out->stream = NULL;
      g_clear_pointer (&out->path, g_free);
      return ok;
    }
  if (fclose (out->stream) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("%s: cannot write the export: %s"), out->path, g_strerror (saved));
      keep = FALSE;
      ok = FALSE;
    }
  out->stream = NULL;
  if (keep && g_rename (out->tmp_path, out->path) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("%s: cannot write the export: %s"), out->path, g_strerror (saved));
      keep = FALSE;
      ok = FALSE;
    }
  if (!keep)
    g_unlink (out->tmp_path);
  g_clear_pointer (&out->tmp_path, g_free);
  g_clear_pointer (&out->path, g_free);
  return ok;
}

static int
run_read (NetlensOptions      *o,
          NetlensExportFormat  format,
          NetlensQuery        *query)
{
  NetlensPipelineConfig config;
  g_autoptr(NetlensPipeline) pipeline = NULL;
  g_autoptr(GError) error = NULL;
  NetlensFileInfo info = { 0 };
  NetlensExportSource source = { 0 };
  NetlensStats stats;
  NetlensExport *export;
  Output out = { 0 };
  Sinks sinks = { 0 };
  gboolean ok;
  int code = NETLENS_EXIT_OK, history_code;

  if (o->history_db != NULL && !o->no_history)
    {
      g_autofree char *what = g_strdup_printf ("file %s", o->read_file);

      if ((sinks.history = open_history (o, what)) == NULL)
        return NETLENS_EXIT_USAGE;
      /* a file can wait for the database: no row is dropped */
      netlens_history_set_block_when_full (sinks.history, TRUE);
    }
  if (o->write_file != NULL)
    sinks.annotations = netlens_pcapng_annotations_new ();

  netlens_pipeline_config_init (&config);
  config.n_workers = o->workers;
  config.dpi = !o->no_dpi;
  config.hide_localhost = o->no_localhost;
  config.max_connections = o->max_connections;
  pipeline = netlens_pipeline_new (&config);

  if (!output_open (&out, o->output, &error))
    {
      g_printerr ("netlens: %s\n", error->message);
      close_history (sinks.history);
      g_clear_pointer (&sinks.annotations, netlens_pcapng_annotations_free);
      return NETLENS_EXIT_USAGE;
    }
  export = netlens_export_new (format, out.stream);
  if (query != NULL && !netlens_query_is_match_all (query))
    netlens_export_set_filter (export, match_query, query);
  sinks.export = export;
  sinks.geo = netlens_geo_open_default (NULL);
  netlens_pipeline_set_row_sink (pipeline, sinks_row, &sinks);

  ok = netlens_file_source_read (pipeline, o->read_file, &info, NULL, NULL, NULL, &error);
  netlens_pipeline_finish (pipeline);
  g_clear_pointer (&sinks.geo, netlens_geo_free);
  history_code = close_history (sinks.history);
  if (!ok)
    {
      g_printerr ("netlens: %s\n", error->message);
      netlens_export_free (export);
      output_close (&out, FALSE, NULL);
      g_clear_pointer (&sinks.annotations, netlens_pcapng_annotations_free);
      return NETLENS_EXIT_UNREADABLE;
    }
  if (sinks.annotations != NULL)
    {
      /* the file itself is the spool: re-read it, each packet annotated by its row */
      if (write_annotated (o->read_file, o->write_file, sinks.annotations, NULL) != NETLENS_EXIT_OK)
        code = NETLENS_EXIT_USAGE;
      g_clear_pointer (&sinks.annotations, netlens_pcapng_annotations_free);
    }

  netlens_pipeline_get_stats (pipeline, &stats);
  source.file = o->read_file;
  source.link_type = info.link_type;
  source.started_us = info.first_ts_us;
  source.ended_us = info.last_ts_us;
  if (!netlens_export_finish (export, &source, &stats))
    {
      int saved = errno;

      g_printerr ("netlens: cannot write the export: %s\n", g_strerror (saved));
      code = NETLENS_EXIT_USAGE;
    }
  netlens_export_free (export);
  if (!output_close (&out, code == NETLENS_EXIT_OK, &error))
    {
      g_printerr ("netlens: %s\n", error->message);
      code = NETLENS_EXIT_USAGE;
    }
  if (code == NETLENS_EXIT_OK && info.damage != NULL)
    {
      g_printerr ("netlens: warning: %s\n", info.damage->message);
      code = NETLENS_EXIT_PARTIAL;
    }
  if (code == NETLENS_EXIT_OK)
    code = history_code;
  netlens_file_info_clear (&info);
  return code;
}

static void
live_spool_discard (LiveSpool *spool)
{
  if (spool->writer != NULL)
    {
      g_autofree char *path = g_strdup (netlens_pcapng_writer_get_path (spool->writer));

      g_clear_pointer (&spool->writer, netlens_pcapng_writer_free);
      g_unlink (path);
    }
  g_clear_error (&spool->error);
}

/* The spool, annotated, to OUTPUT, with a drop note when packets were lost; the spool is
 * removed either way. */
static int
write_live_capture (LiveSpool                *spool,
                    const char               *output,
                    NetlensPcapngAnnotations *annotations,
                    const NetlensStats       *stats,
                    int                       link_type)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *spool_path = g_strdup (netlens_pcapng_writer_get_path (spool->writer));
  g_autofree char *note = NULL;
  guint64 not_spooled = netlens_pcapng_writer_get_n_skipped (spool->writer);
  int code = NETLENS_EXIT_OK;

  if (spool->error != NULL)
    {
      g_printerr ("netlens: --write: %s\n", spool->error->message);
      live_spool_discard (spool);
      return NETLENS_EXIT_USAGE;
    }
  if (netlens_pcapng_writer_get_n_packets (spool->writer) == 0
      && netlens_pcapng_writer_get_size (spool->writer) == 0)
    {
      /* not one packet: an empty but valid pcapng (a section header, no interface) */
      netlens_pcapng_writer_add_interface (spool->writer, link_type >= 0 ? link_type : 1, 262144,
                                           NULL, 6, NULL);
    }
  /* flushed, not closed: the open spool keeps its lock, so that another Netlens starting
   * meanwhile does not take it for a dead process's spool */
  if (!netlens_pcapng_writer_flush (spool->writer, &error))
    {
      g_printerr ("netlens: --write: %s\n", error->message);
      live_spool_discard (spool);
      return NETLENS_EXIT_USAGE;
    }
  note = netlens_pcapng_drop_note (stats->dropped_kernel, stats->dropped_interface,
                                   stats->dropped_internal, not_spooled);
  code = write_annotated (spool_path, output, annotations, note);
  live_spool_discard (spool);
  return code;
}

/* ---- a live run's long-lived rows, written while they run ---- */

/* Issue 15: every long-lived connection is written at least once a minute, not only when it
 * ends.  The window does this from its change sets; a headless live run has no window, so a
 * thread of its own asks the workers for change sets a few times per interval (the workers
 * answer between batches: the capture's hot path never waits on it) and offers each row that
 * has lived an interval to the history (netlens_history_offer_live: at most once per interval
 * per row).  A row that changed is remembered until it has been written, so that a row idle
 * after its first minute is still written once.  NETLENS_HISTORY_LIVE_INTERVAL (seconds)
 * shortens the interval for tests. */
typedef struct
{
  NetlensPipeline *pipeline;
  NetlensHistory  *history;
  guint            interval_s;
  GThread         *thread;
  GMutex           lock;
  GCond            cond;
  gboolean         stop;
  GHashTable      *pending;   /* row id -> NetlensConnection snapshot, changed and not yet written */
  guint64          offered;   /* rows pushed by this thread */
} LiveOffer;

#define LIVE_INTERVAL_ENV "NETLENS_HISTORY_LIVE_INTERVAL"

/* The interval: 60 s, or the environment's (1 to 3600 s).  FALSE with a message when bad. */
static gboolean
live_offer_interval (guint *interval_s)
{
  const char *text = g_getenv (LIVE_INTERVAL_ENV);
  guint64 value;

  *interval_s = 60;
  if (text == NULL || *text == '\0')
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 1, 3600, &value, NULL))
    {
      g_printerr ("netlens: %s=%s: %s\n", LIVE_INTERVAL_ENV, text,
                  _("not a number of seconds from 1 to 3600"));
      return FALSE;
    }
  *interval_s = (guint) value;
  return TRUE;
}

static void
live_offer_collect (LiveOffer *lo)
{
  NetlensChangeSet *set;

  while ((set = netlens_pipeline_pop_changes (lo->pipeline)) != NULL)
    {
      for (guint i = 0; i < set->updated->len; i++)
        {
          NetlensConnection *conn = g_ptr_array_index (set->updated, i);

          /* ended rows go to the history through the row sink */
          if (conn == NULL || conn->ended != 0)
            continue;
          set->updated->pdata[i] = NULL;   /* taken: the set's free function skips NULL */
          g_hash_table_replace (lo->pending, GUINT_TO_POINTER (conn->id), conn);
        }
      for (guint i = 0; i < set->removed->len; i++)
        g_hash_table_remove (lo->pending, GUINT_TO_POINTER (g_array_index (set->removed, guint32, i)));
      netlens_change_set_free (set);
    }
}

static void
live_offer_write (LiveOffer *lo)
{
  const gint64 interval = (gint64) lo->interval_s * G_USEC_PER_SEC;
  gint64 now = g_get_real_time ();   /* a live capture's clock: packets carry real time */
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, lo->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      NetlensConnection *conn = value;

      /* once it has lived an interval; then offer_live says when it was written last */
      if (now - conn->first_seen < interval)
        continue;
      if (netlens_history_offer_live (lo->history, conn, now, lo->interval_s))
        {
          lo->offered++;
          g_hash_table_iter_remove (&iter);
        }
    }
}

static gpointer
live_offer_thread (gpointer data)
{
  LiveOffer *lo = data;
  /* a few looks per interval: a row is written within about a quarter interval of its due */
  const gint64 period = CLAMP ((gint64) lo->interval_s * G_USEC_PER_SEC / 4,
                               G_USEC_PER_SEC / 4, 15 * G_USEC_PER_SEC);

  g_mutex_lock (&lo->lock);
  while (!lo->stop)
    {
      gint64 deadline = g_get_monotonic_time () + period;

      while (!lo->stop && g_cond_wait_until (&lo->cond, &lo->lock, deadline))
        ;
      if (lo->stop)
        break;
      g_mutex_unlock (&lo->lock);
      /* the sets asked for last time have arrived by now; ask for the next ones */
      live_offer_collect (lo);
      live_offer_write (lo);
      netlens_pipeline_request_changes (lo->pipeline);
      g_mutex_lock (&lo->lock);
    }
  g_mutex_unlock (&lo->lock);
  return NULL;
}

/* Before the capture starts (change tracking is set up before the workers run). */
static void
live_offer_start (LiveOffer       *lo,
                  NetlensPipeline *pipeline,
                  NetlensHistory  *history,
                  guint            interval_s)
{
  lo->pipeline = pipeline;
  lo->history = history;
  lo->interval_s = interval_s;
  g_mutex_init (&lo->lock);
  g_cond_init (&lo->cond);
  lo->pending = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) netlens_connection_free);
  netlens_pipeline_set_track_changes (pipeline, TRUE);
  lo->thread = g_thread_new ("netlens-history-live", live_offer_thread, lo);
}

/* After the capture, before the pipeline finishes: its end writes every row anyway. */
static void
live_offer_stop (LiveOffer *lo)
{
  NetlensChangeSet *set;

  if (lo->thread == NULL)
    return;
  g_mutex_lock (&lo->lock);
  lo->stop = TRUE;
  g_cond_signal (&lo->cond);
  g_mutex_unlock (&lo->lock);
  g_thread_join (lo->thread);
  lo->thread = NULL;
  while ((set = netlens_pipeline_pop_changes (lo->pipeline)) != NULL)
    netlens_change_set_free (set);
  g_clear_pointer (&lo->pending, g_hash_table_unref);
  g_mutex_clear (&lo->lock);
  g_cond_clear (&lo->cond);
  g_debug ("history: %" G_GUINT64_FORMAT " live rows written while they ran", lo->offered);
}

static int
run_live (NetlensOptions      *o,
          NetlensExportFormat  format,
          NetlensQuery        *query)
{
  NetlensPipelineConfig config;
  g_autoptr(NetlensPipeline) pipeline = NULL;
  g_autoptr(GError) error = NULL;
  NetlensExportSource source = { 0 };
  NetlensStats stats;
  NetlensExport *export;
  Output out = { 0 };
  Sinks sinks = { 0 };
  gboolean ok;
  int code = NETLENS_EXIT_OK, history_code;
  LiveOffer live_offer = { 0 };
  guint live_interval = 60;

  LiveSpool spool = { NULL, -1, -1, NULL };

  if (o->history_db != NULL && !o->no_history && !live_offer_interval (&live_interval))
    return NETLENS_EXIT_USAGE;

  if (o->write_file != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (o->write_file);

      /* fail before capturing when the file or the spool cannot be made */
      if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
        {
          g_printerr ("netlens: --write: %s: %s\n", o->write_file, _("no such folder"));
          return NETLENS_EXIT_USAGE;
        }
      if ((spool.writer = netlens_pcapng_writer_new_spool (&error)) == NULL)
        {
          g_printerr ("netlens: --write: %s\n", error->message);
          return NETLENS_EXIT_USAGE;
        }
      sinks.annotations = netlens_pcapng_annotations_new ();
    }
  if (o->history_db != NULL && !o->no_history)
    {
      g_autofree char *what = g_strdup_printf ("interface %s", o->interface);

      if ((sinks.history = open_history (o, what)) == NULL)
        {
          live_spool_discard (&spool);
          g_clear_pointer (&sinks.annotations, netlens_pcapng_annotations_free);
          return NETLENS_EXIT_USAGE;
        }
    }

  netlens_pipeline_config_init (&config);
  config.n_workers = o->workers;
  config.dpi = !o->no_dpi;
  config.hide_localhost = o->no_localhost;
  config.max_connections = o->max_connections;
  config.live = TRUE;
  pipeline = netlens_pipeline_new (&config);

  if (!output_open (&out, o->output, &error))
    {
      g_printerr ("netlens: %s\n", error->message);
      close_history (sinks.history);
      live_spool_discard (&spool);
      g_clear_pointer (&sinks.annotations, netlens_pcapng_annotations_free);
      return NETLENS_EXIT_USAGE;
    }
  export = netlens_export_new (format, out.stream);
  if (query != NULL && !netlens_query_is_match_all (query))
    netlens_export_set_filter (export, match_query, query);
  sinks.export = export;
  sinks.geo = netlens_geo_open_default (NULL);
  netlens_pipeline_set_row_sink (pipeline, sinks_row, &sinks);
  if (sinks.history != NULL)
    live_offer_start (&live_offer, pipeline, sinks.history, live_interval);

  source.interface = o->interface;
  source.started_us = g_get_real_time ();
  ok = netlens_live_source_run_headless_tap (pipeline, o->interface, o->bpf, o->attribution,
                                             o->duration,
                                             spool.writer != NULL ? live_spool_packet : NULL,
                                             &spool, &error);
  source.ended_us = g_get_real_time ();
  live_offer_stop (&live_offer);
  source.link_type = netlens_pipeline_get_link_type (pipeline);
  /* what was captured is kept, whatever stopped the capture */
  netlens_pipeline_finish (pipeline);
  g_clear_pointer (&sinks.geo, netlens_geo_free);
  history_code = close_history (sinks.history);
  netlens_pipeline_get_stats (pipeline, &stats);
  if (spool.writer != NULL)
    {
      /* every row has ended by now (end of capture): each packet finds its row */
      if (write_live_capture (&spool, o->write_file, sinks.annotations, &stats,
                              source.link_type) != NETLENS_EXIT_OK)
        code = NETLENS_EXIT_USAGE;
      g_clear_pointer (&sinks.annotations, netlens_pcapng_annotations_free);
    }
  if (!netlens_export_finish (export, &source, &stats))
    {
      int saved = errno;

      g_printerr ("netlens: cannot write the export: %s\n", g_strerror (saved));
      code = NETLENS_EXIT_USAGE;
    }
  netlens_export_free (export);
  if (!output_close (&out, code == NETLENS_EXIT_OK, &error))
    {
      g_printerr ("netlens: %s\n", error->message);
      code = NETLENS_EXIT_USAGE;
    }
  if (!ok)
    {
      g_printerr ("netlens: %s\n", error->message);
      /* nothing captured: the capture could not start; else a partial result */
      return stats.packets == 0 ? NETLENS_EXIT_CAPTURE : NETLENS_EXIT_PARTIAL;
    }
  if (code == NETLENS_EXIT_OK)
    code = history_code;
  return code;
}

typedef struct
{
  NetlensExport *export;
  NetlensQuery  *query;
  GString       *line;
  FILE          *stream;
  gboolean       json;
  gboolean       jsonl;
  guint64        n;
  guint64        damaged;
  char          *first_damage;
} HistoryOut;

static gboolean
history_row (NetlensHistoryRow *row,
             gpointer           data)
{
  HistoryOut *h = data;

  /* the row carries its DPI results again (netlens_dpi_from_json): sni:, host:, ssh:
   * and every other term match as they did on the live row */
  if (row->damage != NULL && h->damaged++ == 0)
    h->first_damage = g_strdup_printf ("row %" G_GINT64_FORMAT ": %s", row->id, row->damage);
  if (h->query != NULL && !netlens_query_is_match_all (h->query)
      && !netlens_query_match (h->query, row->conn))
    return TRUE;
  if (h->json || h->jsonl)
    {
      /* the export object of the run that wrote it, byte for byte */
      g_string_truncate (h->line, 0);
      if (h->json)
        g_string_append (h->line, h->n == 0 ? "\n" : ",\n");
      g_string_append (h->line, row->json);
      if (h->jsonl)
        g_string_append_c (h->line, '\n');
      fwrite (h->line->str, 1, h->line->len, h->stream);
    }
  else
    netlens_export_write_row (h->export, row->conn);
  h->n++;
  return TRUE;
}

static int
run_history (NetlensOptions      *o,
             NetlensExportFormat  format,
             NetlensQuery        *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensHistory) history = NULL;
  g_autofree char *path = o->history_db != NULL ? g_strdup (o->history_db) : netlens_history_default_path ();
  gint64 now = g_get_real_time (), since = 0, until = 0;
  NetlensExportSource source = { 0 };
  NetlensStats stats = { 0 };
  HistoryOut h = { 0 };
  Output out = { 0 };
  int code = NETLENS_EXIT_OK;

  if (o->since != NULL && !netlens_history_parse_time (o->since, now, &since, &error))
    {
      g_printerr ("netlens: --since: %s\n", error->message);
      return NETLENS_EXIT_USAGE;
    }
  if (o->until != NULL && !netlens_history_parse_time (o->until, now, &until, &error))
    {
      g_printerr ("netlens: --until: %s\n", error->message);
      return NETLENS_EXIT_USAGE;
    }
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_printerr ("netlens: %s: %s\n", path, _("no history database there"));
      return NETLENS_EXIT_UNREADABLE;
    }
  history = netlens_history_open (path, &error);
  if (history == NULL)
    {
      g_printerr ("netlens: %s\n", error->message);
      return NETLENS_EXIT_UNREADABLE;
    }
  if (!output_open (&out, o->output, &error))
    {
      g_printerr ("netlens: %s\n", error->message);
      return NETLENS_EXIT_USAGE;
    }
  h.query = query;
  h.line = g_string_new (NULL);
  h.stream = out.stream;
  h.json = format == NETLENS_EXPORT_JSON;
  h.jsonl = format == NETLENS_EXPORT_JSONL;
  /* JSON and JSONL copy the stored export objects; CSV is rebuilt from the row */
  if (!h.json && !h.jsonl)
    h.export = netlens_export_new (format, out.stream);
  if (h.json)
    fprintf (out.stream, "{\"netlens\":{\"version\":\"%s\",\"schema\":1},\n\"connections\":[", PACKAGE_VERSION);
  if (!netlens_history_query (history, since, until, history_row, &h, &error))
    {
      g_printerr ("netlens: %s\n", error->message);
      code = NETLENS_EXIT_UNREADABLE;
    }
  source.started_us = since;
  source.ended_us = until != 0 ? until : now;
  if (h.json)
    {
      g_autoptr(GString) tail = g_string_new (h.n == 0 ? "],\n\"source\":" : "\n],\n\"source\":");

      g_string_append (tail, "{\"file\":null,\"interface\":null,\"history\":");
      netlens_append_json_string (tail, path);
      g_string_append (tail, ",\"since\":");
      if (since != 0)
        netlens_append_timestamp (tail, since);
      else
        g_string_append (tail, "null");
      g_string_append (tail, ",\"until\":");
      netlens_append_timestamp (tail, source.ended_us);
      g_string_append_printf (tail, "},\"stats\":{\"connections\":%" G_GUINT64_FORMAT "}}\n", h.n);
      fwrite (tail->str, 1, tail->len, out.stream);
    }
  else if (h.jsonl)
    fprintf (out.stream, "{\"stats\":{\"connections\":%" G_GUINT64_FORMAT "}}\n", h.n);
  else
    netlens_export_finish (h.export, &source, &stats);
  if (ferror (out.stream))
    code = NETLENS_EXIT_USAGE;
  /* a damaged row is exported with what could be read: a partial result, said so */
  if (h.damaged > 0)
    {
      g_printerr ("netlens: warning: %s: %" G_GUINT64_FORMAT " damaged %s, exported with what "
                  "could be read (%s)\n", path, h.damaged, h.damaged == 1 ? "row" : "rows",
                  h.first_damage);
      if (code == NETLENS_EXIT_OK)
        code = NETLENS_EXIT_PARTIAL;
    }
  g_free (h.first_damage);
  g_clear_pointer (&h.export, netlens_export_free);
  g_string_free (h.line, TRUE);
  if (!output_close (&out, code == NETLENS_EXIT_OK, &error))
    {
      g_printerr ("netlens: %s\n", error->message);
      code = NETLENS_EXIT_USAGE;
    }
  return code;
}

int
netlens_headless_run (NetlensOptions *o)
{
  NetlensExportFormat format;
  g_autoptr(NetlensQuery) query = NULL;
  g_autoptr(GError) error = NULL;

  /* a closed pipe is a write error, not a silent death */
  signal (SIGPIPE, SIG_IGN);

  if (!netlens_export_format_from_string (o->export_format, &format))
    {
      g_printerr ("netlens: --export must be json, jsonl or csv\n");
      return NETLENS_EXIT_USAGE;
    }
  if (o->filter != NULL)
    {
      query = netlens_query_parse (o->filter, &error);
      if (query == NULL)
        {
          g_printerr ("netlens: --filter: %s\n", error->message);
          return NETLENS_EXIT_USAGE;
        }
    }

  if (o->read_file != NULL)
    return run_read (o, format, query);
  if (o->history)
    return run_history (o, format, query);
  return run_live (o, format, query);
}
