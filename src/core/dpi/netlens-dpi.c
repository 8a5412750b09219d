/* netlens-dpi.c: DPI dispatch, per-connection record, JSON and CSV export
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-dpi"

#include "config.h"

#include <string.h>

#include "netlens-dpi-private.h"
#include "netlens-json.h"

/* UDP packets we look at before giving up on a flow nobody recognised. */
#define UDP_PROBE_PACKETS 8

/* ---- small containers ------------------------------------------------------------------- */

/* The strings of result lists are interned: versions, ALPN ids, methods and names repeat
 * across connections, so each is stored once per process, and a snapshot's copy takes
 * references instead of duplicating (memory, docs/memory.md).  Not GRefString's interning:
 * in GLib 2.74 a last release drops the count to zero before it takes the table's lock, so a
 * worker interning the same text at that moment gets a string about to be freed.  Here the
 * count only reaches zero, and a string only leaves the table, under the table's lock. */
typedef struct
{
  gint ref_count;
  char text[];
} PoolString;

G_LOCK_DEFINE_STATIC (pool);
static GHashTable *pool;  /* text (inside its PoolString) -> the same */

static PoolString *
pool_string (const char *text)
{
  return (PoolString *) (gpointer) (text - G_STRUCT_OFFSET (PoolString, text));
}

char *
_netlens_strlist_intern (const char *text,
                         gssize      len)
{
  char stack[256];
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  g_autofree char *heap = NULL;
  const char *key = text;
  PoolString *ps;
  char *found;

  if (len >= 0)
    {
      /* the table compares NUL-terminated texts */
      char *z = n < sizeof stack ? stack : (heap = g_malloc (n + 1));

      memcpy (z, text, n);
      z[n] = '\0';
      key = z;
    }
  G_LOCK (pool);
  if (G_UNLIKELY (pool == NULL))
    pool = g_hash_table_new (g_str_hash, g_str_equal);
  found = g_hash_table_lookup (pool, key);
  if (found != NULL)
    {
      g_atomic_int_inc (&pool_string (found)->ref_count);
      G_UNLOCK (pool);
      return found;
    }
  ps = g_malloc (sizeof (PoolString) + n + 1);
  ps->ref_count = 1;
  memcpy (ps->text, key, n + 1);
  g_hash_table_add (pool, ps->text);
  G_UNLOCK (pool);
  return ps->text;
}

char *
_netlens_strlist_acquire (char *text)
{
  /* the caller holds a reference: the count is at least one and cannot reach zero meanwhile */
  g_atomic_int_inc (&pool_string (text)->ref_count);
  return text;
}

void
_netlens_strlist_release (char *text)
{
  PoolString *ps;

  if (text == NULL)
    return;
  ps = pool_string (text);
  G_LOCK (pool);
  if (g_atomic_int_dec_and_test (&ps->ref_count))
    {
      g_hash_table_remove (pool, ps->text);
      g_free (ps);
    }
  G_UNLOCK (pool);
}

GPtrArray *
_netlens_strlist_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) _netlens_strlist_release);
}

gboolean
_netlens_strlist_add_unique (GPtrArray  **list,
                             const char  *text,
                             gssize       len)
{
  gsize n = len < 0 ? strlen (text) : (gsize) len;

  if (*list == NULL)
    *list = _netlens_strlist_new ();
  for (guint i = 0; i < (*list)->len; i++)
    {
      const char *s = g_ptr_array_index (*list, i);

      if (strlen (s) == n && memcmp (s, text, n) == 0)
        return FALSE;
    }
  if ((*list)->len >= NETLENS_DPI_MAX_LIST)
    return FALSE;
  g_ptr_array_add (*list, _netlens_strlist_intern (text, (gssize) n));
  return TRUE;
}

GPtrArray *
_netlens_strlist_copy (const GPtrArray *list)
{
  GPtrArray *copy;

  if (list == NULL)
    return NULL;
  copy = g_ptr_array_new_full (list->len, (GDestroyNotify) _netlens_strlist_release);
  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (copy, _netlens_strlist_acquire (g_ptr_array_index ((GPtrArray *) list, i)));
  return copy;
}

char *
_netlens_hex16 (guint16 value)
{
  return g_strdup_printf ("0x%04x", value);
}

/* ---- the record --------------------------------------------------------------------------- */

/* docs/memory.md counts on these: one record per row with payload, one direction's state
 * while it is read. */
G_STATIC_ASSERT (sizeof (NetlensDpi) <= 88);
G_STATIC_ASSERT (sizeof (NetlensDpiDir) <= 72);

NetlensDpi *
_netlens_dpi_new (void)
{
  return g_new0 (NetlensDpi, 1);
}

static void
dir_free (NetlensDpiDir *dir)
{
  if (dir == NULL)
    return;
  _netlens_stream_clear (&dir->stream);
  g_clear_pointer (&dir->tls.hs, g_byte_array_unref);
  g_free (dir);
}

/* Drops the buffers of a finished direction but keeps its sequence position. */
static void
dir_finish (NetlensDpiDir *dir)
{
  guint32 next = dir->stream.next_seq;
  gboolean init = dir->stream.init;

  dir->done = TRUE;
  _netlens_stream_clear (&dir->stream);
  dir->stream.next_seq = next;
  dir->stream.init = init;
  g_clear_pointer (&dir->tls.hs, g_byte_array_unref);
}

static void
dpi_free_work (NetlensDpi *dpi)
{
  g_clear_pointer (&dpi->dirs[0], dir_free);
  g_clear_pointer (&dpi->dirs[1], dir_free);
  g_clear_pointer (&dpi->quic_state, _netlens_quic_state_free);
}

void
netlens_dpi_free (NetlensDpi *dpi)
{
  if (dpi == NULL)
    return;
  dpi_free_work (dpi);
  _netlens_http_info_free (dpi->http);
  _netlens_tls_info_free (dpi->tls);
  g_clear_pointer (&dpi->dns, g_ptr_array_unref);
  _netlens_ssh_info_free (dpi->ssh);
  _netlens_quic_info_free (dpi->quic);
  if (dpi->icmp != NULL)
    {
      g_clear_pointer (&dpi->icmp->echo_ids, g_array_unref);
      g_free (dpi->icmp->types);
    }
  g_free (dpi->icmp);
  if (dpi->arp != NULL)
    g_clear_pointer (&dpi->arp->sender_macs, g_array_unref);
  g_free (dpi->arp);
  g_free (dpi);
}

NetlensDpi *
netlens_dpi_copy_results (const NetlensDpi *dpi)
{
  NetlensDpi *copy;

  if (dpi == NULL)
    return NULL;
  copy = _netlens_dpi_new ();
  copy->http = _netlens_http_info_copy (dpi->http);
  copy->tls = _netlens_tls_info_copy (dpi->tls);
  copy->dns = _netlens_dns_entries_copy (dpi->dns);
  copy->ssh = _netlens_ssh_info_copy (dpi->ssh);
  copy->quic = _netlens_quic_info_copy (dpi->quic);
  if (dpi->icmp != NULL)
    {
      copy->icmp = g_memdup2 (dpi->icmp, sizeof *dpi->icmp);
      copy->icmp->types = g_memdup2 (dpi->icmp->types,
                                     dpi->icmp->types_size * sizeof (NetlensIcmpTypeCount));
      if (dpi->icmp->echo_ids != NULL)
        {
          copy->icmp->echo_ids = g_array_new (FALSE, FALSE, sizeof (guint16));
          g_array_append_vals (copy->icmp->echo_ids, dpi->icmp->echo_ids->data,
                               dpi->icmp->echo_ids->len);
        }
    }
  if (dpi->arp != NULL)
    {
      copy->arp = g_memdup2 (dpi->arp, sizeof *dpi->arp);
      if (dpi->arp->sender_macs != NULL)
        {
          copy->arp->sender_macs = g_array_new (FALSE, FALSE, 6);
          g_array_append_vals (copy->arp->sender_macs, dpi->arp->sender_macs->data,
                               dpi->arp->sender_macs->len);
        }
    }
  copy->app = dpi->app;
  copy->mdns = dpi->mdns;
  copy->client_known = dpi->client_known;
  copy->client_is_local = dpi->client_is_local;
  copy->copy = TRUE;
  return copy;
}

NetlensDpi *
netlens_dpi_copy_quic_results (const NetlensDpi *dpi)
{
  NetlensDpi *copy;

  if (dpi == NULL || dpi->quic == NULL)
    return NULL;
  copy = _netlens_dpi_new ();
  copy->quic = _netlens_quic_info_copy (dpi->quic);
  copy->app = dpi->app;
  copy->client_known = dpi->client_known;
  copy->client_is_local = dpi->client_is_local;
  copy->copy = TRUE;
  return copy;
}

static NetlensDpi *
ensure_dpi (NetlensConnection *conn)
{
  if (conn->dpi == NULL)
    conn->dpi = _netlens_dpi_new ();
  return conn->dpi;
}

static void
set_client (NetlensDpi *dpi, gboolean client_is_local)
{
  if (dpi->client_known)
    return;
  dpi->client_known = TRUE;
  dpi->client_is_local = client_is_local;
}

/* Which end is the client, when no SYN told us: the side whose port is well known is
 * the server; else the files' convention (local = initiator). */
