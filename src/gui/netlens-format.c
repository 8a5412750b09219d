/* netlens-format.c
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "netlens-format.h"
#include "netlens-dpi.h"
#include "netlens-app-info.h"
#include "netlens-geo.h"

static const struct
{
  const char *id;
  const char *title;
  gboolean    numeric;
  gboolean    visible;
  int         width;
} columns[NETLENS_N_COLUMNS] = {
  [NETLENS_COLUMN_PROCESS]     = { "process",     N_("Process"),     FALSE, TRUE,  130 },
  [NETLENS_COLUMN_PROTOCOL]    = { "protocol",    N_("Protocol"),    FALSE, TRUE,   64 },
  [NETLENS_COLUMN_LOCAL]       = { "local",       N_("Local"),       FALSE, TRUE,  160 },
  [NETLENS_COLUMN_REMOTE]      = { "remote",      N_("Remote"),      FALSE, TRUE,  220 },
  [NETLENS_COLUMN_SERVICE]     = { "service",     N_("Service"),     FALSE, TRUE,   70 },
  [NETLENS_COLUMN_APPLICATION] = { "application", N_("Application"), FALSE, TRUE,  170 },
  [NETLENS_COLUMN_STATE]       = { "state",       N_("State"),       FALSE, TRUE,  150 },
  [NETLENS_COLUMN_RX_RATE]     = { "rx-rate",     N_("Rx Rate"),     TRUE,  TRUE,   80 },
  [NETLENS_COLUMN_TX_RATE]     = { "tx-rate",     N_("Tx Rate"),     TRUE,  TRUE,   80 },
  [NETLENS_COLUMN_BYTES]       = { "bytes",       N_("Bytes"),       TRUE,  TRUE,   80 },
  [NETLENS_COLUMN_PACKETS]     = { "packets",     N_("Packets"),     TRUE,  TRUE,   64 },
  [NETLENS_COLUMN_AGE]         = { "age",         N_("Age"),         TRUE,  TRUE,   80 },
  [NETLENS_COLUMN_COUNTRY]     = { "country",     N_("Country"),     FALSE, TRUE,   90 },
};

const char *
netlens_column_get_id (NetlensColumn column)
{
  g_return_val_if_fail (column >= 0 && column < NETLENS_N_COLUMNS, NULL);
  return columns[column].id;
}

const char *
netlens_column_get_title (NetlensColumn column)
{
  g_return_val_if_fail (column >= 0 && column < NETLENS_N_COLUMNS, NULL);
  return _(columns[column].title);
}

NetlensColumn
netlens_column_from_id (const char *id)
{
  if (id == NULL)
    return NETLENS_COLUMN_NONE;
  for (int i = 0; i < NETLENS_N_COLUMNS; i++)
    if (g_str_equal (id, columns[i].id))
      return (NetlensColumn) i;
  return NETLENS_COLUMN_NONE;
}

gboolean
netlens_column_is_numeric (NetlensColumn column)
{
  g_return_val_if_fail (column >= 0 && column < NETLENS_N_COLUMNS, FALSE);
  return columns[column].numeric;
}

gboolean
netlens_column_default_visible (NetlensColumn column)
{
  g_return_val_if_fail (column >= 0 && column < NETLENS_N_COLUMNS, FALSE);
  return columns[column].visible;
}

int
netlens_column_default_width (NetlensColumn column)
{
  g_return_val_if_fail (column >= 0 && column < NETLENS_N_COLUMNS, 80);
  return columns[column].width;
}

static void
format_scaled (double   value,
               const char *const *units,
               guint    n_units,
               GString *out)
{
  guint i = 0;

  while (value >= 1000.0 && i + 1 < n_units)
    {
      value /= 1000.0;
      i++;
    }
  if (i == 0)
    g_string_append_printf (out, "%.0f %s", value, units[0]);
  else if (value < 10.0)
    g_string_append_printf (out, "%.2f %s", value, units[i]);
  else if (value < 100.0)
    g_string_append_printf (out, "%.1f %s", value, units[i]);
  else
    g_string_append_printf (out, "%.0f %s", value, units[i]);
}

void
netlens_format_amount (guint64  bytes,
                       gboolean bits,
                       GString *out)
{
  /* Translators: units of amounts; "bit" and "B" are symbols */
  static const char *byte_units[] = { N_("B"), N_("kB"), N_("MB"), N_("GB"), N_("TB") };
  static const char *bit_units[] = { N_("bit"), N_("kbit"), N_("Mbit"), N_("Gbit"), N_("Tbit") };
  const char *units[5];
  const char **src = bits ? bit_units : byte_units;

  for (guint i = 0; i < 5; i++)
    units[i] = _(src[i]);
  format_scaled (bits ? (double) bytes * 8.0 : (double) bytes, units, 5, out);
}

