/* netlens-history-row.c: one history row's fields as one compact blob (schema 4)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Format 1, in this order (uv: unsigned LEB128 varint; sv: zigzag varint; str: uv of the
 * length + 1, 0 for none, then the bytes):
 *
 *   u8 format (1)
 *   u8 proto, u8 family, u8 ip_proto
 *   laddr, raddr: u8 length (trailing zero bytes dropped, at most 16), the bytes
 *   uv lport, uv rport
 *   u8 state, u8 app_state, u8 app, u8 end_reason   (numbered as the tables below)
 *   uv ended: 0 while open, else sv (ended - first_seen) + 1
 *   sv state_since - first_seen
 *   uv tx_packets, uv rx_packets
 *   str dns_name, str reverse_name, str country, str as_org
 *   uv asn, uv timeout_s, uv flags | extra_flags << 8
 *   process, peer process: u8 0 (none) or 1, then uv pid, uv uid and str name, cmdline,
 *     user, exe, cgroup, app_id
 *   u8 DPI form: 0 none; 1 netlens_dpi_write_binary's form (uv length, the bytes)
 *
 * The columns beside it (first_seen, last_seen, tx_bytes, rx_bytes) are what SQL selects
 * and orders by; the times in the blob are relative to first_seen, so most are one or two
 * bytes.  A TCP row without DPI or owner is about 40 bytes; schema 3 stored 55 columns and
 * text addresses, about 230 bytes, for the same row, and 384 bytes of JSON for DPI results
 * the binary form holds in about 70.
 */

#define G_LOG_DOMAIN "netlens-history"

#include "config.h"

#include <string.h>

#include "netlens-dpi.h"
#include "netlens-history-row.h"
#include "netlens-history.h"

/* The names of the numbers format 1 stores: value i is names[i].  tests/store checks that
 * the enums still number them so. */
static const char *const state_names[] = {
  "NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
  "CLOSE_WAIT", "LAST_ACK", "CLOSING", "CLOSED", "QUIC_INITIAL", "QUIC_HANDSHAKE",
  "QUIC_CONNECTED", "QUIC_DRAINING", "QUIC_CLOSED", "UDP_ACTIVE", "UDP_IDLE", "UDP_STALE",
  "ECHO_REQUEST", "ECHO_REPLY", "ICMP_ERROR", "ICMP_OTHER", "ARP_REQUEST", "ARP_REPLY",
  "ACTIVE",
};
static const char *const app_state_names[] = {
  NULL, "DNS_QUERY", "DNS_RESPONSE", "BANNER", "KEYEXCHANGE", "AUTHENTICATION", "ESTABLISHED",
};
static const char *const app_names[] = {
  NULL, "http", "tls", "dns", "mdns", "llmnr", "ssh", "quic",
};
static const char *const end_reason_names[] = {
  NULL, "closed", "timeout", "evicted", "end_of_capture",
};

#define RETURN_TABLE(table) \
  G_STMT_START { if (n != NULL) *n = G_N_ELEMENTS (table); return table; } G_STMT_END

const char *const *
netlens_history_row_state_names (guint *n)
{
  RETURN_TABLE (state_names);
}

const char *const *
netlens_history_row_app_state_names (guint *n)
{
  RETURN_TABLE (app_state_names);
}

const char *const *
netlens_history_row_app_names (guint *n)
{
  RETURN_TABLE (app_names);
}

const char *const *
netlens_history_row_end_reason_names (guint *n)
{
  RETURN_TABLE (end_reason_names);
}

/* ---- writing ---- */

/* The encoder writes through a pointer into room reserved for the fixed fields and the
 * texts (netlens_history_row_encode: 4 to 7 times faster than appending each field). */
static inline guint8 *
put_u8 (guint8 *p,
        guint8  v)
{
  *p++ = v;
  return p;
}

static inline guint8 *
put_uv (guint8  *p,
        guint64  v)
{
  while (v >= 0x80)
    {
      *p++ = (guint8) (v | 0x80);
      v >>= 7;
    }
  *p++ = (guint8) v;
  return p;
}

/* T - BASE and BASE + DELTA, modulo 2^64: any two times round-trip, without overflow. */
static inline gint64
time_delta (gint64 t,
            gint64 base)
{
  return (gint64) ((guint64) t - (guint64) base);
}

