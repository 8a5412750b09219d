/* test-decode.c: each link type and each protocol decoder, on hand-built frames
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib.h>

#include "netlens-conn-table.h"
#include "netlens-link-types.h"
#include "netlens-pipeline.h"

/* ---- frame builder ---- */

typedef struct
{
  guint8 b[2048];
  gsize  n;
} Frame;

static void
put (Frame *f, const void *data, gsize len)
{
  g_assert_cmpuint (f->n + len, <=, sizeof f->b);
  memcpy (f->b + f->n, data, len);
  f->n += len;
}

static void
put8 (Frame *f, guint8 v)
{
  put (f, &v, 1);
}

static void
put16 (Frame *f, guint16 v)
{
  guint8 b[2] = { v >> 8, v & 0xff };

  put (f, b, 2);
}

static void
put32 (Frame *f, guint32 v)
{
  put16 (f, v >> 16);
  put16 (f, v & 0xffff);
}

static const guint8 mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const guint8 mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static void
eth (Frame *f, guint16 type)
{
  put (f, mac_b, 6);
  put (f, mac_a, 6);
  put16 (f, type);
}

/* IPv4 header with IHL words of header (options zero-filled), then the transport. */
static void
ipv4 (Frame *f, guint8 proto, guint16 payload_len, guint ihl_words, guint16 frag)
{
  put8 (f, 0x40 | ihl_words);
  put8 (f, 0);
  put16 (f, ihl_words * 4 + payload_len);
  put16 (f, 0x1234);
  put16 (f, frag);
  put8 (f, 64);
  put8 (f, proto);
  put16 (f, 0);
  put (f, (guint8[]) { 192, 0, 2, 1 }, 4);
  put (f, (guint8[]) { 198, 51, 100, 2 }, 4);
  for (guint i = 5; i < ihl_words; i++)
    put32 (f, 0x01010101);  /* NOP options */
}

static void
tcp (Frame *f, guint16 sport, guint16 dport, guint8 flags, const char *payload)
{
  put16 (f, sport);
  put16 (f, dport);
  put32 (f, 1000);
  put32 (f, 2000);
  put8 (f, 5 << 4);
  put8 (f, flags);
  put16 (f, 65535);
  put16 (f, 0);
  put16 (f, 0);
  if (payload != NULL)
    put (f, payload, strlen (payload));
}

static void
udp (Frame *f, guint16 sport, guint16 dport, guint16 payload_len)
{
  put16 (f, sport);
  put16 (f, dport);
  put16 (f, 8 + payload_len);
  put16 (f, 0);
  for (guint i = 0; i < payload_len; i++)
    put8 (f, 'x');
}

static NetlensDecodeResult
decode (int link, Frame *f, NetlensPacket *pkt)
{
  return netlens_decode_packet (link, f->b, f->n, f->n, 1000000, pkt);
}

static void
assert_v4_tcp (const NetlensPacket *pkt, guint16 sport, guint16 dport)
{
  g_assert_cmpint (pkt->proto, ==, NETLENS_PROTO_TCP);
  g_assert_cmpint (pkt->family, ==, NETLENS_FAMILY_IPV4);
  g_assert_cmpint (pkt->src.bytes[0], ==, 192);
  g_assert_cmpint (pkt->dst.bytes[3], ==, 2);
  g_assert_cmpuint (pkt->sport, ==, sport);
  g_assert_cmpuint (pkt->dport, ==, dport);
}

static void
test_ethernet (void)
{
  Frame f = { 0 };
  NetlensPacket pkt;

  eth (&f, 0x0800);
  ipv4 (&f, 6, 20 + 5, 5, 0);
  tcp (&f, 40000, 80, NETLENS_TCP_SYN, "hello");
  g_assert_cmpint (decode (NETLENS_DLT_EN10MB, &f, &pkt), ==, NETLENS_DECODE_OK);
  assert_v4_tcp (&pkt, 40000, 80);
  g_assert_cmpuint (pkt.payload_len, ==, 5);
  g_assert_cmpmem (pkt.payload, 5, "hello", 5);
  g_assert_cmpint (pkt.tcp_flags, ==, NETLENS_TCP_SYN);
  g_assert_cmpuint (pkt.tcp_seq, ==, 1000);
  g_assert_true (pkt.has_mac);
  g_assert_cmpmem (pkt.src_mac, 6, mac_a, 6);

  /* Ethernet padding after the IP datagram is not payload */
  put (&f, (guint8[6]) { 0 }, 6);
  g_assert_cmpint (decode (NETLENS_DLT_EN10MB, &f, &pkt), ==, NETLENS_DECODE_OK);
  g_assert_cmpuint (pkt.payload_len, ==, 5);
}

