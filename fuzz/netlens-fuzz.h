/* netlens-fuzz.h: entry points of the libFuzzer targets, shared with the regression test
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each fuzz/fuzz-<name>.c defines netlens_fuzz_<name> ().  Built with -DNETLENS_FUZZ_MAIN
 * (the fuzz build) it also defines LLVMFuzzerTestOneInput; without it the same function is
 * linked into tests/reliability/test-fuzz-regressions, which replays every committed input
 * through it in the ordinary and sanitizer builds.
 */

#pragma once

#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

G_BEGIN_DECLS

typedef int (*NetlensFuzzFunc) (const guint8 *data, gsize size);

int netlens_fuzz_decode       (const guint8 *data, gsize size);
int netlens_fuzz_dpi_http     (const guint8 *data, gsize size);
int netlens_fuzz_dpi_tls      (const guint8 *data, gsize size);
int netlens_fuzz_dpi_dns      (const guint8 *data, gsize size);
int netlens_fuzz_dpi_ssh      (const guint8 *data, gsize size);
int netlens_fuzz_dpi_inspect  (const guint8 *data, gsize size);
int netlens_fuzz_quic_frames  (const guint8 *data, gsize size);
int netlens_fuzz_quic_initial (const guint8 *data, gsize size);
int netlens_fuzz_wire         (const guint8 *data, gsize size);
int netlens_fuzz_query        (const guint8 *data, gsize size);
int netlens_fuzz_pcap         (const guint8 *data, gsize size);
int netlens_fuzz_history      (const guint8 *data, gsize size);
int netlens_fuzz_dpi_binary   (const guint8 *data, gsize size);
int netlens_fuzz_history_row  (const guint8 *data, gsize size);

/* The link type a decode input's first byte chooses (modulo the count), and back. */
#define NETLENS_FUZZ_N_LINK_TYPES 10
static inline int
netlens_fuzz_link_type (guint8 selector)
{
  static const int types[NETLENS_FUZZ_N_LINK_TYPES] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276 };

  return types[selector % NETLENS_FUZZ_N_LINK_TYPES];
}

/* Log handler: quiet for debug..warning (hostile input makes parsers warn), abort on a
 * critical (a g_return_if_fail that fails is a bug) or an error. */
static inline void
netlens_fuzz_log (const gchar   *domain,
                  GLogLevelFlags level,
                  const gchar   *message,
                  gpointer       user_data)
{
  if ((level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) != 0)
    {
      g_printerr ("%s-CRITICAL: %s\n", domain ? domain : "", message);
      abort ();
    }
}

static inline void
netlens_fuzz_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      g_log_set_default_handler (netlens_fuzz_log, NULL);
      g_once_init_leave (&once, 1);
    }
}

/* Many targets read their input as chunks: {u8 flags, u16 big-endian length, bytes}.  A
 * length beyond the input is cut to what is left, so every input is valid. */
typedef struct
{
  const guint8 *p;
  gsize         left;
} NetlensFuzzReader;

static inline gboolean
netlens_fuzz_next_chunk (NetlensFuzzReader *r,
                         guint8            *flags,
                         const guint8     **chunk,
                         gsize             *len)
{
  gsize n;

  if (r->left < 3)
    return FALSE;
  *flags = r->p[0];
  n = ((gsize) r->p[1] << 8) | r->p[2];
  r->p += 3;
  r->left -= 3;
  n = MIN (n, r->left);
  *chunk = r->p;
  *len = n;
  r->p += n;
  r->left -= n;
  return TRUE;
}

/* A TCP segment's sequence number from its chunk flags, bits 1-2: 0 the next byte, 1 a
 * retransmission of up to (flags >> 3) + 1 bytes, 2 a gap of (flags >> 3) + 1 bytes, 3 a SYN. */
static inline guint32
netlens_fuzz_segment_seq (guint32  *next,
                          guint8    flags,
                          gsize     len,
                          gboolean *syn)
{
  guint32 seq = *next;

  *syn = FALSE;
  switch ((flags >> 1) & 3)
    {
    case 0:
      break;
    case 1:
      seq -= MIN (len, (gsize) (flags >> 3) + 1);
      break;
    case 2:
      seq += (flags >> 3) + 1;
      break;
    default:
      *syn = TRUE;
      seq -= 1;  /* the SYN takes one sequence number before the data */
      break;
    }
  if ((gint32) (seq + (*syn ? 1 : 0) + (guint32) len - *next) > 0)
    *next = seq + (*syn ? 1 : 0) + (guint32) len;
  return seq;
}

#ifdef NETLENS_FUZZ_MAIN
#define NETLENS_FUZZ_TARGET(func)                                                 \
  int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);                  \
  int                                                                             \
  LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)                       \
  {                                                                               \
    netlens_fuzz_init ();                                                         \
    return func (data, size);                                                     \
  }
#else
#define NETLENS_FUZZ_TARGET(func)
#endif

G_END_DECLS
