/* test-dpi-dns.c: DNS names and messages, the passive name cache, UDP dispatch,
 * ICMP/ARP detail and the JSON/CSV export of the DPI block
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "dpi-test-util.h"

static void
test_names (void)
{
  /* header (12 bytes), then "a.example" at 12, then a pointer to it at 23 */
  g_autoptr(GByteArray) msg = hex_bytes ("000000000000000000000000" "0161076578616d706c6500" "c00c"
                                         "03777777c00c" "c01f" "c01f");
  gsize off = 12;
  char *name = _netlens_dns_read_name (msg->data, msg->len, &off);

  g_assert_cmpstr (name, ==, "a.example");
  g_assert_cmpuint (off, ==, 23);
  g_free (name);
  name = _netlens_dns_read_name (msg->data, msg->len, &off);
  g_assert_cmpstr (name, ==, "a.example");
  g_assert_cmpuint (off, ==, 25);
  g_free (name);
  name = _netlens_dns_read_name (msg->data, msg->len, &off);
  g_assert_cmpstr (name, ==, "www.a.example");
  g_assert_cmpuint (off, ==, 31);
  g_free (name);
  /* a pointer to itself, and a forward pointer: loops refused */
  g_assert_null (_netlens_dns_read_name (msg->data, msg->len, &off));
  off = 33;
  g_assert_null (_netlens_dns_read_name (msg->data, msg->len, &off));
}

static void
test_pointer_loop (void)
{
  /* two pointers pointing at each other */
  g_autoptr(GByteArray) msg = hex_bytes ("000000000000000000000000" "c00e" "c00c");
  gsize off = 12;

  g_assert_null (_netlens_dns_read_name (msg->data, msg->len, &off));
  off = 14;
  g_assert_null (_netlens_dns_read_name (msg->data, msg->len, &off));
}

static const char response_hex[] =
  "abcd8183000100020000000103777777076578616d706c6503636f6d0000010001"
  "c00c000500010000003c0002c010"                 /* CNAME (rdata: pointer) */
  "c010000100010000003c00045db8d822"             /* A 93.184.216.34 for example.com */
  "026e73c010001c00010000003c001020010db8000000000000000000000001"; /* additional AAAA */

static void
test_message (void)
{
  g_autoptr(GByteArray) msg = hex_bytes (response_hex);
  NetlensDnsMessage m;
  const NetlensDnsAddress *a;

  g_assert_true (_netlens_dns_parse (msg->data, msg->len, &m));
  g_assert_true (m.response);
  g_assert_cmpuint (m.rcode, ==, 3);
  g_assert_cmpuint (m.id, ==, 0xabcd);
  g_assert_cmpstr (m.qname, ==, "www.example.com");
  g_assert_cmpuint (m.qtype, ==, 1);
  g_assert_cmpuint (m.addresses->len, ==, 2);
  a = &g_array_index (m.addresses, NetlensDnsAddress, 0);
  g_assert_cmpint (a->family, ==, NETLENS_FAMILY_IPV4);
  g_assert_cmpstr (a->owner, ==, "www.example.com");  /* answer: the question's name */
  a = &g_array_index (m.addresses, NetlensDnsAddress, 1);
  g_assert_cmpint (a->family, ==, NETLENS_FAMILY_IPV6);
  g_assert_cmpstr (a->owner, ==, "ns.example.com");   /* additional: its own name */
  _netlens_dns_message_clear (&m);

  g_assert_true (_netlens_dns_looks_valid (msg->data, msg->len));
  for (gsize n = 0; n < msg->len; n++)
    {
      guint8 *copy = g_memdup2 (msg->data, n);

      g_assert_false (_netlens_dns_looks_valid (copy, n));
      if (_netlens_dns_parse (copy, n, &m))
        _netlens_dns_message_clear (&m);
      g_free (copy);
    }
}

