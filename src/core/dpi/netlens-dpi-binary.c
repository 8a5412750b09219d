/* netlens-dpi-binary.c: DPI results in a compact binary form (the history store's rows)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same information as netlens_dpi_write_json() (and nothing more): from_binary builds
 * the record from_json would build, so writing it as JSON gives the original JSON back byte
 * for byte (tests/dpi/test-dpi-binary.c checks it over the corpus and a generated capture).
 *
 * Measured on the generator's mix (netlens-gen-capture -n 1000000 -f 20000: 19,999 rows, 11,491
 * with DPI results; NETLENS_DPI_BINARY_CAPTURE=FILE tests/dpi/test-dpi-binary -p
 * /dpi-binary/measure prints these figures), bytes per row with results, JSON -> binary:
 *   all 383.7 -> 70.8; TLS 431.2 -> 56.2; DNS 230.4 -> 47.5; HTTP 270.3 -> 98.7;
 *   QUIC 555.5 -> 67.9; ICMP 223.4 -> 19.8; SSH 2137.8 -> 610.0 (KEXINIT name-lists)
 * Encoding one row (debugoptimized, best of 5 rounds on a shared 2-core machine; two runs
 * differ by up to 30 %), JSON -> binary:
 *   all rows in turn 1402 -> 749 ns (cache misses of 11,491 records weigh on both);
 *   by kind, records hot in cache: TLS 1103 -> 246, DNS 756 -> 347 (answers parsed as
 *   addresses), HTTP 666 -> 254, QUIC 764 -> 215, ICMP 399 -> 74, SSH 2753 -> 1222 ns.
 *   Reading back costs about what writing the JSON does (TLS 993 ns: strings are interned).
 *
 * Format, version 1 (all integers unsigned LEB128 varints unless said otherwise):
 *   byte 0      NETLENS_DPI_BINARY_VERSION
 *   byte 1      sections present: http 0x01, tls 0x02, dns 0x04, ssh 0x08, quic 0x10,
 *               icmp 0x20, arp 0x40 (exactly where the JSON has an object, not null)
 *   then each present section in that order: a varint of field bits (a field that is
 *   absent, empty, zero or false costs its bit only; booleans are their bit), then the
 *   values of the fields whose bit is set, in bit order.
 * Strings: a varint V, V & 3 says what follows:
 *   0  V >> 2 bytes of text (any bytes but NUL)
 *   1  the (V >> 2)th string of this record that was not itself a reference (the first
 *      STRING_TABLE of them count): repeated names (DNS A + AAAA, SSH name-lists) cost a byte
 *   2  "0x%04x" of V >> 2 (TLS versions)
 *   3  an address, V >> 2 = 4 or 16 bytes follow, written as the JSON writes addresses
 *      (DNS answers)
 * Lists: a count (at most MAX_LIST, and never more than the bytes left), then the items.
 * Bits that this version does not know, trailing bytes, values out of their field's range
 * and anything cut short are errors.
 */

#define G_LOG_DOMAIN "netlens-dpi"

#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "netlens-dpi-private.h"
#include "netlens-json.h"

G_DEFINE_QUARK (netlens-dpi-binary-error-quark, netlens_dpi_binary_error)

/* Items in one list: DPI keeps at most 64 (SSH name-lists); lists read back from JSON
 * have no cap, the writer stops there. */
#define MAX_LIST     4096
#define STRING_TABLE 128

enum
{
  SEC_HTTP = 1 << 0,
  SEC_TLS  = 1 << 1,
  SEC_DNS  = 1 << 2,
  SEC_SSH  = 1 << 3,
  SEC_QUIC = 1 << 4,
  SEC_ICMP = 1 << 5,
  SEC_ARP  = 1 << 6,
  SEC_ALL  = 0x7f,
};

enum
{
  STR_TEXT = 0,
  STR_REF,
  STR_HEX16,
  STR_ADDR,
};

/* field bits */
enum
{
  HTTP_HOSTS = 1 << 0, HTTP_METHODS = 1 << 1, HTTP_REQUESTS = 1 << 2, HTTP_PATH = 1 << 3,
  HTTP_USER_AGENT = 1 << 4, HTTP_RESPONSES = 1 << 5, HTTP_STATUS = 1 << 6,
  HTTP_STATUSES = 1 << 7,
  HTTP_ALL = (1 << 8) - 1,
};

enum
{
  TLS_SNI = 1 << 0, TLS_ALPN = 1 << 1, TLS_CLIENT_HELLOS = 1 << 2, TLS_LEGACY = 1 << 3,
  TLS_SUPPORTED = 1 << 4, TLS_TLS13 = 1 << 5, TLS_ECH = 1 << 6, TLS_SERVER_HELLOS = 1 << 7,
  TLS_HELLO_RETRY = 1 << 8, TLS_SERVER_VERSIONS = 1 << 9, TLS_VERSION = 1 << 10,
  TLS_CIPHER = 1 << 11, TLS_ALPN_SELECTED = 1 << 12,
  TLS_ALL = (1 << 13) - 1,
};

enum
{
  DNS_QUERY = 1 << 0, DNS_RESPONSE = 1 << 1, DNS_RCODE = 1 << 2, DNS_ANSWERS = 1 << 3,
  DNS_NAME = 1 << 4,
  DNS_ALL = (1 << 5) - 1,
};

enum
{
  SSH_C_VERSION = 1 << 0, SSH_S_VERSION = 1 << 1, SSH_C_SOFTWARE = 1 << 2,
  SSH_S_SOFTWARE = 1 << 3, SSH_MESSAGES = 1 << 4, SSH_C_KEXINIT = 1 << 5,
  SSH_S_KEXINIT = 1 << 6, SSH_C_NEWKEYS = 1 << 7, SSH_S_NEWKEYS = 1 << 8,
  SSH_C_LISTS = 1 << 9, SSH_S_LISTS = 1 << 10,
  SSH_ALL = (1 << 11) - 1,
};

enum
{
  QUIC_VERSIONS = 1 << 0, QUIC_SNI = 1 << 1, QUIC_ALPN = 1 << 2, QUIC_CLIENT_HELLOS = 1 << 3,
  QUIC_SERVER_HELLOS = 1 << 4, QUIC_TLS_VERSION = 1 << 5, QUIC_CIPHER = 1 << 6,
  QUIC_MAX_IDLE = 1 << 7, QUIC_INITIAL = 1 << 8, QUIC_ZERO_RTT = 1 << 9,
  QUIC_HANDSHAKE = 1 << 10, QUIC_RETRY = 1 << 11, QUIC_SHORT = 1 << 12, QUIC_VN = 1 << 13,
  QUIC_VN_VERSIONS = 1 << 14, QUIC_CLOSES = 1 << 15, QUIC_DCID = 1 << 16,
  QUIC_SCID = 1 << 17, QUIC_UNDECRYPTABLE = 1 << 18,
  QUIC_ALL = (1 << 19) - 1,
};

