/* test-table.c: every TCP transition, every timeout, generations and tombstones
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib.h>

#include "netlens-conn-table.h"

#define SEC G_GINT64_CONSTANT (1000000)
#define T0 (G_GINT64_CONSTANT (1700000000) * SEC)

typedef struct
{
  NetlensConnTable *table;
  GPtrArray        *ended;   /* snapshots */
  NetlensTimeouts   timeouts;
} Fixture;

static void
on_ended (NetlensConnection *conn,
          gpointer           data)
{
  Fixture *fx = data;

  g_ptr_array_add (fx->ended, netlens_connection_snapshot (conn));
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  NetlensConnTableConfig config = { 0 };

  netlens_timeouts_init_defaults (&fx->timeouts);
  fx->ended = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  config.timeouts = &fx->timeouts;
  config.ended = on_ended;
  config.ended_data = fx;
  config.track_changes = TRUE;
  fx->table = netlens_conn_table_new (&config);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  netlens_conn_table_free (fx->table);
  g_ptr_array_unref (fx->ended);
}

/* client 10.0.0.1:40000, server 10.0.0.2:443 */
static NetlensPacket
mk (NetlensProto proto, gboolean from_client, gint64 ts)
{
  NetlensPacket p;

  memset (&p, 0, sizeof p);
  p.proto = proto;
  p.family = NETLENS_FAMILY_IPV4;
  p.ts_us = ts;
  p.wirelen = p.caplen = 100;
  p.src.bytes[0] = p.dst.bytes[0] = 10;
  p.src.bytes[3] = from_client ? 1 : 2;
  p.dst.bytes[3] = from_client ? 2 : 1;
  if (netlens_proto_has_ports (proto))
    {
      p.sport = from_client ? 40000 : 443;
      p.dport = from_client ? 443 : 40000;
    }
  return p;
}

static NetlensConnection *
tcp_pkt (Fixture *fx, gboolean from_client, guint8 flags, guint32 seq, guint32 ack, guint32 len, gint64 ts)
{
  NetlensPacket p = mk (NETLENS_PROTO_TCP, from_client, ts);

  p.tcp_flags = flags;
  p.tcp_seq = seq;
  p.tcp_ack = ack;
  p.payload_wire_len = len;
  return netlens_conn_table_process (fx->table, &p);
}

#define SYN NETLENS_TCP_SYN
#define ACK NETLENS_TCP_ACK
#define FIN NETLENS_TCP_FIN
#define RST NETLENS_TCP_RST

static const char *
state (NetlensConnection *c)
{
  return netlens_state_to_string (c->state);
}

static NetlensConnection *
handshake (Fixture *fx, gint64 ts)
{
  NetlensConnection *c;

  c = tcp_pkt (fx, TRUE, SYN, 100, 0, 0, ts);
  g_assert_cmpstr (state (c), ==, "SYN_SENT");
  c = tcp_pkt (fx, FALSE, SYN | ACK, 500, 101, 0, ts + 1000);
  g_assert_cmpstr (state (c), ==, "SYN_RECV");
  c = tcp_pkt (fx, TRUE, ACK, 101, 501, 0, ts + 2000);
  g_assert_cmpstr (state (c), ==, "ESTABLISHED");
  /* the client is local: its packets are tx */
  g_assert_cmpuint (c->tx_packets, ==, 2);
  g_assert_cmpuint (c->rx_packets, ==, 1);
  g_assert_cmpuint (c->key.lport, ==, 40000);
  return c;
}