static gboolean
guess_client_is_local (const NetlensConnection *conn)
{
  if (conn->key.rport < 1024 && conn->key.lport >= 1024)
    return TRUE;
  if (conn->key.lport < 1024 && conn->key.rport >= 1024)
    return FALSE;
  return TRUE;
}

static gboolean
is_client (NetlensDpi *dpi, const NetlensConnection *conn, gboolean from_local)
{
  if (!dpi->client_known)
    set_client (dpi, guess_client_is_local (conn));
  return dpi->client_is_local == from_local;
}

/* ---- DNS ---------------------------------------------------------------------------------- */

static gboolean
dns_port (guint16 port)
{
  return port == 53 || port == 5353 || port == 5355;
}

static gboolean
handle_dns_message (NetlensConnection *conn,
                    NetlensDpi        *dpi,
                    const guint8      *data,
                    gsize              len,
                    gboolean           from_local,
                    NetlensNameCache  *names,
                    gint64             now_us)
{
  NetlensDnsMessage msg;
  gboolean changed;
  NetlensAppState st;

  if (dpi->dns_messages >= NETLENS_DPI_MAX_DNS_MESSAGES)
    return FALSE;
  if (!_netlens_dns_parse (data, len, &msg))
    return FALSE;
  dpi->dns_messages++;
  if (!msg.response)
    set_client (dpi, from_local);
  changed = _netlens_dns_merge (&dpi->dns, &msg);
  if (msg.response && msg.addresses != NULL && names != NULL)
    for (guint i = 0; i < msg.addresses->len; i++)
      {
        const NetlensDnsAddress *a = &g_array_index (msg.addresses, NetlensDnsAddress, i);

        netlens_name_cache_insert (names, a->family, &a->addr, a->owner, now_us);
      }
  st = msg.response ? NETLENS_APP_STATE_DNS_RESPONSE : NETLENS_APP_STATE_DNS_QUERY;
  if (conn->app_state != st)
    {
      conn->app_state = st;
      changed = TRUE;
    }
  _netlens_dns_message_clear (&msg);
  return changed;
}

/* ---- TCP ---------------------------------------------------------------------------------- */

static NetlensApp
detect_tcp (NetlensConnection *conn,
            NetlensDpi        *dpi,
            const guint8      *data,
            gsize              len,
            gboolean           from_local,
            gboolean          *wait)
{
  *wait = FALSE;
  if (len >= 6 && _netlens_tls_is_record_start (data, len))
    {
      set_client (dpi, data[5] == 1 ? from_local : !from_local);
      return NETLENS_APP_TLS;
    }
  if (len >= 4 && memcmp (data, "SSH-", 4) == 0)
    return NETLENS_APP_SSH;
  if (len >= 8 && _netlens_http_is_request_start (data, len))
    {
      set_client (dpi, from_local);
      return NETLENS_APP_HTTP;
    }
  if (len >= 8 && _netlens_http_is_response_start (data, len))
    {
      set_client (dpi, !from_local);
      return NETLENS_APP_HTTP;
    }
  if ((dns_port (conn->key.lport) || dns_port (conn->key.rport)) && len >= 2)
    {
      if (len < 14)
        {
          *wait = TRUE;
          return NETLENS_APP_NONE;
        }
      if (((gsize) data[0] << 8 | data[1]) >= 12)
        return NETLENS_APP_DNS;
    }
  /* Too short to tell yet, and what is there could still be one of ours. */
  if (len < 8 && (_netlens_http_is_request_start (data, len)
                  || _netlens_http_is_response_start (data, len)
                  || _netlens_tls_is_record_start (data, len)
                  || (len < 4 && memcmp (data, "SSH-", len) == 0)))
    *wait = TRUE;
  return NETLENS_APP_NONE;
}

static void
feed_http (NetlensDpi *dpi, NetlensDpiDir *dir, gboolean from_client)
{
  NetlensStream *s = &dir->stream;

  if (dpi->http == NULL)
    dpi->http = g_new0 (NetlensHttpInfo, 1);
  while (!dir->done && s->len > 0)
    {
      gsize consumed = 0;
      guint64 body = 0;
      NetlensParseResult r;

      if (from_client)
        r = _netlens_http_parse_request (dpi->http, s->buf, s->len, &consumed, &body);
      else
        r = _netlens_http_parse_response (dpi->http, s->buf, s->len, &consumed, &body);
      if (r == NETLENS_PARSE_NEED_MORE)
        break;
      if (r == NETLENS_PARSE_ERROR)
        {
          dir->done = TRUE;
          break;
        }
      _netlens_stream_consume (s, consumed);
      if (body == G_MAXUINT64
          || (from_client ? dpi->http->requests : dpi->http->responses)
             >= NETLENS_DPI_MAX_HTTP_REQUESTS)
        dir->done = TRUE;
      else
        _netlens_stream_skip (s, body);
    }
}

static void
feed_dns_tcp (NetlensConnection *conn,
              NetlensDpi        *dpi,
              NetlensDpiDir     *dir,
              gboolean           from_local,
              NetlensNameCache  *names,
              gint64             now_us)
{
  NetlensStream *s = &dir->stream;

  /* RFC 1035 section 4.2.2: each message is preceded by a two-byte length. */
  while (s->len >= 2)
    {
      gsize mlen = ((gsize) s->buf[0] << 8) | s->buf[1];

      if (mlen < 12)
        {
          dir->done = TRUE;
          return;
        }
      if (s->len < mlen + 2)
        break;
      handle_dns_message (conn, dpi, s->buf + 2, mlen, from_local, names, now_us);
      _netlens_stream_consume (s, mlen + 2);
      if (dpi->dns_messages >= NETLENS_DPI_MAX_DNS_MESSAGES)
        {
          dir->done = TRUE;
          return;
        }
    }
}

static void
feed_ssh (NetlensConnection *conn, NetlensDpi *dpi, NetlensDpiDir *dir, gboolean from_client)
{
  NetlensStream *s = &dir->stream;
  guint64 skip = 0;
  gboolean done = FALSE, error = FALSE;
  gsize used;

  if (dpi->ssh == NULL)
    dpi->ssh = _netlens_ssh_info_new ();
  used = _netlens_ssh_feed (dpi->ssh, from_client, s->buf, s->len, &skip, &done, &error);
  _netlens_stream_consume (s, used);
  if (skip > 0)
    _netlens_stream_skip (s, skip);
  if (done || error)
    dir->done = TRUE;
}

/* A SYN without payload: its sender's ISN kept in the row until that direction's first
 * payload byte (NETLENS_CONN_DPI_SYN_*), and who the client is until the DPI record exists. */
static void
note_bare_syn (NetlensConnection   *conn,
               const NetlensPacket *pkt,
               gboolean             from_local)
{
  guint8 bit = from_local ? NETLENS_CONN_DPI_SYN_LOCAL : NETLENS_CONN_DPI_SYN_REMOTE;
  gboolean client_is_local = (pkt->tcp_flags & NETLENS_TCP_ACK) ? !from_local : from_local;

  if ((conn->dpi_flags & (NETLENS_CONN_DPI_SYN_LOCAL | NETLENS_CONN_DPI_SYN_REMOTE)) == 0
      && client_is_local)
    conn->dpi_flags |= NETLENS_CONN_DPI_CLIENT_LOCAL;
  if ((conn->dpi_flags & bit) == 0)
    {
      conn->dpi_flags |= bit;
      conn->syn_seq[from_local ? 0 : 1] = pkt->tcp_seq;
    }
}

#define FOLD_FLAGS (NETLENS_CONN_DPI_CLIENT_KNOWN | NETLENS_CONN_DPI_CLIENT_IS_LOCAL \
                    | NETLENS_CONN_DPI_DIR_DONE_LOCAL | NETLENS_CONN_DPI_DIR_DONE_REMOTE)

/* A TCP row's record that holds nothing but who the client is and which direction gave up
 * (no app detected yet, no direction being read: the usual row waiting for its server's first
 * bytes after the client's were not recognised) goes back into the row's flags, so such a
 * row costs no DPI memory.  Outputs do not change: a record without results writes as none. */
static void
fold_empty_record (NetlensConnection *conn)
{
  NetlensDpi *dpi = conn->dpi;

  if (dpi->app != NETLENS_APP_NONE || dpi->http != NULL || dpi->tls != NULL || dpi->dns != NULL
      || dpi->ssh != NULL || dpi->quic != NULL || dpi->icmp != NULL || dpi->arp != NULL
      || dpi->dirs[0] != NULL || dpi->dirs[1] != NULL || dpi->quic_state != NULL
      || dpi->udp_packets != 0 || dpi->dns_messages != 0 || dpi->mdns || dpi->udp_done)
    return;
  conn->dpi_flags &= ~FOLD_FLAGS;
  if (dpi->client_known)
    conn->dpi_flags |= NETLENS_CONN_DPI_CLIENT_KNOWN;
  if (dpi->client_is_local)
    conn->dpi_flags |= NETLENS_CONN_DPI_CLIENT_IS_LOCAL;
  if (dpi->dirs_done & 1)
    conn->dpi_flags |= NETLENS_CONN_DPI_DIR_DONE_LOCAL;
  if (dpi->dirs_done & 2)
    conn->dpi_flags |= NETLENS_CONN_DPI_DIR_DONE_REMOTE;
  if (dpi->tcp_done)
    conn->dpi_flags |= NETLENS_CONN_DPI_DONE;
  g_clear_pointer (&conn->dpi, netlens_dpi_free);
}

