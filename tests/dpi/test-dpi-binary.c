/* test-dpi-binary.c: the compact binary form of the DPI results against their JSON
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For every row of every corpus capture and of a generated capture, the JSON of the results
 * read back from their binary form is the JSON of the results, byte for byte; two hand-made
 * records set every field the JSON carries (so that a field the encoder drops fails here even
 * where no capture has it); cut, damaged and hostile encodings are errors, never crashes.
 *
 * NETLENS_DPI_BINARY_CAPTURE=FILE: also measure FILE (sizes, encode times; not run by CI).
 * NETLENS_DPI_BINARY_SEEDS=DIR: write the encodings used here into DIR (fuzz/seeds/dpi-binary).
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "netlens-dpi-private.h"
#include "netlens-file-source.h"
#include "netlens-test-corpus.h"

typedef struct
{
  GMutex      lock;
  guint       rows;
  guint       with_dpi;
  guint64     json_bytes;      /* of rows with DPI results */
  guint64     binary_bytes;
  guint64     by_section[128][3];  /* sections byte -> rows, JSON bytes, binary bytes */
  char       *mismatch;        /* the first row that did not round-trip */
  GPtrArray  *samples;         /* GBytes: the first encoding of each section mix */
  guint8      seen[128];
  GPtrArray  *keep;            /* NetlensDpi copies for timing, or NULL */
} Check;

static const char *const section_names[] = { "http", "tls", "dns", "ssh", "quic", "icmp", "arp" };

static void
dump_seed (const guint8 *data, gsize len)
{
  const char *dir = g_getenv ("NETLENS_DPI_BINARY_SEEDS");
  g_autofree char *sum = NULL;
  g_autofree char *path = NULL;

  if (dir == NULL)
    return;
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA1, data, len);
  path = g_build_filename (dir, sum, NULL);
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) len, NULL));
}

static void
check_init (Check *c, gboolean keep)
{
  memset (c, 0, sizeof *c);
  g_mutex_init (&c->lock);
  c->samples = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  if (keep)
    c->keep = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_dpi_free);
}

static void
check_clear (Check *c)
{
  g_free (c->mismatch);
  g_ptr_array_unref (c->samples);
  if (c->keep != NULL)
    g_ptr_array_unref (c->keep);
  g_mutex_clear (&c->lock);
}

/* JSON (from_binary (write_binary (DPI))) == JSON (DPI); the binary's size, or 0. */
static gsize
round_trip (const NetlensDpi        *dpi,
            const NetlensConnection *conn,
            GString                 *json,
            GByteArray             **binary_out,
            char                   **mismatch)
{
  g_autoptr(GString) back = g_string_new (NULL);
  g_autoptr(GByteArray) binary = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  NetlensDpi *read;
  gsize len;

  g_string_truncate (json, 0);
  netlens_dpi_write_json (dpi, json);
  netlens_dpi_write_binary (dpi, binary);
  read = netlens_dpi_from_binary (binary->data, binary->len, conn, &error);
  if (read == NULL)
    {
      *mismatch = g_strdup_printf ("%s\nnot read back: %s", json->str, error->message);
      return 0;
    }
  netlens_dpi_write_json (read, back);
  netlens_dpi_free (read);
  if (!g_str_equal (back->str, json->str))
    {
      *mismatch = g_strdup_printf ("%s\nread back as\n%s", json->str, back->str);
      return 0;
    }
  len = binary->len;
  if (binary_out != NULL)
    *binary_out = g_steal_pointer (&binary);
  return len;
}

static void
check_sink (NetlensConnection *conn,
            gpointer           data)
{
  Check *c = data;
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(GByteArray) binary = NULL;
  char *mismatch = NULL;
  gsize len = round_trip (conn->dpi, conn, json, &binary, &mismatch);

  g_mutex_lock (&c->lock);
  c->rows++;
  if (mismatch != NULL)
    {
      if (c->mismatch == NULL)
        c->mismatch = mismatch;
      else
        g_free (mismatch);
    }
  else if (binary->data[1] != 0)
    {
      guint s = binary->data[1];

      c->with_dpi++;
      c->json_bytes += json->len;
      c->binary_bytes += len;
      c->by_section[s][0]++;
      c->by_section[s][1] += json->len;
      c->by_section[s][2] += len;
      if (!c->seen[s])
        {
          c->seen[s] = TRUE;
          g_ptr_array_add (c->samples, g_bytes_new (binary->data, binary->len));
          dump_seed (binary->data, binary->len);
        }
      if (c->keep != NULL)
        g_ptr_array_add (c->keep, netlens_dpi_copy_results (conn->dpi));
    }
  g_mutex_unlock (&c->lock);
  netlens_connection_free (conn);  /* the sink owns the snapshot */
}

