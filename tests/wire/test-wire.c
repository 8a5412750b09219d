/* test-wire.c: the helper <-> GUI frame format over good and hostile bytes
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-test-wire"

#include "config.h"

#include <string.h>

#include "netlens-wire.h"

static void
write_hello (GByteArray *out)
{
  NetlensWireHello hello = {
    .attribution = NETLENS_WIRE_ATTRIBUTION_PROC,
    .requested = NETLENS_WIRE_ATTRIBUTION_BPF,
    .link_type = 1,
    .snaplen = 65535,
    .probes = NETLENS_WIRE_PROBE_PROC_SCAN,
    .netns_inode = 4026531840u,
    .helper_pid = 4242,
    .interface = (char *) "lo",
    .note = (char *) "BPF could not load: Operation not permitted",
  };

  netlens_wire_write_hello (out, &hello);
}

static GByteArray *
good_stream (void)
{
  GByteArray *out = g_byte_array_new ();
  guint8 pkt[60];
  NetlensWireOwner owner = {
    .ip_proto = 6, .family = 4, .source = NETLENS_WIRE_SOURCE_SET_STATE,
    .local_port = 51234, .remote_port = 80,
    .local_addr = { 127, 0, 0, 1 }, .remote_addr = { 127, 0, 0, 1 },
    .netns_inode = 4026531840u, .uid = 1001, .pid = 777, .tid = 778,
    .first_seen_us = G_GINT64_CONSTANT (1764000000000000),
    .comm = (char *) "curl", .cmdline = (char *) "curl -s http://127.0.0.1/",
    .exe = NULL, .cgroup = (char *) "/user.slice/app-gnome-org.gnome.Terminal-12.scope",
  };
  NetlensWireStats stats = { 1, 100, 2, 3, 4, 98 };
  NetlensWireAddress addrs[2] = { { 4, 8, { 127, 0, 0, 1 } }, { 6, 128, { [15] = 1 } } };

  for (guint i = 0; i < sizeof pkt; i++)
    pkt[i] = (guint8) i;
  write_hello (out);
  netlens_wire_write_addresses (out, addrs, 2);
  netlens_wire_write_packet (out, 1234567, sizeof pkt, 1500, pkt);
  netlens_wire_write_owner (out, &owner);
  netlens_wire_write_stats (out, &stats);
  netlens_wire_write_error (out, NETLENS_WIRE_ERROR_INTERFACE, "The interface went away",
                            "eth7: No such device");
  return out;
}

/* Feeds STREAM in pieces of STEP bytes; returns the frame types seen. */
static GString *
read_all (const guint8 *data, gsize len, gsize step, GError **error)
{
  g_autoptr(NetlensWireReader) reader = netlens_wire_reader_new ();
  GString *types = g_string_new (NULL);
  gsize off = 0;

  while (off < len)
    {
      gsize n = MIN (step, len - off);
      NetlensWireFrame frame;
      NetlensWireReadResult r;

      netlens_wire_reader_feed (reader, data + off, n);
      off += n;
      while ((r = netlens_wire_reader_next (reader, &frame, error)) == NETLENS_WIRE_READ_FRAME)
        g_string_append_printf (types, "%u", frame.type);
      if (r == NETLENS_WIRE_READ_ERROR)
        {
          g_string_free (types, TRUE);
          return NULL;
        }
    }
  if (!netlens_wire_reader_finish (reader, error))
    {
      g_string_free (types, TRUE);
      return NULL;
    }
  return types;
}

