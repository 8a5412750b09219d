/* netlens-conn-table.c: one worker's shard of the connection table
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-table"

#include "config.h"

#include <string.h>

#include <glib.h>

#include "netlens-conn-table.h"
#include "netlens-dpi.h"
#include "netlens-services.h"

#define USEC 1000000
/* Timer wheel of one-second slots: longer than the longest timeout (1800 s). */
#define WHEEL_SLOTS 4096
#define WHEEL_MASK (WHEEL_SLOTS - 1)
/* Closed TCP rows are remembered this long, so that a late FIN, RST or ACK does
 * not bring them back as a new row. */
#define TOMBSTONE_US (120 * (gint64) USEC)
#define TOMBSTONE_MAX 16384

/* extra_flags */
enum
{
  EXTRA_LOCAL_FIN_FIRST = 1 << 0,
  EXTRA_DEAD            = 1 << 1,  /* ended; freed at the next snapshot */
  EXTRA_IN_WHEEL        = 1 << 2,
};

typedef struct
{
  gint64  until;
  guint16 generation;
} Tombstone;

struct _NetlensConnTable
{
  NetlensConnTableConfig config;
  NetlensTimeouts        timeouts;
  NetlensConnection    **buckets;
  guint                  n_buckets;   /* a power of two */
  guint                  size;
  NetlensConnection     *wheel[WHEEL_SLOTS];       /* newest first */
  NetlensConnection     *wheel_tail[WHEEL_SLOTS];  /* oldest of each slot */
  gint64                 wheel_second; /* last second processed, -1 before the first packet */
  NetlensConnection     *dirty;
  NetlensConnection     *zombies;      /* ended while on the dirty list */
  GArray                *removed;      /* guint32 ids of rows the UI knew */
  guint32                next_index;
  guint64                evicted;
  GHashTable            *tombstones;   /* NetlensFlowKey -> Tombstone (canonical key) */
  gint64                 tombstones_next_expiry;  /* no tombstone expires before this */
};

void
netlens_timeouts_init_defaults (NetlensTimeouts *t)
{
  t->tcp_established_ssh = 1800;
  t->tcp_established_http = 600;
  t->tcp_established = 300;
  t->tcp_transient = 60;
  t->tcp_closing = 30;
  t->tcp_closed = 15;
  t->quic_handshake = 60;
  t->quic_connected = 180;
  t->quic_closed = 15;
  t->dns = 30;
  t->udp = 60;
  t->udp_idle = 30;
  t->udp_stale = 45;
  t->icmp = 10;
  t->arp = 30;
  t->other = 60;
}

static gboolean
app_is_dns (guint8 app)
{
  return app == NETLENS_APP_DNS || app == NETLENS_APP_MDNS || app == NETLENS_APP_LLMNR;
}

guint
netlens_timeouts_for (const NetlensTimeouts   *t,
                      const NetlensConnection *conn)
{
  switch (conn->key.proto)
    {
    case NETLENS_PROTO_TCP:
      switch (conn->state)
        {
        case NETLENS_STATE_ESTABLISHED:
          if (conn->app == NETLENS_APP_SSH)
            return t->tcp_established_ssh;
          if (conn->app == NETLENS_APP_HTTP || conn->app == NETLENS_APP_TLS)
            return t->tcp_established_http;
          return t->tcp_established;
        case NETLENS_STATE_CLOSING:
        case NETLENS_STATE_TIME_WAIT:
          return t->tcp_closing;
        case NETLENS_STATE_CLOSED:
          return t->tcp_closed;
        default:
          return t->tcp_transient;
        }
    case NETLENS_PROTO_UDP:
      if (conn->app == NETLENS_APP_QUIC)
        {
          switch (conn->state)
            {
            case NETLENS_STATE_QUIC_CONNECTED:
              return conn->timeout_s != 0 ? conn->timeout_s : t->quic_connected;
            case NETLENS_STATE_QUIC_DRAINING:
            case NETLENS_STATE_QUIC_CLOSED:
              return t->quic_closed;
            default:
              return t->quic_handshake;
            }
        }
      if (app_is_dns (conn->app))
        return t->dns;
      return t->udp;
    case NETLENS_PROTO_ICMP:
    case NETLENS_PROTO_ICMPV6:
      return t->icmp;
    case NETLENS_PROTO_ARP:
      return t->arp;
    default:
      return t->other;
    }
}

