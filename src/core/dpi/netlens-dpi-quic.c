/* netlens-dpi-quic.c: QUIC v1 (RFC 9000/9001) and v2 (RFC 9369) Initial packets
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-dpi"

#include "config.h"

#include <string.h>

#include <nettle/aes.h>
#include <nettle/gcm.h>
#include <nettle/hkdf.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "netlens-dpi-private.h"

/* Initial packets we try to decrypt per connection: a handshake needs a handful. */
#define QUIC_MAX_DECRYPTS 64

/* RFC 9001 section 5.2 */
static const guint8 salt_v1[20] = {
  0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
  0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
/* RFC 9369 section 3.3.1 */
static const guint8 salt_v2[20] = {
  0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
  0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};
/* draft-ietf-quic-tls-29 section 5.2 (drafts 29 to 32) */
static const guint8 salt_draft29[20] = {
  0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
  0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
};

gboolean
_netlens_quic_version_supported (guint32 version)
{
  return version == NETLENS_QUIC_V1 || version == NETLENS_QUIC_V2
         || (version >= NETLENS_QUIC_DRAFT29 && version <= 0xff000020u);
}

/* RFC 8446 section 7.1: HKDF-Expand-Label with an empty context.  CTX holds the secret as
 * its HMAC key; nettle's digest leaves it ready for the next message, so one key setup serves
 * every label expanded from the same secret (a key setup is two SHA-256 compressions). */
static void
hkdf_expand_label (struct hmac_sha256_ctx *ctx,
                   const char             *label,
                   guint8                 *out,
                   gsize                   out_len)
{
  guint8 info[2 + 1 + 255 + 1];
  gsize label_len = strlen (label);
  gsize n = 0;

  g_assert (label_len + 6 <= 255);
  info[n++] = (out_len >> 8) & 0xff;
  info[n++] = out_len & 0xff;
  info[n++] = (guint8) (6 + label_len);
  memcpy (info + n, "tls13 ", 6);
  n += 6;
  memcpy (info + n, label, label_len);
  n += label_len;
  info[n++] = 0;

  hkdf_expand (ctx, (nettle_hash_update_func *) hmac_sha256_update,
               (nettle_hash_digest_func *) hmac_sha256_digest, SHA256_DIGEST_SIZE,
               n, info, out_len, out);
}

static void
derive_direction (guint32                 version,
                  struct hmac_sha256_ctx *initial,
                  const char             *label,
                  NetlensQuicKeys        *keys)
{
  gboolean v2 = version == NETLENS_QUIC_V2;
  struct hmac_sha256_ctx ctx;

  hkdf_expand_label (initial, label, keys->secret, sizeof keys->secret);
  hmac_sha256_set_key (&ctx, sizeof keys->secret, keys->secret);
  hkdf_expand_label (&ctx, v2 ? "quicv2 key" : "quic key", keys->key, sizeof keys->key);
  hkdf_expand_label (&ctx, v2 ? "quicv2 iv" : "quic iv", keys->iv, sizeof keys->iv);
  hkdf_expand_label (&ctx, v2 ? "quicv2 hp" : "quic hp", keys->hp, sizeof keys->hp);
  memset (&ctx, 0, sizeof ctx);
}

/* HMAC states keyed with each version's salt, set up once: [0] v1, [1] v2, [2] drafts. */
static const struct hmac_sha256_ctx *
salt_contexts (void)
{
  static struct hmac_sha256_ctx ctx[3];
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      hmac_sha256_set_key (&ctx[0], sizeof salt_v1, salt_v1);
      hmac_sha256_set_key (&ctx[1], sizeof salt_v2, salt_v2);
      hmac_sha256_set_key (&ctx[2], sizeof salt_draft29, salt_draft29);
      g_once_init_leave (&done, 1);
    }
  return ctx;
}

/* Each connection derives its keys once per (version, DCID): the state keeps them (see
 * handle_initial ()). */
