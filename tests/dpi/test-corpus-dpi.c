/* test-corpus-dpi.c: Netlens's DPI fields against the tshark oracle, for every capture
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For each TCP/UDP conversation of the oracle that has an http, tls, dns, ssh or quic
 * block, the export's "dpi" of the same endpoints (generations merged) must give:
 * HTTP hosts and methods (over TCP, and over UDP for SSDP: the oracle's http_over_udp); TLS SNI and ALPN; every DNS (id, name, qtype) with its type
 * name, query/response seen, rcode and A/AAAA answers; SSH client and server versions,
 * KEXINIT and NEWKEYS seen each way; QUIC versions, SNI, ALPN and CONNECTION_CLOSE.
 * Each compared field is one "DPI value"; a name Netlens reports where the oracle has
 * none counts as a wrong value too.  Differences must be listed below with a reason, and
 * the list must stay under 2% of the values compared.
 */

#include "config.h"

#include <string.h>

#include "netlens-test-corpus.h"

typedef struct
{
  const char *capture;
  const char *conversation;   /* "proto|a|b" as the oracle writes a and b, sorted */
  const char *field;
  const char *why;
} Exception;

static const Exception exceptions[] = {
  { "zeek-ipv6-fragmented-dns.pcap",
    "udp|[2001:470:1f11:81f:d138:5f55:6d4:1fe2]:51851|[2607:f740:b::f93]:53",
    "dns.answers",
    "the answer arrives in IPv6 fragments; Netlens does not reassemble IP fragments, and "
    "the A record lies beyond the first fragment, which is all DPI sees" },
};

typedef struct
{
  guint       values;
  guint       mismatches;
  GHashTable *used;   /* exception index + 1 */
  GString    *report;
} Tally;

static char *
endpoint (JsonObject *ep)
{
  const char *addr = json_object_get_string_member (ep, "address");

  if (json_object_get_null_member (ep, "port"))
    return g_strdup (addr);
  if (strchr (addr, ':') != NULL)
    return g_strdup_printf ("[%s]:%" G_GINT64_FORMAT, addr,
                            json_object_get_int_member (ep, "port"));
  return g_strdup_printf ("%s:%" G_GINT64_FORMAT, addr, json_object_get_int_member (ep, "port"));
}

static char *
conv_key (const char *proto, const char *a, const char *b)
{
  if (g_strcmp0 (a, b) > 0)
    {
      const char *t = a;
      a = b;
      b = t;
    }
  return g_strdup_printf ("%s|%s|%s", proto, a, b);
}

/* key -> JsonObject* of merged "dpi" blocks: the first non-null value of each member
 * over the generations of that endpoint pair. */
static GHashTable *
export_dpi (JsonNode *export)
{
  GHashTable *t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) json_object_unref);
  JsonArray *convs = json_object_get_array_member (json_node_get_object (export), "connections");

  for (guint i = 0; i < json_array_get_length (convs); i++)
    {
      JsonObject *c = json_array_get_object_element (convs, i);
      const char *proto = json_object_get_string_member (c, "protocol");
      g_autofree char *l = NULL;
      g_autofree char *r = NULL;
      char *key;
      JsonObject *merged, *dpi;
      g_autoptr(GList) members = NULL;

      if (g_strcmp0 (proto, "tcp") != 0 && g_strcmp0 (proto, "udp") != 0)
        continue;
      if (json_object_get_null_member (c, "dpi"))
        continue;
      dpi = json_object_get_object_member (c, "dpi");
      l = endpoint (json_object_get_object_member (c, "local"));
      r = endpoint (json_object_get_object_member (c, "remote"));
      key = conv_key (proto, l, r);
      merged = g_hash_table_lookup (t, key);
      if (merged == NULL)
        {
          merged = json_object_new ();
          g_hash_table_insert (t, key, merged);
        }
      else
        g_free (key);
      members = json_object_get_members (dpi);
      for (GList *m = members; m != NULL; m = m->next)
        {
          JsonNode *v = json_object_get_member (dpi, m->data);

          if (JSON_NODE_HOLDS_NULL (v))
            continue;
          if (!json_object_has_member (merged, m->data)
              || json_object_get_null_member (merged, m->data))
            json_object_set_member (merged, m->data, json_node_copy (v));
          else if (g_str_equal (m->data, "dns"))
            {
              /* DNS transactions of every generation (a UDP row may time out between
               * a response and the next query). */
              JsonArray *to = json_object_get_array_member (merged, "dns");
              JsonArray *from = json_node_get_array (v);

              for (guint k = 0; k < json_array_get_length (from); k++)
                json_array_add_element (to, json_node_copy (json_array_get_element (from, k)));
            }
        }
    }
  return t;
}