static void
unfold_record (NetlensConnection *conn,
               NetlensDpi        *dpi)
{
  if (conn->dpi_flags & NETLENS_CONN_DPI_CLIENT_KNOWN)
    set_client (dpi, (conn->dpi_flags & NETLENS_CONN_DPI_CLIENT_IS_LOCAL) != 0);
  if (conn->dpi_flags & NETLENS_CONN_DPI_DIR_DONE_LOCAL)
    dpi->dirs_done |= 1;
  if (conn->dpi_flags & NETLENS_CONN_DPI_DIR_DONE_REMOTE)
    dpi->dirs_done |= 2;
  conn->dpi_flags &= ~FOLD_FLAGS;
}

static gboolean
dir_is_done (const NetlensDpi *dpi,
             guint             idx)
{
  return (dpi->dirs_done & (1u << idx)) != 0
         || (dpi->dirs[idx] != NULL && dpi->dirs[idx]->done);
}

static gboolean
inspect_tcp (NetlensConnection   *conn,
             const NetlensPacket *pkt,
             gboolean             from_local,
             NetlensNameCache    *names)
{
  NetlensDpi *dpi = conn->dpi;
  NetlensDpiDir *dir;
  guint idx = from_local ? 0 : 1;
  gboolean syn = (pkt->tcp_flags & NETLENS_TCP_SYN) != 0;
  guint8 app_before = conn->app, app_state_before = conn->app_state;
  guint64 consumed_before;
  gboolean from_client, moved;

  if (dpi == NULL)
    {
      /* Nothing is allocated for a bare handshake or a pure ACK: the row remembers who sent
       * the first SYN and each side's ISN until the first payload (a SYN flood costs rows
       * only). */
      if (pkt->payload_len == 0)
        {
          if (syn)
            note_bare_syn (conn, pkt, from_local);
          return FALSE;
        }
      /* a direction that gave up on a folded record: nothing more to read from it */
      if (conn->dpi_flags & (from_local ? NETLENS_CONN_DPI_DIR_DONE_LOCAL
                                        : NETLENS_CONN_DPI_DIR_DONE_REMOTE))
        return FALSE;
      dpi = ensure_dpi (conn);
      unfold_record (conn, dpi);
      /* What the bare SYNs would have set up. */
      if (conn->dpi_flags & (NETLENS_CONN_DPI_SYN_LOCAL | NETLENS_CONN_DPI_SYN_REMOTE))
        set_client (dpi, (conn->dpi_flags & NETLENS_CONN_DPI_CLIENT_LOCAL) != 0);
    }
  if (dpi->tcp_done)
    return FALSE;
  if (syn)
    set_client (dpi, (pkt->tcp_flags & NETLENS_TCP_ACK) ? !from_local : from_local);

  if (dpi->dirs[idx] == NULL)
    {
      /* A finished direction has given its state back: nothing more to read from it. */
      if (dpi->dirs_done & (1u << idx))
        return FALSE;
      /* No payload this way yet: the direction costs nothing but its ISN in the row (a
       * row waiting for its server's first bytes holds the DPI record only). */
      if (pkt->payload_len == 0)
        {
          if (syn)
            note_bare_syn (conn, pkt, from_local);
          return FALSE;
        }
      dpi->dirs[idx] = g_new0 (NetlensDpiDir, 1);
      if (conn->dpi_flags & (idx == 0 ? NETLENS_CONN_DPI_SYN_LOCAL : NETLENS_CONN_DPI_SYN_REMOTE))
        _netlens_stream_add (&dpi->dirs[idx]->stream, conn->syn_seq[idx], TRUE, NULL, 0);
    }
  dir = dpi->dirs[idx];

  if (dir->done)
    {
      /* Only the SSH phase after NEWKEYS still counts segments (see netlens-dpi-ssh.c). */
      if (dpi->app == NETLENS_APP_SSH && pkt->payload_len > 0 && dpi->ssh != NULL)
        {
          NetlensSshSide *side = is_client (dpi, conn, from_local) ? &dpi->ssh->client
                                                                    : &dpi->ssh->server;
          guint32 end = pkt->tcp_seq + pkt->payload_len;

          if (side->newkeys && (gint32) (end - dir->stream.next_seq) > 0)
            {
              dir->stream.next_seq = end;
              side->encrypted_segments++;
            }
          conn->app_state = _netlens_ssh_app_state (dpi->ssh);
          if (conn->app_state == NETLENS_APP_STATE_ESTABLISHED)
            {
              dpi->tcp_done = TRUE;
              dpi_free_work (dpi);
            }
        }
      return conn->app_state != app_state_before;
    }

  consumed_before = dir->stream.consumed_total + dir->stream.len;
  if (!_netlens_stream_add (&dir->stream, pkt->tcp_seq, syn, pkt->payload, pkt->payload_len))
    return FALSE;

  if (dpi->app == NETLENS_APP_NONE)
    {
      gboolean wait;
      NetlensApp app = detect_tcp (conn, dpi, dir->stream.buf, dir->stream.len, from_local, &wait);

      if (app == NETLENS_APP_NONE)
        {
          if (!wait)
            dir_finish (dir);
          goto out;
        }
      dpi->app = app;
      conn->app = app;
    }

  from_client = is_client (dpi, conn, from_local);
  switch (dpi->app)
    {
    case NETLENS_APP_HTTP:
      feed_http (dpi, dir, from_client);
      break;
    case NETLENS_APP_TLS:
      {
        gsize used;

        if (dpi->tls == NULL)
          dpi->tls = _netlens_tls_info_new ();
        used = _netlens_tls_feed_records (dpi->tls, &dir->tls, from_client, dir->stream.buf,
                                          dir->stream.len);
        _netlens_stream_consume (&dir->stream, used);
        /* After a real ServerHello no ClientHello can follow (only a HelloRetryRequest
         * asks for a second one): the client direction has told all it will. */
        if (dpi->tls->server_hellos > 0)
          {
            NetlensDpiDir *other = dpi->dirs[idx ^ 1];

            if (other != NULL && !other->done && other != dir)
              dir_finish (other);
          }
      }
      break;
    case NETLENS_APP_SSH:
      feed_ssh (conn, dpi, dir, from_client);
      conn->app_state = _netlens_ssh_app_state (dpi->ssh);
      break;
    case NETLENS_APP_DNS:
      feed_dns_tcp (conn, dpi, dir, from_local, names, pkt->ts_us);
      break;
    default:
      dir->done = TRUE;
      break;
    }
  if (dir->tls.done || dir->stream.overflow)
    dir->done = TRUE;
  if (dir->done)
    dir_finish (dir);

out:
  moved = dpi->app != NETLENS_APP_NONE
          && dir->stream.consumed_total + dir->stream.len != consumed_before;
  /* Finished directions give their state back (SSH keeps them: the segments after NEWKEYS
   * are counted against next_seq). */
  if (dpi->app != NETLENS_APP_SSH)
    for (guint i = 0; i < 2; i++)
      if (dpi->dirs[i] != NULL && dpi->dirs[i]->done)
        {
          g_clear_pointer (&dpi->dirs[i], dir_free);
          dpi->dirs_done |= 1u << i;
        }
  if (dir_is_done (dpi, 0) && dir_is_done (dpi, 1) && dpi->app != NETLENS_APP_SSH)
    {
      dpi->tcp_done = TRUE;
      dpi_free_work (dpi);
    }
  return conn->app != app_before || conn->app_state != app_state_before || moved
         || dpi->tcp_done;
}

/* ---- UDP ---------------------------------------------------------------------------------- */

static void
count_udp_packet (NetlensDpi *dpi)
{
  if (dpi->udp_packets < G_MAXUINT16)
    dpi->udp_packets++;
}

