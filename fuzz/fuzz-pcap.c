/* fuzz-pcap.c: a capture file (pcap or pcapng) read by the file source into a pipeline
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the file.  It is written to a memfd and read through /proc/self/fd, the way
 * `netlens --read FILE` reads a file, into a one-worker pipeline with DPI; every row it
 * ends is written as JSON, as the export does.
 */

#define G_LOG_DOMAIN "netlens-fuzz"
#define _GNU_SOURCE 1  /* memfd_create */

#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include "netlens-export.h"
#include "netlens-file-source.h"
#include "netlens-fuzz.h"

static void
row_sink (NetlensConnection *conn,
          gpointer           user_data)
{
  GString *out = user_data;

  g_string_truncate (out, 0);
  netlens_connection_write_json (conn, out);
  netlens_connection_free (conn);
}

int
netlens_fuzz_pcap (const guint8 *data,
                   gsize         size)
{
  NetlensPipelineConfig config;
  g_autoptr(NetlensPipeline) pipeline = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  NetlensFileInfo info = { 0 };
  NetlensStats stats;
  gboolean ok;
  int fd;

  if (size > 1 << 20)
    return 0;
  fd = memfd_create ("netlens-fuzz-pcap", MFD_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, data, size), ==, (gssize) size);
  path = g_strdup_printf ("/proc/self/fd/%d", fd);

  netlens_pipeline_config_init (&config);
  config.n_workers = 1;
  config.dpi = TRUE;
  config.max_connections = 64;
  pipeline = netlens_pipeline_new (&config);
  netlens_pipeline_set_row_sink (pipeline, row_sink, out);
  ok = netlens_file_source_read (pipeline, path, &info, NULL, NULL, NULL, &error);
  g_assert_true (ok == (error == NULL));
  netlens_pipeline_finish (pipeline);
  netlens_pipeline_get_stats (pipeline, &stats);
  g_assert_cmpuint (stats.connections_live, <=, 64);
  netlens_file_info_clear (&info);
  close (fd);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_pcap)
