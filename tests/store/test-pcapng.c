/* test-pcapng.c: the annotated pcapng writer, the pcap/pcapng reader and Save Capture
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-test-pcapng"

#include "config.h"

#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "netlens-pcapng-writer.h"
#include "netlens-conn-table.h"
#include "netlens-dpi.h"
#include "store-test-common.h"

static char *tmp_dir;

static char *
temp_file (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* Runs a command line; returns its stdout, or NULL when the program is missing. */
static char *
run_tool (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *program = g_find_program_in_path (argv[0]);
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  if (program == NULL)
    return NULL;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
  return out;
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      n++;
  return n;
}

/* Every block of a pcapng file: 32-bit aligned, both lengths equal, the file made of them. */
static void
assert_well_formed (const char *path)
{
  g_autofree char *data = NULL;
  gsize len, offset = 0;
  guint n_blocks = 0;

  data = store_test_read_file (path, &len);
  g_assert_cmpuint (len % 4, ==, 0);
  while (offset < len)
    {
      guint32 total, trailer;

      g_assert_cmpuint (len - offset, >=, 12);
      memcpy (&total, data + offset + 4, 4);
      g_assert_cmpuint (total % 4, ==, 0);
      g_assert_cmpuint (total, >=, 12);
      g_assert_cmpuint (total, <=, len - offset);
      memcpy (&trailer, data + offset + total - 4, 4);
      g_assert_cmpuint (trailer, ==, total);
      offset += total;
      n_blocks++;
    }
  g_assert_cmpuint (offset, ==, len);
  g_assert_cmpuint (n_blocks, >=, 1);
}

static void
test_write_read (void)
{
  g_autofree char *path = temp_file ("write-read.pcapng");
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensPcapReader) reader = NULL;
  NetlensPcapngWriter *writer;
  NetlensPcapRecord record;
  const gint64 ts0 = G_GINT64_CONSTANT (1795168800123456);
  guint8 data[64];
  const char *comments[] = { "process firefox pid 1234 sni example.org", NULL, "",
                             "host \xff\xfe broken utf-8", "x" };
  int eth, raw;
  guint n = 0;

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i * 7 + 1);

  writer = netlens_pcapng_writer_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (netlens_pcapng_writer_set_drop_note (writer, "Packets were dropped: 12 by the kernel"));
  eth = netlens_pcapng_writer_add_interface (writer, 1, 262144, "eth0", 0, &error);
  g_assert_no_error (error);
  raw = netlens_pcapng_writer_add_interface (writer, 101, 65535, NULL, 9, &error);
  g_assert_no_error (error);
  g_assert_cmpint (eth, ==, 0);
  g_assert_cmpint (raw, ==, 1);
  /* too late for the section header */
  g_assert_false (netlens_pcapng_writer_set_drop_note (writer, "late"));

  /* every length modulo 4, with and without comments */
  for (guint i = 0; i < 10; i++)
    {
      g_assert_true (netlens_pcapng_writer_write_packet (writer, i % 2, ts0 + i * 1000, i,
                                                         100 + i, data,
                                                         comments[i % G_N_ELEMENTS (comments)],
                                                         &error));
      g_assert_no_error (error);
    }
  g_assert_false (netlens_pcapng_writer_write_packet (writer, 5, ts0, 1, 1, data, NULL, &error));
  g_assert_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_cmpuint (netlens_pcapng_writer_get_n_packets (writer), ==, 10);
  g_assert_true (netlens_pcapng_writer_close (writer, &error));
  g_assert_no_error (error);
  assert_well_formed (path);

  reader = netlens_pcap_reader_open (path, &error);
  g_assert_no_error (error);
  while (netlens_pcap_reader_next (reader, &record, &error))
    {
      const char *expected = comments[n % G_N_ELEMENTS (comments)];

      g_assert_cmpuint (record.interface_id, ==, n % 2);
      g_assert_cmpint (record.link_type, ==, n % 2 ? 101 : 1);
      g_assert_cmpuint (record.snaplen, ==, n % 2 ? 65535 : 262144);
      g_assert_cmpuint (record.tsresol, ==, n % 2 ? 9 : 6);
      g_assert_cmpint (record.ts_us, ==, ts0 + n * 1000);
      g_assert_cmpuint (record.ts_units, ==, (guint64) (ts0 + n * 1000) * (n % 2 ? 1000 : 1));
      g_assert_cmpuint (record.caplen, ==, n);
      g_assert_cmpuint (record.wirelen, ==, 100 + n);
      g_assert_cmpmem (record.data, record.caplen, data, n);
      if (expected == NULL || expected[0] == '\0')
        g_assert_null (record.comment);
      else if (g_utf8_validate (expected, -1, NULL))
        g_assert_cmpstr (record.comment, ==, expected);
      else
        {
          g_assert_true (g_utf8_validate (record.comment, -1, NULL));
          g_assert_true (g_str_has_prefix (record.comment, "host "));
        }
      n++;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 10);
  g_assert_false (netlens_pcap_reader_was_truncated (reader));
  g_assert_cmpstr (netlens_pcap_reader_get_section_comment (reader), ==,
                   "Packets were dropped: 12 by the kernel");
  g_assert_cmpuint (netlens_pcap_reader_get_n_interfaces (reader), ==, 2);

  /* Wireshark agrees */
  {
    const char *argv[] = { "tshark", "-r", path, "-T", "fields", "-e", "frame.comment",
                           "-e", "frame.len", NULL };
    const char *capinfos[] = { "capinfos", "-k", path, NULL };
    g_autofree char *out = run_tool (argv);
    g_autofree char *info = run_tool (capinfos);

    if (out == NULL)
      {
        g_test_message ("tshark is not installed: not checked with Wireshark");
        return;
      }
    g_test_message ("%s", out);
    g_assert_cmpuint (count_lines (out), ==, 10);
    g_assert_true (g_str_has_prefix (out, "process firefox pid 1234 sni example.org\t100\n"));
    g_assert_nonnull (strstr (out, "\n\t101\n"));
    if (info != NULL)
      g_assert_nonnull (strstr (info, "Packets were dropped: 12 by the kernel"));
  }
}

