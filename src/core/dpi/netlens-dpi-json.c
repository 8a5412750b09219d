/* netlens-dpi-json.c: DPI results rebuilt from their JSON (the history's "dpi" column)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The inverse of netlens_dpi_write_json(): netlens_dpi_write_json (netlens_dpi_from_json (s))
 * gives S back byte for byte for anything the writer wrote (tested over the corpus).  A small
 * JSON reader of its own: the core does not link a JSON library.
 */

#define G_LOG_DOMAIN "netlens-dpi"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlens-dpi-private.h"

G_DEFINE_QUARK (netlens-dpi-json-error-quark, netlens_dpi_json_error)

/* ---- a small JSON tree ---------------------------------------------------------------------- */

typedef enum
{
  J_NULL,
  J_FALSE,
  J_TRUE,
  J_NUMBER,
  J_STRING,
  J_ARRAY,
  J_OBJECT,
} JType;

typedef struct _JNode JNode;
struct _JNode
{
  JType      type;
  char      *text;       /* J_STRING: the value; J_NUMBER: the literal */
  GPtrArray *items;      /* J_ARRAY, J_OBJECT: JNode */
  GPtrArray *keys;       /* J_OBJECT: char *, parallel to items */
};

static void
jnode_free (gpointer data)
{
  JNode *n = data;

  if (n == NULL)
    return;
  g_free (n->text);
  if (n->items != NULL)
    g_ptr_array_unref (n->items);
  if (n->keys != NULL)
    g_ptr_array_unref (n->keys);
  g_free (n);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JNode, jnode_free)

typedef struct
{
  const char *p;
  const char *end;
  guint       depth;
} JReader;

#define J_MAX_DEPTH 32

