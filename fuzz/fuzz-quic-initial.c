/* fuzz-quic-initial.c: the whole QUIC path of a UDP flow: long headers, Initial keys,
 * header protection, decryption, frames, CRYPTO, the TLS parser and the state
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: chunks (netlens-fuzz.h), each one UDP datagram (flags bit 0: local -> remote).
 * Random bytes never carry a valid AEAD tag, so the fuzz build (-Dfuzzing=true,
 * NETLENS_FUZZING) skips the tag check and everything behind it is reached.
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include "netlens-dpi-private.h"
#include "netlens-fuzz.h"

int
netlens_fuzz_quic_initial (const guint8 *data,
                           gsize         size)
{
  NetlensFuzzReader reader = { data, size };
  NetlensQuicState *state;
  NetlensQuicInfo *info, *copy;
  guint8 flags;
  const guint8 *chunk;
  gsize len;

  if (size > 131072)
    return 0;
  state = _netlens_quic_state_new ();
  info = _netlens_quic_info_new ();
  while (netlens_fuzz_next_chunk (&reader, &flags, &chunk, &len))
    {
      g_autofree guint8 *datagram = g_memdup2 (chunk, len);
      NetlensQuicLongHeader hdr;
      gboolean is_quic = FALSE, client_is_local = FALSE;

      (void) _netlens_quic_detect (datagram, len);
      if (_netlens_quic_parse_long_header (datagram, len, &hdr))
        {
          g_assert_cmpuint (hdr.packet_len, <=, len);
          g_assert_true (hdr.dcid + hdr.dcid_len <= datagram + len);
          g_assert_true (hdr.scid + hdr.scid_len <= datagram + len);
          g_assert_cmpuint (hdr.pn_offset, <=, hdr.packet_len);
        }
      _netlens_quic_datagram (state, info, (flags & 1) != 0, datagram, len, &is_quic,
                              &client_is_local);
      (void) _netlens_quic_conn_state (state, info);
    }
  _netlens_quic_state_free (state);
  copy = _netlens_quic_info_copy (info);
  _netlens_quic_info_free (info);
  _netlens_quic_info_free (copy);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_quic_initial)