static void
test_vlan_qinq (void)
{
  Frame f = { 0 };
  NetlensPacket pkt;

  put (&f, mac_b, 6);
  put (&f, mac_a, 6);
  put16 (&f, 0x88a8);   /* 802.1ad S-tag 200 */
  put16 (&f, 200);
  put16 (&f, 0x8100);   /* 802.1Q C-tag 2001 with PCP 5 */
  put16 (&f, (5 << 13) | 2001);
  put16 (&f, 0x0800);
  ipv4 (&f, 17, 8 + 3, 5, 0);
  udp (&f, 5353, 53, 3);
  g_assert_cmpint (decode (NETLENS_DLT_EN10MB, &f, &pkt), ==, NETLENS_DECODE_OK);
  g_assert_cmpint (pkt.proto, ==, NETLENS_PROTO_UDP);
  g_assert_cmpuint (pkt.vlan_depth, ==, 2);
  g_assert_cmpuint (pkt.vlan_ids[0], ==, 200);
  g_assert_cmpuint (pkt.vlan_ids[1], ==, 2001);
  g_assert_cmpuint (pkt.sport, ==, 5353);
  g_assert_cmpuint (pkt.payload_len, ==, 3);
}

static void
test_llc_snap_and_stp (void)
{
  Frame f = { 0 };
  NetlensPacket pkt;

  /* 802.3 length + LLC/SNAP carrying ARP */
  put (&f, mac_b, 6);
  put (&f, mac_a, 6);
  put16 (&f, 8 + 28);
  put (&f, (guint8[]) { 0xaa, 0xaa, 0x03, 0, 0, 0 }, 6);
  put16 (&f, 0x0806);
  put16 (&f, 1);
  put16 (&f, 0x0800);
  put8 (&f, 6);
  put8 (&f, 4);
  put16 (&f, 1);
  put (&f, mac_a, 6);
  put (&f, (guint8[]) { 10, 0, 0, 1 }, 4);
  put (&f, (guint8[6]) { 0 }, 6);
  put (&f, (guint8[]) { 10, 0, 0, 2 }, 4);
  g_assert_cmpint (decode (NETLENS_DLT_EN10MB, &f, &pkt), ==, NETLENS_DECODE_OK);
  g_assert_cmpint (pkt.proto, ==, NETLENS_PROTO_ARP);
  g_assert_cmpuint (pkt.arp_op, ==, 1);
  g_assert_cmpint (pkt.src.bytes[3], ==, 1);
  g_assert_cmpint (pkt.dst.bytes[3], ==, 2);
  g_assert_cmpmem (pkt.arp_sha, 6, mac_a, 6);

  /* 802.3 + LLC 0x42 0x42: spanning tree, keyed by MAC */
  f.n = 0;
  put (&f, (guint8[]) { 0x01, 0x80, 0xc2, 0, 0, 0 }, 6);
  put (&f, mac_a, 6);
  put16 (&f, 38);
  put (&f, (guint8[]) { 0x42, 0x42, 0x03 }, 3);
  put (&f, (guint8[35]) { 0 }, 35);
  g_assert_cmpint (decode (NETLENS_DLT_EN10MB, &f, &pkt), ==, NETLENS_DECODE_OK);
  g_assert_cmpint (pkt.proto, ==, NETLENS_PROTO_L2);
  g_assert_cmpint (pkt.ip_proto, ==, NETLENS_L2_STP);
  g_assert_cmpint (pkt.family, ==, NETLENS_FAMILY_MAC);
  g_assert_cmpmem (pkt.src.bytes, 6, mac_a, 6);
}

