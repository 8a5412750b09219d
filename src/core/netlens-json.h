/* netlens-json.h: fast JSON text appenders shared by the export and DPI writers
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A string literal appended without strlen(). */
#define netlens_json_append_lit(out, lit) g_string_append_len ((out), "" lit, sizeof (lit) - 1)

/* TEXT as a JSON string ("null" for NULL): '"', '\\', \n, \r, \t escaped by name, other
 * control bytes and DEL as \u00XX; everything else (UTF-8 included) copied in runs. */
void netlens_json_append_string    (GString *out, const char *text);
/* Decimal integers, no printf. */
void netlens_json_append_uint      (GString *out, guint64 v);
void netlens_json_append_int       (GString *out, gint64 v);
/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (quoted), UTC; "null" where gmtime_r() fails. */
void netlens_json_append_timestamp (GString *out, gint64 ts_us);
/* "0x" and N lower-case hex digits of V, zero-padded, without quotes. */
void netlens_json_append_hex       (GString *out, guint64 v, guint n_digits);
/* Lower-case hex of N bytes, without quotes. */
void netlens_json_append_hex_bytes (GString *out, const guint8 *p, gsize n);

/* Dotted-quad text of an IPv4 address into BUF (at least 16 bytes); returns its length. */
gsize netlens_json_format_ipv4     (char *buf, const guint8 *a);

/* The text inet_ntop (AF_INET6) gives, into BUF (at least 46 bytes); returns its length. */
gsize netlens_json_format_ipv6     (char *buf, const guint8 *a);

G_END_DECLS
