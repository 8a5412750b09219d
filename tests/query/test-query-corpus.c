/* test-query-corpus.c: queries over the rows of real captures, checked against tshark
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-test-query"

#include "config.h"

#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "netlens-connection.h"
#include "netlens-dpi.h"
#include "netlens-pcapng-writer.h"
#include "netlens-pipeline.h"
#include "netlens-query.h"

/* Every capture of the corpus goes through the real reader, pipeline and DPI; every name
 * the tshark oracle knows for a conversation (TLS and QUIC SNI, HTTP Host, SSH server
 * software) must be found by the matching query on that conversation's row, and the
 * query must not match rows of conversations that do not have that name. */

typedef struct
{
  GMutex     lock;
  GPtrArray *rows;  /* NetlensConnection * (snapshots) */
} Sink;

static void
sink_cb (NetlensConnection *conn,
         gpointer           user_data)
{
  Sink *sink = user_data;

  g_mutex_lock (&sink->lock);
  g_ptr_array_add (sink->rows, conn);
  g_mutex_unlock (&sink->lock);
}

/* All the rows of PATH, or NULL when the reader or the pipeline cannot take it. */
static GPtrArray *
read_rows (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensPcapReader) reader = netlens_pcap_reader_open (path, &error);
  g_autoptr(NetlensPipeline) pipeline = NULL;
  NetlensPipelineConfig config;
  NetlensPcapRecord record;
  Sink sink;
  int link_type = -1;

  if (reader == NULL)
    {
      g_test_message ("%s: %s", path, error->message);
      return NULL;
    }

  g_mutex_init (&sink.lock);
  sink.rows = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  netlens_pipeline_config_init (&config);
  config.dpi = TRUE;
  config.n_workers = 1;
  pipeline = netlens_pipeline_new (&config);
  netlens_pipeline_set_row_sink (pipeline, sink_cb, &sink);

  while (netlens_pcap_reader_next (reader, &record, &error))
    {
      if (record.link_type != link_type)
        {
          link_type = record.link_type;
          if (!netlens_pipeline_set_link_type (pipeline, link_type))
            {
              g_test_message ("%s: link type %d not supported", path, link_type);
              break;
            }
        }
      netlens_pipeline_push_packet (pipeline, record.ts_us, record.caplen, record.wirelen,
                                    record.data);
    }
  netlens_pipeline_finish (pipeline);
  g_clear_pointer (&pipeline, netlens_pipeline_free);
  g_mutex_clear (&sink.lock);
  return sink.rows;
}

typedef struct
{
  guint facts;
  guint found;
} Tally;

typedef enum
{
  KIND_SNI,
  KIND_HOST,
  KIND_SSH,
  N_KINDS
} Kind;

static const char *const kind_names[N_KINDS] = { "sni", "host", "ssh" };

/* Does ROW belong to the conversation PROTO CLIENT <-> SERVER? */
static gboolean
row_in_conversation (const NetlensConnection *row,
                     const char              *proto,
                     const char              *client,
                     const char              *server)
{
  char name[32], local[64], remote[64];

  netlens_connection_protocol_name (row, name, sizeof name);
  if (g_strcmp0 (name, proto) != 0)
    return FALSE;
  netlens_connection_endpoint_string (row, TRUE, local, sizeof local);
  netlens_connection_endpoint_string (row, FALSE, remote, sizeof remote);
  return (g_str_equal (local, client) && g_str_equal (remote, server))
         || (g_str_equal (local, server) && g_str_equal (remote, client));
}

static char *
quoted_query (const char *keyword,
              const char *value)
{
  g_autoptr(GString) q = g_string_new (keyword);

  g_string_append (q, ":\"");
  for (const char *s = value; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        g_string_append_c (q, '\\');
      g_string_append_c (q, *s);
    }
  g_string_append_c (q, '"');
  return g_string_free (g_steal_pointer (&q), FALSE);
}