static void
test_name_cache (void)
{
  NetlensNameCache *cache = netlens_name_cache_new (3, 60);
  NetlensAddr a[5] = { { { 0 } } };
  char *name;

  for (int i = 0; i < 5; i++)
    a[i].bytes[3] = i + 1;
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *n = g_strdup_printf ("host%d.example", i);
      netlens_name_cache_insert (cache, NETLENS_FAMILY_IPV4, &a[i], n, 1000000 * (gint64) i);
    }
  /* bounded: the oldest went */
  g_assert_cmpuint (netlens_name_cache_get_size (cache), ==, 3);
  g_assert_null (netlens_name_cache_lookup (cache, NETLENS_FAMILY_IPV4, &a[0], 5000000));
  name = netlens_name_cache_lookup (cache, NETLENS_FAMILY_IPV4, &a[3], 5000000);
  g_assert_cmpstr (name, ==, "host3.example");
  g_ref_string_release (name);
  /* freshness window: 60 s after the answer */
  g_assert_null (netlens_name_cache_lookup (cache, NETLENS_FAMILY_IPV4, &a[1], 62000000));
  name = netlens_name_cache_lookup (cache, NETLENS_FAMILY_IPV4, &a[1], 61000000);
  g_assert_cmpstr (name, ==, "host1.example");
  g_ref_string_release (name);
  /* a re-answer refreshes and renames */
  netlens_name_cache_insert (cache, NETLENS_FAMILY_IPV4, &a[1], "new.example", 100000000);
  name = netlens_name_cache_lookup (cache, NETLENS_FAMILY_IPV4, &a[1], 150000000);
  g_assert_cmpstr (name, ==, "new.example");
  g_ref_string_release (name);
  /* the family is part of the key */
  g_assert_null (netlens_name_cache_lookup (cache, NETLENS_FAMILY_IPV6, &a[1], 100000000));
  netlens_name_cache_free (cache);
}

static gpointer
cache_thread (gpointer data)
{
  NetlensNameCache *cache = data;

  for (guint i = 0; i < 20000; i++)
    {
      NetlensAddr a = { { 0 } };
      char *n;

      a.bytes[2] = i >> 8;
      a.bytes[3] = i;
      netlens_name_cache_insert (cache, NETLENS_FAMILY_IPV4, &a, "t.example", i);
      n = netlens_name_cache_lookup (cache, NETLENS_FAMILY_IPV4, &a, i);
      if (n != NULL)
        g_ref_string_release (n);
    }
  return NULL;
}

static void
test_name_cache_threads (void)
{
  NetlensNameCache *cache = netlens_name_cache_new (1000, 60);
  GThread *t[4];

  for (int i = 0; i < 4; i++)
    t[i] = g_thread_new ("cache", cache_thread, cache);
  for (int i = 0; i < 4; i++)
    g_thread_join (t[i]);
  g_assert_cmpuint (netlens_name_cache_get_size (cache), <=, 1000);
  netlens_name_cache_free (cache);
}

static gboolean
send_udp (NetlensConnection *conn, gboolean from_local, const GByteArray *data,
          NetlensNameCache *names)
{
  NetlensPacket pkt = { 0, };

  pkt.proto = NETLENS_PROTO_UDP;
  pkt.family = NETLENS_FAMILY_IPV4;
  pkt.sport = from_local ? conn->key.lport : conn->key.rport;
  pkt.dport = from_local ? conn->key.rport : conn->key.lport;
  pkt.payload = data->data;
  pkt.payload_len = data->len;
  pkt.ts_us = 1000;
  return netlens_dpi_inspect (conn, &pkt, from_local, names);
}

static JsonNode *
dpi_json (const NetlensDpi *dpi)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  netlens_dpi_write_json (dpi, out);
  node = json_from_string (out->str, &error);
  g_assert_no_error (error);
  return node;
}