static gboolean
inspect_udp (NetlensConnection   *conn,
             const NetlensPacket *pkt,
             gboolean             from_local,
             NetlensNameCache    *names)
{
  NetlensDpi *dpi;
  gboolean changed = FALSE;
  const guint8 *data = pkt->payload;
  gsize len = pkt->payload_len;

  if (len == 0 || data == NULL || pkt->ports_unknown)
    return FALSE;
  if (conn->dpi != NULL && conn->dpi->udp_done)
    return FALSE;

  if (conn->app == NETLENS_APP_DNS || conn->app == NETLENS_APP_MDNS
      || conn->app == NETLENS_APP_LLMNR
      || (conn->app == NETLENS_APP_NONE
          && (dns_port (pkt->sport) || dns_port (pkt->dport)
              /* DNS on another port: only a datagram that parses exactly as DNS. */
              || ((conn->dpi == NULL || conn->dpi->udp_packets < 2)
                  && _netlens_dns_looks_valid (data, len)))))
    {
      dpi = ensure_dpi (conn);
      count_udp_packet (dpi);
      if (handle_dns_message (conn, dpi, data, len, from_local,
                              pkt->dns_noted ? NULL : names, pkt->ts_us)
          || conn->app == NETLENS_APP_NONE)
        changed = TRUE;
      if (dpi->dns_messages > 0 && conn->app == NETLENS_APP_NONE)
        {
          NetlensApp app = NETLENS_APP_DNS;

          if (pkt->sport == 5353 || pkt->dport == 5353)
            app = NETLENS_APP_MDNS, dpi->mdns = TRUE;
          else if (pkt->sport == 5355 || pkt->dport == 5355)
            app = NETLENS_APP_LLMNR;
          conn->app = dpi->app = app;
          changed = TRUE;
        }
      if (dpi->dns_messages > 0 || dpi->udp_packets < UDP_PROBE_PACKETS)
        return changed;
      /* Not DNS after all: fall through to QUIC and the give-up rule. */
    }

  if (conn->app == NETLENS_APP_QUIC
      || (conn->app == NETLENS_APP_NONE
          && ((conn->dpi != NULL && conn->dpi->quic_state != NULL)
              || _netlens_quic_detect (data, len))))
    {
      gboolean is_quic = FALSE, client_is_local = FALSE;
      NetlensState st;

      dpi = ensure_dpi (conn);
      count_udp_packet (dpi);
      if (dpi->quic_state == NULL)
        {
          if (dpi->quic != NULL)
            return FALSE;  /* work state was dropped: nothing more to learn */
          dpi->quic_state = _netlens_quic_state_new ();
          dpi->quic = _netlens_quic_info_new ();
        }
      changed = _netlens_quic_datagram (dpi->quic_state, dpi->quic, from_local, data, len,
                                        &is_quic, &client_is_local);
      if (is_quic)
        {
          if (conn->app != NETLENS_APP_QUIC)
            {
              conn->app = dpi->app = NETLENS_APP_QUIC;
              set_client (dpi, client_is_local);
              changed = TRUE;
            }
          st = _netlens_quic_conn_state (dpi->quic_state, dpi->quic);
          if (conn->state != st)
            {
              conn->state = st;
              conn->state_since = pkt->ts_us;
              changed = TRUE;
            }
          if (dpi->quic->tls != NULL && dpi->quic->tls->quic_max_idle_timeout_ms > 0)
            {
              guint32 t = (guint32) MIN ((dpi->quic->tls->quic_max_idle_timeout_ms + 999) / 1000,
                                         (gint64) G_MAXUINT32);

              if (conn->timeout_s != t && st != NETLENS_STATE_QUIC_DRAINING
                  && st != NETLENS_STATE_QUIC_CLOSED)
                {
                  conn->timeout_s = t;
                  changed = TRUE;
                }
            }
          if ((st == NETLENS_STATE_QUIC_DRAINING || st == NETLENS_STATE_QUIC_CLOSED)
              && conn->timeout_s != 0)
            conn->timeout_s = 0;  /* the table's after-close timeout applies */
        }
      else if (dpi->udp_packets >= UDP_PROBE_PACKETS)
        {
          dpi->udp_done = TRUE;
          dpi_free_work (dpi);
          g_clear_pointer (&dpi->quic, _netlens_quic_info_free);
        }
      return changed;
    }

  /* HTTP over UDP (SSDP, its M-SEARCH and NOTIFY): one message per datagram. */
  if ((conn->app == NETLENS_APP_HTTP
       || (conn->app == NETLENS_APP_NONE && len >= 8
           && (_netlens_http_is_request_start (data, len)
               || _netlens_http_is_response_start (data, len))))
      && (conn->dpi == NULL || conn->dpi->http == NULL
          || conn->dpi->http->requests + conn->dpi->http->responses
             < NETLENS_DPI_MAX_HTTP_REQUESTS))
    {
      gsize consumed;
      guint64 body;
      NetlensParseResult r;

      dpi = ensure_dpi (conn);
      if (dpi->http == NULL)
        dpi->http = g_new0 (NetlensHttpInfo, 1);
      if (_netlens_http_is_request_start (data, len))
        r = _netlens_http_parse_request (dpi->http, data, len, &consumed, &body);
      else
        r = _netlens_http_parse_response (dpi->http, data, len, &consumed, &body);
      if (r == NETLENS_PARSE_OK)
        {
          if (conn->app != NETLENS_APP_HTTP)
            conn->app = dpi->app = NETLENS_APP_HTTP;
          return TRUE;
        }
    }

  if (conn->app == NETLENS_APP_NONE)
    {
      dpi = ensure_dpi (conn);
      count_udp_packet (dpi);
      if (dpi->udp_packets >= UDP_PROBE_PACKETS)
        {
          dpi->udp_done = TRUE;
          dpi_free_work (dpi);
        }
    }
  return changed;
}

gboolean
netlens_dpi_inspect (NetlensConnection   *conn,
                     const NetlensPacket *pkt,
                     gboolean             from_local,
                     NetlensNameCache    *names)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (pkt != NULL, FALSE);

  /* A later IP fragment has no transport header: its bytes are not the stream's.  A
   * fragmented TCP segment would leave a hole in the stream either way. */
  if (pkt->is_fragment && (!pkt->first_fragment || pkt->proto == NETLENS_PROTO_TCP))
    return FALSE;
  if (conn->dpi_flags & NETLENS_CONN_DPI_DONE)
    return FALSE;
  if (pkt->proto == NETLENS_PROTO_TCP)
    changed = inspect_tcp (conn, pkt, from_local, names);
  else if (pkt->proto == NETLENS_PROTO_UDP)
    changed = inspect_udp (conn, pkt, from_local, names);
  /* A finished row: later packets skip inspection altogether (see the table). */
  if (conn->dpi != NULL && (conn->dpi->tcp_done || conn->dpi->udp_done))
    conn->dpi_flags |= NETLENS_CONN_DPI_DONE;
  if (conn->dpi != NULL && pkt->proto == NETLENS_PROTO_TCP && !conn->dpi->copy)
    fold_empty_record (conn);
  return changed;
}

void
netlens_dpi_note_dns_answers (NetlensNameCache *names,
                              NetlensPacket    *pkt,
                              gsize             max_len)
{
  NetlensDnsMessage msg;
  gsize len;

  g_return_if_fail (pkt != NULL);

  if (names == NULL || pkt->proto != NETLENS_PROTO_UDP || pkt->payload == NULL
      || pkt->ports_unknown || (pkt->is_fragment && !pkt->first_fragment)
      || !(dns_port (pkt->sport) || dns_port (pkt->dport)))
    return;
  len = MIN (pkt->payload_len, max_len);
  /* the QR bit: only responses carry answers */
  if (len < 12 || (pkt->payload[2] & 0x80) == 0)
    return;
  pkt->dns_noted = TRUE;
  if (!_netlens_dns_parse (pkt->payload, len, &msg))
    return;
  if (msg.response && msg.addresses != NULL)
    for (guint i = 0; i < msg.addresses->len; i++)
      {
        const NetlensDnsAddress *a = &g_array_index (msg.addresses, NetlensDnsAddress, i);

        netlens_name_cache_insert (names, a->family, &a->addr, a->owner, pkt->ts_us);
      }
  _netlens_dns_message_clear (&msg);
}

/* ---- QUIC migration ------------------------------------------------------------------------ */

gboolean
netlens_dpi_quic_long_header_cids (const guint8 *payload,
                                   gsize         len,
                                   guint8       *dcid,
                                   guint8       *dcid_len,
                                   guint8       *scid,
                                   guint8       *scid_len)
{
  gsize pos = 5;

  g_return_val_if_fail (dcid != NULL && dcid_len != NULL && scid != NULL && scid_len != NULL,
                        FALSE);
  /* RFC 8999 section 5.1: form bit, version, DCID length + DCID, SCID length + SCID */
  if (payload == NULL || len < 7 || (payload[0] & 0x80) == 0)
    return FALSE;
  *dcid_len = payload[pos++];
  if (*dcid_len > 20 || len - pos < *dcid_len + 1u)
    return FALSE;
  memcpy (dcid, payload + pos, *dcid_len);
  pos += *dcid_len;
  *scid_len = payload[pos++];
  if (*scid_len > 20 || len - pos < *scid_len)
    return FALSE;
  memcpy (scid, payload + pos, *scid_len);
  return TRUE;
}

static gboolean
cid_equal (const guint8 *a, guint8 a_len, const guint8 *b, gsize b_len)
{
  return a_len > 0 && a_len == b_len && memcmp (a, b, a_len) == 0;
}

gboolean
netlens_dpi_quic_matches (const NetlensDpi *dpi,
                          const guint8     *payload,
                          gsize             len)
{
  const NetlensQuicInfo *q;
  guint8 dcid[20], scid[20], dl, sl;

  if (dpi == NULL || dpi->quic == NULL || dpi->app != NETLENS_APP_QUIC || payload == NULL
      || len < 1)
    return FALSE;
  q = dpi->quic;
  if (netlens_dpi_quic_long_header_cids (payload, len, dcid, &dl, scid, &sl))
    return cid_equal (q->dcid, q->dcid_len, dcid, dl) || cid_equal (q->scid, q->scid_len, scid, sl)
           || cid_equal (q->scid, q->scid_len, dcid, dl)
           || cid_equal (q->server_scid, q->server_scid_len, dcid, dl)
           || cid_equal (q->server_scid, q->server_scid_len, scid, sl);
  /* A short header carries only the DCID, of a length the endpoints agreed on: compare
   * with the IDs whose length we know. */
  if ((payload[0] & 0xc0) != 0x40)
    return FALSE;
  return (q->server_scid_len > 0 && len >= 1u + q->server_scid_len
          && memcmp (payload + 1, q->server_scid, q->server_scid_len) == 0)
         || (q->scid_len > 0 && len >= 1u + q->scid_len
             && memcmp (payload + 1, q->scid, q->scid_len) == 0);
}