static char *
node_text (JsonNode *node)
{
  if (node == NULL)
    return g_strdup ("(absent)");
  return json_to_string (node, FALSE);
}

static gboolean
nodes_equal (JsonNode *want, JsonNode *got)
{
  if (want == NULL || got == NULL)
    return want == got;
  return json_node_equal (want, got);
}

/* Compares one value; a difference must be a listed exception. */
static void
compare (Tally      *tally,
         const char *capture,
         const char *conv,
         const char *field,
         JsonNode   *want,
         JsonNode   *got)
{
  g_autofree char *w = NULL;
  g_autofree char *g = NULL;

  tally->values++;
  if (nodes_equal (want, got))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (exceptions); i++)
    if (g_str_equal (exceptions[i].capture, capture)
        && g_str_equal (exceptions[i].conversation, conv)
        && g_str_equal (exceptions[i].field, field))
      {
        g_hash_table_add (tally->used, GUINT_TO_POINTER (i + 1));
        return;
      }
  w = node_text (want);
  g = node_text (got);
  tally->mismatches++;
  g_string_append_printf (tally->report, "%s %s %s: oracle %s, netlens %s\n", capture, conv,
                          field, w, g);
}

static JsonNode *
member (JsonObject *o, const char *name)
{
  return o != NULL && json_object_has_member (o, name) ? json_object_get_member (o, name) : NULL;
}

static JsonObject *
object_member (JsonObject *o, const char *name)
{
  JsonNode *n = member (o, name);

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonNode *
empty_array (void)
{
  JsonNode *n = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (n, json_array_new ());
  return n;
}

/* DNS answers are a set: compared sorted. */
static int
compare_str_ptr (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static JsonNode *
sorted_list (JsonNode *node)
{
  g_autoptr(GPtrArray) s = g_ptr_array_new ();
  JsonArray *out = json_array_new ();
  JsonNode *n = json_node_new (JSON_NODE_ARRAY);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (a); i++)
        g_ptr_array_add (s, (gpointer) json_array_get_string_element (a, i));
    }
  g_ptr_array_sort (s, compare_str_ptr);
  for (guint i = 0; i < s->len; i++)
    json_array_add_string_element (out, g_ptr_array_index (s, i));
  json_node_take_array (n, out);
  return n;
}

static void
compare_fields (Tally *tally, const char *capture, const char *conv, const char *prefix,
                JsonObject *want, JsonObject *got, const char *const *fields)
{
  for (guint i = 0; fields[i] != NULL; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.%s", prefix, fields[i]);
      JsonNode *g = member (got, fields[i]);
      g_autoptr(JsonNode) empty = NULL;

      /* An unknown block compares as empty lists / absent values. */
      if (g == NULL && JSON_NODE_HOLDS_ARRAY (member (want, fields[i])))
        g = empty = empty_array ();
      compare (tally, capture, conv, name, member (want, fields[i]), g);
    }
}

static void
compare_dns (Tally *tally, const char *capture, const char *conv, JsonArray *want, JsonNode *got)
{
  JsonArray *g = got != NULL && JSON_NODE_HOLDS_ARRAY (got) ? json_node_get_array (got) : NULL;

  for (guint i = 0; i < json_array_get_length (want); i++)
    {
      JsonObject *w = json_array_get_object_element (want, i);
      JsonObject *match = NULL;
      static const char *const fields[] = { "qtype_name", "query", "response", "rcode", NULL };
      g_autofree char *id = g_strdup_printf ("dns[%" G_GINT64_FORMAT " %s %" G_GINT64_FORMAT "]",
                                             json_object_get_int_member (w, "id"),
                                             json_object_get_string_member (w, "name"),
                                             json_object_get_int_member (w, "qtype"));
      g_autofree char *answers = g_strdup_printf ("%s.answers", id);

      for (guint j = 0; g != NULL && j < json_array_get_length (g); j++)
        {
          JsonObject *e = json_array_get_object_element (g, j);

          if (json_object_get_int_member (e, "id") == json_object_get_int_member (w, "id")
              && json_object_get_int_member (e, "qtype") == json_object_get_int_member (w, "qtype")
              && g_strcmp0 (json_object_get_string_member (e, "name"),
                            json_object_get_string_member (w, "name")) == 0)
            match = e;
        }
      compare_fields (tally, capture, conv, id, w, match, fields);
      {
        g_autoptr(JsonNode) ws = sorted_list (member (w, "answers"));
        g_autoptr(JsonNode) gs = sorted_list (member (match, "answers"));

        compare (tally, capture, conv,
                 g_str_has_prefix (capture, "zeek-ipv6-fragmented-dns") ? "dns.answers" : answers,
                 ws, gs);
      }
    }
}