gboolean
_netlens_quic_derive_initial_keys (guint32          version,
                                   const guint8    *dcid,
                                   gsize            dcid_len,
                                   NetlensQuicKeys *client,
                                   NetlensQuicKeys *server)
{
  struct hmac_sha256_ctx ctx;
  guint8 initial_secret[SHA256_DIGEST_SIZE];

  if (version == NETLENS_QUIC_V1)
    ctx = salt_contexts ()[0];
  else if (version == NETLENS_QUIC_V2)
    ctx = salt_contexts ()[1];
  else if (_netlens_quic_version_supported (version))
    ctx = salt_contexts ()[2];
  else
    return FALSE;

  hkdf_extract (&ctx, (nettle_hash_update_func *) hmac_sha256_update,
                (nettle_hash_digest_func *) hmac_sha256_digest, SHA256_DIGEST_SIZE,
                dcid_len, dcid, initial_secret);
  hmac_sha256_set_key (&ctx, sizeof initial_secret, initial_secret);
  if (client != NULL)
    derive_direction (version, &ctx, "client in", client);
  if (server != NULL)
    derive_direction (version, &ctx, "server in", server);
  memset (&ctx, 0, sizeof ctx);
  memset (initial_secret, 0, sizeof initial_secret);
  return TRUE;
}

/* RFC 9000 section 16 */
static gboolean
read_varint (const guint8 *data,
             gsize         len,
             gsize        *pos,
             guint64      *out)
{
  gsize n;
  guint64 v;

  if (*pos >= len)
    return FALSE;
  n = (gsize) 1 << (data[*pos] >> 6);
  if (len - *pos < n)
    return FALSE;
  v = data[*pos] & 0x3f;
  for (gsize i = 1; i < n; i++)
    v = (v << 8) | data[*pos + i];
  *pos += n;
  *out = v;
  return TRUE;
}

gboolean
_netlens_quic_parse_long_header (const guint8          *data,
                                 gsize                  len,
                                 NetlensQuicLongHeader *out)
{
  gsize pos = 5;
  guint8 raw_type;

  memset (out, 0, sizeof *out);
  if (len < 7 || (data[0] & 0x80) == 0)
    return FALSE;
  out->first = data[0];
  out->version = ((guint32) data[1] << 24) | ((guint32) data[2] << 16)
                 | ((guint32) data[3] << 8) | data[4];
  out->dcid_len = data[pos++];
  if (len - pos < out->dcid_len + 1u)
    return FALSE;
  out->dcid = data + pos;
  pos += out->dcid_len;
  out->scid_len = data[pos++];
  if (len - pos < out->scid_len)
    return FALSE;
  out->scid = data + pos;
  pos += out->scid_len;

  raw_type = (data[0] >> 4) & 0x03;
  /* RFC 9369 section 3.2: v2 rotates the type codes (Initial 1, 0-RTT 2, Handshake 3,
   * Retry 0); normalise to v1's. */
  out->type = out->version == NETLENS_QUIC_V2 ? ((raw_type + 3) & 0x03) : raw_type;
  out->packet_len = len;

  if (out->version == 0 || !_netlens_quic_version_supported (out->version))
    {
      /* Version Negotiation, or a version whose layout we do not know beyond the
       * invariants (RFC 8999): the rest of the datagram. */
      out->pn_offset = pos;
      return TRUE;
    }
  if (out->dcid_len > 20 || out->scid_len > 20)
    return FALSE;

  if (out->type == 3)
    {
      out->token = data + pos;
      out->token_len = len - pos;
      out->pn_offset = pos;
      return TRUE;
    }
  if (out->type == 0)
    {
      guint64 tlen;

      if (!read_varint (data, len, &pos, &tlen) || len - pos < tlen)
        return FALSE;
      out->token = data + pos;
      out->token_len = tlen;
      pos += tlen;
    }
  {
    guint64 plen;

    if (!read_varint (data, len, &pos, &plen) || len - pos < plen || plen < 20)
      return FALSE;
    out->pn_offset = pos;
    out->packet_len = pos + plen;
  }
  return TRUE;
}