static void
run_capture (const char *path,
             Check      *c)
{
  NetlensPipelineConfig config;
  g_autoptr(NetlensPipeline) pipeline = NULL;
  g_autoptr(GError) error = NULL;
  NetlensFileInfo info = { 0 };

  netlens_pipeline_config_init (&config);
  config.dpi = TRUE;
  config.n_workers = 2;
  pipeline = netlens_pipeline_new (&config);
  netlens_pipeline_set_row_sink (pipeline, check_sink, c);
  if (!netlens_file_source_read (pipeline, path, &info, NULL, NULL, NULL, &error))
    g_error ("%s: %s", path, error->message);
  netlens_pipeline_finish (pipeline);
  netlens_file_info_clear (&info);
  if (c->mismatch != NULL)
    g_error ("%s: a row's DPI JSON does not survive the binary form:\n%s", path, c->mismatch);
}

/* One line; with BY_KIND (measuring, or --verbose) one more per mix of protocols. */
static void
report_sizes (const char *what, const Check *c, gboolean by_kind)
{
  g_test_message ("%s: %u rows, %u with DPI results: JSON %.1f bytes/row, binary %.1f",
                  what, c->rows, c->with_dpi,
                  c->with_dpi ? (double) c->json_bytes / c->with_dpi : 0.0,
                  c->with_dpi ? (double) c->binary_bytes / c->with_dpi : 0.0);
  for (guint s = 1; s < 128 && (by_kind || g_test_verbose ()); s++)
    if (c->by_section[s][0] > 0)
      {
        g_autoptr(GString) name = g_string_new (NULL);

        for (guint i = 0; i < G_N_ELEMENTS (section_names); i++)
          if (s & (1u << i))
            g_string_append_printf (name, "%s%s", name->len ? "+" : "", section_names[i]);
        g_test_message ("  %-10s %6" G_GUINT64_FORMAT " rows: JSON %.1f, binary %.1f", name->str,
                        c->by_section[s][0], (double) c->by_section[s][1] / c->by_section[s][0],
                        (double) c->by_section[s][2] / c->by_section[s][0]);
      }
}

/* Every cut of a real encoding is an error; so may be any damaged byte, but never a crash. */
static void
check_damage (GPtrArray *samples)
{
  static const guint8 values[] = { 0x00, 0x01, 0x03, 0x7f, 0x80, 0xff };

  for (guint i = 0; i < samples->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (samples, i), &len);
      g_autofree guint8 *copy = g_memdup2 (data, len);

      for (gsize n = 0; n < len; n++)
        {
          g_autoptr(GError) error = NULL;
          /* a copy of exactly N bytes: ASan sees any read past it */
          g_autofree guint8 *cut = g_memdup2 (data, MAX (n, 1));

          g_assert_null (netlens_dpi_from_binary (cut, n, NULL, &error));
          g_assert_error (error, NETLENS_DPI_BINARY_ERROR, NETLENS_DPI_BINARY_ERROR_MALFORMED);
        }
      for (gsize n = 1; n < len; n++)
        for (guint v = 0; v < G_N_ELEMENTS (values); v++)
          {
            g_autoptr(GError) error = NULL;
            guint8 was = copy[n];
            NetlensDpi *dpi;

            copy[n] = values[v];
            dpi = netlens_dpi_from_binary (copy, len, NULL, &error);
            g_assert_true ((dpi == NULL) == (error != NULL));
            netlens_dpi_free (dpi);
            copy[n] = was;
          }
    }
}