static void
test_udp_and_export (void)
{
  g_autoptr(GByteArray) resp = hex_bytes (response_hex);
  NetlensNameCache *names = netlens_name_cache_new (100, 3600);
  NetlensConnection conn = { 0, };
  NetlensConnection odd = { 0, };
  NetlensAddr addr = { { 93, 184, 216, 34 } };
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  char *name;
  JsonObject *o;
  JsonArray *dns;
  guint n_cols = 0;

  conn.key.proto = NETLENS_PROTO_UDP;
  conn.key.lport = 40000;
  conn.key.rport = 53;
  g_assert_true (send_udp (&conn, FALSE, resp, names));
  g_assert_cmpint (conn.app, ==, NETLENS_APP_DNS);
  g_assert_cmpint (conn.app_state, ==, NETLENS_APP_STATE_DNS_RESPONSE);
  name = netlens_name_cache_lookup (names, NETLENS_FAMILY_IPV4, &addr, 2000);
  g_assert_cmpstr (name, ==, "www.example.com");
  g_ref_string_release (name);

  node = dpi_json (conn.dpi);
  o = json_node_get_object (node);
  g_assert_true (json_object_get_null_member (o, "http"));
  g_assert_true (json_object_get_null_member (o, "quic"));
  dns = json_object_get_array_member (o, "dns");
  g_assert_cmpuint (json_array_get_length (dns), ==, 1);
  o = json_array_get_object_element (dns, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "www.example.com");
  g_assert_cmpstr (json_object_get_string_member (o, "qtype_name"), ==, "A");
  g_assert_cmpint (json_object_get_int_member (o, "rcode"), ==, 3);
  g_assert_false (json_object_get_boolean_member (o, "query"));
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (o, "answers"), 1),
                   ==, "2001:db8::1");

  netlens_dpi_write_csv (conn.dpi, cells);
  for (const char *const *h = netlens_dpi_csv_header (); *h; h++)
    n_cols++;
  g_assert_cmpuint (cells->len, ==, n_cols);

  /* DNS on an unusual port is recognised only when the datagram parses exactly. */
  odd.key.proto = NETLENS_PROTO_UDP;
  odd.key.lport = 21554;
  odd.key.rport = 5333;
  send_udp (&odd, FALSE, resp, names);
  g_assert_cmpint (odd.app, ==, NETLENS_APP_DNS);

  netlens_dpi_free (conn.dpi);
  netlens_dpi_free (odd.dpi);
  netlens_name_cache_free (names);
}

static void
test_json_null_and_escaping (void)
{
  g_autoptr(JsonNode) node = dpi_json (NULL);
  g_autoptr(JsonNode) node2 = NULL;
  NetlensConnection conn = { 0, };
  /* a Host header with a quote, a backslash and a non-UTF-8 byte */
  static const char req[] = "GET / HTTP/1.1\r\nHost: a\"b\\c\xff\r\n\r\n";
  NetlensPacket pkt = { 0, };
  JsonObject *http;

  g_assert_true (json_object_get_null_member (json_node_get_object (node), "tls"));
  g_assert_true (json_object_get_null_member (json_node_get_object (node), "arp"));

  conn.key.proto = NETLENS_PROTO_TCP;
  conn.key.lport = 40000;
  conn.key.rport = 80;
  pkt.proto = NETLENS_PROTO_TCP;
  pkt.tcp_seq = 1;
  pkt.payload = (const guint8 *) req;
  pkt.payload_len = strlen (req);
  netlens_dpi_inspect (&conn, &pkt, TRUE, NULL);
  node2 = dpi_json (conn.dpi);
  http = json_object_get_object_member (json_node_get_object (node2), "http");
  g_assert_nonnull (http);
  g_assert_true (g_str_has_prefix (json_array_get_string_element (
                   json_object_get_array_member (http, "hosts"), 0), "a\"b\\c"));
  netlens_dpi_free (conn.dpi);
}

