/* fuzz-dpi-ssh.c: SSH banners, binary packets up to NEWKEYS and KEXINIT name-lists
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: chunks (netlens-fuzz.h), each a TCP segment of one direction (flags bit 0: client
 * -> server; bits 1-2 the sequence relation), through the real reassembly into
 * _netlens_ssh_feed as the TCP dissector drives it.  The whole input is also parsed as a
 * KEXINIT payload and as a banner.
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include <string.h>

#include "netlens-dpi-private.h"
#include "netlens-fuzz.h"

int
netlens_fuzz_dpi_ssh (const guint8 *data,
                      gsize         size)
{
  NetlensFuzzReader reader = { data, size };
  NetlensSshInfo *info, *copy;
  NetlensStream streams[2] = { { 0 } };
  guint32 seqs[2] = { 1, 0x80000000u };
  gboolean finished[2] = { FALSE, FALSE };
  guint8 flags;
  const guint8 *chunk;
  gsize len;

  if (size > 131072)
    return 0;
  info = _netlens_ssh_info_new ();
  while (netlens_fuzz_next_chunk (&reader, &flags, &chunk, &len))
    {
      guint i = flags & 1;
      NetlensStream *s = &streams[i];
      guint64 skip = 0;
      gboolean syn, done = FALSE, error = FALSE;
      guint32 seq;
      gsize used;
      g_autofree guint8 *segment = g_memdup2 (chunk, len);

      if (finished[i])
        continue;
      seq = netlens_fuzz_segment_seq (&seqs[i], flags, len, &syn);
      if (!_netlens_stream_add (s, seq, syn, segment, len))
        continue;
      used = _netlens_ssh_feed (info, i == 1, s->buf, s->len, &skip, &done, &error);
      g_assert_cmpuint (used, <=, s->len);
      _netlens_stream_consume (s, used);
      if (skip > 0)
        _netlens_stream_skip (s, skip);
      if (done || error || s->overflow)
        finished[i] = TRUE;
      (void) _netlens_ssh_app_state (info);
    }
  _netlens_stream_clear (&streams[0]);
  _netlens_stream_clear (&streams[1]);

  {
    g_autofree guint8 *payload = g_memdup2 (data, size);
    g_autofree char *banner = g_strndup ((const char *) data, size);
    g_autofree char *software = NULL;
    NetlensSshSide side;

    memset (&side, 0, sizeof side);
    if (_netlens_ssh_parse_kexinit (&side, payload, size))
      for (guint i = 0; i < NETLENS_SSH_N_LISTS; i++)
        g_assert_nonnull (side.lists[i]);
    for (guint i = 0; i < NETLENS_SSH_N_LISTS; i++)
      _netlens_ssh_list_free (side.lists[i]);
    software = _netlens_ssh_banner_software (banner);
  }

  copy = _netlens_ssh_info_copy (info);
  _netlens_ssh_info_free (info);
  _netlens_ssh_info_free (copy);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_dpi_ssh)