enum
{
  CLOSE_FROM_CLIENT = 1 << 0, CLOSE_REASON = 1 << 1,
  CLOSE_ALL = (1 << 2) - 1,
};

enum
{
  ICMP_TYPES = 1 << 0, ICMP_ECHO_REQUESTS = 1 << 1, ICMP_ECHO_REPLIES = 1 << 2,
  ICMP_ECHO_IDS = 1 << 3, ICMP_LAST_TYPE = 1 << 4, ICMP_LAST_CODE = 1 << 5,
  ICMP_LAST_ID = 1 << 6, ICMP_LAST_SEQ = 1 << 7,
  ICMP_ALL = (1 << 8) - 1,
};

enum
{
  ARP_REQUESTS = 1 << 0, ARP_REPLIES = 1 << 1, ARP_SENDER_MACS = 1 << 2, ARP_OP_REQUEST = 1 << 3,
  ARP_OP_REPLY = 1 << 4, ARP_SENDER_MAC = 1 << 5, ARP_TARGET_MAC = 1 << 6,
  ARP_SENDER_IP = 1 << 7, ARP_TARGET_IP = 1 << 8,
  ARP_ALL = (1 << 9) - 1,
};

typedef struct
{
  const char *text;
  gsize       len;
} TableEntry;

static gsize
address_text (char *buf, const guint8 *a, gsize n)
{
  return n == 4 ? netlens_json_format_ipv4 (buf, a) : netlens_json_format_ipv6 (buf, a);
}

static gsize
hex16_text (char *buf, guint v)
{
  static const char digits[] = "0123456789abcdef";

  buf[0] = '0';
  buf[1] = 'x';
  for (int i = 0; i < 4; i++)
    buf[2 + i] = digits[(v >> (12 - 4 * i)) & 0xf];
  return 6;
}

/* ---- writing ---------------------------------------------------------------------------- */

/* open addressing over the string table: index + 1, 0 = empty; at most half full */
#define TABLE_SLOTS (2 * STRING_TABLE)
G_STATIC_ASSERT (STRING_TABLE < 256);

typedef struct
{
  GByteArray *out;
  gsize       n;
  guint       n_table;
  TableEntry  table[STRING_TABLE];
  guint8      slots[TABLE_SLOTS];
  guint8      buf[512];
} Writer;

static void
w_flush (Writer *w)
{
  if (w->n > 0)
    g_byte_array_append (w->out, w->buf, (guint) w->n);
  w->n = 0;
}

static inline void
w_room (Writer *w, gsize k)
{
  if (w->n + k > sizeof w->buf)
    w_flush (w);
}

static inline void
w_byte (Writer *w, guint8 b)
{
  w_room (w, 1);
  w->buf[w->n++] = b;
}

static inline void
w_uint (Writer *w, guint64 v)
{
  w_room (w, 10);
  while (v >= 0x80)
    {
      w->buf[w->n++] = (guint8) (v | 0x80);
      v >>= 7;
    }
  w->buf[w->n++] = (guint8) v;
}

static void
w_bytes (Writer *w, const void *p, gsize len)
{
  if (len > sizeof w->buf / 2)
    {
      w_flush (w);
      g_byte_array_append (w->out, p, (guint) len);
      return;
    }
  w_room (w, len);
  memcpy (w->buf + w->n, p, len);
  w->n += len;
}

static gboolean
is_hex16 (const char *s, gsize len, guint *out)
{
  guint v = 0;

  if (len != 6 || s[0] != '0' || s[1] != 'x')
    return FALSE;
  for (int i = 2; i < 6; i++)
    {
      char c = s[i];

      if (c >= '0' && c <= '9')
        v = v * 16 + (guint) (c - '0');
      else if (c >= 'a' && c <= 'f')
        v = v * 16 + (guint) (c - 'a' + 10);
      else
        return FALSE;
    }
  *out = v;
  return TRUE;
}

/* The bytes of an address whose text S is exactly what address_text() writes, else 0. */
static gsize
as_address (const char *s, gsize len, guint8 *a)
{
  char z[48], back[64];
  gsize n;

  if (len < 2 || len >= sizeof z)
    return 0;
  memcpy (z, s, len);
  z[len] = '\0';
  if (memchr (z, ':', len) == NULL)
    n = inet_pton (AF_INET, z, a) == 1 ? 4 : 0;
  else
    n = inet_pton (AF_INET6, z, a) == 1 ? 16 : 0;
  if (n == 0 || address_text (back, a, n) != len || memcmp (back, s, len) != 0)
    return 0;
  return n;
}

static void
w_string (Writer *w, const char *s, gboolean maybe_address)
{
  guint32 h = 5381;
  gsize len, slot;
  guint8 a[16];
  guint v;
  gsize n;

  for (len = 0; s[len] != '\0'; len++)
    h = h * 33 + (guchar) s[len];
  for (slot = h % TABLE_SLOTS; w->slots[slot] != 0; slot = (slot + 1) % TABLE_SLOTS)
    {
      const TableEntry *e = &w->table[w->slots[slot] - 1];

      if (e->text == s || (e->len == len && memcmp (e->text, s, len) == 0))
        {
          w_uint (w, (guint64) (w->slots[slot] - 1) << 2 | STR_REF);
          return;
        }
    }
  if (w->n_table < STRING_TABLE)
    {
      w->table[w->n_table].text = s;
      w->table[w->n_table].len = len;
      w->slots[slot] = (guint8) ++w->n_table;
    }
  if (is_hex16 (s, len, &v))
    w_uint (w, (guint64) v << 2 | STR_HEX16);
  else if (maybe_address && (n = as_address (s, len, a)) != 0)
    {
      w_uint (w, (guint64) n << 2 | STR_ADDR);
      w_bytes (w, a, n);
    }
  else
    {
      w_uint (w, (guint64) len << 2 | STR_TEXT);
      w_bytes (w, s, len);
    }
}

static inline gboolean
has_items (const GPtrArray *list)
{
  return list != NULL && list->len > 0;
}

static void
w_strlist (Writer *w, const GPtrArray *list, gboolean maybe_address)
{
  guint n = MIN (list->len, MAX_LIST);

  w_uint (w, n);
  for (guint i = 0; i < n; i++)
    w_string (w, g_ptr_array_index ((GPtrArray *) list, i), maybe_address);
}