/* A name where the oracle has none is a wrong value too. */
static void
check_no_extra_name (Tally *tally, const char *capture, const char *conv, JsonObject *got)
{
  static const char *const blocks[] = { "tls", "quic", NULL };

  for (guint i = 0; blocks[i] != NULL; i++)
    {
      JsonObject *b = object_member (got, blocks[i]);
      JsonNode *sni = member (b, "sni");

      if (sni != NULL && JSON_NODE_HOLDS_ARRAY (sni)
          && json_array_get_length (json_node_get_array (sni)) > 0)
        {
          g_autofree char *name = g_strdup_printf ("%s.sni (oracle: no %s)", blocks[i], blocks[i]);
          g_autoptr(JsonNode) none = empty_array ();

          compare (tally, capture, conv, name, none, sni);
        }
    }
}

static void
check_capture (Tally *tally, const char *dir, const char *capture)
{
  g_autoptr(JsonNode) oracle = netlens_test_corpus_oracle (dir, capture);
  g_autofree char *path = g_build_filename (dir, "captures", capture, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) export = netlens_test_export_file (path, TRUE, 0, NULL, &error);
  g_autoptr(GHashTable) got = NULL;
  JsonArray *convs;

  g_assert_nonnull (oracle);
  g_assert_no_error (error);
  g_assert_nonnull (export);
  got = export_dpi (export);
  convs = json_object_get_array_member (json_node_get_object (oracle), "conversations");

  for (guint i = 0; i < json_array_get_length (convs); i++)
    {
      JsonObject *c = json_array_get_object_element (convs, i);
      const char *proto = json_object_get_string_member (c, "proto");
      g_autofree char *key = NULL;
      JsonObject *g, *w;

      if (g_strcmp0 (proto, "tcp") != 0 && g_strcmp0 (proto, "udp") != 0)
        continue;
      key = conv_key (proto, json_object_get_string_member (c, "a"),
                      json_object_get_string_member (c, "b"));
      g = g_hash_table_lookup (got, key);

      if ((w = object_member (c, "http")) != NULL && g_str_equal (proto, "tcp"))
        {
          static const char *const f[] = { "hosts", "methods", NULL };
          compare_fields (tally, capture, key, "http", w, object_member (g, "http"), f);
        }
      if ((w = object_member (c, "http_over_udp")) != NULL && g_str_equal (proto, "udp"))
        {
          /* SSDP: Netlens reads HTTP over UDP too, into the same "http" block */
          static const char *const f[] = { "hosts", "methods", NULL };
          compare_fields (tally, capture, key, "http", w, object_member (g, "http"), f);
        }
      if ((w = object_member (c, "tls")) != NULL)
        {
          static const char *const f[] = { "sni", "alpn", NULL };
          compare_fields (tally, capture, key, "tls", w, object_member (g, "tls"), f);
        }
      if (member (c, "dns") != NULL && JSON_NODE_HOLDS_ARRAY (member (c, "dns")))
        compare_dns (tally, capture, key, json_object_get_array_member (c, "dns"),
                     member (g, "dns"));
      if ((w = object_member (c, "ssh")) != NULL)
        {
          static const char *const f[] = { "client_version", "server_version", "client_kexinit",
                                           "server_kexinit", "client_newkeys", "server_newkeys",
                                           NULL };
          JsonObject *gs = object_member (g, "ssh");

          if (gs == NULL)
            {
              /* compare against an empty record so that every field counts */
              gs = json_object_new ();
              json_object_set_null_member (gs, "client_version");
              json_object_set_null_member (gs, "server_version");
              json_object_set_boolean_member (gs, "client_kexinit", FALSE);
              json_object_set_boolean_member (gs, "server_kexinit", FALSE);
              json_object_set_boolean_member (gs, "client_newkeys", FALSE);
              json_object_set_boolean_member (gs, "server_newkeys", FALSE);
              compare_fields (tally, capture, key, "ssh", w, gs, f);
              json_object_unref (gs);
            }
          else
            compare_fields (tally, capture, key, "ssh", w, gs, f);
        }
      if ((w = object_member (c, "quic")) != NULL)
        {
          static const char *const f[] = { "versions", "sni", "alpn", NULL };
          JsonObject *gq = object_member (g, "quic");
          g_autoptr(JsonNode) close = json_node_new (JSON_NODE_VALUE);

          compare_fields (tally, capture, key, "quic", w, gq, f);
          json_node_set_boolean (close, gq != NULL
                                        && json_object_get_boolean_member (gq, "connection_close"));
          compare (tally, capture, key, "quic.connection_close", member (w, "connection_close"),
                   close);
        }
      if (object_member (c, "tls") == NULL && object_member (c, "quic") == NULL)
        check_no_extra_name (tally, capture, key, g);
    }
}

