/* test-query.c: the filter bar's query language against hand-built rows
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-test-query"

#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include <glib.h>

#include "netlens-connection.h"
#include "netlens-dpi.h"
#include "netlens-query.h"

/* ------------------------------------------------------------------------ */
/* Rows */

typedef struct
{
  const char        *name;
  NetlensConnection *conn;
} Row;

static GPtrArray *rows;  /* Row * */

static void
parse_addr (const char    *text,
            NetlensFamily *family,
            NetlensAddr   *addr)
{
  memset (addr, 0, sizeof *addr);
  if (inet_pton (AF_INET, text, addr->bytes) == 1)
    *family = NETLENS_FAMILY_IPV4;
  else if (inet_pton (AF_INET6, text, addr->bytes) == 1)
    *family = NETLENS_FAMILY_IPV6;
  else
    g_assert_not_reached ();
}

static NetlensConnection *
conn_new (NetlensProto proto,
          const char  *laddr,
          guint16      lport,
          const char  *raddr,
          guint16      rport,
          NetlensState state)
{
  NetlensConnection *conn = g_new0 (NetlensConnection, 1);
  NetlensFamily family;

  conn->key.proto = proto;
  parse_addr (laddr, &family, &conn->key.laddr);
  parse_addr (raddr, &family, &conn->key.raddr);
  conn->key.family = family;
  conn->key.lport = lport;
  conn->key.rport = rport;
  conn->state = state;
  return conn;
}

static NetlensOwner *
owner_new (const char *name,
           guint32     pid,
           const char *user,
           guint32     uid,
           const char *exe,
           const char *cmdline,
           const char *app_id)
{
  NetlensOwner *owner = netlens_owner_new ();

  owner->name = g_strdup (name);
  owner->pid = pid;
  owner->user = g_strdup (user);
  owner->uid = uid;
  owner->exe = g_strdup (exe);
  owner->cmdline = g_strdup (cmdline);
  owner->app_id = g_strdup (app_id);
  return owner;
}

/* ---- DPI through its real entry point: one TCP stream, handshake first ---- */

static void
packet_init (NetlensPacket           *pkt,
             const NetlensConnection *conn,
             gboolean                 from_local,
             guint8                   flags,
             guint32                  seq,
             guint32                  ack,
             const guint8            *payload,
             gsize                    len)
{
  static gint64 now = 1700000000000000;

  memset (pkt, 0, sizeof *pkt);
  pkt->ts_us = now += 1000;
  pkt->proto = conn->key.proto;
  pkt->family = conn->key.family;
  pkt->ip_proto = 6;
  pkt->tcp_flags = flags;
  pkt->src = from_local ? conn->key.laddr : conn->key.raddr;
  pkt->dst = from_local ? conn->key.raddr : conn->key.laddr;
  pkt->sport = from_local ? conn->key.lport : conn->key.rport;
  pkt->dport = from_local ? conn->key.rport : conn->key.lport;
  pkt->tcp_seq = seq;
  pkt->tcp_ack = ack;
  pkt->tcp_window = 65535;
  pkt->payload = payload;
  pkt->payload_len = len;
  pkt->payload_wire_len = len;
  pkt->caplen = pkt->wirelen = 54 + len;
  pkt->ip_total_len = 40 + len;
  pkt->ip_ttl = 64;
}

/* The handshake (CLIENT_IS_LOCAL: the local side sends the SYN), then DATA from the
 * local side (FROM_LOCAL) or from the remote side. */
static void
feed_tcp_stream (NetlensConnection *conn,
                 gboolean           client_is_local,
                 gboolean           from_local,
                 const guint8      *data,
                 gsize              len)
{
  const guint32 local_isn = 1000;
  const guint32 remote_isn = 5000;
  const gboolean c = client_is_local;
  NetlensPacket pkt;

  packet_init (&pkt, conn, c, NETLENS_TCP_SYN, c ? local_isn : remote_isn, 0, NULL, 0);
  netlens_dpi_inspect (conn, &pkt, c, NULL);
  packet_init (&pkt, conn, !c, NETLENS_TCP_SYN | NETLENS_TCP_ACK, c ? remote_isn : local_isn,
               (c ? local_isn : remote_isn) + 1, NULL, 0);
  netlens_dpi_inspect (conn, &pkt, !c, NULL);
  packet_init (&pkt, conn, c, NETLENS_TCP_ACK, (c ? local_isn : remote_isn) + 1,
               (c ? remote_isn : local_isn) + 1, NULL, 0);
  netlens_dpi_inspect (conn, &pkt, c, NULL);

  if (from_local)
    packet_init (&pkt, conn, TRUE, NETLENS_TCP_ACK | NETLENS_TCP_PSH, local_isn + 1,
                 remote_isn + 1, data, len);
  else
    packet_init (&pkt, conn, FALSE, NETLENS_TCP_ACK | NETLENS_TCP_PSH, remote_isn + 1,
                 local_isn + 1, data, len);
  netlens_dpi_inspect (conn, &pkt, from_local, NULL);
}

static void
put16 (GByteArray *b,
       guint       v)
{
  guint8 x[2] = { v >> 8, v & 0xff };

  g_byte_array_append (b, x, 2);
}

static void
put24 (GByteArray *b,
       guint       v)
{
  guint8 x[3] = { v >> 16, (v >> 8) & 0xff, v & 0xff };

  g_byte_array_append (b, x, 3);
}

/* A minimal TLS 1.2 ClientHello record with a server_name extension (RFC 6066 section 3). */
static GByteArray *
client_hello_new (const char *sni)
{
  GByteArray *rec = g_byte_array_new ();
  g_autoptr(GByteArray) hello = g_byte_array_new ();
  g_autoptr(GByteArray) ext = g_byte_array_new ();
  guint8 random[32];
  const guint8 zero = 0, one = 1, hs_type = 1, rec_type = 22;
  gsize n = strlen (sni);

  /* server_name extension */
  put16 (ext, 0x0000);
  put16 (ext, n + 5);
  put16 (ext, n + 3);
  g_byte_array_append (ext, &zero, 1);  /* host_name */
  put16 (ext, n);
  g_byte_array_append (ext, (const guint8 *) sni, n);

  memset (random, 0x42, sizeof random);
  put16 (hello, 0x0303);
  g_byte_array_append (hello, random, sizeof random);
  g_byte_array_append (hello, &zero, 1);        /* session id */
  put16 (hello, 2);
  put16 (hello, 0x1301);                        /* one cipher suite */
  g_byte_array_append (hello, &one, 1);
  g_byte_array_append (hello, &zero, 1);        /* null compression */
  put16 (hello, ext->len);
  g_byte_array_append (hello, ext->data, ext->len);

  g_byte_array_append (rec, &rec_type, 1);
  put16 (rec, 0x0301);
  put16 (rec, hello->len + 4);
  g_byte_array_append (rec, &hs_type, 1);
  put24 (rec, hello->len);
  g_byte_array_append (rec, hello->data, hello->len);
  return rec;
}

static void
give_sni (NetlensConnection *conn,
          const char        *sni)
{
  g_autoptr(GByteArray) hello = client_hello_new (sni);

  feed_tcp_stream (conn, TRUE, TRUE, hello->data, hello->len);
  g_assert_cmpstr (netlens_connection_get_sni (conn), ==, sni);
}

static void
give_http_host (NetlensConnection *conn,
                gboolean           from_local,
                const char        *host)
{
  g_autofree char *request = g_strdup_printf ("GET / HTTP/1.1\r\nHost: %s\r\n"
                                              "User-Agent: test\r\n\r\n", host);

  /* the side that sends the request opened the connection */
  feed_tcp_stream (conn, from_local, from_local, (const guint8 *) request, strlen (request));
  g_assert_cmpstr (netlens_connection_get_http_host (conn), ==, host);
}

static void
give_ssh_banner (NetlensConnection *conn,
                 const char        *banner,
                 const char        *software)
{
  g_autofree char *line = g_strdup_printf ("%s\r\n", banner);

  /* the local client connected; the server speaks first */
  feed_tcp_stream (conn, TRUE, FALSE, (const guint8 *) line, strlen (line));
  g_assert_nonnull (conn->dpi);
  g_assert_cmpstr (netlens_dpi_get_ssh_software (conn->dpi), ==, software);
}

