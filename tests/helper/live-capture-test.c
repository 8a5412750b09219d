/* live-capture-test.c: headless live capture through the real helper, exported as JSON
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   live-capture-test --interface IF [--duration S] [--attribution bpf|proc|none]
 *                     [--bpf EXPR]
 *
 * The same path `netlens --interface IF --export json` takes (NetlensLiveSource's
 * run_headless, the pipeline, the JSON export), for the end-to-end tests in this folder.
 * Exit status 0, or 4 with the error on stderr (what was captured is still written).
 */

#define G_LOG_DOMAIN "netlens-test-live"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "netlens-export.h"
#include "netlens-live-source.h"
#include "netlens-pipeline.h"

int
main (int argc, char *argv[])
{
  g_autofree char *interface = NULL;
  g_autofree char *bpf = NULL;
  g_autofree char *attribution = NULL;
  double duration = 0;
  GOptionEntry entries[] = {
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &interface, "interface", "IF" },
    { "bpf", 'f', 0, G_OPTION_ARG_STRING, &bpf, "capture filter", "EXPR" },
    { "attribution", 0, 0, G_OPTION_ARG_STRING, &attribution, "bpf, proc or none", "MODE" },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "seconds", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensPipeline) pipeline = NULL;
  NetlensPipelineConfig config;
  NetlensAttribution mode = NETLENS_ATTRIBUTION_BPF;
  NetlensExportSource source = { 0 };
  NetlensStats stats;
  NetlensExport *export;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || interface == NULL)
    {
      g_printerr ("usage: live-capture-test --interface IF [--duration S]\n");
      return 1;
    }
  if (g_strcmp0 (attribution, "proc") == 0)
    mode = NETLENS_ATTRIBUTION_PROC;
  else if (g_strcmp0 (attribution, "none") == 0)
    mode = NETLENS_ATTRIBUTION_NONE;

  netlens_pipeline_config_init (&config);
  config.live = TRUE;
  pipeline = netlens_pipeline_new (&config);
  export = netlens_export_new (NETLENS_EXPORT_JSON, stdout);
  netlens_pipeline_set_row_sink (pipeline, netlens_export_row_sink, export);

  source.interface = interface;
  source.started_us = g_get_real_time ();
  ok = netlens_live_source_run_headless (pipeline, interface, bpf, mode, duration, &error);
  source.ended_us = g_get_real_time ();
  source.link_type = netlens_pipeline_get_link_type (pipeline);
  netlens_pipeline_finish (pipeline);
  netlens_pipeline_get_stats (pipeline, &stats);
  netlens_export_finish (export, &source, &stats);
  netlens_export_free (export);
  fflush (stdout);

  if (!ok)
    {
      g_printerr ("live-capture-test: %s\n", error->message);
      return 4;
    }
  return 0;
}
