/* netlens-capture-saver.c: Save Capture… (the packets of the session, annotated, as pcapng)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "netlens-capture-saver.h"
#include "netlens-pcapng-writer.h"

/* the spool is flushed this often, so that a save started meanwhile sees whole blocks */
#define FLUSH_INTERVAL_US (250 * 1000)

struct _NetlensCaptureSaver
{
  gint                      ref_count;
  NetlensPcapngAnnotations *annotations;   /* thread-safe */
  char                     *path;          /* the spool, or the opened file */
  gboolean                  is_spool;

  GMutex                    lock;          /* the spool writer: reader thread vs. a save */
  NetlensPcapngWriter      *writer;        /* NULL for a file, or after a write error */
  int                       interface_id;
  int                       link_type;
  gint64                    last_flush_us;
  GError                   *error;         /* the spool's first write error */
};

static NetlensCaptureSaver *
saver_new (void)
{
  NetlensCaptureSaver *saver = g_new0 (NetlensCaptureSaver, 1);

  saver->ref_count = 1;
  saver->annotations = netlens_pcapng_annotations_new ();
  saver->interface_id = -1;
  saver->link_type = -1;
  g_mutex_init (&saver->lock);
  return saver;
}

NetlensCaptureSaver *
netlens_capture_saver_new_live (GError **error)
{
  NetlensPcapngWriter *writer = netlens_pcapng_writer_new_spool (error);
  NetlensCaptureSaver *saver;

  if (writer == NULL)
    return NULL;
  netlens_pcapng_writer_set_max_bytes (writer, NETLENS_CAPTURE_SAVER_SPOOL_MAX_BYTES);
  saver = saver_new ();
  saver->writer = writer;
  saver->path = g_strdup (netlens_pcapng_writer_get_path (writer));
  saver->is_spool = TRUE;
  return saver;
}

NetlensCaptureSaver *
netlens_capture_saver_new_file (const char *path)
{
  NetlensCaptureSaver *saver = saver_new ();

  saver->path = g_strdup (path);
  return saver;
}

NetlensCaptureSaver *
netlens_capture_saver_ref (NetlensCaptureSaver *saver)
{
  g_atomic_int_inc (&saver->ref_count);
  return saver;
}

void
netlens_capture_saver_unref (NetlensCaptureSaver *saver)
{
  if (saver == NULL || !g_atomic_int_dec_and_test (&saver->ref_count))
    return;
  netlens_pcapng_writer_free (saver->writer);
  if (saver->is_spool)
    g_unlink (saver->path);
  netlens_pcapng_annotations_free (saver->annotations);
  g_clear_error (&saver->error);
  g_mutex_clear (&saver->lock);
  g_free (saver->path);
  g_free (saver);
}

void
netlens_capture_saver_packet (int           link_type,
                              guint32       snaplen,
                              const char   *interface,
                              gint64        ts_us,
                              guint32       caplen,
                              guint32       origlen,
                              const guint8 *data,
                              gpointer      user_data)
{
  NetlensCaptureSaver *saver = user_data;
  gint64 now;

  g_mutex_lock (&saver->lock);
  if (saver->writer == NULL || saver->error != NULL)
    goto out;
  if (saver->interface_id < 0 || link_type != saver->link_type)
    {
      saver->interface_id = netlens_pcapng_writer_add_interface (saver->writer, link_type,
                                                                 snaplen != 0 ? snaplen : 262144,
                                                                 interface, 6, &saver->error);
      saver->link_type = link_type;
      if (saver->interface_id < 0)
        goto out;
    }
  netlens_pcapng_writer_write_packet (saver->writer, (guint) saver->interface_id, ts_us, caplen,
                                      origlen, data, NULL, &saver->error);
  now = g_get_monotonic_time ();
  if (now - saver->last_flush_us >= FLUSH_INTERVAL_US)
    {
      saver->last_flush_us = now;
      netlens_pcapng_writer_flush (saver->writer, &saver->error);
    }
out:
  g_mutex_unlock (&saver->lock);
}

void
netlens_capture_saver_add_rows (NetlensCaptureSaver *saver,
                                GPtrArray           *sets,
                                GPtrArray           *ended)
{
  for (guint s = 0; sets != NULL && s < sets->len; s++)
    {
      NetlensChangeSet *set = g_ptr_array_index (sets, s);

      for (guint i = 0; i < set->updated->len; i++)
        if (g_ptr_array_index (set->updated, i) != NULL)
          netlens_pcapng_annotations_add (saver->annotations, g_ptr_array_index (set->updated, i));
    }
  for (guint i = 0; ended != NULL && i < ended->len; i++)
    netlens_pcapng_annotations_add (saver->annotations, g_ptr_array_index (ended, i));
}

guint64
netlens_capture_saver_get_n_packets (NetlensCaptureSaver *saver)
{
  guint64 n = 0;

  g_mutex_lock (&saver->lock);
  if (saver->writer != NULL)
    n = netlens_pcapng_writer_get_n_packets (saver->writer);
  g_mutex_unlock (&saver->lock);
  return n;
}

typedef struct
{
  NetlensCaptureSaver *saver;
  char                *out_path;
  char                *drop_note;
} SaveJob;

static void
save_job_free (gpointer data)
{
  SaveJob *job = data;

  netlens_capture_saver_unref (job->saver);
  g_free (job->out_path);
  g_free (job->drop_note);
  g_free (job);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveJob *job = task_data;
  NetlensCaptureSaver *saver = job->saver;
  NetlensPcapngAnnotateStats stats = { 0 };
  GError *error = NULL;

  g_mutex_lock (&saver->lock);
  if (saver->error != NULL)
    error = g_error_copy (saver->error);
  else if (saver->writer != NULL && netlens_pcapng_writer_get_n_packets (saver->writer) == 0)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, _("No packets were captured yet"));
  else if (saver->writer != NULL)
    netlens_pcapng_writer_flush (saver->writer, &error);
  g_mutex_unlock (&saver->lock);
  /* the reader thread goes on appending: the annotator stops at the last whole block */
  if (error == NULL
      && !netlens_pcapng_annotate (saver->path, job->out_path, job->drop_note,
                                   netlens_pcapng_annotations_lookup, saver->annotations, &stats,
                                   &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, (gssize) stats.packets);
}

void
netlens_capture_saver_save_async (NetlensCaptureSaver *saver,
                                  const char          *out_path,
                                  const NetlensStats  *stats,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  SaveJob *job = g_new0 (SaveJob, 1);
  guint64 not_spooled = 0;

  g_mutex_lock (&saver->lock);
  if (saver->writer != NULL)
    not_spooled = netlens_pcapng_writer_get_n_skipped (saver->writer);
  g_mutex_unlock (&saver->lock);
  job->saver = netlens_capture_saver_ref (saver);
  job->out_path = g_strdup (out_path);
  if (stats != NULL)
    job->drop_note = netlens_pcapng_drop_note (stats->dropped_kernel, stats->dropped_interface,
                                               stats->dropped_internal, not_spooled);
  g_task_set_task_data (task, job, save_job_free);
  g_task_set_source_tag (task, netlens_capture_saver_save_async);
  g_task_run_in_thread (task, save_thread);
}

gint64
netlens_capture_saver_save_finish (NetlensCaptureSaver *saver,
                                   GAsyncResult        *result,
                                   GError             **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}