static inline gboolean
has_values (const GArray *a)
{
  return a != NULL && a->len > 0;
}

static void
w_u16_array (Writer *w, const GArray *a)
{
  guint n = MIN (a->len, MAX_LIST);

  w_uint (w, n);
  for (guint i = 0; i < n; i++)
    w_uint (w, g_array_index ((GArray *) a, guint16, i));
}

static void
w_u32_array (Writer *w, const GArray *a)
{
  guint n = MIN (a->len, MAX_LIST);

  w_uint (w, n);
  for (guint i = 0; i < n; i++)
    w_uint (w, g_array_index ((GArray *) a, guint32, i));
}

static void
write_http (Writer *w, const NetlensHttpInfo *http)
{
  guint bits = 0;

  bits |= has_items (http->hosts) ? HTTP_HOSTS : 0;
  bits |= has_items (http->methods) ? HTTP_METHODS : 0;
  bits |= http->requests != 0 ? HTTP_REQUESTS : 0;
  bits |= http->path != NULL ? HTTP_PATH : 0;
  bits |= http->user_agent != NULL ? HTTP_USER_AGENT : 0;
  bits |= http->responses != 0 ? HTTP_RESPONSES : 0;
  bits |= http->status != 0 ? HTTP_STATUS : 0;
  bits |= has_values (http->statuses) ? HTTP_STATUSES : 0;
  w_uint (w, bits);
  if (bits & HTTP_HOSTS)
    w_strlist (w, http->hosts, FALSE);
  if (bits & HTTP_METHODS)
    w_strlist (w, http->methods, FALSE);
  if (bits & HTTP_REQUESTS)
    w_uint (w, http->requests);
  if (bits & HTTP_PATH)
    w_string (w, http->path, FALSE);
  if (bits & HTTP_USER_AGENT)
    w_string (w, http->user_agent, FALSE);
  if (bits & HTTP_RESPONSES)
    w_uint (w, http->responses);
  if (bits & HTTP_STATUS)
    w_uint (w, http->status);
  if (bits & HTTP_STATUSES)
    w_u16_array (w, http->statuses);
}

static void
write_tls (Writer *w, const NetlensTlsInfo *tls)
{
  guint bits = 0;

  bits |= has_items (tls->sni) ? TLS_SNI : 0;
  bits |= has_items (tls->alpn) ? TLS_ALPN : 0;
  bits |= tls->client_hellos != 0 ? TLS_CLIENT_HELLOS : 0;
  bits |= has_items (tls->legacy_versions) ? TLS_LEGACY : 0;
  bits |= has_items (tls->supported_versions) ? TLS_SUPPORTED : 0;
  bits |= tls->tls13_offered ? TLS_TLS13 : 0;
  bits |= tls->ech ? TLS_ECH : 0;
  bits |= tls->server_hellos != 0 ? TLS_SERVER_HELLOS : 0;
  bits |= tls->hello_retry ? TLS_HELLO_RETRY : 0;
  bits |= has_items (tls->server_versions) ? TLS_SERVER_VERSIONS : 0;
  bits |= tls->version != 0 ? TLS_VERSION : 0;
  bits |= tls->has_cipher_suite ? TLS_CIPHER : 0;
  bits |= has_items (tls->alpn_selected) ? TLS_ALPN_SELECTED : 0;
  w_uint (w, bits);
  if (bits & TLS_SNI)
    w_strlist (w, tls->sni, FALSE);
  if (bits & TLS_ALPN)
    w_strlist (w, tls->alpn, FALSE);
  if (bits & TLS_CLIENT_HELLOS)
    w_uint (w, tls->client_hellos);
  if (bits & TLS_LEGACY)
    w_strlist (w, tls->legacy_versions, FALSE);
  if (bits & TLS_SUPPORTED)
    w_strlist (w, tls->supported_versions, FALSE);
  if (bits & TLS_SERVER_HELLOS)
    w_uint (w, tls->server_hellos);
  if (bits & TLS_SERVER_VERSIONS)
    w_strlist (w, tls->server_versions, FALSE);
  if (bits & TLS_VERSION)
    w_uint (w, tls->version);
  if (bits & TLS_CIPHER)
    w_uint (w, tls->cipher_suite);
  if (bits & TLS_ALPN_SELECTED)
    w_strlist (w, tls->alpn_selected, FALSE);
}

static void
write_dns (Writer *w, const GPtrArray *entries)
{
  guint n = MIN (entries->len, MAX_LIST);

  w_uint (w, n);
  for (guint i = 0; i < n; i++)
    {
      const NetlensDnsEntry *e = g_ptr_array_index ((GPtrArray *) entries, i);
      guint bits = 0;

      bits |= e->query ? DNS_QUERY : 0;
      bits |= e->response ? DNS_RESPONSE : 0;
      bits |= e->rcode >= 0 ? DNS_RCODE : 0;
      bits |= has_items (e->answers) ? DNS_ANSWERS : 0;
      bits |= e->name != NULL && e->name[0] != '\0' ? DNS_NAME : 0;
      w_uint (w, bits);
      w_room (w, 2);
      w->buf[w->n++] = (guint8) (e->id >> 8);
      w->buf[w->n++] = (guint8) e->id;
      w_uint (w, e->qtype);
      if (bits & DNS_NAME)
        w_string (w, e->name, FALSE);
      if (bits & DNS_RCODE)
        w_uint (w, (guint) e->rcode);
      if (bits & DNS_ANSWERS)
        w_strlist (w, e->answers, TRUE);
    }
}

static void
write_ssh_lists (Writer *w, char **const *lists)
{
  for (guint i = 0; i < NETLENS_SSH_N_LISTS; i++)
    {
      guint n = 0;

      while (lists[i] != NULL && lists[i][n] != NULL && n < MAX_LIST)
        n++;
      w_uint (w, n);
      for (guint j = 0; j < n; j++)
        w_string (w, lists[i][j], FALSE);
    }
}