static void
add_row (const char        *name,
         NetlensConnection *conn)
{
  Row *row = g_new0 (Row, 1);

  row->name = name;
  row->conn = conn;
  g_ptr_array_add (rows, row);
}

static void
row_free (gpointer data)
{
  Row *row = data;

  netlens_connection_free (row->conn);
  g_free (row);
}

/* DPI may set app and app_state on its own: the rows fix them afterwards. */
static void
set_states (NetlensConnection *conn,
            NetlensState       state,
            NetlensAppState    app_state,
            NetlensApp         app)
{
  conn->state = state;
  conn->app_state = app_state;
  conn->app = app;
}

static void
build_rows (void)
{
  NetlensConnection *c;
  g_autoptr(NetlensOwner) firefox = owner_new ("firefox-esr", 1234, "alice", 1000,
                                               "/usr/lib/firefox-esr/firefox-esr",
                                               "/usr/lib/firefox-esr/firefox-esr",
                                               "org.mozilla.firefox");
  g_autoptr(NetlensOwner) alice_ssh = owner_new ("ssh", 4242, "alice", 1000, "/usr/bin/ssh",
                                                 "ssh admin@build.example.net", NULL);

  rows = g_ptr_array_new_with_free_func (row_free);

  c = conn_new (NETLENS_PROTO_TCP, "192.168.1.10", 51234, "203.0.113.22", 22,
                NETLENS_STATE_ESTABLISHED);
  give_ssh_banner (c, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", "OpenSSH_9.2p1");
  set_states (c, NETLENS_STATE_ESTABLISHED, NETLENS_APP_STATE_NONE, NETLENS_APP_SSH);
  c->process = netlens_owner_ref (alice_ssh);
  c->dns_name = g_ref_string_new ("build.example.net");
  c->country = g_ref_string_new ("DE");
  c->asn = 24940;
  c->as_org = g_ref_string_new ("Hetzner Online GmbH");
  add_row ("ssh", c);

  c = conn_new (NETLENS_PROTO_TCP, "192.168.1.10", 40000, "142.250.185.78", 443,
                NETLENS_STATE_ESTABLISHED);
  give_sni (c, "www.google.com");
  set_states (c, NETLENS_STATE_ESTABLISHED, NETLENS_APP_STATE_NONE, NETLENS_APP_TLS);
  c->process = netlens_owner_ref (firefox);
  c->country = g_ref_string_new ("US");
  c->asn = 15169;
  c->as_org = g_ref_string_new ("GOOGLE");
  add_row ("https", c);

  c = conn_new (NETLENS_PROTO_UDP, "192.168.1.10", 50000, "142.250.185.99", 443,
                NETLENS_STATE_QUIC_CONNECTED);
  set_states (c, NETLENS_STATE_QUIC_CONNECTED, NETLENS_APP_STATE_NONE, NETLENS_APP_QUIC);
  c->process = netlens_owner_ref (firefox);
  c->dns_name = g_ref_string_new ("fonts.gstatic.com");
  c->reverse_name = g_ref_string_new ("fra24s06-in-f3.1e100.net");
  add_row ("quic", c);

  c = conn_new (NETLENS_PROTO_UDP, "192.168.1.10", 53000, "192.168.1.1", 53,
                NETLENS_STATE_UDP_ACTIVE);
  set_states (c, NETLENS_STATE_UDP_ACTIVE, NETLENS_APP_STATE_DNS_QUERY, NETLENS_APP_DNS);
  c->process = owner_new ("systemd-resolve", 321, "systemd-resolve", 990,
                          "/usr/lib/systemd/systemd-resolved", "/lib/systemd/systemd-resolved",
                          NULL);
  add_row ("dns", c);

  c = conn_new (NETLENS_PROTO_TCP, "10.0.0.2", 443, "198.51.100.7", 61000,
                NETLENS_STATE_SYN_RECV);
  c->process = owner_new ("nginx", 800, "www-data", 33, "/usr/sbin/nginx",
                          "nginx: worker process", NULL);
  add_row ("server", c);

  c = conn_new (NETLENS_PROTO_TCP, "192.168.1.10", 45000, "93.184.216.34", 80,
                NETLENS_STATE_FIN_WAIT1);
  give_http_host (c, TRUE, "example.org");
  set_states (c, NETLENS_STATE_FIN_WAIT1, NETLENS_APP_STATE_NONE, NETLENS_APP_HTTP);
  c->process = owner_new ("curl", 5555, "bob", 1001, "/usr/bin/curl",
                          "curl http://example.org/", NULL);
  add_row ("http", c);

  c = conn_new (NETLENS_PROTO_TCP, "10.0.0.2", 22, "198.51.100.9", 50022,
                NETLENS_STATE_ESTABLISHED);
  give_ssh_banner (c, "SSH-2.0-PuTTY_Release_0.78", "PuTTY_Release_0.78");
  set_states (c, NETLENS_STATE_ESTABLISHED, NETLENS_APP_STATE_NONE, NETLENS_APP_SSH);
  c->process = owner_new ("sshd", 700, "root", 0, "/usr/sbin/sshd",
                          "sshd: admin [priv]", NULL);
  add_row ("sshd", c);

  c = conn_new (NETLENS_PROTO_UDP, "192.168.1.10", 50100, "104.16.132.229", 443,
                NETLENS_STATE_QUIC_HANDSHAKE);
  set_states (c, NETLENS_STATE_QUIC_HANDSHAKE, NETLENS_APP_STATE_NONE, NETLENS_APP_QUIC);
  c->process = owner_new ("chromium", 2000, "alice", 1000, "/usr/lib/chromium/chromium",
                          "/usr/lib/chromium/chromium --type=utility", "chromium");
  c->dns_name = g_ref_string_new ("api.cloudflare.com");
  add_row ("quichs", c);

  c = conn_new (NETLENS_PROTO_TCP, "192.168.1.10", 44321, "140.82.121.4", 8443,
                NETLENS_STATE_FIN_WAIT2);
  c->dns_name = g_ref_string_new ("github.com");
  add_row ("fin2", c);

  c = conn_new (NETLENS_PROTO_ICMP, "192.168.1.10", 0, "8.8.8.8", 0,
                NETLENS_STATE_ECHO_REQUEST);
  c->process = owner_new ("ping", 6000, "alice", 1000, "/usr/bin/ping", "ping 8.8.8.8", NULL);
  add_row ("icmp", c);

  c = conn_new (NETLENS_PROTO_ARP, "192.168.1.10", 0, "192.168.1.1", 0,
                NETLENS_STATE_ARP_REQUEST);
  add_row ("arp", c);

  c = conn_new (NETLENS_PROTO_TCP, "2001:db8::10", 5555, "2606:4700::6810:84e5", 443,
                NETLENS_STATE_ESTABLISHED);
  give_sni (c, "api.example.com");
  set_states (c, NETLENS_STATE_ESTABLISHED, NETLENS_APP_STATE_NONE, NETLENS_APP_TLS);
  c->process = owner_new ("python3", 7000, "alice", 1000, "/usr/bin/python3.11",
                          "python3 client.py", NULL);
  add_row ("v6", c);

  c = conn_new (NETLENS_PROTO_TCP, "192.168.1.10", 80, "192.168.1.50", 40001,
                NETLENS_STATE_ESTABLISHED);
  give_http_host (c, FALSE, "intranet.lan");
  set_states (c, NETLENS_STATE_ESTABLISHED, NETLENS_APP_STATE_NONE, NETLENS_APP_HTTP);
  c->process = owner_new ("httpd", 900, "www-data", 33, "/usr/sbin/httpd", "httpd -k start",
                          NULL);
  c->peer_process = owner_new ("wget", 901, "carol", 1002, "/usr/bin/wget",
                               "wget http://intranet.lan/", NULL);
  add_row ("web80", c);

  c = conn_new (NETLENS_PROTO_TCP, "192.168.1.10", 52000, "140.82.121.4", 22,
                NETLENS_STATE_SYN_SENT);
  c->process = owner_new ("ssh", 8000, "alice", 1000, "/usr/bin/ssh",
                          "/usr/bin/ssh git@github.com git-upload-pack 'netlens.git'", NULL);
  c->peer_process = owner_new ("git", 7999, "alice", 1000, "/usr/bin/git", "git fetch", NULL);
  c->dns_name = g_ref_string_new ("github.com");
  add_row ("github", c);
}

/* The names of the rows QUERY matches, in fixture order, joined with ','. */
static char *
matching (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensQuery) query = netlens_query_parse (text, &error);
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_nonnull (query);

  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = g_ptr_array_index (rows, i);

      if (netlens_query_match (query, row->conn))
        {
          if (out->len > 0)
            g_string_append_c (out, ',');
          g_string_append (out, row->name);
        }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

#define assert_matches(text, expected) \
  G_STMT_START { \
    g_autofree char *__got = matching (text); \
    if (g_strcmp0 (__got, (expected)) != 0) \
      g_error ("query “%s”: matched “%s”, expected “%s”", (text), __got, (expected)); \
  } G_STMT_END

#define ALL "ssh,https,quic,dns,server,http,sshd,quichs,fin2,icmp,arp,v6,web80,github"

/* ------------------------------------------------------------------------ */
/* Tests */

static void
test_match_all (void)
{
  const char *blank[] = { NULL, "", " ", "\t \n" };

  for (guint i = 0; i < G_N_ELEMENTS (blank); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NetlensQuery) query = netlens_query_parse (blank[i], &error);

      g_assert_no_error (error);
      g_assert_true (netlens_query_is_match_all (query));
      g_assert_cmpstr (netlens_query_to_string (query), ==, "");
    }
  assert_matches ("", ALL);
  assert_matches ("   ", ALL);

  {
    g_autoptr(NetlensQuery) query = netlens_query_parse ("tcp", NULL);

    g_assert_false (netlens_query_is_match_all (query));
  }
}