static void
test_size_cap (void)
{
  g_autofree char *path = temp_file ("capped.pcapng");
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensPcapReader) reader = NULL;
  NetlensPcapngWriter *writer;
  NetlensPcapRecord record;
  guint8 data[1500] = { 0 };
  guint64 written, skipped;
  guint n = 0;

  writer = netlens_pcapng_writer_new (path, &error);
  g_assert_no_error (error);
  netlens_pcapng_writer_set_max_bytes (writer, 100 * 1000);
  g_assert_cmpint (netlens_pcapng_writer_add_interface (writer, 1, 1500, NULL, 6, &error), ==, 0);
  for (guint i = 0; i < 200; i++)
    g_assert_true (netlens_pcapng_writer_write_packet (writer, 0, 1000 + i, sizeof data,
                                                       sizeof data, data, NULL, &error));
  written = netlens_pcapng_writer_get_n_packets (writer);
  skipped = netlens_pcapng_writer_get_n_skipped (writer);
  g_assert_cmpuint (written + skipped, ==, 200);
  g_assert_cmpuint (written, >, 50);
  g_assert_cmpuint (skipped, >, 0);
  g_assert_cmpuint (netlens_pcapng_writer_get_size (writer), <=, 100 * 1000);
  g_assert_true (netlens_pcapng_writer_close (writer, &error));

  reader = netlens_pcap_reader_open (path, &error);
  g_assert_no_error (error);
  while (netlens_pcap_reader_next (reader, &record, &error))
    n++;
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, written);
}

