/* fuzz-wire.c: libFuzzer target for the helper -> GUI frame reader and decoders
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The GUI reads this stream from a root process; it must still treat it as hostile.  The
 * input is fed in two pieces (split at its first byte's value) to exercise the
 * incremental path, and every frame goes through its decoder.
 */

#define G_LOG_DOMAIN "netlens-fuzz-wire"

#include "config.h"

#include <stdint.h>

#include "netlens-wire.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(NetlensWireReader) reader = netlens_wire_reader_new ();
  size_t split = size > 0 ? MIN ((size_t) data[0], size) : 0;

  for (int piece = 0; piece < 2; piece++)
    {
      NetlensWireFrame frame;

      if (piece == 0)
        netlens_wire_reader_feed (reader, data, split);
      else
        netlens_wire_reader_feed (reader, data + split, size - split);

      while (netlens_wire_reader_next (reader, &frame, NULL) == NETLENS_WIRE_READ_FRAME)
        {
          NetlensWireHello hello;
          NetlensWirePacket packet;
          NetlensWireOwner owner;
          NetlensWireStats stats;
          NetlensWireError err;
          NetlensWireAddresses addrs;

          switch (frame.type)
            {
            case NETLENS_WIRE_HELLO:
              if (netlens_wire_parse_hello (&frame, &hello, NULL))
                netlens_wire_hello_clear (&hello);
              break;
            case NETLENS_WIRE_PACKET:
              if (netlens_wire_parse_packet (&frame, &packet, NULL) && packet.caplen > 0)
                g_assert (packet.data[packet.caplen - 1] == frame.payload[frame.length - 1]);
              break;
            case NETLENS_WIRE_OWNER:
              if (netlens_wire_parse_owner (&frame, &owner, NULL))
                netlens_wire_owner_clear (&owner);
              break;
            case NETLENS_WIRE_STATS:
              netlens_wire_parse_stats (&frame, &stats, NULL);
              break;
            case NETLENS_WIRE_ERROR:
              if (netlens_wire_parse_error (&frame, &err, NULL))
                netlens_wire_error_clear (&err);
              break;
            case NETLENS_WIRE_LOCAL_ADDRESSES:
              if (netlens_wire_parse_addresses (&frame, &addrs, NULL))
                netlens_wire_addresses_clear (&addrs);
              break;
            default:
              g_assert_not_reached ();
            }
        }
    }
  netlens_wire_reader_finish (reader, NULL);
  return 0;
}