/* Every example of the seed's filter documentation. */
static void
test_seed_examples (void)
{
  assert_matches ("port:44", "https,quic,server,quichs,fin2,v6");
  assert_matches ("sport:80", "web80");
  assert_matches ("dport:443", "https,quic,quichs,fin2,v6");
  assert_matches ("src:192.168", "ssh,https,quic,dns,http,quichs,fin2,icmp,arp,web80,github");
  assert_matches ("dst:github.com", "fin2,github");
  assert_matches ("process:ssh", "ssh,sshd,github");
  assert_matches ("sni:api", "v6");
  assert_matches ("ssh:openssh", "ssh");
  assert_matches ("state:established", "ssh,https,sshd,v6,web80");
  assert_matches ("state:syn_recv", "server");
  assert_matches ("state:fin_wait", "http,fin2");
  assert_matches ("state:quic_handshake", "quichs");
  assert_matches ("state:dns_query", "dns");
  assert_matches ("state:udp_active", "dns");
  assert_matches ("proto:tcp state:established", "ssh,https,sshd,v6,web80");
  assert_matches ("process:firefox state:quic_connected", "quic");
  assert_matches ("dport:22 ssh:openssh", "ssh");
  assert_matches ("state:established ssh:openssh", "ssh");
  assert_matches ("sport:443 state:syn_recv", "server");
  assert_matches ("dport:443 sni:google.com", "https");
}

static void
test_ports (void)
{
  /* substring, as documented: port:44 also finds 8443 */
  assert_matches ("port:22", "ssh,sshd,github");
  assert_matches ("port:\"443\"", "https,quic,server,quichs,v6");
  assert_matches ("dport:\"443\"", "https,quic,quichs,v6");
  assert_matches ("sport:\"443\"", "server");
  assert_matches ("port:8443", "fin2");
  /* ICMP and ARP rows have no ports: port:0 finds nothing */
  assert_matches ("port:0", "https,quic,dns,server,http,sshd,quichs,web80,github");
  assert_matches ("port:\"0\"", "");
  /* aliases */
  assert_matches ("lport:80", "web80");
  assert_matches ("srcport:80", "web80");
  assert_matches ("src_port:80", "web80");
  assert_matches ("local_port:80", "web80");
  assert_matches ("rport:443", "https,quic,quichs,fin2,v6");
  assert_matches ("dstport:443", "https,quic,quichs,fin2,v6");
  assert_matches ("dst_port:443", "https,quic,quichs,fin2,v6");
  assert_matches ("remote_port:443", "https,quic,quichs,fin2,v6");
  assert_matches ("PORT:53", "dns");
  /* numeric ranges */
  assert_matches ("port:1-100", "ssh,dns,http,sshd,web80,github");
  assert_matches ("port:443-443", "https,quic,server,quichs,v6");
  assert_matches ("dport:<1024", "ssh,https,quic,dns,http,quichs,v6,github");
  assert_matches ("sport:>=49152", "ssh,quic,dns,quichs,github");
  assert_matches ("sport:>50000", "ssh,dns,quichs,github");
  assert_matches ("sport:<=80", "sshd,web80");
  assert_matches ("port:0-65535",
                  "ssh,https,quic,dns,server,http,sshd,quichs,fin2,v6,web80,github");
  assert_matches ("pid:1000-2000", "https,quic,quichs");
  assert_matches ("pid:>7000", "github");
  assert_matches ("!dport:<1024", "server,sshd,fin2,icmp,arp,web80");
}

static void
test_addresses (void)
{
  assert_matches ("src:10.0", "server,sshd");
  assert_matches ("local:10.0", "server,sshd");
  assert_matches ("laddr:10.0", "server,sshd");
  assert_matches ("saddr:10.0", "server,sshd");
  assert_matches ("dst:203.0.113", "ssh");
  assert_matches ("remote:203.0.113", "ssh");
  assert_matches ("raddr:203.0.113", "ssh");
  assert_matches ("daddr:203.0.113", "ssh");
  /* dst: every name known for the remote end */
  assert_matches ("dst:google", "https");            /* SNI */
  assert_matches ("dst:example.org", "http");        /* HTTP Host */
  assert_matches ("dst:gstatic", "quic");            /* passive DNS */
  assert_matches ("dst:1e100.net", "quic");          /* reverse DNS */
  assert_matches ("dst:\"github.com\"", "fin2,github");
  assert_matches ("dst:\"github\"", "");
  assert_matches ("dst:\"8.8.8.8\"", "icmp");
  assert_matches ("src:\"8.8.8.8\"", "");
  /* IPv6 */
  assert_matches ("src:2001:db8", "v6");
  assert_matches ("dst:2606:4700::6810:84e5", "v6");
  assert_matches ("dst:\"2606:4700::6810:84E5\"", "v6");
  /* ranges */
  assert_matches ("src:10.0.0.0/8", "server,sshd");
  assert_matches ("src:192.168.1.0/24",
                  "ssh,https,quic,dns,http,quichs,fin2,icmp,arp,web80,github");
  assert_matches ("dst:140.82.0.0/16", "fin2,github");
  assert_matches ("dst:140.82.121.4/32", "fin2,github");
  assert_matches ("dst:142.250.185.64/28", "https");
  assert_matches ("dst:142.250.185.96/27", "quic");
  assert_matches ("src:2001:db8::/32", "v6");
  assert_matches ("dst:2606:4700::/32", "v6");
  assert_matches ("src:0.0.0.0/0", "ssh,https,quic,dns,server,http,sshd,quichs,fin2,icmp,arp,"
                  "web80,github");
  assert_matches ("198.51.100.0/24", "server,sshd");  /* bare: either end */
}