static gboolean
state_ages_from_close (const NetlensConnection *conn)
{
  /* Closed rows age from the moment they closed: retransmitted FIN/RST do not keep
   * them alive, nor does a QUIC peer that keeps talking after CONNECTION_CLOSE. */
  switch (conn->state)
    {
    case NETLENS_STATE_CLOSED:
    case NETLENS_STATE_TIME_WAIT:
    case NETLENS_STATE_QUIC_DRAINING:
    case NETLENS_STATE_QUIC_CLOSED:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_plain_udp (const NetlensConnection *conn)
{
  return conn->key.proto == NETLENS_PROTO_UDP && conn->app != NETLENS_APP_QUIC &&
         !app_is_dns (conn->app);
}

/* When the row is removed (the UDP idle/stale steps are separate events). */
static gint64
removal_time (const NetlensTimeouts   *t,
              const NetlensConnection *conn)
{
  gint64 base = state_ages_from_close (conn) ? conn->state_since : conn->last_seen;

  return base + (gint64) netlens_timeouts_for (t, conn) * USEC;
}

/* The next moment something happens to the row without a packet. */
static gint64
next_event (const NetlensTimeouts   *t,
            const NetlensConnection *conn)
{
  if (is_plain_udp (conn))
    {
      if (conn->state == NETLENS_STATE_UDP_ACTIVE && t->udp_idle < t->udp)
        return conn->last_seen + (gint64) t->udp_idle * USEC;
      if (conn->state != NETLENS_STATE_UDP_STALE && t->udp_stale < t->udp)
        return conn->last_seen + (gint64) t->udp_stale * USEC;
    }
  return removal_time (t, conn);
}

gint64
netlens_connection_timeout_left_us (const NetlensTimeouts   *t,
                                    const NetlensConnection *conn,
                                    gint64                   now_us)
{
  gint64 left = removal_time (t, conn) - now_us;

  return MAX (left, 0);
}

/* ---- keys ---------------------------------------------------------------- */

void
netlens_flow_key_from_packet (const NetlensPacket *pkt,
                              NetlensFlowKey      *key)
{
  memset (key, 0, sizeof *key);
  key->proto = pkt->proto;
  key->family = pkt->family;
  if (pkt->proto == NETLENS_PROTO_IP_OTHER || pkt->proto == NETLENS_PROTO_L2)
    key->ip_proto = pkt->ip_proto;
  if (netlens_proto_has_ports (pkt->proto))
    {
      key->lport = pkt->sport;
      key->rport = pkt->dport;
    }
  key->laddr = pkt->src;
  key->raddr = pkt->dst;
}

void
netlens_flow_key_reverse (const NetlensFlowKey *key,
                          NetlensFlowKey       *out)
{
  NetlensFlowKey tmp = *key;

  tmp.lport = key->rport;
  tmp.rport = key->lport;
  tmp.laddr = key->raddr;
  tmp.raddr = key->laddr;
  *out = tmp;
}

static inline guint64
mix64 (guint64 h)
{
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
  h ^= h >> 33;
  return h;
}

static inline guint64
endpoint_hash (const NetlensAddr *addr,
               guint16            port)
{
  guint64 a, b;

  memcpy (&a, addr->bytes, 8);
  memcpy (&b, addr->bytes + 8, 8);
  return mix64 (a ^ mix64 (b ^ ((guint64) port << 17)));
}

guint32
netlens_flow_key_hash_symmetric (const NetlensFlowKey *key)
{
  /* Sum of the endpoint hashes: the same in both directions. */
  guint64 h = endpoint_hash (&key->laddr, key->lport) + endpoint_hash (&key->raddr, key->rport);

  h ^= ((guint64) key->proto << 8) | ((guint64) key->family << 16) | ((guint64) key->ip_proto << 24);
  h = mix64 (h);
  return (guint32) (h ^ (h >> 32));
}

static guint
canonical_key_hash (gconstpointer p)
{
  return netlens_flow_key_hash_symmetric (p);
}

static gboolean
key_equal (gconstpointer a,
           gconstpointer b)
{
  return memcmp (a, b, sizeof (NetlensFlowKey)) == 0;
}

/* The orientation-free form of a key, for the tombstones. */
static void
canonical_key (const NetlensFlowKey *key,
               NetlensFlowKey       *out)
{
  int c = memcmp (&key->laddr, &key->raddr, sizeof key->laddr);

  if (c > 0 || (c == 0 && key->lport > key->rport))
    netlens_flow_key_reverse (key, out);
  else
    *out = *key;
}

/* ---- table ----------------------------------------------------------------- */

NetlensConnTable *
netlens_conn_table_new (const NetlensConnTableConfig *config)
{
  NetlensConnTable *table = g_new0 (NetlensConnTable, 1);

  table->config = *config;
  if (config->timeouts != NULL)
    table->timeouts = *config->timeouts;
  else
    netlens_timeouts_init_defaults (&table->timeouts);
  table->config.timeouts = &table->timeouts;
  if (table->config.id_stride == 0)
    table->config.id_stride = 1;
  table->n_buckets = 1024;
  table->buckets = g_new0 (NetlensConnection *, table->n_buckets);
  table->wheel_second = -1;
  table->removed = g_array_new (FALSE, FALSE, sizeof (guint32));
  table->tombstones = g_hash_table_new_full (canonical_key_hash, key_equal, g_free, g_free);
  return table;
}

static void
free_row (NetlensConnection *conn)
{
  netlens_connection_free (conn);
}

void
netlens_conn_table_free (NetlensConnTable *table)
{
  if (table == NULL)
    return;
  for (guint i = 0; i < table->n_buckets; i++)
    {
      NetlensConnection *c = table->buckets[i];

      while (c != NULL)
        {
          NetlensConnection *next = c->next;

          if ((c->flags & NETLENS_CONN_DIRTY) == 0)
            free_row (c);
          c = next;
        }
    }
  /* rows still on the dirty list (live or dead) are freed once, here */
  for (NetlensConnection *c = table->dirty; c != NULL;)
    {
      NetlensConnection *next = c->dirty_next;

      free_row (c);
      c = next;
    }
  g_free (table->buckets);
  g_array_unref (table->removed);
  g_hash_table_unref (table->tombstones);
  g_free (table);
}

guint
netlens_conn_table_size (NetlensConnTable *table)
{
  return table->size;
}

guint64
netlens_conn_table_evicted (NetlensConnTable *table)
{
  return table->evicted;
}

static void
grow (NetlensConnTable *table)
{
  guint n = table->n_buckets * 2;
  NetlensConnection **b = g_new0 (NetlensConnection *, n);

  for (guint i = 0; i < table->n_buckets; i++)
    {
      NetlensConnection *c = table->buckets[i];

      while (c != NULL)
        {
          NetlensConnection *next = c->next;
          guint k = c->hash & (n - 1);

          c->next = b[k];
          b[k] = c;
          c = next;
        }
    }
  g_free (table->buckets);
  table->buckets = b;
  table->n_buckets = n;
}

static NetlensConnection *
find (NetlensConnTable     *table,
      const NetlensFlowKey *key,
      guint32               hash)
{
  for (NetlensConnection *c = table->buckets[hash & (table->n_buckets - 1)]; c != NULL; c = c->next)
    if (c->hash == hash && memcmp (&c->key, key, sizeof *key) == 0)
      return c;
  return NULL;
}

void
netlens_conn_table_prefetch_bucket (NetlensConnTable *table,
                                    guint32           hash)
{
  __builtin_prefetch (&table->buckets[hash & (table->n_buckets - 1)]);
}

void
netlens_conn_table_prefetch_rows (NetlensConnTable *table,
                                  guint32           hash)
{
  const char *c = (const char *) table->buckets[hash & (table->n_buckets - 1)];

  /* the head of the chain only: following it would wait for the row */
  if (c != NULL)
    for (gsize off = 0; off < sizeof (NetlensConnection); off += 64)
      __builtin_prefetch (c + off);
}

NetlensConnection *
netlens_conn_table_lookup (NetlensConnTable     *table,
                           const NetlensFlowKey *key)
{
  return find (table, key, netlens_flow_key_hash_symmetric (key));
}

static void
hash_unlink (NetlensConnTable  *table,
             NetlensConnection *conn)
{
  NetlensConnection **p = &table->buckets[conn->hash & (table->n_buckets - 1)];

  while (*p != NULL && *p != conn)
    p = &(*p)->next;
  if (*p == conn)
    *p = conn->next;
  conn->next = NULL;
}

static void
wheel_unlink (NetlensConnTable  *table,
              NetlensConnection *conn)
{
  if ((conn->extra_flags & EXTRA_IN_WHEEL) == 0)
    return;
  if (conn->wheel_prev != NULL)
    conn->wheel_prev->wheel_next = conn->wheel_next;
  else
    table->wheel[conn->wheel_slot] = conn->wheel_next;
  if (conn->wheel_next != NULL)
    conn->wheel_next->wheel_prev = conn->wheel_prev;
  else
    table->wheel_tail[conn->wheel_slot] = conn->wheel_prev;
  conn->wheel_prev = conn->wheel_next = NULL;
  conn->extra_flags &= ~EXTRA_IN_WHEEL;
}

static void
wheel_insert (NetlensConnTable  *table,
              NetlensConnection *conn)
{
  gint64 second = next_event (&table->timeouts, conn) / USEC;
  guint slot;

  if (second <= table->wheel_second)
    second = table->wheel_second + 1;
  if (second - table->wheel_second >= WHEEL_SLOTS)
    second = table->wheel_second + WHEEL_SLOTS - 1;
  slot = (guint) (second & WHEEL_MASK);
  conn->wheel_prev = NULL;
  conn->wheel_next = table->wheel[slot];
  if (conn->wheel_next != NULL)
    conn->wheel_next->wheel_prev = conn;
  else
    table->wheel_tail[slot] = conn;
  table->wheel[slot] = conn;
  conn->wheel_slot = (guint16) slot;
  conn->extra_flags |= EXTRA_IN_WHEEL;
}

/* Rows move in the wheel only when their state changes; a packet that only pushes
 * the deadline later leaves them where they are, and run_slot() re-files them. */
static void
rewheel (NetlensConnTable  *table,
         NetlensConnection *conn)
{
  wheel_unlink (table, conn);
  wheel_insert (table, conn);
}

static void
mark_dirty (NetlensConnTable  *table,
            NetlensConnection *conn)
{
  if (!table->config.track_changes || (conn->flags & NETLENS_CONN_DIRTY) != 0)
    return;
  conn->flags |= NETLENS_CONN_DIRTY;
  conn->dirty_next = table->dirty;
  table->dirty = conn;
}

static void
set_state (NetlensConnection *conn,
           guint8             state,
           gint64             ts)
{
  if (conn->state != state)
    {
      conn->state = state;
      conn->state_since = ts;
    }
}

static void
end_row (NetlensConnTable  *table,
         NetlensConnection *conn,
         NetlensEndReason   reason,
         gint64             when)
{
  conn->ended = MAX (when, conn->last_seen);
  conn->end_reason = reason;

  if (table->config.ended != NULL)
    table->config.ended (conn, table->config.ended_data);

  /* No packet follows the end of a capture: a tombstone would never be read. */
  if (reason != NETLENS_END_END_OF_CAPTURE &&
      conn->key.proto == NETLENS_PROTO_TCP &&
      (conn->state == NETLENS_STATE_CLOSED || conn->state == NETLENS_STATE_TIME_WAIT ||
       reason == NETLENS_END_CLOSED))
    {
      Tombstone *t;
      NetlensFlowKey ck;

      canonical_key (&conn->key, &ck);
      /* Scan a full table only when something in it can have expired: the scan
       * remembers the earliest expiry it left behind. */
      if (g_hash_table_size (table->tombstones) >= TOMBSTONE_MAX &&
          when > table->tombstones_next_expiry)
        {
          GHashTableIter iter;
          gpointer v;
          gint64 next = G_MAXINT64;

          g_hash_table_iter_init (&iter, table->tombstones);
          while (g_hash_table_iter_next (&iter, NULL, &v))
            if (((Tombstone *) v)->until < when)
              g_hash_table_iter_remove (&iter);
            else
              next = MIN (next, ((Tombstone *) v)->until);
          table->tombstones_next_expiry = next;
        }
      if (g_hash_table_size (table->tombstones) < TOMBSTONE_MAX)
        {
          t = g_new (Tombstone, 1);
          t->until = when + TOMBSTONE_US;
          t->generation = conn->generation;
          g_hash_table_replace (table->tombstones, g_memdup2 (&ck, sizeof ck), t);
          table->tombstones_next_expiry = MIN (table->tombstones_next_expiry, t->until);
        }
    }

  if ((conn->flags & NETLENS_CONN_IN_UI) != 0)
    g_array_append_val (table->removed, conn->id);

  hash_unlink (table, conn);
  wheel_unlink (table, conn);
  table->size--;
  if ((conn->flags & NETLENS_CONN_DIRTY) != 0)
    conn->extra_flags |= EXTRA_DEAD;  /* still on the dirty list: freed when collected */
  else
    free_row (conn);
}

static gboolean
tcp_is_closing (const NetlensConnection *conn)
{
  return (conn->flags & (NETLENS_CONN_LOCAL_FIN | NETLENS_CONN_REMOTE_FIN)) != 0 ||
         conn->state == NETLENS_STATE_CLOSED || conn->state == NETLENS_STATE_TIME_WAIT;
}

/* How many rows of the earliest slot are weighed against each other for eviction. */
#define EVICT_CANDIDATES 64

/* Eviction rank, lowest first: a TCP row still in its opening handshake seen one way only
 * (what a SYN flood makes), then any other one-way row (a DNS query or an ICMP echo waiting
 * for its answer, which a flood must not split), then rows with traffic both ways. */
static guint
evict_rank (const NetlensConnection *c)
{
  if (c->tx_packets != 0 && c->rx_packets != 0)
    return 2;
  if (c->key.proto == NETLENS_PROTO_TCP &&
      (c->state == NETLENS_STATE_SYN_SENT || c->state == NETLENS_STATE_SYN_RECV))
    return 0;
  return 1;
}

static gboolean
evict_before (const NetlensConnection *a,
              guint                    a_rank,
              const NetlensConnection *b,
              guint                    b_rank)
{
  if (a_rank != b_rank)
    return a_rank < b_rank;
  /* rows with traffic both ways: the one nearest its deadline, the first one met */
  return a_rank < 2 && a->last_seen < b->last_seen;
}

static void
evict_one (NetlensConnTable *table,
           gint64            now)
{
  /* The row of the lowest evict_rank goes; among equals the one quiet the longest.  The
   * search walks the wheel from the nearest deadline, looking at each slot's oldest rows
   * (its tail), and stops at the first slot that offers a half-open TCP row, or once it
   * has weighed 8 slots' worth of rows: then the best row seen goes. */
  NetlensConnection *victim = NULL;
  guint victim_rank = 3;
  guint looked = 0;

  for (guint i = 1; i <= WHEEL_SLOTS && looked < 8 * EVICT_CANDIDATES; i++)
    {
      guint slot = (guint) ((table->wheel_second + i) & WHEEL_MASK);
      guint n = 0;

      for (NetlensConnection *c = table->wheel_tail[slot]; c != NULL && n < EVICT_CANDIDATES;
           c = c->wheel_prev, n++)
        {
          guint rank = evict_rank (c);

          if (victim == NULL || evict_before (c, rank, victim, victim_rank))
            {
              victim = c;
              victim_rank = rank;
            }
        }
      looked += n;
      if (victim_rank == 0)
        break;
    }
  if (victim == NULL)
    return;
  table->evicted++;
  end_row (table, victim, NETLENS_END_EVICTED, now);
}

static NetlensConnection *
create_row (NetlensConnTable     *table,
            const NetlensFlowKey *key,
            guint32               hash,
            gint64                ts,
            guint16               generation)
{
  NetlensConnection *conn;

  if (table->config.max_connections != 0 && table->size >= table->config.max_connections)
    evict_one (table, ts);

  conn = g_new0 (NetlensConnection, 1);
  conn->key = *key;
  conn->hash = hash;
  conn->id = table->config.id_base + table->next_index++ * table->config.id_stride;
  conn->generation = generation;
  conn->first_seen = conn->last_seen = conn->state_since = ts;

  if (table->config.names != NULL && key->family != NETLENS_FAMILY_MAC)
    conn->dns_name = netlens_name_cache_lookup (table->config.names, key->family, &key->raddr, ts);
  if (table->config.owner_lookup != NULL && netlens_proto_has_ports (key->proto))
    {
      conn->process = table->config.owner_lookup (key->proto, key->family, &key->laddr, key->lport,
                                                   table->config.lookup_data);
      conn->peer_process = table->config.owner_lookup (key->proto, key->family, &key->raddr,
                                                       key->rport, table->config.lookup_data);
    }

  if (table->size + 1 > table->n_buckets)
    grow (table);
  conn->next = table->buckets[hash & (table->n_buckets - 1)];
  table->buckets[hash & (table->n_buckets - 1)] = conn;
  table->size++;
  return conn;
}

/* TCP as seen from the local side, from the flags of both directions (RFC 9293 3.3.2). */
static void
tcp_update (NetlensConnection   *conn,
            const NetlensPacket *pkt,
            gboolean             from_local,
            gboolean             created)
{
  guint8 f = pkt->tcp_flags;
  gint64 ts = pkt->ts_us;

  if (f & NETLENS_TCP_RST)
    {
      set_state (conn, NETLENS_STATE_CLOSED, ts);
      return;
    }
  if (conn->state == NETLENS_STATE_CLOSED)
    return;

  if ((f & NETLENS_TCP_SYN) && !(f & NETLENS_TCP_ACK))
    {
      conn->flags |= NETLENS_CONN_SEEN_SYN;
      if (created)
        set_state (conn, from_local ? NETLENS_STATE_SYN_SENT : NETLENS_STATE_SYN_RECV, ts);
      else if (conn->state == NETLENS_STATE_SYN_SENT && !from_local)
        set_state (conn, NETLENS_STATE_SYN_RECV, ts);  /* simultaneous open */
      return;
    }
  if ((f & NETLENS_TCP_SYN) && (f & NETLENS_TCP_ACK))
    {
      conn->flags |= NETLENS_CONN_SEEN_SYN;
      if (created || conn->state == NETLENS_STATE_SYN_SENT || conn->state == NETLENS_STATE_NONE)
        set_state (conn, NETLENS_STATE_SYN_RECV, ts);
      return;
    }

  if (created)
    set_state (conn, NETLENS_STATE_ESTABLISHED, ts);  /* picked up mid-stream */
  else if ((conn->state == NETLENS_STATE_SYN_SENT || conn->state == NETLENS_STATE_SYN_RECV) &&
           (f & NETLENS_TCP_ACK))
    set_state (conn, NETLENS_STATE_ESTABLISHED, ts);

  if (f & NETLENS_TCP_FIN)
    {
      /* the FIN occupies the sequence number after the segment's data */
      guint32 fin_seq = pkt->tcp_seq + pkt->payload_wire_len;

      if (from_local && !(conn->flags & NETLENS_CONN_LOCAL_FIN))
        {
          conn->flags |= NETLENS_CONN_LOCAL_FIN;
          conn->local_fin_seq = fin_seq;
          if (!(conn->flags & NETLENS_CONN_REMOTE_FIN))
            conn->extra_flags |= EXTRA_LOCAL_FIN_FIRST;
        }
      else if (!from_local && !(conn->flags & NETLENS_CONN_REMOTE_FIN))
        {
          conn->flags |= NETLENS_CONN_REMOTE_FIN;
          conn->remote_fin_seq = fin_seq;
        }
    }
  if (f & NETLENS_TCP_ACK)
    {
      if (from_local && (conn->flags & NETLENS_CONN_REMOTE_FIN) &&
          (gint32) (pkt->tcp_ack - (conn->remote_fin_seq + 1)) >= 0)
        conn->flags |= NETLENS_CONN_REMOTE_FIN_ACK;
      else if (!from_local && (conn->flags & NETLENS_CONN_LOCAL_FIN) &&
               (gint32) (pkt->tcp_ack - (conn->local_fin_seq + 1)) >= 0)
        conn->flags |= NETLENS_CONN_LOCAL_FIN_ACK;
    }

  if (conn->flags & (NETLENS_CONN_LOCAL_FIN | NETLENS_CONN_REMOTE_FIN))
    {
      gboolean lf = (conn->flags & NETLENS_CONN_LOCAL_FIN) != 0;
      gboolean rf = (conn->flags & NETLENS_CONN_REMOTE_FIN) != 0;
      gboolean lfa = (conn->flags & NETLENS_CONN_LOCAL_FIN_ACK) != 0;
      gboolean local_first = (conn->extra_flags & EXTRA_LOCAL_FIN_FIRST) != 0;
      guint8 s;

      if (lf && rf)
        {
          if (local_first)
            s = lfa ? NETLENS_STATE_TIME_WAIT : NETLENS_STATE_CLOSING;
          else
            s = lfa ? NETLENS_STATE_CLOSED : NETLENS_STATE_LAST_ACK;
        }
      else if (lf)
        s = lfa ? NETLENS_STATE_FIN_WAIT2 : NETLENS_STATE_FIN_WAIT1;
      else
        s = NETLENS_STATE_CLOSE_WAIT;
      set_state (conn, s, ts);
    }
}

static gboolean
orient_reply_first (const NetlensPacket *pkt)
{
  /* The first packet seen is an answer: its receiver initiated. */
  switch (pkt->proto)
    {
    case NETLENS_PROTO_TCP:
      return (pkt->tcp_flags & (NETLENS_TCP_SYN | NETLENS_TCP_ACK)) == (NETLENS_TCP_SYN | NETLENS_TCP_ACK);
    case NETLENS_PROTO_ICMP:
      return pkt->icmp_type == 0;
    case NETLENS_PROTO_ICMPV6:
      return pkt->icmp_type == 129;
    case NETLENS_PROTO_ARP:
      return pkt->arp_op == 2 && memcmp (pkt->src.bytes, pkt->dst.bytes, 4) != 0;
    default:
      return FALSE;
    }
}

/* How much a port looks like a server's: below 1024, then a known service, then neither. */
static int
server_port_rank (guint16  port,
                  gboolean udp)
{
  if (port != 0 && port < 1024)
    return 2;
  if (port != 0 && netlens_service_lookup (port, udp) != NULL)
    return 1;
  return 0;
}

/* A row that starts without a SYN (TCP picked up mid-stream, any UDP flow) and that
 * the local addresses do not orient: the side with the server's port is remote.
 * Returns 1 when the packet's sender is the server, 0 when its receiver is, -1 when
 * the ports do not tell (equal, or neither a server's). */
static int
sender_is_server_by_port (const NetlensPacket *pkt)
{
  gboolean udp = pkt->proto == NETLENS_PROTO_UDP;
  int rs, rd;

  if (pkt->proto != NETLENS_PROTO_TCP && !udp)
    return -1;
  if (pkt->proto == NETLENS_PROTO_TCP && (pkt->tcp_flags & NETLENS_TCP_SYN) != 0)
    return -1;   /* a SYN or SYN-ACK says who initiated */
  if (pkt->sport == pkt->dport)
    return -1;
  rs = server_port_rank (pkt->sport, udp);
  rd = server_port_rank (pkt->dport, udp);
  if (rs != rd)
    return rs > rd;
  if (rs > 0)
    return pkt->sport < pkt->dport;
  return -1;
}

NetlensConnection *
netlens_conn_table_process (NetlensConnTable    *table,
                            const NetlensPacket *pkt)
{
  NetlensFlowKey key, rev;
  NetlensConnection *conn;
  guint32 hash;
  gboolean from_local = TRUE, created = FALSE;
  gint64 ts = pkt->ts_us;

  if (pkt->proto == NETLENS_PROTO_NONE)
    return NULL;

  if (table->wheel_second < 0)
    table->wheel_second = ts / USEC - 1;

  netlens_flow_key_from_packet (pkt, &key);
  hash = netlens_flow_key_hash_symmetric (&key);
  conn = find (table, &key, hash);
  if (conn == NULL)
    {
      netlens_flow_key_reverse (&key, &rev);
      conn = find (table, &rev, hash);
      from_local = conn == NULL;
    }

  if (conn != NULL && conn->key.proto == NETLENS_PROTO_TCP &&
      (pkt->tcp_flags & (NETLENS_TCP_SYN | NETLENS_TCP_ACK)) == NETLENS_TCP_SYN &&
      tcp_is_closing (conn) &&
      (!from_local || (gint32) (pkt->tcp_seq - conn->local_fin_seq) > 0 ||
       !(conn->flags & NETLENS_CONN_LOCAL_FIN)))
    {
      /* A new SYN on a closing row: a new connection on the same endpoints. */
      guint16 generation = conn->generation + 1;

      end_row (table, conn, NETLENS_END_CLOSED, ts);
      conn = create_row (table, &key, hash, ts, generation);
      from_local = TRUE;
      created = TRUE;
    }
  else if (conn == NULL)
    {
      NetlensFlowKey ck;
      Tombstone *t;
      guint16 generation = 1;
      gboolean reverse = orient_reply_first (pkt);

      canonical_key (&key, &ck);
      t = g_hash_table_size (table->tombstones) > 0 ? g_hash_table_lookup (table->tombstones, &ck) : NULL;
      if (t != NULL && t->until < ts)
        {
          g_hash_table_remove (table->tombstones, &ck);
          t = NULL;
        }
      if (t != NULL)
        {
          /* a late FIN, RST or ACK of a closed row does not bring it back */
          if ((pkt->tcp_flags & (NETLENS_TCP_SYN | NETLENS_TCP_ACK)) != NETLENS_TCP_SYN)
            return NULL;
          generation = t->generation + 1;
          g_hash_table_remove (table->tombstones, &ck);
        }

      {
        gboolean oriented = FALSE;

        if (table->config.is_local != NULL)
          {
            gboolean src_local = table->config.is_local (pkt->family, &pkt->src, table->config.lookup_data);
            gboolean dst_local = table->config.is_local (pkt->family, &pkt->dst, table->config.lookup_data);

            if (src_local != dst_local)
              {
                reverse = dst_local;
                oriented = TRUE;
              }
          }
        if (!oriented)
          {
            int by_port = sender_is_server_by_port (pkt);

            if (by_port >= 0)
              reverse = by_port;
          }
      }

      if (reverse)
        {
          netlens_flow_key_reverse (&key, &rev);
          conn = create_row (table, &rev, hash, ts, generation);
          from_local = FALSE;
        }
      else
        {
          conn = create_row (table, &key, hash, ts, generation);
          from_local = TRUE;
        }
      created = TRUE;
    }

  if (from_local)
    {
      conn->tx_packets++;
      conn->tx_bytes += pkt->wirelen;
    }
  else
    {
      conn->rx_packets++;
      conn->rx_bytes += pkt->wirelen;
    }
  if (ts > conn->last_seen)
    conn->last_seen = ts;
  /* A DNS answer for this address may be handled by another worker at the same moment:
   * look again during the first packets, so the name does not depend on thread timing. */
  if (conn->dns_name == NULL && table->config.names != NULL && !created &&
      conn->tx_packets + conn->rx_packets <= 8 && conn->key.family != NETLENS_FAMILY_MAC)
    conn->dns_name = netlens_name_cache_lookup (table->config.names, conn->key.family,
                                                &conn->key.raddr, ts);

  {
    guint8 old_state = conn->state;
    guint8 old_app = conn->app;

    switch (conn->key.proto)
      {
      case NETLENS_PROTO_TCP:
        tcp_update (conn, pkt, from_local, created);
        break;
      case NETLENS_PROTO_UDP:
        if (conn->app != NETLENS_APP_QUIC)
          set_state (conn, NETLENS_STATE_UDP_ACTIVE, ts);
        break;
      case NETLENS_PROTO_ICMP:
      case NETLENS_PROTO_ICMPV6:
        {
          gboolean v4 = conn->key.proto == NETLENS_PROTO_ICMP;
          guint8 t = pkt->icmp_type;

          if (t == (v4 ? 8 : 128))
            set_state (conn, NETLENS_STATE_ECHO_REQUEST, ts);
          else if (t == (v4 ? 0 : 129))
            set_state (conn, NETLENS_STATE_ECHO_REPLY, ts);
          else if (v4 ? (t == 3 || t == 4 || t == 5 || t == 11 || t == 12) : (t >= 1 && t <= 4))
            set_state (conn, NETLENS_STATE_ICMP_ERROR, ts);
          else
            set_state (conn, NETLENS_STATE_ICMP_OTHER, ts);
        }
        break;
      case NETLENS_PROTO_ARP:
        set_state (conn, pkt->arp_op == 2 ? NETLENS_STATE_ARP_REPLY : NETLENS_STATE_ARP_REQUEST, ts);
        break;
      default:
        set_state (conn, NETLENS_STATE_ACTIVE, ts);
        break;
      }

    if (table->config.dpi)
      {
        if (created && conn->key.proto == NETLENS_PROTO_UDP && table->config.quic_join != NULL &&
            pkt->payload_len > 0 && (pkt->payload[0] & 0x80) != 0)
          table->config.quic_join (conn, pkt, from_local, table->config.lookup_data);
        if ((conn->key.proto == NETLENS_PROTO_TCP || conn->key.proto == NETLENS_PROTO_UDP)
            && (conn->dpi_flags & NETLENS_CONN_DPI_DONE) == 0)
          netlens_dpi_inspect (conn, pkt, from_local, table->config.names);
        if (conn->app == NETLENS_APP_QUIC && table->config.quic_register != NULL &&
            pkt->payload_len > 0 && (pkt->payload[0] & 0x80) != 0)
          table->config.quic_register (conn, pkt, from_local, table->config.lookup_data);
        else if (conn->key.proto != NETLENS_PROTO_IP_OTHER && conn->key.proto != NETLENS_PROTO_L2)
          netlens_dpi_note_control (conn, pkt, from_local);
      }

    if (created)
      wheel_insert (table, conn);
    else if (conn->state != old_state || conn->app != old_app)
      rewheel (table, conn);
  }

  mark_dirty (table, conn);
  return conn;
}

static void
run_slot (NetlensConnTable *table,
          guint             slot,
          gint64            now)
{
  NetlensConnection *list = table->wheel[slot];

  table->wheel[slot] = NULL;
  table->wheel_tail[slot] = NULL;
  while (list != NULL)
    {
      NetlensConnection *conn = list;
      gint64 ev;

      list = conn->wheel_next;
      if (list != NULL)
        list->wheel_prev = NULL;
      conn->wheel_prev = conn->wheel_next = NULL;
      conn->extra_flags &= ~EXTRA_IN_WHEEL;

      ev = next_event (&table->timeouts, conn);
      while (ev <= now)
        {
          if (is_plain_udp (conn) && conn->state == NETLENS_STATE_UDP_ACTIVE &&
              ev < removal_time (&table->timeouts, conn))
            {
              set_state (conn, NETLENS_STATE_UDP_IDLE, ev);
              mark_dirty (table, conn);
            }
          else if (is_plain_udp (conn) && conn->state != NETLENS_STATE_UDP_STALE &&
                   ev < removal_time (&table->timeouts, conn))
            {
              set_state (conn, NETLENS_STATE_UDP_STALE, ev);
              mark_dirty (table, conn);
            }
          else
            {
              NetlensEndReason reason = NETLENS_END_TIMEOUT;

              if (conn->state == NETLENS_STATE_CLOSED || conn->state == NETLENS_STATE_TIME_WAIT ||
                  conn->state == NETLENS_STATE_QUIC_CLOSED || conn->state == NETLENS_STATE_QUIC_DRAINING)
                reason = NETLENS_END_CLOSED;
              end_row (table, conn, reason, ev);
              conn = NULL;
              break;
            }
          ev = next_event (&table->timeouts, conn);
        }
      if (conn != NULL)
        wheel_insert (table, conn);
    }
}

void
netlens_conn_table_expire (NetlensConnTable *table,
                           gint64            now_us)
{
  gint64 now_s = now_us / USEC;

  if (table->wheel_second < 0)
    {
      table->wheel_second = now_s - 1;
      return;
    }
  if (now_s - table->wheel_second > WHEEL_SLOTS)
    {
      /* a long gap: every slot is due once, in order */
      gint64 last = table->wheel_second + WHEEL_SLOTS;

      for (gint64 s = table->wheel_second + 1; s <= last; s++)
        {
          table->wheel_second = s;
          run_slot (table, (guint) (s & WHEEL_MASK), now_us);
        }
      table->wheel_second = now_s;
    }
  while (table->wheel_second < now_s)
    {
      table->wheel_second++;
      run_slot (table, (guint) (table->wheel_second & WHEEL_MASK), now_us);
    }
}

void
netlens_conn_table_end_all (NetlensConnTable *table,
                            gint64            now_us)
{
  for (guint i = 0; i < table->n_buckets; i++)
    while (table->buckets[i] != NULL)
      {
        NetlensConnection *conn = table->buckets[i];

        end_row (table, conn, NETLENS_END_END_OF_CAPTURE, MAX (now_us, conn->last_seen));
      }
}

void
netlens_conn_table_set_owner (NetlensConnTable  *table,
                              guint8             proto,
                              NetlensFamily      family,
                              const NetlensAddr *laddr,
                              guint16            lport,
                              const NetlensAddr *raddr,
                              guint16            rport,
                              NetlensOwner      *owner)
{
  NetlensFlowKey key = { 0 };
  NetlensConnection *conn;

  key.proto = proto;
  key.family = family;
  key.laddr = *laddr;
  key.lport = lport;
  key.raddr = *raddr;
  key.rport = rport;
  if ((conn = netlens_conn_table_lookup (table, &key)) != NULL)
    {
      /* A finished TCP row keeps its program: an owner announced for its tuple now is the
       * next connection's (a port reused out of TIME_WAIT), whose SYN makes a new row. */
      if (conn->process != NULL && conn->key.proto == NETLENS_PROTO_TCP
          && (conn->state == NETLENS_STATE_TIME_WAIT || conn->state == NETLENS_STATE_CLOSED))
        return;
      if (conn->process != owner)
        {
          g_clear_pointer (&conn->process, netlens_owner_unref);
          conn->process = netlens_owner_ref (owner);
          mark_dirty (table, conn);
        }
      return;
    }
  netlens_flow_key_reverse (&key, &key);
  if ((conn = netlens_conn_table_lookup (table, &key)) != NULL && conn->peer_process != owner)
    {
      g_clear_pointer (&conn->peer_process, netlens_owner_unref);
      conn->peer_process = netlens_owner_ref (owner);
      mark_dirty (table, conn);
    }
}

void
netlens_conn_table_collect_changes (NetlensConnTable *table,
                                    GPtrArray        *updated,
                                    GArray           *removed)
{
  NetlensConnection *c = table->dirty;

  table->dirty = NULL;
  while (c != NULL)
    {
      NetlensConnection *next = c->dirty_next;

      c->dirty_next = NULL;
      c->flags &= ~NETLENS_CONN_DIRTY;
      if (c->extra_flags & EXTRA_DEAD)
        free_row (c);
      else
        {
          if (updated != NULL)
            g_ptr_array_add (updated, netlens_connection_snapshot (c));
          c->flags |= NETLENS_CONN_IN_UI;
        }
      c = next;
    }
  if (removed != NULL && table->removed->len > 0)
    g_array_append_vals (removed, table->removed->data, table->removed->len);
  g_array_set_size (table->removed, 0);
}

void
netlens_conn_table_set_timeouts (NetlensConnTable      *table,
                                 const NetlensTimeouts *timeouts)
{
  g_return_if_fail (table != NULL && timeouts != NULL);

  table->timeouts = *timeouts;
  /* every row's next event moves: file each one again (a rare, O(rows) event) */
  if (table->wheel_second < 0)
    return;
  for (guint i = 0; i < table->n_buckets; i++)
    for (NetlensConnection *c = table->buckets[i]; c != NULL; c = c->next)
      rewheel (table, c);
}

void
netlens_conn_table_set_dpi (NetlensConnTable *table,
                            gboolean          dpi,
                            NetlensNameCache *names)
{
  g_return_if_fail (table != NULL);

  table->config.dpi = !!dpi;
  table->config.names = dpi ? names : NULL;
}

void
netlens_conn_table_foreach (NetlensConnTable *table,
                            GFunc             func,
                            gpointer          user_data)
{
  for (guint i = 0; i < table->n_buckets; i++)
    for (NetlensConnection *c = table->buckets[i]; c != NULL; c = c->next)
      func (c, user_data);
}