static inline gint64
time_add (gint64 base,
          gint64 delta)
{
  return (gint64) ((guint64) base + (guint64) delta);
}

static inline guint64
zigzag (gint64 v)
{
  return ((guint64) v << 1) ^ (guint64) (v >> 63);
}

static inline gint64
unzigzag (guint64 u)
{
  return (gint64) (u >> 1) ^ -(gint64) (u & 1);
}

/* Room for a text: its varint length and its bytes. */
static inline gsize
str_room (const char *s)
{
  return s != NULL ? strlen (s) + 10 : 1;
}

static inline guint8 *
put_str (guint8     *p,
         const char *s)
{
  gsize len;

  if (s == NULL)
    return put_u8 (p, 0);
  len = strlen (s);
  p = put_uv (p, (guint64) len + 1);
  memcpy (p, s, len);
  return p + len;
}

static inline guint8 *
put_addr (guint8            *p,
          const NetlensAddr *addr)
{
  guint len = sizeof addr->bytes;

  while (len > 0 && addr->bytes[len - 1] == 0)
    len--;
  *p++ = (guint8) len;
  memcpy (p, addr->bytes, len);
  return p + len;
}

static gsize
owner_room (const NetlensOwner *owner)
{
  if (owner == NULL)
    return 1;
  return 1 + 20 + str_room (owner->name) + str_room (owner->cmdline) + str_room (owner->user)
         + str_room (owner->exe) + str_room (owner->cgroup) + str_room (owner->app_id);
}

static guint8 *
put_owner (guint8             *p,
           const NetlensOwner *owner)
{
  if (owner == NULL)
    return put_u8 (p, 0);
  p = put_u8 (p, 1);
  p = put_uv (p, owner->pid);
  p = put_uv (p, owner->uid);
  p = put_str (p, owner->name);
  p = put_str (p, owner->cmdline);
  p = put_str (p, owner->user);
  p = put_str (p, owner->exe);
  p = put_str (p, owner->cgroup);
  return put_str (p, owner->app_id);
}

/* The binary form of "no results" (netlens_dpi_write_binary of NULL): such a record is
 * stored as none. */
static GBytes *
no_results (void)
{
  static gsize once;
  static GBytes *bytes;

  if (g_once_init_enter (&once))
    {
      GByteArray *b = g_byte_array_new ();

      netlens_dpi_write_binary (NULL, b);
      bytes = g_byte_array_free_to_bytes (b);
      g_once_init_leave (&once, 1);
    }
  return bytes;
}

/* The DPI results at the end of OUT: form 0 (none) or 1, the length, the bytes. */
static void
put_dpi (GByteArray       *out,
         const NetlensDpi *dpi)
{
  GBytes *none = no_results ();
  guint8 head[2] = { 1, 0 };
  guint at, len;

  if (dpi == NULL)
    {
      head[0] = 0;
      g_byte_array_append (out, head, 1);
      return;
    }
  /* form and a one-byte length (moved when longer), then the bytes */
  g_byte_array_append (out, head, 2);
  at = out->len;
  netlens_dpi_write_binary (dpi, out);
  len = out->len - at;
  if (len == g_bytes_get_size (none) && memcmp (out->data + at, g_bytes_get_data (none, NULL), len) == 0)
    {
      g_byte_array_set_size (out, at - 1);
      out->data[at - 2] = 0;
    }
  else if (len < 0x80)
    out->data[at - 1] = (guint8) len;
  else
    {
      guint8 buf[10];
      guint n = (guint) (put_uv (buf, len) - buf);

      /* room for the longer length: the bytes move by n - 1 */
      g_byte_array_set_size (out, out->len + n - 1);
      memmove (out->data + at + n - 1, out->data + at, len);
      memcpy (out->data + at - 1, buf, n);
    }
}