static void
test_process_fields (void)
{
  assert_matches ("process:firefox", "https,quic");
  assert_matches ("process:mozilla", "https,quic");     /* desktop application id */
  assert_matches ("process:\"ssh\"", "ssh,github");
  assert_matches ("proc:nginx", "server");
  assert_matches ("program:nginx", "server");
  assert_matches ("comm:nginx", "server");
  assert_matches ("process:wget", "web80");             /* the peer process */
  assert_matches ("process:git", "github");
  assert_matches ("pid:42", "ssh");
  assert_matches ("pid:1234", "https,quic");
  assert_matches ("pid:\"700\"", "sshd");
  assert_matches ("pid:7999", "github");
  assert_matches ("pid:90", "web80");                   /* 900 and the peer's 901 */
  assert_matches ("user:alice", "ssh,https,quic,quichs,icmp,v6,github");
  assert_matches ("user:www", "server,web80");
  assert_matches ("user:carol", "web80");
  assert_matches ("user:\"0\"", "sshd");                /* uid */
  assert_matches ("uid:\"33\"", "server,web80");
  assert_matches ("cmdline:build.example", "ssh");
  assert_matches ("cmd:\"git fetch\"", "github");
  assert_matches ("command:worker", "server");
  assert_matches ("cmdline:usr/bin/python3.1", "v6");  /* the executable */
}

static void
test_names_and_dpi (void)
{
  assert_matches ("sni:google", "https");
  assert_matches ("sni:\"www.google.com\"", "https");
  assert_matches ("sni:\"google.com\"", "");
  assert_matches ("host:example", "http");
  assert_matches ("http_host:intranet", "web80");
  assert_matches ("host:google", "");
  assert_matches ("name:github", "fin2,github");
  assert_matches ("hostname:example", "ssh,http,v6");
  assert_matches ("ssh:putty", "sshd");
  assert_matches ("ssh:\"openssh_9.2p1\"", "ssh");
  assert_matches ("ssh:ssh", "ssh");
}

static void
test_state_and_app (void)
{
  assert_matches ("state:ESTABLISHED", "ssh,https,sshd,v6,web80");
  assert_matches ("status:established", "ssh,https,sshd,v6,web80");
  assert_matches ("state:fin-wait", "http,fin2");
  assert_matches ("state:\"fin_wait1\"", "http");
  assert_matches ("state:\"fin_wait\"", "");
  assert_matches ("state:quic", "quic,quichs");
  assert_matches ("state:syn", "server,github");
  assert_matches ("state:echo", "icmp");
  assert_matches ("state:arp", "arp");
  assert_matches ("state:none", "");
  assert_matches ("state:dns", "dns");
  assert_matches ("app:tls", "https,v6");
  assert_matches ("app:quic", "quic,quichs");
  assert_matches ("app:http", "http,web80");
  assert_matches ("application:dns", "dns");
  assert_matches ("app:ssh", "ssh,sshd");
  assert_matches ("app:\"TLS\"", "https,v6");
  assert_matches ("proto:udp", "quic,dns,quichs");
  assert_matches ("protocol:icmp", "icmp");
  assert_matches ("proto:\"tcp\"", "ssh,https,server,http,sshd,fin2,v6,web80,github");
  assert_matches ("proto:arp", "arp");
}

static void
test_service_and_geo (void)
{
  assert_matches ("service:ssh", "ssh,sshd,github");
  assert_matches ("svc:domain", "dns");
  assert_matches ("service:\"http\"", "http,web80");
  assert_matches ("country:de", "ssh");
  assert_matches ("geo:US", "https");
  assert_matches ("asn:15169", "https");
  assert_matches ("asn:as24940", "ssh");
  assert_matches ("asn:\"24940\"", "ssh");
  assert_matches ("as:\"AS15169\"", "https");
  assert_matches ("org:hetzner", "ssh");
  assert_matches ("as_org:google", "https");
}

static void
test_bare_words (void)
{
  assert_matches ("firefox", "https,quic");
  assert_matches ("FireFox", "https,quic");
  assert_matches ("openssh", "ssh");           /* SSH software (DPI) */
  assert_matches ("putty", "sshd");
  assert_matches ("google", "https");          /* SNI and AS organisation */
  assert_matches ("example", "ssh,http,v6");   /* DNS name, HTTP Host, SNI, command line */
  assert_matches ("1e100", "quic");            /* reverse DNS */
  assert_matches ("8.8.8.8", "icmp");
  assert_matches ("2001:db8", "v6");           /* hex before the colon: an address, not a keyword */
  assert_matches ("fe80::1", "");
  assert_matches ("carol", "web80");
  assert_matches ("quic_handshake", "quichs");
  assert_matches ("dns_query", "dns");
  assert_matches ("hetzner", "ssh");
  assert_matches ("AS15169", "https");
  assert_matches ("61000", "server");
  assert_matches ("udp", "quic,dns,quichs");
  assert_matches ("\"firefox-esr\"", "https,quic");   /* a quoted bare word: a field equals it */
  assert_matches ("\"firefox\"", "");
  assert_matches ("/^fire.*esr$/", "https,quic");
  /* a bare regex looks at one field at a time: "esr" and "alice" are in different fields */
  assert_matches ("/esr.*alice/", "");
  assert_matches ("/^alice$/", "ssh,https,quic,quichs,icmp,v6,github");
  assert_matches ("/^1234$/", "https,quic");
  assert_matches ("/^tcp$/", "ssh,https,server,http,sshd,fin2,v6,web80,github");
  assert_matches ("/^quic_handshake$/", "quichs");
  assert_matches ("nothing-has-this", "");
}

static void
test_boolean (void)
{
  assert_matches ("!proto:tcp", "quic,dns,quichs,icmp,arp");
  assert_matches ("! proto:tcp", "quic,dns,quichs,icmp,arp");
  assert_matches ("!!proto:icmp", "icmp");
  assert_matches ("!(proto:tcp | proto:udp)", "icmp,arp");
  assert_matches ("!proto:tcp !proto:udp", "icmp,arp");
  assert_matches ("sni:google | host:example", "https,http");
  assert_matches ("sni:google || host:example", "https,http");
  assert_matches ("port:22 | port:53", "ssh,dns,sshd,github");
  assert_matches ("proto:udp && app:dns", "dns");
  assert_matches ("proto:udp & app:dns", "dns");
  /* AND binds tighter than OR */
  assert_matches ("process:firefox | process:ssh state:established", "ssh,https,quic,sshd");
  assert_matches ("(process:firefox | process:ssh) state:established", "ssh,https,sshd");
  assert_matches ("proto:udp (state:quic | app:dns)", "quic,dns,quichs");
  assert_matches ("((proto:udp))", "quic,dns,quichs");
  assert_matches ("(proto:icmp)(proto:icmp)", "icmp");
  assert_matches ("!(process:firefox | !proto:udp)", "dns,quichs");
  assert_matches ("proto:icmp|proto:arp", "icmp,arp");
}

static void
test_regex (void)
{
  assert_matches ("sni:/^www\\.google\\.com$/", "https");
  assert_matches ("process:/^ssh$/", "ssh,github");
  assert_matches ("dport:/^443$/", "https,quic,quichs,v6");
  assert_matches ("state:/^Est/", "ssh,https,sshd,v6,web80");
  assert_matches ("state:/wait[12]$/", "http,fin2");
  assert_matches ("cmdline:/\\/usr\\/lib\\//", "https,quic,dns,quichs");
  assert_matches ("/openssh_9/", "ssh");
  assert_matches ("dst:/^github\\.com$/", "fin2,github");
  assert_matches ("!process:/./", "fin2,arp");
  assert_matches ("ssh:/putty|openssh/", "ssh,sshd");
}

static void
test_quoted (void)
{
  assert_matches ("process:\"ssh\"", "ssh,github");
  assert_matches ("process:\"SSH\"", "ssh,github");
  assert_matches ("process:\"ss\"", "");
  assert_matches ("cmdline:\"ssh admin@build.example.net\"", "ssh");
  assert_matches ("cmdline:\"nginx: worker process\"", "server");
  assert_matches ("cmdline:\"/usr/bin/ssh git@github.com git-upload-pack 'netlens.git'\"",
                  "github");
  assert_matches ("(process:\"nginx\")", "server");
}

