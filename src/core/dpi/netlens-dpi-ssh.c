/* netlens-dpi-ssh.c: SSH banners, KEXINIT name-lists (RFC 4253) and NEWKEYS
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-dpi"

#include "config.h"

#include <string.h>

#include "netlens-dpi-private.h"

#define SSH_MAX_BANNER       255   /* RFC 4253 section 4.2, CR LF included */
#define SSH_MAX_PRE_LINES    16    /* lines a server may send before its banner */
#define SSH_MAX_PACKET       35000 /* RFC 4253 section 6.1 */
#define SSH_MAX_NAMES        64    /* names kept per name-list */

#define SSH_MSG_KEXINIT      20
#define SSH_MSG_NEWKEYS      21

const char *const _netlens_ssh_list_names[NETLENS_SSH_N_LISTS] = {
  "kex_algorithms",
  "server_host_key_algorithms",
  "encryption_algorithms_client_to_server",
  "encryption_algorithms_server_to_client",
  "mac_algorithms_client_to_server",
  "mac_algorithms_server_to_client",
  "compression_algorithms_client_to_server",
  "compression_algorithms_server_to_client",
  "languages_client_to_server",
  "languages_server_to_client",
};

static guint32
read32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

char *
_netlens_ssh_banner_software (const char *banner)
{
  const char *dash;
  const char *end;

  /* "SSH-protoversion-softwareversion SP comments" */
  if (banner == NULL || !g_str_has_prefix (banner, "SSH-"))
    return NULL;
  dash = strchr (banner + 4, '-');
  if (dash == NULL || dash[1] == '\0')
    return NULL;
  end = strchr (dash + 1, ' ');
  return end ? g_strndup (dash + 1, end - dash - 1) : g_strdup (dash + 1);
}

void
_netlens_ssh_list_free (char **list)
{
  if (list == NULL)
    return;
  for (guint i = 0; list[i] != NULL; i++)
    _netlens_strlist_release (list[i]);
  g_free (list);
}

gboolean
_netlens_ssh_parse_kexinit (NetlensSshSide *side,
                            const guint8   *payload,
                            gsize           len)
{
  char **lists[NETLENS_SSH_N_LISTS] = { NULL, };
  gsize pos = 16;  /* cookie */

  if (len < 16)
    return FALSE;
  for (guint i = 0; i < NETLENS_SSH_N_LISTS; i++)
    {
      guint32 n;
      GPtrArray *names;
      gsize start, end;

      if (len - pos < 4)
        goto fail;
      n = read32 (payload + pos);
      pos += 4;
      if (len - pos < n)
        goto fail;
      /* RFC 4251 section 5: a name-list is a comma-separated list of non-empty names,
       * US-ASCII, without commas or NULs. */
      names = g_ptr_array_new ();
      start = pos;
      end = pos + n;
      for (gsize p = pos; p <= end && n > 0; p++)
        {
          if (p == end || payload[p] == ',')
            {
              if (p > start && names->len < SSH_MAX_NAMES)
                {
                  gboolean ok = TRUE;

                  for (gsize q = start; q < p; q++)
                    ok &= payload[q] > 0x20 && payload[q] < 0x7f;
                  if (ok)
                    g_ptr_array_add (names, _netlens_strlist_intern ((const char *) payload + start,
                                                                     (gssize) (p - start)));
                }
              start = p + 1;
            }
        }
      g_ptr_array_add (names, NULL);
      lists[i] = (char **) g_ptr_array_free (names, FALSE);
      pos = end;
    }
  /* first_kex_packet_follows (1) and reserved (4) */
  if (len - pos < 5)
    goto fail;

  for (guint i = 0; i < NETLENS_SSH_N_LISTS; i++)
    {
      _netlens_ssh_list_free (side->lists[i]);
      side->lists[i] = lists[i];
    }
  return TRUE;

fail:
  for (guint i = 0; i < NETLENS_SSH_N_LISTS; i++)
    _netlens_ssh_list_free (lists[i]);
  return FALSE;
}

static void
note_message (NetlensSshInfo *info,
              gboolean        from_client,
              guint8          code)
{
  char text[16];

  if (info->messages == NULL)
    info->messages = _netlens_strlist_new ();
  if (info->messages->len < NETLENS_DPI_MAX_SSH_MESSAGES)
    {
      g_snprintf (text, sizeof text, "%s:%u", from_client ? "c2s" : "s2c", code);
      g_ptr_array_add (info->messages, _netlens_strlist_intern (text, -1));
    }
}