void
netlens_history_row_encode (const NetlensConnection *conn,
                            GByteArray              *out)
{
  gsize room, start;
  guint8 *p;

  g_return_if_fail (conn != NULL);
  g_return_if_fail (out != NULL);

  /* the fixed fields (at most 4 + 2 * 17 + 2 * 3 + 4 + 4 * 10 + 3 * 5 bytes), the texts
   * and the owners */
  room = 128 + str_room (conn->dns_name) + str_room (conn->reverse_name)
         + str_room (conn->country) + str_room (conn->as_org)
         + owner_room (conn->process) + owner_room (conn->peer_process);
  start = out->len;
  g_byte_array_set_size (out, (guint) (start + room));
  p = out->data + start;

  *p++ = NETLENS_HISTORY_ROW_FORMAT;
  *p++ = conn->key.proto;
  *p++ = conn->key.family;
  *p++ = conn->key.ip_proto;
  p = put_addr (p, &conn->key.laddr);
  p = put_addr (p, &conn->key.raddr);
  p = put_uv (p, conn->key.lport);
  p = put_uv (p, conn->key.rport);
  *p++ = conn->state;
  *p++ = conn->app_state;
  *p++ = conn->app;
  *p++ = conn->end_reason;
  p = put_uv (p, conn->ended != 0 ? zigzag (time_delta (conn->ended, conn->first_seen)) + 1 : 0);
  p = put_uv (p, zigzag (time_delta (conn->state_since, conn->first_seen)));
  p = put_uv (p, conn->tx_packets);
  p = put_uv (p, conn->rx_packets);
  p = put_str (p, conn->dns_name);
  p = put_str (p, conn->reverse_name);
  p = put_str (p, conn->country);
  p = put_str (p, conn->as_org);
  p = put_uv (p, conn->asn);
  p = put_uv (p, conn->timeout_s);
  p = put_uv (p, (guint) conn->flags | ((guint) conn->extra_flags << 8));
  p = put_owner (p, conn->process);
  p = put_owner (p, conn->peer_process);
  g_assert ((gsize) (p - (out->data + start)) <= room);
  g_byte_array_set_size (out, (guint) (p - out->data));
  put_dpi (out, conn->dpi);
}

/* ---- reading ---- */

typedef struct
{
  const guint8 *p;
  const guint8 *end;
  const char   *what;   /* the field being read, for the error */
} Reader;

static gboolean
get_u8 (Reader *r,
        guint8 *v)
{
  if (r->p >= r->end)
    return FALSE;
  *v = *r->p++;
  return TRUE;
}