static void
test_sll_sll2 (void)
{
  Frame f = { 0 };
  NetlensPacket pkt;

  /* SLL: packet type, ARPHRD_ETHER, address length 6, address (8), protocol */
  put16 (&f, 0);
  put16 (&f, 1);
  put16 (&f, 6);
  put (&f, mac_a, 6);
  put16 (&f, 0);
  put16 (&f, 0x0800);
  ipv4 (&f, 6, 20, 5, 0);
  tcp (&f, 1234, 443, NETLENS_TCP_ACK, NULL);
  g_assert_cmpint (decode (NETLENS_DLT_LINUX_SLL, &f, &pkt), ==, NETLENS_DECODE_OK);
  assert_v4_tcp (&pkt, 1234, 443);

  /* SLL2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address */
  f.n = 0;
  put16 (&f, 0x0800);
  put16 (&f, 0);
  put32 (&f, 2);
  put16 (&f, 1);
  put8 (&f, 4);
  put8 (&f, 6);
  put (&f, mac_a, 6);
  put16 (&f, 0);
  ipv4 (&f, 6, 20, 5, 0);
  tcp (&f, 1234, 443, NETLENS_TCP_ACK, NULL);
  g_assert_cmpint (decode (NETLENS_DLT_LINUX_SLL2, &f, &pkt), ==, NETLENS_DECODE_OK);
  assert_v4_tcp (&pkt, 1234, 443);

  /* cut inside the cooked header */
  f.n = 12;
  g_assert_cmpint (decode (NETLENS_DLT_LINUX_SLL2, &f, &pkt), ==, NETLENS_DECODE_MALFORMED);
}