/* Fields longer than the bare-regex batch buffer, and many fields that fill it. */
static void
test_long_fields (void)
{
  g_autoptr(NetlensConnection) conn = conn_new (NETLENS_PROTO_TCP, "192.0.2.1", 40000,
                                                "198.51.100.1", 443, NETLENS_STATE_ESTABLISHED);
  g_autoptr(GString) cmdline = g_string_new (NULL);
  g_autofree char *long_name = g_strnfill (3000, 'n');
  static const struct { const char *text; gboolean match; } cases[] = {
    { "/needle$/", TRUE },
    { "/^x+needle$/", TRUE },
    { "needle", TRUE },
    { "/^n{3000}$/", TRUE },
    { "/^n{3001}/", FALSE },
    { "/^tail$/", TRUE },
    { "/n\\.tail/", FALSE },
    { "/nx/", FALSE },
    { "/^x{7000}/", FALSE },
    /* a field that is not UTF-8: an ASCII regex still searches its bytes, a non-ASCII
     * one skips it, and neither hides the other fields */
    { "/^tail$/ /needle/", TRUE },
    { "/utf-8 org/", TRUE },
    { "/^bad . utf/", TRUE },
    { "/(?:\xc3\xbc|utf-8) org/", FALSE },
    { "/(?:\xc3\xbc|tail)/", TRUE },
    { "utf-8 org", TRUE },
    { "\"bad \xff utf-8 org\"", TRUE },
    { "as_org:/utf-8 org/", TRUE },
    { "as_org:/(?:\xc3\xbc|utf-8) org/", FALSE },
  };

  for (guint i = 0; i < 6000; i++)
    g_string_append_c (cmdline, 'x');
  g_string_append (cmdline, "needle");
  conn->process = owner_new ("long", 1, "u", 1, "/bin/long", cmdline->str, NULL);
  conn->dns_name = g_ref_string_new (long_name);
  conn->reverse_name = g_ref_string_new (long_name);
  conn->country = g_ref_string_new ("tail");
  conn->as_org = g_ref_string_new ("bad \xff utf-8 org");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NetlensQuery) query = netlens_query_parse (cases[i].text, &error);

      g_assert_no_error (error);
      if (netlens_query_match (query, conn) != cases[i].match)
        g_error ("“%s” on the long row: expected %s", cases[i].text,
                 cases[i].match ? "a match" : "no match");
    }
}

typedef struct
{
  const char *text;
  int         code;
  int         start;
  int         end;
  const char *in_message;
} BadQuery;

static void
test_errors (void)
{
  static const BadQuery bad[] = {
    { "foo:bar", NETLENS_QUERY_ERROR_UNKNOWN_KEYWORD, 0, 4, "“foo”" },
    { "proto:tcp foo:bar", NETLENS_QUERY_ERROR_UNKNOWN_KEYWORD, 10, 14, "“foo”" },
    { "prot:tcp", NETLENS_QUERY_ERROR_UNKNOWN_KEYWORD, 0, 5, "did you mean “proto”" },
    { "http://example.org", NETLENS_QUERY_ERROR_UNKNOWN_KEYWORD, 0, 5, "“http”" },
    { "proto:tcp (state:est", NETLENS_QUERY_ERROR_UNBALANCED, 10, 11, "“(”" },
    { "(", NETLENS_QUERY_ERROR_UNBALANCED, 0, 1, "“(”" },
    { "((a)", NETLENS_QUERY_ERROR_UNBALANCED, 0, 1, "“(”" },
    { "proto:tcp)", NETLENS_QUERY_ERROR_UNBALANCED, 9, 10, "“)”" },
    { ")", NETLENS_QUERY_ERROR_UNBALANCED, 0, 1, "“)”" },
    { "(a))", NETLENS_QUERY_ERROR_UNBALANCED, 3, 4, "“)”" },
    { "sni:/a(/", NETLENS_QUERY_ERROR_BAD_REGEX, 4, 8, "“a(”" },
    { "x /[z-a]/", NETLENS_QUERY_ERROR_BAD_REGEX, 2, 9, "regular expression" },
    { "port:", NETLENS_QUERY_ERROR_EMPTY_VALUE, 0, 5, "“port:”" },
    { "a port: b", NETLENS_QUERY_ERROR_EMPTY_VALUE, 2, 7, "“port:”" },
    { "(port:)", NETLENS_QUERY_ERROR_EMPTY_VALUE, 1, 6, "“port:”" },
    { "sni:\"\"", NETLENS_QUERY_ERROR_EMPTY_VALUE, 0, 6, "sni" },
    { "sni://", NETLENS_QUERY_ERROR_EMPTY_VALUE, 0, 6, "sni" },
    { "\"\"", NETLENS_QUERY_ERROR_EMPTY_VALUE, 0, 2, "empty" },
    { "port:http", NETLENS_QUERY_ERROR_BAD_VALUE, 5, 9, "service:http" },
    { "sport:-1", NETLENS_QUERY_ERROR_BAD_VALUE, 6, 8, "range" },
    { "port:2000-1000", NETLENS_QUERY_ERROR_BAD_VALUE, 5, 14, "range" },
    { "port:<0", NETLENS_QUERY_ERROR_BAD_VALUE, 5, 7, "range" },
    { "port:>4294967295", NETLENS_QUERY_ERROR_BAD_VALUE, 5, 16, "range" },
    { "port:<=99999999999", NETLENS_QUERY_ERROR_BAD_VALUE, 5, 18, "range" },
    { "pid:1-x", NETLENS_QUERY_ERROR_BAD_VALUE, 4, 7, "range" },
    { "port:<", NETLENS_QUERY_ERROR_BAD_VALUE, 5, 6, "range" },
    { "port:1-", NETLENS_QUERY_ERROR_BAD_VALUE, 5, 7, "range" },
    { "pid:abc", NETLENS_QUERY_ERROR_BAD_VALUE, 4, 7, "process id" },
    { "src:10.0.0.0/33", NETLENS_QUERY_ERROR_BAD_VALUE, 4, 15, "address range" },
    { "dst:10.0.0.0/x", NETLENS_QUERY_ERROR_BAD_VALUE, 4, 14, "address range" },
    { "a |", NETLENS_QUERY_ERROR_SYNTAX, 2, 3, "“|”" },
    { "a || ", NETLENS_QUERY_ERROR_SYNTAX, 2, 4, "“|”" },
    { "| a", NETLENS_QUERY_ERROR_SYNTAX, 0, 1, "“|”" },
    { "a | | b", NETLENS_QUERY_ERROR_SYNTAX, 2, 3, "“|”" },
    { "(a |)", NETLENS_QUERY_ERROR_SYNTAX, 3, 4, "“|”" },
    { "& a", NETLENS_QUERY_ERROR_SYNTAX, 0, 1, "“&”" },
    { "a &&", NETLENS_QUERY_ERROR_SYNTAX, 2, 4, "“&”" },
    { "!", NETLENS_QUERY_ERROR_SYNTAX, 0, 1, "“!”" },
    { "a !", NETLENS_QUERY_ERROR_SYNTAX, 2, 3, "“!”" },
    { "(!)", NETLENS_QUERY_ERROR_SYNTAX, 1, 2, "“!”" },
    { "!&&a", NETLENS_QUERY_ERROR_SYNTAX, 0, 1, "“!”" },
    { "a & & b", NETLENS_QUERY_ERROR_SYNTAX, 2, 3, "“&”" },
    { "()", NETLENS_QUERY_ERROR_SYNTAX, 0, 2, "parentheses" },
    { "a ( ) b", NETLENS_QUERY_ERROR_SYNTAX, 2, 5, "parentheses" },
    { "sni:\"abc", NETLENS_QUERY_ERROR_UNTERMINATED, 4, 8, "quote" },
    { "\"abc", NETLENS_QUERY_ERROR_UNTERMINATED, 0, 4, "quote" },
    { "/abc", NETLENS_QUERY_ERROR_UNTERMINATED, 0, 4, "regular expression" },
    { "sni:\"a\\\"", NETLENS_QUERY_ERROR_UNTERMINATED, 4, 8, "quote" },
    { "\"abc\"def", NETLENS_QUERY_ERROR_SYNTAX, 5, 8, "quote" },
    { "sni:/a/b", NETLENS_QUERY_ERROR_SYNTAX, 7, 8, "regular expression" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      NetlensQuery *query = (gpointer) 0x1;
      int start = 1000, end = 1000;
      gboolean ok;

      ok = netlens_query_parse_full (bad[i].text, &query, &start, &end, &error);
      g_test_message ("%s -> %s [%d, %d)", bad[i].text, error ? error->message : "(ok)",
                      start, end);
      g_assert_false (ok);
      g_assert_null (query);
      g_assert_error (error, NETLENS_QUERY_ERROR, bad[i].code);
      if (strstr (error->message, bad[i].in_message) == NULL)
        g_error ("“%s”: message “%s” does not name “%s”", bad[i].text, error->message,
                 bad[i].in_message);
      if (start != bad[i].start || end != bad[i].end)
        g_error ("“%s”: span [%d, %d), expected [%d, %d)", bad[i].text, start, end,
                 bad[i].start, bad[i].end);

      /* the plain API agrees */
      {
        g_autoptr(GError) error2 = NULL;

        g_assert_null (netlens_query_parse (bad[i].text, &error2));
        g_assert_error (error2, NETLENS_QUERY_ERROR, bad[i].code);
        g_assert_null (netlens_query_parse (bad[i].text, NULL));
      }
    }

  /* nesting is bounded, not a stack overflow */
  {
    g_autoptr(GString) deep = g_string_new (NULL);
    g_autoptr(GError) error = NULL;
    int start, end;

    for (guint i = 0; i < 10000; i++)
      g_string_append_c (deep, '(');
    g_string_append (deep, "a");
    g_assert_false (netlens_query_parse_full (deep->str, NULL, &start, &end, &error));
    g_assert_error (error, NETLENS_QUERY_ERROR, NETLENS_QUERY_ERROR_SYNTAX);
    g_assert_cmpint (end, ==, start + 1);
    g_clear_error (&error);

    g_string_truncate (deep, 0);
    for (guint i = 0; i < 10000; i++)
      g_string_append_c (deep, '!');
    g_string_append (deep, "a");
    g_assert_false (netlens_query_parse_full (deep->str, NULL, &start, &end, &error));
    g_assert_error (error, NETLENS_QUERY_ERROR, NETLENS_QUERY_ERROR_SYNTAX);
  }

  /* success resets the span; a NULL out is allowed */
  {
    int start = 7, end = 7;

    g_assert_true (netlens_query_parse_full ("proto:tcp", NULL, &start, &end, NULL));
    g_assert_cmpint (start, ==, -1);
    g_assert_cmpint (end, ==, -1);
  }

  /* non-ASCII text never breaks the parser, and errors quote valid UTF-8 */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(NetlensQuery) query = netlens_query_parse ("größe (ü|ß)", &error);

    g_assert_no_error (error);
    g_assert_nonnull (query);
    g_clear_pointer (&query, netlens_query_unref);
    query = netlens_query_parse ("größe:x keyword\xff:1 ab\xff:c", &error);
    g_assert_no_error (error);
    g_assert_nonnull (query);
    g_assert_null (netlens_query_parse ("größe port:ab\xff\xfe", &error));
    g_assert_error (error, NETLENS_QUERY_ERROR, NETLENS_QUERY_ERROR_BAD_VALUE);
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
    g_clear_error (&error);
    g_assert_null (netlens_query_parse ("sni:/\xff(/", &error));
    g_assert_error (error, NETLENS_QUERY_ERROR, NETLENS_QUERY_ERROR_BAD_REGEX);
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
  }
}