/* The oracle's values of KIND for one conversation. */
static GPtrArray *
conversation_values (JsonObject *conv,
                     Kind        kind)
{
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  const char *lists[2][2] = { { NULL, NULL }, { NULL, NULL } };

  switch (kind)
    {
    case KIND_SNI:
      lists[0][0] = "tls", lists[0][1] = "sni";
      lists[1][0] = "quic", lists[1][1] = "sni";
      break;
    case KIND_HOST:
      lists[0][0] = "http", lists[0][1] = "hosts";
      break;
    case KIND_SSH:
      if (json_object_has_member (conv, "ssh"))
        {
          JsonObject *ssh = json_object_get_object_member (conv, "ssh");
          const char *banner = json_object_get_string_member_with_default (ssh, "server_version",
                                                                           NULL);

          /* RFC 4253 section 4.2: SSH-protoversion-softwareversion SP comments */
          if (banner != NULL && g_str_has_prefix (banner, "SSH-"))
            {
              const char *software = strchr (banner + 4, '-');

              if (software != NULL && software[1] != '\0')
                g_ptr_array_add (values, g_strndup (software + 1, strcspn (software + 1, " ")));
            }
        }
      return values;
    default:
      g_assert_not_reached ();
    }

  for (guint l = 0; l < G_N_ELEMENTS (lists) && lists[l][0] != NULL; l++)
    {
      JsonObject *obj;
      JsonArray *array;

      if (!json_object_has_member (conv, lists[l][0]))
        continue;
      obj = json_object_get_object_member (conv, lists[l][0]);
      if (obj == NULL || !json_object_has_member (obj, lists[l][1]))
        continue;
      array = json_object_get_array_member (obj, lists[l][1]);
      for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
        {
          const char *v = json_array_get_string_element (array, i);

          if (v != NULL && *v != '\0')
            g_ptr_array_add (values, g_strdup (v));
        }
    }
  return values;
}

static gboolean
values_contain (GPtrArray  *values,
                const char *value)
{
  for (guint i = 0; i < values->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (values, i), value) == 0)
      return TRUE;
  return FALSE;
}