static void
test_round_trip (void)
{
  g_autoptr(GByteArray) stream = good_stream ();
  g_autoptr(NetlensWireReader) reader = netlens_wire_reader_new ();
  NetlensWireFrame frame;
  g_autoptr(GError) error = NULL;
  NetlensWireHello hello;
  NetlensWirePacket packet;
  NetlensWireOwner owner;
  NetlensWireStats stats;
  NetlensWireError err;
  NetlensWireAddresses addrs;

  netlens_wire_reader_feed (reader, stream->data, stream->len);

  g_assert_cmpint (netlens_wire_reader_next (reader, &frame, &error), ==, NETLENS_WIRE_READ_FRAME);
  g_assert_true (netlens_wire_parse_hello (&frame, &hello, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hello.attribution, ==, NETLENS_WIRE_ATTRIBUTION_PROC);
  g_assert_cmpuint (hello.requested, ==, NETLENS_WIRE_ATTRIBUTION_BPF);
  g_assert_cmpint (hello.link_type, ==, 1);
  g_assert_cmpuint (hello.snaplen, ==, 65535);
  g_assert_cmpuint (hello.netns_inode, ==, 4026531840u);
  g_assert_cmpuint (hello.helper_pid, ==, 4242);
  g_assert_cmpstr (hello.interface, ==, "lo");
  g_assert_cmpstr (hello.note, ==, "BPF could not load: Operation not permitted");
  netlens_wire_hello_clear (&hello);

  g_assert_cmpint (netlens_wire_reader_next (reader, &frame, &error), ==, NETLENS_WIRE_READ_FRAME);
  g_assert_true (netlens_wire_parse_addresses (&frame, &addrs, &error));
  g_assert_cmpuint (addrs.n, ==, 2);
  g_assert_cmpuint (addrs.addrs[0].family, ==, 4);
  g_assert_cmpuint (addrs.addrs[0].addr[0], ==, 127);
  g_assert_cmpuint (addrs.addrs[1].family, ==, 6);
  g_assert_cmpuint (addrs.addrs[1].prefix_len, ==, 128);
  g_assert_cmpuint (addrs.addrs[1].addr[15], ==, 1);
  netlens_wire_addresses_clear (&addrs);

  g_assert_cmpint (netlens_wire_reader_next (reader, &frame, &error), ==, NETLENS_WIRE_READ_FRAME);
  g_assert_true (netlens_wire_parse_packet (&frame, &packet, &error));
  g_assert_cmpint (packet.ts_us, ==, 1234567);
  g_assert_cmpuint (packet.caplen, ==, 60);
  g_assert_cmpuint (packet.origlen, ==, 1500);
  g_assert_cmpuint (packet.data[59], ==, 59);

  g_assert_cmpint (netlens_wire_reader_next (reader, &frame, &error), ==, NETLENS_WIRE_READ_FRAME);
  g_assert_true (netlens_wire_parse_owner (&frame, &owner, &error));
  g_assert_cmpuint (owner.ip_proto, ==, 6);
  g_assert_cmpuint (owner.local_port, ==, 51234);
  g_assert_cmpuint (owner.remote_port, ==, 80);
  g_assert_cmpuint (owner.pid, ==, 777);
  g_assert_cmpuint (owner.tid, ==, 778);
  g_assert_cmpuint (owner.uid, ==, 1001);
  g_assert_cmpstr (owner.comm, ==, "curl");
  g_assert_cmpstr (owner.cmdline, ==, "curl -s http://127.0.0.1/");
  g_assert_cmpstr (owner.exe, ==, "");
  g_assert_cmpstr (owner.cgroup, ==, "/user.slice/app-gnome-org.gnome.Terminal-12.scope");
  g_assert_cmpint (owner.first_seen_us, ==, G_GINT64_CONSTANT (1764000000000000));
  netlens_wire_owner_clear (&owner);

  g_assert_cmpint (netlens_wire_reader_next (reader, &frame, &error), ==, NETLENS_WIRE_READ_FRAME);
  g_assert_true (netlens_wire_parse_stats (&frame, &stats, &error));
  g_assert_cmpuint (stats.received, ==, 100);
  g_assert_cmpuint (stats.dropped, ==, 2);
  g_assert_cmpuint (stats.ifdropped, ==, 3);
  g_assert_cmpuint (stats.owner_events_lost, ==, 4);
  g_assert_cmpuint (stats.packets_sent, ==, 98);

  g_assert_cmpint (netlens_wire_reader_next (reader, &frame, &error), ==, NETLENS_WIRE_READ_FRAME);
  g_assert_true (netlens_wire_parse_error (&frame, &err, &error));
  g_assert_cmpuint (err.code, ==, NETLENS_WIRE_ERROR_INTERFACE);
  g_assert_cmpstr (err.primary, ==, "The interface went away");
  g_assert_cmpstr (err.secondary, ==, "eth7: No such device");
  netlens_wire_error_clear (&err);

  g_assert_cmpint (netlens_wire_reader_next (reader, &frame, &error), ==, NETLENS_WIRE_READ_MORE);
  g_assert_true (netlens_wire_reader_finish (reader, &error));
  g_assert_no_error (error);
}

/* Byte by byte, and in odd pieces, gives the same frames. */
static void
test_pieces (void)
{
  g_autoptr(GByteArray) stream = good_stream ();
  gsize steps[] = { 1, 3, 7, 64, 100000 };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(GError) error = NULL;
      GString *types = read_all (stream->data, stream->len, steps[i], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (types->str, ==, "162345");
      g_string_free (types, TRUE);
    }
}

/* Every prefix that cuts a frame is TRUNCATED at the end, never a crash or a frame. */
static void
test_truncated (void)
{
  g_autoptr(GByteArray) stream = good_stream ();
  guint n_truncated = 0;

  for (gsize cut = 1; cut < stream->len; cut++)
    {
      g_autoptr(GError) error = NULL;
      GString *types = read_all (stream->data, cut, 5, &error);

      if (types != NULL)
        {
          /* a cut exactly between frames is a complete (shorter) stream */
          g_assert_no_error (error);
          g_string_free (types, TRUE);
          continue;
        }
      g_assert_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_TRUNCATED);
      n_truncated++;
    }
  /* all but the 5 frame boundaries inside the stream */
  g_assert_cmpuint (n_truncated, ==, stream->len - 1 - 5);
}