static void
write_ssh (Writer *w, const NetlensSshInfo *ssh)
{
  guint bits = 0;

  bits |= ssh->client.version != NULL ? SSH_C_VERSION : 0;
  bits |= ssh->server.version != NULL ? SSH_S_VERSION : 0;
  bits |= ssh->client.software != NULL ? SSH_C_SOFTWARE : 0;
  bits |= ssh->server.software != NULL ? SSH_S_SOFTWARE : 0;
  bits |= has_items (ssh->messages) ? SSH_MESSAGES : 0;
  bits |= ssh->client.kexinit ? SSH_C_KEXINIT : 0;
  bits |= ssh->server.kexinit ? SSH_S_KEXINIT : 0;
  bits |= ssh->client.newkeys ? SSH_C_NEWKEYS : 0;
  bits |= ssh->server.newkeys ? SSH_S_NEWKEYS : 0;
  bits |= ssh->client.lists[0] != NULL ? SSH_C_LISTS : 0;
  bits |= ssh->server.lists[0] != NULL ? SSH_S_LISTS : 0;
  w_uint (w, bits);
  if (bits & SSH_C_VERSION)
    w_string (w, ssh->client.version, FALSE);
  if (bits & SSH_S_VERSION)
    w_string (w, ssh->server.version, FALSE);
  if (bits & SSH_C_SOFTWARE)
    w_string (w, ssh->client.software, FALSE);
  if (bits & SSH_S_SOFTWARE)
    w_string (w, ssh->server.software, FALSE);
  if (bits & SSH_MESSAGES)
    w_strlist (w, ssh->messages, FALSE);
  if (bits & SSH_C_LISTS)
    write_ssh_lists (w, ssh->client.lists);
  if (bits & SSH_S_LISTS)
    write_ssh_lists (w, ssh->server.lists);
}

static void
write_quic (Writer *w, const NetlensQuicInfo *quic)
{
  NetlensTlsInfo empty = { 0, };
  const NetlensTlsInfo *tls = quic->tls != NULL ? quic->tls : &empty;
  guint bits = 0;

  bits |= has_values (quic->versions) ? QUIC_VERSIONS : 0;
  bits |= has_items (tls->sni) ? QUIC_SNI : 0;
  bits |= has_items (tls->alpn) ? QUIC_ALPN : 0;
  bits |= tls->client_hellos != 0 ? QUIC_CLIENT_HELLOS : 0;
  bits |= tls->server_hellos != 0 ? QUIC_SERVER_HELLOS : 0;
  bits |= tls->version != 0 ? QUIC_TLS_VERSION : 0;
  bits |= tls->has_cipher_suite ? QUIC_CIPHER : 0;
  bits |= quic->tls != NULL && quic->tls->quic_max_idle_timeout_ms >= 0 ? QUIC_MAX_IDLE : 0;
  bits |= quic->initial_packets != 0 ? QUIC_INITIAL : 0;
  bits |= quic->zero_rtt_packets != 0 ? QUIC_ZERO_RTT : 0;
  bits |= quic->handshake_packets != 0 ? QUIC_HANDSHAKE : 0;
  bits |= quic->retry_packets != 0 ? QUIC_RETRY : 0;
  bits |= quic->short_header_packets != 0 ? QUIC_SHORT : 0;
  bits |= quic->version_negotiation ? QUIC_VN : 0;
  bits |= has_values (quic->vn_versions) ? QUIC_VN_VERSIONS : 0;
  bits |= has_values (quic->closes) ? QUIC_CLOSES : 0;
  bits |= quic->dcid_len != 0 ? QUIC_DCID : 0;
  bits |= quic->scid_len != 0 ? QUIC_SCID : 0;
  bits |= quic->undecryptable != 0 ? QUIC_UNDECRYPTABLE : 0;
  w_uint (w, bits);
  if (bits & QUIC_VERSIONS)
    w_u32_array (w, quic->versions);
  if (bits & QUIC_SNI)
    w_strlist (w, tls->sni, FALSE);
  if (bits & QUIC_ALPN)
    w_strlist (w, tls->alpn, FALSE);
  if (bits & QUIC_CLIENT_HELLOS)
    w_uint (w, tls->client_hellos);
  if (bits & QUIC_SERVER_HELLOS)
    w_uint (w, tls->server_hellos);
  if (bits & QUIC_TLS_VERSION)
    w_uint (w, tls->version);
  if (bits & QUIC_CIPHER)
    w_uint (w, tls->cipher_suite);
  if (bits & QUIC_MAX_IDLE)
    w_uint (w, (guint64) quic->tls->quic_max_idle_timeout_ms);
  if (bits & QUIC_INITIAL)
    w_uint (w, quic->initial_packets);
  if (bits & QUIC_ZERO_RTT)
    w_uint (w, quic->zero_rtt_packets);
  if (bits & QUIC_HANDSHAKE)
    w_uint (w, quic->handshake_packets);
  if (bits & QUIC_RETRY)
    w_uint (w, quic->retry_packets);
  if (bits & QUIC_SHORT)
    w_uint (w, quic->short_header_packets);
  if (bits & QUIC_VN_VERSIONS)
    w_u32_array (w, quic->vn_versions);
  if (bits & QUIC_CLOSES)
    {
      guint n = MIN (quic->closes->len, MAX_LIST);

      w_uint (w, n);
      for (guint i = 0; i < n; i++)
        {
          const NetlensQuicClose *c = &g_array_index (quic->closes, NetlensQuicClose, i);

          w_uint (w, (c->from_client ? CLOSE_FROM_CLIENT : 0) | (c->reason ? CLOSE_REASON : 0));
          w_uint (w, c->frame_type);
          w_uint (w, c->error_code);
          if (c->reason != NULL)
            w_string (w, c->reason, FALSE);
        }
    }
  if (bits & QUIC_DCID)
    {
      w_uint (w, MIN (quic->dcid_len, sizeof quic->dcid));
      w_bytes (w, quic->dcid, MIN (quic->dcid_len, sizeof quic->dcid));
    }
  if (bits & QUIC_SCID)
    {
      w_uint (w, MIN (quic->scid_len, sizeof quic->scid));
      w_bytes (w, quic->scid, MIN (quic->scid_len, sizeof quic->scid));
    }
  if (bits & QUIC_UNDECRYPTABLE)
    w_uint (w, quic->undecryptable);
}

static void
write_icmp (Writer *w, const NetlensIcmpInfo *icmp)
{
  guint bits = 0, n_types = 0;

  for (guint i = 0; i < icmp->n_types; i++)
    n_types += icmp->types[i].count > 0;
  bits |= n_types > 0 ? ICMP_TYPES : 0;
  bits |= icmp->echo_requests != 0 ? ICMP_ECHO_REQUESTS : 0;
  bits |= icmp->echo_replies != 0 ? ICMP_ECHO_REPLIES : 0;
  bits |= has_values (icmp->echo_ids) ? ICMP_ECHO_IDS : 0;
  bits |= icmp->last_type != 0 ? ICMP_LAST_TYPE : 0;
  bits |= icmp->last_code != 0 ? ICMP_LAST_CODE : 0;
  bits |= icmp->last_id != 0 ? ICMP_LAST_ID : 0;
  bits |= icmp->last_seq != 0 ? ICMP_LAST_SEQ : 0;
  w_uint (w, bits);
  if (bits & ICMP_TYPES)
    {
      w_uint (w, n_types);
      for (guint i = 0; i < icmp->n_types; i++)
        if (icmp->types[i].count > 0)
          {
            w_uint (w, icmp->types[i].type);
            w_uint (w, icmp->types[i].count);
          }
    }
  if (bits & ICMP_ECHO_REQUESTS)
    w_uint (w, icmp->echo_requests);
  if (bits & ICMP_ECHO_REPLIES)
    w_uint (w, icmp->echo_replies);
  if (bits & ICMP_ECHO_IDS)
    w_u16_array (w, icmp->echo_ids);
  if (bits & ICMP_LAST_TYPE)
    w_uint (w, icmp->last_type);
  if (bits & ICMP_LAST_CODE)
    w_uint (w, icmp->last_code);
  if (bits & ICMP_LAST_ID)
    w_uint (w, icmp->last_id);
  if (bits & ICMP_LAST_SEQ)
    w_uint (w, icmp->last_seq);
}

