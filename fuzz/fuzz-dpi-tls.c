/* fuzz-dpi-tls.c: TLS records and handshake messages through TCP reassembly
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: chunks (netlens-fuzz.h), each a TCP segment.  Chunk flags: bit 0 client -> server,
 * bits 1-2 how its sequence number relates to the stream (0 next, 1 a retransmission, 2 a
 * gap of flags >> 3 bytes, 3 a SYN).  Both directions go through the real reassembly
 * (_netlens_stream_add) into the record layer.  The whole input is also parsed as a
 * ClientHello body, a ServerHello body and QUIC transport parameters.
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include "netlens-dpi-private.h"
#include "netlens-fuzz.h"

typedef struct
{
  NetlensStream stream;
  NetlensTlsDir tls;
  guint32       seq;
  gboolean      done;
} Side;

int
netlens_fuzz_dpi_tls (const guint8 *data,
                      gsize         size)
{
  NetlensFuzzReader reader = { data, size };
  NetlensTlsInfo *info, *copy;
  Side sides[2] = { { { 0 } } };
  guint8 flags;
  const guint8 *chunk;
  gsize len;
  gint64 idle;

  if (size > 131072)
    return 0;
  sides[0].seq = 1000;
  sides[1].seq = 0xfffffff0u;  /* wraps around */

  info = _netlens_tls_info_new ();
  while (netlens_fuzz_next_chunk (&reader, &flags, &chunk, &len))
    {
      Side *side = &sides[flags & 1];
      gboolean syn;
      guint32 seq;
      g_autofree guint8 *segment = g_memdup2 (chunk, len);

      if (side->done)
        continue;
      seq = netlens_fuzz_segment_seq (&side->seq, flags, len, &syn);
      if (!_netlens_stream_add (&side->stream, seq, syn, segment, len))
        continue;
      g_assert_cmpuint (side->stream.len, <=, NETLENS_STREAM_CAP);
      len = _netlens_tls_feed_records (info, &side->tls, flags & 1, side->stream.buf,
                                       side->stream.len);
      g_assert_cmpuint (len, <=, side->stream.len);
      _netlens_stream_consume (&side->stream, len);
      if (side->tls.done || side->stream.overflow)
        side->done = TRUE;
    }
  for (guint i = 0; i < 2; i++)
    {
      _netlens_stream_clear (&sides[i].stream);
      g_clear_pointer (&sides[i].tls.hs, g_byte_array_unref);
    }

  {
    g_autofree guint8 *body = g_memdup2 (data, size);

    _netlens_tls_parse_client_hello (info, body, size);
    _netlens_tls_parse_server_hello (info, body, size);
    idle = _netlens_quic_parse_transport_params (body, size);
    g_assert_cmpint (idle, >=, -1);
    (void) _netlens_tls_is_record_start (body, size);
  }
  copy = _netlens_tls_info_copy (info);
  _netlens_tls_info_free (info);
  _netlens_tls_info_free (copy);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_dpi_tls)
