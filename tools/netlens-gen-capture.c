/* netlens-gen-capture.c: synthetic classic-pcap captures with known ground truth
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writes an Ethernet pcap with a realistic mix of flows, interleaved with a
 * chosen concurrency, and OUT.truth.json with what is in it: flows by kind and
 * protocol, TLS and QUIC SNIs, HTTP Hosts, DNS queries, QUIC Initials.  With
 * --syn-flood N it writes N spoofed SYNs from distinct sources around a few
 * real connections that carry DPI content, and lists those in the truth file.
 *
 * The mix (flow shares, packet shares 70% TCP / 25% UDP / 5% ICMP):
 *   TCP (60% of flows): handshake, a first payload, data, a teardown.  The
 *     first payload is a TLS ClientHello with SNI (the server answers with a
 *     real ServerHello), an HTTP/1.1 request with Host, SSH banners followed by
 *     KEXINIT, or opaque bytes; a few connections are refused or unanswered.
 *   UDP (33%): DNS query/response pairs whose answers point at the servers the
 *     capture later talks to; QUIC v1 whose client and server Initials are
 *     really protected per RFC 9001; RTP-, WireGuard- and game-like traffic.
 *   ICMP (7%): echo request/reply, ICMPv6 for IPv6 flows.
 * Flow sizes are heavy-tailed (Lomax).  Addresses come from the benchmarking
 * ranges 198.18.0.0/15 (RFC 2544) and 2001:2::/48 (RFC 5180).
 */

#define G_LOG_DOMAIN "netlens-gen-capture"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <nettle/aes.h>
#include <nettle/gcm.h>
#include <nettle/hkdf.h>
#include <nettle/hmac.h>

/* ------------------------------------------------------------------------ */
/* Flow kinds                                                                */

typedef enum
{
  KIND_TCP_TLS,
  KIND_TCP_HTTP,
  KIND_TCP_SSH,
  KIND_TCP_OTHER,
  KIND_TCP_REFUSED,
  KIND_UDP_DNS,
  KIND_UDP_QUIC,
  KIND_UDP_OTHER,
  KIND_ICMP_ECHO,
  KIND_SPOOFED_SYN,
  N_KINDS
} FlowKind;

static const char *const kind_names[N_KINDS] = {
  "tcp_tls", "tcp_http", "tcp_ssh", "tcp_other", "tcp_refused",
  "udp_dns", "udp_quic", "udp_other", "icmp_echo", "tcp_spoofed_syn",
};

typedef enum
{
  PATTERN_DOWNLOAD,
  PATTERN_UPLOAD,
  PATTERN_INTERACTIVE,
  PATTERN_RTP,
  PATTERN_WIREGUARD,
  PATTERN_GAME,
} FlowPattern;

typedef enum
{
  TEARDOWN_NONE,   /* still open when the capture ends */
  TEARDOWN_FIN,
  TEARDOWN_RST,
} Teardown;

/* What is decided before emission: one per flow, in start order. */
typedef struct
{
  guint32 budget;   /* packets, both directions */
  guint8  kind;
  guint8  ipv6;
} FlowPlan;

/* A flow while it is emitting. */
typedef struct
{
  guint32 index;
  guint32 budget;
  guint32 sent;
  guint32 name;
  guint32 client_seq;
  guint32 server_seq;
  guint32 client_tsval;
  guint32 server_tsval;
  guint16 client_port;
  guint16 server_port;
  guint16 client_ipid;
  guint16 server_ipid;
  guint16 aux;          /* DNS id, ICMP identifier */
  guint16 aux2;         /* DNS qtype, ICMP sequence */
  guint16 mss;
  guint8  kind;
  guint8  ipv6;
  guint8  pattern;
  guint8  teardown;
  guint8  client_closes;
  guint8  prologue;     /* payload packets between handshake and data */
  guint8  split_hello;
  guint8  timestamps;
  guint8  client_ttl;
  guint8  server_ttl;
  guint8  dcid_len;
  guint8  pn_len;
  guint8  client_addr[16];
  guint8  server_addr[16];
  guint8  client_mac[6];
  guint8  dcid[20];
  guint8  scid[8];
  guint8  server_cid[8];
} Flow;

/* ------------------------------------------------------------------------ */
/* Generator state                                                           */

typedef struct
{
  /* options */
  guint64  n_packets;
  guint64  n_flows;
  guint64  concurrency;
  guint64  seed;
  guint64  syn_flood;
  double   ipv6_share;
  double   rate;
  gboolean checksums;
  gboolean truth_flows;
  gboolean quiet;

  /* xoshiro256** state */
  guint64 rng[4];

  FILE   *out;
  guint8  frame[16 + 14 + 40 + 2048];
  guint8  payload[4096];
  guint8  noise[1 << 16];
  guint64 now_us;
  double  mean_gap_us;

  guint32 n_clients;
  guint32 n_servers;
  guint32 n_names;

  GString *truth_list;   /* one JSON object per listed flow */
  guint    n_listed;

  /* ground truth */
  guint64 packets;
  guint64 bytes;
  guint64 ipv6_packets;
  guint64 tcp_packets;
  guint64 udp_packets;
  guint64 icmp_packets;
  guint64 flows_by_kind[N_KINDS];
  guint64 ipv6_flows;
  guint64 conns_tcp;
  guint64 conns_udp;
  guint64 conns_icmp;
  guint64 conns_icmpv6;
  guint64 tls_sni;
  guint64 tls_split_hello;
  guint64 tls_server_hello;
  guint64 http_host;
  guint64 http_responses;
  guint64 dns_queries;
  guint64 dns_responses;
  guint64 ssh_banners;
  guint64 quic_sni;
  guint64 quic_client_initials;
  guint64 quic_server_initials;
  GHashTable *names_seen;
  GHashTable *icmp_pairs;   /* ICMP rows are keyed by their two addresses only */
} Gen;

/* ------------------------------------------------------------------------ */
/* Random numbers: xoshiro256**, seeded through splitmix64, so that a seed   */
/* gives the same file on every machine and GLib version.                    */