static gboolean
nonzero (const guint8 *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (p[i] != 0)
      return TRUE;
  return FALSE;
}

static void
write_arp (Writer *w, const NetlensArpInfo *arp)
{
  guint bits = 0;

  bits |= arp->requests != 0 ? ARP_REQUESTS : 0;
  bits |= arp->replies != 0 ? ARP_REPLIES : 0;
  bits |= arp->sender_macs != NULL && arp->sender_macs->len > 0 ? ARP_SENDER_MACS : 0;
  bits |= arp->last_op == 1 ? ARP_OP_REQUEST : arp->last_op == 2 ? ARP_OP_REPLY : 0;
  bits |= nonzero (arp->sender_mac, 6) ? ARP_SENDER_MAC : 0;
  bits |= nonzero (arp->target_mac, 6) ? ARP_TARGET_MAC : 0;
  bits |= nonzero (arp->sender_ip.bytes, 4) ? ARP_SENDER_IP : 0;
  bits |= nonzero (arp->target_ip.bytes, 4) ? ARP_TARGET_IP : 0;
  w_uint (w, bits);
  if (bits & ARP_REQUESTS)
    w_uint (w, arp->requests);
  if (bits & ARP_REPLIES)
    w_uint (w, arp->replies);
  if (bits & ARP_SENDER_MACS)
    {
      guint n = MIN (arp->sender_macs->len, MAX_LIST);

      w_uint (w, n);
      w_bytes (w, arp->sender_macs->data, 6 * (gsize) n);
    }
  if (bits & ARP_SENDER_MAC)
    w_bytes (w, arp->sender_mac, 6);
  if (bits & ARP_TARGET_MAC)
    w_bytes (w, arp->target_mac, 6);
  if (bits & ARP_SENDER_IP)
    w_bytes (w, arp->sender_ip.bytes, 4);
  if (bits & ARP_TARGET_IP)
    w_bytes (w, arp->target_ip.bytes, 4);
}

/* The sections DPI's results fill: the same tests as netlens_dpi_write_json(). */
static guint
present_sections (const NetlensDpi *dpi)
{
  guint sections = 0;

  if (dpi == NULL)
    return 0;
  if (dpi->http != NULL && (dpi->http->requests > 0 || dpi->http->responses > 0))
    sections |= SEC_HTTP;
  if (dpi->tls != NULL
      && (dpi->tls->client_hellos > 0 || dpi->tls->server_hellos > 0 || dpi->tls->hello_retry))
    sections |= SEC_TLS;
  if (dpi->dns != NULL && dpi->dns->len > 0)
    sections |= SEC_DNS;
  if (dpi->ssh != NULL && (dpi->ssh->client.version != NULL || dpi->ssh->server.version != NULL))
    sections |= SEC_SSH;
  if (dpi->quic != NULL && dpi->app == NETLENS_APP_QUIC)
    sections |= SEC_QUIC;
  if (dpi->icmp != NULL)
    sections |= SEC_ICMP;
  if (dpi->arp != NULL)
    sections |= SEC_ARP;
  return sections;
}

void
netlens_dpi_write_binary (const NetlensDpi *dpi,
                          GByteArray       *out)
{
  Writer w;
  guint sections;

  g_return_if_fail (out != NULL);

  w.out = out;
  w.n = 0;
  w.n_table = 0;
  memset (w.slots, 0, sizeof w.slots);
  sections = present_sections (dpi);
  w_byte (&w, NETLENS_DPI_BINARY_VERSION);
  w_byte (&w, (guint8) sections);
  if (sections & SEC_HTTP)
    write_http (&w, dpi->http);
  if (sections & SEC_TLS)
    write_tls (&w, dpi->tls);
  if (sections & SEC_DNS)
    write_dns (&w, dpi->dns);
  if (sections & SEC_SSH)
    write_ssh (&w, dpi->ssh);
  if (sections & SEC_QUIC)
    write_quic (&w, dpi->quic);
  if (sections & SEC_ICMP)
    write_icmp (&w, dpi->icmp);
  if (sections & SEC_ARP)
    write_arp (&w, dpi->arp);
  w_flush (&w);
}

/* ---- reading ---------------------------------------------------------------------------- */

/* Sticky failure: the first one is kept, every read after it gives 0/NULL and reads nothing. */
typedef struct
{
  const guint8 *start;
  const guint8 *p;
  const guint8 *end;
  const char   *what;     /* the field being read */
  const char   *why;      /* NULL while all is well */
  gsize         at;
  guint         n_table;
  TableEntry    table[STRING_TABLE];
} Reader;

static void
r_fail (Reader *r, const char *why)
{
  if (r->why == NULL)
    {
      r->why = why;
      r->at = (gsize) (r->p - r->start);
    }
  r->p = r->end;
}

static inline gsize
r_left (const Reader *r)
{
  return (gsize) (r->end - r->p);
}

