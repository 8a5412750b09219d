/* test-json.c: the shared JSON appenders against the printf/gmtime_r text they replace
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "netlens-json.h"

/* The escaper the export used before netlens-json.c: one byte at a time. */
static void
reference_string (GString *out, const char *text)
{
  if (text == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) text; *p; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
reference_timestamp (GString *out, gint64 ts_us)
{
  time_t secs = (time_t) (ts_us >= 0 ? ts_us / 1000000 : (ts_us - 999999) / 1000000);
  gint64 usec = ts_us - (gint64) secs * 1000000;
  struct tm tm;

  if (gmtime_r (&secs, &tm) == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_printf (out, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06" G_GINT64_FORMAT "Z\"",
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                          tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
}

static void
test_string (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  const char *fixed[] = { "", "plain", "a\"b\\c\nd\re\tf", "\x01\x1f\x7f end", "héllo ✓",
                          "\"", "\\\\", "x\x7f", NULL };

  for (guint i = 0; fixed[i] != NULL; i++)
    {
      g_autoptr(GString) a = g_string_new ("prefix");
      g_autoptr(GString) b = g_string_new ("prefix");

      netlens_json_append_string (a, fixed[i]);
      reference_string (b, fixed[i]);
      g_assert_cmpstr (a->str, ==, b->str);
    }
  for (guint i = 0; i < 20000; i++)
    {
      g_autoptr(GString) a = g_string_new (NULL);
      g_autoptr(GString) b = g_string_new (NULL);
      char text[40];
      guint n = g_rand_int_range (rand, 0, sizeof text);

      for (guint k = 0; k < n; k++)
        text[k] = (char) g_rand_int_range (rand, 1, 256);
      text[n] = '\0';
      netlens_json_append_string (a, text);
      reference_string (b, text);
      g_assert_cmpstr (a->str, ==, b->str);
    }
  {
    g_autoptr(GString) a = g_string_new (NULL);

    netlens_json_append_string (a, NULL);
    g_assert_cmpstr (a->str, ==, "null");
  }
}

static void
test_integers (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  guint64 fixed[] = { 0, 1, 9, 10, 99, 100, 65535, G_MAXUINT32, (guint64) G_MAXUINT32 + 1,
                      G_MAXUINT64 };

  for (guint i = 0; i < G_N_ELEMENTS (fixed) + 20000; i++)
    {
      guint64 v = i < G_N_ELEMENTS (fixed) ? fixed[i]
                : ((guint64) g_rand_int (rand) << 32 | g_rand_int (rand)) >> g_rand_int_range (rand, 0, 64);
      g_autoptr(GString) a = g_string_new (NULL);
      g_autofree char *u = g_strdup_printf ("%" G_GUINT64_FORMAT, v);
      g_autofree char *s = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) v);
      g_autofree char *h4 = g_strdup_printf ("0x%04x", (guint) (v & 0xffff));
      g_autofree char *h8 = g_strdup_printf ("0x%08x", (guint) (v & 0xffffffff));

      netlens_json_append_uint (a, v);
      g_assert_cmpstr (a->str, ==, u);
      g_string_truncate (a, 0);
      netlens_json_append_int (a, (gint64) v);
      g_assert_cmpstr (a->str, ==, s);
      g_string_truncate (a, 0);
      netlens_json_append_hex (a, v & 0xffff, 4);
      g_assert_cmpstr (a->str, ==, h4);
      g_string_truncate (a, 0);
      netlens_json_append_hex (a, v & 0xffffffff, 8);
      g_assert_cmpstr (a->str, ==, h8);
    }
  {
    g_autoptr(GString) a = g_string_new (NULL);
    guint8 bytes[70];

    for (guint i = 0; i < sizeof bytes; i++)
      bytes[i] = (guint8) (i * 37);
    netlens_json_append_hex_bytes (a, bytes, sizeof bytes);
    g_assert_cmpuint (a->len, ==, 2 * sizeof bytes);
    for (guint i = 0; i < sizeof bytes; i++)
      {
        char two[3];

        g_snprintf (two, sizeof two, "%02x", bytes[i]);
        g_assert_cmpint (memcmp (a->str + 2 * i, two, 2), ==, 0);
      }
  }
}

static void
test_timestamp (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1970);
  gint64 fixed[] = { 0, 1, 999999, 1000000, -1, -999999, -1000000, -1000001,
                     951782400000000,          /* 2000-02-29 */
                     4107542400000000,         /* 2100-03-01 */
                     253402300799999999,       /* 9999-12-31T23:59:59.999999 */
                     253402300800000000,       /* year 10000: the gmtime_r path */
                     -62167219200000000,       /* 0000-01-01 */
                     -62167219200000001,       /* before: the gmtime_r path */
                     G_MAXINT64 / 2, G_MININT64 / 2 };

  for (guint i = 0; i < G_N_ELEMENTS (fixed) + 50000; i++)
    {
      gint64 v = i < G_N_ELEMENTS (fixed) ? fixed[i]
               : (gint64) (((guint64) g_rand_int (rand) << 32 | g_rand_int (rand))
                           % 300000000000000000ULL) - 40000000000000000LL;
      g_autoptr(GString) a = g_string_new (NULL);
      g_autoptr(GString) b = g_string_new (NULL);

      netlens_json_append_timestamp (a, v);
      reference_timestamp (b, v);
      g_assert_cmpstr (a->str, ==, b->str);
    }
}

static void
test_ipv4 (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (198);

  for (guint i = 0; i < 20000; i++)
    {
      guint32 v = i < 256 ? i * 0x01010101u : g_rand_int (rand);
      guint8 a[4] = { v >> 24, v >> 16, v >> 8, v };
      char mine[16], theirs[INET_ADDRSTRLEN];
      gsize n = netlens_json_format_ipv4 (mine, a);

      g_assert_nonnull (inet_ntop (AF_INET, a, theirs, sizeof theirs));
      g_assert_cmpstr (mine, ==, theirs);
      g_assert_cmpuint (n, ==, strlen (theirs));
    }
}

static void
test_ipv6 (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2001);

  for (guint i = 0; i < 200000; i++)
    {
      guint8 a[16];
      char mine[48], theirs[INET6_ADDRSTRLEN];
      gsize n;

      /* mostly zero words, so that every run length and position, and the IPv4-compatible
       * and -mapped forms, come up */
      for (guint w = 0; w < 8; w++)
        {
          guint r = g_rand_int_range (rand, 0, 8);
          guint v = r < 4 ? 0 : r == 4 ? 0xffff : r == 5 ? g_rand_int_range (rand, 1, 16)
                  : g_rand_int_range (rand, 0, 0x10000);

          a[2 * w] = v >> 8;
          a[2 * w + 1] = v & 0xff;
        }
      n = netlens_json_format_ipv6 (mine, a);
      g_assert_nonnull (inet_ntop (AF_INET6, a, theirs, sizeof theirs));
      g_assert_cmpstr (mine, ==, theirs);
      g_assert_cmpuint (n, ==, strlen (theirs));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/string", test_string);
  g_test_add_func ("/json/integers", test_integers);
  g_test_add_func ("/json/timestamp", test_timestamp);
  g_test_add_func ("/json/ipv4", test_ipv4);
  g_test_add_func ("/json/ipv6", test_ipv6);
  return g_test_run ();
}