static void
check_capture (const char *corpus,
               const char *json_name,
               Tally       tally[N_KINDS],
               guint      *n_captures,
               guint      *n_rows)
{
  g_autofree char *json_path = g_build_filename (corpus, "expected", json_name, NULL);
  g_autofree char *capture = g_strndup (json_name, strlen (json_name) - strlen (".json"));
  g_autofree char *capture_path = g_build_filename (corpus, "captures", capture, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  JsonArray *conversations;

  json_parser_load_from_file (parser, json_path, &error);
  g_assert_no_error (error);
  conversations = json_object_get_array_member (json_node_get_object (
                                                  json_parser_get_root (parser)),
                                                "conversations");
  g_assert_nonnull (conversations);

  rows = read_rows (capture_path);
  if (rows == NULL)
    return;
  (*n_captures)++;
  *n_rows += rows->len;

  /* Every seed example runs on real rows. */
  {
    static const char *examples[] = {
      "port:44", "sport:80", "dport:443", "src:192.168", "dst:github.com", "process:ssh",
      "sni:api", "ssh:openssh", "state:established", "state:syn_recv", "state:fin_wait",
      "state:quic_handshake", "state:dns_query", "state:udp_active",
      "proto:tcp state:established", "process:firefox state:quic_connected",
      "dport:22 ssh:openssh", "state:established ssh:openssh", "sport:443 state:syn_recv",
      "dport:443 sni:google.com",
    };

    for (guint e = 0; e < G_N_ELEMENTS (examples); e++)
      {
        g_autoptr(NetlensQuery) q = netlens_query_parse (examples[e], &error);

        g_assert_no_error (error);
        for (guint r = 0; r < rows->len; r++)
          netlens_query_match (q, g_ptr_array_index (rows, r));
      }
  }

  for (guint c = 0; c < json_array_get_length (conversations); c++)
    {
      JsonObject *conv = json_array_get_object_element (conversations, c);
      const char *proto = json_object_get_string_member_with_default (conv, "proto", "");
      const char *client = json_object_get_string_member_with_default (conv, "client", NULL);
      const char *server = json_object_get_string_member_with_default (conv, "server", NULL);

      if (client == NULL || server == NULL)
        {
          client = json_object_get_string_member_with_default (conv, "a", "");
          server = json_object_get_string_member_with_default (conv, "b", "");
        }

      for (Kind kind = 0; kind < N_KINDS; kind++)
        {
          g_autoptr(GPtrArray) values = conversation_values (conv, kind);

          for (guint v = 0; v < values->len; v++)
            {
              const char *value = g_ptr_array_index (values, v);
              g_autofree char *text = quoted_query (kind_names[kind], value);
              g_autoptr(NetlensQuery) query = netlens_query_parse (text, &error);
              g_autofree char *dst_text = quoted_query ("dst", value);
              g_autoptr(NetlensQuery) dst_query = netlens_query_parse (dst_text, &error);
              gboolean found = FALSE;

              g_assert_no_error (error);
              tally[kind].facts++;
              for (guint r = 0; r < rows->len; r++)
                {
                  const NetlensConnection *row = g_ptr_array_index (rows, r);

                  if (row_in_conversation (row, proto, client, server)
                      && netlens_query_match (query, row))
                    {
                      found = TRUE;
                      /* a name found by sni: or host: is a name of the remote end */
                      if (kind != KIND_SSH)
                        g_assert_true (netlens_query_match (dst_query, row));
                    }
                }
              if (found)
                tally[kind].found++;
              else
                {
                  /* tell a DPI miss (the row has no such name) from a query miss */
                  guint n_conv_rows = 0;

                  for (guint r = 0; r < rows->len; r++)
                    {
                      const NetlensConnection *row = g_ptr_array_index (rows, r);
                      const char *known[N_KINDS] = {
                        netlens_connection_get_sni (row),
                        netlens_connection_get_http_host (row),
                        row->dpi != NULL ? netlens_dpi_get_ssh_software (row->dpi) : NULL,
                      };

                      if (!row_in_conversation (row, proto, client, server))
                        continue;
                      n_conv_rows++;
                      if (known[kind] != NULL && g_ascii_strcasecmp (known[kind], value) == 0)
                        g_error ("%s: the row has %s “%s” but “%s” does not match it", capture,
                                 kind_names[kind], known[kind], text);
                    }
                  g_test_message ("%s: %s %s <-> %s: “%s” finds no row (%u rows of that "
                                  "conversation, none with that name: a DPI miss)", capture,
                                  proto, client, server, text, n_conv_rows);
                }
            }
        }
    }

  /* No false positives: a row matched by sni:"X" belongs to a conversation that has X. */
  for (guint r = 0; r < rows->len; r++)
    {
      const NetlensConnection *row = g_ptr_array_index (rows, r);
      const char *names[N_KINDS] = {
        netlens_connection_get_sni (row),
        netlens_connection_get_http_host (row),
        NULL,
      };

      for (Kind kind = 0; kind < KIND_SSH; kind++)
        {
          g_autofree char *text = NULL;
          g_autoptr(NetlensQuery) query = NULL;

          if (names[kind] == NULL || *names[kind] == '\0')
            continue;
          text = quoted_query (kind_names[kind], names[kind]);
          query = netlens_query_parse (text, &error);
          g_assert_no_error (error);
          g_assert_true (netlens_query_match (query, row));

          for (guint c = 0; c < json_array_get_length (conversations); c++)
            {
              JsonObject *conv = json_array_get_object_element (conversations, c);
              const char *proto = json_object_get_string_member_with_default (conv, "proto", "");
              const char *client = json_object_get_string_member_with_default (conv, "client",
                                                                               NULL);
              const char *server = json_object_get_string_member_with_default (conv, "server",
                                                                               NULL);
              g_autoptr(GPtrArray) values = NULL;

              if (client == NULL || server == NULL
                  || !row_in_conversation (row, proto, client, server))
                continue;
              values = conversation_values (conv, kind);
              if (values->len > 0 && !values_contain (values, names[kind]))
                g_error ("%s: row %s matches “%s” but tshark saw no such name on it", capture,
                         client, text);
            }
        }
    }
}

static void
test_corpus (void)
{
  const char *corpus = g_getenv ("NETLENS_CORPUS");
  g_autofree char *expected_dir = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  Tally tally[N_KINDS] = { { 0 } };
  guint n_captures = 0, n_rows = 0;
  const char *name;

  if (corpus == NULL)
    {
      g_test_skip ("NETLENS_CORPUS is not set (run through meson test)");
      return;
    }
  expected_dir = g_build_filename (corpus, "expected", NULL);
  dir = g_dir_open (expected_dir, 0, NULL);
  if (dir == NULL)
    {
      g_test_skip ("no corpus");
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

  for (guint i = 0; i < names->len; i++)
    check_capture (corpus, g_ptr_array_index (names, i), tally, &n_captures, &n_rows);

  g_test_message ("%u captures, %u rows", n_captures, n_rows);
  for (Kind kind = 0; kind < N_KINDS; kind++)
    g_test_message ("%s: %u of %u names tshark knows are found by the query", kind_names[kind],
                    tally[kind].found, tally[kind].facts);

  g_assert_cmpuint (n_captures, >=, 60);
  /* Every name tshark knows is found (measured: 28 SNI, 9 Host, 5 SSH); a miss is a
   * regression somewhere on the path capture -> pipeline -> DPI -> snapshot -> query, and
   * the messages above say which conversation. */
  g_assert_cmpuint (tally[KIND_SNI].facts, >=, 28);
  g_assert_cmpuint (tally[KIND_HOST].facts, >=, 9);
  g_assert_cmpuint (tally[KIND_SSH].facts, >=, 5);
  for (Kind kind = 0; kind < N_KINDS; kind++)
    g_assert_cmpuint (tally[kind].found, ==, tally[kind].facts);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/query/corpus", test_corpus);

  return g_test_run ();
}