static guint64
r_uint (Reader *r, guint64 max)
{
  guint64 v = 0;

  for (guint shift = 0;; shift += 7)
    {
      guint8 b;

      if (r->p >= r->end)
        {
          r_fail (r, "cut short");
          return 0;
        }
      b = *r->p++;
      if (shift == 63 && b > 1)
        {
          r_fail (r, "integer longer than 64 bits");
          return 0;
        }
      v |= (guint64) (b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        break;
    }
  if (v > max)
    {
      r_fail (r, "value out of range");
      return 0;
    }
  return v;
}

static guint
r_bits (Reader *r, guint all)
{
  guint64 bits = r_uint (r, G_MAXUINT);

  if (bits & ~(guint64) all)
    {
      r_fail (r, "unknown field (a newer format?)");
      return 0;
    }
  return (guint) bits;
}

static const guint8 *
r_bytes (Reader *r, gsize n)
{
  const guint8 *p = r->p;

  if (n > r_left (r))
    {
      r_fail (r, "cut short");
      return NULL;
    }
  r->p += n;
  return p;
}

static guint
r_count (Reader *r)
{
  guint64 n = r_uint (r, G_MAXUINT64);

  if (n > MAX_LIST)
    r_fail (r, "list too long");
  else if (n > r_left (r))
    r_fail (r, "list longer than the data");
  return r->why != NULL ? 0 : (guint) n;
}

/* A string (interned when INTERN, else g_malloc'ed), or NULL on failure. */
static char *
r_string (Reader *r, gboolean intern)
{
  guint64 v = r_uint (r, G_MAXUINT64);
  char buf[64];
  const char *s = NULL;
  gsize len = 0;
  char *result;

  if (r->why != NULL)
    return NULL;
  switch (v & 3)
    {
    case STR_TEXT:
      if ((v >> 2) > r_left (r))
        {
          r_fail (r, "string longer than the data");
          return NULL;
        }
      len = (gsize) (v >> 2);
      s = (const char *) r->p;
      if (memchr (s, '\0', len) != NULL)
        {
          r_fail (r, "NUL byte in a string");
          return NULL;
        }
      r->p += len;
      break;
    case STR_REF:
      if ((v >> 2) >= r->n_table)
        {
          r_fail (r, "reference to a string not yet seen");
          return NULL;
        }
      s = r->table[v >> 2].text;
      len = r->table[v >> 2].len;
      return intern ? _netlens_strlist_intern (s, (gssize) len) : g_strndup (s, len);
    case STR_HEX16:
      if ((v >> 2) > G_MAXUINT16)
        {
          r_fail (r, "value out of range");
          return NULL;
        }
      len = hex16_text (buf, (guint) (v >> 2));
      s = buf;
      break;
    case STR_ADDR:
      {
        const guint8 *a;

        if ((v >> 2) != 4 && (v >> 2) != 16)
          {
            r_fail (r, "address neither IPv4 nor IPv6");
            return NULL;
          }
        if ((a = r_bytes (r, (gsize) (v >> 2))) == NULL)
          return NULL;
        len = address_text (buf, a, (gsize) (v >> 2));
        s = buf;
        break;
      }
    default:
      g_assert_not_reached ();
    }
  result = intern ? _netlens_strlist_intern (s, (gssize) len) : g_strndup (s, len);
  /* the caller attaches RESULT to the record at once: it outlives the reading */
  if (r->n_table < STRING_TABLE)
    {
      r->table[r->n_table].text = result;
      r->table[r->n_table].len = len;
      r->n_table++;
    }
  return result;
}

static GPtrArray *
r_strlist (Reader *r)
{
  guint n = r_count (r);
  GPtrArray *list;

  if (n == 0)
    return NULL;
  list = _netlens_strlist_new ();
  for (guint i = 0; i < n; i++)
    {
      char *s = r_string (r, TRUE);

      if (s == NULL)
        break;
      g_ptr_array_add (list, s);
    }
  return list;
}

static GArray *
r_u16_array (Reader *r)
{
  guint n = r_count (r);
  GArray *a;

  if (n == 0)
    return NULL;
  a = g_array_sized_new (FALSE, FALSE, sizeof (guint16), n);
  for (guint i = 0; i < n && r->why == NULL; i++)
    {
      guint16 v = (guint16) r_uint (r, G_MAXUINT16);

      g_array_append_val (a, v);
    }
  return a;
}

static GArray *
r_u32_array (Reader *r)
{
  guint n = r_count (r);
  GArray *a;

  if (n == 0)
    return NULL;
  a = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n);
  for (guint i = 0; i < n && r->why == NULL; i++)
    {
      guint32 v = (guint32) r_uint (r, G_MAXUINT32);

      g_array_append_val (a, v);
    }
  return a;
}

static void
read_http (Reader *r, NetlensDpi *dpi)
{
  NetlensHttpInfo *http = dpi->http = g_new0 (NetlensHttpInfo, 1);
  guint bits;

  r->what = "http";
  bits = r_bits (r, HTTP_ALL);
  if (bits & HTTP_HOSTS)
    http->hosts = r_strlist (r);
  if (bits & HTTP_METHODS)
    http->methods = r_strlist (r);
  if (bits & HTTP_REQUESTS)
    http->requests = (guint) r_uint (r, G_MAXUINT);
  if (bits & HTTP_PATH)
    http->path = r_string (r, FALSE);
  if (bits & HTTP_USER_AGENT)
    http->user_agent = r_string (r, FALSE);
  if (bits & HTTP_RESPONSES)
    http->responses = (guint) r_uint (r, G_MAXUINT);
  if (bits & HTTP_STATUS)
    http->status = (guint) r_uint (r, G_MAXUINT);
  if (bits & HTTP_STATUSES)
    http->statuses = r_u16_array (r);
}

static void
read_tls (Reader *r, NetlensDpi *dpi)
{
  NetlensTlsInfo *tls = dpi->tls = _netlens_tls_info_new ();
  guint bits;

  r->what = "tls";
  bits = r_bits (r, TLS_ALL);
  if (bits & TLS_SNI)
    tls->sni = r_strlist (r);
  if (bits & TLS_ALPN)
    tls->alpn = r_strlist (r);
  if (bits & TLS_CLIENT_HELLOS)
    tls->client_hellos = (guint) r_uint (r, G_MAXUINT);
  if (bits & TLS_LEGACY)
    tls->legacy_versions = r_strlist (r);
  if (bits & TLS_SUPPORTED)
    tls->supported_versions = r_strlist (r);
  tls->tls13_offered = (bits & TLS_TLS13) != 0;
  tls->ech = (bits & TLS_ECH) != 0;
  if (bits & TLS_SERVER_HELLOS)
    tls->server_hellos = (guint) r_uint (r, G_MAXUINT);
  tls->hello_retry = (bits & TLS_HELLO_RETRY) != 0;
  if (bits & TLS_SERVER_VERSIONS)
    tls->server_versions = r_strlist (r);
  if (bits & TLS_VERSION)
    tls->version = (guint16) r_uint (r, G_MAXUINT16);
  if (bits & TLS_CIPHER)
    {
      tls->cipher_suite = (guint16) r_uint (r, G_MAXUINT16);
      tls->has_cipher_suite = TRUE;
    }
  if (bits & TLS_ALPN_SELECTED)
    tls->alpn_selected = r_strlist (r);
}