/* A spool read while (or after) it was cut: whole blocks are packets, the cut one ends it. */
static void
test_truncated_and_damaged (void)
{
  g_autofree char *path = temp_file ("cut.pcapng");
  g_autofree char *cut = temp_file ("cut-short.pcapng");
  g_autofree char *bad = temp_file ("bad-length.pcapng");
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  NetlensPcapngWriter *writer;
  NetlensPcapReader *reader;
  NetlensPcapRecord record;
  guint8 payload[40] = { 1, 2, 3 };
  gsize len;
  guint32 bogus = 13;
  guint n = 0;

  writer = netlens_pcapng_writer_new (path, &error);
  g_assert_no_error (error);
  netlens_pcapng_writer_add_interface (writer, 1, 65535, NULL, 0, &error);
  for (guint i = 0; i < 10; i++)
    netlens_pcapng_writer_write_packet (writer, 0, 1000 + i, sizeof payload, sizeof payload,
                                        payload, "c", &error);
  g_assert_true (netlens_pcapng_writer_close (writer, &error));
  data = store_test_read_file (path, &len);

  g_assert_true (g_file_set_contents (cut, data, len - 10, NULL));
  reader = netlens_pcap_reader_open (cut, &error);
  g_assert_no_error (error);
  while (netlens_pcap_reader_next (reader, &record, &error))
    n++;
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 9);
  g_assert_true (netlens_pcap_reader_was_truncated (reader));
  netlens_pcap_reader_free (reader);

  /* the third packet block's length made odd */
  {
    /* find the blocks: SHB, IDB, then EPBs of equal size */
    guint32 shb, idb, epb;
    memcpy (&shb, data + 4, 4);
    memcpy (&idb, data + shb + 4, 4);
    memcpy (&epb, data + shb + idb + 4, 4);
    memcpy (data + shb + idb + 2 * epb + 4, &bogus, 4);
  }
  g_assert_true (g_file_set_contents (bad, data, len, NULL));
  n = 0;
  reader = netlens_pcap_reader_open (bad, &error);
  g_assert_no_error (error);
  while (netlens_pcap_reader_next (reader, &record, &error))
    n++;
  g_assert_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_FORMAT);
  g_assert_cmpuint (n, ==, 2);
  g_clear_error (&error);
  netlens_pcap_reader_free (reader);

  /* not a capture */
  g_assert_true (g_file_set_contents (bad, "hello, this is text\n", -1, NULL));
  g_assert_null (netlens_pcap_reader_open (bad, &error));
  g_assert_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_FORMAT);
}

static guint64
oracle_packet_count (const char *capture_name)
{
  const char *dir = g_getenv ("NETLENS_CORPUS");
  g_autofree char *path = NULL;
  g_autofree char *json = NULL;
  const char *p;

  if (dir == NULL)
    dir = "/work/shared/corpus";
  path = g_strdup_printf ("%s/expected/%s.json", dir, capture_name);
  if (!g_file_get_contents (path, &json, NULL, NULL))
    return G_MAXUINT64;
  p = strstr (json, "\"packet_count\":");
  if (p == NULL)
    return G_MAXUINT64;
  return g_ascii_strtoull (p + strlen ("\"packet_count\":"), NULL, 10);
}