static void
test_active_close (Fixture *fx, gconstpointer data)
{
  NetlensConnection *c = handshake (fx, T0);

  c = tcp_pkt (fx, TRUE, FIN | ACK, 101, 501, 10, T0 + SEC);
  g_assert_cmpstr (state (c), ==, "FIN_WAIT1");
  c = tcp_pkt (fx, FALSE, ACK, 501, 112, 0, T0 + SEC + 10);
  g_assert_cmpstr (state (c), ==, "FIN_WAIT2");
  c = tcp_pkt (fx, FALSE, FIN | ACK, 501, 112, 0, T0 + SEC + 20);
  g_assert_cmpstr (state (c), ==, "TIME_WAIT");
  c = tcp_pkt (fx, TRUE, ACK, 112, 502, 0, T0 + SEC + 30);
  g_assert_cmpstr (state (c), ==, "TIME_WAIT");
}

static void
test_passive_close (Fixture *fx, gconstpointer data)
{
  NetlensConnection *c = handshake (fx, T0);

  c = tcp_pkt (fx, FALSE, FIN | ACK, 501, 101, 0, T0 + SEC);
  g_assert_cmpstr (state (c), ==, "CLOSE_WAIT");
  c = tcp_pkt (fx, TRUE, ACK, 101, 502, 0, T0 + SEC + 10);
  g_assert_cmpstr (state (c), ==, "CLOSE_WAIT");
  c = tcp_pkt (fx, TRUE, FIN | ACK, 101, 502, 0, T0 + SEC + 20);
  g_assert_cmpstr (state (c), ==, "LAST_ACK");
  c = tcp_pkt (fx, FALSE, ACK, 502, 102, 0, T0 + SEC + 30);
  g_assert_cmpstr (state (c), ==, "CLOSED");
}

static void
test_simultaneous_close (Fixture *fx, gconstpointer data)
{
  NetlensConnection *c = handshake (fx, T0);

  c = tcp_pkt (fx, TRUE, FIN | ACK, 101, 501, 0, T0 + SEC);
  g_assert_cmpstr (state (c), ==, "FIN_WAIT1");
  /* the peer's FIN crosses ours: it does not acknowledge our FIN */
  c = tcp_pkt (fx, FALSE, FIN | ACK, 501, 101, 0, T0 + SEC + 1);
  g_assert_cmpstr (state (c), ==, "CLOSING");
  c = tcp_pkt (fx, FALSE, ACK, 502, 102, 0, T0 + SEC + 2);
  g_assert_cmpstr (state (c), ==, "TIME_WAIT");
}

static void
test_simultaneous_open (Fixture *fx, gconstpointer data)
{
  NetlensConnection *c;

  c = tcp_pkt (fx, TRUE, SYN, 100, 0, 0, T0);
  g_assert_cmpstr (state (c), ==, "SYN_SENT");
  c = tcp_pkt (fx, FALSE, SYN, 500, 0, 0, T0 + 10);
  g_assert_cmpstr (state (c), ==, "SYN_RECV");
  c = tcp_pkt (fx, TRUE, SYN | ACK, 100, 501, 0, T0 + 20);
  g_assert_cmpstr (state (c), ==, "SYN_RECV");
  c = tcp_pkt (fx, FALSE, ACK, 501, 101, 0, T0 + 30);
  g_assert_cmpstr (state (c), ==, "ESTABLISHED");
  g_assert_cmpuint (netlens_conn_table_size (fx->table), ==, 1);
}

static void
test_rst_and_pickup (Fixture *fx, gconstpointer data)
{
  NetlensConnection *c;

  /* mid-stream pickup: data without a handshake is an established connection */
  c = tcp_pkt (fx, FALSE, ACK, 9000, 100, 50, T0);
  g_assert_cmpstr (state (c), ==, "ESTABLISHED");
  g_assert_false (c->flags & NETLENS_CONN_SEEN_SYN);
  /* the first packet came from the server, 10.0.0.2:443: no SYN says who initiated,
   * the server's port does, so the client's side is local and that packet received */
  g_assert_cmpuint (c->key.laddr.bytes[3], ==, 1);
  g_assert_cmpuint (c->key.rport, ==, 443);
  g_assert_cmpuint (c->rx_packets, ==, 1);
  g_assert_cmpuint (c->tx_packets, ==, 0);
  c = tcp_pkt (fx, TRUE, RST, 100, 0, 0, T0 + SEC);
  g_assert_cmpstr (state (c), ==, "CLOSED");

  /* a SYN-ACK seen first: its receiver initiated */
  netlens_conn_table_end_all (fx->table, T0 + 2 * SEC);
  c = tcp_pkt (fx, FALSE, SYN | ACK, 500, 101, 0, T0 + 400 * SEC);
  g_assert_cmpstr (state (c), ==, "SYN_RECV");
  g_assert_cmpuint (c->key.laddr.bytes[3], ==, 1);
  g_assert_cmpuint (c->rx_packets, ==, 1);
}