static void
read_dns (Reader *r, NetlensDpi *dpi)
{
  guint n;

  r->what = "dns";
  n = r_count (r);
  if (n == 0)
    return;
  dpi->dns = g_ptr_array_new_full (n, _netlens_dns_entry_free);
  for (guint i = 0; i < n && r->why == NULL; i++)
    {
      NetlensDnsEntry *e = g_new0 (NetlensDnsEntry, 1);
      const guint8 *id;
      guint bits;

      g_ptr_array_add (dpi->dns, e);
      e->rcode = -1;
      bits = r_bits (r, DNS_ALL);
      if ((id = r_bytes (r, 2)) != NULL)
        e->id = (guint16) (id[0] << 8 | id[1]);
      e->qtype = (guint16) r_uint (r, G_MAXUINT16);
      e->query = (bits & DNS_QUERY) != 0;
      e->response = (bits & DNS_RESPONSE) != 0;
      /* never NULL, as from_json has it (DPI never leaves it NULL; readers compare it) */
      e->name = (bits & DNS_NAME) ? r_string (r, FALSE) : NULL;
      if (e->name == NULL)
        e->name = g_strdup ("");
      if (bits & DNS_RCODE)
        e->rcode = (gint) r_uint (r, G_MAXINT);
      if (bits & DNS_ANSWERS)
        e->answers = r_strlist (r);
    }
}

static void
read_ssh_lists (Reader *r, char **lists[NETLENS_SSH_N_LISTS])
{
  for (guint i = 0; i < NETLENS_SSH_N_LISTS; i++)
    {
      guint n = r_count (r);

      /* NULL-terminated at every step: whatever was read is freed with the record */
      lists[i] = g_new0 (char *, n + 1);
      for (guint j = 0; j < n; j++)
        if ((lists[i][j] = r_string (r, TRUE)) == NULL)
          break;
    }
}

static void
read_ssh (Reader *r, NetlensDpi *dpi)
{
  NetlensSshInfo *ssh = dpi->ssh = _netlens_ssh_info_new ();
  guint bits;

  r->what = "ssh";
  bits = r_bits (r, SSH_ALL);
  if (bits & SSH_C_VERSION)
    ssh->client.version = r_string (r, FALSE);
  if (bits & SSH_S_VERSION)
    ssh->server.version = r_string (r, FALSE);
  if (bits & SSH_C_SOFTWARE)
    ssh->client.software = r_string (r, FALSE);
  if (bits & SSH_S_SOFTWARE)
    ssh->server.software = r_string (r, FALSE);
  if (bits & SSH_MESSAGES)
    ssh->messages = r_strlist (r);
  ssh->client.kexinit = (bits & SSH_C_KEXINIT) != 0;
  ssh->server.kexinit = (bits & SSH_S_KEXINIT) != 0;
  ssh->client.newkeys = (bits & SSH_C_NEWKEYS) != 0;
  ssh->server.newkeys = (bits & SSH_S_NEWKEYS) != 0;
  if (bits & SSH_C_LISTS)
    read_ssh_lists (r, ssh->client.lists);
  if (bits & SSH_S_LISTS)
    read_ssh_lists (r, ssh->server.lists);
}

static guint8
r_cid (Reader *r, guint8 *cid, gsize size)
{
  guint n = (guint) r_uint (r, size);
  const guint8 *p = r_bytes (r, n);

  if (p == NULL)
    return 0;
  memcpy (cid, p, n);
  return (guint8) n;
}

static void
read_quic (Reader *r, NetlensDpi *dpi)
{
  NetlensQuicInfo *quic = dpi->quic = _netlens_quic_info_new ();
  NetlensTlsInfo *tls = quic->tls = _netlens_tls_info_new ();
  guint bits;

  r->what = "quic";
  dpi->app = NETLENS_APP_QUIC;  /* the writers write QUIC results only for a QUIC row */
  bits = r_bits (r, QUIC_ALL);
  if (bits & QUIC_VERSIONS)
    quic->versions = r_u32_array (r);
  if (bits & QUIC_SNI)
    tls->sni = r_strlist (r);
  if (bits & QUIC_ALPN)
    tls->alpn = r_strlist (r);
  if (bits & QUIC_CLIENT_HELLOS)
    tls->client_hellos = (guint) r_uint (r, G_MAXUINT);
  if (bits & QUIC_SERVER_HELLOS)
    tls->server_hellos = (guint) r_uint (r, G_MAXUINT);
  if (bits & QUIC_TLS_VERSION)
    tls->version = (guint16) r_uint (r, G_MAXUINT16);
  if (bits & QUIC_CIPHER)
    {
      tls->cipher_suite = (guint16) r_uint (r, G_MAXUINT16);
      tls->has_cipher_suite = TRUE;
    }
  if (bits & QUIC_MAX_IDLE)
    tls->quic_max_idle_timeout_ms = (gint64) r_uint (r, G_MAXINT64);
  if (bits & QUIC_INITIAL)
    quic->initial_packets = (guint) r_uint (r, G_MAXUINT);
  if (bits & QUIC_ZERO_RTT)
    quic->zero_rtt_packets = (guint) r_uint (r, G_MAXUINT);
  if (bits & QUIC_HANDSHAKE)
    quic->handshake_packets = (guint) r_uint (r, G_MAXUINT);
  if (bits & QUIC_RETRY)
    quic->retry_packets = (guint) r_uint (r, G_MAXUINT);
  if (bits & QUIC_SHORT)
    quic->short_header_packets = (guint) r_uint (r, G_MAXUINT);
  quic->version_negotiation = (bits & QUIC_VN) != 0;
  if (bits & QUIC_VN_VERSIONS)
    quic->vn_versions = r_u32_array (r);
  if (bits & QUIC_CLOSES)
    {
      guint n = r_count (r);

      if (n > 0)
        quic->closes = g_array_sized_new (FALSE, TRUE, sizeof (NetlensQuicClose), n);
      for (guint i = 0; i < n && r->why == NULL; i++)
        {
          NetlensQuicClose c = { 0, };
          guint cbits = r_bits (r, CLOSE_ALL);

          c.from_client = (cbits & CLOSE_FROM_CLIENT) != 0;
          c.frame_type = (guint8) r_uint (r, G_MAXUINT8);
          c.error_code = r_uint (r, G_MAXUINT64);
          if (cbits & CLOSE_REASON)
            c.reason = r_string (r, FALSE);
          g_array_append_val (quic->closes, c);
        }
    }
  if (bits & QUIC_DCID)
    quic->dcid_len = r_cid (r, quic->dcid, sizeof quic->dcid);
  if (bits & QUIC_SCID)
    quic->scid_len = r_cid (r, quic->scid, sizeof quic->scid);
  if (bits & QUIC_UNDECRYPTABLE)
    quic->undecryptable = (guint) r_uint (r, G_MAXUINT);
}