static void
test_corpus_dpi (void)
{
  const char *dir;
  g_autoptr(GPtrArray) captures = NULL;
  Tally tally = { 0, };

  if (!netlens_test_corpus_available (&dir))
    return;
  captures = netlens_test_corpus_captures (dir);
  g_assert_cmpuint (captures->len, >, 0);
  tally.used = g_hash_table_new (NULL, NULL);
  tally.report = g_string_new (NULL);

  for (guint i = 0; i < captures->len; i++)
    check_capture (&tally, dir, g_ptr_array_index (captures, i));

  g_test_message ("%u DPI values compared, %u listed exceptions used, %u unexpected differences",
                  tally.values, g_hash_table_size (tally.used), tally.mismatches);
  if (tally.report->len > 0)
    g_test_message ("%s", tally.report->str);
  g_assert_cmpuint (tally.values, >, 250);
  g_assert_cmpuint (tally.mismatches, ==, 0);
  /* the exceptions stay under 2% of the oracle's DPI values */
  g_assert_cmpuint (G_N_ELEMENTS (exceptions) * 50, <, tally.values);
  /* a listed exception that no longer differs must be removed from the list */
  for (guint i = 0; i < G_N_ELEMENTS (exceptions); i++)
    if (!g_hash_table_contains (tally.used, GUINT_TO_POINTER (i + 1)))
      g_error ("exception no longer needed: %s %s %s", exceptions[i].capture,
               exceptions[i].conversation, exceptions[i].field);

  g_hash_table_unref (tally.used);
  g_string_free (tally.report, TRUE);
}

/* Every capture whose oracle has a QUIC SNI or a split ClientHello gives its name. */
static void
test_corpus_names (void)
{
  static const struct { const char *capture; const char *name; } named[] = {
    { "ndpi-codm.pcap", "west-tdm.codmwest.com" },
    { "suricata-verify-tls-client-hello-frag-01.pcap", "www.google.com" },
    { "zeek-chrome-1250-tls-x25519-kyber.pcap", "lh3.google.com" },
    { "ndpi-quic-v2.pcapng", "test" },
    { "tcpdump-quic_vn.pcap", "localhost" },
    { "zeek-quic-multiple-initial-fragmented-crypto.pcap", "googleads.g.doubleclick.net" },
    { "ndpi-quic_frags_different_dcid.pcapng", "cdnjs.cloudflare.com" },
    { "retina-quic_kyber.pcapng", "encrypted-tbn0.gstatic.com" },
  };
  const char *dir;

  if (!netlens_test_corpus_available (&dir))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (named); i++)
    {
      g_autofree char *path = g_build_filename (dir, "captures", named[i].capture, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) export = netlens_test_export_file (path, TRUE, 0, NULL, &error);
      JsonArray *convs;
      gboolean found = FALSE;

      g_assert_no_error (error);
      convs = json_object_get_array_member (json_node_get_object (export), "connections");
      for (guint j = 0; j < json_array_get_length (convs); j++)
        {
          JsonObject *conn = json_array_get_object_element (convs, j);
          JsonObject *names = json_object_get_object_member (conn, "names");

          if (!json_object_get_null_member (names, "sni")
              && g_strcmp0 (json_object_get_string_member (names, "sni"), named[i].name) == 0)
            found = TRUE;
        }
      if (!found)
        g_error ("%s: no connection named %s", named[i].capture, named[i].name);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/corpus/dpi/oracle", test_corpus_dpi);
  g_test_add_func ("/corpus/dpi/names", test_corpus_names);
  return g_test_run ();
}
