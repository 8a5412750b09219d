/* netlens-dpi-dns.c: DNS messages (UDP, TCP, mDNS, LLMNR)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-dpi"

#include "config.h"

#include <string.h>

#include "netlens-dpi-private.h"

/* RFC 1035 section 4.1.4: a name is at most 255 bytes; we follow at most this many
 * compression pointers, and only backwards, so that a loop cannot hold us. */
#define DNS_MAX_POINTERS 64
#define DNS_MAX_NAME     255

char *
_netlens_dns_read_name (const guint8 *msg,
                        gsize         len,
                        gsize        *offset)
{
  GString *name = g_string_sized_new (64);
  gsize pos = *offset;
  gsize end_after = 0;       /* where the caller continues, once a pointer was taken */
  gsize limit = pos;         /* pointers must point before this */
  guint jumps = 0;

  for (;;)
    {
      guint8 l;

      if (pos >= len)
        goto fail;
      l = msg[pos];
      if (l == 0)
        {
          pos++;
          break;
        }
      if ((l & 0xc0) == 0xc0)
        {
          gsize target;

          if (pos + 1 >= len || ++jumps > DNS_MAX_POINTERS)
            goto fail;
          target = ((gsize) (l & 0x3f) << 8) | msg[pos + 1];
          if (end_after == 0)
            end_after = pos + 2;
          if (target >= limit)
            goto fail;  /* forward or self reference: a loop in the making */
          limit = target;
          pos = target;
          continue;
        }
      if ((l & 0xc0) != 0)
        goto fail;  /* extended label types (RFC 6891) are not names we read */
      if (pos + 1 + l > len || name->len + l + 1 > DNS_MAX_NAME)
        goto fail;
      if (name->len > 0)
        g_string_append_c (name, '.');
      for (guint i = 0; i < l; i++)
        {
          guint8 c = msg[pos + 1 + i];

          /* Keep the text printable and unambiguous for export. */
          if (c < 0x21 || c > 0x7e)
            g_string_append_printf (name, "\\%03u", c);
          else
            g_string_append_c (name, c);
        }
      pos += 1 + l;
      if (jumps == 0)
        limit = pos;
    }

  *offset = end_after != 0 ? end_after : pos;
  if (name->len == 0)
    g_string_append_c (name, '.');
  return g_string_free (name, FALSE);

fail:
  g_string_free (name, TRUE);
  return NULL;
}

static guint
read16 (const guint8 *p)
{
  return ((guint) p[0] << 8) | p[1];
}

void
_netlens_dns_message_clear (NetlensDnsMessage *msg)
{
  if (msg->addresses != NULL)
    {
      for (guint i = 0; i < msg->addresses->len; i++)
        g_free (g_array_index (msg->addresses, NetlensDnsAddress, i).owner);
      g_array_unref (msg->addresses);
    }
  g_free (msg->qname);
  memset (msg, 0, sizeof *msg);
}

/* Parses the message; *END_OUT is the offset where parsing stopped (= len when the
 * whole message was consumed). */
static gboolean
dns_parse_full (const guint8      *data,
                gsize              len,
                NetlensDnsMessage *out,
                gsize             *end_out,
                guint             *counts_out,
                gboolean          *complete)
{
  guint qd, an, ns, ar;
  gsize pos = 12;

  memset (out, 0, sizeof *out);
  *complete = FALSE;
  if (len < 12)
    return FALSE;
  out->id = read16 (data);
  out->response = (data[2] & 0x80) != 0;
  out->opcode = (data[2] >> 3) & 0x0f;
  out->rcode = data[3] & 0x0f;
  qd = read16 (data + 4);
  an = read16 (data + 6);
  ns = read16 (data + 8);
  ar = read16 (data + 10);
  if (counts_out != NULL)
    {
      counts_out[0] = qd;
      counts_out[1] = an;
      counts_out[2] = ns;
      counts_out[3] = ar;
    }

  for (guint i = 0; i < qd; i++)
    {
      char *name = _netlens_dns_read_name (data, len, &pos);

      if (name == NULL || len - pos < 4)
        {
          g_free (name);
          *end_out = pos;
          return out->qname != NULL;
        }
      if (out->qname == NULL)
        {
          out->qname = name;
          out->qtype = read16 (data + pos);
        }
      else
        g_free (name);
      pos += 4;
    }

  for (guint i = 0; i < an + ns + ar; i++)
    {
      char *name = _netlens_dns_read_name (data, len, &pos);
      guint type, rdlen;

      if (name == NULL || len - pos < 10)
        {
          g_free (name);
          *end_out = pos;
          return TRUE;  /* what was read stays (a truncated response) */
        }
      type = read16 (data + pos);
      rdlen = read16 (data + pos + 8);
      pos += 10;
      if (len - pos < rdlen)
        {
          g_free (name);
          *end_out = pos;
          return TRUE;
        }
      if ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16))
        {
          NetlensDnsAddress a = { 0, };

          if (out->addresses == NULL)
            out->addresses = g_array_new (FALSE, TRUE, sizeof (NetlensDnsAddress));
          if (out->addresses->len < NETLENS_DPI_MAX_DNS_ANSWERS)
            {
              a.family = type == 1 ? NETLENS_FAMILY_IPV4 : NETLENS_FAMILY_IPV6;
              memcpy (a.addr.bytes, data + pos, rdlen);
              /* An answer-section address is what the question's name resolves to (at
               * the end of any CNAME chain); other sections name their own owners. */
              a.owner = (i < an && out->qname != NULL) ? g_strdup (out->qname)
                                                        : g_strdup (name);
              g_array_append_val (out->addresses, a);
            }
        }
      g_free (name);
      pos += rdlen;
    }
  *end_out = pos;
  *complete = TRUE;
  return TRUE;
}