static void
test_icmp_arp (void)
{
  NetlensConnection icmp = { 0, }, arp = { 0, };
  NetlensPacket pkt = { 0, };
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) node2 = NULL;
  JsonObject *o;

  pkt.proto = NETLENS_PROTO_ICMP;
  pkt.icmp_type = 8;
  pkt.icmp_id = 77;
  pkt.icmp_seq = 1;
  netlens_dpi_note_control (&icmp, &pkt, TRUE);
  pkt.icmp_type = 0;
  netlens_dpi_note_control (&icmp, &pkt, FALSE);
  pkt.icmp_type = 3;
  pkt.icmp_code = 1;
  netlens_dpi_note_control (&icmp, &pkt, FALSE);
  node = dpi_json (icmp.dpi);
  o = json_object_get_object_member (json_node_get_object (node), "icmp");
  g_assert_cmpint (json_object_get_int_member (o, "echo_requests"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "echo_replies"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "types"), "3"),
                   ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "last_code"), ==, 1);
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (o, "echo_ids"), 0),
                   ==, 77);

  memset (&pkt, 0, sizeof pkt);
  pkt.proto = NETLENS_PROTO_ARP;
  pkt.arp_op = 1;
  memcpy (pkt.arp_sha, "\x02\x00\x00\x00\x00\x01", 6);
  pkt.src.bytes[0] = 10; pkt.src.bytes[3] = 1;
  pkt.dst.bytes[0] = 10; pkt.dst.bytes[3] = 2;
  netlens_dpi_note_control (&arp, &pkt, TRUE);
  node2 = dpi_json (arp.dpi);
  o = json_object_get_object_member (json_node_get_object (node2), "arp");
  g_assert_cmpint (json_object_get_int_member (o, "requests"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "sender_mac"), ==, "02:00:00:00:00:01");
  g_assert_cmpstr (json_object_get_string_member (o, "sender_ip"), ==, "10.0.0.1");
  g_assert_cmpstr (json_object_get_string_member (o, "target_ip"), ==, "10.0.0.2");
  g_assert_cmpstr (json_object_get_string_member (o, "last_op"), ==, "request");

  netlens_dpi_free (icmp.dpi);
  netlens_dpi_free (arp.dpi);
}

static void
test_ssdp (void)
{
  static const char notify[] = "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
                               "NT: upnp:rootdevice\r\n\r\n";
  g_autoptr(GByteArray) msg = g_byte_array_new ();
  NetlensConnection conn = { 0, };

  g_byte_array_append (msg, (const guint8 *) notify, strlen (notify));
  conn.key.proto = NETLENS_PROTO_UDP;
  conn.key.lport = 45335;
  conn.key.rport = 1900;
  g_assert_true (send_udp (&conn, TRUE, msg, NULL));
  send_udp (&conn, TRUE, msg, NULL);
  g_assert_cmpint (conn.app, ==, NETLENS_APP_HTTP);
  g_assert_cmpstr (netlens_dpi_get_http_host (conn.dpi), ==, "239.255.255.250:1900");
  g_assert_cmpuint (conn.dpi->http->requests, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (conn.dpi->http->methods, 0), ==, "NOTIFY");
  netlens_dpi_free (conn.dpi);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dpi/dns/names", test_names);
  g_test_add_func ("/dpi/dns/pointer-loop", test_pointer_loop);
  g_test_add_func ("/dpi/dns/message", test_message);
  g_test_add_func ("/dpi/dns/name-cache", test_name_cache);
  g_test_add_func ("/dpi/dns/name-cache-threads", test_name_cache_threads);
  g_test_add_func ("/dpi/dns/udp-and-export", test_udp_and_export);
  g_test_add_func ("/dpi/export/null-and-escaping", test_json_null_and_escaping);
  g_test_add_func ("/dpi/control/icmp-arp", test_icmp_arp);
  g_test_add_func ("/dpi/http/ssdp", test_ssdp);
  return g_test_run ();
}