void
netlens_format_rate (double   bytes_per_s,
                     gboolean bits,
                     GString *out)
{
  static const char *byte_units[] = { N_("B/s"), N_("kB/s"), N_("MB/s"), N_("GB/s"), N_("TB/s") };
  static const char *bit_units[] = { N_("bit/s"), N_("kbit/s"), N_("Mbit/s"), N_("Gbit/s"),
                                     N_("Tbit/s") };
  const char *units[5];
  const char **src = bits ? bit_units : byte_units;

  if (bytes_per_s < 0)
    bytes_per_s = 0;
  for (guint i = 0; i < 5; i++)
    units[i] = _(src[i]);
  format_scaled (bits ? bytes_per_s * 8.0 : bytes_per_s, units, 5, out);
}

void
netlens_format_duration (gint64   us,
                         GString *out)
{
  gint64 s = MAX (us, 0) / G_USEC_PER_SEC;

  if (s < 60)
    g_string_append_printf (out, _("%d s"), (int) s);
  else if (s < 3600)
    g_string_append_printf (out, _("%d min %02d s"), (int) (s / 60), (int) (s % 60));
  else if (s < 86400)
    g_string_append_printf (out, _("%d h %02d min"), (int) (s / 3600), (int) ((s / 60) % 60));
  else
    g_string_append_printf (out, _("%d d %02d h"), (int) (s / 86400), (int) ((s / 3600) % 24));
}

void
netlens_format_state (const NetlensConnection *conn,
                      GString                 *out)
{
  const char *state = netlens_state_to_string ((NetlensState) conn->state);

  g_string_append (out, state ? state : "");
  if (conn->app_state != NETLENS_APP_STATE_NONE)
    {
      const char *app = netlens_app_state_to_string ((NetlensAppState) conn->app_state);
      if (app != NULL)
        g_string_append_printf (out, " · %s", app);
    }
}

void
netlens_format_process (const NetlensConnection *conn,
                        GString                 *out)
{
  const NetlensOwner *owner = conn->process;
  const char *name = NULL;

  if (owner == NULL)
    return;
  if (owner->app_id != NULL)
    name = netlens_app_info_get_name (owner->app_id);
  if (name == NULL)
    name = owner->name;
  /* "name (pid)", without printf: a sort by process formats every changed row */
  if (name != NULL)
    g_string_append (out, name);
  if (name != NULL && owner->pid != 0)
    g_string_append (out, " (");
  if (owner->pid != 0)
    {
      char buf[16];
      char *p = buf + sizeof buf;
      guint pid = (guint) owner->pid;

      do
        *--p = (char) ('0' + pid % 10);
      while ((pid /= 10) != 0);
      g_string_append_len (out, p, buf + sizeof buf - p);
    }
  if (name != NULL && owner->pid != 0)
    g_string_append_c (out, ')');
}

char *
netlens_format_remote_address (const NetlensConnection *conn)
{
  char buf[128];

  g_return_val_if_fail (conn != NULL, NULL);
  return g_strdup (netlens_connection_endpoint_string (conn, FALSE, buf, sizeof buf));
}