static void
test_oversized (void)
{
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autoptr(NetlensWireReader) reader = netlens_wire_reader_new ();
  g_autoptr(GError) error = NULL;
  NetlensWireFrame frame;
  guint8 header[8] = { NETLENS_WIRE_PACKET, 0, 0, 0, 0, 0, 0, 0 };
  guint32 huge = NETLENS_WIRE_MAX_SNAPLEN + 17;

  write_hello (stream);
  header[4] = huge & 0xff;
  header[5] = (huge >> 8) & 0xff;
  header[6] = (huge >> 16) & 0xff;
  header[7] = huge >> 24;
  g_byte_array_append (stream, header, sizeof header);

  netlens_wire_reader_feed (reader, stream->data, stream->len);
  g_assert_cmpint (netlens_wire_reader_next (reader, &frame, &error), ==, NETLENS_WIRE_READ_FRAME);
  /* refused on the header alone, before the reader buffers a byte of the payload */
  g_assert_cmpint (netlens_wire_reader_next (reader, &frame, &error), ==, NETLENS_WIRE_READ_ERROR);
  g_assert_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_OVERSIZED);
  g_clear_error (&error);
  /* and stays failed */
  g_assert_cmpint (netlens_wire_reader_next (reader, &frame, &error), ==, NETLENS_WIRE_READ_ERROR);
}

/* A packet frame whose caplen disagrees with its length, an owner with a string running
 * past the end, a string with a NUL: each a clean MALFORMED from the payload decoder. */
static void
test_bad_payloads (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  NetlensWireFrame frame;
  NetlensWirePacket packet;
  NetlensWireOwner owner;
  NetlensWireError err;
  guint8 data[20] = { 0 };
  g_autoptr(GError) error = NULL;
  NetlensWireOwner good = { .ip_proto = 17, .family = 6, .comm = (char *) "dig" };

  netlens_wire_write_packet (out, 1, sizeof data, sizeof data, data);
  frame.type = NETLENS_WIRE_PACKET;
  frame.payload = out->data + NETLENS_WIRE_HEADER_SIZE;
  frame.length = out->len - NETLENS_WIRE_HEADER_SIZE;
  g_assert_true (netlens_wire_parse_packet (&frame, &packet, &error));
  frame.length--;
  g_assert_false (netlens_wire_parse_packet (&frame, &packet, &error));
  g_assert_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED);
  g_clear_error (&error);
  /* origlen below caplen */
  out->data[NETLENS_WIRE_HEADER_SIZE + 12] = 1;
  frame.length++;
  g_assert_false (netlens_wire_parse_packet (&frame, &packet, &error));
  g_clear_error (&error);

  g_byte_array_set_size (out, 0);
  netlens_wire_write_owner (out, &good);
  frame.type = NETLENS_WIRE_OWNER;
  frame.payload = out->data + NETLENS_WIRE_HEADER_SIZE;
  frame.length = out->len - NETLENS_WIRE_HEADER_SIZE;
  g_assert_true (netlens_wire_parse_owner (&frame, &owner, &error));
  g_assert_cmpstr (owner.comm, ==, "dig");
  netlens_wire_owner_clear (&owner);
  for (guint32 len = 0; len < frame.length; len++)
    {
      NetlensWireFrame cut = frame;

      cut.length = len;
      g_assert_false (netlens_wire_parse_owner (&cut, &owner, &error));
      g_assert_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED);
      g_assert_null (owner.comm);
      g_clear_error (&error);
    }
  /* protocol other than TCP or UDP */
  out->data[NETLENS_WIRE_HEADER_SIZE] = 1;
  g_assert_false (netlens_wire_parse_owner (&frame, &owner, &error));
  g_clear_error (&error);

  g_byte_array_set_size (out, 0);
  netlens_wire_write_error (out, 1, "ab", "cd");
  frame.type = NETLENS_WIRE_ERROR;
  frame.payload = out->data + NETLENS_WIRE_HEADER_SIZE;
  frame.length = out->len - NETLENS_WIRE_HEADER_SIZE;
  out->data[NETLENS_WIRE_HEADER_SIZE + 7] = '\0';
  g_assert_false (netlens_wire_parse_error (&frame, &err, &error));
  g_assert_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED);
  g_clear_error (&error);
  /* the wrong decoder for the type */
  g_assert_false (netlens_wire_parse_owner (&frame, &owner, &error));
  g_clear_error (&error);
}

