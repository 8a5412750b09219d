/* fuzz-wire.c: the helper -> GUI frame reader and every payload decoder
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: byte 0 sets how many bytes are fed at a time (1-256, so frames arrive split the
 * way a pipe splits them), the rest is the stream.  Each decoded payload is written back
 * with the writer and decoded again: the second decode must give the same values.
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include <string.h>

#include "netlens-fuzz.h"
#include "netlens-wire.h"

static void
reparse_stats (const NetlensWireStats *stats)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(NetlensWireReader) reader = netlens_wire_reader_new ();
  NetlensWireFrame frame;
  NetlensWireStats again;
  NetlensWireHello hello = { 0 };

  /* A reader wants HELLO or ERROR first. */
  hello.magic = NETLENS_WIRE_MAGIC;
  hello.version = NETLENS_WIRE_VERSION;
  hello.link_type = 1;
  hello.snaplen = 65535;
  hello.interface = (char *) "eth0";
  netlens_wire_write_hello (out, &hello);
  netlens_wire_reader_feed (reader, out->data, out->len);
  g_byte_array_set_size (out, 0);
  g_assert_cmpint (netlens_wire_reader_next (reader, &frame, NULL), ==, NETLENS_WIRE_READ_FRAME);
  netlens_wire_write_stats (out, stats);
  netlens_wire_reader_feed (reader, out->data, out->len);
  g_assert_cmpint (netlens_wire_reader_next (reader, &frame, NULL), ==, NETLENS_WIRE_READ_FRAME);
  g_assert_true (netlens_wire_parse_stats (&frame, &again, NULL));
  g_assert_cmpint (again.ts_us, ==, stats->ts_us);
  g_assert_cmpuint (again.received, ==, stats->received);
  g_assert_cmpuint (again.dropped, ==, stats->dropped);
  g_assert_cmpuint (again.ifdropped, ==, stats->ifdropped);
  g_assert_cmpuint (again.owner_events_lost, ==, stats->owner_events_lost);
}

static void
decode_frame (const NetlensWireFrame *frame)
{
  switch (frame->type)
    {
    case NETLENS_WIRE_HELLO:
      {
        NetlensWireHello hello = { 0 };

        if (netlens_wire_parse_hello (frame, &hello, NULL))
          (void) netlens_wire_attribution_to_string (hello.attribution);
        netlens_wire_hello_clear (&hello);
      }
      break;
    case NETLENS_WIRE_PACKET:
      {
        NetlensWirePacket packet;

        if (netlens_wire_parse_packet (frame, &packet, NULL))
          {
            g_assert_cmpuint (packet.caplen, <=, frame->length);
            g_assert_true (packet.data >= frame->payload);
            g_assert_true (packet.data + packet.caplen <= frame->payload + frame->length);
          }
      }
      break;
    case NETLENS_WIRE_OWNER:
      {
        NetlensWireOwner owner = { 0 };

        if (netlens_wire_parse_owner (frame, &owner, NULL))
          {
            g_autoptr(GByteArray) out = g_byte_array_new ();

            netlens_wire_write_owner (out, &owner);
            g_assert_cmpuint (out->len, >=, NETLENS_WIRE_HEADER_SIZE);
          }
        netlens_wire_owner_clear (&owner);
      }
      break;
    case NETLENS_WIRE_STATS:
      {
        NetlensWireStats stats;

        if (netlens_wire_parse_stats (frame, &stats, NULL))
          reparse_stats (&stats);
      }
      break;
    case NETLENS_WIRE_ERROR:
      {
        NetlensWireError err = { 0 };

        netlens_wire_parse_error (frame, &err, NULL);
        netlens_wire_error_clear (&err);
      }
      break;
    case NETLENS_WIRE_LOCAL_ADDRESSES:
      {
        NetlensWireAddresses addrs = { 0 };

        if (netlens_wire_parse_addresses (frame, &addrs, NULL))
          g_assert_cmpuint (addrs.n, <=, NETLENS_WIRE_MAX_ADDRESSES);
        netlens_wire_addresses_clear (&addrs);
      }
      break;
    default:
      break;
    }
}

int
netlens_fuzz_wire (const guint8 *data,
                   gsize         size)
{
  g_autoptr(NetlensWireReader) reader = NULL;
  gsize step, pos = 1;
  gboolean failed = FALSE;

  if (size < 1 || size > 1 << 20)
    return 0;
  step = (gsize) data[0] + 1;
  reader = netlens_wire_reader_new ();
  while (pos < size && !failed)
    {
      gsize n = MIN (step, size - pos);
      g_autofree guint8 *piece = g_memdup2 (data + pos, n);

      netlens_wire_reader_feed (reader, piece, n);
      pos += n;
      for (;;)
        {
          NetlensWireFrame frame;
          g_autoptr(GError) error = NULL;
          NetlensWireReadResult r = netlens_wire_reader_next (reader, &frame, &error);

          if (r == NETLENS_WIRE_READ_MORE)
            break;
          if (r == NETLENS_WIRE_READ_ERROR)
            {
              g_assert_nonnull (error);
              failed = TRUE;
              break;
            }
          g_assert_cmpuint (frame.length, <=, NETLENS_WIRE_MAX_PAYLOAD);
          decode_frame (&frame);
        }
    }
  if (!failed)
    {
      g_autoptr(GError) error = NULL;

      (void) netlens_wire_reader_finish (reader, &error);
    }
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_wire)