static void
test_corpus (void)
{
  const char *dir;
  g_autoptr(GPtrArray) names = NULL;
  Check c;

  if (!netlens_test_corpus_available (&dir))
    return;
  names = netlens_test_corpus_captures (dir);
  check_init (&c, FALSE);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, "captures",
                                                (char *) g_ptr_array_index (names, i), NULL);

      run_capture (path, &c);
    }
  report_sizes ("corpus", &c, FALSE);
  g_assert_cmpuint (names->len, >, 50);
  g_assert_cmpuint (c.with_dpi, >, 100);
  /* every protocol's section was seen in some row */
  for (guint i = 0; i < G_N_ELEMENTS (section_names); i++)
    {
      gboolean seen = FALSE;

      for (guint s = 0; s < 128; s++)
        seen |= (s & (1u << i)) && c.seen[s];
      if (!seen)
        g_error ("no %s results in the corpus", section_names[i]);
    }
  check_damage (c.samples);
  check_clear (&c);
}

/* ns per row, the best of 5 rounds (the machine is shared) */
static void
time_rows (GPtrArray *dpis, double ns[3])
{
  g_autoptr(GString) json = g_string_sized_new (4096);
  g_autoptr(GByteArray) binary = g_byte_array_sized_new (4096);
  guint reps = MAX (1, 40000 / MAX (dpis->len, 1));

  ns[0] = ns[1] = ns[2] = G_MAXDOUBLE;
  for (guint round = 0; round < 5 && dpis->len > 0; round++)
    {
      gint64 t0, t1, t2, t3;

      t0 = g_get_monotonic_time ();
      for (guint r = 0; r < reps; r++)
        for (guint i = 0; i < dpis->len; i++)
          {
            g_string_truncate (json, 0);
            netlens_dpi_write_json (g_ptr_array_index (dpis, i), json);
          }
      t1 = g_get_monotonic_time ();
      for (guint r = 0; r < reps; r++)
        for (guint i = 0; i < dpis->len; i++)
          {
            g_byte_array_set_size (binary, 0);
            netlens_dpi_write_binary (g_ptr_array_index (dpis, i), binary);
          }
      t2 = g_get_monotonic_time ();
      for (guint r = 0; r < reps; r++)
        for (guint i = 0; i < dpis->len; i++)
          {
            g_byte_array_set_size (binary, 0);
            netlens_dpi_write_binary (g_ptr_array_index (dpis, i), binary);
            netlens_dpi_free (netlens_dpi_from_binary (binary->data, binary->len, NULL, NULL));
          }
      t3 = g_get_monotonic_time ();
      ns[0] = MIN (ns[0], 1000.0 * (t1 - t0) / ((double) reps * dpis->len));
      ns[1] = MIN (ns[1], 1000.0 * (t2 - t1) / ((double) reps * dpis->len));
      ns[2] = MIN (ns[2], 1000.0 * (t3 - t2) / ((double) reps * dpis->len) - ns[1]);
    }
}

static void
time_encoders (const char *what, GPtrArray *dpis, gboolean by_section)
{
  g_autoptr(GByteArray) binary = g_byte_array_new ();
  GPtrArray *groups[128] = { NULL, };
  double ns[3];

  time_rows (dpis, ns);
  if (dpis->len > 0)
    g_test_message ("%s: per row: JSON encode %.0f ns, binary encode %.0f ns, binary decode %.0f ns",
                    what, ns[0], ns[1], ns[2]);
  for (guint i = 0; by_section && i < dpis->len; i++)
    {
      g_byte_array_set_size (binary, 0);
      netlens_dpi_write_binary (g_ptr_array_index (dpis, i), binary);
      if (groups[binary->data[1]] == NULL)
        groups[binary->data[1]] = g_ptr_array_new ();
      g_ptr_array_add (groups[binary->data[1]], g_ptr_array_index (dpis, i));
    }
  for (guint s = 0; s < 128; s++)
    if (groups[s] != NULL)
      {
        g_autoptr(GString) name = g_string_new (NULL);

        for (guint i = 0; i < G_N_ELEMENTS (section_names); i++)
          if (s & (1u << i))
            g_string_append_printf (name, "%s%s", name->len ? "+" : "", section_names[i]);
        time_rows (groups[s], ns);
        g_test_message ("  %-10s JSON encode %5.0f ns, binary encode %5.0f ns, decode %5.0f ns",
                        name->str, ns[0], ns[1], ns[2]);
        g_ptr_array_unref (groups[s]);
      }
}