gsize
_netlens_ssh_feed (NetlensSshInfo *info,
                   gboolean        from_client,
                   const guint8   *data,
                   gsize           len,
                   guint64        *skip,
                   gboolean       *done,
                   gboolean       *error)
{
  NetlensSshSide *side = from_client ? &info->client : &info->server;
  gsize pos = 0;
  guint pre_lines = 0;

  *skip = 0;
  *done = FALSE;
  *error = FALSE;

  while (side->version == NULL)
    {
      const guint8 *nl = memchr (data + pos, '\n', MIN (len - pos, (gsize) SSH_MAX_BANNER + 1));
      gsize line_len;

      if (nl == NULL)
        {
          if (len - pos > SSH_MAX_BANNER)
            *error = TRUE;
          return pos;
        }
      line_len = nl - (data + pos);
      if (line_len >= 4 && memcmp (data + pos, "SSH-", 4) == 0)
        {
          gsize l = line_len;
          gboolean ok = TRUE;

          if (l > 0 && data[pos + l - 1] == '\r')
            l--;
          for (gsize i = 0; i < l; i++)
            ok &= data[pos + i] >= 0x20 && data[pos + i] < 0x7f;
          if (!ok)
            {
              *error = TRUE;
              return pos;
            }
          side->version = g_strndup ((const char *) data + pos, l);
          side->software = _netlens_ssh_banner_software (side->version);
        }
      else if (from_client || ++pre_lines > SSH_MAX_PRE_LINES)
        {
          *error = TRUE;
          return pos;
        }
      pos += line_len + 1;
    }

  /* SSH-1 has no KEXINIT we could read: the banner is all. */
  if (g_str_has_prefix (side->version, "SSH-1.") && !g_str_has_prefix (side->version, "SSH-1.99"))
    {
      *done = TRUE;
      return pos;
    }

  while (len - pos >= 6)
    {
      guint32 plen = read32 (data + pos);
      guint8 padding = data[pos + 4];
      guint8 code = data[pos + 5];

      /* packet_length covers padding_length (1), the payload (at least the message code)
       * and the padding: a padding that leaves no room for the code is malformed. */
      if (plen < 5 || plen > SSH_MAX_PACKET || (guint32) padding + 2 > plen)
        {
          *error = TRUE;
          return pos;
        }
      if (len - pos < 4 + (gsize) plen)
        {
          if (4 + (gsize) plen <= NETLENS_STREAM_CAP)
            return pos;  /* wait for the whole packet */
          if (code == SSH_MSG_KEXINIT)
            {
              *error = TRUE;
              return pos;
            }
          note_message (info, from_client, code);
          *skip = 4 + (guint64) plen - (len - pos);
          return len;
        }

      note_message (info, from_client, code);
      if (code == SSH_MSG_KEXINIT)
        {
          side->kexinit = TRUE;
          _netlens_ssh_parse_kexinit (side, data + pos + 6, plen - padding - 2);
        }
      pos += 4 + plen;
      if (code == SSH_MSG_NEWKEYS)
        {
          /* RFC 4253 section 7.3: everything this side sends after NEWKEYS is encrypted. */
          side->newkeys = TRUE;
          *done = TRUE;
          return pos;
        }
    }
  return pos;
}

/* After NEWKEYS everything is encrypted, so the last step cannot be read from message
 * codes.  It is derived from the traffic pattern instead: once keys are in use the client
 * runs the user authentication protocol (RFC 4252) and then the connection protocol
 * (RFC 4254), and each of their steps waits for the other side's answer: SERVICE_REQUEST /
 * SERVICE_ACCEPT, at least one USERAUTH_REQUEST / USERAUTH_SUCCESS, then CHANNEL_OPEN /
 * CHANNEL_OPEN_CONFIRMATION and a first channel request and its reply.  A session that
 * is really in use therefore shows at least NETLENS_SSH_ESTABLISHED_SEGMENTS segments of
 * new (not retransmitted) data in EACH direction after that side's NEWKEYS.  We call
 * the connection ESTABLISHED then.  Limits, stated honestly: coalesced messages can make
 * a login look one step slower, and a client that keeps failing authentication for
 * several rounds can look established; nothing in the encrypted bytes is interpreted. */
#define NETLENS_SSH_ESTABLISHED_SEGMENTS 4

NetlensAppState
_netlens_ssh_app_state (const NetlensSshInfo *info)
{
  if (info == NULL)
    return NETLENS_APP_STATE_NONE;
  if (info->client.newkeys && info->server.newkeys)
    {
      if (info->client.encrypted_segments >= NETLENS_SSH_ESTABLISHED_SEGMENTS
          && info->server.encrypted_segments >= NETLENS_SSH_ESTABLISHED_SEGMENTS)
        return NETLENS_APP_STATE_ESTABLISHED;
      return NETLENS_APP_STATE_AUTHENTICATION;
    }
  if (info->client.kexinit || info->server.kexinit)
    return NETLENS_APP_STATE_KEYEXCHANGE;
  if (info->client.version != NULL || info->server.version != NULL)
    return NETLENS_APP_STATE_BANNER;
  return NETLENS_APP_STATE_NONE;
}

NetlensSshInfo *
_netlens_ssh_info_new (void)
{
  return g_new0 (NetlensSshInfo, 1);
}

static void
side_clear (NetlensSshSide *side)
{
  g_free (side->version);
  g_free (side->software);
  for (guint i = 0; i < NETLENS_SSH_N_LISTS; i++)
    _netlens_ssh_list_free (side->lists[i]);
}

void
_netlens_ssh_info_free (NetlensSshInfo *info)
{
  if (info == NULL)
    return;
  side_clear (&info->client);
  side_clear (&info->server);
  g_clear_pointer (&info->messages, g_ptr_array_unref);
  g_free (info);
}

static char **
ssh_list_copy (char **list)
{
  char **copy;
  guint n;

  if (list == NULL)
    return NULL;
  n = g_strv_length (list);
  copy = g_new (char *, n + 1);
  for (guint i = 0; i < n; i++)
    copy[i] = _netlens_strlist_acquire (list[i]);
  copy[n] = NULL;
  return copy;
}

static void
side_copy (NetlensSshSide *dst, const NetlensSshSide *src)
{
  *dst = *src;
  dst->version = g_strdup (src->version);
  dst->software = g_strdup (src->software);
  for (guint i = 0; i < NETLENS_SSH_N_LISTS; i++)
    dst->lists[i] = ssh_list_copy (src->lists[i]);
}

NetlensSshInfo *
_netlens_ssh_info_copy (const NetlensSshInfo *info)
{
  NetlensSshInfo *copy;

  if (info == NULL)
    return NULL;
  copy = g_new0 (NetlensSshInfo, 1);
  side_copy (&copy->client, &info->client);
  side_copy (&copy->server, &info->server);
  copy->messages = _netlens_strlist_copy (info->messages);
  return copy;
}