static void
build_ipv6_udp (Frame *f, gboolean with_ext)
{
  guint16 plen = (with_ext ? 8 + 24 : 0) + 8 + 4;

  put32 (f, 0x60000000);
  put16 (f, plen);
  put8 (f, with_ext ? 0 : 17);  /* hop-by-hop first */
  put8 (f, 64);
  put (f, (guint8[16]) { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 16);
  put (f, (guint8[16]) { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }, 16);
  if (with_ext)
    {
      /* hop-by-hop (8 bytes) -> routing type 0 (24 bytes) -> UDP */
      put8 (f, 43);
      put8 (f, 0);
      put (f, (guint8[6]) { 0 }, 6);
      put8 (f, 17);
      put8 (f, 2);
      put8 (f, 0);
      put8 (f, 1);
      put (f, (guint8[20]) { 0 }, 20);
    }
  udp (f, 5000, 53, 4);
}

static void
test_raw_and_ipv6 (void)
{
  Frame f = { 0 };
  NetlensPacket pkt;
  const int links[] = { NETLENS_DLT_RAW, NETLENS_LINKTYPE_RAW, NETLENS_DLT_IPV6 };

  build_ipv6_udp (&f, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_assert_cmpint (decode (links[i], &f, &pkt), ==, NETLENS_DECODE_OK);
      g_assert_cmpint (pkt.family, ==, NETLENS_FAMILY_IPV6);
      g_assert_cmpint (pkt.proto, ==, NETLENS_PROTO_UDP);
      g_assert_cmpuint (pkt.sport, ==, 5000);
      g_assert_cmpuint (pkt.dport, ==, 53);
      g_assert_cmpuint (pkt.payload_len, ==, 4);
      /* the key uses the IPv6 header's destination, not the routing header's */
      g_assert_cmpint (pkt.dst.bytes[15], ==, 2);
    }
  /* an IPv6 packet on LINKTYPE_IPV4 is malformed */
  g_assert_cmpint (decode (NETLENS_DLT_IPV4, &f, &pkt), ==, NETLENS_DECODE_MALFORMED);

  f.n = 0;
  ipv4 (&f, 6, 20, 5, 0);
  tcp (&f, 1, 2, NETLENS_TCP_ACK, NULL);
  g_assert_cmpint (decode (NETLENS_DLT_IPV4, &f, &pkt), ==, NETLENS_DECODE_OK);
  assert_v4_tcp (&pkt, 1, 2);
}

static void
test_null_loop (void)
{
  Frame f = { 0 };
  NetlensPacket pkt;
  const guint32 afs[] = { 10, 24, 28, 30 };

  /* DLT_NULL: AF in the capturing host's byte order (little-endian here) */
  put (&f, (guint8[]) { 2, 0, 0, 0 }, 4);
  ipv4 (&f, 6, 20, 5, 0);
  tcp (&f, 7, 8, NETLENS_TCP_SYN, NULL);
  g_assert_cmpint (decode (NETLENS_DLT_NULL, &f, &pkt), ==, NETLENS_DECODE_OK);
  assert_v4_tcp (&pkt, 7, 8);
  /* ... or big-endian */
  memcpy (f.b, (guint8[]) { 0, 0, 0, 2 }, 4);
  g_assert_cmpint (decode (NETLENS_DLT_NULL, &f, &pkt), ==, NETLENS_DECODE_OK);
  /* DLT_LOOP: network order */
  g_assert_cmpint (decode (NETLENS_DLT_LOOP, &f, &pkt), ==, NETLENS_DECODE_OK);
  assert_v4_tcp (&pkt, 7, 8);

  for (guint i = 0; i < G_N_ELEMENTS (afs); i++)
    {
      f.n = 0;
      put (&f, (guint8[]) { afs[i], 0, 0, 0 }, 4);
      build_ipv6_udp (&f, FALSE);
      g_assert_cmpint (decode (NETLENS_DLT_NULL, &f, &pkt), ==, NETLENS_DECODE_OK);
      g_assert_cmpint (pkt.family, ==, NETLENS_FAMILY_IPV6);
    }
}

static void
test_pppoe (void)
{
  Frame f = { 0 };
  NetlensPacket pkt;

  eth (&f, 0x8864);
  put (&f, (guint8[]) { 0x11, 0x00, 0x12, 0x34 }, 4);
  put16 (&f, 2 + 20 + 20);
  put16 (&f, 0x0021);
  ipv4 (&f, 6, 20, 5, 0);
  tcp (&f, 9, 10, NETLENS_TCP_ACK, NULL);
  g_assert_cmpint (decode (NETLENS_DLT_EN10MB, &f, &pkt), ==, NETLENS_DECODE_OK);
  assert_v4_tcp (&pkt, 9, 10);
}

static void
test_ipv4_options_and_fragments (void)
{
  Frame f = { 0 };
  NetlensPacket pkt;

  /* 8 words of header: 12 bytes of options */
  ipv4 (&f, 17, 8 + 2, 8, 0);
  udp (&f, 1111, 2222, 2);
  g_assert_cmpint (decode (NETLENS_DLT_IPV4, &f, &pkt), ==, NETLENS_DECODE_OK);
  g_assert_cmpuint (pkt.sport, ==, 1111);
  g_assert_cmpuint (pkt.payload_len, ==, 2);

  /* first fragment: MF set, offset 0, carries the ports */
  f.n = 0;
  ipv4 (&f, 17, 8 + 2, 5, 0x2000);
  udp (&f, 1111, 2222, 2);
  g_assert_cmpint (decode (NETLENS_DLT_IPV4, &f, &pkt), ==, NETLENS_DECODE_OK);
  g_assert_true (pkt.is_fragment && pkt.first_fragment && !pkt.ports_unknown);
  g_assert_cmpuint (pkt.dport, ==, 2222);
  g_assert_cmpuint (pkt.frag_id, ==, 0x1234);

  /* a later fragment: no transport header */
  f.n = 0;
  ipv4 (&f, 17, 16, 5, 0x0002);
  put (&f, (guint8[16]) { 0 }, 16);
  g_assert_cmpint (decode (NETLENS_DLT_IPV4, &f, &pkt), ==, NETLENS_DECODE_OK);
  g_assert_true (pkt.is_fragment && !pkt.first_fragment && pkt.ports_unknown);
  g_assert_cmpint (pkt.proto, ==, NETLENS_PROTO_UDP);
  g_assert_cmpuint (pkt.sport, ==, 0);
}

static void
test_icmp (void)
{
  Frame f = { 0 };
  NetlensPacket pkt;

  ipv4 (&f, 1, 8, 5, 0);
  put (&f, (guint8[]) { 8, 0, 0, 0, 0x12, 0x34, 0, 7 }, 8);
  g_assert_cmpint (decode (NETLENS_DLT_IPV4, &f, &pkt), ==, NETLENS_DECODE_OK);
  g_assert_cmpint (pkt.proto, ==, NETLENS_PROTO_ICMP);
  g_assert_cmpuint (pkt.icmp_type, ==, 8);
  g_assert_cmpuint (pkt.icmp_id, ==, 0x1234);
  g_assert_cmpuint (pkt.icmp_seq, ==, 7);

  f.n = 0;
  put32 (&f, 0x60000000);
  put16 (&f, 8);
  put8 (&f, 58);
  put8 (&f, 64);
  put (&f, (guint8[32]) { 0xfe, 0x80, [15] = 1, [16] = 0xfe, [17] = 0x80, [31] = 2 }, 32);
  put (&f, (guint8[]) { 129, 0, 0, 0, 0, 9, 0, 1 }, 8);
  g_assert_cmpint (decode (NETLENS_DLT_IPV6, &f, &pkt), ==, NETLENS_DECODE_OK);
  g_assert_cmpint (pkt.proto, ==, NETLENS_PROTO_ICMPV6);
  g_assert_cmpuint (pkt.icmp_type, ==, 129);
  g_assert_cmpuint (pkt.icmp_id, ==, 9);
}

static void
test_malformed (void)
{
  Frame f = { 0 };
  NetlensPacket pkt;
  Frame full = { 0 };

  eth (&full, 0x0800);
  ipv4 (&full, 6, 20, 5, 0);
  tcp (&full, 1, 2, NETLENS_TCP_SYN, NULL);

  /* every cut of a valid frame decodes without reading past the end */
  for (gsize cut = 0; cut < full.n; cut++)
    {
      NetlensDecodeResult r;
      guint8 *copy = g_memdup2 (full.b, cut);

      r = netlens_decode_packet (NETLENS_DLT_EN10MB, copy, cut, full.n, 0, &pkt);
      if (cut < 14 + 20)
        g_assert_cmpint (r, ==, NETLENS_DECODE_MALFORMED);
      else
        g_assert_true (r == NETLENS_DECODE_OK);
      g_free (copy);
    }

  /* an IHL below 5 words */
  eth (&f, 0x0800);
  ipv4 (&f, 6, 20, 5, 0);
  f.b[14] = 0x44;
  g_assert_cmpint (decode (NETLENS_DLT_EN10MB, &f, &pkt), ==, NETLENS_DECODE_MALFORMED);
  /* a TCP data offset below 5 words */
  f.n = 0;
  ipv4 (&f, 6, 20, 5, 0);
  tcp (&f, 1, 2, 0, NULL);
  f.b[20 + 12] = 0x20;
  g_assert_cmpint (decode (NETLENS_DLT_IPV4, &f, &pkt), ==, NETLENS_DECODE_MALFORMED);
  /* unknown link type */
  g_assert_cmpint (decode (147, &f, &pkt), ==, NETLENS_DECODE_SKIP);
  g_assert_false (netlens_link_type_supported (147));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/decode/ethernet", test_ethernet);
  g_test_add_func ("/decode/vlan-qinq", test_vlan_qinq);
  g_test_add_func ("/decode/llc-snap-stp", test_llc_snap_and_stp);
  g_test_add_func ("/decode/sll-sll2", test_sll_sll2);
  g_test_add_func ("/decode/raw-ipv6-ext", test_raw_and_ipv6);
  g_test_add_func ("/decode/null-loop", test_null_loop);
  g_test_add_func ("/decode/pppoe", test_pppoe);
  g_test_add_func ("/decode/ipv4-options-fragments", test_ipv4_options_and_fragments);
  g_test_add_func ("/decode/icmp", test_icmp);
  g_test_add_func ("/decode/malformed", test_malformed);
  return g_test_run ();
}