static void
read_icmp (Reader *r, NetlensDpi *dpi)
{
  NetlensIcmpInfo *icmp = dpi->icmp = g_new0 (NetlensIcmpInfo, 1);
  guint bits;

  r->what = "icmp";
  bits = r_bits (r, ICMP_ALL);
  if (bits & ICMP_TYPES)
    {
      guint n = r_count (r);
      gint previous = -1;

      for (guint i = 0; i < n && r->why == NULL; i++)
        {
          guint type = (guint) r_uint (r, G_MAXUINT8);
          guint32 count = (guint32) r_uint (r, G_MAXUINT32);

          if (r->why == NULL && (gint) type <= previous)
            r_fail (r, "ICMP types not in ascending order");
          else if (r->why == NULL)
            _netlens_icmp_set_type (icmp, (guint8) type, count);
          previous = (gint) type;
        }
    }
  if (bits & ICMP_ECHO_REQUESTS)
    icmp->echo_requests = (guint) r_uint (r, G_MAXUINT);
  if (bits & ICMP_ECHO_REPLIES)
    icmp->echo_replies = (guint) r_uint (r, G_MAXUINT);
  if (bits & ICMP_ECHO_IDS)
    icmp->echo_ids = r_u16_array (r);
  if (bits & ICMP_LAST_TYPE)
    icmp->last_type = (guint8) r_uint (r, G_MAXUINT8);
  if (bits & ICMP_LAST_CODE)
    icmp->last_code = (guint8) r_uint (r, G_MAXUINT8);
  if (bits & ICMP_LAST_ID)
    icmp->last_id = (guint16) r_uint (r, G_MAXUINT16);
  if (bits & ICMP_LAST_SEQ)
    icmp->last_seq = (guint16) r_uint (r, G_MAXUINT16);
}

static void
r_copy (Reader *r, guint8 *dst, gsize n)
{
  const guint8 *p = r_bytes (r, n);

  if (p != NULL)
    memcpy (dst, p, n);
}

static void
read_arp (Reader *r, NetlensDpi *dpi)
{
  NetlensArpInfo *arp = dpi->arp = g_new0 (NetlensArpInfo, 1);
  guint bits;

  r->what = "arp";
  bits = r_bits (r, ARP_ALL);
  if ((bits & ARP_OP_REQUEST) && (bits & ARP_OP_REPLY))
    r_fail (r, "ARP operation both request and reply");
  if (bits & ARP_REQUESTS)
    arp->requests = (guint) r_uint (r, G_MAXUINT);
  if (bits & ARP_REPLIES)
    arp->replies = (guint) r_uint (r, G_MAXUINT);
  if (bits & ARP_SENDER_MACS)
    {
      guint n = r_count (r);
      const guint8 *p;

      if (n > r_left (r) / 6)
        r_fail (r, "list longer than the data");
      else if (n > 0 && (p = r_bytes (r, 6 * (gsize) n)) != NULL)
        {
          arp->sender_macs = g_array_sized_new (FALSE, FALSE, 6, n);
          g_array_append_vals (arp->sender_macs, p, n);
        }
    }
  arp->last_op = (bits & ARP_OP_REQUEST) ? 1 : (bits & ARP_OP_REPLY) ? 2 : 0;
  if (bits & ARP_SENDER_MAC)
    r_copy (r, arp->sender_mac, 6);
  if (bits & ARP_TARGET_MAC)
    r_copy (r, arp->target_mac, 6);
  if (bits & ARP_SENDER_IP)
    r_copy (r, arp->sender_ip.bytes, 4);
  if (bits & ARP_TARGET_IP)
    r_copy (r, arp->target_ip.bytes, 4);
}

NetlensDpi *
netlens_dpi_from_binary (const guint8             *data,
                         gsize                     len,
                         const NetlensConnection  *conn,
                         GError                  **error)
{
  Reader r;
  NetlensDpi *dpi;
  guint sections;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len < 2)
    {
      g_set_error (error, NETLENS_DPI_BINARY_ERROR, NETLENS_DPI_BINARY_ERROR_MALFORMED,
                   "DPI results: %" G_GSIZE_FORMAT " bytes, too short", len);
      return NULL;
    }
  if (data[0] != NETLENS_DPI_BINARY_VERSION)
    {
      g_set_error (error, NETLENS_DPI_BINARY_ERROR, NETLENS_DPI_BINARY_ERROR_VERSION,
                   "DPI results in format version %u; this Netlens reads version %u",
                   data[0], NETLENS_DPI_BINARY_VERSION);
      return NULL;
    }
  sections = data[1];
  if (sections & ~SEC_ALL)
    {
      g_set_error (error, NETLENS_DPI_BINARY_ERROR, NETLENS_DPI_BINARY_ERROR_MALFORMED,
                   "DPI results: unknown protocol sections 0x%02x", sections & ~SEC_ALL);
      return NULL;
    }

  r.start = data;
  r.p = data + 2;
  r.end = data + len;
  r.what = "header";
  r.why = NULL;
  r.at = 0;
  r.n_table = 0;
  dpi = _netlens_dpi_new_stored (conn);
  if (sections & SEC_HTTP)
    read_http (&r, dpi);
  if (sections & SEC_TLS)
    read_tls (&r, dpi);
  if (sections & SEC_DNS)
    read_dns (&r, dpi);
  if (sections & SEC_SSH)
    read_ssh (&r, dpi);
  if (sections & SEC_QUIC)
    read_quic (&r, dpi);
  if (sections & SEC_ICMP)
    read_icmp (&r, dpi);
  if (sections & SEC_ARP)
    read_arp (&r, dpi);
  if (r.why == NULL && r.p != r.end)
    {
      r.what = "end";
      r_fail (&r, "bytes after the last section");
    }
  /* A section without what makes it one (an HTTP section without a request or response,
   * QUIC on a row that is not QUIC...) is never written: read, its values would reach the
   * accessors (a best name from an HTTP Host) while the JSON shows nothing. */
  if (r.why == NULL && present_sections (dpi) != sections)
    {
      r.what = "sections";
      r.p = r.start + 1;
      r_fail (&r, "a protocol section without what makes it one");
    }
  if (r.why != NULL)
    {
      g_set_error (error, NETLENS_DPI_BINARY_ERROR, NETLENS_DPI_BINARY_ERROR_MALFORMED,
                   "DPI results: %s (%s, at byte %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT ")",
                   r.why, r.what, r.at, len);
      netlens_dpi_free (dpi);
      return NULL;
    }
  return dpi;
}