static void
test_to_string (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "lport:80 PROTOCOL:TCP", "sport:80 proto:tcp" },
    { "  Firefox  ", "firefox" },
    { "(a | b) c", "(a | b) c" },
    { "a | (b c)", "a | b c" },
    { "a (b c) (d (e))", "a b c d e" },
    { "a | (b | c)", "a | b | c" },
    { "!(a b)", "!(a b)" },
    { "!!a", "a" },
    { "!(!a)", "a" },
    { "a && b || c & d", "a b | c d" },
    { "sni:\"x\\\"y\\\\z\"", "sni:\"x\\\"y\\\\z\"" },
    { "sni:/a\\/b\\d/", "sni:/a\\/b\\d/" },
    { "state:Fin-Wait", "state:fin_wait" },
    { "uid:0 as:1 geo:de svc:x application:y hostname:z http_host:w",
      "user:0 asn:1 country:de service:x app:y name:z host:w" },
    { "src:10.0.0.0/8", "src:10.0.0.0/8" },
    { "fe80::1", "fe80::1" },
    { "port:<1024 sport:>49151 dport:10-20 pid:>=5",
      "port:<=1023 sport:>=49152 dport:10-20 pid:>=5" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NetlensQuery) query = netlens_query_parse (cases[i].in, &error);
      g_autoptr(NetlensQuery) again = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (netlens_query_to_string (query), ==, cases[i].out);

      /* the canonical form parses back to the same query */
      again = netlens_query_parse (netlens_query_to_string (query), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (netlens_query_to_string (again), ==, cases[i].out);
      g_assert_cmpint (netlens_query_relation (query, again), ==, NETLENS_QUERY_RELATION_SAME);
    }
}

static NetlensQueryRelation
relation (const char *old_text,
          const char *new_text)
{
  g_autoptr(NetlensQuery) a = netlens_query_parse (old_text, NULL);
  g_autoptr(NetlensQuery) b = netlens_query_parse (new_text, NULL);

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  return netlens_query_relation (a, b);
}

