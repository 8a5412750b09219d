/* fuzz-dpi-inspect.c: netlens_dpi_inspect over a sequence of packets of one connection,
 * then everything that reads the results (copies, export, summary, query matching)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: byte 0 the transport (even TCP, odd UDP), bytes 1-4 the local and remote ports
 * (big-endian), then chunks (netlens-fuzz.h), one packet payload each: flags bit 0 local
 * -> remote, bits 1-2 the TCP sequence relation (3: a SYN), bit 7 FIN.
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include <string.h>

#include "netlens-dpi.h"
#include "netlens-export.h"
#include "netlens-fuzz.h"
#include "netlens-query.h"

static gboolean
visit_text (const char *text,
            gpointer    user_data)
{
  g_assert_nonnull (text);
  *(gsize *) user_data += strlen (text);
  return FALSE;
}

int
netlens_fuzz_dpi_inspect (const guint8 *data,
                          gsize         size)
{
  static NetlensNameCache *names;
  static NetlensQuery *query;
  NetlensFuzzReader reader;
  NetlensConnection *conn, *snap;
  guint32 seqs[2] = { 100, 0xfffff000u };
  gboolean tcp;
  guint8 flags;
  const guint8 *chunk;
  gsize len, text_len = 0;
  gint64 ts = 1700000000000000;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

  if (size < 5 || size > 262144)
    return 0;
  if (names == NULL)
    {
      names = netlens_name_cache_new (64, 3600);
      query = netlens_query_parse ("sni:a | host:b | ssh:o | state:dns_response | app:quic | x", NULL);
      g_assert_nonnull (query);
    }

  tcp = (data[0] & 1) == 0;
  conn = g_new0 (NetlensConnection, 1);
  conn->key.proto = tcp ? NETLENS_PROTO_TCP : NETLENS_PROTO_UDP;
  conn->key.family = NETLENS_FAMILY_IPV4;
  conn->key.lport = ((guint16) data[1] << 8) | data[2];
  conn->key.rport = ((guint16) data[3] << 8) | data[4];
  memcpy (conn->key.laddr.bytes, "\xc0\x00\x02\x01", 4);
  memcpy (conn->key.raddr.bytes, "\xc6\x33\x64\x02", 4);
  conn->id = 1;
  conn->generation = 1;
  conn->state = tcp ? NETLENS_STATE_ESTABLISHED : NETLENS_STATE_UDP_ACTIVE;
  conn->first_seen = conn->last_seen = ts;

  reader.p = data + 5;
  reader.left = size - 5;
  while (netlens_fuzz_next_chunk (&reader, &flags, &chunk, &len))
    {
      NetlensPacket pkt;
      gboolean from_local = (flags & 1) != 0;
      gboolean syn = FALSE;
      g_autofree guint8 *payload = g_memdup2 (chunk, len);

      memset (&pkt, 0, sizeof pkt);
      pkt.ts_us = (ts += 1000);
      pkt.proto = conn->key.proto;
      pkt.family = NETLENS_FAMILY_IPV4;
      pkt.ip_proto = tcp ? 6 : 17;
      pkt.src = from_local ? conn->key.laddr : conn->key.raddr;
      pkt.dst = from_local ? conn->key.raddr : conn->key.laddr;
      pkt.sport = from_local ? conn->key.lport : conn->key.rport;
      pkt.dport = from_local ? conn->key.rport : conn->key.lport;
      if (tcp)
        {
          pkt.tcp_seq = netlens_fuzz_segment_seq (&seqs[from_local ? 0 : 1], flags, len, &syn);
          pkt.tcp_flags = NETLENS_TCP_ACK | (len > 0 ? NETLENS_TCP_PSH : 0)
                          | (syn ? NETLENS_TCP_SYN : 0) | ((flags & 0x80) ? NETLENS_TCP_FIN : 0);
          if (syn && from_local)
            pkt.tcp_flags &= ~NETLENS_TCP_ACK;
        }
      pkt.payload = payload;
      pkt.payload_len = (guint32) len;
      pkt.payload_wire_len = (guint32) len;
      pkt.caplen = pkt.wirelen = (guint32) len + 54;
      conn->last_seen = pkt.ts_us;
      netlens_dpi_inspect (conn, &pkt, from_local, names);
    }

  /* Everything downstream reads the results. */
  netlens_dpi_write_json (conn->dpi, out);
  netlens_dpi_write_csv (conn->dpi, cells);
  g_assert_cmpuint (cells->len, ==, g_strv_length ((char **) netlens_dpi_csv_header ()));
  netlens_dpi_append_summary (conn->dpi, out);
  netlens_dpi_foreach_text (conn->dpi, visit_text, &text_len);
  (void) netlens_dpi_get_sni (conn->dpi);
  (void) netlens_dpi_get_http_host (conn->dpi);
  (void) netlens_dpi_get_ssh_software (conn->dpi);
  (void) netlens_connection_get_best_name (conn);
  snap = netlens_connection_snapshot (conn);
  g_assert_cmpint (netlens_query_match (query, conn), ==, netlens_query_match (query, snap));
  netlens_connection_write_json (snap, out);
  netlens_connection_free (snap);
  netlens_connection_free (conn);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_dpi_inspect)