static void
test_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);
  g_autoptr(GByteArray) stream = good_stream ();
  /* an HTTP request, and the start of a pcap file header */
  const char *junk[] = { "GET / HTTP/1.1\r\n\r\n", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00" };
  const gsize junk_len[] = { 18, 10 };

  /* streams that do not begin with a hello */
  for (guint i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      g_autoptr(GError) error = NULL;
      GString *types = read_all ((const guint8 *) junk[i], junk_len[i], 3, &error);

      g_assert_null (types);
      g_assert_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED);
    }

  /* wrong version */
  {
    g_autoptr(GByteArray) copy = g_byte_array_new ();
    g_autoptr(GError) error = NULL;
    GString *types;

    g_byte_array_append (copy, stream->data, stream->len);
    copy->data[NETLENS_WIRE_HEADER_SIZE + 4] = 99;
    types = read_all (copy->data, copy->len, 4096, &error);
    g_assert_null (types);
    g_assert_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED);
    g_assert_nonnull (strstr (error->message, "version 99"));
  }

  /* random flips anywhere: each run ends in frames, MORE or an error; decoders never
   * read past the frame (valgrind / ASan builds check that part) */
  for (guint round = 0; round < 2000; round++)
    {
      g_autoptr(GByteArray) copy = g_byte_array_new ();
      g_autoptr(NetlensWireReader) reader = netlens_wire_reader_new ();
      NetlensWireFrame frame;
      NetlensWireReadResult r;
      guint flips = g_rand_int_range (rand, 1, 6);

      g_byte_array_append (copy, stream->data, stream->len);
      for (guint f = 0; f < flips; f++)
        copy->data[g_rand_int_range (rand, 0, copy->len)] = (guint8) g_rand_int (rand);
      netlens_wire_reader_feed (reader, copy->data, copy->len);
      for (;;)
        {
          g_autoptr(GError) error = NULL;
          NetlensWireHello hello;
          NetlensWirePacket packet;
          NetlensWireOwner owner;
          NetlensWireStats stats;
          NetlensWireError err;
          NetlensWireAddresses addrs;

          r = netlens_wire_reader_next (reader, &frame, &error);
          if (r != NETLENS_WIRE_READ_FRAME)
            {
              g_assert_true (r == NETLENS_WIRE_READ_MORE || error != NULL);
              break;
            }
          g_assert_cmpuint (frame.length + NETLENS_WIRE_HEADER_SIZE, <=, copy->len);
          switch (frame.type)
            {
            case NETLENS_WIRE_HELLO:
              if (netlens_wire_parse_hello (&frame, &hello, NULL))
                netlens_wire_hello_clear (&hello);
              break;
            case NETLENS_WIRE_PACKET:
              if (netlens_wire_parse_packet (&frame, &packet, NULL))
                g_assert_true (packet.data + packet.caplen == frame.payload + frame.length);
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
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/wire/round-trip", test_round_trip);
  g_test_add_func ("/wire/pieces", test_pieces);
  g_test_add_func ("/wire/truncated", test_truncated);
  g_test_add_func ("/wire/oversized", test_oversized);
  g_test_add_func ("/wire/bad-payloads", test_bad_payloads);
  g_test_add_func ("/wire/garbage", test_garbage);
  return g_test_run ();
}