void
netlens_dpi_join_quic (NetlensConnection *conn,
                       const NetlensDpi  *from,
                       gboolean           client_is_local)
{
  NetlensDpi *dpi;
  gboolean connected;

  g_return_if_fail (conn != NULL);
  if (from == NULL || from->quic == NULL)
    return;
  dpi = ensure_dpi (conn);
  dpi_free_work (dpi);
  _netlens_quic_info_free (dpi->quic);
  dpi->quic = _netlens_quic_info_copy (from->quic);
  dpi->app = NETLENS_APP_QUIC;
  dpi->client_known = TRUE;
  dpi->client_is_local = client_is_local;
  dpi->udp_done = FALSE;
  conn->dpi_flags &= ~NETLENS_CONN_DPI_DONE;
  connected = from->quic->short_header_packets > 0;
  dpi->quic_state = _netlens_quic_state_new_joined (client_is_local, connected);
  conn->app = NETLENS_APP_QUIC;
  conn->state = _netlens_quic_conn_state (dpi->quic_state, dpi->quic);
  if (dpi->quic->tls != NULL && dpi->quic->tls->quic_max_idle_timeout_ms > 0)
    conn->timeout_s = (guint32) MIN ((dpi->quic->tls->quic_max_idle_timeout_ms + 999) / 1000,
                                     (gint64) G_MAXUINT32);
}

/* ---- ICMP and ARP --------------------------------------------------------------------------- */

static NetlensIcmpTypeCount *
icmp_type_slot (NetlensIcmpInfo *icmp, guint8 type)
{
  guint i = 0;

  while (i < icmp->n_types && icmp->types[i].type < type)
    i++;
  if (i < icmp->n_types && icmp->types[i].type == type)
    return &icmp->types[i];
  if (icmp->n_types == icmp->types_size)
    {
      icmp->types_size = icmp->types_size == 0 ? 2 : MIN (icmp->types_size * 2, 256);
      icmp->types = g_renew (NetlensIcmpTypeCount, icmp->types, icmp->types_size);
    }
  memmove (&icmp->types[i + 1], &icmp->types[i], (icmp->n_types - i) * sizeof *icmp->types);
  icmp->n_types++;
  icmp->types[i].type = type;
  icmp->types[i].count = 0;
  return &icmp->types[i];
}

void
_netlens_icmp_add_type (NetlensIcmpInfo *icmp,
                        guint8           type,
                        guint32          n)
{
  icmp_type_slot (icmp, type)->count += n;
}

void
_netlens_icmp_set_type (NetlensIcmpInfo *icmp,
                        guint8           type,
                        guint32          count)
{
  icmp_type_slot (icmp, type)->count = count;
}

void
netlens_dpi_note_control (NetlensConnection   *conn,
                          const NetlensPacket *pkt,
                          gboolean             from_local)
{
  NetlensDpi *dpi;

  g_return_if_fail (conn != NULL);
  g_return_if_fail (pkt != NULL);

  if (pkt->proto == NETLENS_PROTO_ICMP || pkt->proto == NETLENS_PROTO_ICMPV6)
    {
      NetlensIcmpInfo *icmp;
      gboolean v6 = pkt->proto == NETLENS_PROTO_ICMPV6;
      gboolean request = pkt->icmp_type == (v6 ? 128 : 8);
      gboolean reply = pkt->icmp_type == (v6 ? 129 : 0);

      dpi = ensure_dpi (conn);
      if (dpi->icmp == NULL)
        dpi->icmp = g_new0 (NetlensIcmpInfo, 1);
      icmp = dpi->icmp;
      _netlens_icmp_add_type (icmp, pkt->icmp_type, 1);
      icmp->last_type = pkt->icmp_type;
      icmp->last_code = pkt->icmp_code;
      if (request || reply)
        {
          gboolean seen = FALSE;

          if (request)
            icmp->echo_requests++;
          else
            icmp->echo_replies++;
          icmp->last_id = pkt->icmp_id;
          icmp->last_seq = pkt->icmp_seq;
          if (icmp->echo_ids == NULL)
            icmp->echo_ids = g_array_new (FALSE, FALSE, sizeof (guint16));
          for (guint i = 0; i < icmp->echo_ids->len; i++)
            seen |= g_array_index (icmp->echo_ids, guint16, i) == pkt->icmp_id;
          if (!seen && icmp->echo_ids->len < NETLENS_DPI_MAX_LIST)
            {
              guint16 id = pkt->icmp_id;
              g_array_append_val (icmp->echo_ids, id);
            }
        }
    }
  else if (pkt->proto == NETLENS_PROTO_ARP)
    {
      NetlensArpInfo *arp;
      gboolean seen = FALSE;

      dpi = ensure_dpi (conn);
      if (dpi->arp == NULL)
        dpi->arp = g_new0 (NetlensArpInfo, 1);
      arp = dpi->arp;
      if (pkt->arp_op == 1)
        arp->requests++;
      else if (pkt->arp_op == 2)
        arp->replies++;
      arp->last_op = pkt->arp_op;
      memcpy (arp->sender_mac, pkt->arp_sha, 6);
      memcpy (arp->target_mac, pkt->arp_tha, 6);
      arp->sender_ip = pkt->src;
      arp->target_ip = pkt->dst;
      if (arp->sender_macs == NULL)
        arp->sender_macs = g_array_new (FALSE, FALSE, 6);
      for (guint i = 0; i < arp->sender_macs->len; i++)
        seen |= memcmp (arp->sender_macs->data + 6 * i, pkt->arp_sha, 6) == 0;
      if (!seen && arp->sender_macs->len < NETLENS_DPI_MAX_LIST)
        g_array_append_vals (arp->sender_macs, pkt->arp_sha, 1);
    }
}

/* ---- getters ------------------------------------------------------------------------------- */

static const char *
first_of (const GPtrArray *list)
{
  return list != NULL && list->len > 0 ? g_ptr_array_index ((GPtrArray *) list, 0) : NULL;
}

const char *
netlens_dpi_get_sni (const NetlensDpi *dpi)
{
  const char *sni;

  if (dpi == NULL)
    return NULL;
  if (dpi->tls != NULL && (sni = first_of (dpi->tls->sni)) != NULL)
    return sni;
  if (dpi->quic != NULL && dpi->app == NETLENS_APP_QUIC && dpi->quic->tls != NULL)
    return first_of (dpi->quic->tls->sni);
  return NULL;
}

const char *
netlens_dpi_get_http_host (const NetlensDpi *dpi)
{
  return dpi != NULL && dpi->http != NULL ? first_of (dpi->http->hosts) : NULL;
}

const char *
netlens_dpi_get_ssh_software (const NetlensDpi *dpi)
{
  if (dpi == NULL || dpi->ssh == NULL)
    return NULL;
  /* The remote side's: the server when we are the client. */
  if (!dpi->client_known || dpi->client_is_local)
    return dpi->ssh->server.software ? dpi->ssh->server.software : dpi->ssh->client.software;
  return dpi->ssh->client.software ? dpi->ssh->client.software : dpi->ssh->server.software;
}

static const char *
first_alpn (const NetlensTlsInfo *tls)
{
  const char *a;

  if (tls == NULL)
    return NULL;
  if ((a = first_of (tls->alpn_selected)) != NULL)
    return a;
  return first_of (tls->alpn);
}

void
netlens_dpi_append_summary (const NetlensDpi *dpi,
                            GString          *out)
{
  const char *s;

  g_return_if_fail (out != NULL);
  if (dpi == NULL)
    return;
  switch (dpi->app)
    {
    case NETLENS_APP_HTTP:
      g_string_append (out, "HTTP");
      if (dpi->http && (s = first_of (dpi->http->methods)))
        g_string_append_printf (out, " %s", s);
      if ((s = netlens_dpi_get_http_host (dpi)))
        g_string_append_printf (out, " %s", s);
      if (dpi->http && dpi->http->status)
        g_string_append_printf (out, " %u", dpi->http->status);
      break;
    case NETLENS_APP_TLS:
      g_string_append (out, "TLS");
      if ((s = netlens_dpi_get_sni (dpi)))
        g_string_append_printf (out, " %s", s);
      if ((s = first_alpn (dpi->tls)))
        g_string_append_printf (out, " %s", s);
      break;
    case NETLENS_APP_QUIC:
      g_string_append (out, "QUIC");
      if ((s = netlens_dpi_get_sni (dpi)))
        g_string_append_printf (out, " %s", s);
      if (dpi->quic && (s = first_alpn (dpi->quic->tls)))
        g_string_append_printf (out, " %s", s);
      break;
    case NETLENS_APP_DNS:
    case NETLENS_APP_MDNS:
    case NETLENS_APP_LLMNR:
      g_string_append (out, dpi->app == NETLENS_APP_MDNS ? "mDNS"
                            : dpi->app == NETLENS_APP_LLMNR ? "LLMNR" : "DNS");
      if (dpi->dns != NULL && dpi->dns->len > 0)
        {
          const NetlensDnsEntry *e = g_ptr_array_index (dpi->dns, 0);
          const char *t = _netlens_dns_type_name (e->qtype);

          if (t != NULL)
            g_string_append_printf (out, " %s %s", t, e->name);
          else
            g_string_append_printf (out, " TYPE%u %s", e->qtype, e->name);
        }
      break;
    case NETLENS_APP_SSH:
      g_string_append (out, "SSH");
      if ((s = netlens_dpi_get_ssh_software (dpi)))
        g_string_append_printf (out, " %s", s);
      break;
    default:
      break;
    }
}