static void
test_generation_and_tombstone (Fixture *fx, gconstpointer data)
{
  NetlensConnection *c = handshake (fx, T0);
  NetlensConnection *ended;

  tcp_pkt (fx, TRUE, FIN | ACK, 101, 501, 0, T0 + SEC);
  tcp_pkt (fx, FALSE, FIN | ACK, 501, 102, 0, T0 + SEC + 1);
  c = tcp_pkt (fx, TRUE, ACK, 102, 502, 0, T0 + SEC + 2);
  g_assert_cmpstr (state (c), ==, "TIME_WAIT");

  /* a new SYN on the closing row: a new generation, the old row ends as closed */
  c = tcp_pkt (fx, TRUE, SYN, 7000, 0, 0, T0 + 2 * SEC);
  g_assert_cmpuint (c->generation, ==, 2);
  g_assert_cmpstr (state (c), ==, "SYN_SENT");
  g_assert_cmpuint (fx->ended->len, ==, 1);
  ended = g_ptr_array_index (fx->ended, 0);
  g_assert_cmpuint (ended->generation, ==, 1);
  g_assert_cmpint (ended->end_reason, ==, NETLENS_END_CLOSED);
  g_assert_cmpuint (ended->tx_packets + ended->rx_packets, ==, 6);

  /* RST, then the row ages out 15 s after it closed, retransmissions or not */
  c = tcp_pkt (fx, FALSE, RST, 0, 0, 0, T0 + 3 * SEC);
  g_assert_cmpstr (state (c), ==, "CLOSED");
  tcp_pkt (fx, FALSE, RST, 0, 0, 0, T0 + 10 * SEC);
  netlens_conn_table_expire (fx->table, T0 + 17 * SEC);
  g_assert_cmpuint (netlens_conn_table_size (fx->table), ==, 1);
  netlens_conn_table_expire (fx->table, T0 + 19 * SEC);
  g_assert_cmpuint (netlens_conn_table_size (fx->table), ==, 0);
  g_assert_cmpuint (fx->ended->len, ==, 2);

  /* a late FIN or ACK does not resurrect it */
  g_assert_null (tcp_pkt (fx, TRUE, FIN | ACK, 7001, 0, 0, T0 + 20 * SEC));
  g_assert_null (tcp_pkt (fx, FALSE, ACK, 1, 7002, 0, T0 + 21 * SEC));
  g_assert_cmpuint (netlens_conn_table_size (fx->table), ==, 0);
  /* but a new SYN does, as the next generation */
  c = tcp_pkt (fx, TRUE, SYN, 9000, 0, 0, T0 + 22 * SEC);
  g_assert_nonnull (c);
  g_assert_cmpuint (c->generation, ==, 3);
}

/* A port reused out of TIME_WAIT: the next connection's owner, announced before its SYN,
 * does not rename the finished row (both rows used to get the later program). */