static void
skip_ws (JReader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static gboolean
read_hex4 (JReader *r, gunichar *out)
{
  gunichar v = 0;

  if (r->end - r->p < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (r->p[i]);

      if (d < 0)
        return FALSE;
      v = v * 16 + (gunichar) d;
    }
  r->p += 4;
  *out = v;
  return TRUE;
}

static char *
read_string (JReader *r)
{
  GString *s = g_string_new (NULL);

  r->p++;  /* the opening quote */
  while (r->p < r->end && *r->p != '"')
    {
      if ((guchar) *r->p < 0x20)
        goto bad;
      if (*r->p != '\\')
        {
          g_string_append_c (s, *r->p++);
          continue;
        }
      if (++r->p >= r->end)
        goto bad;
      switch (*r->p++)
        {
        case '"': g_string_append_c (s, '"'); break;
        case '\\': g_string_append_c (s, '\\'); break;
        case '/': g_string_append_c (s, '/'); break;
        case 'b': g_string_append_c (s, '\b'); break;
        case 'f': g_string_append_c (s, '\f'); break;
        case 'n': g_string_append_c (s, '\n'); break;
        case 'r': g_string_append_c (s, '\r'); break;
        case 't': g_string_append_c (s, '\t'); break;
        case 'u':
          {
            gunichar c, lo;

            if (!read_hex4 (r, &c))
              goto bad;
            if (c >= 0xd800 && c < 0xdc00)
              {
                if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u')
                  goto bad;
                r->p += 2;
                if (!read_hex4 (r, &lo) || lo < 0xdc00 || lo >= 0xe000)
                  goto bad;
                c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
              }
            else if (c >= 0xdc00 && c < 0xe000)
              goto bad;
            if (c == 0)  /* C strings cannot hold it */
              goto bad;
            g_string_append_unichar (s, c);
            break;
          }
        default:
          goto bad;
        }
    }
  if (r->p >= r->end)
    goto bad;
  r->p++;  /* the closing quote */
  if (!g_utf8_validate_len (s->str, s->len, NULL))
    goto bad;
  return g_string_free (s, FALSE);

bad:
  g_string_free (s, TRUE);
  return NULL;
}

static JNode *read_value (JReader *r);

static JNode *
read_container (JReader *r, gboolean object)
{
  g_autoptr(JNode) n = g_new0 (JNode, 1);
  char close = object ? '}' : ']';

  if (++r->depth > J_MAX_DEPTH)
    return NULL;
  n->type = object ? J_OBJECT : J_ARRAY;
  n->items = g_ptr_array_new_with_free_func (jnode_free);
  if (object)
    n->keys = g_ptr_array_new_with_free_func (g_free);
  r->p++;
  skip_ws (r);
  if (r->p < r->end && *r->p == close)
    {
      r->p++;
      r->depth--;
      return g_steal_pointer (&n);
    }
  for (;;)
    {
      JNode *item;

      skip_ws (r);
      if (object)
        {
          char *key;

          if (r->p >= r->end || *r->p != '"' || (key = read_string (r)) == NULL)
            return NULL;
          g_ptr_array_add (n->keys, key);
          skip_ws (r);
          if (r->p >= r->end || *r->p != ':')
            return NULL;
          r->p++;
        }
      if ((item = read_value (r)) == NULL)
        return NULL;
      g_ptr_array_add (n->items, item);
      skip_ws (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      if (r->p < r->end && *r->p == close)
        {
          r->p++;
          r->depth--;
          return g_steal_pointer (&n);
        }
      return NULL;
    }
}

static const struct
{
  const char *word;
  JType       type;
} json_words[] = {
  { "null", J_NULL }, { "true", J_TRUE }, { "false", J_FALSE },
};

static JNode *
read_value (JReader *r)
{
  JNode *n;
  const char *start;

  skip_ws (r);
  if (r->p >= r->end)
    return NULL;
  switch (*r->p)
    {
    case '{':
      return read_container (r, TRUE);
    case '[':
      return read_container (r, FALSE);
    case '"':
      {
        char *s = read_string (r);

        if (s == NULL)
          return NULL;
        n = g_new0 (JNode, 1);
        n->type = J_STRING;
        n->text = s;
        return n;
      }
    default:
      break;
    }
  for (guint i = 0; i < G_N_ELEMENTS (json_words); i++)
    {
      gsize len = strlen (json_words[i].word);

      if ((gsize) (r->end - r->p) >= len && memcmp (r->p, json_words[i].word, len) == 0)
        {
          r->p += len;
          n = g_new0 (JNode, 1);
          n->type = json_words[i].type;
          return n;
        }
    }
  start = r->p;
  if (r->p < r->end && *r->p == '-')
    r->p++;
  while (r->p < r->end && (g_ascii_isdigit (*r->p) || *r->p == '.' || *r->p == 'e'
                           || *r->p == 'E' || *r->p == '+' || *r->p == '-'))
    r->p++;
  if (r->p == start || !g_ascii_isdigit (r->p[-1]))
    return NULL;
  n = g_new0 (JNode, 1);
  n->type = J_NUMBER;
  n->text = g_strndup (start, r->p - start);
  return n;
}

static JNode *
jnode_get (const JNode *obj, const char *key)
{
  if (obj == NULL || obj->type != J_OBJECT)
    return NULL;
  for (guint i = 0; i < obj->keys->len; i++)
    if (g_str_equal (g_ptr_array_index (obj->keys, i), key))
      return g_ptr_array_index (obj->items, i);
  return NULL;
}

static gboolean
is_object (const JNode *n)
{
  return n != NULL && n->type == J_OBJECT;
}

static guint64
jnode_uint (const JNode *n, guint64 max)
{
  guint64 v;

  if (n == NULL || n->type != J_NUMBER || n->text[0] == '-')
    return 0;
  errno = 0;
  v = g_ascii_strtoull (n->text, NULL, 10);
  return errno != 0 || v > max ? max : v;
}

static gint64
jnode_int (const JNode *n, gint64 absent)
{
  if (n == NULL || n->type != J_NUMBER)
    return absent;
  return g_ascii_strtoll (n->text, NULL, 10);
}

static gboolean
jnode_bool (const JNode *n)
{
  return n != NULL && n->type == J_TRUE;
}

static char *
jnode_dup_string (const JNode *n)
{
  return n != NULL && n->type == J_STRING ? g_strdup (n->text) : NULL;
}

/* A JSON array of strings -> a string list (NULL when absent or empty, as DPI keeps it). */
static GPtrArray *
jnode_strlist (const JNode *n)
{
  GPtrArray *list;

  if (n == NULL || n->type != J_ARRAY || n->items->len == 0)
    return NULL;
  /* interned, as DPI's own lists are (_netlens_strlist_copy takes references) */
  list = _netlens_strlist_new ();
  for (guint i = 0; i < n->items->len; i++)
    {
      const JNode *item = g_ptr_array_index (n->items, i);

      if (item->type == J_STRING)
        g_ptr_array_add (list, _netlens_strlist_intern (item->text, -1));
    }
  return list;
}

/* A JSON array of strings -> a NULL-terminated array of interned strings, as the SSH
 * dissector keeps its name-lists (_netlens_ssh_list_free). */
static char **
jnode_strv (const JNode *n)
{
  char **v;
  guint k = 0;

  if (n == NULL || n->type != J_ARRAY)
    return NULL;
  v = g_new (char *, n->items->len + 1);
  for (guint i = 0; i < n->items->len; i++)
    {
      const JNode *item = g_ptr_array_index (n->items, i);

      if (item->type == J_STRING)
        v[k++] = _netlens_strlist_intern (item->text, -1);
    }
  v[k] = NULL;
  return v;
}

/* [1,2,3] -> GArray of guint16 (NULL when empty) */
static GArray *
jnode_u16_array (const JNode *n)
{
  GArray *a;

  if (n == NULL || n->type != J_ARRAY || n->items->len == 0)
    return NULL;
  a = g_array_new (FALSE, FALSE, sizeof (guint16));
  for (guint i = 0; i < n->items->len; i++)
    {
      guint16 v = (guint16) jnode_uint (g_ptr_array_index (n->items, i), G_MAXUINT16);

      g_array_append_val (a, v);
    }
  return a;
}

/* "0x0303" -> 0x0303; FALSE for null */
static gboolean
jnode_hex (const JNode *n, guint64 *out)
{
  const char *s;

  if (n == NULL || n->type != J_STRING)
    return FALSE;
  s = n->text;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    s += 2;
  *out = g_ascii_strtoull (s, NULL, 16);
  return TRUE;
}

/* ["0x00000001", …] -> GArray of guint32 (NULL when empty) */
static GArray *
jnode_version_array (const JNode *n)
{
  GArray *a;

  if (n == NULL || n->type != J_ARRAY || n->items->len == 0)
    return NULL;
  a = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < n->items->len; i++)
    {
      guint64 v = 0;
      guint32 v32;

      jnode_hex (g_ptr_array_index (n->items, i), &v);
      v32 = (guint32) v;
      g_array_append_val (a, v32);
    }
  return a;
}

/* "0a1b…" -> bytes, at most MAX */
static guint8
jnode_hex_bytes (const JNode *n, guint8 *out, gsize max)
{
  gsize len, i;

  if (n == NULL || n->type != J_STRING)
    return 0;
  len = strlen (n->text) / 2;
  for (i = 0; i < len && i < max; i++)
    {
      int hi = g_ascii_xdigit_value (n->text[2 * i]);
      int lo = g_ascii_xdigit_value (n->text[2 * i + 1]);

      if (hi < 0 || lo < 0)
        break;
      out[i] = (guint8) (hi * 16 + lo);
    }
  return (guint8) i;
}

static gboolean
parse_mac (const JNode *n, guint8 *mac)
{
  unsigned int b[6];

  if (n == NULL || n->type != J_STRING
      || sscanf (n->text, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
    return FALSE;
  for (int i = 0; i < 6; i++)
    mac[i] = (guint8) b[i];
  return TRUE;
}

static void
parse_ipv4 (const JNode *n, NetlensAddr *addr)
{
  unsigned int b[4];

  memset (addr, 0, sizeof *addr);
  if (n != NULL && n->type == J_STRING
      && sscanf (n->text, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]) == 4)
    for (int i = 0; i < 4; i++)
      addr->bytes[i] = (guint8) b[i];
}

/* ---- the DPI parts ------------------------------------------------------------------------- */

static NetlensHttpInfo *
http_from_json (const JNode *o)
{
  NetlensHttpInfo *http = g_new0 (NetlensHttpInfo, 1);

  http->hosts = jnode_strlist (jnode_get (o, "hosts"));
  http->methods = jnode_strlist (jnode_get (o, "methods"));
  http->requests = (guint) jnode_uint (jnode_get (o, "requests"), G_MAXUINT);
  http->path = jnode_dup_string (jnode_get (o, "path"));
  http->user_agent = jnode_dup_string (jnode_get (o, "user_agent"));
  http->responses = (guint) jnode_uint (jnode_get (o, "responses"), G_MAXUINT);
  http->status = (guint) jnode_uint (jnode_get (o, "status"), G_MAXUINT);
  http->statuses = jnode_u16_array (jnode_get (o, "statuses"));
  return http;
}

static NetlensTlsInfo *
tls_from_json (const JNode *o)
{
  NetlensTlsInfo *tls = _netlens_tls_info_new ();
  guint64 v;

  tls->sni = jnode_strlist (jnode_get (o, "sni"));
  tls->alpn = jnode_strlist (jnode_get (o, "alpn"));
  tls->client_hellos = (guint) jnode_uint (jnode_get (o, "client_hellos"), G_MAXUINT);
  tls->legacy_versions = jnode_strlist (jnode_get (o, "client_hello_legacy_versions"));
  tls->supported_versions = jnode_strlist (jnode_get (o, "client_hello_supported_versions"));
  tls->tls13_offered = jnode_bool (jnode_get (o, "client_hello_tls13"));
  tls->ech = jnode_bool (jnode_get (o, "ech"));
  tls->server_hellos = (guint) jnode_uint (jnode_get (o, "server_hellos"), G_MAXUINT);
  tls->hello_retry = jnode_bool (jnode_get (o, "hello_retry_request"));
  tls->server_versions = jnode_strlist (jnode_get (o, "server_hello_versions"));
  if (jnode_hex (jnode_get (o, "version"), &v))
    tls->version = (guint16) v;
  if (jnode_hex (jnode_get (o, "cipher_suite"), &v))
    {
      tls->cipher_suite = (guint16) v;
      tls->has_cipher_suite = TRUE;
    }
  tls->alpn_selected = jnode_strlist (jnode_get (o, "alpn_selected"));
  return tls;
}

static GPtrArray *
dns_from_json (const JNode *a)
{
  GPtrArray *entries;

  if (a == NULL || a->type != J_ARRAY || a->items->len == 0)
    return NULL;
  entries = g_ptr_array_new_with_free_func (_netlens_dns_entry_free);
  for (guint i = 0; i < a->items->len; i++)
    {
      const JNode *o = g_ptr_array_index (a->items, i);
      NetlensDnsEntry *e;

      if (!is_object (o))
        continue;
      e = g_new0 (NetlensDnsEntry, 1);
      e->id = (guint16) jnode_uint (jnode_get (o, "id"), G_MAXUINT16);
      e->name = jnode_dup_string (jnode_get (o, "name"));
      if (e->name == NULL)
        e->name = g_strdup ("");
      e->qtype = (guint16) jnode_uint (jnode_get (o, "qtype"), G_MAXUINT16);
      e->query = jnode_bool (jnode_get (o, "query"));
      e->response = jnode_bool (jnode_get (o, "response"));
      e->rcode = (gint) jnode_int (jnode_get (o, "rcode"), -1);
      e->answers = jnode_strlist (jnode_get (o, "answers"));
      g_ptr_array_add (entries, e);
    }
  return entries;
}

static void
ssh_side_from_json (NetlensSshSide *side,
                    const JNode    *o,
                    const char     *who)
{
  g_autofree char *k_version = g_strconcat (who, "_version", NULL);
  g_autofree char *k_software = g_strconcat (who, "_software", NULL);
  g_autofree char *k_kexinit = g_strconcat (who, "_kexinit", NULL);
  g_autofree char *k_newkeys = g_strconcat (who, "_newkeys", NULL);
  g_autofree char *k_algorithms = g_strconcat (who, "_algorithms", NULL);
  const JNode *lists;

  side->version = jnode_dup_string (jnode_get (o, k_version));
  side->software = jnode_dup_string (jnode_get (o, k_software));
  side->kexinit = jnode_bool (jnode_get (o, k_kexinit));
  side->newkeys = jnode_bool (jnode_get (o, k_newkeys));
  lists = jnode_get (o, k_algorithms);
  if (is_object (lists))
    for (guint i = 0; i < NETLENS_SSH_N_LISTS; i++)
      {
        side->lists[i] = jnode_strv (jnode_get (lists, _netlens_ssh_list_names[i]));
        if (side->lists[i] == NULL)
          side->lists[i] = g_new0 (char *, 1);
      }
}

static NetlensSshInfo *
ssh_from_json (const JNode *o)
{
  NetlensSshInfo *ssh = _netlens_ssh_info_new ();

  ssh_side_from_json (&ssh->client, o, "client");
  ssh_side_from_json (&ssh->server, o, "server");
  ssh->messages = jnode_strlist (jnode_get (o, "messages"));
  return ssh;
}

static NetlensQuicInfo *
quic_from_json (const JNode *o)
{
  NetlensQuicInfo *quic = _netlens_quic_info_new ();
  const JNode *closes;
  guint64 v;

  quic->versions = jnode_version_array (jnode_get (o, "versions"));
  quic->tls = _netlens_tls_info_new ();
  quic->tls->sni = jnode_strlist (jnode_get (o, "sni"));
  quic->tls->alpn = jnode_strlist (jnode_get (o, "alpn"));
  quic->tls->client_hellos = (guint) jnode_uint (jnode_get (o, "client_hellos"), G_MAXUINT);
  quic->tls->server_hellos = (guint) jnode_uint (jnode_get (o, "server_hellos"), G_MAXUINT);
  if (jnode_hex (jnode_get (o, "tls_version"), &v))
    quic->tls->version = (guint16) v;
  if (jnode_hex (jnode_get (o, "cipher_suite"), &v))
    {
      quic->tls->cipher_suite = (guint16) v;
      quic->tls->has_cipher_suite = TRUE;
    }
  quic->tls->quic_max_idle_timeout_ms = jnode_int (jnode_get (o, "max_idle_timeout_ms"), -1);
  quic->initial_packets = (guint) jnode_uint (jnode_get (o, "initial_packets"), G_MAXUINT);
  quic->zero_rtt_packets = (guint) jnode_uint (jnode_get (o, "zero_rtt_packets"), G_MAXUINT);
  quic->handshake_packets = (guint) jnode_uint (jnode_get (o, "handshake_packets"), G_MAXUINT);
  quic->retry_packets = (guint) jnode_uint (jnode_get (o, "retry_packets"), G_MAXUINT);
  quic->short_header_packets = (guint) jnode_uint (jnode_get (o, "short_header_packets"), G_MAXUINT);
  quic->version_negotiation = jnode_bool (jnode_get (o, "version_negotiation"));
  quic->vn_versions = jnode_version_array (jnode_get (o, "vn_versions"));
  closes = jnode_get (o, "close_frames");
  if (closes != NULL && closes->type == J_ARRAY && closes->items->len > 0)
    {
      quic->closes = g_array_new (FALSE, TRUE, sizeof (NetlensQuicClose));
      for (guint i = 0; i < closes->items->len; i++)
        {
          const JNode *c = g_ptr_array_index (closes->items, i);
          const JNode *from = jnode_get (c, "from");
          NetlensQuicClose close = { 0 };

          if (!is_object (c))
            continue;
          if (jnode_hex (jnode_get (c, "frame_type"), &v))
            close.frame_type = (guint8) v;
          close.from_client = from != NULL && from->type == J_STRING && g_str_equal (from->text, "client");
          close.error_code = jnode_uint (jnode_get (c, "error_code"), G_MAXUINT64);
          close.reason = jnode_dup_string (jnode_get (c, "reason"));
          g_array_append_val (quic->closes, close);
        }
    }
  quic->dcid_len = jnode_hex_bytes (jnode_get (o, "dcid"), quic->dcid, sizeof quic->dcid);
  quic->scid_len = jnode_hex_bytes (jnode_get (o, "scid"), quic->scid, sizeof quic->scid);
  quic->undecryptable = (guint) jnode_uint (jnode_get (o, "undecryptable_initials"), G_MAXUINT);
  return quic;
}

static NetlensIcmpInfo *
icmp_from_json (const JNode *o)
{
  NetlensIcmpInfo *icmp = g_new0 (NetlensIcmpInfo, 1);
  const JNode *types = jnode_get (o, "types");

  if (is_object (types))
    for (guint i = 0; i < types->keys->len; i++)
      {
        guint64 t = g_ascii_strtoull (g_ptr_array_index (types->keys, i), NULL, 10);

        if (t < 256)
          _netlens_icmp_set_type (icmp, (guint8) t,
                                  (guint32) jnode_uint (g_ptr_array_index (types->items, i),
                                                        G_MAXUINT32));
      }
  icmp->echo_requests = (guint) jnode_uint (jnode_get (o, "echo_requests"), G_MAXUINT);
  icmp->echo_replies = (guint) jnode_uint (jnode_get (o, "echo_replies"), G_MAXUINT);
  icmp->echo_ids = jnode_u16_array (jnode_get (o, "echo_ids"));
  icmp->last_type = (guint8) jnode_uint (jnode_get (o, "last_type"), G_MAXUINT8);
  icmp->last_code = (guint8) jnode_uint (jnode_get (o, "last_code"), G_MAXUINT8);
  icmp->last_id = (guint16) jnode_uint (jnode_get (o, "last_echo_id"), G_MAXUINT16);
  icmp->last_seq = (guint16) jnode_uint (jnode_get (o, "last_echo_seq"), G_MAXUINT16);
  return icmp;
}

static NetlensArpInfo *
arp_from_json (const JNode *o)
{
  NetlensArpInfo *arp = g_new0 (NetlensArpInfo, 1);
  const JNode *macs = jnode_get (o, "sender_macs");
  const JNode *op = jnode_get (o, "last_op");

  arp->requests = (guint) jnode_uint (jnode_get (o, "requests"), G_MAXUINT);
  arp->replies = (guint) jnode_uint (jnode_get (o, "replies"), G_MAXUINT);
  if (macs != NULL && macs->type == J_ARRAY && macs->items->len > 0)
    {
      arp->sender_macs = g_array_new (FALSE, FALSE, 6);
      for (guint i = 0; i < macs->items->len; i++)
        {
          guint8 mac[6];

          if (parse_mac (g_ptr_array_index (macs->items, i), mac))
            g_array_append_vals (arp->sender_macs, mac, 1);
        }
    }
  if (op != NULL && op->type == J_STRING)
    arp->last_op = g_str_equal (op->text, "request") ? 1 : g_str_equal (op->text, "reply") ? 2 : 0;
  parse_mac (jnode_get (o, "sender_mac"), arp->sender_mac);
  parse_mac (jnode_get (o, "target_mac"), arp->target_mac);
  parse_ipv4 (jnode_get (o, "sender_ip"), &arp->sender_ip);
  parse_ipv4 (jnode_get (o, "target_ip"), &arp->target_ip);
  return arp;
}

/* Which end was the client: the DPI record does not say in its JSON; the same guess as
 * DPI's own when it saw no SYN (the side with the well-known port is the server). */
static gboolean
guess_client_is_local (const NetlensConnection *conn)
{
  if (conn->key.rport < 1024 && conn->key.lport >= 1024)
    return TRUE;
  if (conn->key.lport < 1024 && conn->key.rport >= 1024)
    return FALSE;
  return TRUE;
}

/* The record a stored row's results are rebuilt into (shared with netlens-dpi-binary.c). */
NetlensDpi *
_netlens_dpi_new_stored (const NetlensConnection *conn)
{
  NetlensDpi *dpi = _netlens_dpi_new ();

  dpi->copy = TRUE;
  if (conn != NULL)
    {
      dpi->app = conn->app;
      dpi->mdns = conn->app == NETLENS_APP_MDNS;
      dpi->client_known = TRUE;
      dpi->client_is_local = guess_client_is_local (conn);
    }
  return dpi;
}

NetlensDpi *
netlens_dpi_from_json (const char               *json,
                       const NetlensConnection  *conn,
                       GError                  **error)
{
  JReader r = { 0 };
  g_autoptr(JNode) root = NULL;
  NetlensDpi *dpi;
  const JNode *n;

  g_return_val_if_fail (json != NULL, NULL);

  r.p = json;
  r.end = json + strlen (json);
  root = read_value (&r);
  if (root != NULL)
    skip_ws (&r);
  if (root == NULL || r.p != r.end || root->type != J_OBJECT)
    {
      g_set_error (error, NETLENS_DPI_JSON_ERROR, 0,
                   "not a DPI JSON object (at byte %" G_GSIZE_FORMAT ")", (gsize) (r.p - json));
      return NULL;
    }

  dpi = _netlens_dpi_new_stored (conn);
  if (is_object (n = jnode_get (root, "http")))
    dpi->http = http_from_json (n);
  if (is_object (n = jnode_get (root, "tls")))
    dpi->tls = tls_from_json (n);
  dpi->dns = dns_from_json (jnode_get (root, "dns"));
  if (is_object (n = jnode_get (root, "ssh")))
    dpi->ssh = ssh_from_json (n);
  if (is_object (n = jnode_get (root, "quic")))
    {
      dpi->quic = quic_from_json (n);
      dpi->app = NETLENS_APP_QUIC;  /* the writer writes "quic" only for a QUIC row */
    }
  if (is_object (n = jnode_get (root, "icmp")))
    dpi->icmp = icmp_from_json (n);
  if (is_object (n = jnode_get (root, "arp")))
    dpi->arp = arp_from_json (n);
  return dpi;
}
