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
#include "netlens-headless.h"
#include "netlens-pipeline.h"
#include "netlens-query.h"

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
  gboolean ok;
  int code = NETLENS_EXIT_OK;

  netlens_pipeline_config_init (&config);
  config.n_workers = o->workers;
  config.dpi = !o->no_dpi;
  config.hide_localhost = o->no_localhost;
  config.max_connections = o->max_connections;
  pipeline = netlens_pipeline_new (&config);

  if (!output_open (&out, o->output, &error))
    {
      g_printerr ("netlens: %s\n", error->message);
      return NETLENS_EXIT_USAGE;
    }
  export = netlens_export_new (format, out.stream);
  if (query != NULL && !netlens_query_is_match_all (query))
    netlens_export_set_filter (export, match_query, query);
  netlens_pipeline_set_row_sink (pipeline, netlens_export_row_sink, export);

  ok = netlens_file_source_read (pipeline, o->read_file, &info, NULL, NULL, NULL, &error);
  netlens_pipeline_finish (pipeline);
  if (!ok)
    {
      g_printerr ("netlens: %s\n", error->message);
      netlens_export_free (export);
      output_close (&out, FALSE, NULL);
      return NETLENS_EXIT_UNREADABLE;
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
  netlens_file_info_clear (&info);
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

  g_printerr ("netlens: %s\n", _("live headless capture needs the capture helper (netlens-capture)"));
  return NETLENS_EXIT_CAPTURE;
}