static void
test_owner_port_reuse (Fixture *fx, gconstpointer data)
{
  g_autoptr(NetlensOwner) first = netlens_owner_new ();
  g_autoptr(NetlensOwner) second = netlens_owner_new ();
  NetlensAddr client = { { 0 } }, server = { { 0 } };
  NetlensConnection *c, *ended;

  first->pid = 100;
  second->pid = 200;
  client.bytes[0] = server.bytes[0] = 10;
  client.bytes[3] = 1;
  server.bytes[3] = 2;

  c = handshake (fx, T0);
  netlens_conn_table_set_owner (fx->table, NETLENS_PROTO_TCP, NETLENS_FAMILY_IPV4,
                                &client, 40000, &server, 443, first);
  g_assert_true (c->process == first);
  tcp_pkt (fx, TRUE, FIN | ACK, 101, 501, 0, T0 + SEC);
  tcp_pkt (fx, FALSE, FIN | ACK, 501, 102, 0, T0 + SEC + 1);
  c = tcp_pkt (fx, TRUE, ACK, 102, 502, 0, T0 + SEC + 2);
  g_assert_cmpstr (state (c), ==, "TIME_WAIT");

  netlens_conn_table_set_owner (fx->table, NETLENS_PROTO_TCP, NETLENS_FAMILY_IPV4,
                                &client, 40000, &server, 443, second);
  g_assert_true (c->process == first);

  c = tcp_pkt (fx, TRUE, SYN, 7000, 0, 0, T0 + 2 * SEC);
  g_assert_cmpuint (c->generation, ==, 2);
  netlens_conn_table_set_owner (fx->table, NETLENS_PROTO_TCP, NETLENS_FAMILY_IPV4,
                                &client, 40000, &server, 443, second);
  g_assert_true (c->process == second);
  g_assert_cmpuint (fx->ended->len, ==, 1);
  ended = g_ptr_array_index (fx->ended, 0);
  g_assert_nonnull (ended->process);
  g_assert_cmpuint (ended->process->pid, ==, 100);
}

/* An owner that arrives late for a finished row without one is still taken. */
static void
test_owner_late (Fixture *fx, gconstpointer data)
{
  g_autoptr(NetlensOwner) owner = netlens_owner_new ();
  NetlensAddr client = { { 0 } }, server = { { 0 } };
  NetlensConnection *c = handshake (fx, T0);

  owner->pid = 300;
  client.bytes[0] = server.bytes[0] = 10;
  client.bytes[3] = 1;
  server.bytes[3] = 2;
  tcp_pkt (fx, TRUE, FIN | ACK, 101, 501, 0, T0 + SEC);
  tcp_pkt (fx, FALSE, FIN | ACK, 501, 102, 0, T0 + SEC + 1);
  c = tcp_pkt (fx, TRUE, ACK, 102, 502, 0, T0 + SEC + 2);
  g_assert_null (c->process);
  netlens_conn_table_set_owner (fx->table, NETLENS_PROTO_TCP, NETLENS_FAMILY_IPV4,
                                &client, 40000, &server, 443, owner);
  g_assert_true (c->process == owner);
}

static gboolean
alive_at (Fixture *fx, gint64 when)
{
  netlens_conn_table_expire (fx->table, when);
  return netlens_conn_table_size (fx->table) > 0;
}