/* The reader counts the packets of every corpus capture as tshark did. */
static void
test_read_corpus (void)
{
  const char *dir = g_getenv ("NETLENS_CORPUS");
  g_autofree char *captures = NULL;
  GDir *d;
  const char *name;
  guint n_files = 0;

  if (dir == NULL)
    dir = "/work/shared/corpus";
  captures = g_build_filename (dir, "captures", NULL);
  d = g_dir_open (captures, 0, NULL);
  if (d == NULL)
    {
      g_test_skip ("corpus not found");
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (captures, name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(NetlensPcapReader) reader = netlens_pcap_reader_open (path, &error);
      guint64 expected = oracle_packet_count (name);
      NetlensPcapRecord record;
      guint64 n = 0;

      g_assert_no_error (error);
      while (netlens_pcap_reader_next (reader, &record, &error))
        {
          g_assert_cmpuint (record.caplen, <=, record.wirelen);
          n++;
        }
      g_assert_no_error (error);
      g_assert_false (netlens_pcap_reader_was_truncated (reader));
      if (expected != G_MAXUINT64)
        {
          if (n != expected)
            g_error ("%s: %" G_GUINT64_FORMAT " packets read, tshark counted %" G_GUINT64_FORMAT,
                     name, n, expected);
          n_files++;
        }
    }
  g_dir_close (d);
  g_test_message ("%u captures read with the packet counts of the oracle", n_files);
  g_assert_cmpuint (n_files, >, 10);
}

/* Damaged input never makes the reader read out of bounds (run under ASan to be sure):
 * random bytes changed, random cuts. */
static void
test_mutations (void)
{
  const char *files[] = { "ndpi-http.pcapng", "zeek-chrome-34-google.pcap", "zeek-vlan-pcp-dei.pcapng" };
  g_autofree char *path = temp_file ("mutated");
  guint n_files = 0, n_errors = 0, n_packets = 0;

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *capture = store_test_corpus_file (files[f]);
      g_autofree char *original = NULL;
      gsize len;

      if (capture == NULL)
        continue;
      n_files++;
      original = store_test_read_file (capture, &len);
      for (guint round = 0; round < 400; round++)
        {
          g_autofree char *data = g_memdup2 (original, len);
          gsize cut = len;
          g_autoptr(GError) error = NULL;
          NetlensPcapReader *reader;
          NetlensPcapRecord record;
          guint n_changes = g_test_rand_int_range (1, 9);

          for (guint k = 0; k < n_changes; k++)
            {
              /* mostly in the headers, where the lengths are */
              gsize at = g_test_rand_bit () ? (gsize) g_test_rand_int_range (0, MIN (len, 64))
                                            : (gsize) g_test_rand_int_range (0, (gint32) len);
              data[at] = (char) g_test_rand_int ();
            }
          if (g_test_rand_int_range (0, 4) == 0)
            cut = g_test_rand_int_range (0, (gint32) len);
          g_assert_true (g_file_set_contents (path, data, cut, NULL));

          reader = netlens_pcap_reader_open (path, &error);
          if (reader == NULL)
            {
              g_assert_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_FORMAT);
              n_errors++;
              continue;
            }
          while (netlens_pcap_reader_next (reader, &record, &error))
            {
              guint8 sum = 0;
              g_assert_cmpuint (record.caplen, <=, record.wirelen);
              for (guint32 i = 0; i < record.caplen; i++)
                sum ^= record.data[i];
              (void) sum;
              if (record.comment != NULL)
                g_assert_true (g_utf8_validate (record.comment, -1, NULL));
              n_packets++;
            }
          if (error != NULL)
            n_errors++;
          netlens_pcap_reader_free (reader);
        }
    }
  if (n_files == 0)
    g_test_skip ("corpus not found");
  g_test_message ("%u damaged files refused, %u packets read", n_errors, n_packets);
}

typedef struct
{
  NetlensPcapngAnnotations *annotations;
  guint                     rows;
} AnnotationSink;

/* Rows as the GUI has them: a program attributed to each. */
static void
annotation_sink (NetlensConnection *conn,
                 gpointer           data)
{
  AnnotationSink *sink = data;

  if (conn->process == NULL)
    {
      conn->process = netlens_owner_new ();
      conn->process->pid = 1234;
      conn->process->name = g_strdup ("firefox");
    }
  netlens_pcapng_annotations_add (sink->annotations, conn);
  sink->rows++;
  netlens_connection_free (conn);
}