void
netlens_format_cell (NetlensColumn               column,
                     const NetlensConnection    *conn,
                     const NetlensFormatContext *ctx,
                     GString                    *out)
{
  char buf[128];

  switch (column)
    {
    case NETLENS_COLUMN_PROCESS:
      netlens_format_process (conn, out);
      break;

    case NETLENS_COLUMN_PROTOCOL:
      g_string_append (out, netlens_connection_protocol_name (conn, buf, sizeof buf));
      break;

    case NETLENS_COLUMN_LOCAL:
      g_string_append (out, netlens_connection_endpoint_string (conn, TRUE, buf, sizeof buf));
      break;

    case NETLENS_COLUMN_REMOTE:
      {
        const char *name = netlens_connection_get_best_name (conn);
        const char *addr = netlens_connection_endpoint_string (conn, FALSE, buf, sizeof buf);

        if (name != NULL && *name != '\0')
          g_string_append_printf (out, "%s (%s)", name, addr);
        else
          g_string_append (out, addr);
      }
      break;

    case NETLENS_COLUMN_SERVICE:
      {
        const char *service = netlens_connection_get_service (conn);
        if (service != NULL)
          g_string_append (out, service);
      }
      break;

    case NETLENS_COLUMN_APPLICATION:
      if (conn->dpi != NULL)
        netlens_dpi_append_summary (conn->dpi, out);
      else if (conn->app != NETLENS_APP_NONE)
        g_string_append (out, netlens_app_to_string ((NetlensApp) conn->app));
      break;

    case NETLENS_COLUMN_STATE:
      netlens_format_state (conn, out);
      break;

    case NETLENS_COLUMN_RX_RATE:
      netlens_format_rate (ctx->rx_rate, ctx->bits, out);
      break;

    case NETLENS_COLUMN_TX_RATE:
      netlens_format_rate (ctx->tx_rate, ctx->bits, out);
      break;

    case NETLENS_COLUMN_BYTES:
      netlens_format_amount (conn->rx_bytes + conn->tx_bytes, ctx->bits, out);
      break;

    case NETLENS_COLUMN_PACKETS:
      g_string_append_printf (out, "%" G_GUINT64_FORMAT,
                              (guint64) conn->rx_packets + conn->tx_packets);
      break;

    case NETLENS_COLUMN_AGE:
      {
        gint64 end = conn->ended != 0 ? conn->ended : MAX (ctx->now_us, conn->last_seen);
        netlens_format_duration (end - conn->first_seen, out);
      }
      break;

    case NETLENS_COLUMN_COUNTRY:
      netlens_format_country (conn, out);
      break;

    case NETLENS_N_COLUMNS:
    case NETLENS_COLUMN_NONE:
    default:
      g_assert_not_reached ();
    }
}

void
netlens_format_country (const NetlensConnection *conn,
                        GString                 *out)
{
  NetlensGeoRange range;

  if (conn->country != NULL)
    {
      g_string_append (out, conn->country);
      return;
    }
  if (conn->key.family != NETLENS_FAMILY_IPV4 && conn->key.family != NETLENS_FAMILY_IPV6)
    return;
  /* what is never looked up says why (as the lookup does: the local end when only it is public) */
  range = netlens_geo_classify (conn->key.family, &conn->key.raddr);
  if (range != NETLENS_GEO_RANGE_PUBLIC &&
      netlens_geo_classify (conn->key.family, &conn->key.laddr) == NETLENS_GEO_RANGE_PUBLIC)
    return;
  switch (range)
    {
    case NETLENS_GEO_RANGE_PRIVATE:
    case NETLENS_GEO_RANGE_SHARED:
      g_string_append (out, _("Private"));
      break;
    case NETLENS_GEO_RANGE_LOOPBACK:
      g_string_append (out, _("Loopback"));
      break;
    case NETLENS_GEO_RANGE_LINK_LOCAL:
      g_string_append (out, _("Link-local"));
      break;
    case NETLENS_GEO_RANGE_MULTICAST:
    case NETLENS_GEO_RANGE_BROADCAST:
      g_string_append (out, _("Multicast"));
      break;
    case NETLENS_GEO_RANGE_UNSPECIFIED:
    case NETLENS_GEO_RANGE_DOCUMENTATION:
    case NETLENS_GEO_RANGE_RESERVED:
      g_string_append (out, _("Reserved"));
      break;
    case NETLENS_GEO_RANGE_PUBLIC:
    case NETLENS_GEO_RANGE_NOT_IP:
    case NETLENS_GEO_N_RANGES:
    default:
      break;
    }
}

char *
netlens_format_row_tsv (const NetlensConnection    *conn,
                        const NetlensFormatContext *ctx)
{
  GString *out = g_string_new (NULL);

  for (int i = 0; i < NETLENS_N_COLUMNS; i++)
    {
      gsize start = out->len;

      if (i > 0)
        g_string_append_c (out, '\t');
      start = out->len;
      netlens_format_cell ((NetlensColumn) i, conn, ctx, out);
      /* a tab or newline inside a value would break the row apart */
      for (gsize j = start; j < out->len; j++)
        if (out->str[j] == '\t' || out->str[j] == '\n' || out->str[j] == '\r')
          out->str[j] = ' ';
    }
  return g_string_free (out, FALSE);
}