static void
test_tcp_timeouts (Fixture *fx, gconstpointer data)
{
  NetlensConnection *c;

  /* established, no application: 300 s */
  handshake (fx, T0);
  g_assert_true (alive_at (fx, T0 + 299 * SEC));
  g_assert_false (alive_at (fx, T0 + 302 * SEC));
  g_assert_cmpint (((NetlensConnection *) g_ptr_array_index (fx->ended, 0))->end_reason, ==, NETLENS_END_TIMEOUT);

  /* established SSH: 1800 s, HTTP(S): 600 s */
  c = handshake (fx, T0 + 1000 * SEC);
  c->app = NETLENS_APP_SSH;
  g_assert_true (alive_at (fx, T0 + 2700 * SEC));
  g_assert_false (alive_at (fx, T0 + 2802 * SEC));
  c = handshake (fx, T0 + 5000 * SEC);
  c->app = NETLENS_APP_TLS;
  g_assert_true (alive_at (fx, T0 + 5599 * SEC));
  g_assert_false (alive_at (fx, T0 + 5602 * SEC));

  /* SYN_SENT: 60 s */
  tcp_pkt (fx, TRUE, SYN, 1, 0, 0, T0 + 9000 * SEC);
  g_assert_true (alive_at (fx, T0 + 9059 * SEC));
  g_assert_false (alive_at (fx, T0 + 9061 * SEC));

  /* TIME_WAIT: 30 s from the moment it was entered */
  handshake (fx, T0 + 10000 * SEC);
  tcp_pkt (fx, TRUE, FIN | ACK, 101, 501, 0, T0 + 10001 * SEC);
  tcp_pkt (fx, FALSE, FIN | ACK, 501, 102, 0, T0 + 10001 * SEC);
  tcp_pkt (fx, TRUE, ACK, 102, 502, 0, T0 + 10001 * SEC);
  tcp_pkt (fx, TRUE, ACK, 102, 502, 0, T0 + 10020 * SEC);  /* a retransmission */
  g_assert_true (alive_at (fx, T0 + 10030 * SEC));
  g_assert_false (alive_at (fx, T0 + 10032 * SEC));
}

static void
test_udp_states (Fixture *fx, gconstpointer data)
{
  NetlensPacket p = mk (NETLENS_PROTO_UDP, TRUE, T0);
  NetlensConnection *c = netlens_conn_table_process (fx->table, &p);
  g_autoptr(GPtrArray) updated = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  g_autoptr(GArray) removed = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint32 id = c->id;

  g_assert_cmpstr (state (c), ==, "UDP_ACTIVE");
  netlens_conn_table_collect_changes (fx->table, updated, removed);
  g_assert_cmpuint (updated->len, ==, 1);

  netlens_conn_table_expire (fx->table, T0 + 29 * SEC);
  g_assert_cmpstr (state (c), ==, "UDP_ACTIVE");
  netlens_conn_table_expire (fx->table, T0 + 31 * SEC);
  g_assert_cmpstr (state (c), ==, "UDP_IDLE");
  netlens_conn_table_expire (fx->table, T0 + 46 * SEC);
  g_assert_cmpstr (state (c), ==, "UDP_STALE");
  /* the UI hears about the state changes */
  g_ptr_array_set_size (updated, 0);
  netlens_conn_table_collect_changes (fx->table, updated, removed);
  g_assert_cmpuint (updated->len, ==, 1);
  g_assert_cmpstr (netlens_state_to_string (((NetlensConnection *) g_ptr_array_index (updated, 0))->state),
                   ==, "UDP_STALE");
  /* a packet makes it active again and restarts the clock */
  p.ts_us = T0 + 50 * SEC;
  netlens_conn_table_process (fx->table, &p);
  g_assert_cmpstr (state (c), ==, "UDP_ACTIVE");
  g_assert_true (alive_at (fx, T0 + 109 * SEC));
  g_assert_false (alive_at (fx, T0 + 111 * SEC));
  netlens_conn_table_collect_changes (fx->table, NULL, removed);
  g_assert_cmpuint (removed->len, ==, 1);
  g_assert_cmpuint (g_array_index (removed, guint32, 0), ==, id);

  /* DNS: 30 s */
  p.ts_us = T0 + 200 * SEC;
  c = netlens_conn_table_process (fx->table, &p);
  c->app = NETLENS_APP_DNS;
  g_assert_true (alive_at (fx, T0 + 229 * SEC));
  g_assert_false (alive_at (fx, T0 + 231 * SEC));
}