static void
test_relation (void)
{
  static const struct { const char *old_text, *new_text; NetlensQueryRelation rel; } cases[] = {
    { "", "", NETLENS_QUERY_RELATION_SAME },
    { "", "f", NETLENS_QUERY_RELATION_STRICTER },
    { "f", "", NETLENS_QUERY_RELATION_LOOSER },
    { "fir", "fire", NETLENS_QUERY_RELATION_STRICTER },
    { "fire", "fir", NETLENS_QUERY_RELATION_LOOSER },
    { "fire", "fire ", NETLENS_QUERY_RELATION_SAME },
    { "fire", "FIRE", NETLENS_QUERY_RELATION_SAME },
    { "fire", "fire p", NETLENS_QUERY_RELATION_STRICTER },
    { "fire p", "fire pr", NETLENS_QUERY_RELATION_STRICTER },
    { "fire pr", "fire", NETLENS_QUERY_RELATION_LOOSER },
    { "port:44", "port:443", NETLENS_QUERY_RELATION_STRICTER },
    { "port:443", "port:\"443\"", NETLENS_QUERY_RELATION_STRICTER },
    { "port:\"443\"", "port:443", NETLENS_QUERY_RELATION_LOOSER },
    { "port:\"443\"", "port:\"4430\"", NETLENS_QUERY_RELATION_DIFFERENT },
    { "port:443", "sport:443", NETLENS_QUERY_RELATION_DIFFERENT },
    { "a | b", "a", NETLENS_QUERY_RELATION_STRICTER },
    { "a", "a | b", NETLENS_QUERY_RELATION_LOOSER },
    { "a | b", "b | a", NETLENS_QUERY_RELATION_SAME },
    { "a b", "b a", NETLENS_QUERY_RELATION_SAME },
    { "!fo", "!foo", NETLENS_QUERY_RELATION_LOOSER },
    { "!foo", "!fo", NETLENS_QUERY_RELATION_STRICTER },
    { "proto:tcp", "proto:udp", NETLENS_QUERY_RELATION_DIFFERENT },
    { "proto:tcp", "!proto:tcp", NETLENS_QUERY_RELATION_DIFFERENT },
    { "src:10.0.0.0/8", "src:10.1.0.0/16", NETLENS_QUERY_RELATION_STRICTER },
    { "src:10.1.0.0/16", "src:10.0.0.0/8", NETLENS_QUERY_RELATION_LOOSER },
    { "src:10.0.0.0/8", "src:11.0.0.0/16", NETLENS_QUERY_RELATION_DIFFERENT },
    { "sni:/x/", "sni:/x/", NETLENS_QUERY_RELATION_SAME },
    { "sni:/x/", "sni:/xy/", NETLENS_QUERY_RELATION_DIFFERENT },
    { "process:fire", "proc:fire", NETLENS_QUERY_RELATION_SAME },
    { "port:1-1000", "port:80-90", NETLENS_QUERY_RELATION_STRICTER },
    { "port:\"80\"", "port:1-100", NETLENS_QUERY_RELATION_LOOSER },
    { "port:<1024", "port:<=1023", NETLENS_QUERY_RELATION_SAME },
    { "port:<1024", "port:80", NETLENS_QUERY_RELATION_DIFFERENT },
    { "port:1-10", "port:5-20", NETLENS_QUERY_RELATION_DIFFERENT },
    { "(a | b) c", "a c", NETLENS_QUERY_RELATION_STRICTER },
    { "a c", "(a | b) c", NETLENS_QUERY_RELATION_LOOSER },
    { "a", "b", NETLENS_QUERY_RELATION_DIFFERENT },
    { "a", "ab | b", NETLENS_QUERY_RELATION_DIFFERENT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      NetlensQueryRelation got;

      got = relation (cases[i].old_text, cases[i].new_text);
      if (got != cases[i].rel)
        g_error ("relation (“%s”, “%s”) = %d, expected %d", cases[i].old_text,
                 cases[i].new_text, got, cases[i].rel);
    }

  /* NULL is "match all" */
  {
    g_autoptr(NetlensQuery) q = netlens_query_parse ("a", NULL);
    g_autoptr(NetlensQuery) all = netlens_query_parse ("", NULL);

    g_assert_cmpint (netlens_query_relation (NULL, q), ==, NETLENS_QUERY_RELATION_STRICTER);
    g_assert_cmpint (netlens_query_relation (q, NULL), ==, NETLENS_QUERY_RELATION_LOOSER);
    g_assert_cmpint (netlens_query_relation (NULL, all), ==, NETLENS_QUERY_RELATION_SAME);
    g_assert_cmpint (netlens_query_relation (NULL, NULL), ==, NETLENS_QUERY_RELATION_SAME);
  }
}

/* relation() must never claim more than the rows show. */
static void
test_relation_sound (void)
{
  static const char *queries[] = {
    "", "f", "fi", "fire", "firefox", "process:fire", "process:\"firefox-esr\"", "port:4",
    "port:44", "port:443", "dport:443", "port:\"443\"", "proto:tcp", "proto:udp", "!proto:tcp",
    "!proto:udp", "state:est", "state:established", "proto:tcp state:est", "a | b",
    "a", "b", "src:10.0.0.0/8", "src:10.0.0.0/16", "src:0.0.0.0/0", "!(a | b)", "!a !b",
    "ssh | firefox", "ssh", "dst:github", "dst:git", "name:github", "sni:/g/", "!sni:/g/",
    "(proto:udp | proto:tcp) state:e", "proto:udp | proto:tcp state:e", "!state:e",
    "port:1-1000", "port:<1024", "port:22-80", "port:\"22\"", "dport:<1024", "!port:<100",
  };
  guint checked = 0;

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    for (guint j = 0; j < G_N_ELEMENTS (queries); j++)
      {
        g_autoptr(NetlensQuery) a = netlens_query_parse (queries[i], NULL);
        g_autoptr(NetlensQuery) b = netlens_query_parse (queries[j], NULL);
        NetlensQueryRelation rel = netlens_query_relation (a, b);

        g_assert_nonnull (a);
        g_assert_nonnull (b);
        if (i == j)
          g_assert_cmpint (rel, ==, NETLENS_QUERY_RELATION_SAME);
        for (guint r = 0; r < rows->len; r++)
          {
            const Row *row = g_ptr_array_index (rows, r);
            gboolean ma = netlens_query_match (a, row->conn);
            gboolean mb = netlens_query_match (b, row->conn);

            if ((rel == NETLENS_QUERY_RELATION_SAME && ma != mb)
                || (rel == NETLENS_QUERY_RELATION_STRICTER && mb && !ma)
                || (rel == NETLENS_QUERY_RELATION_LOOSER && ma && !mb))
              g_error ("relation (“%s”, “%s”) = %d is wrong for row %s", queries[i], queries[j],
                       rel, row->name);
          }
        if (rel != NETLENS_QUERY_RELATION_DIFFERENT)
          checked++;
      }
  g_test_message ("%u query pairs with a known relation, all consistent with the rows", checked);
  g_assert_cmpuint (checked, >, G_N_ELEMENTS (queries));
}

/* relation (A, B) is consistent with what A and B match on the fixture rows. */
static void
assert_relation_sound (const NetlensQuery *a,
                       const NetlensQuery *b)
{
  NetlensQueryRelation rel = netlens_query_relation (a, b);

  for (guint r = 0; r < rows->len; r++)
    {
      const NetlensConnection *conn = ((Row *) g_ptr_array_index (rows, r))->conn;
      gboolean ma = netlens_query_match (a, conn);
      gboolean mb = netlens_query_match (b, conn);

      if ((rel == NETLENS_QUERY_RELATION_SAME && ma != mb)
          || (rel == NETLENS_QUERY_RELATION_STRICTER && mb && !ma)
          || (rel == NETLENS_QUERY_RELATION_LOOSER && ma && !mb))
        g_error ("relation (“%s”, “%s”) = %d is wrong for a row",
                 netlens_query_to_string (a), netlens_query_to_string (b), rel);
    }
}

/* Random token soup: the parser never crashes, spans stay inside the text, and what
 * parses prints to a canonical form that parses back to the same query. */
static void
test_random (void)
{
  static const char *tokens[] = {
    "a", "fire", "port:", "44", "\"", "/", "(", ")", "|", "!", "&", " ", "  ", "sni:", "state:",
    "fin", "\\", ":", "-", "<", ">", "=", "10.0.0.0/8", "\xc3\xbc", "\xff", "dst:", "*", "[",
    "]", "ssh:", "pid:", "1-9", "proto:", "tcp", "fe80::", "x:", "||", "&&", "\t", ".",
  };
  guint n_ok = 0, n_err = 0;

  for (guint i = 0; i < 20000; i++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(NetlensQuery) query = NULL;
      guint n = g_test_rand_int_range (1, 12);
      int start, end;

      for (guint t = 0; t < n; t++)
        g_string_append (text, tokens[g_test_rand_int_range (0, G_N_ELEMENTS (tokens))]);

      if (!netlens_query_parse_full (text->str, &query, &start, &end, &error))
        {
          g_assert_nonnull (error);
          g_assert_null (query);
          g_assert_cmpint (start, >=, 0);
          g_assert_cmpint (start, <=, end);
          g_assert_cmpint (end, <=, (int) text->len);
          g_assert_true (g_utf8_validate (error->message, -1, NULL));
          n_err++;
        }
      else
        {
          g_autoptr(NetlensQuery) again = NULL;
          const char *canonical = netlens_query_to_string (query);

          g_assert_no_error (error);
          g_assert_cmpint (start, ==, -1);
          again = netlens_query_parse (canonical, &error);
          if (again == NULL)
            g_error ("“%s” prints as “%s”, which does not parse: %s", text->str, canonical,
                     error->message);
          g_assert_cmpstr (netlens_query_to_string (again), ==, canonical);
          g_assert_cmpint (netlens_query_relation (query, again), ==,
                           NETLENS_QUERY_RELATION_SAME);
          for (guint r = 0; r < rows->len; r++)
            {
              const NetlensConnection *conn = ((Row *) g_ptr_array_index (rows, r))->conn;

              g_assert_cmpint (netlens_query_match (query, conn), ==,
                               netlens_query_match (again, conn));
            }
          n_ok++;

          /* as typed one byte at a time: each valid prefix against the previous one */
          {
            g_autoptr(NetlensQuery) previous = NULL;

            for (gsize len = 0; len <= text->len; len++)
              {
                g_autofree char *prefix = g_strndup (text->str, len);
                g_autoptr(NetlensQuery) current = netlens_query_parse (prefix, NULL);

                if (current == NULL)
                  continue;
                if (previous != NULL)
                  assert_relation_sound (previous, current);
                g_clear_pointer (&previous, netlens_query_unref);
                previous = g_steal_pointer (&current);
              }
          }
        }
    }
  g_test_message ("random queries: %u parsed, %u errors", n_ok, n_err);
  g_assert_cmpuint (n_ok, >, 1000);
  g_assert_cmpuint (n_err, >, 1000);
}

static void
test_ref (void)
{
  NetlensQuery *q = netlens_query_parse ("proto:tcp", NULL);

  g_assert_true (netlens_query_ref (q) == q);
  netlens_query_unref (q);
  g_assert_cmpstr (netlens_query_to_string (q), ==, "proto:tcp");
  netlens_query_unref (q);
}

/* Queries shared between threads: the compiled query is immutable. */
static gpointer
thread_match (gpointer data)
{
  NetlensQuery *query = data;
  guint n = 0;

  for (guint k = 0; k < 2000; k++)
    for (guint r = 0; r < rows->len; r++)
      n += netlens_query_match (query, ((Row *) g_ptr_array_index (rows, r))->conn);
  return GUINT_TO_POINTER (n);
}

static void
test_threads (void)
{
  g_autoptr(NetlensQuery) query = netlens_query_parse ("/fire|ssh/ | state:est !port:22", NULL);
  GThread *threads[4];
  guint expected = 0;

  for (guint r = 0; r < rows->len; r++)
    expected += netlens_query_match (query, ((Row *) g_ptr_array_index (rows, r))->conn);
  g_assert_cmpuint (expected, >, 0);

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("match", thread_match, netlens_query_ref (query));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_assert_cmpuint (GPOINTER_TO_UINT (g_thread_join (threads[i])), ==, expected * 2000);
      netlens_query_unref (query);
    }
}