guint8 *
_netlens_quic_decrypt_initial (const NetlensQuicKeys       *keys,
                               const guint8                *data,
                               const NetlensQuicLongHeader *hdr,
                               gsize                       *out_len,
                               guint64                     *out_pn)
{
  struct aes128_ctx hp;
  struct gcm_aes128_ctx gcm;
  guint8 mask[16];
  g_autofree guint8 *header = NULL;
  guint8 nonce[12];
  guint8 tag[16];
  gsize pn_len, header_len, payload_len;
  guint64 pn = 0;
  guint8 first;
  guint8 *plain;

  /* RFC 9001 section 5.4.2: the sample starts 4 bytes after the packet number start. */
  if (hdr->packet_len < hdr->pn_offset + 4 + 16)
    return NULL;
  aes128_set_encrypt_key (&hp, keys->hp);
  aes128_encrypt (&hp, 16, mask, data + hdr->pn_offset + 4);

  first = data[0] ^ (mask[0] & 0x0f);
  pn_len = (first & 0x03) + 1;
  header_len = hdr->pn_offset + pn_len;
  if (hdr->packet_len < header_len + 16)
    return NULL;
  /* The header includes the token, which may be long (a Retry or NEW_TOKEN token). */
  header = g_memdup2 (data, header_len);
  header[0] = first;
  for (gsize i = 0; i < pn_len; i++)
    {
      header[hdr->pn_offset + i] ^= mask[1 + i];
      pn = (pn << 8) | header[hdr->pn_offset + i];
    }

  /* RFC 9001 section 5.3: the nonce is the IV XORed with the packet number.  Initial
   * packet numbers are small, so the truncated number is the full one here. */
  memcpy (nonce, keys->iv, 12);
  for (int i = 0; i < 8; i++)
    nonce[11 - i] ^= (pn >> (8 * i)) & 0xff;

  payload_len = hdr->packet_len - header_len - 16;
  plain = g_malloc (payload_len + 1);
  gcm_aes128_set_key (&gcm, keys->key);
  gcm_aes128_set_iv (&gcm, 12, nonce);
  gcm_aes128_update (&gcm, header_len, header);
  gcm_aes128_decrypt (&gcm, payload_len, plain, data + header_len);
  gcm_aes128_digest (&gcm, 16, tag);
#if !NETLENS_FUZZING
  if (!memeql_sec (tag, data + hdr->packet_len - 16, 16))
    {
      g_free (plain);
      return NULL;
    }
#endif
  *out_len = payload_len;
  if (out_pn != NULL)
    *out_pn = pn;
  return plain;
}

/* ---- CRYPTO stream reassembly --------------------------------------------------------------- */

void
_netlens_quic_crypto_clear (NetlensQuicCrypto *crypto)
{
  g_free (crypto->buf);
  memset (crypto, 0, sizeof *crypto);
}

gboolean
_netlens_quic_crypto_add (NetlensQuicCrypto *crypto,
                          guint64            offset,
                          const guint8      *data,
                          gsize              len)
{
  guint64 start = offset, end;
  guint i, j;

  if (crypto->done || len == 0 || offset >= NETLENS_QUIC_CRYPTO_CAP)
    return FALSE;
  end = MIN (offset + len, (guint64) NETLENS_QUIC_CRYPTO_CAP);
  if (crypto->buf == NULL)
    crypto->buf = g_malloc0 (NETLENS_QUIC_CRYPTO_CAP);

  /* Bytes already received keep their first copy (a retransmission carries the same). */
  for (guint64 p = start; p < end;)
    {
      gboolean have = FALSE;
      guint64 next = end;

      for (i = 0; i < crypto->n_ranges; i++)
        {
          if (p >= crypto->ranges[i][0] && p < crypto->ranges[i][1])
            {
              have = TRUE;
              next = crypto->ranges[i][1];
              break;
            }
          if (crypto->ranges[i][0] > p && crypto->ranges[i][0] < next)
            next = crypto->ranges[i][0];
        }
      next = MIN (next, end);
      if (!have)
        memcpy (crypto->buf + p, data + (p - offset), next - p);
      p = next;
    }

  /* Insert [start, end) and merge. */
  if (crypto->n_ranges == G_N_ELEMENTS (crypto->ranges))
    {
      /* Too fragmented to track: keep the ranges we have (bounded state). */
      return FALSE;
    }
  for (i = 0; i < crypto->n_ranges && crypto->ranges[i][0] < start; i++)
    ;
  memmove (&crypto->ranges[i + 1], &crypto->ranges[i],
           (crypto->n_ranges - i) * sizeof crypto->ranges[0]);
  crypto->ranges[i][0] = start;
  crypto->ranges[i][1] = end;
  crypto->n_ranges++;
  for (i = 0, j = 0; i < crypto->n_ranges; i++)
    {
      if (j > 0 && crypto->ranges[i][0] <= crypto->ranges[j - 1][1])
        crypto->ranges[j - 1][1] = MAX (crypto->ranges[j - 1][1], crypto->ranges[i][1]);
      else
        {
          crypto->ranges[j][0] = crypto->ranges[i][0];
          crypto->ranges[j][1] = crypto->ranges[i][1];
          j++;
        }
    }
  crypto->n_ranges = j;
  return TRUE;
}