static void
test_icmp_arp (Fixture *fx, gconstpointer data)
{
  NetlensPacket p = mk (NETLENS_PROTO_ICMP, TRUE, T0);
  NetlensConnection *c;

  p.icmp_type = 8;
  c = netlens_conn_table_process (fx->table, &p);
  g_assert_cmpstr (state (c), ==, "ECHO_REQUEST");
  p = mk (NETLENS_PROTO_ICMP, FALSE, T0 + 1000);
  p.icmp_type = 0;
  c = netlens_conn_table_process (fx->table, &p);
  g_assert_cmpstr (state (c), ==, "ECHO_REPLY");
  g_assert_cmpuint (c->tx_packets, ==, 1);
  g_assert_cmpuint (c->rx_packets, ==, 1);
  g_assert_true (alive_at (fx, T0 + 9 * SEC));
  g_assert_false (alive_at (fx, T0 + 11 * SEC));

  p = mk (NETLENS_PROTO_ARP, TRUE, T0 + 100 * SEC);
  p.arp_op = 1;
  c = netlens_conn_table_process (fx->table, &p);
  g_assert_cmpstr (state (c), ==, "ARP_REQUEST");
  p = mk (NETLENS_PROTO_ARP, FALSE, T0 + 100 * SEC + 10);
  p.arp_op = 2;
  c = netlens_conn_table_process (fx->table, &p);
  g_assert_cmpstr (state (c), ==, "ARP_REPLY");
  g_assert_true (alive_at (fx, T0 + 129 * SEC));
  g_assert_false (alive_at (fx, T0 + 131 * SEC));
}

/* A packet with no SYN from SRC_HOST:SPORT to DST_HOST:DPORT (hosts 10.0.0.N). */
static NetlensConnection *
pickup (Fixture      *fx,
        NetlensProto  proto,
        guint8        src_host,
        guint16       sport,
        guint8        dst_host,
        guint16       dport,
        gint64        ts)
{
  NetlensPacket p = mk (proto, TRUE, ts);

  p.src.bytes[3] = src_host;
  p.dst.bytes[3] = dst_host;
  p.sport = sport;
  p.dport = dport;
  if (proto == NETLENS_PROTO_TCP)
    p.tcp_flags = ACK | FIN;
  return netlens_conn_table_process (fx->table, &p);
}

static gboolean
local_is (NetlensConnection *c, guint8 host, guint16 port)
{
  return c->key.laddr.bytes[3] == host && c->key.lport == port;
}

static void
test_orientation_by_port (Fixture *fx, gconstpointer data)
{
  /* the side below 1024 is the server, whichever sent first */
  g_assert_true (local_is (pickup (fx, NETLENS_PROTO_TCP, 10, 80, 20, 35922, T0), 20, 35922));
  g_assert_true (local_is (pickup (fx, NETLENS_PROTO_TCP, 21, 35923, 11, 80, T0), 21, 35923));
  /* a known service port (5432, postgresql) against an unknown high one */
  g_assert_true (local_is (pickup (fx, NETLENS_PROTO_TCP, 12, 5432, 22, 34686, T0), 22, 34686));
  /* both known (5432, 1433 ms-sql-s): the lower port is the server's */
  g_assert_true (local_is (pickup (fx, NETLENS_PROTO_TCP, 13, 5432, 23, 1433, T0), 13, 5432));
  /* UDP: a DNS answer seen before its query */
  g_assert_true (local_is (pickup (fx, NETLENS_PROTO_UDP, 14, 53, 24, 38448, T0), 24, 38448));
  /* nothing to tell: equal ports, or neither a server's, keep the first sender local */
  g_assert_true (local_is (pickup (fx, NETLENS_PROTO_UDP, 15, 5353, 25, 5353, T0), 15, 5353));
  g_assert_true (local_is (pickup (fx, NETLENS_PROTO_TCP, 16, 61234, 26, 62345, T0), 16, 61234));
  /* a SYN still decides, even towards a high port */
  {
    NetlensPacket p = mk (NETLENS_PROTO_TCP, FALSE, T0);

    p.src.bytes[3] = 17;
    p.tcp_flags = SYN;
    g_assert_true (local_is (netlens_conn_table_process (fx->table, &p), 17, 443));
  }
}

