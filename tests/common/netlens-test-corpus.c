/* netlens-test-corpus.c: shared by the tests that read ../shared/corpus
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "netlens-export.h"
#include "netlens-file-source.h"
#include "netlens-test-corpus.h"

gboolean
netlens_test_corpus_available (const char **dir)
{
  const char *d = g_getenv ("NETLENS_CORPUS");
  g_autofree char *captures = NULL;

  if (d != NULL)
    captures = g_build_filename (d, "captures", NULL);
  if (d == NULL || !g_file_test (captures, G_FILE_TEST_IS_DIR))
    {
      if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
        {
          g_test_message ("the capture corpus is missing (NETLENS_CORPUS=%s) and CI=true", d ? d : "(unset)");
          g_test_fail ();
        }
      else
        g_test_skip_printf ("no capture corpus at %s: set NETLENS_CORPUS or -Dcorpus=PATH",
                            d ? d : "(NETLENS_CORPUS unset)");
      return FALSE;
    }
  *dir = d;
  return TRUE;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

GPtrArray *
netlens_test_corpus_captures (const char *dir)
{
  g_autofree char *captures = g_build_filename (dir, "captures", NULL);
  g_autoptr(GDir) d = g_dir_open (captures, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".pcap") || g_str_has_suffix (name, ".pcapng"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

JsonNode *
netlens_test_corpus_oracle (const char *dir,
                            const char *capture)
{
  g_autofree char *base = g_strconcat (capture, ".json", NULL);
  g_autofree char *path = g_build_filename (dir, "expected", base, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("%s: %s", path, error->message);
  return json_node_copy (json_parser_get_root (parser));
}

JsonNode *
netlens_test_export_file (const char  *path,
                          gboolean     dpi,
                          guint        n_workers,
                          gboolean    *damaged,
                          GError     **error)
{
  NetlensPipelineConfig config;
  g_autoptr(NetlensPipeline) pipeline = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  NetlensFileInfo info = { 0 };
  NetlensExportSource source = { 0 };
  NetlensStats stats;
  NetlensExport *export;
  char *buf = NULL;
  size_t len = 0;
  FILE *mem;
  gboolean ok;

  netlens_pipeline_config_init (&config);
  config.dpi = dpi;
  config.n_workers = n_workers;
  pipeline = netlens_pipeline_new (&config);
  mem = open_memstream (&buf, &len);
  export = netlens_export_new (NETLENS_EXPORT_JSON, mem);
  netlens_pipeline_set_row_sink (pipeline, netlens_export_row_sink, export);
  ok = netlens_file_source_read (pipeline, path, &info, NULL, NULL, NULL, error);
  netlens_pipeline_finish (pipeline);
  netlens_pipeline_get_stats (pipeline, &stats);
  source.file = path;
  source.link_type = info.link_type;
  source.started_us = info.first_ts_us;
  source.ended_us = info.last_ts_us;
  netlens_export_finish (export, &source, &stats);
  netlens_export_free (export);
  fclose (mem);
  if (damaged != NULL)
    *damaged = info.damage != NULL;
  netlens_file_info_clear (&info);
  if (!ok)
    {
      free (buf);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, buf, len, error))
    {
      g_test_message ("export that does not parse:\n%.*s", (int) MIN (len, 2000), buf);
      free (buf);
      return NULL;
    }
  free (buf);
  return json_node_copy (json_parser_get_root (parser));
}