static gboolean
foreach_list (const GPtrArray *list,
              gboolean       (*func) (const char *, gpointer),
              gpointer         data)
{
  for (guint i = 0; list != NULL && i < list->len; i++)
    if (func (g_ptr_array_index ((GPtrArray *) list, i), data))
      return TRUE;
  return FALSE;
}

static gboolean
foreach_tls (const NetlensTlsInfo *tls,
             gboolean            (*func) (const char *, gpointer),
             gpointer              data)
{
  return tls != NULL
         && (foreach_list (tls->sni, func, data) || foreach_list (tls->alpn, func, data)
             || foreach_list (tls->alpn_selected, func, data));
}

gboolean
netlens_dpi_foreach_text (const NetlensDpi *dpi,
                          gboolean        (*func) (const char *text,
                                                   gpointer    user_data),
                          gpointer          user_data)
{
  g_return_val_if_fail (func != NULL, FALSE);
  if (dpi == NULL)
    return FALSE;
  if (dpi->http != NULL)
    {
      if (foreach_list (dpi->http->hosts, func, user_data)
          || foreach_list (dpi->http->methods, func, user_data)
          || (dpi->http->path && func (dpi->http->path, user_data))
          || (dpi->http->user_agent && func (dpi->http->user_agent, user_data)))
        return TRUE;
    }
  if (foreach_tls (dpi->tls, func, user_data))
    return TRUE;
  for (guint i = 0; dpi->dns != NULL && i < dpi->dns->len; i++)
    {
      const NetlensDnsEntry *e = g_ptr_array_index (dpi->dns, i);
      const char *t = _netlens_dns_type_name (e->qtype);

      if (func (e->name, user_data) || (t && func (t, user_data))
          || foreach_list (e->answers, func, user_data))
        return TRUE;
    }
  if (dpi->ssh != NULL)
    {
      const NetlensSshSide *sides[2] = { &dpi->ssh->client, &dpi->ssh->server };

      for (int i = 0; i < 2; i++)
        if ((sides[i]->version && func (sides[i]->version, user_data))
            || (sides[i]->software && func (sides[i]->software, user_data)))
          return TRUE;
    }
  if (dpi->quic != NULL && dpi->app == NETLENS_APP_QUIC
      && foreach_tls (dpi->quic->tls, func, user_data))
    return TRUE;
  return FALSE;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void
json_string (GString *out, const char *text)
{
  netlens_json_append_string (out, text);
}

/* Text from the wire is not trusted to be UTF-8: make it so before it is written. */
static void
json_wire_string (GString *out, const char *text)
{
  g_autofree char *valid = NULL;

  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);
  json_string (out, text);
}

static void
json_list (GString *out, const GPtrArray *list)
{
  g_string_append_c (out, '[');
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      json_wire_string (out, g_ptr_array_index ((GPtrArray *) list, i));
    }
  g_string_append_c (out, ']');
}

static void
json_key (GString *out, const char *key, gboolean *first)
{
  char buf[64];
  gsize n = strlen (key), k = 0;

  if (!*first)
    buf[k++] = ',';
  *first = FALSE;
  if (n > sizeof buf - 4)
    {
      g_string_append_len (out, buf, k);
      g_string_append_c (out, '"');
      g_string_append_len (out, key, n);
      g_string_append_len (out, "\":", 2);
      return;
    }
  buf[k++] = '"';
  memcpy (buf + k, key, n);
  k += n;
  buf[k++] = '"';
  buf[k++] = ':';
  g_string_append_len (out, buf, k);
}

static void
json_bool (GString *out, gboolean v)
{
  if (v)
    g_string_append_len (out, "true", 4);
  else
    g_string_append_len (out, "false", 5);
}

static void
json_hex16_or_null (GString *out, gboolean have, guint16 v)
{
  if (have)
    {
      g_string_append_c (out, '"');
      netlens_json_append_hex (out, v, 4);
      g_string_append_c (out, '"');
    }
  else
    netlens_json_append_lit (out, "null");
}

static void
write_http (GString *out, const NetlensHttpInfo *http)
{
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  json_key (out, "hosts", &first);
  json_list (out, http->hosts);
  json_key (out, "methods", &first);
  json_list (out, http->methods);
  json_key (out, "requests", &first);
  netlens_json_append_uint (out, http->requests);
  json_key (out, "path", &first);
  json_wire_string (out, http->path);
  json_key (out, "user_agent", &first);
  json_wire_string (out, http->user_agent);
  json_key (out, "responses", &first);
  netlens_json_append_uint (out, http->responses);
  json_key (out, "status", &first);
  if (http->status)
    netlens_json_append_uint (out, http->status);
  else
    netlens_json_append_lit (out, "null");
  json_key (out, "statuses", &first);
  g_string_append_c (out, '[');
  for (guint i = 0; http->statuses != NULL && i < http->statuses->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      netlens_json_append_uint (out, g_array_index (http->statuses, guint16, i));
    }
  netlens_json_append_lit (out, "]}");
}

static void
write_tls_fields (GString *out, const NetlensTlsInfo *tls, gboolean *first)
{
  json_key (out, "sni", first);
  json_list (out, tls->sni);
  json_key (out, "alpn", first);
  json_list (out, tls->alpn);
  json_key (out, "client_hellos", first);
  netlens_json_append_uint (out, tls->client_hellos);
  json_key (out, "client_hello_legacy_versions", first);
  json_list (out, tls->legacy_versions);
  json_key (out, "client_hello_supported_versions", first);
  json_list (out, tls->supported_versions);
  json_key (out, "client_hello_tls13", first);
  json_bool (out, tls->tls13_offered);
  json_key (out, "ech", first);
  json_bool (out, tls->ech);
  json_key (out, "server_hellos", first);
  netlens_json_append_uint (out, tls->server_hellos);
  json_key (out, "hello_retry_request", first);
  json_bool (out, tls->hello_retry);
  json_key (out, "server_hello_versions", first);
  json_list (out, tls->server_versions);
  json_key (out, "version", first);
  json_hex16_or_null (out, tls->version != 0, tls->version);
  json_key (out, "cipher_suite", first);
  json_hex16_or_null (out, tls->has_cipher_suite, tls->cipher_suite);
  json_key (out, "alpn_selected", first);
  json_list (out, tls->alpn_selected);
}

static void
write_dns (GString *out, const GPtrArray *entries)
{
  g_string_append_c (out, '[');
  for (guint i = 0; i < entries->len; i++)
    {
      const NetlensDnsEntry *e = g_ptr_array_index ((GPtrArray *) entries, i);
      gboolean first = TRUE;

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, '{');
      json_key (out, "id", &first);
      netlens_json_append_uint (out, e->id);
      json_key (out, "name", &first);
      json_wire_string (out, e->name);
      json_key (out, "qtype", &first);
      netlens_json_append_uint (out, e->qtype);
      json_key (out, "qtype_name", &first);
      json_string (out, _netlens_dns_type_name (e->qtype));
      json_key (out, "query", &first);
      json_bool (out, e->query);
      json_key (out, "response", &first);
      json_bool (out, e->response);
      json_key (out, "rcode", &first);
      if (e->rcode >= 0)
        netlens_json_append_int (out, e->rcode);
      else
        netlens_json_append_lit (out, "null");
      json_key (out, "answers", &first);
      json_list (out, e->answers);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
}

static void
write_ssh_lists (GString *out, const NetlensSshSide *side)
{
  gboolean first = TRUE;

  if (side->lists[0] == NULL)
    {
      netlens_json_append_lit (out, "null");
      return;
    }
  g_string_append_c (out, '{');
  for (guint i = 0; i < NETLENS_SSH_N_LISTS; i++)
    {
      json_key (out, _netlens_ssh_list_names[i], &first);
      g_string_append_c (out, '[');
      for (guint j = 0; side->lists[i] != NULL && side->lists[i][j] != NULL; j++)
        {
          if (j > 0)
            g_string_append_c (out, ',');
          json_wire_string (out, side->lists[i][j]);
        }
      g_string_append_c (out, ']');
    }
  g_string_append_c (out, '}');
}

static void
write_ssh (GString *out, const NetlensSshInfo *ssh)
{
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  json_key (out, "client_version", &first);
  json_wire_string (out, ssh->client.version);
  json_key (out, "server_version", &first);
  json_wire_string (out, ssh->server.version);
  json_key (out, "client_software", &first);
  json_wire_string (out, ssh->client.software);
  json_key (out, "server_software", &first);
  json_wire_string (out, ssh->server.software);
  json_key (out, "messages", &first);
  json_list (out, ssh->messages);
  json_key (out, "client_kexinit", &first);
  json_bool (out, ssh->client.kexinit);
  json_key (out, "server_kexinit", &first);
  json_bool (out, ssh->server.kexinit);
  json_key (out, "client_newkeys", &first);
  json_bool (out, ssh->client.newkeys);
  json_key (out, "server_newkeys", &first);
  json_bool (out, ssh->server.newkeys);
  json_key (out, "client_algorithms", &first);
  write_ssh_lists (out, &ssh->client);
  json_key (out, "server_algorithms", &first);
  write_ssh_lists (out, &ssh->server);
  g_string_append_c (out, '}');
}

static void
write_hex_bytes (GString *out, const guint8 *p, gsize n)
{
  g_string_append_c (out, '"');
  netlens_json_append_hex_bytes (out, p, n);
  g_string_append_c (out, '"');
}