static void
check_annotate (const char *capture_name,
                const char *expected_name)
{
  g_autofree char *capture = store_test_corpus_file (capture_name);
  g_autofree char *out = NULL;
  g_autofree char *spool_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensPcapngAnnotations) annotations = netlens_pcapng_annotations_new ();
  g_autoptr(NetlensPcapReader) reader = NULL;
  NetlensPcapngAnnotateStats stats = { 0 };
  NetlensPcapngWriter *spool;
  NetlensPcapRecord record;
  AnnotationSink sink = { annotations, 0 };
  guint64 n_source = 0, n_out = 0, n_comments = 0, n_named = 0;
  const char *note = "Packets were dropped: 3 by the kernel, 1 by Netlens";

  if (capture == NULL)
    {
      g_test_skip ("corpus not found");
      return;
    }
  out = g_strdup_printf ("%s/%s.annotated.pcapng", tmp_dir, capture_name);

  /* the reader spools the raw packets, as the capture goes */
  spool = netlens_pcapng_writer_new_spool (&error);
  g_assert_no_error (error);
  spool_path = g_strdup (netlens_pcapng_writer_get_path (spool));
  g_assert_true (g_str_has_prefix (spool_path, tmp_dir));
  /* a spool left by a process that died goes when the next one is made; a held one stays */
  {
    g_autofree char *dir = g_path_get_dirname (spool_path);
    g_autofree char *stale = g_build_filename (dir, "spool-stale1.pcapng", NULL);
    NetlensPcapngWriter *second;

    g_assert_true (g_file_set_contents (stale, "left behind", -1, NULL));
    second = netlens_pcapng_writer_new_spool (&error);
    g_assert_no_error (error);
    g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (spool_path, G_FILE_TEST_EXISTS));
    g_unlink (netlens_pcapng_writer_get_path (second));
    netlens_pcapng_writer_free (second);
  }
  reader = netlens_pcap_reader_open (capture, &error);
  g_assert_no_error (error);
  while (netlens_pcap_reader_next (reader, &record, &error))
    {
      if (n_source == 0)
        g_assert_cmpint (netlens_pcapng_writer_add_interface (spool, record.link_type,
                                                              record.snaplen, NULL,
                                                              record.tsresol, &error), ==, 0);
      g_assert_true (netlens_pcapng_writer_write_packet_raw (spool, 0, record.ts_units,
                                                             record.caplen, record.wirelen,
                                                             record.data, NULL, &error));
      n_source++;
    }
  g_assert_no_error (error);
  g_assert_true (netlens_pcapng_writer_close (spool, &error));

  /* the rows of the same packets */
  store_test_run_pipeline (capture, annotation_sink, &sink);
  g_assert_cmpuint (sink.rows, >, 0);
  g_assert_cmpuint (netlens_pcapng_annotations_size (annotations), >, 0);

  g_assert_true (netlens_pcapng_annotate (spool_path, out, note, netlens_pcapng_annotations_lookup,
                                          annotations, &stats, &error));
  g_assert_no_error (error);
  g_test_message ("%s: %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT " annotated, %u rows",
                  capture_name, stats.packets, stats.annotated, sink.rows);
  g_assert_cmpuint (stats.packets, ==, n_source);
  g_assert_cmpuint (stats.annotated, >, 0);
  g_assert_false (stats.truncated);
  assert_well_formed (out);

  /* our reader: the same packets, with comments */
  g_clear_pointer (&reader, netlens_pcap_reader_free);
  reader = netlens_pcap_reader_open (out, &error);
  g_assert_no_error (error);
  while (netlens_pcap_reader_next (reader, &record, &error))
    {
      n_out++;
      if (record.comment != NULL)
        {
          n_comments++;
          g_assert_true (g_str_has_prefix (record.comment, "process firefox pid 1234"));
          if (expected_name != NULL && strstr (record.comment, expected_name) != NULL)
            n_named++;
        }
    }
  g_assert_no_error (error);
  g_assert_cmpuint (n_out, ==, n_source);
  g_assert_cmpuint (n_comments, ==, stats.annotated);
  if (expected_name != NULL)
    g_assert_cmpuint (n_named, >, 0);
  g_assert_cmpstr (netlens_pcap_reader_get_section_comment (reader), ==, note);

  /* Wireshark: the same packet count, times and lengths as the source, and the comments */
  {
    const char *out_argv[] = { "tshark", "-r", out, "-T", "fields", "-e", "frame.time_epoch",
                               "-e", "frame.len", "-e", "frame.comment", NULL };
    const char *src_argv[] = { "tshark", "-r", capture, "-T", "fields", "-e", "frame.time_epoch",
                               "-e", "frame.len", NULL };
    const char *capinfos[] = { "capinfos", "-k", out, NULL };
    g_autofree char *out_text = run_tool (out_argv);
    g_autofree char *src_text = NULL;
    g_autofree char *info = NULL;
    g_auto(GStrv) out_lines = NULL;
    g_auto(GStrv) src_lines = NULL;
    guint lines_with_comment = 0, named = 0;

    if (out_text == NULL)
      {
        g_test_message ("tshark is not installed: not checked with Wireshark");
        g_unlink (spool_path);
        return;
      }
    src_text = run_tool (src_argv);
    g_assert_cmpuint (count_lines (out_text), ==, n_source);
    g_assert_cmpuint (count_lines (src_text), ==, n_source);
    out_lines = g_strsplit (out_text, "\n", -1);
    src_lines = g_strsplit (src_text, "\n", -1);
    for (guint i = 0; i < n_source; i++)
      {
        g_auto(GStrv) fields = g_strsplit (out_lines[i], "\t", 3);
        g_autofree char *time_len = NULL;

        g_assert_cmpuint (g_strv_length (fields), ==, 3);
        time_len = g_strconcat (fields[0], "\t", fields[1], NULL);
        /* the same time (to the nanosecond where the source has it) and length */
        g_assert_cmpstr (time_len, ==, src_lines[i]);
        if (fields[2][0] != '\0')
          {
            lines_with_comment++;
            g_assert_true (g_str_has_prefix (fields[2], "process firefox pid 1234"));
            if (expected_name != NULL && strstr (fields[2], expected_name) != NULL)
              named++;
          }
      }
    g_assert_cmpuint (lines_with_comment, ==, stats.annotated);
    if (expected_name != NULL)
      g_assert_cmpuint (named, >, 0);

    info = run_tool (capinfos);
    if (info != NULL)
      g_assert_nonnull (strstr (info, note));
  }
  /* saving over the spool itself is refused, and leaves it whole */
  {
    gsize before, after;
    g_autofree char *a = store_test_read_file (spool_path, &before);
    g_autofree char *b = NULL;
    g_autoptr(GError) same_error = NULL;

    g_assert_false (netlens_pcapng_annotate (spool_path, spool_path, NULL, NULL, NULL, NULL,
                                             &same_error));
    g_assert_error (same_error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_USAGE);
    b = store_test_read_file (spool_path, &after);
    g_assert_cmpmem (a, before, b, after);
  }
  g_unlink (spool_path);
}