/* Not a timed assertion: figures for the report. */
static void
test_benchmark (void)
{
  static const char *queries[] = {
    "proto:tcp state:established",
    "dport:443 sni:google.com",
    "port:44",
    "src:10.0.0.0/8",
    "process:firefox | process:ssh",
    "!state:est",
    "firefox",
    "nothing-matches-this",
    "process:/^fire/",
    "/fire/",
  };
  const guint n_rows = 100000;
  g_autofree NetlensConnection *many = g_new (NetlensConnection, n_rows);

  /* Shallow copies of the fixture rows (sharing owners, names and DPI), ports varied. */
  for (guint i = 0; i < n_rows; i++)
    {
      const Row *row = g_ptr_array_index (rows, i % rows->len);

      many[i] = *row->conn;
      if (netlens_proto_has_ports (many[i].key.proto))
        many[i].key.lport = 1024 + (i * 7919) % 60000;
    }

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autoptr(NetlensQuery) query = netlens_query_parse (queries[q], NULL);
      gint64 best = G_MAXINT64;
      guint hits = 0;

      g_assert_nonnull (query);
      /* the best of 5 passes: the machine is shared */
      for (guint pass = 0; pass < 5; pass++)
        {
          gint64 t0 = g_get_monotonic_time ();

          hits = 0;
          for (guint i = 0; i < n_rows; i++)
            hits += netlens_query_match (query, &many[i]);
          best = MIN (best, g_get_monotonic_time () - t0);
        }
      g_test_message ("benchmark: %-32s %6u of %u rows, %6.1f ms, %5.0f ns per row",
                      queries[q], hits, n_rows, best / 1000.0, best * 1000.0 / n_rows);
    }
}

/* The next `code span` in LINE from *POS, with "\\|" read as "|", or NULL. */
static char *
next_code_span (const char *line,
                gsize      *pos)
{
  const char *open = strchr (line + *pos, '`');
  const char *close;
  g_autoptr(GString) out = g_string_new (NULL);

  if (open == NULL || (close = strchr (open + 1, '`')) == NULL)
    return NULL;
  for (const char *c = open + 1; c < close; c++)
    {
      if (c[0] == '\\' && c[1] == '|')
        c++;
      g_string_append_c (out, *c);
    }
  *pos = close + 1 - line;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The N-th cell (from 0) of a Markdown table row, or NULL. */
static char *
table_cell (const char *line,
            guint       n)
{
  const char *start = NULL;
  guint cell = 0;

  if (line[0] != '|')
    return NULL;
  for (const char *c = line + 1; *c; c++)
    {
      if (start == NULL)
        start = c;
      if (c[0] == '\\' && c[1] == '|')
        {
          c++;
          continue;
        }
      if (*c == '|')
        {
          if (cell == n)
            return g_strndup (start, c - start);
          cell++;
          start = NULL;
        }
    }
  return NULL;
}

static void
assert_parses (const char *text,
               gboolean    valid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensQuery) query = netlens_query_parse (text, &error);

  if (valid && query == NULL)
    g_error ("docs/query.md: “%s” does not parse: %s", text, error->message);
  if (!valid && query != NULL)
    g_error ("docs/query.md: “%s” should be an error", text);
}

/* Every example of the user documentation parses, and every error example fails. */
static void
test_documentation (void)
{
  const char *root = g_getenv ("NETLENS_SOURCE_ROOT");
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  const char *section = "";
  gboolean in_first_block = FALSE, seen_block = FALSE;
  guint n_valid = 0, n_invalid = 0;

  if (root == NULL)
    {
      g_test_skip ("NETLENS_SOURCE_ROOT is not set (run through meson test)");
      return;
    }
  path = g_build_filename (root, "docs", "query.md", NULL);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (g_str_has_prefix (line, "## "))
        section = line + 3;
      if (g_str_has_prefix (line, "```"))
        {
          in_first_block = !in_first_block && !seen_block;
          seen_block = TRUE;
          continue;
        }
      if (in_first_block)
        {
          assert_parses (line, TRUE);
          n_valid++;
        }
      else if (g_str_equal (section, "Examples") && g_str_has_prefix (line, "| `"))
        {
          g_autofree char *cell = table_cell (line, 0);
          gsize pos = 0;
          g_autofree char *query = next_code_span (cell, &pos);

          assert_parses (query, TRUE);
          n_valid++;
        }
      else if (g_str_equal (section, "Errors") && g_str_has_prefix (line, "| "))
        {
          g_autofree char *cell = table_cell (line, 1);
          gsize pos = 0;
          char *query;

          while (cell != NULL && (query = next_code_span (cell, &pos)) != NULL)
            {
              assert_parses (query, FALSE);
              g_free (query);
              n_invalid++;
            }
        }
    }

  g_test_message ("docs/query.md: %u valid and %u invalid examples checked", n_valid, n_invalid);
  g_assert_cmpuint (n_valid, >=, 30);
  g_assert_cmpuint (n_invalid, >=, 15);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  build_rows ();

  g_test_add_func ("/query/match-all", test_match_all);
  g_test_add_func ("/query/seed-examples", test_seed_examples);
  g_test_add_func ("/query/ports", test_ports);
  g_test_add_func ("/query/addresses", test_addresses);
  g_test_add_func ("/query/process-fields", test_process_fields);
  g_test_add_func ("/query/names-and-dpi", test_names_and_dpi);
  g_test_add_func ("/query/state-and-app", test_state_and_app);
  g_test_add_func ("/query/service-and-geo", test_service_and_geo);
  g_test_add_func ("/query/bare-words", test_bare_words);
  g_test_add_func ("/query/boolean", test_boolean);
  g_test_add_func ("/query/regex", test_regex);
  g_test_add_func ("/query/quoted", test_quoted);
  g_test_add_func ("/query/long-fields", test_long_fields);
  g_test_add_func ("/query/errors", test_errors);
  g_test_add_func ("/query/to-string", test_to_string);
  g_test_add_func ("/query/relation", test_relation);
  g_test_add_func ("/query/relation-sound", test_relation_sound);
  g_test_add_func ("/query/documentation", test_documentation);
  g_test_add_func ("/query/random", test_random);
  g_test_add_func ("/query/ref", test_ref);
  g_test_add_func ("/query/threads", test_threads);
  g_test_add_func ("/query/benchmark", test_benchmark);

  ret = g_test_run ();
  g_clear_pointer (&rows, g_ptr_array_unref);
  return ret;
}