static void
write_version_list (GString *out, const GArray *versions)
{
  g_string_append_c (out, '[');
  for (guint i = 0; versions != NULL && i < versions->len; i++)
    {
      g_string_append_len (out, i ? ",\"" : "\"", i ? 2 : 1);
      netlens_json_append_hex (out, g_array_index ((GArray *) versions, guint32, i), 8);
      g_string_append_c (out, '"');
    }
  g_string_append_c (out, ']');
}

static void
write_quic (GString *out, const NetlensQuicInfo *quic)
{
  NetlensTlsInfo empty = { 0, };
  const NetlensTlsInfo *tls = quic->tls ? quic->tls : &empty;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  json_key (out, "versions", &first);
  write_version_list (out, quic->versions);
  json_key (out, "sni", &first);
  json_list (out, tls->sni);
  json_key (out, "alpn", &first);
  json_list (out, tls->alpn);
  json_key (out, "client_hellos", &first);
  netlens_json_append_uint (out, tls->client_hellos);
  json_key (out, "server_hellos", &first);
  netlens_json_append_uint (out, tls->server_hellos);
  json_key (out, "tls_version", &first);
  json_hex16_or_null (out, tls->version != 0, tls->version);
  json_key (out, "cipher_suite", &first);
  json_hex16_or_null (out, tls->has_cipher_suite, tls->cipher_suite);
  json_key (out, "max_idle_timeout_ms", &first);
  if (quic->tls != NULL && quic->tls->quic_max_idle_timeout_ms >= 0)
    netlens_json_append_int (out, quic->tls->quic_max_idle_timeout_ms);
  else
    netlens_json_append_lit (out, "null");
  json_key (out, "initial_packets", &first);
  netlens_json_append_uint (out, quic->initial_packets);
  json_key (out, "zero_rtt_packets", &first);
  netlens_json_append_uint (out, quic->zero_rtt_packets);
  json_key (out, "handshake_packets", &first);
  netlens_json_append_uint (out, quic->handshake_packets);
  json_key (out, "retry_packets", &first);
  netlens_json_append_uint (out, quic->retry_packets);
  json_key (out, "short_header_packets", &first);
  netlens_json_append_uint (out, quic->short_header_packets);
  json_key (out, "retry", &first);
  json_bool (out, quic->retry_packets > 0);
  json_key (out, "version_negotiation", &first);
  json_bool (out, quic->version_negotiation);
  json_key (out, "vn_versions", &first);
  write_version_list (out, quic->vn_versions);
  json_key (out, "connection_close", &first);
  json_bool (out, quic->closes != NULL && quic->closes->len > 0);
  json_key (out, "close_frames", &first);
  g_string_append_c (out, '[');
  for (guint i = 0; quic->closes != NULL && i < quic->closes->len; i++)
    {
      const NetlensQuicClose *c = &g_array_index (quic->closes, NetlensQuicClose, i);

      g_string_append_printf (out, "%s{\"from\":\"%s\",\"frame_type\":\"0x%02x\","
                              "\"error_code\":%" G_GUINT64_FORMAT ",\"reason\":",
                              i ? "," : "", c->from_client ? "client" : "server",
                              c->frame_type, c->error_code);
      json_wire_string (out, c->reason);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
  json_key (out, "dcid", &first);
  write_hex_bytes (out, quic->dcid, quic->dcid_len);
  json_key (out, "scid", &first);
  write_hex_bytes (out, quic->scid, quic->scid_len);
  json_key (out, "undecryptable_initials", &first);
  netlens_json_append_uint (out, quic->undecryptable);
  g_string_append_c (out, '}');
}

static void
write_icmp (GString *out, const NetlensIcmpInfo *icmp)
{
  gboolean first = TRUE, tfirst = TRUE;

  g_string_append_c (out, '{');
  json_key (out, "types", &first);
  g_string_append_c (out, '{');
  for (guint i = 0; i < icmp->n_types; i++)
    if (icmp->types[i].count > 0)
      {
        g_string_append_len (out, tfirst ? "\"" : ",\"", tfirst ? 1 : 2);
        netlens_json_append_uint (out, icmp->types[i].type);
        g_string_append_len (out, "\":", 2);
        netlens_json_append_uint (out, icmp->types[i].count);
        tfirst = FALSE;
      }
  g_string_append_c (out, '}');
  json_key (out, "echo_requests", &first);
  netlens_json_append_uint (out, icmp->echo_requests);
  json_key (out, "echo_replies", &first);
  netlens_json_append_uint (out, icmp->echo_replies);
  json_key (out, "echo_ids", &first);
  g_string_append_c (out, '[');
  for (guint i = 0; icmp->echo_ids != NULL && i < icmp->echo_ids->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      netlens_json_append_uint (out, g_array_index (icmp->echo_ids, guint16, i));
    }
  g_string_append_c (out, ']');
  json_key (out, "last_type", &first);
  netlens_json_append_uint (out, icmp->last_type);
  json_key (out, "last_code", &first);
  netlens_json_append_uint (out, icmp->last_code);
  json_key (out, "last_echo_id", &first);
  netlens_json_append_uint (out, icmp->last_id);
  json_key (out, "last_echo_seq", &first);
  netlens_json_append_uint (out, icmp->last_seq);
  g_string_append_c (out, '}');
}

static void
append_mac (GString *out, const guint8 *mac)
{
  for (guint i = 0; i < 6; i++)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      netlens_json_append_hex_bytes (out, mac + i, 1);
    }
}

static void
write_arp (GString *out, const NetlensArpInfo *arp)
{
  gboolean first = TRUE;
  const guint8 *s = arp->sender_ip.bytes, *t = arp->target_ip.bytes;

  g_string_append_c (out, '{');
  json_key (out, "requests", &first);
  netlens_json_append_uint (out, arp->requests);
  json_key (out, "replies", &first);
  netlens_json_append_uint (out, arp->replies);
  json_key (out, "sender_macs", &first);
  g_string_append_c (out, '[');
  for (guint i = 0; arp->sender_macs != NULL && i < arp->sender_macs->len; i++)
    {
      g_string_append (out, i ? ",\"" : "\"");
      append_mac (out, (const guint8 *) arp->sender_macs->data + 6 * i);
      g_string_append_c (out, '"');
    }
  g_string_append_c (out, ']');
  json_key (out, "last_op", &first);
  json_string (out, arp->last_op == 1 ? "request" : arp->last_op == 2 ? "reply" : "other");
  json_key (out, "sender_mac", &first);
  g_string_append_c (out, '"');
  append_mac (out, arp->sender_mac);
  g_string_append_c (out, '"');
  json_key (out, "sender_ip", &first);
  {
    char ip[16];

    g_string_append_c (out, '"');
    g_string_append_len (out, ip, netlens_json_format_ipv4 (ip, s));
    g_string_append_c (out, '"');
  }
  json_key (out, "target_mac", &first);
  g_string_append_c (out, '"');
  append_mac (out, arp->target_mac);
  g_string_append_c (out, '"');
  json_key (out, "target_ip", &first);
  {
    char ip[16];

    g_string_append_c (out, '"');
    g_string_append_len (out, ip, netlens_json_format_ipv4 (ip, t));
    g_string_append_c (out, '"');
  }
  g_string_append_c (out, '}');
}

void
netlens_dpi_write_json (const NetlensDpi *dpi,
                        GString          *out)
{
  gboolean first = TRUE;

  g_return_if_fail (out != NULL);

  g_string_append_c (out, '{');
  json_key (out, "http", &first);
  if (dpi != NULL && dpi->http != NULL && (dpi->http->requests > 0 || dpi->http->responses > 0))
    write_http (out, dpi->http);
  else
    netlens_json_append_lit (out, "null");

  json_key (out, "tls", &first);
  if (dpi != NULL && dpi->tls != NULL
      && (dpi->tls->client_hellos > 0 || dpi->tls->server_hellos > 0 || dpi->tls->hello_retry))
    {
      gboolean f = TRUE;

      g_string_append_c (out, '{');
      write_tls_fields (out, dpi->tls, &f);
      g_string_append_c (out, '}');
    }
  else
    netlens_json_append_lit (out, "null");

  json_key (out, "dns", &first);
  if (dpi != NULL && dpi->dns != NULL && dpi->dns->len > 0)
    write_dns (out, dpi->dns);
  else
    netlens_json_append_lit (out, "null");

  json_key (out, "ssh", &first);
  if (dpi != NULL && dpi->ssh != NULL
      && (dpi->ssh->client.version != NULL || dpi->ssh->server.version != NULL))
    write_ssh (out, dpi->ssh);
  else
    netlens_json_append_lit (out, "null");

  json_key (out, "quic", &first);
  if (dpi != NULL && dpi->quic != NULL && dpi->app == NETLENS_APP_QUIC)
    write_quic (out, dpi->quic);
  else
    netlens_json_append_lit (out, "null");

  json_key (out, "icmp", &first);
  if (dpi != NULL && dpi->icmp != NULL)
    write_icmp (out, dpi->icmp);
  else
    netlens_json_append_lit (out, "null");

  json_key (out, "arp", &first);
  if (dpi != NULL && dpi->arp != NULL)
    write_arp (out, dpi->arp);
  else
    netlens_json_append_lit (out, "null");
  g_string_append_c (out, '}');
}