guint64
_netlens_quic_crypto_contiguous (const NetlensQuicCrypto *crypto)
{
  if (crypto->n_ranges == 0 || crypto->ranges[0][0] != 0)
    return 0;
  return crypto->ranges[0][1];
}

gboolean
_netlens_quic_crypto_process (NetlensQuicInfo   *info,
                              NetlensQuicCrypto *crypto,
                              gboolean           from_client)
{
  guint64 avail = _netlens_quic_crypto_contiguous (crypto);
  gboolean done = FALSE;
  gsize used;
  guint before;

  if (crypto->done || avail <= crypto->parsed)
    return FALSE;
  if (info->tls == NULL)
    info->tls = _netlens_tls_info_new ();
  before = info->tls->client_hellos + info->tls->server_hellos;
  used = _netlens_tls_feed_handshake (info->tls, from_client, crypto->buf + crypto->parsed,
                                      avail - crypto->parsed, &done);
  crypto->parsed += used;
  if (done || (from_client && info->tls->client_hellos > 0))
    {
      /* The Initial space carries only the ClientHello or ServerHello. */
      crypto->done = TRUE;
      g_clear_pointer (&crypto->buf, g_free);
    }
  return info->tls->client_hellos + info->tls->server_hellos != before;
}

/* ---- frames ---------------------------------------------------------------------------------- */

