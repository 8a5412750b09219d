/* test-damaged.c: truncated and garbled captures give a clear error or a partial
 * result, never a crash or a hang.
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>

#include "netlens-file-source.h"
#include "netlens-test-corpus.h"

static char *
write_temp (const guint8 *data,
            gsize         len)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("netlens-damaged-XXXXXX.pcap", &path, &error);

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, (const char *) data, len, &error));
  g_assert_no_error (error);
  close (fd);
  return path;
}

/* Reading must end with either an error naming the file, or a result (possibly
 * partial, with the damage's offset inside the file). */
static void
check_read (const char *path,
            gsize       size)
{
  g_autoptr(GError) error = NULL;
  gboolean damaged = FALSE;
  g_autoptr(JsonNode) export = netlens_test_export_file (path, TRUE, 2, &damaged, &error);

  if (export == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (strstr (error->message, path) != NULL);
    }
  else
    {
      JsonObject *root = json_node_get_object (export);

      g_assert_no_error (error);
      g_assert_true (json_object_has_member (root, "connections"));
      g_assert_true (json_object_has_member (root, "stats"));
    }
}

static void
test_truncated (void)
{
  const char *dir;
  g_autoptr(GPtrArray) captures = NULL;
  guint runs = 0, partial = 0;

  if (!netlens_test_corpus_available (&dir))
    return;
  captures = netlens_test_corpus_captures (dir);
  for (guint i = 0; i < captures->len; i++)
    {
      g_autofree char *src = g_build_filename (dir, "captures", g_ptr_array_index (captures, i), NULL);
      g_autofree char *data = NULL;
      gsize len;
      /* inside the file header, just after it, in the middle, near the end */
      gsize cuts[6];

      g_assert_true (g_file_get_contents (src, &data, &len, NULL));
      cuts[0] = 10;
      cuts[1] = 24;
      cuts[2] = 24 + 7;
      cuts[3] = len / 2 + 3;
      cuts[4] = len - 5;
      cuts[5] = len * 3 / 4 + 1;
      for (guint c = 0; c < G_N_ELEMENTS (cuts); c++)
        {
          g_autofree char *path = NULL;
          g_autoptr(GError) error = NULL;
          gboolean damaged = FALSE;
          g_autoptr(JsonNode) export = NULL;

          if (cuts[c] >= len)
            continue;
          path = write_temp ((const guint8 *) data, cuts[c]);
          export = netlens_test_export_file (path, TRUE, 2, &damaged, &error);
          if (export == NULL)
            g_assert_true (error != NULL && strstr (error->message, path) != NULL);
          else if (damaged)
            partial++;
          runs++;
          g_unlink (path);
        }
    }
  g_test_message ("%u truncated files read, %u partial results", runs, partial);
  g_assert_cmpuint (partial, >, captures->len);  /* most mid-file cuts are partial results */
}

static void
test_garbage (void)
{
  const char *dir;
  g_autoptr(GPtrArray) captures = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);

  if (!netlens_test_corpus_available (&dir))
    return;
  captures = netlens_test_corpus_captures (dir);
  for (guint i = 0; i < captures->len; i++)
    {
      g_autofree char *src = g_build_filename (dir, "captures", g_ptr_array_index (captures, i), NULL);
      g_autofree char *data = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (src, &data, &len, NULL));
      for (guint round = 0; round < 4; round++)
        {
          /* a valid header (the first 24..120 bytes), then random bytes; or the whole
           * file with random bytes flipped */
          gsize keep = MIN (len, 24 + g_rand_int_range (rand, 0, 96));
          gsize total = keep + g_rand_int_range (rand, 1, 4096);
          g_autofree guint8 *buf = g_malloc (MAX (total, len));
          g_autofree char *path = NULL;

          if (round < 2)
            {
              memcpy (buf, data, keep);
              for (gsize j = keep; j < total; j++)
                buf[j] = g_rand_int (rand);
            }
          else
            {
              total = len;
              memcpy (buf, data, len);
              for (guint j = 0; j < 1 + len / 64; j++)
                buf[g_rand_int_range (rand, 24, MAX (25, (gint32) len))] = g_rand_int (rand);
            }
          path = write_temp (buf, total);
          check_read (path, total);
          g_unlink (path);
        }
    }
}

static void
test_not_a_capture (void)
{
  static const guint8 text[] = "this is not a capture file, just text\n";
  g_autofree char *path = write_temp (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) export = netlens_test_export_file (path, TRUE, 1, NULL, &error);

  g_assert_null (export);
  g_assert_error (error, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_FORMAT);
  g_unlink (path);

  g_clear_error (&error);
  export = netlens_test_export_file ("/nonexistent/capture.pcap", TRUE, 1, NULL, &error);
  g_assert_null (export);
  g_assert_error (error, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_OPEN);
}

static void
test_unsupported_link_type (void)
{
  /* a classic pcap header with LINKTYPE_IEEE802_11 (105) and one packet */
  static const guint8 pcap[] = {
    0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0, 0, 105, 0, 0, 0,
    1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef,
  };
  g_autofree char *path = write_temp (pcap, sizeof pcap);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) export = netlens_test_export_file (path, TRUE, 1, NULL, &error);

  g_assert_null (export);
  g_assert_error (error, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_LINK_TYPE);
  g_assert_true (strstr (error->message, "105") != NULL);
  g_unlink (path);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/damaged/truncated", test_truncated);
  g_test_add_func ("/damaged/garbage", test_garbage);
  g_test_add_func ("/damaged/not-a-capture", test_not_a_capture);
  g_test_add_func ("/damaged/unsupported-link-type", test_unsupported_link_type);
  return g_test_run ();
}