static gboolean
is_local_20 (NetlensFamily family, const NetlensAddr *addr, gpointer data)
{
  return addr->bytes[0] == 10 && addr->bytes[3] == 20;
}

static void
test_orientation_live (Fixture *fx, gconstpointer data)
{
  NetlensConnTableConfig config = { 0 };

  /* live: this machine's address is local, even when it is the server */
  config.is_local = is_local_20;
  netlens_conn_table_free (fx->table);
  fx->table = netlens_conn_table_new (&config);
  g_assert_true (local_is (pickup (fx, NETLENS_PROTO_TCP, 20, 22, 30, 51000, T0), 20, 22));
  g_assert_true (local_is (pickup (fx, NETLENS_PROTO_TCP, 31, 51001, 20, 22, T0), 20, 22));
  /* neither side is ours (or both are): the ports decide */
  g_assert_true (local_is (pickup (fx, NETLENS_PROTO_TCP, 32, 443, 33, 51002, T0), 33, 51002));
}

static void
test_configurable (Fixture *fx, gconstpointer data)
{
  NetlensConnTableConfig config = { 0 };
  NetlensTimeouts t;
  NetlensPacket p = mk (NETLENS_PROTO_ICMP, TRUE, T0);

  netlens_timeouts_init_defaults (&t);
  t.icmp = 100;
  config.timeouts = &t;
  netlens_conn_table_free (fx->table);
  fx->table = netlens_conn_table_new (&config);
  netlens_conn_table_process (fx->table, &p);
  g_assert_true (alive_at (fx, T0 + 99 * SEC));
  g_assert_false (alive_at (fx, T0 + 101 * SEC));
}

static void
test_eviction (Fixture *fx, gconstpointer data)
{
  NetlensConnTableConfig config = { 0 };
  NetlensConnection *keep;

  config.max_connections = 100;
  netlens_conn_table_free (fx->table);
  fx->table = netlens_conn_table_new (&config);
  /* one established connection with traffic, then a flood of half-open ones */
  keep = handshake (fx, T0);
  for (guint i = 0; i < 1000; i++)
    {
      NetlensPacket p = mk (NETLENS_PROTO_TCP, TRUE, T0 + SEC + i);

      p.src.bytes[1] = i >> 8;
      p.src.bytes[2] = i & 0xff;
      p.tcp_flags = SYN;
      netlens_conn_table_process (fx->table, &p);
    }
  g_assert_cmpuint (netlens_conn_table_size (fx->table), <=, 100);
  g_assert_cmpuint (netlens_conn_table_evicted (fx->table), >=, 900);
  /* the established row survived the flood */
  g_assert_true (netlens_conn_table_lookup (fx->table, &keep->key) == keep);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/table/tcp/active-close", test_active_close);
  ADD ("/table/tcp/passive-close", test_passive_close);
  ADD ("/table/tcp/simultaneous-close", test_simultaneous_close);
  ADD ("/table/tcp/simultaneous-open", test_simultaneous_open);
  ADD ("/table/tcp/rst-and-pickup", test_rst_and_pickup);
  ADD ("/table/tcp/generation-and-tombstone", test_generation_and_tombstone);
  ADD ("/table/tcp/owner-port-reuse", test_owner_port_reuse);
  ADD ("/table/tcp/owner-late", test_owner_late);
  ADD ("/table/timeouts/tcp", test_tcp_timeouts);
  ADD ("/table/timeouts/udp", test_udp_states);
  ADD ("/table/timeouts/icmp-arp", test_icmp_arp);
  ADD ("/table/timeouts/configurable", test_configurable);
  ADD ("/table/orientation/by-port", test_orientation_by_port);
  ADD ("/table/orientation/live", test_orientation_live);
  ADD ("/table/eviction", test_eviction);
  return g_test_run ();
}
