/* netlens-json.c: fast JSON text appenders shared by the export and DPI writers
 *
 * The export formats every ended connection; with printf-family calls and one
 * g_string_append per character this was the largest single cost of a
 * headless run (issue 17).  These appenders format into a local buffer and
 * append once, and the string escaper copies unescaped runs in one go.  The
 * output is byte-identical to the printf-based writers they replace.
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-core"

#include "config.h"

#include <string.h>
#include <time.h>

#include <glib.h>

#include "netlens-json.h"

static const char hex_digits[] = "0123456789abcdef";

/* 1 for the bytes that need an escape. */
static const guint8 needs_escape[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* '"' */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,   /* '\\' */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,   /* DEL */
  /* 0x80..0xff: copied as they are */
};

void
netlens_json_append_string (GString    *out,
                            const char *text)
{
  const guchar *p = (const guchar *) text;
  const guchar *run;

  if (text == NULL)
    {
      netlens_json_append_lit (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  run = p;
  for (;; p++)
    {
      guchar c = *p;
      char esc[6];

      if (c != 0 && !needs_escape[c])
        continue;
      if (p > run)
        g_string_append_len (out, (const char *) run, p - run);
      if (c == 0)
        break;
      run = p + 1;
      switch (c)
        {
        case '"': netlens_json_append_lit (out, "\\\""); break;
        case '\\': netlens_json_append_lit (out, "\\\\"); break;
        case '\n': netlens_json_append_lit (out, "\\n"); break;
        case '\r': netlens_json_append_lit (out, "\\r"); break;
        case '\t': netlens_json_append_lit (out, "\\t"); break;
        default:
          esc[0] = '\\';
          esc[1] = 'u';
          esc[2] = '0';
          esc[3] = '0';
          esc[4] = hex_digits[c >> 4];
          esc[5] = hex_digits[c & 15];
          g_string_append_len (out, esc, 6);
          break;
        }
    }
  g_string_append_c (out, '"');
}

/* Digits of V written backwards from END; returns the first. */
static char *
format_uint (char    *end,
             guint64  v)
{
  char *p = end;

  do
    {
      *--p = (char) ('0' + v % 10);
      v /= 10;
    }
  while (v != 0);
  return p;
}

void
netlens_json_append_uint (GString *out,
                          guint64  v)
{
  char buf[24];
  char *p;

  if (v < 10)
    {
      g_string_append_c (out, (char) ('0' + v));
      return;
    }
  p = format_uint (buf + sizeof buf, v);
  g_string_append_len (out, p, buf + sizeof buf - p);
}

void
netlens_json_append_int (GString *out,
                         gint64   v)
{
  char buf[24];
  char *p;

  if (v >= 0)
    {
      netlens_json_append_uint (out, (guint64) v);
      return;
    }
  p = format_uint (buf + sizeof buf, -(guint64) v);
  *--p = '-';
  g_string_append_len (out, p, buf + sizeof buf - p);
}

static inline void
put2 (char *p,
      guint v)
{
  p[0] = (char) ('0' + v / 10);
  p[1] = (char) ('0' + v % 10);
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days). */
static void
civil_from_days (gint64  z,
                 gint64 *year,
                 guint  *month,
                 guint  *day)
{
  gint64 era, y;
  guint doe, yoe, doy, mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = (guint) (z - era * 146097);
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = (gint64) yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (*month <= 2);
}

/* Years 0..9999, where "%04d" prints exactly four digits: formatted here.  Anything else goes
 * through gmtime_r() and printf as before, so that the text stays what it always was. */
void
netlens_json_append_timestamp (GString *out,
                               gint64   ts_us)
{
  gint64 secs = ts_us >= 0 ? ts_us / 1000000 : (ts_us - 999999) / 1000000;
  gint64 usec = ts_us - secs * 1000000;
  gint64 days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  guint sod = (guint) (secs - days * 86400);
  gint64 year;
  guint month, day;
  char buf[32];

  civil_from_days (days, &year, &month, &day);
  if (year >= 0 && year <= 9999)
    {
      /* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" */
      buf[0] = '"';
      put2 (buf + 1, (guint) (year / 100));
      put2 (buf + 3, (guint) (year % 100));
      buf[5] = '-';
      put2 (buf + 6, month);
      buf[8] = '-';
      put2 (buf + 9, day);
      buf[11] = 'T';
      put2 (buf + 12, sod / 3600);
      buf[14] = ':';
      put2 (buf + 15, sod / 60 % 60);
      buf[17] = ':';
      put2 (buf + 18, sod % 60);
      buf[20] = '.';
      put2 (buf + 21, (guint) (usec / 10000));
      put2 (buf + 23, (guint) (usec / 100 % 100));
      put2 (buf + 25, (guint) (usec % 100));
      buf[27] = 'Z';
      buf[28] = '"';
      g_string_append_len (out, buf, 29);
      return;
    }
  else
    {
      time_t t = (time_t) secs;
      struct tm tm;

      if ((gint64) t != secs || gmtime_r (&t, &tm) == NULL)
        {
          netlens_json_append_lit (out, "null");
          return;
        }
      g_string_append_printf (out, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06" G_GINT64_FORMAT "Z\"",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                              tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
    }
}

void
netlens_json_append_hex (GString *out,
                         guint64  v,
                         guint    n_digits)
{
  char buf[2 + 16];

  g_return_if_fail (n_digits >= 1 && n_digits <= 16);

  buf[0] = '0';
  buf[1] = 'x';
  for (guint i = 0; i < n_digits; i++)
    buf[2 + n_digits - 1 - i] = hex_digits[(v >> (4 * i)) & 15];
  g_string_append_len (out, buf, 2 + n_digits);
}

void
netlens_json_append_hex_bytes (GString      *out,
                               const guint8 *p,
                               gsize         n)
{
  char buf[64];

  while (n > 0)
    {
      gsize k = MIN (n, sizeof buf / 2);

      for (gsize i = 0; i < k; i++)
        {
          buf[2 * i] = hex_digits[p[i] >> 4];
          buf[2 * i + 1] = hex_digits[p[i] & 15];
        }
      g_string_append_len (out, buf, 2 * k);
      p += k;
      n -= k;
    }
}

gsize
netlens_json_format_ipv4 (char         *buf,
                          const guint8 *a)
{
  char *p = buf;

  for (guint i = 0; i < 4; i++)
    {
      guint v = a[i];

      if (i > 0)
        *p++ = '.';
      if (v >= 100)
        *p++ = (char) ('0' + v / 100);
      if (v >= 10)
        *p++ = (char) ('0' + v / 10 % 10);
      *p++ = (char) ('0' + v % 10);
    }
  *p = '\0';
  return p - buf;
}

/* The same text as glibc's inet_ntop (AF_INET6): the longest run of two or more zero words
 * (the first of equal runs) as "::", and the IPv4-compatible and -mapped forms dotted. */
gsize
netlens_json_format_ipv6 (char         *buf,
                          const guint8 *a)
{
  guint words[8];
  int best_base = -1, best_len = 0, cur_base = -1, cur_len = 0;
  char *p = buf;

  for (guint i = 0; i < 8; i++)
    words[i] = (guint) a[2 * i] << 8 | a[2 * i + 1];
  for (int i = 0; i < 8; i++)
    {
      if (words[i] == 0)
        {
          if (cur_base == -1)
            cur_base = i, cur_len = 1;
          else
            cur_len++;
        }
      else if (cur_base != -1)
        {
          if (best_base == -1 || cur_len > best_len)
            best_base = cur_base, best_len = cur_len;
          cur_base = -1;
        }
    }
  if (cur_base != -1 && (best_base == -1 || cur_len > best_len))
    best_base = cur_base, best_len = cur_len;
  if (best_base != -1 && best_len < 2)
    best_base = -1;

  for (int i = 0; i < 8; i++)
    {
      guint w = words[i];
      gboolean started = FALSE;

      if (best_base != -1 && i >= best_base && i < best_base + best_len)
        {
          if (i == best_base)
            *p++ = ':';
          continue;
        }
      if (i != 0)
        *p++ = ':';
      if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)))
        {
          p += netlens_json_format_ipv4 (p, a + 12);
          break;
        }
      for (int shift = 12; shift >= 0; shift -= 4)
        {
          guint d = (w >> shift) & 15;

          if (d != 0 || started || shift == 0)
            {
              *p++ = hex_digits[d];
              started = TRUE;
            }
        }
    }
  if (best_base != -1 && best_base + best_len == 8)
    *p++ = ':';
  *p = '\0';
  return p - buf;
}