static void
test_annotate_tls (void)
{
  check_annotate ("zeek-chrome-34-google.pcap", "sni ");
}

static void
test_annotate_http (void)
{
  check_annotate ("ndpi-http.pcapng", "host ");
}

static void
test_annotate_nanoseconds (void)
{
  check_annotate ("tcpdump-tcp-handshake-nano.pcap", NULL);
}

static void
test_comment_text (void)
{
  NetlensConnection *conn = g_new0 (NetlensConnection, 1);
  g_autofree char *none = netlens_pcapng_comment_for_connection (conn);
  g_autofree char *named = NULL;
  g_autofree char *full = NULL;

  g_assert_null (none);
  conn->dns_name = g_ref_string_new ("dns.example");
  named = netlens_pcapng_comment_for_connection (conn);
  g_assert_cmpstr (named, ==, "name dns.example");
  conn->process = netlens_owner_new ();
  conn->process->pid = 42;
  conn->process->name = g_strdup ("curl");
  full = netlens_pcapng_comment_for_connection (conn);
  g_assert_cmpstr (full, ==, "process curl pid 42 name dns.example");
  netlens_connection_free (conn);
}

static void
test_drop_note (void)
{
  g_autofree char *none = netlens_pcapng_drop_note (0, 0, 0, 0);
  g_autofree char *kernel = netlens_pcapng_drop_note (12, 0, 0, 0);
  g_autofree char *all = netlens_pcapng_drop_note (12, 3, 5, 100);
  g_autofree char *spool = netlens_pcapng_drop_note (0, 0, 0, 1);

  g_assert_null (none);
  g_assert_cmpstr (kernel, ==, "Packets were dropped: 12 by the kernel");
  g_assert_cmpstr (all, ==, "Packets were dropped: 12 by the kernel, 3 by the interface, "
                   "5 by Netlens (queue full); 100 packets were not saved (the spool reached "
                   "its size limit)");
  g_assert_cmpstr (spool, ==, "1 packet was not saved (the spool reached its size limit)");
}

