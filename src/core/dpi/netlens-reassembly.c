/* netlens-reassembly.c: bounded, in-order TCP stream reassembly for DPI
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-dpi"

#include "config.h"

#include <string.h>

#include "netlens-dpi-private.h"

void
_netlens_stream_clear (NetlensStream *stream)
{
  g_clear_pointer (&stream->buf, g_free);
  for (guint i = 0; i < stream->n_pending; i++)
    g_free (stream->pending[i].data);
  g_free (stream->pending);
  memset (stream, 0, sizeof *stream);
}

/* Appends bytes that start exactly at next_seq. */
static void
stream_deliver (NetlensStream *stream,
                const guint8  *data,
                gsize          len)
{
  stream->next_seq += (guint32) len;

  if (stream->skip > 0)
    {
      gsize n = MIN ((gsize) stream->skip, len);

      stream->skip -= (guint32) n;
      stream->consumed_total += n;
      data += n;
      len -= n;
    }
  if (len == 0)
    return;

  if (stream->len + len > stream->cap && stream->cap < NETLENS_STREAM_CAP)
    {
      /* grow by need: most streams hold one small message at a time */
      gsize want = MIN ((gsize) stream->len + len, (gsize) NETLENS_STREAM_CAP);
      gsize cap = MAX ((gsize) stream->cap, 512);

      while (cap < want)
        cap *= 2;
      cap = MIN (cap, (gsize) NETLENS_STREAM_CAP);
      stream->buf = g_realloc (stream->buf, cap);
      stream->cap = (guint32) cap;
    }
  if (len > NETLENS_STREAM_CAP - stream->len)
    {
      /* The dissector did not consume: it waits for more than a bounded buffer holds. */
      len = NETLENS_STREAM_CAP - stream->len;
      stream->overflow = TRUE;
    }
  memcpy (stream->buf + stream->len, data, len);
  stream->len += (guint32) len;
}

/* Delivers the part of [seq, seq+len) that lies at or after next_seq, if it touches it.
 * Returns TRUE when something was appended. */
static gboolean
stream_try_deliver (NetlensStream *stream,
                    guint32        seq,
                    const guint8  *data,
                    gsize          len)
{
  gint32 rel = (gint32) (seq - stream->next_seq);

  if (rel > 0)
    return FALSE;
  if ((gsize) -(gint64) rel >= len)
    return FALSE;  /* entirely old: a retransmission */
  data += -(gint64) rel;
  len -= -(gint64) rel;
  stream_deliver (stream, data, len);
  return TRUE;
}

gboolean
_netlens_stream_add (NetlensStream *stream,
                     guint32        seq,
                     gboolean       syn,
                     const guint8  *data,
                     gsize          len)
{
  gboolean appended = FALSE;
  gboolean progress;

  if (syn)
    {
      if (!stream->init)
        {
          stream->init = TRUE;
          stream->next_seq = seq + 1;
        }
      seq += 1;  /* the SYN occupies one sequence number; TFO data follows it */
    }
  if (len == 0 || data == NULL)
    return FALSE;
  if (!stream->init)
    {
      /* Mid-stream pickup: start at the first data seen. */
      stream->init = TRUE;
      stream->next_seq = seq;
    }
  if (stream->overflow)
    return FALSE;

  if (stream_try_deliver (stream, seq, data, len))
    appended = TRUE;
  else
    {
      gint32 rel = (gint32) (seq - stream->next_seq);

      /* Out of order: keep a bounded copy until the gap fills.  A window beyond 1 MiB
       * is not a gap we will see filled within the bytes we inspect. */
      if (rel > 0 && rel < (1 << 20)
          && stream->n_pending < NETLENS_STREAM_MAX_PENDING
          && stream->pending_bytes + len <= NETLENS_STREAM_PENDING_BYTES)
        {
          for (guint i = 0; i < stream->n_pending; i++)
            if (stream->pending[i].seq == seq && stream->pending[i].len >= len)
              return FALSE;  /* the same segment again */
          if (stream->pending == NULL)
            stream->pending = g_new (NetlensSegment, NETLENS_STREAM_MAX_PENDING);
          stream->pending[stream->n_pending].seq = seq;
          stream->pending[stream->n_pending].len = (guint32) len;
          stream->pending[stream->n_pending].data = g_memdup2 (data, len);
          stream->n_pending++;
          stream->pending_bytes += (guint32) len;
        }
      return FALSE;
    }

  /* Waiting segments that now touch the stream. */
  do
    {
      progress = FALSE;
      for (guint i = 0; i < stream->n_pending; i++)
        {
          NetlensSegment *seg = &stream->pending[i];
          gint32 rel = (gint32) (seg->seq - stream->next_seq);
          gboolean used = FALSE;

          if (rel <= 0)
            {
              used = TRUE;
              if (stream_try_deliver (stream, seg->seq, seg->data, seg->len))
                progress = appended = TRUE;
            }
          if (used)
            {
              stream->pending_bytes -= seg->len;
              g_free (seg->data);
              stream->pending[i] = stream->pending[stream->n_pending - 1];
              stream->n_pending--;
              i--;
            }
        }
    }
  while (progress && !stream->overflow);
  if (stream->n_pending == 0)
    g_clear_pointer (&stream->pending, g_free);  /* the gap filled: give the slots back */

  return appended;
}

void
_netlens_stream_consume (NetlensStream *stream,
                         gsize          n)
{
  g_assert (n <= stream->len);
  if (n == 0)
    return;
  memmove (stream->buf, stream->buf + n, stream->len - n);
  stream->len -= (guint32) n;
  stream->consumed_total += n;
  if (stream->len == 0)
    {
      /* nothing waits: give the memory back until the next bytes arrive */
      g_clear_pointer (&stream->buf, g_free);
      stream->cap = 0;
    }
  if (stream->overflow && stream->len < NETLENS_STREAM_CAP)
    {
      /* Bytes were lost beyond the cap: the stream cannot be followed any more. */
    }
}

void
_netlens_stream_skip (NetlensStream *stream,
                      guint64        n)
{
  gsize now = (gsize) MIN (n, (guint64) stream->len);

  _netlens_stream_consume (stream, now);
  n -= now;
  if (n > G_MAXUINT32)
    n = G_MAXUINT32;
  stream->skip += (guint32) n;
}
