/* fuzz-decode.c: link layer, IPv4/IPv6 and TCP/UDP/ICMP/ARP decode of one frame
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: one byte choosing the link type, then the frame.
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include <string.h>

#include "netlens-conn-table.h"
#include "netlens-fuzz.h"

int
netlens_fuzz_decode (const guint8 *data,
                     gsize         size)
{
  NetlensPacket pkt;
  NetlensDecodeResult r;
  NetlensFlowKey key, rev;
  const guint8 *frame;
  guint32 caplen;
  int link_type;

  if (size < 1 || size > 65536 + 1)
    return 0;
  link_type = netlens_fuzz_link_type (data[0]);
  /* A copy of exactly the frame's length, so that ASan sees any read past its end. */
  caplen = (guint32) (size - 1);
  frame = g_memdup2 (data + 1, caplen);

  memset (&pkt, 0, sizeof pkt);
  r = netlens_decode_packet (link_type, frame, caplen, caplen + (data[0] & 0x80 ? 100 : 0),
                             1700000000000000, &pkt);
  if (r == NETLENS_DECODE_OK)
    {
      /* The payload must lie inside the frame. */
      if (pkt.payload_len > 0)
        {
          g_assert_nonnull (pkt.payload);
          g_assert_true (pkt.payload >= frame);
          g_assert_cmpuint (pkt.payload - frame + (gsize) pkt.payload_len, <=, caplen);
        }
      g_assert_cmpuint (pkt.proto, <, NETLENS_N_PROTOS);

      /* The flow key hashes the same from both ends. */
      netlens_flow_key_from_packet (&pkt, &key);
      netlens_flow_key_reverse (&key, &rev);
      g_assert_cmpuint (netlens_flow_key_hash_symmetric (&key), ==,
                        netlens_flow_key_hash_symmetric (&rev));
    }
  /* The reader's peek (push_frame) takes a frame only when the decode gives the same key,
   * no fragment and no DNS port; the worker then decodes it as the reader would have. */
  if (netlens_decode_peek_flow_key (link_type, frame, caplen, &key))
    {
      NetlensFlowKey full;

      g_assert_cmpint (r, ==, NETLENS_DECODE_OK);
      g_assert_cmpuint (pkt.proto, !=, NETLENS_PROTO_NONE);
      g_assert_false (pkt.is_fragment);
      g_assert_true (pkt.proto == NETLENS_PROTO_TCP || pkt.proto == NETLENS_PROTO_UDP ||
                     pkt.proto == NETLENS_PROTO_ICMP || pkt.proto == NETLENS_PROTO_ICMPV6);
      if (pkt.proto == NETLENS_PROTO_UDP)
        for (guint i = 0; i < 2; i++)
          {
            guint16 port = i == 0 ? pkt.sport : pkt.dport;

            g_assert_true (port != 53 && port != 5353 && port != 5355);
          }
      netlens_flow_key_from_packet (&pkt, &full);
      g_assert_cmpmem (&key, sizeof key, &full, sizeof full);
    }
  if (r == NETLENS_DECODE_OK && (data[0] & 0x40) != 0)
    {
      /* And into a connection table with DPI, as a worker would. */
      NetlensTimeouts timeouts;
      NetlensConnTableConfig config = { 0 };
      NetlensConnTable *table;

      netlens_timeouts_init_defaults (&timeouts);
      config.timeouts = &timeouts;
      config.dpi = TRUE;
      config.id_stride = 1;
      config.max_connections = 4;
      table = netlens_conn_table_new (&config);
      netlens_conn_table_process (table, &pkt);
      netlens_conn_table_end_all (table, pkt.ts_us);
      netlens_conn_table_free (table);
    }
  g_free ((gpointer) frame);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_decode)
