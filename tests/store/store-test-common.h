/* store-test-common.h: helpers shared by the store tests
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "netlens-connection.h"
#include "netlens-pipeline.h"
#include "netlens-pcapng-writer.h"

/* The corpus capture NAME, or NULL (the test is then skipped). */
static G_GNUC_UNUSED char *
store_test_corpus_file (const char *name)
{
  const char *dir = g_getenv ("NETLENS_CORPUS");
  char *path;

  if (dir == NULL)
    dir = "/work/shared/corpus";
  path = g_build_filename (dir, "captures", name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_free (path);
      return NULL;
    }
  return path;
}

/* Feeds a capture file through a real pipeline (DPI on); SINK gets every row. */
static G_GNUC_UNUSED guint64
store_test_run_pipeline (const char     *path,
                         NetlensRowSink  sink,
                         gpointer        sink_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensPcapReader) reader = netlens_pcap_reader_open (path, &error);
  NetlensPipelineConfig config;
  NetlensPipeline *pipeline;
  NetlensPcapRecord record;
  int link_type = -1;
  guint64 n = 0;

  g_assert_no_error (error);
  netlens_pipeline_config_init (&config);
  config.dpi = TRUE;
  config.n_workers = 2;
  pipeline = netlens_pipeline_new (&config);
  netlens_pipeline_set_row_sink (pipeline, sink, sink_data);
  while (netlens_pcap_reader_next (reader, &record, &error))
    {
      if (record.link_type != link_type)
        {
          link_type = record.link_type;
          g_assert_true (netlens_pipeline_set_link_type (pipeline, link_type));
        }
      netlens_pipeline_push_packet (pipeline, record.ts_us, record.caplen, record.wirelen,
                                    record.data);
      n++;
    }
  g_assert_no_error (error);
  netlens_pipeline_finish (pipeline);
  netlens_pipeline_free (pipeline);
  return n;
}

static G_GNUC_UNUSED char *
store_test_read_file (const char *path,
                      gsize      *len)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;

  g_file_get_contents (path, &data, len, &error);
  g_assert_no_error (error);
  return data;
}

/* Removes a temporary folder and its (flat) content. */
static G_GNUC_UNUSED void
store_test_rm_rf (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        store_test_rm_rf (path);
      else
        g_unlink (path);
    }
  g_dir_close (d);
  g_rmdir (dir);
}