/* ---- CSV ----------------------------------------------------------------------------------- */

static const char *const csv_columns[] = {
  "dpi.http.hosts",
  "dpi.http.methods",
  "dpi.http.requests",
  "dpi.http.path",
  "dpi.http.user_agent",
  "dpi.http.status",
  "dpi.tls.sni",
  "dpi.tls.alpn",
  "dpi.tls.client_hello_supported_versions",
  "dpi.tls.ech",
  "dpi.tls.version",
  "dpi.tls.cipher_suite",
  "dpi.tls.alpn_selected",
  "dpi.dns.names",
  "dpi.dns.qtypes",
  "dpi.dns.rcodes",
  "dpi.dns.answers",
  "dpi.ssh.client_version",
  "dpi.ssh.server_version",
  "dpi.ssh.client_kexinit",
  "dpi.ssh.server_kexinit",
  "dpi.ssh.client_newkeys",
  "dpi.ssh.server_newkeys",
  "dpi.ssh.client_algorithms.kex_algorithms",
  "dpi.ssh.server_algorithms.kex_algorithms",
  "dpi.quic.versions",
  "dpi.quic.sni",
  "dpi.quic.alpn",
  "dpi.quic.max_idle_timeout_ms",
  "dpi.quic.retry",
  "dpi.quic.version_negotiation",
  "dpi.quic.connection_close",
  "dpi.icmp.types",
  "dpi.icmp.echo_ids",
  "dpi.arp.requests",
  "dpi.arp.replies",
  "dpi.arp.sender_macs",
  NULL
};

const char *const *
netlens_dpi_csv_header (void)
{
  return csv_columns;
}

static char *
join_list (const GPtrArray *list)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      if (i > 0)
        g_string_append_c (s, ';');
      g_string_append (s, g_ptr_array_index ((GPtrArray *) list, i));
    }
  return g_string_free (s, FALSE);
}

static char *
join_strv (char **v)
{
  return v != NULL ? g_strjoinv (";", v) : g_strdup ("");
}

static char *
bool_cell (gboolean known, gboolean v)
{
  return g_strdup (known ? (v ? "true" : "false") : "");
}

void
netlens_dpi_write_csv (const NetlensDpi *dpi,
                       GPtrArray        *cells)
{
  const NetlensHttpInfo *http = dpi ? dpi->http : NULL;
  const NetlensTlsInfo *tls = dpi ? dpi->tls : NULL;
  const NetlensSshInfo *ssh = dpi ? dpi->ssh : NULL;
  const NetlensQuicInfo *quic = dpi && dpi->app == NETLENS_APP_QUIC ? dpi->quic : NULL;
  const NetlensTlsInfo *qtls = quic ? quic->tls : NULL;
  const GPtrArray *dns = dpi ? dpi->dns : NULL;
  GString *s;

  g_return_if_fail (cells != NULL);

  if (http != NULL && http->requests == 0 && http->responses == 0)
    http = NULL;
  if (tls != NULL && tls->client_hellos == 0 && tls->server_hellos == 0)
    tls = NULL;
  if (ssh != NULL && ssh->client.version == NULL && ssh->server.version == NULL)
    ssh = NULL;

  g_ptr_array_add (cells, http ? join_list (http->hosts) : g_strdup (""));
  g_ptr_array_add (cells, http ? join_list (http->methods) : g_strdup (""));
  g_ptr_array_add (cells, http ? g_strdup_printf ("%u", http->requests) : g_strdup (""));
  g_ptr_array_add (cells, g_strdup (http && http->path ? http->path : ""));
  g_ptr_array_add (cells, g_strdup (http && http->user_agent ? http->user_agent : ""));
  g_ptr_array_add (cells, http && http->status ? g_strdup_printf ("%u", http->status)
                                               : g_strdup (""));

  g_ptr_array_add (cells, tls ? join_list (tls->sni) : g_strdup (""));
  g_ptr_array_add (cells, tls ? join_list (tls->alpn) : g_strdup (""));
  g_ptr_array_add (cells, tls ? join_list (tls->supported_versions) : g_strdup (""));
  g_ptr_array_add (cells, bool_cell (tls != NULL, tls && tls->ech));
  g_ptr_array_add (cells, tls && tls->version ? _netlens_hex16 (tls->version) : g_strdup (""));
  g_ptr_array_add (cells, tls && tls->has_cipher_suite ? _netlens_hex16 (tls->cipher_suite)
                                                       : g_strdup (""));
  g_ptr_array_add (cells, tls ? join_list (tls->alpn_selected) : g_strdup (""));

  {
    GString *names = g_string_new (NULL), *types = g_string_new (NULL);
    GString *rcodes = g_string_new (NULL), *answers = g_string_new (NULL);

    for (guint i = 0; dns != NULL && i < dns->len; i++)
      {
        const NetlensDnsEntry *e = g_ptr_array_index ((GPtrArray *) dns, i);
        const char *t = _netlens_dns_type_name (e->qtype);
        g_autofree char *a = join_list (e->answers);

        g_string_append_printf (names, "%s%s", i ? ";" : "", e->name);
        if (t)
          g_string_append_printf (types, "%s%s", i ? ";" : "", t);
        else
          g_string_append_printf (types, "%s%u", i ? ";" : "", e->qtype);
        if (e->rcode >= 0)
          g_string_append_printf (rcodes, "%s%d", i ? ";" : "", e->rcode);
        else
          g_string_append (rcodes, i ? ";" : "");
        if (*a)
          g_string_append_printf (answers, "%s%s", answers->len ? ";" : "", a);
      }
    g_ptr_array_add (cells, g_string_free (names, FALSE));
    g_ptr_array_add (cells, g_string_free (types, FALSE));
    g_ptr_array_add (cells, g_string_free (rcodes, FALSE));
    g_ptr_array_add (cells, g_string_free (answers, FALSE));
  }

  g_ptr_array_add (cells, g_strdup (ssh && ssh->client.version ? ssh->client.version : ""));
  g_ptr_array_add (cells, g_strdup (ssh && ssh->server.version ? ssh->server.version : ""));
  g_ptr_array_add (cells, bool_cell (ssh != NULL, ssh && ssh->client.kexinit));
  g_ptr_array_add (cells, bool_cell (ssh != NULL, ssh && ssh->server.kexinit));
  g_ptr_array_add (cells, bool_cell (ssh != NULL, ssh && ssh->client.newkeys));
  g_ptr_array_add (cells, bool_cell (ssh != NULL, ssh && ssh->server.newkeys));
  g_ptr_array_add (cells, ssh ? join_strv (ssh->client.lists[NETLENS_SSH_KEX]) : g_strdup (""));
  g_ptr_array_add (cells, ssh ? join_strv (ssh->server.lists[NETLENS_SSH_KEX]) : g_strdup (""));

  s = g_string_new (NULL);
  for (guint i = 0; quic && quic->versions && i < quic->versions->len; i++)
    g_string_append_printf (s, "%s0x%08x", i ? ";" : "",
                            g_array_index (quic->versions, guint32, i));
  g_ptr_array_add (cells, g_string_free (s, FALSE));
  g_ptr_array_add (cells, qtls ? join_list (qtls->sni) : g_strdup (""));
  g_ptr_array_add (cells, qtls ? join_list (qtls->alpn) : g_strdup (""));
  g_ptr_array_add (cells, qtls && qtls->quic_max_idle_timeout_ms >= 0
                          ? g_strdup_printf ("%" G_GINT64_FORMAT, qtls->quic_max_idle_timeout_ms)
                          : g_strdup (""));
  g_ptr_array_add (cells, bool_cell (quic != NULL, quic && quic->retry_packets > 0));
  g_ptr_array_add (cells, bool_cell (quic != NULL, quic && quic->version_negotiation));
  g_ptr_array_add (cells, bool_cell (quic != NULL,
                                     quic && quic->closes != NULL && quic->closes->len > 0));

  s = g_string_new (NULL);
  for (guint i = 0; dpi && dpi->icmp && i < dpi->icmp->n_types; i++)
    if (dpi->icmp->types[i].count)
      g_string_append_printf (s, "%s%u:%u", s->len ? ";" : "", dpi->icmp->types[i].type,
                              dpi->icmp->types[i].count);
  g_ptr_array_add (cells, g_string_free (s, FALSE));
  s = g_string_new (NULL);
  for (guint i = 0; dpi && dpi->icmp && dpi->icmp->echo_ids && i < dpi->icmp->echo_ids->len; i++)
    g_string_append_printf (s, "%s%u", i ? ";" : "",
                            g_array_index (dpi->icmp->echo_ids, guint16, i));
  g_ptr_array_add (cells, g_string_free (s, FALSE));

  g_ptr_array_add (cells, dpi && dpi->arp ? g_strdup_printf ("%u", dpi->arp->requests)
                                          : g_strdup (""));
  g_ptr_array_add (cells, dpi && dpi->arp ? g_strdup_printf ("%u", dpi->arp->replies)
                                          : g_strdup (""));
  s = g_string_new (NULL);
  for (guint i = 0; dpi && dpi->arp && dpi->arp->sender_macs && i < dpi->arp->sender_macs->len; i++)
    {
      if (i > 0)
        g_string_append_c (s, ';');
      append_mac (s, (const guint8 *) dpi->arp->sender_macs->data + 6 * i);
    }
  g_ptr_array_add (cells, g_string_free (s, FALSE));
}