static inline guint64
rotl64 (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
rng_next (Gen *g)
{
  guint64 *s = g->rng;
  guint64 result = rotl64 (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl64 (s[3], 45);
  return result;
}

static void
rng_seed (Gen *g, guint64 seed)
{
  for (guint i = 0; i < 4; i++)
    {
      guint64 z = (seed += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      g->rng[i] = z ^ (z >> 31);
    }
}

/* Uniform in [0, 1). */
static double
rng_double (Gen *g)
{
  return (double) (rng_next (g) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [0, n). */
static guint32
rng_below (Gen *g, guint32 n)
{
  return (guint32) (((rng_next (g) >> 32) * (guint64) n) >> 32);
}

/* Uniform in [lo, hi]. */
static guint32
rng_range (Gen *g, guint32 lo, guint32 hi)
{
  return lo + rng_below (g, hi - lo + 1);
}

static void
rng_fill (Gen *g, guint8 *dst, gsize len)
{
  for (gsize i = 0; i < len; i++)
    dst[i] = (guint8) (rng_next (g) >> 56);
}

/* Random-looking bytes without a call per byte: a window into a noise pool. */
static const guint8 *
noise (Gen *g, gsize len)
{
  g_assert (len <= sizeof g->noise / 2);
  return g->noise + rng_below (g, (guint32) (sizeof g->noise - len));
}

/* ------------------------------------------------------------------------ */
/* Byte helpers and checksums                                                */

static inline void
put16 (guint8 *p, guint v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

static inline void
put24 (guint8 *p, guint32 v)
{
  p[0] = (guint8) (v >> 16);
  p[1] = (guint8) (v >> 8);
  p[2] = (guint8) v;
}

static inline void
put32 (guint8 *p, guint32 v)
{
  p[0] = (guint8) (v >> 24);
  p[1] = (guint8) (v >> 16);
  p[2] = (guint8) (v >> 8);
  p[3] = (guint8) v;
}

static inline void
put_le32 (guint8 *p, guint32 v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
  p[2] = (guint8) (v >> 16);
  p[3] = (guint8) (v >> 24);
}

/* RFC 1071 ones' complement sum over big-endian 16-bit words. */
static guint32
csum_partial (guint32 sum, const guint8 *p, gsize len)
{
  gsize i = 0;

  for (; i + 1 < len; i += 2)
    sum += (guint32) p[i] << 8 | p[i + 1];
  if (i < len)
    sum += (guint32) p[i] << 8;
  /* fold now and then so that long payloads cannot overflow */
  sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

static guint16
csum_finish (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

/* ------------------------------------------------------------------------ */
/* Addresses and names                                                       */

static const guint8 gateway_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };

/* Clients live in 198.18.0.0/16 and 2001:2:0:1::/64, servers in
 * 198.19.0.0/16 and 2001:2:0:2::/64, resolvers at 198.19.255.53/.54 and
 * 2001:2:0:53::53/54.  Index 0 is never used, so no address ends in .0. */
static void
client_address (guint32 c, gboolean ipv6, guint8 *addr)
{
  memset (addr, 0, 16);
  if (!ipv6)
    {
      put32 (addr, 0xc6120000u + 1 + c);
      return;
    }
  put32 (addr, 0x20010002);
  put32 (addr + 4, 0x00000001);
  put32 (addr + 8, 0x0a000000u | (c * 2654435761u >> 8));
  put32 (addr + 12, 1 + c);
}

static void
server_address (guint32 s, gboolean ipv6, guint8 *addr)
{
  memset (addr, 0, 16);
  if (!ipv6)
    {
      put32 (addr, 0xc6130000u + 1 + s);
      return;
    }
  put32 (addr, 0x20010002);
  put32 (addr + 4, 0x00000002);
  put32 (addr + 12, 1 + s);
}

static void
resolver_address (guint32 r, gboolean ipv6, guint8 *addr)
{
  memset (addr, 0, 16);
  if (!ipv6)
    {
      put32 (addr, 0xc613ff35u + r);
      return;
    }
  put32 (addr, 0x20010002);
  put32 (addr + 4, 0x00000053);
  put32 (addr + 12, 0x53 + r);
}

static const char *const name_hosts[] = {
  "www", "api", "cdn", "static", "img", "login", "mail", "m", "app", "edge",
  "video", "push", "auth", "ws", "assets", "files", "shop", "news", "docs", "status",
};
static const char *const name_bases[] = {
  "orchard", "lantern", "meadow", "harbor", "quartz", "falcon", "juniper", "copper",
  "tundra", "saffron", "beacon", "cobalt", "willow", "ember", "granite", "nimbus",
  "pioneer", "riverbank", "summit", "velvet", "zephyr", "aurora", "bramble", "cascade",
  "driftwood", "fjord", "glacier", "hollow", "inkwell", "jasper",
};
static const char *const name_tlds[] = {
  "example", "example.com", "example.net", "example.org", "test",
};

/* Deterministic host name for a name id; ids are drawn Zipf-like, so a few
 * names are very popular and most are rare, as in real traffic. */
static int
name_format (guint32 id, char *buf, gsize size)
{
  guint32 host = id % G_N_ELEMENTS (name_hosts);
  guint32 base = (id / G_N_ELEMENTS (name_hosts)) % G_N_ELEMENTS (name_bases);
  guint32 n = id / (G_N_ELEMENTS (name_hosts) * G_N_ELEMENTS (name_bases));
  guint32 tld = (id * 2654435761u >> 16) % G_N_ELEMENTS (name_tlds);

  if (n == 0)
    return g_snprintf (buf, size, "%s.%s.%s", name_hosts[host], name_bases[base], name_tlds[tld]);
  return g_snprintf (buf, size, "%s.%s%u.%s", name_hosts[host], name_bases[base], n,
                     name_tlds[tld]);
}

static guint32
name_pick (Gen *g)
{
  double u = rng_double (g);
  return (guint32) ((double) g->n_names * u * u * u);
}

/* The server a name resolves to: DNS answers and later connections agree. */
static guint32
name_server (Gen *g, guint32 name)
{
  return (guint32) ((name * 2654435761u) % g->n_servers);
}

static void
note_name (Gen *g, guint32 name)
{
  g_hash_table_add (g->names_seen, GUINT_TO_POINTER (name + 1));
}

/* ------------------------------------------------------------------------ */
/* Frames                                                                    */

/* Returns where the L4 header goes in the scratch frame. */
static guint8 *
frame_l4 (Gen *g, const Flow *f)
{
  return g->frame + 16 + 14 + (f->ipv6 ? 40 : 20);
}

static void
emit_frame (Gen *g, Flow *f, gboolean from_server, guint8 proto, gsize l4_len)
{
  guint8 *eth = g->frame + 16;
  guint8 *ip = eth + 14;
  guint8 *l4 = frame_l4 (g, f);
  const guint8 *src = from_server ? f->server_addr : f->client_addr;
  const guint8 *dst = from_server ? f->client_addr : f->server_addr;
  guint32 pseudo = 0;
  gsize frame_len;
  int csum_at = -1;

  g_assert (l4_len <= 1500);

  if (from_server)
    {
      memcpy (eth, f->client_mac, 6);
      memcpy (eth + 6, gateway_mac, 6);
    }
  else
    {
      memcpy (eth, gateway_mac, 6);
      memcpy (eth + 6, f->client_mac, 6);
    }

  if (!f->ipv6)
    {
      guint16 id = from_server ? f->server_ipid++ : f->client_ipid++;
      guint8 ph[12];

      put16 (eth + 12, 0x0800);
      ip[0] = 0x45;
      ip[1] = 0;
      put16 (ip + 2, (guint) (20 + l4_len));
      put16 (ip + 4, id);
      put16 (ip + 6, proto == 6 ? 0x4000 : 0);   /* DF on TCP */
      ip[8] = from_server ? f->server_ttl : f->client_ttl;
      ip[9] = proto;
      put16 (ip + 10, 0);
      memcpy (ip + 12, src, 4);
      memcpy (ip + 16, dst, 4);
      put16 (ip + 10, csum_finish (csum_partial (0, ip, 20)));
      memcpy (ph, src, 4);
      memcpy (ph + 4, dst, 4);
      ph[8] = 0;
      ph[9] = proto;
      put16 (ph + 10, (guint) l4_len);
      if (proto != 1)
        pseudo = csum_partial (0, ph, 12);
    }
  else
    {
      guint8 ph[40];

      put16 (eth + 12, 0x86dd);
      put32 (ip, 0x60000000u | ((f->client_port * 2654435761u) & 0xfffff));
      put16 (ip + 4, (guint) l4_len);
      ip[6] = proto;
      ip[7] = from_server ? f->server_ttl : f->client_ttl;
      memcpy (ip + 8, src, 16);
      memcpy (ip + 24, dst, 16);
      memcpy (ph, src, 16);
      memcpy (ph + 16, dst, 16);
      put32 (ph + 32, (guint32) l4_len);
      ph[36] = ph[37] = ph[38] = 0;
      ph[39] = proto;
      pseudo = csum_partial (0, ph, 40);
    }

  switch (proto)
    {
    case 6: csum_at = 16; break;
    case 17: csum_at = 6; break;
    case 1: case 58: csum_at = 2; break;
    default: break;
    }
  if (csum_at >= 0)
    {
      put16 (l4 + csum_at, 0);
      /* ICMP has a checksum that anyone checks: always write it */
      if (g->checksums || proto == 1 || proto == 58)
        {
          guint16 c = csum_finish (csum_partial (pseudo, l4, l4_len));
          if (proto == 17 && c == 0)
            c = 0xffff;
          put16 (l4 + csum_at, c);
        }
    }

  frame_len = 14 + (f->ipv6 ? 40 : 20) + l4_len;
  if (frame_len < 60)
    {
      /* Ethernet minimum frame; the IP length still says the true size */
      memset (eth + frame_len, 0, 60 - frame_len);
      frame_len = 60;
    }

  put_le32 (g->frame, (guint32) (g->now_us / G_USEC_PER_SEC));
  put_le32 (g->frame + 4, (guint32) (g->now_us % G_USEC_PER_SEC));
  put_le32 (g->frame + 8, (guint32) frame_len);
  put_le32 (g->frame + 12, (guint32) frame_len);
  if (fwrite (g->frame, 16 + frame_len, 1, g->out) != 1)
    {
      g_printerr ("netlens-gen-capture: write failed: %s\n", g_strerror (errno));
      exit (1);
    }

  g->packets++;
  g->bytes += frame_len;
  if (f->ipv6)
    g->ipv6_packets++;
  if (proto == 6)
    g->tcp_packets++;
  else if (proto == 17)
    g->udp_packets++;
  else
    g->icmp_packets++;

  /* exponential inter-arrival times at the chosen mean rate */
  g->now_us += (guint64) (-log (1.0 - rng_double (g)) * g->mean_gap_us + 0.5);
}

/* ------------------------------------------------------------------------ */
/* TLS                                                                       */

#define TLS_EXT(q, type, len) (put16 ((q), (type)), put16 ((q) + 2, (len)), (q) + 4)

static const guint16 grease_values[] = {
  0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a,
  0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea, 0xfafa,
};

/* A ClientHello handshake message (4-byte header included) at OUT.  Over TCP
 * it looks like a browser's (session id, GREASE, h2 ALPN, padding to 512);
 * inside QUIC it has no session id, h3 and quic_transport_parameters. */
static gsize
tls_client_hello (Gen *g, guint8 *out, const char *sni, gboolean quic)
{
  static const guint16 tcp_suites[] = {
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
    0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
  };
  static const guint16 sig_algs[] = {
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
  };
  static const guint8 transport_params[] = {
    0x01, 0x04, 0x80, 0x00, 0x75, 0x30,         /* max_idle_timeout 30000 ms */
    0x03, 0x02, 0x45, 0xc0,                     /* max_udp_payload_size 1472 */
    0x04, 0x04, 0x80, 0x98, 0x00, 0x00,         /* initial_max_data */
    0x05, 0x04, 0x80, 0x60, 0x00, 0x00,
    0x06, 0x04, 0x80, 0x60, 0x00, 0x00,
    0x07, 0x04, 0x80, 0x60, 0x00, 0x00,
    0x08, 0x02, 0x40, 0x64,
    0x09, 0x02, 0x40, 0x64,
    0x0f, 0x08, 0, 0, 0, 0, 0, 0, 0, 0,        /* initial_source_connection_id */
  };
  guint16 grease = grease_values[rng_below (g, G_N_ELEMENTS (grease_values))];
  gsize sni_len = strlen (sni);
  guint8 *q = out + 4;
  guint8 *ext_len_at;
  guint8 *ext_start;

  put16 (q, 0x0303);
  q += 2;
  rng_fill (g, q, 32);
  q += 32;
  if (quic)
    *q++ = 0;
  else
    {
      *q++ = 32;
      rng_fill (g, q, 32);
      q += 32;
    }

  if (quic)
    {
      put16 (q, 6);
      put16 (q + 2, 0x1301);
      put16 (q + 4, 0x1302);
      put16 (q + 6, 0x1303);
      q += 8;
    }
  else
    {
      put16 (q, 2 * (1 + G_N_ELEMENTS (tcp_suites)));
      put16 (q + 2, grease);
      q += 4;
      for (guint i = 0; i < G_N_ELEMENTS (tcp_suites); i++, q += 2)
        put16 (q, tcp_suites[i]);
    }
  *q++ = 1;   /* compression methods: null */
  *q++ = 0;

  ext_len_at = q;
  q += 2;
  ext_start = q;

  if (!quic)
    q = TLS_EXT (q, grease, 0);

  /* server_name (RFC 6066 section 3) */
  q = TLS_EXT (q, 0x0000, sni_len + 5);
  put16 (q, (guint) (sni_len + 3));
  q[2] = 0;   /* host_name */
  put16 (q + 3, (guint) sni_len);
  memcpy (q + 5, sni, sni_len);
  q += sni_len + 5;

  if (!quic)
    {
      q = TLS_EXT (q, 0x0017, 0);        /* extended_master_secret */
      q = TLS_EXT (q, 0xff01, 1);        /* renegotiation_info */
      *q++ = 0;
    }
  q = TLS_EXT (q, 0x000a, 8);            /* supported_groups */
  put16 (q, 6);
  put16 (q + 2, 0x001d);
  put16 (q + 4, 0x0017);
  put16 (q + 6, 0x0018);
  q += 8;
  if (!quic)
    {
      q = TLS_EXT (q, 0x000b, 2);        /* ec_point_formats */
      *q++ = 1;
      *q++ = 0;
      q = TLS_EXT (q, 0x0023, 0);        /* session_ticket */
    }
  if (quic)
    {
      q = TLS_EXT (q, 0x0010, 5);        /* ALPN h3 */
      put16 (q, 3);
      q[2] = 2;
      memcpy (q + 3, "h3", 2);
      q += 5;
    }
  else
    {
      q = TLS_EXT (q, 0x0010, 14);       /* ALPN h2, http/1.1 */
      put16 (q, 12);
      q[2] = 2;
      memcpy (q + 3, "h2", 2);
      q[5] = 8;
      memcpy (q + 6, "http/1.1", 8);
      q += 14;
      q = TLS_EXT (q, 0x0005, 5);        /* status_request */
      q[0] = 1;
      put32 (q + 1, 0);
      q += 5;
    }
  q = TLS_EXT (q, 0x000d, 2 + 2 * G_N_ELEMENTS (sig_algs));
  put16 (q, 2 * G_N_ELEMENTS (sig_algs));
  q += 2;
  for (guint i = 0; i < G_N_ELEMENTS (sig_algs); i++, q += 2)
    put16 (q, sig_algs[i]);
  q = TLS_EXT (q, 0x0033, 38);           /* key_share: x25519 */
  put16 (q, 36);
  put16 (q + 2, 0x001d);
  put16 (q + 4, 32);
  rng_fill (g, q + 6, 32);
  q += 38;
  q = TLS_EXT (q, 0x002d, 2);            /* psk_key_exchange_modes */
  q[0] = 1;
  q[1] = 1;
  q += 2;
  if (quic)
    {
      q = TLS_EXT (q, 0x002b, 3);        /* supported_versions: TLS 1.3 */
      q[0] = 2;
      put16 (q + 1, 0x0304);
      q += 3;
      q = TLS_EXT (q, 0x0039, sizeof transport_params);
      memcpy (q, transport_params, sizeof transport_params);
      rng_fill (g, q + sizeof transport_params - 8, 8);
      q += sizeof transport_params;
    }
  else
    {
      q = TLS_EXT (q, 0x002b, 5);        /* supported_versions: 1.3, 1.2 */
      q[0] = 4;
      put16 (q + 1, 0x0304);
      put16 (q + 3, 0x0303);
      q += 5;
      q = TLS_EXT (q, 0x001b, 3);        /* compress_certificate: brotli */
      q[0] = 2;
      put16 (q + 1, 0x0002);
      q += 3;
      q = TLS_EXT (q, grease ^ 0x1010, 1);
      *q++ = 0;
      /* padding (RFC 7685) up to a 512-byte message, as browsers do */
      if ((gsize) (q - out) + 4 < 512)
        {
          gsize pad = 512 - (gsize) (q - out) - 4;
          q = TLS_EXT (q, 0x0015, pad);
          memset (q, 0, pad);
          q += pad;
        }
    }

  put16 (ext_len_at, (guint) (q - ext_start));
  out[0] = 1;   /* client_hello */
  put24 (out + 1, (guint32) (q - out - 4));
  return (gsize) (q - out);
}

/* A TLS 1.3 ServerHello handshake message at OUT; SESSION_ID is echoed. */
static gsize
tls_server_hello (Gen *g, guint8 *out, const guint8 *session_id, gsize session_id_len)
{
  guint8 *q = out + 4;
  guint8 *ext_len_at;

  put16 (q, 0x0303);
  rng_fill (g, q + 2, 32);
  q += 34;
  *q++ = (guint8) session_id_len;
  if (session_id_len > 0)  /* QUIC ServerHellos have none (session_id NULL) */
    memcpy (q, session_id, session_id_len);
  q += session_id_len;
  put16 (q, 0x1301 + rng_below (g, 2));   /* TLS_AES_128_GCM_SHA256 or _256_ */
  q[2] = 0;
  q += 3;
  ext_len_at = q;
  q += 2;
  q = TLS_EXT (q, 0x002b, 2);
  put16 (q, 0x0304);
  q += 2;
  q = TLS_EXT (q, 0x0033, 36);
  put16 (q, 0x001d);
  put16 (q + 2, 32);
  rng_fill (g, q + 4, 32);
  q += 36;
  put16 (ext_len_at, (guint) (q - ext_len_at - 2));
  out[0] = 2;   /* server_hello */
  put24 (out + 1, (guint32) (q - out - 4));
  return (gsize) (q - out);
}

/* ------------------------------------------------------------------------ */
/* QUIC v1 Initial protection (RFC 9001 section 5), with Nettle              */

static const guint8 quic_v1_salt[20] = {
  0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
  0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};

typedef struct
{
  guint8 key[16];
  guint8 iv[12];
  guint8 hp[16];
} QuicKeys;

/* HKDF-Expand-Label (RFC 8446 section 7.1) with an empty context. */
static void
hkdf_expand_label (const guint8 *secret, const char *label, guint8 *out, gsize out_len)
{
  struct hmac_sha256_ctx mac;
  guint8 info[2 + 1 + 6 + 32 + 1];
  gsize label_len = strlen (label);
  gsize n = 0;

  g_assert (label_len <= 32);
  put16 (info, (guint) out_len);
  n = 2;
  info[n++] = (guint8) (6 + label_len);
  memcpy (info + n, "tls13 ", 6);
  n += 6;
  memcpy (info + n, label, label_len);
  n += label_len;
  info[n++] = 0;
  hmac_sha256_set_key (&mac, SHA256_DIGEST_SIZE, secret);
  hkdf_expand (&mac, (nettle_hash_update_func *) hmac_sha256_update,
               (nettle_hash_digest_func *) hmac_sha256_digest, SHA256_DIGEST_SIZE,
               n, info, out_len, out);
}

static void
quic_initial_keys (const guint8 *dcid, gsize dcid_len, gboolean server, QuicKeys *keys)
{
  struct hmac_sha256_ctx mac;
  guint8 initial_secret[SHA256_DIGEST_SIZE];
  guint8 secret[SHA256_DIGEST_SIZE];

  hmac_sha256_set_key (&mac, sizeof quic_v1_salt, quic_v1_salt);
  hkdf_extract (&mac, (nettle_hash_update_func *) hmac_sha256_update,
                (nettle_hash_digest_func *) hmac_sha256_digest, SHA256_DIGEST_SIZE,
                dcid_len, dcid, initial_secret);
  hkdf_expand_label (initial_secret, server ? "server in" : "client in", secret, sizeof secret);
  hkdf_expand_label (secret, "quic key", keys->key, sizeof keys->key);
  hkdf_expand_label (secret, "quic iv", keys->iv, sizeof keys->iv);
  hkdf_expand_label (secret, "quic hp", keys->hp, sizeof keys->hp);
}

/* Writes a protected Initial packet at OUT: FRAMES are padded with PADDING
 * frames so that the packet is at least MIN_SIZE bytes.  Returns its size. */
static gsize
quic_seal_initial (guint8 *out, const QuicKeys *keys,
                   const guint8 *dcid, gsize dcid_len,
                   const guint8 *scid, gsize scid_len,
                   guint32 pn, guint pn_len,
                   const guint8 *frames, gsize frames_len, gsize min_size)
{
  struct gcm_aes128_ctx gcm;
  struct aes128_ctx hp;
  guint8 nonce[GCM_IV_SIZE];
  guint8 mask[AES_BLOCK_SIZE];
  gsize header_len = 1 + 4 + 1 + dcid_len + 1 + scid_len + 1 + 2 + pn_len;
  gsize payload_len = frames_len;
  gsize pn_offset = header_len - pn_len;
  guint8 *q = out;

  g_assert (pn_len >= 1 && pn_len <= 4);
  if (header_len + payload_len + GCM_DIGEST_SIZE < min_size)
    payload_len = min_size - header_len - GCM_DIGEST_SIZE;
  /* header protection samples 16 bytes from 4 bytes after the packet number */
  if (pn_len + payload_len < 4)
    payload_len = 4 - pn_len;

  *q++ = (guint8) (0xc0 | (pn_len - 1));    /* long header, Initial */
  put32 (q, 0x00000001);
  q += 4;
  *q++ = (guint8) dcid_len;
  memcpy (q, dcid, dcid_len);
  q += dcid_len;
  *q++ = (guint8) scid_len;
  memcpy (q, scid, scid_len);
  q += scid_len;
  *q++ = 0;   /* token length */
  put16 (q, (guint) (0x4000 | (pn_len + payload_len + GCM_DIGEST_SIZE)));
  q += 2;
  for (guint i = 0; i < pn_len; i++)
    *q++ = (guint8) (pn >> (8 * (pn_len - 1 - i)));
  g_assert ((gsize) (q - out) == header_len);

  memcpy (q, frames, frames_len);
  memset (q + frames_len, 0, payload_len - frames_len);

  memcpy (nonce, keys->iv, sizeof nonce);
  for (guint i = 0; i < 4; i++)
    nonce[GCM_IV_SIZE - 1 - i] ^= (guint8) (pn >> (8 * i));
  gcm_aes128_set_key (&gcm, keys->key);
  gcm_aes128_set_iv (&gcm, sizeof nonce, nonce);
  gcm_aes128_update (&gcm, header_len, out);
  gcm_aes128_encrypt (&gcm, payload_len, q, q);
  gcm_aes128_digest (&gcm, GCM_DIGEST_SIZE, q + payload_len);

  aes128_set_encrypt_key (&hp, keys->hp);
  aes128_encrypt (&hp, AES_BLOCK_SIZE, mask, out + pn_offset + 4);
  out[0] ^= mask[0] & 0x0f;
  for (guint i = 0; i < pn_len; i++)
    out[pn_offset + i] ^= mask[1 + i];

  return header_len + payload_len + GCM_DIGEST_SIZE;
}

/* A CRYPTO frame (type 0x06, offset 0) around a handshake message. */
static gsize
quic_crypto_frame (guint8 *out, const guint8 *data, gsize len)
{
  out[0] = 0x06;
  out[1] = 0x00;
  put16 (out + 2, (guint) (0x4000 | len));
  memcpy (out + 4, data, len);
  return 4 + len;
}

/* An unprotected-looking long-header packet of TYPE (2 = Handshake) whose
 * payload is noise, as the keys for it are not derivable by an observer. */
static gsize
quic_opaque_long (Gen *g, guint8 *out, guint type,
                  const guint8 *dcid, gsize dcid_len,
                  const guint8 *scid, gsize scid_len, gsize size)
{
  guint8 *q = out;
  gsize rest;

  *q++ = (guint8) (0xc0 | (type << 4) | rng_below (g, 16));
  put32 (q, 0x00000001);
  q += 4;
  *q++ = (guint8) dcid_len;
  memcpy (q, dcid, dcid_len);
  q += dcid_len;
  *q++ = (guint8) scid_len;
  memcpy (q, scid, scid_len);
  q += scid_len;
  rest = size - (gsize) (q - out) - 2;
  put16 (q, (guint) (0x4000 | rest));
  q += 2;
  memcpy (q, noise (g, rest), rest);
  return size;
}

/* ------------------------------------------------------------------------ */
/* TCP                                                                       */

enum
{
  TCP_FIN = 0x01,
  TCP_SYN = 0x02,
  TCP_RST = 0x04,
  TCP_PSH = 0x08,
  TCP_ACK = 0x10,
};

static void
tcp_send (Gen *g, Flow *f, gboolean from_server, guint8 flags, const guint8 *data, gsize len)
{
  guint8 *t = frame_l4 (g, f);
  guint32 *seq = from_server ? &f->server_seq : &f->client_seq;
  guint32 ack = from_server ? f->client_seq : f->server_seq;
  guint8 *o = t + 20;
  gsize opt_len = 0;

  put16 (t, from_server ? f->server_port : f->client_port);
  put16 (t + 2, from_server ? f->client_port : f->server_port);
  put32 (t + 4, *seq);
  put32 (t + 8, (flags & TCP_ACK) ? ack : 0);
  if (flags & TCP_SYN)
    {
      /* MSS, SACK permitted, timestamps, window scale: Linux's order */
      o[0] = 2;
      o[1] = 4;
      put16 (o + 2, (guint) (f->mss + (f->timestamps ? 12 : 0)));
      o[4] = 4;
      o[5] = 2;
      opt_len = 6;
      if (f->timestamps)
        {
          o[6] = 8;
          o[7] = 10;
          put32 (o + 8, from_server ? f->server_tsval : f->client_tsval);
          put32 (o + 12, from_server ? f->client_tsval : 0);
          opt_len = 16;
        }
      else
        {
          o[6] = 1;
          o[7] = 1;
          opt_len = 8;
        }
      o[opt_len] = 1;
      o[opt_len + 1] = 3;
      o[opt_len + 2] = 3;
      o[opt_len + 3] = from_server ? 9 : 7;
      opt_len += 4;
      put16 (t + 14, from_server ? 65160 : 64240);
    }
  else
    {
      if (f->timestamps && !(flags & TCP_RST))
        {
          o[0] = 1;
          o[1] = 1;
          o[2] = 8;
          o[3] = 10;
          put32 (o + 4, from_server ? f->server_tsval : f->client_tsval);
          put32 (o + 8, from_server ? f->client_tsval : f->server_tsval);
          opt_len = 12;
        }
      put16 (t + 14, (flags & TCP_RST) ? 0 : (guint) (from_server ? 501 + (*seq & 63) : 498 + (*seq & 31)));
    }
  t[12] = (guint8) (((20 + opt_len) / 4) << 4);
  t[13] = flags;
  put16 (t + 18, 0);
  if (len)
    memcpy (t + 20 + opt_len, data, len);

  *seq += (guint32) len + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
  if (from_server)
    f->server_tsval += rng_below (g, 4);
  else
    f->client_tsval += rng_below (g, 4);

  emit_frame (g, f, from_server, 6, 20 + opt_len + len);
}

static const char *const ssh_server_banners[] = {
  "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
  "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n",
  "SSH-2.0-dropbear_2022.83\r\n",
};
static const char *const ssh_client_banners[] = {
  "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
  "SSH-2.0-PuTTY_Release_0.78\r\n",
  "SSH-2.0-OpenSSH_for_Windows_8.6\r\n",
  "SSH-2.0-libssh2_1.10.0\r\n",
};

/* An SSH_MSG_KEXINIT binary packet (RFC 4253 sections 6 and 7.1). */
static gsize
ssh_kexinit (Gen *g, guint8 *out, gboolean from_server)
{
  static const char *const client_lists[10] = {
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ext-info-c",
    "ssh-ed25519-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com",
    "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-256",
    "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-256",
    "none,zlib@openssh.com", "none,zlib@openssh.com", "", "",
  };
  static const char *const server_lists[10] = {
    "sntrup761x25519-sha512@openssh.com,curve25519-sha256,kex-strict-s-v00@openssh.com",
    "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr",
    "umac-64-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1",
    "umac-64-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1",
    "none,zlib@openssh.com", "none,zlib@openssh.com", "", "",
  };
  const char *const *lists = from_server ? server_lists : client_lists;
  guint8 *q = out + 5;
  gsize payload_len;
  gsize padding;

  *q++ = 20;   /* SSH_MSG_KEXINIT */
  rng_fill (g, q, 16);
  q += 16;
  for (guint i = 0; i < 10; i++)
    {
      gsize l = strlen (lists[i]);
      put32 (q, (guint32) l);
      memcpy (q + 4, lists[i], l);
      q += 4 + l;
    }
  *q++ = 0;          /* first_kex_packet_follows */
  put32 (q, 0);      /* reserved */
  q += 4;
  payload_len = (gsize) (q - out - 5);
  padding = 8 - ((5 + payload_len) % 8);
  if (padding < 4)
    padding += 8;
  memset (q, 0, padding);
  put32 (out, (guint32) (1 + payload_len + padding));
  out[4] = (guint8) padding;
  return 5 + payload_len + padding;
}

static const char *const http_paths[] = {
  "/", "/index.html", "/api/v2/items?page=3", "/static/js/app.3f9c2.js",
  "/images/logo.png", "/search?q=netlens", "/login", "/feed.xml",
};
static const char *const http_agents[] = {
  "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36",
  "curl/7.88.1",
  "Wget/1.21.3",
  "Debian APT-HTTP/1.3 (2.6.1)",
};

/* The packets between the handshake and the data phase. */
static void
tcp_prologue (Gen *g, Flow *f, guint step)
{
  char name[96];
  guint8 *p = g->payload;
  gsize n = 0;

  name_format (f->name, name, sizeof name);

  switch (f->kind)
    {
    case KIND_TCP_TLS:
      if (step == 0 || (f->split_hello && step == 1))
        {
          /* One ClientHello record.  When split, the first segment stops
           * before the SNI; the hello is built again for the second one,
           * which only changes random bytes, never a length. */
          gsize cut = 5 + 4 + 2 + 32 + 1 + 32 + 20;
          gsize hello_len = tls_client_hello (g, p + 5, name, FALSE);

          p[0] = 0x16;
          put16 (p + 1, 0x0301);
          put16 (p + 3, (guint) hello_len);
          n = hello_len + 5;
          if (!f->split_hello)
            tcp_send (g, f, FALSE, TCP_PSH | TCP_ACK, p, n);
          else if (step == 0)
            tcp_send (g, f, FALSE, TCP_ACK, p, cut);
          else
            tcp_send (g, f, FALSE, TCP_PSH | TCP_ACK, p + cut, n - cut);
          if (!f->split_hello || step == 1)
            {
              g->tls_sni++;
              g->tls_split_hello += f->split_hello;
              note_name (g, f->name);
            }
          return;
        }
      else
        {
          /* ServerHello, ChangeCipherSpec, then encrypted records */
          guint8 sid[32];
          gsize hello_len;
          gsize filler;

          rng_fill (g, sid, sizeof sid);
          hello_len = tls_server_hello (g, p + 5, sid, sizeof sid);
          p[0] = 0x16;
          put16 (p + 1, 0x0303);
          put16 (p + 3, (guint) hello_len);
          n = 5 + hello_len;
          memcpy (p + n, "\x14\x03\x03\x00\x01\x01", 6);
          n += 6;
          filler = f->mss - n - 5;
          p[n] = 0x17;
          put16 (p + n + 1, 0x0303);
          put16 (p + n + 3, (guint) (filler + 600));   /* record continues */
          memcpy (p + n + 5, noise (g, filler), filler);
          n += 5 + filler;
          tcp_send (g, f, TRUE, TCP_ACK, p, n);
          g->tls_server_hello++;
        }
      return;

    case KIND_TCP_HTTP:
      if (step == 0)
        {
          guint method = rng_below (g, 10);
          n = (gsize) g_snprintf ((char *) p, 2048,
                                  "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
                                  "Accept: */*\r\nAccept-Encoding: gzip, deflate\r\n"
                                  "%sConnection: keep-alive\r\n\r\n%s",
                                  method == 0 ? "POST" : "GET",
                                  http_paths[rng_below (g, G_N_ELEMENTS (http_paths))],
                                  name,
                                  http_agents[rng_below (g, G_N_ELEMENTS (http_agents))],
                                  method == 0 ? "Content-Type: application/json\r\n"
                                                "Content-Length: 17\r\n" : "",
                                  method == 0 ? "{\"netlens\":true}\n" : "");
          tcp_send (g, f, FALSE, TCP_PSH | TCP_ACK, p, n);
          g->http_host++;
          note_name (g, f->name);
        }
      else
        {
          static const char *const status[] = {
            "200 OK", "200 OK", "200 OK", "200 OK", "206 Partial Content", "404 Not Found",
          };
          gsize head = (gsize) g_snprintf ((char *) p, 1024,
                                           "HTTP/1.1 %s\r\nServer: nginx/1.22.1\r\n"
                                           "Content-Type: application/octet-stream\r\n"
                                           "Connection: close\r\n\r\n",
                                           status[rng_below (g, G_N_ELEMENTS (status))]);
          n = MAX (head, (gsize) rng_range (g, (guint32) head, f->mss));
          memcpy (p + head, noise (g, n - head), n - head);
          tcp_send (g, f, TRUE, TCP_PSH | TCP_ACK, p, n);
          g->http_responses++;
        }
      return;

    case KIND_TCP_SSH:
      if (step == 0)
        {
          const char *b = ssh_server_banners[f->name % G_N_ELEMENTS (ssh_server_banners)];
          tcp_send (g, f, TRUE, TCP_PSH | TCP_ACK, (const guint8 *) b, strlen (b));
        }
      else if (step == 1)
        {
          const char *b = ssh_client_banners[rng_below (g, G_N_ELEMENTS (ssh_client_banners))];
          tcp_send (g, f, FALSE, TCP_PSH | TCP_ACK, (const guint8 *) b, strlen (b));
          g->ssh_banners++;
        }
      else
        {
          gboolean from_server = step == 3;
          n = ssh_kexinit (g, p, from_server);
          tcp_send (g, f, from_server, TCP_PSH | TCP_ACK, p, n);
        }
      return;

    default:
      n = rng_range (g, 8, 700);
      tcp_send (g, f, FALSE, TCP_PSH | TCP_ACK, noise (g, n), n);
      return;
    }
}

static guint
tcp_prologue_len (FlowKind kind, gboolean split_hello)
{
  switch (kind)
    {
    case KIND_TCP_TLS: return split_hello ? 3 : 2;
    case KIND_TCP_HTTP: return 2;
    case KIND_TCP_SSH: return 4;
    default: return 1;
    }
}

static guint
teardown_len (Teardown t)
{
  return t == TEARDOWN_FIN ? 3 : t == TEARDOWN_RST ? 1 : 0;
}

static void
tcp_step (Gen *g, Flow *f)
{
  guint32 i = f->sent;
  guint32 end_of_data = f->budget - teardown_len (f->teardown);
  guint32 k;
  gboolean from_server;
  gsize len;

  if (f->kind == KIND_SPOOFED_SYN)
    {
      tcp_send (g, f, FALSE, TCP_SYN, NULL, 0);
      return;
    }

  if (f->kind == KIND_TCP_REFUSED)
    {
      /* SYN, retransmitted; the last packet is the server's RST when it answers */
      if (i + 1 == f->budget && f->teardown == TEARDOWN_RST && i > 0)
        tcp_send (g, f, TRUE, TCP_RST | TCP_ACK, NULL, 0);
      else
        {
          if (i > 0)
            f->client_seq--;   /* a retransmission reuses the SYN's sequence number */
          tcp_send (g, f, FALSE, TCP_SYN, NULL, 0);
        }
      return;
    }

  if (i == 0)
    {
      tcp_send (g, f, FALSE, TCP_SYN, NULL, 0);
      return;
    }
  if (i == 1)
    {
      tcp_send (g, f, TRUE, TCP_SYN | TCP_ACK, NULL, 0);
      return;
    }
  if (i == 2)
    {
      tcp_send (g, f, FALSE, TCP_ACK, NULL, 0);
      return;
    }
  if (i < 3u + f->prologue)
    {
      tcp_prologue (g, f, i - 3);
      return;
    }

  if (i >= end_of_data)
    {
      guint32 t = i - end_of_data;
      gboolean closer_is_server = !f->client_closes;

      if (f->teardown == TEARDOWN_RST)
        tcp_send (g, f, closer_is_server, TCP_RST | TCP_ACK, NULL, 0);
      else if (t == 0)
        tcp_send (g, f, closer_is_server, TCP_FIN | TCP_ACK, NULL, 0);
      else if (t == 1)
        tcp_send (g, f, !closer_is_server, TCP_FIN | TCP_ACK, NULL, 0);
      else
        tcp_send (g, f, closer_is_server, TCP_ACK, NULL, 0);
      return;
    }

  /* data phase: two segments then an ACK, or a chatty exchange */
  k = i - 3 - f->prologue;
  switch (f->pattern)
    {
    case PATTERN_INTERACTIVE:
      if (k % 3 == 2)
        {
          tcp_send (g, f, FALSE, TCP_ACK, NULL, 0);
          return;
        }
      from_server = k % 3 == 1;
      len = from_server ? rng_range (g, 40, 1200) : rng_range (g, 20, 300);
      tcp_send (g, f, from_server, TCP_PSH | TCP_ACK, noise (g, len), len);
      return;

    default:
      from_server = f->pattern == PATTERN_DOWNLOAD;
      if (k % 3 == 2)
        {
          tcp_send (g, f, !from_server, TCP_ACK, NULL, 0);
          return;
        }
      len = (i + 1 == end_of_data || rng_below (g, 16) == 0) ? rng_range (g, 60, f->mss) : f->mss;
      tcp_send (g, f, from_server, len < f->mss ? TCP_PSH | TCP_ACK : TCP_ACK, noise (g, len), len);
      return;
    }
}

/* ------------------------------------------------------------------------ */
/* UDP: DNS, QUIC, other                                                     */

static void
udp_send (Gen *g, Flow *f, gboolean from_server, const guint8 *data, gsize len)
{
  guint8 *u = frame_l4 (g, f);

  put16 (u, from_server ? f->server_port : f->client_port);
  put16 (u + 2, from_server ? f->client_port : f->server_port);
  put16 (u + 4, (guint) (8 + len));
  if (data != u + 8)
    memmove (u + 8, data, len);
  emit_frame (g, f, from_server, 17, 8 + len);
}

static gsize
dns_put_name (guint8 *q, const char *name)
{
  gsize n = 0;

  while (*name)
    {
      const char *dot = strchr (name, '.');
      gsize l = dot ? (gsize) (dot - name) : strlen (name);
      q[n++] = (guint8) l;
      memcpy (q + n, name, l);
      n += l;
      name += l;
      if (*name == '.')
        name++;
    }
  q[n++] = 0;
  return n;
}

static void
dns_step (Gen *g, Flow *f)
{
  char name[96];
  guint8 *p = g->payload;
  gsize n = 12;
  guint answers = 0;
  gboolean nxdomain;

  name_format (f->name, name, sizeof name);
  put16 (p, f->aux);
  put16 (p + 4, 1);
  put16 (p + 6, 0);
  put16 (p + 8, 0);
  put16 (p + 10, 0);
  n += dns_put_name (p + n, name);
  put16 (p + n, f->aux2);
  put16 (p + n + 2, 1);
  n += 4;

  if (f->sent == 0)
    {
      put16 (p + 2, 0x0100);   /* standard query, recursion desired */
      udp_send (g, f, FALSE, p, n);
      g->dns_queries++;
      note_name (g, f->name);
      return;
    }

  nxdomain = f->name % 53 == 7;
  if (!nxdomain)
    {
      guint32 server = name_server (g, f->name);
      guint count;

      if (f->name % 3 == 0)
        {
          /* CNAME into a CDN first */
          char cname[128];
          gsize l;

          g_snprintf (cname, sizeof cname, "%s.cdn.example.net", name);
          put16 (p + n, 0xc00c);
          put16 (p + n + 2, 5);
          put16 (p + n + 4, 1);
          put32 (p + n + 6, 300);
          l = dns_put_name (p + n + 12, cname);
          put16 (p + n + 10, (guint) l);
          n += 12 + l;
          answers++;
        }
      count = f->aux2 == 65 ? 1 : 1 + f->name % 3;
      for (guint j = 0; j < count; j++)
        {
          put16 (p + n, 0xc00c);
          put16 (p + n + 2, f->aux2);
          put16 (p + n + 4, 1);
          put32 (p + n + 6, rng_range (g, 30, 3600));
          n += 10;
          if (f->aux2 == 1)
            {
              guint8 a[16];
              server_address ((server + j) % g->n_servers, FALSE, a);
              put16 (p + n, 4);
              memcpy (p + n + 2, a, 4);
              n += 6;
            }
          else if (f->aux2 == 28)
            {
              guint8 a[16];
              server_address ((server + j) % g->n_servers, TRUE, a);
              put16 (p + n, 16);
              memcpy (p + n + 2, a, 16);
              n += 18;
            }
          else
            {
              /* HTTPS RR (RFC 9460): priority 1, target ".", alpn h3,h2 */
              static const guint8 svcb[] = { 0, 1, 0, 0, 1, 0, 6, 2, 'h', '3', 2, 'h', '2' };
              put16 (p + n, sizeof svcb);
              memcpy (p + n + 2, svcb, sizeof svcb);
              n += 2 + sizeof svcb;
            }
          answers++;
        }
    }
  put16 (p + 2, nxdomain ? 0x8183 : 0x8180);
  put16 (p + 6, answers);
  udp_send (g, f, TRUE, p, n);
  g->dns_responses++;
}

static void
quic_step (Gen *g, Flow *f)
{
  guint8 *dgram = frame_l4 (g, f) + 8;
  guint8 frames[1500];
  guint8 hello[1024];
  QuicKeys keys;
  gsize n;
  gsize len;

  switch (f->sent)
    {
    case 0:
      {
        /* the client's first Initial: a ClientHello with SNI, padded to 1200 */
        char name[96];
        name_format (f->name, name, sizeof name);
        len = tls_client_hello (g, hello, name, TRUE);
        n = quic_crypto_frame (frames, hello, len);
        quic_initial_keys (f->dcid, f->dcid_len, FALSE, &keys);
        len = quic_seal_initial (dgram, &keys, f->dcid, f->dcid_len, f->scid, sizeof f->scid,
                                 0, f->pn_len, frames, n, 1200);
        udp_send (g, f, FALSE, dgram, len);
        g->quic_sni++;
        g->quic_client_initials++;
        note_name (g, f->name);
        return;
      }

    case 1:
      {
        /* the server's Initial (ACK + ServerHello) coalesced with a Handshake packet */
        len = tls_server_hello (g, hello, NULL, 0);
        frames[0] = 0x02;   /* ACK: largest 0, delay, no extra ranges, first range 0 */
        frames[1] = 0x00;
        frames[2] = (guint8) rng_range (g, 1, 60);
        frames[3] = 0x00;
        frames[4] = 0x00;
        n = 5 + quic_crypto_frame (frames + 5, hello, len);
        quic_initial_keys (f->dcid, f->dcid_len, TRUE, &keys);
        len = quic_seal_initial (dgram, &keys, f->scid, sizeof f->scid,
                                 f->server_cid, sizeof f->server_cid, 0, 2, frames, n, 0);
        len += quic_opaque_long (g, dgram + len, 2, f->scid, sizeof f->scid,
                                 f->server_cid, sizeof f->server_cid, 1200 - len);
        udp_send (g, f, TRUE, dgram, len);
        g->quic_server_initials++;
        return;
      }

    case 2:
      /* the rest of the server's flight (certificate, ...) */
      len = quic_opaque_long (g, dgram, 2, f->scid, sizeof f->scid,
                              f->server_cid, sizeof f->server_cid, rng_range (g, 600, 1200));
      udp_send (g, f, TRUE, dgram, len);
      return;

    case 3:
      {
        /* the client acknowledges the server's Initial, then its Handshake */
        frames[0] = 0x02;
        frames[1] = 0x00;
        frames[2] = 0x00;
        frames[3] = 0x00;
        frames[4] = 0x00;
        quic_initial_keys (f->dcid, f->dcid_len, FALSE, &keys);
        len = quic_seal_initial (dgram, &keys, f->server_cid, sizeof f->server_cid,
                                 f->scid, sizeof f->scid, 1, f->pn_len, frames, 5, 0);
        len += quic_opaque_long (g, dgram + len, 2, f->server_cid, sizeof f->server_cid,
                                 f->scid, sizeof f->scid, 1200 - len);
        udp_send (g, f, FALSE, dgram, len);
        g->quic_client_initials++;
        return;
      }

    default:
      {
        /* 1-RTT short-header packets, mostly downstream */
        gboolean from_server = (f->sent - 4) % 3 != 2;
        const guint8 *cid = from_server ? f->scid : f->server_cid;

        len = from_server ? rng_range (g, 1100, 1350) : rng_range (g, 30, 80);
        memcpy (dgram, noise (g, len), len);
        dgram[0] = (guint8) (0x40 | (dgram[0] & 0x3f));
        memcpy (dgram + 1, cid, 8);
        udp_send (g, f, from_server, dgram, len);
        return;
      }
    }
}

static void
udp_other_step (Gen *g, Flow *f)
{
  guint8 *p = g->payload;
  gsize len;
  gboolean from_server;

  switch (f->pattern)
    {
    case PATTERN_RTP:
      len = 172;
      memcpy (p, noise (g, len), len);
      p[0] = 0x80;
      p[1] = 0x00;   /* PCMU */
      put16 (p + 2, f->sent / 2);
      put32 (p + 4, f->sent / 2 * 160);
      udp_send (g, f, f->sent & 1, p, len);
      return;

    case PATTERN_WIREGUARD:
      from_server = rng_below (g, 10) < 6;
      if (f->sent == 0)
        {
          len = 148;    /* handshake initiation */
          memcpy (p, noise (g, len), len);
          p[0] = 1;
          from_server = FALSE;
        }
      else if (f->sent == 1)
        {
          len = 92;     /* handshake response */
          memcpy (p, noise (g, len), len);
          p[0] = 2;
          from_server = TRUE;
        }
      else
        {
          len = 32 + 16 * rng_range (g, 2, from_server ? 86 : 20);
          memcpy (p, noise (g, len), len);
          p[0] = 4;     /* transport data */
        }
      p[1] = p[2] = p[3] = 0;
      udp_send (g, f, from_server, p, len);
      return;

    default:
      len = rng_range (g, 24, 320);
      udp_send (g, f, f->sent & 1, noise (g, len), len);
      return;
    }
}

/* ------------------------------------------------------------------------ */
/* ICMP                                                                      */

static void
icmp_step (Gen *g, Flow *f)
{
  guint8 *c = frame_l4 (g, f);
  gboolean reply = f->sent & 1;

  if (f->ipv6)
    c[0] = reply ? 129 : 128;
  else
    c[0] = reply ? 0 : 8;
  c[1] = 0;
  put16 (c + 2, 0);
  put16 (c + 4, f->aux);
  put16 (c + 6, f->aux2);
  if (reply)
    f->aux2++;
  put32 (c + 8, (guint32) (g->now_us / G_USEC_PER_SEC));
  put32 (c + 12, (guint32) (g->now_us % G_USEC_PER_SEC));
  for (guint j = 16; j < 64; j++)
    c[j] = (guint8) j;   /* iputils' pattern */
  emit_frame (g, f, reply, f->ipv6 ? 58 : 1, 64);
}

/* ------------------------------------------------------------------------ */
/* Flow setup                                                                */


static void
format_address (const guint8 *addr, gboolean ipv6, char *buf, gsize size)
{
  if (inet_ntop (ipv6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t) size) == NULL)
    g_strlcpy (buf, "?", size);
}

static const char *
flow_protocol (const Flow *f)
{
  switch (f->kind)
    {
    case KIND_UDP_DNS: case KIND_UDP_QUIC: case KIND_UDP_OTHER: return "udp";
    case KIND_ICMP_ECHO: return f->ipv6 ? "icmpv6" : "icmp";
    default: return "tcp";
    }
}

/* One flow of the truth file's "flow_list": who talks to whom and what a
 * DPI engine should find in it. */
static void
flow_list (Gen *g, const Flow *f)
{
  static const char *const teardowns[] = { "none", "fin", "rst" };
  char client[64];
  char server[64];
  char name[96];
  const char *field = NULL;

  format_address (f->client_addr, f->ipv6, client, sizeof client);
  format_address (f->server_addr, f->ipv6, server, sizeof server);
  name_format (f->name, name, sizeof name);
  switch (f->kind)
    {
    case KIND_TCP_TLS: field = "sni"; break;
    case KIND_UDP_QUIC: field = "sni"; break;
    case KIND_TCP_HTTP: field = "http_host"; break;
    case KIND_UDP_DNS: field = "dns_query"; break;
    default: break;
    }

  g_string_append_printf (g->truth_list,
                          "%s\n    {\"index\": %u, \"kind\": \"%s\", \"protocol\": \"%s\", "
                          "\"client\": \"%s\", \"client_port\": %u, "
                          "\"server\": \"%s\", \"server_port\": %u, \"packets\": %u",
                          g->n_listed ? "," : "", f->index, kind_names[f->kind],
                          flow_protocol (f), client,
                          f->kind == KIND_ICMP_ECHO ? 0 : f->client_port, server,
                          f->kind == KIND_ICMP_ECHO ? 0 : f->server_port, f->budget);
  if (field)
    g_string_append_printf (g->truth_list, ", \"%s\": \"%s\"", field, name);
  if (f->kind == KIND_TCP_SSH)
    g_string_append_printf (g->truth_list, ", \"ssh_server\": \"%.*s\"",
                            (int) strlen (ssh_server_banners[f->name % G_N_ELEMENTS (ssh_server_banners)]) - 2,
                            ssh_server_banners[f->name % G_N_ELEMENTS (ssh_server_banners)]);
  if (f->kind == KIND_ICMP_ECHO)
    g_string_append_printf (g->truth_list, ", \"icmp_id\": %u", f->aux);
  if (f->kind <= KIND_TCP_REFUSED)
    g_string_append_printf (g->truth_list, ", \"teardown\": \"%s\"", teardowns[f->teardown]);
  g_string_append (g->truth_list, "}");
  g->n_listed++;
}

/* Spoofed SYN sources: every one a distinct (address, port), IPv4 from
 * 198.18.1.0-198.18.255.255 and 198.19.1.0-198.19.254.255 (clear of the real
 * clients, servers and resolvers), IPv6 from 2001:2:0:ff00::/64. */
static void
spoofed_init (Gen *g, Flow *f)
{
  const guint32 pool = 65280 + 65024;
  guint32 a = f->index % pool;
  guint32 round = f->index / pool;
  guint8 victim[16];

  if (!f->ipv6)
    put32 (f->client_addr, a < 65280 ? 0xc6120100u + a : 0xc6130100u + (a - 65280));
  else
    {
      put32 (f->client_addr, 0x20010002);
      put32 (f->client_addr + 4, 0x0000ff00);
      put32 (f->client_addr + 8, 0x5f000000u | (f->index * 2654435761u >> 8));
      put32 (f->client_addr + 12, f->index);
    }
  f->client_port = (guint16) (1024 + (round * 7919u + a * 13u) % 64000);
  server_address (79, f->ipv6, victim);
  memcpy (f->server_addr, victim, 16);
  f->server_port = 443;
  f->client_mac[0] = 0x02;
  f->client_mac[1] = 0x66;
  put32 (f->client_mac + 2, f->index);
  f->client_ttl = (guint8) rng_range (g, 32, 250);
  f->client_seq = (guint32) rng_next (g);
  f->client_ipid = (guint16) rng_next (g);
  f->timestamps = rng_below (g, 2);
  f->mss = f->ipv6 ? 1440 : 1460;
  if (f->timestamps)
    f->mss -= 12;
  f->client_tsval = (guint32) rng_next (g);
}

static void
flow_init (Gen *g, Flow *f, guint32 index, const FlowPlan *plan)
{
  guint32 c = index % g->n_clients;
  guint32 round = index / g->n_clients;
  guint32 server = 0;
  double u;

  memset (f, 0, sizeof *f);
  f->index = index;
  f->budget = plan->budget;
  f->kind = plan->kind;
  f->ipv6 = plan->ipv6;

  g->flows_by_kind[f->kind]++;
  if (f->ipv6)
    g->ipv6_flows++;
  if (f->kind == KIND_ICMP_ECHO)
    ;   /* counted once its addresses are known: two echo sessions between the same
         * hosts are one connection (a row is keyed by protocol and endpoints) */
  else if (f->kind == KIND_UDP_DNS || f->kind == KIND_UDP_QUIC || f->kind == KIND_UDP_OTHER)
    g->conns_udp++;
  else
    g->conns_tcp++;

  if (f->kind == KIND_SPOOFED_SYN)
    {
      spoofed_init (g, f);
      return;
    }

  client_address (c, f->ipv6, f->client_addr);
  f->client_port = (guint16) (1024 + (round * 7919u + c * 37u) % 64000);
  f->client_mac[0] = 0x02;
  f->client_mac[1] = 0x42;
  put32 (f->client_mac + 2, 0xc6120000u + c);
  f->client_ttl = f->ipv6 ? 64 : (c % 10 == 3 ? 128 : 64);
  f->server_ttl = (guint8) rng_range (g, 44, 60);
  f->client_ipid = (guint16) rng_next (g);
  f->server_ipid = (guint16) rng_next (g);
  f->client_seq = (guint32) rng_next (g);
  f->server_seq = (guint32) rng_next (g);
  f->client_tsval = (guint32) rng_next (g);
  f->server_tsval = (guint32) rng_next (g);
  f->timestamps = rng_below (g, 100) < 85;
  f->mss = (f->ipv6 ? 1440 : 1460) - (f->timestamps ? 12 : 0);
  f->name = name_pick (g);
  u = rng_double (g);

  switch (f->kind)
    {
    case KIND_TCP_TLS:
      server = name_server (g, f->name);
      f->server_port = rng_below (g, 20) == 0 ? 8443 : 443;
      f->pattern = u < 0.7 ? PATTERN_DOWNLOAD : u < 0.8 ? PATTERN_UPLOAD : PATTERN_INTERACTIVE;
      f->split_hello = rng_below (g, 20) == 0;
      break;
    case KIND_TCP_HTTP:
      server = name_server (g, f->name);
      f->server_port = rng_below (g, 10) == 0 ? 8080 : 80;
      /* downloads only: noise sent upstream would read as more requests */
      f->pattern = PATTERN_DOWNLOAD;
      break;
    case KIND_TCP_SSH:
      server = (guint32) ((double) g->n_servers * u * u);
      f->server_port = 22;
      f->pattern = rng_below (g, 5) ? PATTERN_INTERACTIVE : PATTERN_DOWNLOAD;
      break;
    case KIND_TCP_OTHER:
      {
        static const guint16 ports[] = {
          25, 587, 993, 3306, 5432, 6379, 9000, 5222, 1883, 445, 3389, 8000,
        };
        server = (guint32) ((double) g->n_servers * u * u);
        f->server_port = rng_below (g, 5) ? ports[rng_below (g, G_N_ELEMENTS (ports))]
                                          : (guint16) rng_range (g, 1025, 60000);
        u = rng_double (g);
        f->pattern = u < 0.6 ? PATTERN_DOWNLOAD : u < 0.75 ? PATTERN_UPLOAD : PATTERN_INTERACTIVE;
        break;
      }
    case KIND_TCP_REFUSED:
      server = (guint32) ((double) g->n_servers * u * u);
      f->server_port = rng_below (g, 2) ? 443 : (guint16) rng_range (g, 1, 60000);
      break;
    case KIND_UDP_DNS:
      f->server_port = 53;
      f->aux = (guint16) rng_next (g);
      f->aux2 = u < 0.65 ? 1 : u < 0.95 ? 28 : 65;
      break;
    case KIND_UDP_QUIC:
      server = name_server (g, f->name);
      f->server_port = 443;
      f->dcid_len = (guint8) (rng_below (g, 10) < 7 ? 8 : rng_below (g, 2) ? 16 : 20);
      rng_fill (g, f->dcid, f->dcid_len);
      rng_fill (g, f->scid, sizeof f->scid);
      rng_fill (g, f->server_cid, sizeof f->server_cid);
      f->pn_len = (guint8) (1u << rng_below (g, 3));   /* 1, 2 or 4 bytes */
      break;
    case KIND_UDP_OTHER:
      server = (guint32) ((double) g->n_servers * u * u);
      u = rng_double (g);
      f->pattern = u < 0.4 ? PATTERN_RTP : u < 0.7 ? PATTERN_WIREGUARD : PATTERN_GAME;
      f->server_port = f->pattern == PATTERN_RTP ? (guint16) (16384 + 2 * rng_below (g, 8000))
                     : f->pattern == PATTERN_WIREGUARD ? 51820
                     : (guint16) rng_range (g, 27015, 27030);
      break;
    case KIND_ICMP_ECHO:
      server = (guint32) ((double) g->n_servers * u * u);
      f->aux = (guint16) rng_next (g);
      f->aux2 = 1;
      break;
    default:
      g_assert_not_reached ();
    }

  if (f->kind == KIND_UDP_DNS)
    resolver_address (rng_below (g, 2), f->ipv6, f->server_addr);
  else
    server_address (server % g->n_servers, f->ipv6, f->server_addr);

  if (f->kind == KIND_ICMP_ECHO)
    {
      /* FNV-1a over both addresses: distinct pairs, not flows */
      guint64 h = 0xcbf29ce484222325ull;
      gint64 *key;

      for (guint i = 0; i < 16; i++)
        h = (h ^ f->client_addr[i]) * 0x100000001b3ull;
      for (guint i = 0; i < 16; i++)
        h = (h ^ f->server_addr[i]) * 0x100000001b3ull;
      h = (h ^ f->ipv6) * 0x100000001b3ull;
      key = g_new (gint64, 1);
      *key = (gint64) h;
      if (g_hash_table_add (g->icmp_pairs, key))
        {
          if (f->ipv6)
            g->conns_icmpv6++;
          else
            g->conns_icmp++;
        }
    }

  if (f->kind <= KIND_TCP_OTHER)
    {
      u = rng_double (g);
      f->teardown = u < 0.85 ? TEARDOWN_FIN : u < 0.90 ? TEARDOWN_RST : TEARDOWN_NONE;
      f->client_closes = rng_below (g, 10) < 7;
      f->prologue = (guint8) tcp_prologue_len (f->kind, f->split_hello);
      /* the plan guarantees handshake + unsplit prologue + FIN; shrink the rest */
      if (f->budget < 3 + f->prologue + teardown_len (f->teardown))
        {
          f->split_hello = FALSE;
          f->prologue = (guint8) tcp_prologue_len (f->kind, FALSE);
        }
      if (f->budget < 3 + f->prologue + teardown_len (f->teardown))
        f->teardown = TEARDOWN_NONE;
      g_assert (f->budget >= 3u + f->prologue);
    }
  else if (f->kind == KIND_TCP_REFUSED)
    f->teardown = rng_below (g, 10) < 6 ? TEARDOWN_RST : TEARDOWN_NONE;

  if (g->truth_flows)
    flow_list (g, f);
}

static void
flow_step (Gen *g, Flow *f)
{
  switch (f->kind)
    {
    case KIND_UDP_DNS: dns_step (g, f); break;
    case KIND_UDP_QUIC: quic_step (g, f); break;
    case KIND_UDP_OTHER: udp_other_step (g, f); break;
    case KIND_ICMP_ECHO: icmp_step (g, f); break;
    default: tcp_step (g, f); break;
    }
}

/* ------------------------------------------------------------------------ */
/* Planning: kinds, minimum budgets, then the rest spread heavy-tailed       */

enum { CLASS_TCP, CLASS_UDP, CLASS_ICMP, N_CLASSES };

static guint
kind_class (FlowKind kind)
{
  switch (kind)
    {
    case KIND_UDP_DNS: case KIND_UDP_QUIC: case KIND_UDP_OTHER: return CLASS_UDP;
    case KIND_ICMP_ECHO: return CLASS_ICMP;
    default: return CLASS_TCP;
    }
}

/* Smallest budget of a flow that can grow; 0 when the flow is fixed-size. */
static guint32
plan_minimum (Gen *g, FlowKind kind, guint32 *fixed)
{
  *fixed = 0;
  switch (kind)
    {
    case KIND_TCP_TLS: return 3 + 2 + 3;
    case KIND_TCP_HTTP: return 3 + 2 + 3;
    case KIND_TCP_SSH: return 3 + 4 + 3;
    case KIND_TCP_OTHER: return 3 + 1 + 3;
    case KIND_TCP_REFUSED: *fixed = rng_range (g, 1, 3); return 0;
    case KIND_UDP_DNS: *fixed = rng_below (g, 30) ? 2 : 1; return 0;
    case KIND_UDP_QUIC:
      if (rng_below (g, 20) == 0)
        {
          *fixed = 1;   /* an Initial nobody answers */
          return 0;
        }
      return 4;
    case KIND_UDP_OTHER: return 1;
    case KIND_ICMP_ECHO: return 2;
    default: *fixed = 1; return 0;
    }
}

static FlowKind
plan_kind (Gen *g)
{
  double u = rng_double (g);
  double v = rng_double (g);

  if (u < 0.60)
    return v < 0.05 ? KIND_TCP_REFUSED : v < 0.35 ? KIND_TCP_TLS : v < 0.45 ? KIND_TCP_HTTP
         : v < 0.48 ? KIND_TCP_SSH : KIND_TCP_OTHER;
  if (u < 0.93)
    return v < 0.60 ? KIND_UDP_DNS : v < 0.75 ? KIND_UDP_QUIC : KIND_UDP_OTHER;
  return KIND_ICMP_ECHO;
}

/* Spreads EXTRA packets over the growable flows of one class, in proportion
 * to Lomax (Pareto II, shape 1.2) weights: most flows stay small, a few
 * carry most of the bytes. */
static void
plan_spread (Gen *g, FlowPlan *plans, const guint32 *members, guint32 n, guint64 extra)
{
  g_autofree double *w = NULL;
  double total = 0;
  guint64 given = 0;

  if (n == 0 || extra == 0)
    return;
  w = g_new (double, n);
  for (guint32 i = 0; i < n; i++)
    {
      w[i] = MIN (pow (1.0 - rng_double (g), -1.0 / 1.2) - 1.0, 20000.0);
      total += w[i];
    }
  for (guint32 i = 0; i < n; i++)
    {
      guint64 e = (guint64) ((double) extra * w[i] / total);
      plans[members[i]].budget += (guint32) e;
      given += e;
    }
  while (given < extra)
    {
      plans[members[rng_below (g, n)]].budget++;
      given++;
    }
}

static FlowPlan *
plan_mix (Gen *g, guint64 *n_plans)
{
  FlowPlan *plans = g_new0 (FlowPlan, g->n_flows);
  g_autofree guint32 *members = g_new (guint32, g->n_flows);
  guint64 target[N_CLASSES];
  guint64 used[N_CLASSES] = { 0 };

  target[CLASS_TCP] = (guint64) (0.70 * (double) g->n_packets);
  target[CLASS_UDP] = (guint64) (0.25 * (double) g->n_packets);
  target[CLASS_ICMP] = g->n_packets - target[CLASS_TCP] - target[CLASS_UDP];

  for (guint64 i = 0; i < g->n_flows; i++)
    {
      guint32 fixed;
      guint32 minimum;

      plans[i].kind = plan_kind (g);
      plans[i].ipv6 = rng_double (g) < g->ipv6_share;
      minimum = plan_minimum (g, plans[i].kind, &fixed);
      plans[i].budget = minimum ? minimum : fixed;
      /* budget's top bit marks "growable" until the spread */
      if (minimum)
        plans[i].budget |= 0x80000000u;
      used[kind_class (plans[i].kind)] += minimum ? minimum : fixed;
    }

  for (guint c = 0; c < N_CLASSES; c++)
    {
      guint32 n = 0;

      for (guint64 i = 0; i < g->n_flows; i++)
        if ((plans[i].budget & 0x80000000u) && kind_class (plans[i].kind) == c)
          members[n++] = (guint32) i;
      for (guint32 i = 0; i < n; i++)
        plans[members[i]].budget &= 0x7fffffffu;
      if (target[c] > used[c])
        plan_spread (g, plans, members, n, target[c] - used[c]);
    }

  *n_plans = g->n_flows;
  return plans;
}

/* --syn-flood: N spoofed SYNs with the real flows spread evenly among them. */
static FlowPlan *
plan_flood (Gen *g, guint64 *n_plans)
{
  static const FlowKind real_kinds[] = {
    KIND_TCP_TLS, KIND_TCP_HTTP, KIND_UDP_DNS, KIND_TCP_SSH, KIND_UDP_QUIC,
    KIND_ICMP_ECHO, KIND_TCP_OTHER,
  };
  guint64 total = g->syn_flood + g->n_flows;
  FlowPlan *plans = g_new0 (FlowPlan, total);
  guint64 r = 0;

  for (guint64 i = 0; i < total; i++)
    {
      /* the r-th real flow sits at (r + 0.5) * total / n_flows */
      if (r < g->n_flows && i == (guint64) (((double) r + 0.5) * (double) total / (double) g->n_flows))
        {
          guint32 fixed;
          FlowKind kind = real_kinds[r % G_N_ELEMENTS (real_kinds)];
          guint32 minimum = plan_minimum (g, kind, &fixed);

          plans[i].kind = kind;
          plans[i].ipv6 = r % 5 == 4;
          if (kind == KIND_UDP_DNS)
            plans[i].budget = 2;
          else if (kind == KIND_ICMP_ECHO)
            plans[i].budget = 2 * rng_range (g, 2, 5);
          else
            plans[i].budget = MAX (minimum, 4) + rng_range (g, 10, 40);
          r++;
        }
      else
        {
          plans[i].kind = KIND_SPOOFED_SYN;
          plans[i].ipv6 = rng_double (g) < g->ipv6_share;
          plans[i].budget = 1;
        }
    }
  *n_plans = total;
  return plans;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                    */

static gboolean
write_truth (Gen *g, const char *path, double seconds, guint64 start_us)
{
  g_autoptr(GString) j = g_string_new ("{\n");
  g_autoptr(GError) error = NULL;
  guint64 flows = 0;

  for (guint k = 0; k < N_KINDS; k++)
    flows += g->flows_by_kind[k];

  g_string_append_printf (j, "  \"generator\": \"netlens-gen-capture %s\",\n", PACKAGE_VERSION);
  g_string_append_printf (j, "  \"options\": {\"packets\": %" G_GUINT64_FORMAT ", \"flows\": %"
                          G_GUINT64_FORMAT ", \"concurrency\": %" G_GUINT64_FORMAT
                          ", \"seed\": %" G_GUINT64_FORMAT ", \"ipv6_share\": %.3f"
                          ", \"rate\": %.0f, \"syn_flood\": %" G_GUINT64_FORMAT
                          ", \"checksums\": %s},\n",
                          g->n_packets, g->n_flows, g->concurrency, g->seed, g->ipv6_share,
                          g->rate, g->syn_flood, g->checksums ? "true" : "false");
  g_string_append_printf (j, "  \"link_type\": 1,\n  \"packets\": %" G_GUINT64_FORMAT
                          ",\n  \"bytes\": %" G_GUINT64_FORMAT ",\n  \"file_bytes\": %"
                          G_GUINT64_FORMAT ",\n",
                          g->packets, g->bytes, 24 + g->bytes + 16 * g->packets);
  g_string_append_printf (j, "  \"mean_frame\": %.1f,\n", g->packets ? (double) g->bytes / (double) g->packets : 0.0);
  g_string_append_printf (j, "  \"ipv6_packets\": %" G_GUINT64_FORMAT ", \"tcp_packets\": %"
                          G_GUINT64_FORMAT ", \"udp_packets\": %" G_GUINT64_FORMAT
                          ", \"icmp_packets\": %" G_GUINT64_FORMAT ",\n",
                          g->ipv6_packets, g->tcp_packets, g->udp_packets, g->icmp_packets);
  g_string_append_printf (j, "  \"first_timestamp_us\": %" G_GUINT64_FORMAT
                          ", \"duration_seconds\": %.6f,\n",
                          start_us, (double) (g->now_us - start_us) / G_USEC_PER_SEC);
  g_string_append_printf (j, "  \"flows\": %" G_GUINT64_FORMAT ", \"ipv6_flows\": %"
                          G_GUINT64_FORMAT ",\n", flows, g->ipv6_flows);
  g_string_append (j, "  \"flows_by_kind\": {");
  for (guint k = 0; k < N_KINDS; k++)
    g_string_append_printf (j, "%s\"%s\": %" G_GUINT64_FORMAT, k ? ", " : "", kind_names[k],
                            g->flows_by_kind[k]);
  g_string_append (j, "},\n");
  g_string_append_printf (j, "  \"connections_by_protocol\": {\"tcp\": %" G_GUINT64_FORMAT
                          ", \"udp\": %" G_GUINT64_FORMAT ", \"icmp\": %" G_GUINT64_FORMAT
                          ", \"icmpv6\": %" G_GUINT64_FORMAT "},\n",
                          g->conns_tcp, g->conns_udp, g->conns_icmp, g->conns_icmpv6);
  g_string_append_printf (j, "  \"tls_sni\": %" G_GUINT64_FORMAT ", \"tls_split_client_hello\": %"
                          G_GUINT64_FORMAT ", \"tls_server_hello\": %" G_GUINT64_FORMAT ",\n",
                          g->tls_sni, g->tls_split_hello, g->tls_server_hello);
  g_string_append_printf (j, "  \"quic_sni\": %" G_GUINT64_FORMAT ", \"quic_client_initials\": %"
                          G_GUINT64_FORMAT ", \"quic_server_initials\": %" G_GUINT64_FORMAT ",\n",
                          g->quic_sni, g->quic_client_initials, g->quic_server_initials);
  g_string_append_printf (j, "  \"http_host\": %" G_GUINT64_FORMAT ", \"http_responses\": %"
                          G_GUINT64_FORMAT ",\n", g->http_host, g->http_responses);
  g_string_append_printf (j, "  \"dns_queries\": %" G_GUINT64_FORMAT ", \"dns_responses\": %"
                          G_GUINT64_FORMAT ",\n", g->dns_queries, g->dns_responses);
  g_string_append_printf (j, "  \"ssh_banners\": %" G_GUINT64_FORMAT ",\n", g->ssh_banners);
  g_string_append_printf (j, "  \"distinct_names\": %u,\n", g_hash_table_size (g->names_seen));
  if (g->syn_flood)
    {
      char victim4[64];
      char victim6[64];
      guint8 a[16];

      server_address (79, FALSE, a);
      format_address (a, FALSE, victim4, sizeof victim4);
      server_address (79, TRUE, a);
      format_address (a, TRUE, victim6, sizeof victim6);
      g_string_append_printf (j, "  \"syn_flood\": {\"spoofed_syns\": %" G_GUINT64_FORMAT
                              ", \"victims\": [\"%s\", \"%s\"], \"port\": 443},\n",
                              g->flows_by_kind[KIND_SPOOFED_SYN], victim4, victim6);
    }
  if (g->truth_flows)
    g_string_append_printf (j, "  \"flow_list\": [%s\n  ],\n", g->truth_list->str);
  g_string_append_printf (j, "  \"generation_seconds\": %.3f\n}\n", seconds);

  if (!g_file_set_contents (path, j->str, (gssize) j->len, &error))
    {
      g_printerr ("netlens-gen-capture: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

static void
write_file_header (Gen *g)
{
  guint8 h[24];

  put_le32 (h, 0xa1b2c3d4);     /* microsecond timestamps */
  h[4] = 2;
  h[5] = 0;
  h[6] = 4;
  h[7] = 0;
  put_le32 (h + 8, 0);
  put_le32 (h + 12, 0);
  put_le32 (h + 16, 262144);
  put_le32 (h + 20, 1);         /* LINKTYPE_ETHERNET */
  if (fwrite (h, sizeof h, 1, g->out) != 1)
    {
      g_printerr ("netlens-gen-capture: write failed: %s\n", g_strerror (errno));
      exit (1);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *truth_path = NULL;
  g_autofree FlowPlan *plans = NULL;
  g_autofree Flow *active = NULL;
  g_autofree char *stdio_buffer = NULL;
  gint64 n_packets = 1000000, n_flows = -1, concurrency = -1, seed = 1, syn_flood = 0;
  double ipv6_share = 0.2, rate = 250000;
  gboolean no_checksums = FALSE, truth_flows = FALSE, quiet = FALSE;
  const guint64 start_us = G_GUINT64_CONSTANT (1704103200) * G_USEC_PER_SEC;   /* 2024-01-01 10:00 UTC */
  guint64 n_plans = 0;
  guint64 next = 0;
  guint64 n_active = 0;
  gint64 t0;
  Gen *g;
  const GOptionEntry entries[] = {
    { "packets", 'n', 0, G_OPTION_ARG_INT64, &n_packets, "Packets in the mix (default 1000000)", "N" },
    { "flows", 'f', 0, G_OPTION_ARG_INT64, &n_flows, "Flows (default 20000; with --syn-flood, real connections, default 14)", "N" },
    { "concurrency", 'K', 0, G_OPTION_ARG_INT64, &concurrency, "Flows active at once (default min(2000, flows); 64 with --syn-flood)", "N" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 1)", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Capture to write (also writes OUT.truth.json)", "OUT" },
    { "ipv6-share", '6', 0, G_OPTION_ARG_DOUBLE, &ipv6_share, "Share of IPv6 flows (default 0.2)", "F" },
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &rate, "Mean packets per second of capture time (default 250000)", "PPS" },
    { "syn-flood", 0, 0, G_OPTION_ARG_INT64, &syn_flood, "N spoofed SYNs from distinct sources around a few real connections", "N" },
    { "no-checksums", 'C', 0, G_OPTION_ARG_NONE, &no_checksums, "Leave TCP/UDP checksums zero (faster)", NULL },
    { "truth-flows", 0, 0, G_OPTION_ARG_NONE, &truth_flows, "List every flow in the truth file (always on with --syn-flood)", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No summary on standard error", NULL },
    { NULL }
  };

  context = g_option_context_new ("- write a synthetic pcap with known ground truth");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("netlens-gen-capture: %s\n", error->message);
      return 1;
    }
  if (output == NULL)
    {
      g_printerr ("netlens-gen-capture: --output is required (see --help)\n");
      return 1;
    }
  if (n_flows < 0)
    n_flows = syn_flood > 0 ? 14 : 20000;
  if (concurrency < 0)
    concurrency = syn_flood > 0 ? 64 : MIN (2000, n_flows);
  if (n_packets < 1 || n_flows < (syn_flood > 0 ? 0 : 1) || concurrency < 1 || syn_flood < 0
      || n_flows > G_MAXINT32 || syn_flood > G_MAXINT32 || n_flows + syn_flood > G_MAXINT32
      || ipv6_share < 0 || ipv6_share > 1 || !(rate > 0))
    {
      g_printerr ("netlens-gen-capture: an option is out of range (see --help)\n");
      return 1;
    }

  g = g_new0 (Gen, 1);
  g->n_packets = (guint64) n_packets;
  g->n_flows = (guint64) n_flows;
  g->concurrency = (guint64) concurrency;
  g->seed = (guint64) seed;
  g->syn_flood = (guint64) syn_flood;
  g->ipv6_share = ipv6_share;
  g->rate = rate;
  g->checksums = !no_checksums;
  g->truth_flows = truth_flows || syn_flood > 0;
  g->quiet = quiet;
  g->truth_list = g_string_new (NULL);
  g->names_seen = g_hash_table_new (NULL, NULL);
  g->icmp_pairs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g->mean_gap_us = 1e6 / rate;
  g->now_us = start_us;
  g->n_clients = (guint32) CLAMP (g->n_flows / 20, 256, 65000);
  g->n_servers = (guint32) CLAMP (g->n_flows / 10, 100, 65000);
  g->n_names = (guint32) CLAMP (g->n_flows, 600, 200000);

  t0 = g_get_monotonic_time ();
  rng_seed (g, g->seed);
  rng_fill (g, g->noise, sizeof g->noise);

  plans = g->syn_flood ? plan_flood (g, &n_plans) : plan_mix (g, &n_plans);

  g->out = g_fopen (output, "wb");
  if (g->out == NULL)
    {
      g_printerr ("netlens-gen-capture: cannot write %s: %s\n", output, g_strerror (errno));
      return 1;
    }
  stdio_buffer = g_malloc (1 << 20);
  setvbuf (g->out, stdio_buffer, _IOFBF, 1 << 20);
  write_file_header (g);

  /* Interleave: each packet comes from a flow picked uniformly among the
   * active ones; a finished flow makes room for the next in plan order. */
  g->concurrency = MIN (g->concurrency, MAX (n_plans, 1));
  active = g_new (Flow, g->concurrency);
  while (n_active < g->concurrency && next < n_plans)
    {
      flow_init (g, &active[n_active++], (guint32) next, &plans[next]);
      next++;
    }
  while (n_active > 0)
    {
      guint32 j = rng_below (g, (guint32) n_active);
      Flow *f = &active[j];

      flow_step (g, f);
      if (++f->sent < f->budget)
        continue;
      if (next < n_plans)
        {
          flow_init (g, f, (guint32) next, &plans[next]);
          next++;
        }
      else
        active[j] = active[--n_active];
    }

  if (fclose (g->out) != 0)
    {
      g_printerr ("netlens-gen-capture: write failed: %s\n", g_strerror (errno));
      return 1;
    }

  truth_path = g_strconcat (output, ".truth.json", NULL);
  if (!write_truth (g, truth_path, (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC, start_us))
    return 1;

  if (!quiet)
    {
      double secs = (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
      g_printerr ("%s: %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT " flows, %.2f GB, "
                  "mean frame %.0f B, %.2f s (%.2f M packets/s)\n",
                  output, g->packets, n_plans, (double) (24 + g->bytes + 16 * g->packets) / 1e9,
                  (double) g->bytes / (double) MAX (g->packets, 1), secs,
                  (double) g->packets / secs / 1e6);
      if (!g->syn_flood && g->packets != g->n_packets)
        g_printerr ("note: %" G_GUINT64_FORMAT " packets instead of %" G_GUINT64_FORMAT
                    ": the flows' minimum sizes exceed --packets\n", g->packets, g->n_packets);
    }

  g_hash_table_unref (g->names_seen);
  g_hash_table_unref (g->icmp_pairs);
  g_string_free (g->truth_list, TRUE);
  g_free (g);
  return 0;
}
