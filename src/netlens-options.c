/* netlens-options.c: the command line (DESIGN.md "Command line")
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens"

#include "config.h"

#include <glib.h>
#include <glib/gi18n.h>

#include "netlens-options.h"

NetlensOptions *
netlens_options_new (void)
{
  NetlensOptions *o = g_new0 (NetlensOptions, 1);

  o->refresh_ms = 1000;
  return o;
}

void
netlens_options_free (NetlensOptions *o)
{
  if (o == NULL)
    return;
  g_free (o->interface);
  g_free (o->read_file);
  g_free (o->bpf);
  g_free (o->export_format);
  g_free (o->output);
  g_free (o->filter);
  g_free (o->write_file);
  g_free (o->history_db);
  g_free (o->since);
  g_free (o->until);
  g_free (o->log_level);
  g_strfreev (o->remaining);
  g_free (o);
}

static gboolean
parse_attribution (const char  *name,
                   const char  *value,
                   gpointer     data,
                   GError     **error)
{
  NetlensOptions *o = data;

  if (g_strcmp0 (value, "bpf") == 0)
    o->attribution = NETLENS_ATTRIBUTION_BPF;
  else if (g_strcmp0 (value, "proc") == 0)
    o->attribution = NETLENS_ATTRIBUTION_PROC;
  else if (g_strcmp0 (value, "none") == 0)
    o->attribution = NETLENS_ATTRIBUTION_NONE;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--attribution must be bpf, proc or none, not “%s”"), value);
      return FALSE;
    }
  o->attribution_set = TRUE;
  return TRUE;
}

gboolean
netlens_options_parse (NetlensOptions *o,
                       int            *argc,
                       char         ***argv,
                       GError        **error)
{
  int refresh = -1, workers = -1, max_conn = -1;
  gboolean no_dpi = FALSE, no_localhost = FALSE;
  g_autoptr(GOptionContext) context = NULL;
  GOptionGroup *group;
  const GOptionEntry entries[] = {
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &o->interface, N_("Capture live on IF (“any” allowed)"), N_("IF") },
    { "read", 0, 0, G_OPTION_ARG_FILENAME, &o->read_file, N_("Read a pcap or pcapng file instead of capturing"), N_("FILE") },
    { "bpf", 'f', 0, G_OPTION_ARG_STRING, &o->bpf, N_("Capture filter (BPF syntax)"), N_("EXPR") },
    { "bpf-filter", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &o->bpf, NULL, NULL },
    { "refresh-interval", 'r', 0, G_OPTION_ARG_INT, &refresh, N_("Refresh interval in milliseconds (default 1000)"), N_("MS") },
    { "no-localhost", 0, 0, G_OPTION_ARG_NONE, &no_localhost, N_("Hide loopback connections"), NULL },
    { "no-dpi", 0, 0, G_OPTION_ARG_NONE, &no_dpi, N_("No deep packet inspection"), NULL },
    { "workers", 0, 0, G_OPTION_ARG_INT, &workers, N_("Worker threads (default: one fewer than the cores, 1 to 4)"), N_("N") },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_conn, N_("Connection cap before eviction"), N_("N") },
    { "attribution", 0, 0, G_OPTION_ARG_CALLBACK, parse_attribution, N_("Process attribution: bpf, proc or none"), N_("MODE") },
    { "export", 0, 0, G_OPTION_ARG_STRING, &o->export_format, N_("Headless: write connections as json, jsonl or csv"), N_("FORMAT") },
    { "output", 0, 0, G_OPTION_ARG_FILENAME, &o->output, N_("Where the export goes (default: standard output)"), N_("PATH") },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &o->filter, N_("Export only rows that match the query"), N_("QUERY") },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &o->duration, N_("Headless live capture: stop after this long"), N_("SECONDS") },
    { "write", 0, 0, G_OPTION_ARG_FILENAME, &o->write_file, N_("Save the packets, annotated, as pcapng"), N_("FILE") },
    { "history-db", 0, 0, G_OPTION_ARG_FILENAME, &o->history_db, N_("History database"), N_("PATH") },
    { "no-history", 0, 0, G_OPTION_ARG_NONE, &o->no_history, N_("Write no history"), NULL },
    { "history", 0, 0, G_OPTION_ARG_NONE, &o->history, N_("Query history instead of capturing"), NULL },
    { "since", 0, 0, G_OPTION_ARG_STRING, &o->since, N_("History from this time (ISO 8601, or -7d, -2h)"), N_("T") },
    { "until", 0, 0, G_OPTION_ARG_STRING, &o->until, N_("History until this time"), N_("T") },
    { "log-level", 'l', 0, G_OPTION_ARG_STRING, &o->log_level, N_("error, warn, info, debug or trace"), N_("LEVEL") },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &o->version, N_("Print the version and exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->remaining, NULL, N_("[FILE…]") },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Netlens shows every connection on this machine, live."));
  group = g_option_group_new ("netlens", NULL, NULL, o, NULL);
  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (refresh != -1)
    {
      if (refresh < 50 || refresh > 60000)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--refresh-interval must be between 50 and 60000 milliseconds"));
          return FALSE;
        }
      o->refresh_ms = refresh;
      o->refresh_set = TRUE;
    }
  if (workers != -1)
    {
      if (workers < 1 || workers > 64)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--workers must be between 1 and 64"));
          return FALSE;
        }
      o->workers = workers;
    }
  if (max_conn != -1)
    {
      if (max_conn < 16)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--max-connections must be at least 16"));
          return FALSE;
        }
      o->max_connections = max_conn;
    }
  o->no_dpi = no_dpi;
  o->dpi_set = no_dpi;
  o->no_localhost = no_localhost;
  o->localhost_set = no_localhost;

  if (o->export_format != NULL &&
      g_strcmp0 (o->export_format, "json") != 0 && g_strcmp0 (o->export_format, "jsonl") != 0 &&
      g_strcmp0 (o->export_format, "csv") != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--export must be json, jsonl or csv, not “%s”"), o->export_format);
      return FALSE;
    }
  if (o->read_file != NULL && o->interface != NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--read and --interface cannot be used together"));
      return FALSE;
    }
  if (o->history && (o->read_file != NULL || o->interface != NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--history queries the database; it cannot be combined with --read or --interface"));
      return FALSE;
    }
  if (o->history && o->export_format == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--history needs --export json, jsonl or csv"));
      return FALSE;
    }
  if ((o->since != NULL || o->until != NULL) && !o->history)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--since and --until go with --history"));
      return FALSE;
    }
  if (o->export_format != NULL && !o->history && o->read_file == NULL && o->interface == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--export needs --read FILE or --interface IF"));
      return FALSE;
    }
  if (o->duration < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--duration must not be negative"));
      return FALSE;
    }
  if (o->log_level != NULL &&
      !g_strv_contains ((const char *const[]) { "error", "warn", "info", "debug", "trace", NULL },
                        o->log_level))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--log-level must be error, warn, info, debug or trace"));
      return FALSE;
    }
  return TRUE;
}

gboolean
netlens_options_is_headless (const NetlensOptions *o)
{
  return o->export_format != NULL || o->history;
}

static int log_threshold = -1;  /* -1: off */

static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         data)
{
  int rank;

  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    rank = 0;
  else if (level & G_LOG_LEVEL_WARNING)
    rank = 1;
  else if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    rank = 2;
  else
    rank = 3;
  /* criticals and errors are programming errors: always shown */
  if (rank > 0 && rank > log_threshold)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_standard_streams (level, fields, n_fields, data);
}

void
netlens_options_apply_log_level (const NetlensOptions *o)
{
  if (o->log_level == NULL)
    log_threshold = 0;
  else if (g_str_equal (o->log_level, "error"))
    log_threshold = 0;
  else if (g_str_equal (o->log_level, "warn"))
    log_threshold = 1;
  else if (g_str_equal (o->log_level, "info"))
    log_threshold = 2;
  else
    {
      log_threshold = 3;
      g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
    }
  g_log_set_writer_func (log_writer, NULL, NULL);
}
