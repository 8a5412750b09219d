/* netlens-wire.c: the netlens-capture -> netlens frame format
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-wire"

#include "config.h"

#include <string.h>

#include "netlens-wire.h"

G_DEFINE_QUARK (netlens-wire-parse-error-quark, netlens_wire_parse_error)

/* ---- writing ---------------------------------------------------------------- */

static void
put_u8 (GByteArray *out, guint8 v)
{
  g_byte_array_append (out, &v, 1);
}

static void
put_u16 (GByteArray *out, guint16 v)
{
  guint8 b[2] = { v & 0xff, v >> 8 };
  g_byte_array_append (out, b, 2);
}

static void
put_u32 (GByteArray *out, guint32 v)
{
  guint8 b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  g_byte_array_append (out, b, 4);
}

static void
put_u64 (GByteArray *out, guint64 v)
{
  put_u32 (out, (guint32) v);
  put_u32 (out, (guint32) (v >> 32));
}

/* Strings longer than the bound are cut (at a byte: the reader validates UTF-8 loosely). */
static void
put_str (GByteArray *out, const char *s)
{
  gsize len = s != NULL ? strlen (s) : 0;

  if (len > NETLENS_WIRE_MAX_STRING)
    len = NETLENS_WIRE_MAX_STRING;
  put_u16 (out, (guint16) len);
  if (len > 0)
    g_byte_array_append (out, (const guint8 *) s, len);
}

static guint
begin_frame (GByteArray *out, guint16 type)
{
  guint start = out->len;

  put_u16 (out, type);
  put_u16 (out, 0);
  put_u32 (out, 0);
  return start;
}

static void
end_frame (GByteArray *out, guint start)
{
  guint32 len = out->len - start - NETLENS_WIRE_HEADER_SIZE;

  g_assert (len <= NETLENS_WIRE_MAX_PAYLOAD);
  out->data[start + 4] = len & 0xff;
  out->data[start + 5] = (len >> 8) & 0xff;
  out->data[start + 6] = (len >> 16) & 0xff;
  out->data[start + 7] = len >> 24;
}

void
netlens_wire_write_hello (GByteArray *out, const NetlensWireHello *hello)
{
  guint start = begin_frame (out, NETLENS_WIRE_HELLO);

  put_u32 (out, NETLENS_WIRE_MAGIC);
  put_u16 (out, NETLENS_WIRE_VERSION);
  put_u8 (out, hello->attribution);
  put_u8 (out, hello->requested);
  put_u32 (out, (guint32) hello->link_type);
  put_u32 (out, hello->snaplen);
  put_u32 (out, hello->probes);
  put_u64 (out, hello->netns_inode);
  put_u32 (out, hello->helper_pid);
  put_str (out, hello->interface);
  put_str (out, hello->note);
  end_frame (out, start);
}

void
netlens_wire_write_packet (GByteArray   *out,
                           gint64        ts_us,
                           guint32       caplen,
                           guint32       origlen,
                           const guint8 *data)
{
  guint start;

  if (caplen > NETLENS_WIRE_MAX_SNAPLEN)
    caplen = NETLENS_WIRE_MAX_SNAPLEN;
  start = begin_frame (out, NETLENS_WIRE_PACKET);
  put_u64 (out, (guint64) ts_us);
  put_u32 (out, caplen);
  put_u32 (out, origlen);
  g_byte_array_append (out, data, caplen);
  end_frame (out, start);
}

void
netlens_wire_write_owner (GByteArray *out, const NetlensWireOwner *owner)
{
  guint start = begin_frame (out, NETLENS_WIRE_OWNER);

  put_u8 (out, owner->ip_proto);
  put_u8 (out, owner->family);
  put_u8 (out, owner->source);
  put_u8 (out, 0);
  put_u16 (out, owner->local_port);
  put_u16 (out, owner->remote_port);
  g_byte_array_append (out, owner->local_addr, 16);
  g_byte_array_append (out, owner->remote_addr, 16);
  put_u64 (out, owner->netns_inode);
  put_u32 (out, owner->uid);
  put_u32 (out, owner->pid);
  put_u32 (out, owner->tid);
  put_u64 (out, (guint64) owner->first_seen_us);
  put_str (out, owner->comm);
  put_str (out, owner->cmdline);
  put_str (out, owner->exe);
  put_str (out, owner->cgroup);
  end_frame (out, start);
}