gboolean
_netlens_quic_parse_frames (NetlensQuicInfo   *info,
                            NetlensQuicCrypto *crypto,
                            gboolean           from_client,
                            const guint8      *data,
                            gsize              len)
{
  gsize pos = 0;

  while (pos < len)
    {
      guint64 type;

      if (!read_varint (data, len, &pos, &type))
        return FALSE;
      switch (type)
        {
        case 0x00:  /* PADDING */
        case 0x01:  /* PING */
          break;

        case 0x02:  /* ACK */
        case 0x03:
          {
            guint64 largest, delay, count, first, gap, range;

            if (!read_varint (data, len, &pos, &largest)
                || !read_varint (data, len, &pos, &delay)
                || !read_varint (data, len, &pos, &count)
                || !read_varint (data, len, &pos, &first))
              return FALSE;
            if (count > len)
              return FALSE;
            for (guint64 i = 0; i < count; i++)
              if (!read_varint (data, len, &pos, &gap) || !read_varint (data, len, &pos, &range))
                return FALSE;
            if (type == 0x03)
              for (int i = 0; i < 3; i++)
                if (!read_varint (data, len, &pos, &gap))
                  return FALSE;
          }
          break;

        case 0x06:  /* CRYPTO */
          {
            guint64 offset, clen;

            if (!read_varint (data, len, &pos, &offset) || !read_varint (data, len, &pos, &clen)
                || len - pos < clen)
              return FALSE;
            if (crypto != NULL)
              _netlens_quic_crypto_add (crypto, offset, data + pos, clen);
            pos += clen;
          }
          break;

        case 0x07:  /* NEW_TOKEN */
          {
            guint64 tlen;

            if (!read_varint (data, len, &pos, &tlen) || len - pos < tlen)
              return FALSE;
            pos += tlen;
          }
          break;

        case 0x1c:  /* CONNECTION_CLOSE (transport) */
        case 0x1d:  /* CONNECTION_CLOSE (application) */
          {
            NetlensQuicClose close = { 0, };
            guint64 frame_type = 0, rlen;

            if (!read_varint (data, len, &pos, &close.error_code))
              return FALSE;
            if (type == 0x1c && !read_varint (data, len, &pos, &frame_type))
              return FALSE;
            if (!read_varint (data, len, &pos, &rlen) || len - pos < rlen)
              return FALSE;
            close.frame_type = (guint8) type;
            close.from_client = from_client;
            close.reason = g_utf8_make_valid ((const char *) data + pos,
                                              (gssize) MIN (rlen, (guint64) 1024));
            pos += rlen;
            if (info->closes == NULL)
              {
                info->closes = g_array_new (FALSE, TRUE, sizeof (NetlensQuicClose));
              }
            if (info->closes->len < NETLENS_DPI_MAX_QUIC_CLOSES)
              g_array_append_val (info->closes, close);
            else
              g_free (close.reason);
          }
          break;

        default:
          /* No other frame is allowed in an Initial packet (RFC 9000 section 12.4). */
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- per-connection state ------------------------------------------------------------------ */

struct _NetlensQuicState
{
  /* Initial space CRYPTO streams, [0] client, [1] server: allocated by the first decrypted
   * Initial, freed once both are done (the ClientHello and ServerHello read); later Initials
   * still yield their closes */
  NetlensQuicCrypto *crypto;
  NetlensQuicKeys   client_keys;
  NetlensQuicKeys   server_keys;
  guint32           keys_version;
  guint8            keys_dcid[20];
  guint8            keys_dcid_len;
  guint             have_keys : 1;
  guint             client_known : 1;
  guint             client_is_local : 1;
  guint             recognised : 1;
  guint             client_long_seen : 1;
  guint             server_long_seen : 1;   /* Initial or Handshake from the server */
  guint             client_short_seen : 1;
  guint             server_short_seen : 1;
  guint             crypto_done : 1;        /* both CRYPTO streams done and freed */
  guint             close_seen[2];          /* [0] client, [1] server */
  guint             decrypts;
};

NetlensQuicState *
_netlens_quic_state_new (void)
{
  return g_new0 (NetlensQuicState, 1);
}

NetlensQuicState *
_netlens_quic_state_new_joined (gboolean client_is_local,
                                gboolean connected)
{
  NetlensQuicState *state = g_new0 (NetlensQuicState, 1);

  state->recognised = TRUE;
  state->client_known = TRUE;
  state->client_is_local = client_is_local;
  state->client_long_seen = TRUE;
  state->server_long_seen = TRUE;
  state->client_short_seen = connected;
  return state;
}

static void
quic_crypto_free (NetlensQuicState *state)
{
  if (state->crypto == NULL)
    return;
  _netlens_quic_crypto_clear (&state->crypto[0]);
  _netlens_quic_crypto_clear (&state->crypto[1]);
  g_clear_pointer (&state->crypto, g_free);
}

void
_netlens_quic_state_free (NetlensQuicState *state)
{
  if (state == NULL)
    return;
  quic_crypto_free (state);
  memset (state, 0, sizeof *state);  /* keys do not linger in freed memory */
  g_free (state);
}

gboolean
_netlens_quic_detect (const guint8 *data,
                      gsize         len)
{
  guint32 version;

  /* Long header with the fixed bit (RFC 9000 section 17.2; RFC 9369 keeps both). */
  if (len < 7 || (data[0] & 0xc0) != 0xc0)
    return FALSE;
  version = ((guint32) data[1] << 24) | ((guint32) data[2] << 16) | ((guint32) data[3] << 8)
            | data[4];
  if (_netlens_quic_version_supported (version))
    return TRUE;
  /* An unknown version (greased, to force Version Negotiation): only a datagram padded
   * like a client Initial (RFC 9000 section 14.1) is worth waiting on. */
  return len >= 1200 && data[5] <= 20;
}

static void
add_version (GArray **list, guint32 version)
{
  if (*list == NULL)
    *list = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < (*list)->len; i++)
    if (g_array_index (*list, guint32, i) == version)
      return;
  if ((*list)->len < NETLENS_DPI_MAX_LIST)
    g_array_append_val (*list, version);
}

/* One Initial packet.  Returns TRUE when INFO changed. */
static gboolean
handle_initial (NetlensQuicState            *state,
                NetlensQuicInfo             *info,
                gboolean                     from_local,
                const guint8                *data,
                const NetlensQuicLongHeader *hdr)
{
  g_autofree guint8 *plain = NULL;
  gsize plain_len = 0;
  gboolean from_client;
  gboolean changed = FALSE;
  guint closes_before;
  NetlensQuicCrypto *crypto;

  if (state->decrypts >= QUIC_MAX_DECRYPTS)
    return FALSE;
  state->decrypts++;

  if (!state->client_known || state->client_is_local == from_local)
    {
      /* A client Initial.  Its keys come from the Destination Connection ID of the
       * client's first Initial, and stay when the client switches to the server's
       * connection ID (RFC 9000 section 7.2); a Retry or a new attempt brings a new
       * one.  So: the keys we have first, then the packet's own DCID. */
      if (state->have_keys && state->keys_version == hdr->version)
        plain = _netlens_quic_decrypt_initial (&state->client_keys, data, hdr, &plain_len, NULL);
      if (plain == NULL)
        {
          NetlensQuicKeys c, s;

          if (_netlens_quic_derive_initial_keys (hdr->version, hdr->dcid, hdr->dcid_len, &c, &s)
              && (plain = _netlens_quic_decrypt_initial (&c, data, hdr, &plain_len, NULL)) != NULL)
            {
              state->client_keys = c;
              state->server_keys = s;
              state->keys_version = hdr->version;
              state->keys_dcid_len = hdr->dcid_len;
              memcpy (state->keys_dcid, hdr->dcid, hdr->dcid_len);
              state->have_keys = TRUE;
            }
          memset (&c, 0, sizeof c);
          memset (&s, 0, sizeof s);
        }
      if (plain != NULL && !state->client_known)
        {
          state->client_known = TRUE;
          state->client_is_local = from_local;
          if (hdr->dcid_len <= 20)
            {
              memcpy (info->dcid, hdr->dcid, hdr->dcid_len);
              info->dcid_len = hdr->dcid_len;
            }
          if (hdr->scid_len <= 20)
            {
              memcpy (info->scid, hdr->scid, hdr->scid_len);
              info->scid_len = hdr->scid_len;
            }
          changed = TRUE;
        }
    }
  else if (state->have_keys)
    {
      plain = _netlens_quic_decrypt_initial (&state->server_keys, data, hdr, &plain_len, NULL);
      if (plain != NULL && info->server_scid_len == 0 && hdr->scid_len <= 20)
        {
          memcpy (info->server_scid, hdr->scid, hdr->scid_len);
          info->server_scid_len = hdr->scid_len;
        }
    }

  if (plain == NULL)
    {
      info->undecryptable++;
      return changed;
    }

  state->recognised = TRUE;
  from_client = state->client_is_local == from_local;
  closes_before = info->closes ? info->closes->len : 0;
  if (state->crypto == NULL && !state->crypto_done)
    state->crypto = g_new0 (NetlensQuicCrypto, 2);
  crypto = state->crypto != NULL ? &state->crypto[from_client ? 0 : 1] : NULL;
  _netlens_quic_parse_frames (info, crypto, from_client, plain, plain_len);
  if (crypto != NULL)
    changed |= _netlens_quic_crypto_process (info, crypto, from_client);
  if (state->crypto != NULL && state->crypto[0].done && state->crypto[1].done)
    {
      /* both hellos read: a done stream takes no more bytes, so nothing is lost */
      quic_crypto_free (state);
      state->crypto_done = TRUE;
    }
  if (info->closes != NULL && info->closes->len != closes_before)
    {
      state->close_seen[from_client ? 0 : 1] = TRUE;
      changed = TRUE;
    }
  return changed;
}

gboolean
_netlens_quic_datagram (NetlensQuicState *state,
                        NetlensQuicInfo  *info,
                        gboolean          from_local,
                        const guint8     *data,
                        gsize             len,
                        gboolean         *is_quic,
                        gboolean         *client_is_local)
{
  gboolean changed = FALSE;
  gsize pos = 0;

  while (pos < len)
    {
      NetlensQuicLongHeader hdr;
      gboolean from_client;

      if ((data[pos] & 0x80) == 0)
        {
          /* Short header: the rest of the datagram (RFC 9000 section 12.2). */
          if (state->recognised && (data[pos] & 0x40) != 0)
            {
              info->short_header_packets++;
              if (state->client_is_local == from_local)
                state->client_short_seen = TRUE;
              else
                state->server_short_seen = TRUE;
            }
          break;
        }
      if (!_netlens_quic_parse_long_header (data + pos, len - pos, &hdr))
        break;

      if (hdr.version == 0)
        {
          /* Version Negotiation (RFC 9000 section 17.2.1): the versions follow the CIDs. */
          for (gsize p = hdr.pn_offset; p + 4 <= len - pos; p += 4)
            {
              const guint8 *v = data + pos + p;
              add_version (&info->vn_versions, ((guint32) v[0] << 24) | ((guint32) v[1] << 16)
                                               | ((guint32) v[2] << 8) | v[3]);
            }
          if (!info->version_negotiation)
            changed = TRUE;
          info->version_negotiation = TRUE;
          /* An answer to a long header the other side sent: this is QUIC. */
          if (state->client_long_seen)
            state->recognised = TRUE;
          break;
        }

      from_client = !state->client_known || state->client_is_local == from_local;
      add_version (&info->versions, hdr.version);
      if (!_netlens_quic_version_supported (hdr.version))
        {
          if (hdr.type == 0)
            info->initial_packets++;
          if (!state->client_known)
            {
              /* The first sender of a long header is the client until a decryption
               * says otherwise. */
              state->client_long_seen = TRUE;
              state->client_is_local = from_local;
            }
          break;
        }

      switch (hdr.type)
        {
        case 0:
          info->initial_packets++;
          changed |= handle_initial (state, info, from_local, data + pos, &hdr);
          from_client = state->client_known && state->client_is_local == from_local;
          if (from_client)
            state->client_long_seen = TRUE;
          else if (state->recognised)
            state->server_long_seen = TRUE;
          break;
        case 1:
          info->zero_rtt_packets++;
          break;
        case 2:
          info->handshake_packets++;
          if (!from_client)
            state->server_long_seen = TRUE;
          break;
        case 3:
          info->retry_packets++;
          if (state->client_known && !from_client)
            state->recognised = TRUE;
          changed = TRUE;
          break;
        default:
          break;
        }
      if (hdr.type == 3)
        break;
      pos += hdr.packet_len;
    }

  *is_quic = state->recognised;
  *client_is_local = state->client_is_local;
  return changed;
}

NetlensState
_netlens_quic_conn_state (const NetlensQuicState *state,
                          const NetlensQuicInfo  *info)
{
  if (state->close_seen[0] && state->close_seen[1])
    return NETLENS_STATE_QUIC_CLOSED;
  if (state->close_seen[0] || state->close_seen[1])
    return NETLENS_STATE_QUIC_DRAINING;
  /* The client sends 1-RTT packets once it has the handshake keys' successor: the
   * handshake is complete from its side. */
  if (state->client_short_seen)
    return NETLENS_STATE_QUIC_CONNECTED;
  if (state->server_long_seen || state->server_short_seen)
    return NETLENS_STATE_QUIC_HANDSHAKE;
  return NETLENS_STATE_QUIC_INITIAL;
}

/* ---- results ------------------------------------------------------------------------------- */

NetlensQuicInfo *
_netlens_quic_info_new (void)
{
  return g_new0 (NetlensQuicInfo, 1);
}

void
_netlens_quic_info_free (NetlensQuicInfo *info)
{
  if (info == NULL)
    return;
  g_clear_pointer (&info->versions, g_array_unref);
  g_clear_pointer (&info->vn_versions, g_array_unref);
  _netlens_tls_info_free (info->tls);
  if (info->closes != NULL)
    {
      for (guint i = 0; i < info->closes->len; i++)
        g_free (g_array_index (info->closes, NetlensQuicClose, i).reason);
      g_array_unref (info->closes);
    }
  g_free (info);
}

static GArray *
array_copy (const GArray *a)
{
  GArray *copy;

  if (a == NULL)
    return NULL;
  copy = g_array_sized_new (FALSE, FALSE, g_array_get_element_size ((GArray *) a), a->len);
  g_array_append_vals (copy, a->data, a->len);
  return copy;
}

NetlensQuicInfo *
_netlens_quic_info_copy (const NetlensQuicInfo *info)
{
  NetlensQuicInfo *copy;

  if (info == NULL)
    return NULL;
  copy = g_memdup2 (info, sizeof *info);
  copy->versions = array_copy (info->versions);
  copy->vn_versions = array_copy (info->vn_versions);
  copy->tls = _netlens_tls_info_copy (info->tls);
  copy->closes = array_copy (info->closes);
  for (guint i = 0; copy->closes != NULL && i < copy->closes->len; i++)
    {
      NetlensQuicClose *c = &g_array_index (copy->closes, NetlensQuicClose, i);
      c->reason = g_strdup (c->reason);
    }
  return copy;
}