gboolean
_netlens_dns_parse (const guint8      *data,
                    gsize              len,
                    NetlensDnsMessage *out)
{
  gsize end;
  gboolean complete;

  if (!dns_parse_full (data, len, out, &end, NULL, &complete))
    {
      _netlens_dns_message_clear (out);
      return FALSE;
    }
  return TRUE;
}

gboolean
_netlens_dns_looks_valid (const guint8 *data,
                          gsize         len)
{
  NetlensDnsMessage msg;
  guint counts[4] = { 0, };
  gsize end = 0;
  gboolean ok, complete = FALSE;

  if (len < 17 || len > 65535)
    return FALSE;
  ok = dns_parse_full (data, len, &msg, &end, counts, &complete);
  ok = ok && complete && end == len && msg.opcode == 0 && counts[0] == 1 && msg.qname != NULL
       && counts[1] <= 64 && counts[2] <= 64 && counts[3] <= 64
       && (data[3] & 0x40) == 0;   /* the Z bit */
  if (ok && !msg.response)
    ok = counts[1] == 0 && counts[2] == 0 && counts[3] <= 2;
  _netlens_dns_message_clear (&msg);
  return ok;
}

const char *
_netlens_dns_type_name (guint16 qtype)
{
  switch (qtype)
    {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 13: return "HINFO";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 35: return "NAPTR";
    case 41: return "OPT";
    case 43: return "DS";
    case 46: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 99: return "SPF";
    case 251: return "IXFR";
    case 252: return "AXFR";
    case 255: return "ANY";
    case 257: return "CAA";
    default: return NULL;
    }
}

void
_netlens_dns_entry_free (gpointer data)
{
  NetlensDnsEntry *entry = data;

  if (entry == NULL)
    return;
  g_free (entry->name);
  g_clear_pointer (&entry->answers, g_ptr_array_unref);
  g_free (entry);
}

static char *
address_text (NetlensFamily family, const NetlensAddr *addr)
{
  char buf[64];

  if (family == NETLENS_FAMILY_IPV4)
    g_snprintf (buf, sizeof buf, "%u.%u.%u.%u", addr->bytes[0], addr->bytes[1],
                addr->bytes[2], addr->bytes[3]);
  else
    {
      /* RFC 5952 text: longest run of zero groups compressed. */
      guint16 g[8];
      int best = -1, best_len = 0;
      GString *s = g_string_sized_new (40);

      for (int i = 0; i < 8; i++)
        g[i] = (addr->bytes[2 * i] << 8) | addr->bytes[2 * i + 1];
      for (int i = 0; i < 8;)
        {
          int j = i;

          while (j < 8 && g[j] == 0)
            j++;
          if (j - i > best_len && j - i >= 2)
            {
              best = i;
              best_len = j - i;
            }
          i = j > i ? j : i + 1;
        }
      for (int i = 0; i < 8; i++)
        {
          if (i == best)
            {
              g_string_append (s, "::");
              i += best_len - 1;
              continue;
            }
          if (s->len > 0 && s->str[s->len - 1] != ':')
            g_string_append_c (s, ':');
          g_string_append_printf (s, "%x", g[i]);
        }
      g_strlcpy (buf, s->str, sizeof buf);
      g_string_free (s, TRUE);
    }
  return g_strdup (buf);
}

gboolean
_netlens_dns_merge (GPtrArray              **entries,
                    const NetlensDnsMessage *msg)
{
  NetlensDnsEntry *entry = NULL;
  gboolean changed = FALSE;

  if (msg->qname == NULL)
    return FALSE;
  if (*entries == NULL)
    *entries = g_ptr_array_new_with_free_func (_netlens_dns_entry_free);
  for (guint i = 0; i < (*entries)->len; i++)
    {
      NetlensDnsEntry *e = g_ptr_array_index (*entries, i);

      if (e->id == msg->id && e->qtype == msg->qtype && strcmp (e->name, msg->qname) == 0)
        {
          entry = e;
          break;
        }
    }
  if (entry == NULL)
    {
      if ((*entries)->len >= NETLENS_DPI_MAX_DNS_ENTRIES)
        return FALSE;
      entry = g_new0 (NetlensDnsEntry, 1);
      entry->id = msg->id;
      entry->name = g_strdup (msg->qname);
      entry->qtype = msg->qtype;
      entry->rcode = -1;
      g_ptr_array_add (*entries, entry);
      changed = TRUE;
    }
  if (msg->response)
    {
      if (!entry->response || entry->rcode != msg->rcode)
        changed = TRUE;
      entry->response = TRUE;
      entry->rcode = msg->rcode;
      for (guint i = 0; msg->addresses != NULL && i < msg->addresses->len; i++)
        {
          const NetlensDnsAddress *a = &g_array_index (msg->addresses, NetlensDnsAddress, i);
          g_autofree char *text = address_text (a->family, &a->addr);

          changed |= _netlens_strlist_add_unique (&entry->answers, text, -1);
        }
    }
  else if (!entry->query)
    {
      entry->query = TRUE;
      changed = TRUE;
    }
  return changed;
}

GPtrArray *
_netlens_dns_entries_copy (const GPtrArray *entries)
{
  GPtrArray *copy;

  if (entries == NULL)
    return NULL;
  copy = g_ptr_array_new_with_free_func (_netlens_dns_entry_free);
  for (guint i = 0; i < entries->len; i++)
    {
      const NetlensDnsEntry *e = g_ptr_array_index ((GPtrArray *) entries, i);
      NetlensDnsEntry *c = g_memdup2 (e, sizeof *e);

      c->name = g_strdup (e->name);
      c->answers = _netlens_strlist_copy (e->answers);
      g_ptr_array_add (copy, c);
    }
  return copy;
}