void
netlens_wire_write_stats (GByteArray *out, const NetlensWireStats *stats)
{
  guint start = begin_frame (out, NETLENS_WIRE_STATS);

  put_u64 (out, (guint64) stats->ts_us);
  put_u64 (out, stats->received);
  put_u64 (out, stats->dropped);
  put_u64 (out, stats->ifdropped);
  put_u64 (out, stats->owner_events_lost);
  put_u64 (out, stats->packets_sent);
  end_frame (out, start);
}

void
netlens_wire_write_error (GByteArray *out,
                          guint32     code,
                          const char *primary,
                          const char *secondary)
{
  guint start = begin_frame (out, NETLENS_WIRE_ERROR);

  put_u32 (out, code);
  put_str (out, primary);
  put_str (out, secondary);
  end_frame (out, start);
}

void
netlens_wire_write_addresses (GByteArray               *out,
                              const NetlensWireAddress *addrs,
                              guint                     n)
{
  guint start = begin_frame (out, NETLENS_WIRE_LOCAL_ADDRESSES);

  n = MIN (n, NETLENS_WIRE_MAX_ADDRESSES);
  put_u32 (out, n);
  for (guint i = 0; i < n; i++)
    {
      put_u8 (out, addrs[i].family);
      put_u8 (out, addrs[i].prefix_len);
      g_byte_array_append (out, addrs[i].addr, 16);
    }
  end_frame (out, start);
}

/* ---- the incremental reader ------------------------------------------------- */

struct _NetlensWireReader
{
  GByteArray *buf;
  gsize       consumed;   /* bytes of buf already returned as frames */
  gboolean    seen_hello;
  gboolean    failed;
};

NetlensWireReader *
netlens_wire_reader_new (void)
{
  NetlensWireReader *reader = g_new0 (NetlensWireReader, 1);

  reader->buf = g_byte_array_sized_new (65536);
  return reader;
}

void
netlens_wire_reader_free (NetlensWireReader *reader)
{
  if (reader == NULL)
    return;
  g_byte_array_unref (reader->buf);
  g_free (reader);
}

void
netlens_wire_reader_feed (NetlensWireReader *reader,
                          const guint8      *data,
                          gsize              len)
{
  g_return_if_fail (reader != NULL);

  /* drop what earlier frames used before growing */
  if (reader->consumed > 0)
    {
      g_byte_array_remove_range (reader->buf, 0, reader->consumed);
      reader->consumed = 0;
    }
  if (len > 0)
    g_byte_array_append (reader->buf, data, len);
}

static guint16
get_u16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static guint64
get_u64 (const guint8 *p)
{
  return (guint64) get_u32 (p) | ((guint64) get_u32 (p + 4) << 32);
}

static gsize
max_payload_for (guint16 type)
{
  switch (type)
    {
    case NETLENS_WIRE_HELLO:
      return 64 + 2 * (2 + NETLENS_WIRE_MAX_STRING);
    case NETLENS_WIRE_PACKET:
      return 16 + NETLENS_WIRE_MAX_SNAPLEN;
    case NETLENS_WIRE_OWNER:
      return 80 + 4 * (2 + NETLENS_WIRE_MAX_STRING);
    case NETLENS_WIRE_STATS:
      return 64;
    case NETLENS_WIRE_ERROR:
      return 4 + 2 * (2 + NETLENS_WIRE_MAX_STRING);
    case NETLENS_WIRE_LOCAL_ADDRESSES:
      return 4 + 18 * NETLENS_WIRE_MAX_ADDRESSES;
    default:
      return 0;
    }
}

