/* fuzz-pcap.c: a capture file (pcap or pcapng) read by the file source into a pipeline
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the file.  It is written to a memfd and read through /proc/self/fd, the way
 * `netlens --read FILE` reads a file, into a one-worker pipeline with DPI; every row it
 * ends is written as JSON, as the export does.  Read twice, by the block reader and through
 * libpcap (NETLENS_FILE_READ_LIBPCAP): the results must be the same.
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

  /* every row, in the order the (one) worker ended them */
  if (out->len < (1 << 20))
    netlens_connection_write_json (conn, out);
  netlens_connection_free (conn);
}

typedef struct
{
  gboolean ok;
  char    *error;
  char    *damage;
  guint64  damage_offset;
  guint64  packets;
  gint64   first_ts;
  gint64   last_ts;
  GString *rows;
} Reading;

static void
read_once (const char           *path,
           NetlensFileReadFlags  flags,
           Reading              *r)
{
  NetlensPipelineConfig config;
  g_autoptr(NetlensPipeline) pipeline = NULL;
  g_autoptr(GError) error = NULL;
  NetlensFileInfo info = { 0 };
  NetlensStats stats;

  netlens_pipeline_config_init (&config);
  config.n_workers = 1;
  config.dpi = TRUE;
  config.max_connections = 64;
  pipeline = netlens_pipeline_new (&config);
  r->rows = g_string_new (NULL);
  netlens_pipeline_set_row_sink (pipeline, row_sink, r->rows);
  r->ok = netlens_file_source_read_full (pipeline, path, flags, &info, NULL, NULL, NULL, &error);
  g_assert_true (r->ok == (error == NULL));
  netlens_pipeline_finish (pipeline);
  netlens_pipeline_get_stats (pipeline, &stats);
  g_assert_cmpuint (stats.connections_live, <=, 64);
  r->error = error != NULL ? g_strdup (error->message) : NULL;
  r->damage = info.damage != NULL ? g_strdup (info.damage->message) : NULL;
  r->damage_offset = info.damage_offset;
  r->packets = info.packets;
  r->first_ts = info.first_ts_us;
  r->last_ts = info.last_ts_us;
  netlens_file_info_clear (&info);
}

static void
reading_clear (Reading *r)
{
  g_free (r->error);
  g_free (r->damage);
  g_string_free (r->rows, TRUE);
}

int
netlens_fuzz_pcap (const guint8 *data,
                   gsize         size)
{
  g_autofree char *path = NULL;
  Reading blocks = { 0 }, ref = { 0 };
  int fd;

  if (size > 1 << 20)
    return 0;
  fd = memfd_create ("netlens-fuzz-pcap", MFD_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, data, size), ==, (gssize) size);
  path = g_strdup_printf ("/proc/self/fd/%d", fd);

  /* The block reader (classic pcap) and libpcap read the same records the same way. */
  read_once (path, NETLENS_FILE_READ_DEFAULT, &blocks);
  read_once (path, NETLENS_FILE_READ_LIBPCAP, &ref);
  g_assert_cmpint (blocks.ok, ==, ref.ok);
  g_assert_cmpstr (blocks.error, ==, ref.error);
  g_assert_cmpstr (blocks.damage, ==, ref.damage);
  g_assert_cmpuint (blocks.damage_offset, ==, ref.damage_offset);
  g_assert_cmpuint (blocks.packets, ==, ref.packets);
  g_assert_cmpint (blocks.first_ts, ==, ref.first_ts);
  g_assert_cmpint (blocks.last_ts, ==, ref.last_ts);
  g_assert_cmpstr (blocks.rows->str, ==, ref.rows->str);
  reading_clear (&blocks);
  reading_clear (&ref);
  close (fd);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_pcap)
