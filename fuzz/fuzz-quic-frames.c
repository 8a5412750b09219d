/* fuzz-quic-frames.c: the QUIC frame parser and CRYPTO reassembly on decrypted payloads
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: chunks (netlens-fuzz.h), each the decrypted payload of one Initial packet (flags
 * bit 0: from the client).  The CRYPTO frames of each direction are reassembled and handed
 * to the TLS handshake parser, as netlens-dpi-quic.c does after decryption.
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include "netlens-dpi-private.h"
#include "netlens-fuzz.h"

static void
check_ranges (const NetlensQuicCrypto *crypto)
{
  g_assert_cmpuint (crypto->n_ranges, <=, G_N_ELEMENTS (crypto->ranges));
  for (guint i = 0; i < crypto->n_ranges; i++)
    {
      g_assert_cmpuint (crypto->ranges[i][0], <, crypto->ranges[i][1]);
      g_assert_cmpuint (crypto->ranges[i][1], <=, NETLENS_QUIC_CRYPTO_CAP);
      if (i > 0)
        g_assert_cmpuint (crypto->ranges[i - 1][1], <, crypto->ranges[i][0]);
    }
  g_assert_cmpuint (crypto->parsed, <=, NETLENS_QUIC_CRYPTO_CAP);
}

int
netlens_fuzz_quic_frames (const guint8 *data,
                          gsize         size)
{
  NetlensFuzzReader reader = { data, size };
  NetlensQuicInfo *info, *copy;
  NetlensQuicCrypto crypto[2] = { { 0 } };
  guint8 flags;
  const guint8 *chunk;
  gsize len;

  if (size > 131072)
    return 0;
  info = _netlens_quic_info_new ();
  while (netlens_fuzz_next_chunk (&reader, &flags, &chunk, &len))
    {
      gboolean from_client = (flags & 1) != 0;
      g_autofree guint8 *plain = g_memdup2 (chunk, len);

      _netlens_quic_parse_frames (info, &crypto[from_client], from_client, plain, len);
      check_ranges (&crypto[from_client]);
      _netlens_quic_crypto_process (info, &crypto[from_client], from_client);
      check_ranges (&crypto[from_client]);
      g_assert_cmpuint (_netlens_quic_crypto_contiguous (&crypto[from_client]), <=,
                        NETLENS_QUIC_CRYPTO_CAP);
    }
  _netlens_quic_crypto_clear (&crypto[0]);
  _netlens_quic_crypto_clear (&crypto[1]);
  copy = _netlens_quic_info_copy (info);
  _netlens_quic_info_free (info);
  _netlens_quic_info_free (copy);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_quic_frames)