NetlensWireReadResult
netlens_wire_reader_next (NetlensWireReader *reader,
                          NetlensWireFrame  *frame,
                          GError           **error)
{
  const guint8 *p;
  gsize avail;
  guint16 type;
  guint32 len;

  g_return_val_if_fail (reader != NULL, NETLENS_WIRE_READ_ERROR);

  if (reader->failed)
    {
      g_set_error_literal (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED,
                           "The capture stream was already found damaged");
      return NETLENS_WIRE_READ_ERROR;
    }

  avail = reader->buf->len - reader->consumed;
  if (avail < NETLENS_WIRE_HEADER_SIZE)
    return NETLENS_WIRE_READ_MORE;

  p = reader->buf->data + reader->consumed;
  type = get_u16 (p);
  len = get_u32 (p + 4);

  if (type == 0 || type >= NETLENS_WIRE_N_TYPES || get_u16 (p + 2) != 0)
    {
      reader->failed = TRUE;
      g_set_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED,
                   "Unknown frame type %u in the capture stream", type);
      return NETLENS_WIRE_READ_ERROR;
    }
  /* a helper that fails before it can capture sends only an error frame */
  if (!reader->seen_hello && type != NETLENS_WIRE_HELLO && type != NETLENS_WIRE_ERROR)
    {
      reader->failed = TRUE;
      g_set_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED,
                   "The capture stream does not start with a hello frame (type %u)", type);
      return NETLENS_WIRE_READ_ERROR;
    }
  if (len > max_payload_for (type))
    {
      reader->failed = TRUE;
      g_set_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_OVERSIZED,
                   "Frame of type %u announces %u bytes, more than the %" G_GSIZE_FORMAT
                   " allowed", type, len, max_payload_for (type));
      return NETLENS_WIRE_READ_ERROR;
    }
  if (avail - NETLENS_WIRE_HEADER_SIZE < len)
    return NETLENS_WIRE_READ_MORE;

  if (type == NETLENS_WIRE_HELLO)
    {
      if (reader->seen_hello)
        {
          reader->failed = TRUE;
          g_set_error_literal (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED,
                               "A second hello frame in the capture stream");
          return NETLENS_WIRE_READ_ERROR;
        }
      if (len < 6 || get_u32 (p + NETLENS_WIRE_HEADER_SIZE) != NETLENS_WIRE_MAGIC)
        {
          reader->failed = TRUE;
          g_set_error_literal (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED,
                               "The capture stream does not start with the Netlens magic");
          return NETLENS_WIRE_READ_ERROR;
        }
      if (get_u16 (p + NETLENS_WIRE_HEADER_SIZE + 4) != NETLENS_WIRE_VERSION)
        {
          reader->failed = TRUE;
          g_set_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED,
                       "The capture helper speaks version %u of the stream; this Netlens "
                       "understands version %u",
                       get_u16 (p + NETLENS_WIRE_HEADER_SIZE + 4), NETLENS_WIRE_VERSION);
          return NETLENS_WIRE_READ_ERROR;
        }
      reader->seen_hello = TRUE;
    }

  frame->type = type;
  frame->length = len;
  frame->payload = p + NETLENS_WIRE_HEADER_SIZE;
  reader->consumed += NETLENS_WIRE_HEADER_SIZE + len;
  return NETLENS_WIRE_READ_FRAME;
}

gboolean
netlens_wire_reader_finish (NetlensWireReader *reader,
                            GError           **error)
{
  gsize left = reader->buf->len - reader->consumed;

  if (left > 0)
    {
      g_set_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_TRUNCATED,
                   "The capture stream ended inside a frame (%" G_GSIZE_FORMAT " bytes left)",
                   left);
      return FALSE;
    }
  return TRUE;
}

/* ---- payload decoding --------------------------------------------------------- */

typedef struct
{
  const guint8 *p;
  gsize         left;
  gboolean      bad;
} Cursor;

static void
cursor_init (Cursor *c, const NetlensWireFrame *frame)
{
  c->p = frame->payload;
  c->left = frame->length;
  c->bad = FALSE;
}

static const guint8 *
take (Cursor *c, gsize n)
{
  const guint8 *r;

  if (c->bad || c->left < n)
    {
      c->bad = TRUE;
      return NULL;
    }
  r = c->p;
  c->p += n;
  c->left -= n;
  return r;
}

static guint8
take_u8 (Cursor *c)
{
  const guint8 *p = take (c, 1);
  return p ? p[0] : 0;
}

static guint16
take_u16 (Cursor *c)
{
  const guint8 *p = take (c, 2);
  return p ? get_u16 (p) : 0;
}

static guint32
take_u32 (Cursor *c)
{
  const guint8 *p = take (c, 4);
  return p ? get_u32 (p) : 0;
}

static guint64
take_u64 (Cursor *c)
{
  const guint8 *p = take (c, 8);
  return p ? get_u64 (p) : 0;
}

static void
take_bytes (Cursor *c, guint8 *dst, gsize n)
{
  const guint8 *p = take (c, n);

  if (p != NULL)
    memcpy (dst, p, n);
  else
    memset (dst, 0, n);
}

