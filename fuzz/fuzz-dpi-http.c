/* fuzz-dpi-http.c: the HTTP/1.x request and response parsers
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: a byte stream, parsed as requests and then as responses the way the TCP
 * dissector does it (headers consumed, bodies skipped by Content-Length).
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include "netlens-dpi-private.h"
#include "netlens-fuzz.h"

static void
parse_stream (NetlensHttpInfo *info,
              const guint8    *data,
              gsize            size,
              gboolean         requests)
{
  gsize off = 0;

  for (guint n = 0; off < size && n < NETLENS_DPI_MAX_HTTP_REQUESTS; n++)
    {
      gsize consumed = 0;
      guint64 body = 0;
      NetlensParseResult r;

      if (requests)
        r = _netlens_http_parse_request (info, data + off, size - off, &consumed, &body);
      else
        r = _netlens_http_parse_response (info, data + off, size - off, &consumed, &body);
      if (r != NETLENS_PARSE_OK)
        break;
      g_assert_cmpuint (consumed, >, 0);
      g_assert_cmpuint (consumed, <=, size - off);
      off += consumed;
      if (body == G_MAXUINT64 || body > size - off)
        break;
      off += body;
    }
}

int
netlens_fuzz_dpi_http (const guint8 *data,
                       gsize         size)
{
  NetlensHttpInfo *info, *copy;
  guint8 *buf;

  if (size > 65536)
    return 0;
  buf = g_memdup2 (data, size);  /* exactly SIZE bytes: over-reads show */
  info = g_new0 (NetlensHttpInfo, 1);
  (void) _netlens_http_is_request_start (buf, size);
  (void) _netlens_http_is_response_start (buf, size);
  parse_stream (info, buf, size, TRUE);
  parse_stream (info, buf, size, FALSE);
  copy = _netlens_http_info_copy (info);
  _netlens_http_info_free (info);
  _netlens_http_info_free (copy);
  g_free (buf);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_dpi_http)
