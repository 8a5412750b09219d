/* test-cli.c: the netlens command line, its exit codes and messages (DESIGN.md)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "netlens-test-corpus.h"

static int
run (const char *const *args,
     char              **out,
     char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_ptr_array_add (argv, (gpointer) g_getenv ("NETLENS_BIN"));
  for (const char *const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, NULL);
  /* no display: headless runs must not need one */
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata,
                               (char *[]) { "PATH=/usr/bin:/bin", "LANG=C", NULL },
                               G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_usage (void)
{
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (run ((const char *[]) { "--no-such-option", NULL }, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "--no-such-option"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run ((const char *[]) { "--read", "x.pcap", "--export", "xml", NULL }, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "xml"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run ((const char *[]) { "--version", NULL }, &out, &err), ==, 0);
  g_assert_true (g_str_has_prefix (out, "netlens " PACKAGE_VERSION));
}

static void
test_missing_file (void)
{
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (run ((const char *[]) { "--read", "/nonexistent/x.pcap", "--export", "json", NULL },
                        &out, &err), ==, 2);
  /* one clear line naming the file and the problem */
  g_assert_nonnull (strstr (err, "/nonexistent/x.pcap"));
  g_assert_nonnull (strstr (err, "No such file"));
  {
    g_auto(GStrv) lines = g_strsplit (g_strstrip (err), "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, 1);
  }
  g_assert_cmpstr (out, ==, "");
}

static void
test_bad_filter (void)
{
  const char *dir;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *path = NULL;

  if (!netlens_test_corpus_available (&dir))
    return;
  path = g_build_filename (dir, "captures", "zeek-http-vlan-0.pcap", NULL);
  g_assert_cmpint (run ((const char *[]) { "--read", path, "--export", "json", "--filter", "nosuchkey:1", NULL },
                        &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "nosuchkey"));
}

static void
test_truncated_exit_3 (void)
{
  const char *dir;
  g_autofree char *src = NULL, *data = NULL, *cut = NULL, *export_path = NULL;
  g_autofree char *out = NULL, *err = NULL, *json = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  int fd;

  if (!netlens_test_corpus_available (&dir))
    return;
  src = g_build_filename (dir, "captures", "ndpi-KakaoTalk_chat.pcap", NULL);
  g_assert_true (g_file_get_contents (src, &data, &len, NULL));
  fd = g_file_open_tmp ("netlens-cut-XXXXXX.pcap", &cut, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (cut, data, len / 2 + 5, NULL));
  export_path = g_strconcat (cut, ".json", NULL);

  g_assert_cmpint (run ((const char *[]) { "--read", cut, "--export", "json", "--output", export_path, NULL },
                        &out, &err), ==, 3);
  /* the warning names the file and the offset of the damage */
  g_assert_nonnull (strstr (err, cut));
  g_assert_nonnull (strstr (err, "at byte"));
  /* the export was still written, and holds the packets before the damage */
  g_assert_true (g_file_get_contents (export_path, &json, NULL, NULL));
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  {
    JsonObject *root = json_node_get_object (json_parser_get_root (parser));
    JsonObject *stats = json_object_get_object_member (root, "stats");

    g_assert_cmpint (json_object_get_int_member (stats, "packets"), >, 10);
    g_assert_cmpint (json_array_get_length (json_object_get_array_member (root, "connections")), >, 0);
  }
  g_unlink (cut);
  g_unlink (export_path);
}

static void
test_formats (void)
{
  const char *dir;
  g_autofree char *path = NULL;
  const char *formats[] = { "json", "jsonl", "csv" };

  if (!netlens_test_corpus_available (&dir))
    return;
  path = g_build_filename (dir, "captures", "ndpi-KakaoTalk_chat.pcap", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      g_auto(GStrv) lines = NULL;

      g_assert_cmpint (run ((const char *[]) { "--read", path, "--export", formats[i], NULL }, &out, &err), ==, 0);
      lines = g_strsplit (g_strstrip (out), "\n", -1);
      if (g_str_equal (formats[i], "jsonl"))
        {
          /* one object per connection, then the stats line */
          guint n = g_strv_length (lines);

          g_assert_cmpuint (n, >, 10);
          for (guint l = 0; l < n; l++)
            {
              g_autoptr(JsonParser) p = json_parser_new ();

              g_assert_true (json_parser_load_from_data (p, lines[l], -1, NULL));
            }
          g_assert_nonnull (strstr (lines[n - 1], "\"stats\""));
        }
      else if (g_str_equal (formats[i], "csv"))
        {
          g_assert_true (g_str_has_prefix (lines[0], "protocol,generation,local.address,local.port"));
          g_assert_nonnull (strstr (lines[0], "dpi."));
          g_assert_cmpuint (g_strv_length (lines), >, 10);
        }
    }
}

static void
test_filter (void)
{
  const char *dir;
  g_autofree char *path = NULL, *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *rows;

  if (!netlens_test_corpus_available (&dir))
    return;
  path = g_build_filename (dir, "captures", "ndpi-KakaoTalk_chat.pcap", NULL);
  g_assert_cmpint (run ((const char *[]) { "--read", path, "--export", "json", "--filter", "proto:udp", NULL },
                        &out, &err), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  rows = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "connections");
  g_assert_cmpuint (json_array_get_length (rows), >, 0);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, i), "protocol"), ==, "udp");
}

/* --output to something that is not a regular file (a FIFO here, /dev/null for the
 * benchmarks) writes into it and never replaces it */
static void
test_output_not_regular (void)
{
  const char *dir;
  g_autofree char *tmp = NULL, *fifo = NULL, *copy = NULL, *path = NULL;
  g_autofree char *out = NULL, *err = NULL, *json = NULL;
  g_autoptr(GError) error = NULL;
  GPid pid;
  int status;

  if (!netlens_test_corpus_available (&dir))
    return;
  path = g_build_filename (dir, "captures", "zeek-http-vlan-0.pcap", NULL);
  tmp = g_dir_make_tmp ("netlens-fifo-XXXXXX", &error);
  g_assert_no_error (error);
  fifo = g_build_filename (tmp, "export.fifo", NULL);
  copy = g_build_filename (tmp, "copy.json", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  {
    g_autofree char *cmd = g_strdup_printf ("cat '%s' > '%s'", fifo, copy);

    g_assert_true (g_spawn_async (NULL, (char *[]) { "/bin/sh", "-c", cmd, NULL }, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error));
  }
  g_assert_cmpint (run ((const char *[]) { "--read", path, "--export", "json", "--output", fifo, NULL },
                        &out, &err), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (g_file_test (fifo, G_FILE_TEST_EXISTS) && !g_file_test (fifo, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_get_contents (copy, &json, NULL, NULL));
  g_assert_nonnull (strstr (json, "\"bro.org\""));
  g_unlink (fifo);
  g_unlink (copy);
  g_rmdir (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/missing-file", test_missing_file);
  g_test_add_func ("/cli/bad-filter", test_bad_filter);
  g_test_add_func ("/cli/truncated-exit-3", test_truncated_exit_3);
  g_test_add_func ("/cli/formats", test_formats);
  g_test_add_func ("/cli/filter", test_filter);
  g_test_add_func ("/cli/output-not-regular", test_output_not_regular);
  return g_test_run ();
}