/* A string: invalid UTF-8 is made valid, never trusted. */
static char *
take_str (Cursor *c)
{
  guint16 len = take_u16 (c);
  const guint8 *p;

  if (c->bad)
    return NULL;
  if (len > NETLENS_WIRE_MAX_STRING)
    {
      c->bad = TRUE;
      return NULL;
    }
  p = take (c, len);
  if (p == NULL)
    return NULL;
  if (memchr (p, '\0', len) != NULL)
    {
      c->bad = TRUE;
      return NULL;
    }
  return g_utf8_make_valid ((const char *) p, len);
}

static gboolean
cursor_done (Cursor *c, const char *what, GError **error)
{
  if (c->bad)
    {
      g_set_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED,
                   "A %s frame of the capture stream is malformed", what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_type (const NetlensWireFrame *frame, guint16 type, const char *what, GError **error)
{
  if (frame->type != type)
    {
      g_set_error (error, NETLENS_WIRE_PARSE_ERROR, NETLENS_WIRE_PARSE_ERROR_MALFORMED,
                   "Expected a %s frame, got type %u", what, frame->type);
      return FALSE;
    }
  return TRUE;
}

gboolean
netlens_wire_parse_hello (const NetlensWireFrame *frame,
                          NetlensWireHello       *hello,
                          GError                **error)
{
  Cursor c;

  memset (hello, 0, sizeof *hello);
  if (!check_type (frame, NETLENS_WIRE_HELLO, "hello", error))
    return FALSE;
  cursor_init (&c, frame);
  hello->magic = take_u32 (&c);
  hello->version = take_u16 (&c);
  hello->attribution = take_u8 (&c);
  hello->requested = take_u8 (&c);
  hello->link_type = (gint32) take_u32 (&c);
  hello->snaplen = take_u32 (&c);
  hello->probes = take_u32 (&c);
  hello->netns_inode = take_u64 (&c);
  hello->helper_pid = take_u32 (&c);
  hello->interface = take_str (&c);
  hello->note = take_str (&c);
  if (!c.bad && (hello->magic != NETLENS_WIRE_MAGIC || hello->version != NETLENS_WIRE_VERSION
                 || hello->attribution > NETLENS_WIRE_ATTRIBUTION_NONE
                 || hello->snaplen == 0 || hello->snaplen > NETLENS_WIRE_MAX_SNAPLEN))
    c.bad = TRUE;
  if (!cursor_done (&c, "hello", error))
    {
      netlens_wire_hello_clear (hello);
      return FALSE;
    }
  if (hello->note != NULL && hello->note[0] == '\0')
    g_clear_pointer (&hello->note, g_free);
  return TRUE;
}

void
netlens_wire_hello_clear (NetlensWireHello *hello)
{
  g_clear_pointer (&hello->interface, g_free);
  g_clear_pointer (&hello->note, g_free);
}

gboolean
netlens_wire_parse_packet (const NetlensWireFrame *frame,
                           NetlensWirePacket      *packet,
                           GError                **error)
{
  Cursor c;

  if (!check_type (frame, NETLENS_WIRE_PACKET, "packet", error))
    return FALSE;
  cursor_init (&c, frame);
  packet->ts_us = (gint64) take_u64 (&c);
  packet->caplen = take_u32 (&c);
  packet->origlen = take_u32 (&c);
  /* the captured bytes are the rest of the frame, exactly */
  if (!c.bad && (packet->caplen != c.left || packet->caplen > NETLENS_WIRE_MAX_SNAPLEN
                 || packet->origlen < packet->caplen))
    c.bad = TRUE;
  packet->data = c.p;
  return cursor_done (&c, "packet", error);
}

gboolean
netlens_wire_parse_owner (const NetlensWireFrame *frame,
                          NetlensWireOwner       *owner,
                          GError                **error)
{
  Cursor c;

  memset (owner, 0, sizeof *owner);
  if (!check_type (frame, NETLENS_WIRE_OWNER, "socket owner", error))
    return FALSE;
  cursor_init (&c, frame);
  owner->ip_proto = take_u8 (&c);
  owner->family = take_u8 (&c);
  owner->source = take_u8 (&c);
  owner->reserved = take_u8 (&c);
  owner->local_port = take_u16 (&c);
  owner->remote_port = take_u16 (&c);
  take_bytes (&c, owner->local_addr, 16);
  take_bytes (&c, owner->remote_addr, 16);
  owner->netns_inode = take_u64 (&c);
  owner->uid = take_u32 (&c);
  owner->pid = take_u32 (&c);
  owner->tid = take_u32 (&c);
  owner->first_seen_us = (gint64) take_u64 (&c);
  owner->comm = take_str (&c);
  owner->cmdline = take_str (&c);
  owner->exe = take_str (&c);
  owner->cgroup = take_str (&c);
  if (!c.bad && ((owner->family != 4 && owner->family != 6)
                 || (owner->ip_proto != 6 && owner->ip_proto != 17)))
    c.bad = TRUE;
  if (!cursor_done (&c, "socket owner", error))
    {
      netlens_wire_owner_clear (owner);
      return FALSE;
    }
  return TRUE;
}

void
netlens_wire_owner_clear (NetlensWireOwner *owner)
{
  g_clear_pointer (&owner->comm, g_free);
  g_clear_pointer (&owner->cmdline, g_free);
  g_clear_pointer (&owner->exe, g_free);
  g_clear_pointer (&owner->cgroup, g_free);
}

gboolean
netlens_wire_parse_stats (const NetlensWireFrame *frame,
                          NetlensWireStats       *stats,
                          GError                **error)
{
  Cursor c;

  if (!check_type (frame, NETLENS_WIRE_STATS, "statistics", error))
    return FALSE;
  cursor_init (&c, frame);
  stats->ts_us = (gint64) take_u64 (&c);
  stats->received = take_u64 (&c);
  stats->dropped = take_u64 (&c);
  stats->ifdropped = take_u64 (&c);
  stats->owner_events_lost = take_u64 (&c);
  stats->packets_sent = take_u64 (&c);
  return cursor_done (&c, "statistics", error);
}

gboolean
netlens_wire_parse_error (const NetlensWireFrame *frame,
                          NetlensWireError       *err,
                          GError                **error)
{
  Cursor c;

  memset (err, 0, sizeof *err);
  if (!check_type (frame, NETLENS_WIRE_ERROR, "error", error))
    return FALSE;
  cursor_init (&c, frame);
  err->code = take_u32 (&c);
  err->primary = take_str (&c);
  err->secondary = take_str (&c);
  if (!cursor_done (&c, "error", error))
    {
      netlens_wire_error_clear (err);
      return FALSE;
    }
  return TRUE;
}

void
netlens_wire_error_clear (NetlensWireError *err)
{
  g_clear_pointer (&err->primary, g_free);
  g_clear_pointer (&err->secondary, g_free);
}

gboolean
netlens_wire_parse_addresses (const NetlensWireFrame *frame,
                              NetlensWireAddresses   *addrs,
                              GError                **error)
{
  Cursor c;
  guint32 n;

  memset (addrs, 0, sizeof *addrs);
  if (!check_type (frame, NETLENS_WIRE_LOCAL_ADDRESSES, "local addresses", error))
    return FALSE;
  cursor_init (&c, frame);
  n = take_u32 (&c);
  if (!c.bad && (n > NETLENS_WIRE_MAX_ADDRESSES || (gsize) n * 18 != c.left))
    c.bad = TRUE;
  if (!c.bad)
    {
      addrs->addrs = g_new0 (NetlensWireAddress, MAX (n, 1));
      addrs->n = n;
      for (guint i = 0; i < n; i++)
        {
          addrs->addrs[i].family = take_u8 (&c);
          addrs->addrs[i].prefix_len = take_u8 (&c);
          take_bytes (&c, addrs->addrs[i].addr, 16);
          if (addrs->addrs[i].family != 4 && addrs->addrs[i].family != 6)
            c.bad = TRUE;
        }
    }
  if (!cursor_done (&c, "local addresses", error))
    {
      netlens_wire_addresses_clear (addrs);
      return FALSE;
    }
  return TRUE;
}

void
netlens_wire_addresses_clear (NetlensWireAddresses *addrs)
{
  g_clear_pointer (&addrs->addrs, g_free);
  addrs->n = 0;
}

const char *
netlens_wire_attribution_to_string (guint attribution)
{
  switch (attribution)
    {
    case NETLENS_WIRE_ATTRIBUTION_BPF:
      return "bpf";
    case NETLENS_WIRE_ATTRIBUTION_PROC:
      return "proc";
    case NETLENS_WIRE_ATTRIBUTION_NONE:
      return "none";
    default:
      return "unknown";
    }
}
