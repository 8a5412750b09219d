/* netlens-dpi-http.c: HTTP/1.x request and response heads
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-dpi"

#include "config.h"

#include <string.h>

#include "netlens-dpi-private.h"

/* Longest request or response head we wait for. */
#define HTTP_MAX_HEAD 8192

static const char *const http_methods[] = {
  "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "TRACE", "PATCH",
  "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "NOTIFY",
  "M-SEARCH", "SUBSCRIBE", "UNSUBSCRIBE", "REPORT",
};

static gboolean
is_token_char (guint8 c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

gboolean
_netlens_http_is_request_start (const guint8 *data,
                                gsize         len)
{
  for (guint i = 0; i < G_N_ELEMENTS (http_methods); i++)
    {
      gsize n = strlen (http_methods[i]);

      if (len >= n + 1 && memcmp (data, http_methods[i], n) == 0 && data[n] == ' ')
        return TRUE;
      /* Not enough bytes yet, but what is there is a method prefix. */
      if (len < n + 1 && len > 0 && memcmp (data, http_methods[i], MIN (len, n)) == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
_netlens_http_is_response_start (const guint8 *data,
                                 gsize         len)
{
  static const char prefix[] = "HTTP/1.";
  gsize n = MIN (len, sizeof prefix - 1);

  return len > 0 && memcmp (data, prefix, n) == 0;
}

/* End of the head ("\r\n\r\n", or "\n\n"), as the offset after it; 0 when not there. */
static gsize
find_head_end (const guint8 *data,
               gsize         len)
{
  for (gsize i = 0; i + 1 < len; i++)
    {
      if (data[i] == '\n' && data[i + 1] == '\n')
        return i + 2;
      if (i + 3 < len && data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r'
          && data[i + 3] == '\n')
        return i + 4;
    }
  return 0;
}

/* Iterates over header lines in [start, end): calls back with name and trimmed value. */
typedef void (*HeaderFunc) (const char *name, gsize name_len, const char *value,
                            gsize value_len, gpointer data);

static void
foreach_header (const guint8 *data,
                gsize         start,
                gsize         end,
                HeaderFunc    func,
                gpointer      user_data)
{
  gsize pos = start;

  while (pos < end)
    {
      const guint8 *line = data + pos;
      const guint8 *nl = memchr (line, '\n', end - pos);
      gsize line_len = nl ? (gsize) (nl - line) : end - pos;
      const guint8 *colon;

      pos += line_len + 1;
      if (line_len > 0 && line[line_len - 1] == '\r')
        line_len--;
      if (line_len == 0)
        break;
      colon = memchr (line, ':', line_len);
      if (colon == NULL)
        continue;
      {
        gsize name_len = colon - line;
        const guint8 *v = colon + 1;
        gsize v_len = line_len - name_len - 1;

        while (v_len > 0 && (*v == ' ' || *v == '\t'))
          v++, v_len--;
        while (v_len > 0 && (v[v_len - 1] == ' ' || v[v_len - 1] == '\t'))
          v_len--;
        func ((const char *) line, name_len, (const char *) v, v_len, user_data);
      }
    }
}

typedef struct
{
  NetlensHttpInfo *info;
  gboolean         request;
  guint64          content_length;
  gboolean         has_length;
  gboolean         chunked;
} HeaderState;

static gboolean
name_is (const char *name, gsize len, const char *want)
{
  return strlen (want) == len && g_ascii_strncasecmp (name, want, len) == 0;
}

static gboolean
is_printable (const char *text, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if ((guint8) text[i] < 0x20 || text[i] == 0x7f)
      return FALSE;
  return TRUE;
}

static void
on_header (const char *name,
           gsize       name_len,
           const char *value,
           gsize       value_len,
           gpointer    data)
{
  HeaderState *st = data;

  if (name_is (name, name_len, "Content-Length"))
    {
      guint64 v = 0;
      gsize i;

      for (i = 0; i < value_len && g_ascii_isdigit (value[i]) && v < G_MAXUINT32; i++)
        v = v * 10 + (value[i] - '0');
      if (i == value_len && i > 0)
        {
          st->content_length = v;
          st->has_length = TRUE;
        }
    }
  else if (name_is (name, name_len, "Transfer-Encoding"))
    {
      st->chunked = TRUE;
    }
  else if (st->request && name_is (name, name_len, "Host") && value_len > 0
           && value_len < 256 && is_printable (value, value_len))
    {
      _netlens_strlist_add_unique (&st->info->hosts, value, value_len);
    }
  else if (st->request && st->info->user_agent == NULL
           && name_is (name, name_len, "User-Agent") && value_len > 0
           && is_printable (value, value_len))
    {
      st->info->user_agent = g_strndup (value, MIN (value_len, 512));
    }
}

NetlensParseResult
_netlens_http_parse_request (NetlensHttpInfo *info,
                             const guint8    *data,
                             gsize            len,
                             gsize           *consumed,
                             guint64         *body)
{
  HeaderState st = { info, TRUE, 0, FALSE, FALSE };
  const guint8 *sp1, *sp2, *eol;
  gsize head_end, line_len, method_len;

  *consumed = 0;
  *body = 0;
  if (!_netlens_http_is_request_start (data, len))
    return NETLENS_PARSE_ERROR;
  head_end = find_head_end (data, MIN (len, HTTP_MAX_HEAD));
  if (head_end == 0)
    return len >= HTTP_MAX_HEAD ? NETLENS_PARSE_ERROR : NETLENS_PARSE_NEED_MORE;

  eol = memchr (data, '\n', head_end);
  g_assert (eol != NULL);
  line_len = eol - data;
  if (line_len > 0 && data[line_len - 1] == '\r')
    line_len--;
  sp1 = memchr (data, ' ', line_len);
  if (sp1 == NULL)
    return NETLENS_PARSE_ERROR;
  method_len = sp1 - data;
  for (gsize i = 0; i < method_len; i++)
    if (!is_token_char (data[i]))
      return NETLENS_PARSE_ERROR;
  sp2 = memchr (sp1 + 1, ' ', line_len - method_len - 1);
  if (sp2 == NULL || line_len - (sp2 + 1 - data) < 8
      || memcmp (sp2 + 1, "HTTP/", 5) != 0)
    return NETLENS_PARSE_ERROR;

  info->requests++;
  _netlens_strlist_add_unique (&info->methods, (const char *) data, method_len);
  if (info->path == NULL && is_printable ((const char *) sp1 + 1, sp2 - sp1 - 1))
    info->path = g_strndup ((const char *) sp1 + 1, MIN ((gsize) (sp2 - sp1 - 1), 2048));

  foreach_header (data, (eol - data) + 1, head_end, on_header, &st);
  *consumed = head_end;
  /* A request without Content-Length has no body (RFC 9112 section 6.3); a chunked
   * request body cannot be skipped without following chunks: stop there. */
  *body = st.chunked ? G_MAXUINT64 : st.content_length;
  return NETLENS_PARSE_OK;
}

NetlensParseResult
_netlens_http_parse_response (NetlensHttpInfo *info,
                              const guint8    *data,
                              gsize            len,
                              gsize           *consumed,
                              guint64         *body)
{
  HeaderState st = { info, FALSE, 0, FALSE, FALSE };
  gsize head_end;
  guint status = 0;

  *consumed = 0;
  *body = 0;
  if (len < 12 && _netlens_http_is_response_start (data, len))
    return NETLENS_PARSE_NEED_MORE;
  if (len < 12 || memcmp (data, "HTTP/1.", 7) != 0 || data[8] != ' ')
    return NETLENS_PARSE_ERROR;
  for (int i = 9; i < 12; i++)
    {
      if (!g_ascii_isdigit (data[i]))
        return NETLENS_PARSE_ERROR;
      status = status * 10 + (data[i] - '0');
    }
  head_end = find_head_end (data, MIN (len, HTTP_MAX_HEAD));
  if (head_end == 0)
    return len >= HTTP_MAX_HEAD ? NETLENS_PARSE_ERROR : NETLENS_PARSE_NEED_MORE;

  info->responses++;
  if (info->status == 0)
    info->status = status;
  if (info->statuses == NULL)
    info->statuses = g_array_new (FALSE, FALSE, sizeof (guint16));
  if (info->statuses->len < NETLENS_DPI_MAX_LIST)
    {
      gboolean seen = FALSE;

      for (guint i = 0; i < info->statuses->len; i++)
        seen |= g_array_index (info->statuses, guint16, i) == status;
      if (!seen)
        {
          guint16 s = status;
          g_array_append_val (info->statuses, s);
        }
    }

  foreach_header (data, 0, head_end, on_header, &st);
  *consumed = head_end;
  if (status / 100 == 1 || status == 204 || status == 304)
    *body = 0;
  else if (st.chunked || !st.has_length)
    *body = G_MAXUINT64;
  else
    *body = st.content_length;
  return NETLENS_PARSE_OK;
}

void
_netlens_http_info_free (NetlensHttpInfo *info)
{
  if (info == NULL)
    return;
  g_clear_pointer (&info->hosts, g_ptr_array_unref);
  g_clear_pointer (&info->methods, g_ptr_array_unref);
  g_clear_pointer (&info->statuses, g_array_unref);
  g_free (info->path);
  g_free (info->user_agent);
  g_free (info);
}

NetlensHttpInfo *
_netlens_http_info_copy (const NetlensHttpInfo *info)
{
  NetlensHttpInfo *copy;

  if (info == NULL)
    return NULL;
  copy = g_new0 (NetlensHttpInfo, 1);
  copy->hosts = _netlens_strlist_copy (info->hosts);
  copy->methods = _netlens_strlist_copy (info->methods);
  copy->requests = info->requests;
  copy->path = g_strdup (info->path);
  copy->user_agent = g_strdup (info->user_agent);
  copy->responses = info->responses;
  copy->status = info->status;
  if (info->statuses != NULL)
    {
      copy->statuses = g_array_new (FALSE, FALSE, sizeof (guint16));
      g_array_append_vals (copy->statuses, info->statuses->data, info->statuses->len);
    }
  return copy;
}