static void
test_generated (void)
{
  const char *build = g_getenv ("NETLENS_BUILD_ROOT");
  g_autofree char *gen = g_build_filename (build != NULL ? build : ".", "tools",
                                           "netlens-gen-capture", NULL);
  g_autofree char *tmp = g_dir_make_tmp ("netlens-dpibin-XXXXXX", NULL);
  g_autofree char *pcap = g_build_filename (tmp, "mix.pcap", NULL);
  g_autofree char *truth = g_strconcat (pcap, ".truth.json", NULL);
  const char *argv[] = { gen, "-n", "20000", "-f", "1000", "-q", "-C", "-o", pcap, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;
  Check c;

  if (!g_file_test (gen, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("netlens-gen-capture not built");
      return;
    }
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);

  check_init (&c, TRUE);
  run_capture (pcap, &c);
  report_sizes ("generated", &c, FALSE);
  g_assert_cmpuint (c.with_dpi, >, 500);
  /* the mix's rows are mostly TLS and DNS: the aims of the format */
  g_assert_cmpuint (c.binary_bytes * 4, <, c.json_bytes);
  time_encoders ("generated", c.keep, FALSE);
  check_damage (c.samples);
  check_clear (&c);
  g_unlink (truth);
  g_unlink (pcap);
  g_rmdir (tmp);
}

/* NETLENS_DPI_BINARY_CAPTURE: figures for any capture (docs, the file's header comment). */
static void
test_measure (void)
{
  const char *path = g_getenv ("NETLENS_DPI_BINARY_CAPTURE");
  Check c;

  if (path == NULL)
    {
      g_test_skip ("NETLENS_DPI_BINARY_CAPTURE not set");
      return;
    }
  check_init (&c, TRUE);
  run_capture (path, &c);
  report_sizes (path, &c, TRUE);
  time_encoders (path, c.keep, TRUE);
  check_clear (&c);
}

/* ---- hand-made records: every field set ----------------------------------------------------- */

static void
append_ssh_lists (GString *s, const char *prefix)
{
  g_string_append_c (s, '{');
  for (guint i = 0; i < NETLENS_SSH_N_LISTS; i++)
    {
      g_string_append_printf (s, "%s\"%s\":[", i ? "," : "", _netlens_ssh_list_names[i]);
      /* 20 names, half shared by every list and both sides, half of this list only */
      for (guint j = 0; j < 20; j++)
        if (j % 2 == 0)
          g_string_append_printf (s, "%s\"shared-%u@example\"", j ? "," : "", j);
        else
          g_string_append_printf (s, ",\"%s-%u-%u\"", prefix, i, j);
      g_string_append_c (s, ']');
    }
  g_string_append_c (s, '}');
}

static char *
full_json (gboolean variant)
{
  GString *s = g_string_new ("{\"http\":{\"hosts\":[\"a.example\",\"b.example\"],"
                             "\"methods\":[\"GET\",\"POST\"],\"requests\":4294967295,");
  g_string_append (s, variant ? "\"path\":\"/q?x=\\\"\\u0001\\n\\t/\\u00e9\\ud83d\\ude00\","
                              : "\"path\":\"/\",");
  g_string_append (s, "\"user_agent\":\"ua/1.0 \\u00e9\",\"responses\":3,\"status\":200,"
                      "\"statuses\":[200,404,65535]},");
  g_string_append_printf (s, "\"tls\":{\"sni\":[\"s.example\"],\"alpn\":[\"h2\",\"http/1.1\"],"
                          "\"client_hellos\":2,\"client_hello_legacy_versions\":[\"0x0303\",\"0x0301\"],"
                          "\"client_hello_supported_versions\":[\"0x0a0a\",\"0x0304\",\"0x0303\",\"0xABCD\",\"0x12\",\"0x\"],"
                          "\"client_hello_tls13\":true,\"ech\":true,\"server_hellos\":1,"
                          "\"hello_retry_request\":true,\"server_hello_versions\":[\"0x0304\"],"
                          "\"version\":\"%s\",\"cipher_suite\":\"%s\",\"alpn_selected\":[\"h2\"]},",
                          variant ? "0xffff" : "0x0304", variant ? "0x0000" : "0x1301");
  g_string_append_printf (s, "\"dns\":[{\"id\":65535,\"name\":\"www.example\",\"qtype\":1,\"query\":true,"
                          "\"response\":true,\"rcode\":%d,\"answers\":[\"192.0.2.1\",\"0.0.0.0\","
                          "\"2001:db8::1\",\"::\",\"::ffff:1.2.3.4\",\"1:2:3:4:5:6:7:8\",\"192.0.2.01\","
                          "\"not an address\",\"2001:DB8::1\"]},"
                          "{\"id\":1,\"name\":\"www.example\",\"qtype\":255,\"query\":true,"
                          "\"response\":true,\"rcode\":2147483647,\"answers\":[\"192.0.2.1\"]}],",
                          variant ? 0 : 3);
  g_string_append (s, "\"ssh\":{\"client_version\":\"SSH-2.0-OpenSSH_9.6\",\"server_version\":"
                      "\"SSH-2.0-dropbear\",\"client_software\":\"OpenSSH_9.6\",\"server_software\":"
                      "\"dropbear\",\"messages\":[\"c2s:20\",\"s2c:20\",\"c2s:21\"],\"client_kexinit\":true,"
                      "\"server_kexinit\":true,\"client_newkeys\":true,\"server_newkeys\":true,"
                      "\"client_algorithms\":");
  append_ssh_lists (s, "c");
  g_string_append (s, ",\"server_algorithms\":");
  append_ssh_lists (s, "s");
  g_string_append_printf (s, "},\"quic\":{\"versions\":[\"0x00000001\",\"0x6b3343cf\",\"0xffffffff\"],"
                          "\"sni\":[\"q.example\"],\"alpn\":[\"h3\"],\"client_hellos\":1,\"server_hellos\":1,"
                          "\"tls_version\":\"0x0304\",\"cipher_suite\":\"0x1301\",\"max_idle_timeout_ms\":%s,"
                          "\"initial_packets\":2,\"zero_rtt_packets\":1,\"handshake_packets\":3,"
                          "\"retry_packets\":1,\"short_header_packets\":10,\"retry\":true,"
                          "\"version_negotiation\":true,\"vn_versions\":[\"0xff00001d\"],"
                          "\"connection_close\":true,\"close_frames\":[{\"from\":\"%s\",\"frame_type\":\"0x1c\","
                          "\"error_code\":18446744073709551615,\"reason\":\"bye\"},{\"from\":\"server\","
                          "\"frame_type\":\"0xff\",\"error_code\":1,\"reason\":\"s2\"}],"
                          "\"dcid\":\"0102030405060708090a0b0c0d0e0f1011121314\",\"scid\":\"0a\","
                          "\"undecryptable_initials\":5},",
                          variant ? "9223372036854775807" : "30000", variant ? "server" : "client");
  g_string_append_printf (s, "\"icmp\":{\"types\":{\"0\":3,\"8\":4,\"200\":4294967295},"
                          "\"echo_requests\":4,\"echo_replies\":3,\"echo_ids\":[1,65535],\"last_type\":200,"
                          "\"last_code\":255,\"last_echo_id\":65535,\"last_echo_seq\":300},"
                          "\"arp\":{\"requests\":1,\"replies\":2,\"sender_macs\":[\"00:11:22:33:44:55\","
                          "\"66:77:88:99:aa:bb\"],\"last_op\":\"%s\",\"sender_mac\":\"00:11:22:33:44:55\","
                          "\"sender_ip\":\"10.0.0.1\",\"target_mac\":\"ff:ff:ff:ff:ff:ff\","
                          "\"target_ip\":\"255.255.255.255\"}}",
                          variant ? "reply" : "request");
  return g_string_free (s, FALSE);
}

static void
test_every_field (void)
{
  NetlensConnection conn_ = { 0, }, *conn = &conn_;

  conn->key.lport = 50000;
  conn->key.rport = 443;
  conn->app = NETLENS_APP_TLS;
  for (int variant = 0; variant < 2; variant++)
    {
      g_autofree char *text = full_json (variant);
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) json = g_string_new (NULL);
      g_autoptr(GString) again = g_string_new (NULL);
      g_autoptr(GByteArray) binary = NULL;
      g_autoptr(GByteArray) copy = g_byte_array_new ();
      NetlensDpi *dpi = netlens_dpi_from_json (text, conn, &error);
      NetlensDpi *back;
      char *mismatch = NULL;

      g_assert_no_error (error);
      /* every field the JSON has is set: nothing is null, false, 0 or empty */
      netlens_dpi_write_json (dpi, json);
      if (strstr (json->str, "null") != NULL)
        g_error ("a field is null: %s", json->str);
      g_assert_null (strstr (json->str, "false"));
      if (!variant)
        g_assert_null (strstr (json->str, ":0,"));
      g_assert_null (strstr (json->str, "[]"));
      if (round_trip (dpi, conn, json, &binary, &mismatch) == 0)
        g_error ("hand-made record %d: %s", variant, mismatch);
      dump_seed (binary->data, binary->len);
      /* the conn's part as from_json has it */
      back = netlens_dpi_from_binary (binary->data, binary->len, conn, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (back->app, ==, NETLENS_APP_QUIC);
      g_assert_true (back->copy && back->client_known && back->client_is_local);
      g_assert_cmpstr (netlens_dpi_get_sni (back), ==, netlens_dpi_get_sni (dpi));
      netlens_dpi_free (back);
      g_test_message ("hand-made record %d: JSON %" G_GSIZE_FORMAT " bytes, binary %u",
                      variant, json->len, binary->len);

      /* text that is not UTF-8, a path longer than the writer's buffer, an empty name, an
       * ARP operation that is neither */
      g_free (dpi->http->path);
      dpi->http->path = variant ? g_strdup ("\xff\xfe\x80 not UTF-8 \xc3") : g_strnfill (3000, 'p');
      g_free (((NetlensDnsEntry *) g_ptr_array_index (dpi->dns, 1))->name);
      ((NetlensDnsEntry *) g_ptr_array_index (dpi->dns, 1))->name = g_strdup ("");
      dpi->arp->last_op = 7;
      if (round_trip (dpi, conn, json, NULL, &mismatch) == 0)
        g_error ("hand-made record %d, changed: %s", variant, mismatch);
      g_assert_nonnull (strstr (json->str, "\"name\":\"\""));
      g_assert_nonnull (strstr (json->str, "\"last_op\":\"other\""));

      /* appending: write_binary adds to what OUT holds */
      g_byte_array_append (copy, (const guint8 *) "xy", 2);
      netlens_dpi_write_binary (dpi, copy);
      back = netlens_dpi_from_binary (copy->data + 2, copy->len - 2, NULL, &error);
      g_assert_no_error (error);
      netlens_dpi_write_json (back, again);
      g_assert_cmpstr (again->str, ==, json->str);
      netlens_dpi_free (back);
      netlens_dpi_free (dpi);
    }
}

static void
test_no_results (void)
{
  NetlensConnection conn_ = { 0, }, *conn = &conn_;
  g_autoptr(GByteArray) binary = g_byte_array_new ();
  g_autoptr(GString) want = g_string_new (NULL);
  g_autoptr(GString) got = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  NetlensDpi *dpi, *from_json;

  conn->app = NETLENS_APP_MDNS;
  conn->key.lport = 5353;
  conn->key.rport = 5353;
  netlens_dpi_write_binary (NULL, binary);
  g_assert_cmpuint (binary->len, ==, 2);
  g_assert_cmpuint (binary->data[0], ==, NETLENS_DPI_BINARY_VERSION);
  netlens_dpi_write_json (NULL, want);
  /* like from_json of the all-null object: an empty record, not NULL */
  dpi = netlens_dpi_from_binary (binary->data, binary->len, conn, &error);
  g_assert_no_error (error);
  g_assert_nonnull (dpi);
  from_json = netlens_dpi_from_json (want->str, conn, NULL);
  g_assert_cmpuint (dpi->app, ==, from_json->app);
  g_assert_cmpuint (dpi->mdns, ==, from_json->mdns);
  g_assert_cmpuint (dpi->client_is_local, ==, from_json->client_is_local);
  netlens_dpi_write_json (dpi, got);
  g_assert_cmpstr (got->str, ==, want->str);
  netlens_dpi_free (from_json);
  netlens_dpi_free (dpi);
}

/* ---- hostile input -------------------------------------------------------------------------- */

static void
expect_error (const guint8 *data, gsize len, int code, const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = g_memdup2 (data, MAX (len, 1));
  NetlensDpi *dpi = netlens_dpi_from_binary (copy, len, NULL, &error);

  if (dpi != NULL)
    g_error ("%s: read as DPI results", what);
  g_assert_error (error, NETLENS_DPI_BINARY_ERROR, code);
}

#define BAD(what, ...) \
  G_STMT_START { \
    static const guint8 b_[] = { __VA_ARGS__ }; \
    expect_error (b_, sizeof b_, NETLENS_DPI_BINARY_ERROR_MALFORMED, what); \
  } G_STMT_END

static GByteArray *
tls_sni_list (guint64 count, guint items)
{
  GByteArray *a = g_byte_array_new ();
  /* tls: sni, then one client hello (a TLS section without a hello is refused) */
  guint8 head[3] = { NETLENS_DPI_BINARY_VERSION, 0x02, 0x05 };

  g_byte_array_append (a, head, 3);
  while (count >= 0x80)
    {
      guint8 b = (guint8) (count | 0x80);

      g_byte_array_append (a, &b, 1);
      count >>= 7;
    }
  g_byte_array_append (a, (guint8 *) &count, 1);  /* < 0x80: its low byte */
  for (guint i = 0; i < items; i++)
    g_byte_array_append (a, (const guint8 *) "\0", 1);  /* "" */
  g_byte_array_append (a, (const guint8 *) "\1", 1);    /* client_hellos 1 */
  return a;
}

static void
test_bad (void)
{
  static const guint8 version0[] = { 0x00, 0x00 };
  static const guint8 version2[] = { 0x02, 0x00 };
  static const guint8 version255[] = { 0xff, 0x00, 0x01 };
  GByteArray *a;
  g_autoptr(GError) error = NULL;
  NetlensDpi *dpi;

  expect_error ((const guint8 *) "", 0, NETLENS_DPI_BINARY_ERROR_MALFORMED, "empty");
  BAD ("version only", 0x01);
  expect_error (version0, sizeof version0, NETLENS_DPI_BINARY_ERROR_VERSION, "version 0");
  expect_error (version2, sizeof version2, NETLENS_DPI_BINARY_ERROR_VERSION, "version 2");
  expect_error (version255, sizeof version255, NETLENS_DPI_BINARY_ERROR_VERSION, "version 255");
  BAD ("unknown section", 0x01, 0x80);
  BAD ("trailing byte", 0x01, 0x00, 0x00);
  BAD ("unknown TLS field", 0x01, 0x02, 0x80, 0x40);
  BAD ("field bits past 32 bits", 0x01, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10);
  BAD ("varint of 11 bytes", 0x01, 0x02, 0x04,
       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
  BAD ("varint over 64 bits", 0x01, 0x02, 0x04,
       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02);
  BAD ("counter over 32 bits", 0x01, 0x02, 0x04, 0x80, 0x80, 0x80, 0x80, 0x10);
  BAD ("TLS version over 16 bits", 0x01, 0x02, 0x80, 0x08, 0x80, 0x80, 0x04);
  BAD ("huge string", 0x01, 0x02, 0x01, 0x01, 0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
       0xff, 0x01);
  BAD ("string past the end", 0x01, 0x02, 0x01, 0x01, 0x0c, 'a', 'b');
  BAD ("NUL in a string", 0x01, 0x02, 0x01, 0x01, 0x08, 'a', 0x00);
  BAD ("reference to nothing", 0x01, 0x02, 0x01, 0x01, 0x01);
  BAD ("reference forward", 0x01, 0x02, 0x01, 0x02, 0x05, 0x04, 'a');
  BAD ("hex16 over 16 bits", 0x01, 0x02, 0x01, 0x01, 0x82, 0x80, 0x10);
  BAD ("address of 5 bytes", 0x01, 0x02, 0x01, 0x01, 0x17, 1, 2, 3, 4, 5);
  BAD ("address cut", 0x01, 0x02, 0x01, 0x01, 0x43, 1, 2, 3, 4);
  BAD ("huge count", 0x01, 0x02, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
  BAD ("count past the end", 0x01, 0x02, 0x01, 0x05, 0x00);
  BAD ("DNS entry cut", 0x01, 0x04, 0x01, 0x00, 0x12);
  BAD ("DNS rcode over G_MAXINT", 0x01, 0x04, 0x01, 0x04, 0x00, 0x01, 0x01,
       0x80, 0x80, 0x80, 0x80, 0x08);
  BAD ("QUIC DCID of 21 bytes", 0x01, 0x10, 0x80, 0x80, 0x04, 21,
       1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21);
  BAD ("QUIC close: unknown bit", 0x01, 0x10, 0x80, 0x80, 0x02, 0x01, 0x04, 0x1c, 0x00);
  BAD ("ICMP types out of order", 0x01, 0x20, 0x01, 0x02, 0x08, 0x01, 0x00, 0x01);
  BAD ("ICMP type repeated", 0x01, 0x20, 0x01, 0x02, 0x08, 0x01, 0x08, 0x01);
  BAD ("ICMP type over 255", 0x01, 0x20, 0x01, 0x01, 0x80, 0x02, 0x01);
  BAD ("ARP request and reply", 0x01, 0x40, 0x18);
  BAD ("ARP MACs cut", 0x01, 0x40, 0x04, 0x02, 1, 2, 3, 4, 5, 6, 7);
  BAD ("SSH lists cut", 0x01, 0x08, 0x81, 0x04, 0x04, 'S', 0x01, 0x00);
  /* sections the writer never writes: their values would reach the accessors unseen */
  BAD ("TLS without a hello", 0x01, 0x02, 0x01, 0x01, 0x10, 'a', '.', 'e', 'x');
  BAD ("HTTP without a request or response", 0x01, 0x01, 0x01, 0x01, 0x10, 'a', '.', 'e', 'x');
  {
    /* refused for that reason, not another: the bytes are a well-formed section */
    static const guint8 http_hosts_only[] = { 0x01, 0x01, 0x01, 0x01, 0x10, 'a', '.', 'e', 'x' };
    g_autoptr(GError) e = NULL;

    g_assert_null (netlens_dpi_from_binary (http_hosts_only, sizeof http_hosts_only, NULL, &e));
    g_assert_nonnull (e);
    g_assert_nonnull (strstr (e->message, "without what makes it one"));
  }

  /* long lists: MAX_LIST (4096) items are read, one more is refused */
  a = tls_sni_list (4096, 4096);
  dpi = netlens_dpi_from_binary (a->data, a->len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dpi->tls->sni->len, ==, 4096);
  netlens_dpi_free (dpi);
  g_byte_array_unref (a);
  a = tls_sni_list (4097, 4097);
  expect_error (a->data, a->len, NETLENS_DPI_BINARY_ERROR_MALFORMED, "4097 items");
  g_byte_array_unref (a);
  a = tls_sni_list (G_MAXUINT64, 100000);
  expect_error (a->data, a->len, NETLENS_DPI_BINARY_ERROR_MALFORMED, "2^64 - 1 items");
  g_byte_array_unref (a);
  /* the format's nesting is fixed (no nested lists): there is no depth to overflow */
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dpi-binary/no-results", test_no_results);
  g_test_add_func ("/dpi-binary/every-field", test_every_field);
  g_test_add_func ("/dpi-binary/bad", test_bad);
  g_test_add_func ("/dpi-binary/corpus", test_corpus);
  g_test_add_func ("/dpi-binary/generated", test_generated);
  g_test_add_func ("/dpi-binary/measure", test_measure);
  return g_test_run ();
}