static gboolean
get_uv (Reader  *r,
        guint64 *v)
{
  guint64 value = 0;

  for (guint shift = 0; shift < 64; shift += 7)
    {
      guint8 b;

      if (r->p >= r->end)
        return FALSE;
      b = *r->p++;
      if (shift == 63 && b > 1)
        return FALSE;   /* more than 64 bits */
      value |= (guint64) (b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        {
          *v = value;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
get_sv (Reader *r,
        gint64 *v)
{
  guint64 u;

  if (!get_uv (r, &u))
    return FALSE;
  *v = unzigzag (u);
  return TRUE;
}

static gboolean
get_u32 (Reader  *r,
         guint32 *v)
{
  guint64 u;

  if (!get_uv (r, &u) || u > G_MAXUINT32)
    return FALSE;
  *v = (guint32) u;
  return TRUE;
}

/* A text: NUL-free bytes.  *OUT is NULL for none; MAKE makes the copy. */
static gboolean
get_str (Reader  *r,
         char   **out,
         char  *(*make) (const char *))
{
  guint64 len;
  char *text;

  if (!get_uv (r, &len))
    return FALSE;
  if (len == 0)
    {
      *out = NULL;
      return TRUE;
    }
  len--;
  if (len > (guint64) (r->end - r->p) || memchr (r->p, '\0', len) != NULL)
    return FALSE;
  text = g_strndup ((const char *) r->p, len);
  r->p += len;
  if (make == NULL)
    *out = text;
  else
    {
      *out = make (text);
      g_free (text);
    }
  return TRUE;
}

static gboolean
get_ref_str (Reader  *r,
             char   **out)
{
  return get_str (r, out, g_ref_string_new);
}

static gboolean
get_addr (Reader      *r,
          NetlensAddr *addr)
{
  guint8 len;

  memset (addr, 0, sizeof *addr);
  if (!get_u8 (r, &len) || len > sizeof addr->bytes || len > r->end - r->p)
    return FALSE;
  memcpy (addr->bytes, r->p, len);
  r->p += len;
  return TRUE;
}

static gboolean
get_owner (Reader        *r,
           NetlensOwner **out)
{
  NetlensOwner *owner;
  guint8 present;

  *out = NULL;
  if (!get_u8 (r, &present) || present > 1)
    return FALSE;
  if (present == 0)
    return TRUE;
  owner = netlens_owner_new ();
  *out = owner;
  return get_u32 (r, &owner->pid) && get_u32 (r, &owner->uid)
         && get_str (r, &owner->name, NULL) && get_str (r, &owner->cmdline, NULL)
         && get_str (r, &owner->user, NULL) && get_str (r, &owner->exe, NULL)
         && get_str (r, &owner->cgroup, NULL) && get_str (r, &owner->app_id, NULL);
}

static gboolean
get_enum (Reader *r,
          guint8 *out,
          guint   n)
{
  guint8 v;

  if (!get_u8 (r, &v) || v >= n)
    return FALSE;
  *out = v;
  return TRUE;
}

#define STEP(what_, expr) \
  G_STMT_START { r.what = (what_); if (!(expr)) goto damaged; } G_STMT_END

gboolean
netlens_history_row_decode (const guint8       *data,
                            gsize               len,
                            NetlensConnection  *conn,
                            GError            **error)
{
  Reader r = { data, data + len, "format" };
  guint8 format;
  guint64 u, dpi_len;
  gint64 s;
  guint32 flags;
  guint8 dpi_form;

  g_return_val_if_fail (conn != NULL, FALSE);

  if (data == NULL || !get_u8 (&r, &format))
    goto damaged;
  if (format != NETLENS_HISTORY_ROW_FORMAT)
    {
      g_set_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_CORRUPT,
                   "A history row of format %u, which this Netlens does not read", format);
      return FALSE;
    }
  STEP ("key", get_u8 (&r, &conn->key.proto) && get_u8 (&r, &conn->key.family)
               && get_u8 (&r, &conn->key.ip_proto));
  STEP ("addresses", get_addr (&r, &conn->key.laddr) && get_addr (&r, &conn->key.raddr));
  STEP ("ports", get_uv (&r, &u) && u <= G_MAXUINT16);
  conn->key.lport = (guint16) u;
  STEP ("ports", get_uv (&r, &u) && u <= G_MAXUINT16);
  conn->key.rport = (guint16) u;
  STEP ("states", get_enum (&r, &conn->state, G_N_ELEMENTS (state_names))
                  && get_enum (&r, &conn->app_state, G_N_ELEMENTS (app_state_names))
                  && get_enum (&r, &conn->app, G_N_ELEMENTS (app_names))
                  && get_enum (&r, &conn->end_reason, G_N_ELEMENTS (end_reason_names)));
  STEP ("times", get_uv (&r, &u));
  if (u != 0)
    {
      u--;
      conn->ended = time_add (conn->first_seen, unzigzag (u));
    }
  STEP ("times", get_sv (&r, &s));
  conn->state_since = time_add (conn->first_seen, s);
  STEP ("counters", get_u32 (&r, &conn->tx_packets) && get_u32 (&r, &conn->rx_packets));
  STEP ("names", get_ref_str (&r, &conn->dns_name) && get_ref_str (&r, &conn->reverse_name)
                 && get_ref_str (&r, &conn->country) && get_ref_str (&r, &conn->as_org));
  STEP ("GeoIP", get_u32 (&r, &conn->asn));
  STEP ("timeout", get_u32 (&r, &conn->timeout_s));
  STEP ("flags", get_u32 (&r, &flags) && flags <= 0xffff);
  conn->flags = (guint8) (flags & 0xff) | NETLENS_CONN_SNAPSHOT;
  conn->extra_flags = (guint8) (flags >> 8);
  STEP ("process", get_owner (&r, &conn->process));
  STEP ("peer process", get_owner (&r, &conn->peer_process));
  STEP ("DPI", get_u8 (&r, &dpi_form) && dpi_form <= 1);
  if (dpi_form == 1)
    {
      g_autoptr(GError) local = NULL;

      STEP ("DPI", get_uv (&r, &dpi_len) && dpi_len <= (guint64) (r.end - r.p));
      conn->dpi = netlens_dpi_from_binary (r.p, dpi_len, conn, &local);
      if (conn->dpi == NULL)
        {
          g_set_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_CORRUPT,
                       "A history row's DPI results are damaged: %s", local->message);
          return FALSE;
        }
      r.p += dpi_len;
    }
  STEP ("end", r.p == r.end);
  return TRUE;

damaged:
  g_set_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_CORRUPT,
               "A history row is damaged (%s, at byte %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT ")",
               r.what, data != NULL ? (gsize) (r.p - data) : 0, len);
  return FALSE;
}