/* Two generations of one flow: each packet gets the comment of its own row. */
static void
test_lookup_by_time (void)
{
  g_autoptr(NetlensPcapngAnnotations) annotations = netlens_pcapng_annotations_new ();
  NetlensConnection *a = g_new0 (NetlensConnection, 1);
  NetlensConnection *b;
  NetlensFlowKey reversed;

  a->key.proto = NETLENS_PROTO_TCP;
  a->key.family = NETLENS_FAMILY_IPV4;
  a->key.lport = 1000;
  a->key.rport = 80;
  a->first_seen = 100;
  a->last_seen = 200;
  a->process = netlens_owner_new ();
  a->process->pid = 1;
  a->process->name = g_strdup ("one");
  b = netlens_connection_snapshot (a);
  g_clear_pointer (&b->process, netlens_owner_unref);
  b->process = netlens_owner_new ();
  b->process->pid = 2;
  b->process->name = g_strdup ("two");
  b->first_seen = 300;
  b->last_seen = 400;
  netlens_pcapng_annotations_add (annotations, a);
  netlens_pcapng_annotations_add (annotations, b);
  /* refreshed, not added */
  a->last_seen = 250;
  netlens_pcapng_annotations_add (annotations, a);

  g_assert_cmpstr (netlens_pcapng_annotations_lookup (&a->key, 150, annotations), ==,
                   "process one pid 1");
  g_assert_cmpstr (netlens_pcapng_annotations_lookup (&a->key, 240, annotations), ==,
                   "process one pid 1");
  g_assert_cmpstr (netlens_pcapng_annotations_lookup (&a->key, 350, annotations), ==,
                   "process two pid 2");
  g_assert_cmpstr (netlens_pcapng_annotations_lookup (&a->key, 1000, annotations), ==,
                   "process two pid 2");
  /* a refresh with a new comment (the SNI learned later): a save holding the old one can
   * still read it (ASan would see a use after free) */
  {
    const char *held = netlens_pcapng_annotations_lookup (&a->key, 150, annotations);
    g_free (a->process->name);
    a->process->name = g_strdup ("renamed");
    netlens_pcapng_annotations_add (annotations, a);
    g_assert_cmpstr (held, ==, "process one pid 1");
    g_assert_cmpstr (netlens_pcapng_annotations_lookup (&a->key, 150, annotations), ==,
                     "process renamed pid 1");
  }
  netlens_flow_key_reverse (&a->key, &reversed);
  g_assert_null (netlens_pcapng_annotations_lookup (&reversed, 150, annotations));
  g_assert_cmpuint (netlens_pcapng_annotations_size (annotations), ==, 1);

  /* pruning follows the spool: the first generation goes, then the key */
  netlens_pcapng_annotations_prune (annotations, 260);
  g_assert_cmpstr (netlens_pcapng_annotations_lookup (&a->key, 150, annotations), ==,
                   "process two pid 2");
  g_assert_cmpuint (netlens_pcapng_annotations_size (annotations), ==, 1);
  netlens_pcapng_annotations_prune (annotations, 401);
  g_assert_null (netlens_pcapng_annotations_lookup (&a->key, 350, annotations));
  g_assert_cmpuint (netlens_pcapng_annotations_size (annotations), ==, 0);
  netlens_connection_free (a);
  netlens_connection_free (b);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  tmp_dir = g_dir_make_tmp ("netlens-pcapng-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);
  /* the spool goes to the user cache folder: ours for the test */
  g_setenv ("XDG_CACHE_HOME", tmp_dir, TRUE);

  g_test_add_func ("/pcapng/write-read", test_write_read);
  g_test_add_func ("/pcapng/size-cap", test_size_cap);
  g_test_add_func ("/pcapng/truncated-and-damaged", test_truncated_and_damaged);
  g_test_add_func ("/pcapng/read-corpus", test_read_corpus);
  g_test_add_func ("/pcapng/mutations", test_mutations);
  g_test_add_func ("/pcapng/comment-text", test_comment_text);
  g_test_add_func ("/pcapng/drop-note", test_drop_note);
  g_test_add_func ("/pcapng/lookup-by-time", test_lookup_by_time);
  g_test_add_func ("/pcapng/annotate-tls", test_annotate_tls);
  g_test_add_func ("/pcapng/annotate-http", test_annotate_http);
  g_test_add_func ("/pcapng/annotate-nanoseconds", test_annotate_nanoseconds);

  ret = g_test_run ();
  store_test_rm_rf (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
