/* test-fuzz-regressions.c: every committed fuzz input, replayed through the fuzz targets'
 * entry points in an ordinary build
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For each target NAME: tests/reliability/regressions/NAME/ (inputs that once crashed or
 * hung, see README there) and fuzz/seeds/NAME/ (small hand-made seeds).  Each input goes
 * through netlens_fuzz_NAME (), the function the libFuzzer target calls, with the same
 * checks; a crash, a sanitizer report or a failed check fails the test.
 */

#define G_LOG_DOMAIN "netlens-test"

#include "config.h"

#include <string.h>

#include <glib.h>

#include "netlens-fuzz.h"

typedef struct
{
  const char     *name;
  NetlensFuzzFunc func;
} Target;

static const Target targets[] = {
  { "decode", netlens_fuzz_decode },
  { "dpi-http", netlens_fuzz_dpi_http },
  { "dpi-tls", netlens_fuzz_dpi_tls },
  { "dpi-dns", netlens_fuzz_dpi_dns },
  { "dpi-ssh", netlens_fuzz_dpi_ssh },
  { "dpi-inspect", netlens_fuzz_dpi_inspect },
  { "quic-frames", netlens_fuzz_quic_frames },
  { "quic-initial", netlens_fuzz_quic_initial },
  { "wire", netlens_fuzz_wire },
  { "query", netlens_fuzz_query },
  { "pcap", netlens_fuzz_pcap },
  { "history", netlens_fuzz_history },
  { "dpi-binary", netlens_fuzz_dpi_binary },
  { "history-row", netlens_fuzz_history_row },
};

static guint
replay_dir (const Target *target,
            const char   *dir_path)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.' && strcmp (name, "README.md") != 0)
      g_ptr_array_add (names, g_strdup (name));
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir_path, g_ptr_array_index (names, i), NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;
      g_autoptr(GError) error = NULL;

      g_file_get_contents (path, &contents, &len, &error);
      g_assert_no_error (error);
      g_test_message ("%s: %s (%" G_GSIZE_FORMAT " bytes)", target->name, path, len);
      g_assert_cmpint (target->func ((const guint8 *) contents, len), ==, 0);
    }
  return names->len;
}

static void
test_target (gconstpointer data)
{
  const Target *target = data;
  const char *root = g_getenv ("NETLENS_SOURCE_ROOT");
  g_autofree char *regressions = NULL;
  g_autofree char *seeds = NULL;
  guint n;

  if (root == NULL)
    {
      g_test_skip ("NETLENS_SOURCE_ROOT is not set");
      return;
    }
  regressions = g_build_filename (root, "tests", "reliability", "regressions", target->name, NULL);
  seeds = g_build_filename (root, "fuzz", "seeds", target->name, NULL);
  n = replay_dir (target, regressions) + replay_dir (target, seeds);
  g_test_message ("%s: %u inputs", target->name, n);
}

/* Random inputs too (a fixed seed, so a failure reproduces): a few hundred per target. */
static void
test_random (gconstpointer data)
{
  const Target *target = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x6e6c656e);

  for (guint i = 0; i < 300; i++)
    {
      gsize len = g_rand_int_range (rand, 0, 2048);
      g_autofree guint8 *buf = g_malloc (len + 1);

      for (gsize j = 0; j < len; j++)
        buf[j] = (guint8) g_rand_int (rand);
      g_assert_cmpint (target->func (buf, len), ==, 0);
    }
}

static void
test_count (void)
{
  const char *root = g_getenv ("NETLENS_SOURCE_ROOT");
  guint n = 0;

  if (root == NULL)
    {
      g_test_skip ("NETLENS_SOURCE_ROOT is not set");
      return;
    }
  /* The committed seeds exist for every target: an empty replay would prove nothing. */
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *seeds = g_build_filename (root, "fuzz", "seeds", targets[i].name, NULL);
      g_autoptr(GDir) dir = g_dir_open (seeds, 0, NULL);

      if (dir != NULL && g_dir_read_name (dir) != NULL)
        n++;
    }
  g_assert_cmpuint (n, >=, 4);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  netlens_fuzz_init ();
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *path = g_strdup_printf ("/fuzz-regressions/replay/%s", targets[i].name);
      g_autofree char *rpath = g_strdup_printf ("/fuzz-regressions/random/%s", targets[i].name);

      g_test_add_data_func (path, &targets[i], test_target);
      if (strcmp (targets[i].name, "history") != 0 && strcmp (targets[i].name, "pcap") != 0)
        g_test_add_data_func (rpath, &targets[i], test_random);
    }
  g_test_add_func ("/fuzz-regressions/count", test_count);
  return g_test_run ();
}
