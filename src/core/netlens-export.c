/* netlens-export.c: headless export (JSON, JSONL, CSV)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-export"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "netlens-dpi.h"
#include "netlens-export.h"
#include "netlens-json.h"

#define SCHEMA_VERSION 1

struct _NetlensExport
{
  NetlensExportFormat format;
  FILE               *stream;
  GMutex              mutex;
  GString            *buf;
  guint64             n_rows;
  gboolean            write_error;
  int                 saved_errno;
  gboolean          (*filter) (const NetlensConnection *conn, gpointer data);
  gpointer            filter_data;
};

gboolean
netlens_export_format_from_string (const char          *name,
                                   NetlensExportFormat *out)
{
  if (g_strcmp0 (name, "json") == 0)
    *out = NETLENS_EXPORT_JSON;
  else if (g_strcmp0 (name, "jsonl") == 0)
    *out = NETLENS_EXPORT_JSONL;
  else if (g_strcmp0 (name, "csv") == 0)
    *out = NETLENS_EXPORT_CSV;
  else
    return FALSE;
  return TRUE;
}

void
netlens_append_json_string (GString    *out,
                            const char *text)
{
  netlens_json_append_string (out, text);
}

void
netlens_append_timestamp (GString *out,
                          gint64   ts_us)
{
  netlens_json_append_timestamp (out, ts_us);
}

#define lit(out, text) netlens_json_append_lit (out, text)

static void
append_endpoint (GString                 *out,
                 const NetlensConnection *conn,
                 gboolean                 local)
{
  const NetlensAddr *a = local ? &conn->key.laddr : &conn->key.raddr;
  char addr[64];

  lit (out, "{\"address\":");
  if (conn->key.family == NETLENS_FAMILY_IPV4 || conn->key.family == NETLENS_FAMILY_IPV6)
    {
      /* address text needs no escaping */
      gsize n = conn->key.family == NETLENS_FAMILY_IPV4
                ? netlens_json_format_ipv4 (addr, a->bytes)
                : netlens_json_format_ipv6 (addr, a->bytes);

      g_string_append_c (out, '"');
      g_string_append_len (out, addr, n);
      g_string_append_c (out, '"');
    }
  else
    {
      netlens_addr_to_string (conn->key.family, a, addr, sizeof addr);
      netlens_json_append_string (out, addr);
    }
  if (netlens_proto_has_ports (conn->key.proto))
    {
      lit (out, ",\"port\":");
      netlens_json_append_uint (out, local ? conn->key.lport : conn->key.rport);
      g_string_append_c (out, '}');
    }
  else
    lit (out, ",\"port\":null}");
}

static void
append_owner (GString            *out,
              const NetlensOwner *owner)
{
  if (owner == NULL)
    {
      lit (out, "null");
      return;
    }
  lit (out, "{\"pid\":");
  netlens_json_append_uint (out, owner->pid);
  lit (out, ",\"name\":");
  netlens_json_append_string (out, owner->name);
  lit (out, ",\"cmdline\":");
  netlens_json_append_string (out, owner->cmdline);
  lit (out, ",\"user\":");
  netlens_json_append_string (out, owner->user);
  lit (out, ",\"uid\":");
  netlens_json_append_uint (out, owner->uid);
  lit (out, ",\"exe\":");
  netlens_json_append_string (out, owner->exe);
  lit (out, ",\"app_id\":");
  netlens_json_append_string (out, owner->app_id);
  g_string_append_c (out, '}');
}

void
netlens_connection_write_json (const NetlensConnection *conn,
                               GString                 *out)
{
  char proto[32];

  lit (out, "{\"protocol\":");
  netlens_json_append_string (out, netlens_connection_protocol_name (conn, proto, sizeof proto));
  lit (out, ",\"generation\":");
  netlens_json_append_uint (out, conn->generation);
  lit (out, ",\"local\":");
  append_endpoint (out, conn, TRUE);
  lit (out, ",\"remote\":");
  append_endpoint (out, conn, FALSE);
  lit (out, ",\"state\":");
  netlens_json_append_string (out, netlens_state_to_string (conn->state));
  lit (out, ",\"app_state\":");
  netlens_json_append_string (out, netlens_app_state_to_string (conn->app_state));
  lit (out, ",\"app\":");
  netlens_json_append_string (out, netlens_app_to_string (conn->app));
  lit (out, ",\"service\":");
  netlens_json_append_string (out, netlens_connection_get_service (conn));
  lit (out, ",\"first_seen\":");
  netlens_json_append_timestamp (out, conn->first_seen);
  lit (out, ",\"last_seen\":");
  netlens_json_append_timestamp (out, conn->last_seen);
  lit (out, ",\"ended\":");
  if (conn->ended != 0)
    netlens_json_append_timestamp (out, conn->ended);
  else
    lit (out, "null");
  lit (out, ",\"end_reason\":");
  netlens_json_append_string (out, netlens_end_reason_to_string (conn->end_reason));
  lit (out, ",\"tx\":{\"packets\":");
  netlens_json_append_uint (out, conn->tx_packets);
  lit (out, ",\"bytes\":");
  netlens_json_append_uint (out, conn->tx_bytes);
  lit (out, "},\"rx\":{\"packets\":");
  netlens_json_append_uint (out, conn->rx_packets);
  lit (out, ",\"bytes\":");
  netlens_json_append_uint (out, conn->rx_bytes);
  lit (out, "},\"names\":{\"best\":");
  netlens_json_append_string (out, netlens_connection_get_best_name (conn));
  lit (out, ",\"sni\":");
  netlens_json_append_string (out, netlens_connection_get_sni (conn));
  lit (out, ",\"http_host\":");
  netlens_json_append_string (out, netlens_connection_get_http_host (conn));
  lit (out, ",\"dns\":[");
  if (conn->dns_name != NULL)
    netlens_json_append_string (out, conn->dns_name);
  lit (out, "],\"reverse\":");
  netlens_json_append_string (out, conn->reverse_name);
  lit (out, "},\"process\":");
  append_owner (out, conn->process);
  lit (out, ",\"peer_process\":");
  append_owner (out, conn->peer_process);
  lit (out, ",\"geo\":");
  if (conn->country != NULL || conn->asn != 0)
    {
      lit (out, "{\"country\":");
      netlens_json_append_string (out, conn->country);
      lit (out, ",\"asn\":");
      if (conn->asn != 0)
        netlens_json_append_uint (out, conn->asn);
      else
        lit (out, "null");
      lit (out, ",\"as_org\":");
      netlens_json_append_string (out, conn->as_org);
      g_string_append_c (out, '}');
    }
  else
    lit (out, "null");
  lit (out, ",\"dpi\":");
  netlens_dpi_write_json (conn->dpi, out);
  g_string_append_c (out, '}');
}

/* ---- CSV ---------------------------------------------------------------------- */

static const char *const csv_columns[] = {
  "protocol", "generation", "local.address", "local.port", "remote.address", "remote.port",
  "state", "app_state", "app", "service", "first_seen", "last_seen", "ended", "end_reason",
  "tx.packets", "tx.bytes", "rx.packets", "rx.bytes",
  "names.best", "names.sni", "names.http_host", "names.dns", "names.reverse",
  "process.pid", "process.name", "process.cmdline", "process.user", "process.uid",
  "process.exe", "process.app_id",
  "peer_process.pid", "peer_process.name", "peer_process.cmdline", "peer_process.user",
  "peer_process.uid", "peer_process.exe", "peer_process.app_id",
  "geo.country", "geo.asn", "geo.as_org",
};

/* RFC 4180 quoting when needed. */
static void
csv_cell (GString    *out,
          const char *text)
{
  if (text == NULL)
    return;
  if (strpbrk (text, ",\"\r\n") != NULL)
    {
      g_string_append_c (out, '"');
      for (const char *p = text; *p; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  else
    g_string_append (out, text);
}

static void
csv_owner (GPtrArray          *cells,
           const NetlensOwner *o)
{
  g_ptr_array_add (cells, o ? g_strdup_printf ("%u", o->pid) : NULL);
  g_ptr_array_add (cells, o ? g_strdup (o->name) : NULL);
  g_ptr_array_add (cells, o ? g_strdup (o->cmdline) : NULL);
  g_ptr_array_add (cells, o ? g_strdup (o->user) : NULL);
  g_ptr_array_add (cells, o ? g_strdup_printf ("%u", o->uid) : NULL);
  g_ptr_array_add (cells, o ? g_strdup (o->exe) : NULL);
  g_ptr_array_add (cells, o ? g_strdup (o->app_id) : NULL);
}

static char *
timestamp_text (gint64 ts)
{
  g_autoptr(GString) s = g_string_new (NULL);

  netlens_append_timestamp (s, ts);
  /* strip the JSON quotes */
  g_string_erase (s, 0, 1);
  g_string_truncate (s, s->len - 1);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
write_csv_row (GString                 *out,
               const NetlensConnection *conn)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  char buf[64];
  gboolean ports = netlens_proto_has_ports (conn->key.proto);

  g_ptr_array_add (cells, g_strdup (netlens_connection_protocol_name (conn, buf, sizeof buf)));
  g_ptr_array_add (cells, g_strdup_printf ("%u", conn->generation));
  g_ptr_array_add (cells, g_strdup (netlens_addr_to_string (conn->key.family, &conn->key.laddr, buf, sizeof buf)));
  g_ptr_array_add (cells, ports ? g_strdup_printf ("%u", conn->key.lport) : NULL);
  g_ptr_array_add (cells, g_strdup (netlens_addr_to_string (conn->key.family, &conn->key.raddr, buf, sizeof buf)));
  g_ptr_array_add (cells, ports ? g_strdup_printf ("%u", conn->key.rport) : NULL);
  g_ptr_array_add (cells, g_strdup (netlens_state_to_string (conn->state)));
  g_ptr_array_add (cells, g_strdup (netlens_app_state_to_string (conn->app_state)));
  g_ptr_array_add (cells, g_strdup (netlens_app_to_string (conn->app)));
  g_ptr_array_add (cells, g_strdup (netlens_connection_get_service (conn)));
  g_ptr_array_add (cells, timestamp_text (conn->first_seen));
  g_ptr_array_add (cells, timestamp_text (conn->last_seen));
  g_ptr_array_add (cells, conn->ended ? timestamp_text (conn->ended) : NULL);
  g_ptr_array_add (cells, g_strdup (netlens_end_reason_to_string (conn->end_reason)));
  g_ptr_array_add (cells, g_strdup_printf ("%u", conn->tx_packets));
  g_ptr_array_add (cells, g_strdup_printf ("%" G_GUINT64_FORMAT, conn->tx_bytes));
  g_ptr_array_add (cells, g_strdup_printf ("%u", conn->rx_packets));
  g_ptr_array_add (cells, g_strdup_printf ("%" G_GUINT64_FORMAT, conn->rx_bytes));
  g_ptr_array_add (cells, g_strdup (netlens_connection_get_best_name (conn)));
  g_ptr_array_add (cells, g_strdup (netlens_connection_get_sni (conn)));
  g_ptr_array_add (cells, g_strdup (netlens_connection_get_http_host (conn)));
  g_ptr_array_add (cells, g_strdup (conn->dns_name));
  g_ptr_array_add (cells, g_strdup (conn->reverse_name));
  csv_owner (cells, conn->process);
  csv_owner (cells, conn->peer_process);
  g_ptr_array_add (cells, g_strdup (conn->country));
  g_ptr_array_add (cells, conn->asn ? g_strdup_printf ("%u", conn->asn) : NULL);
  g_ptr_array_add (cells, g_strdup (conn->as_org));
  netlens_dpi_write_csv (conn->dpi, cells);

  for (guint i = 0; i < cells->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      csv_cell (out, g_ptr_array_index (cells, i));
    }
  g_string_append_c (out, '\n');
}

/* ---- writer ---------------------------------------------------------------------- */

static void
flush_buf (NetlensExport *self)
{
  if (self->buf->len == 0)
    return;
  if (!self->write_error && fwrite (self->buf->str, 1, self->buf->len, self->stream) != self->buf->len)
    {
      self->write_error = TRUE;
      self->saved_errno = errno;
    }
  g_string_truncate (self->buf, 0);
}

NetlensExport *
netlens_export_new (NetlensExportFormat format,
                    FILE               *stream)
{
  NetlensExport *self = g_new0 (NetlensExport, 1);

  self->format = format;
  self->stream = stream;
  self->buf = g_string_sized_new (64 * 1024);
  g_mutex_init (&self->mutex);

  switch (format)
    {
    case NETLENS_EXPORT_JSON:
      g_string_append_printf (self->buf,
                              "{\"netlens\":{\"version\":\"%s\",\"schema\":%d},\n\"connections\":[",
                              PACKAGE_VERSION, SCHEMA_VERSION);
      break;
    case NETLENS_EXPORT_CSV:
      for (guint i = 0; i < G_N_ELEMENTS (csv_columns); i++)
        {
          if (i > 0)
            g_string_append_c (self->buf, ',');
          g_string_append (self->buf, csv_columns[i]);
        }
      for (const char *const *h = netlens_dpi_csv_header (); h != NULL && *h != NULL; h++)
        {
          g_string_append_c (self->buf, ',');
          g_string_append (self->buf, *h);
        }
      g_string_append_c (self->buf, '\n');
      break;
    case NETLENS_EXPORT_JSONL:
    default:
      break;
    }
  return self;
}

void
netlens_export_free (NetlensExport *self)
{
  if (self == NULL)
    return;
  g_string_free (self->buf, TRUE);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

void
netlens_export_set_filter (NetlensExport *self,
                           gboolean     (*func) (const NetlensConnection *conn, gpointer data),
                           gpointer       data)
{
  self->filter = func;
  self->filter_data = data;
}

void
netlens_export_write_row (NetlensExport           *self,
                          const NetlensConnection *conn)
{
  if (self->filter != NULL && !self->filter (conn, self->filter_data))
    return;

  g_mutex_lock (&self->mutex);
  switch (self->format)
    {
    case NETLENS_EXPORT_JSON:
      g_string_append (self->buf, self->n_rows == 0 ? "\n" : ",\n");
      netlens_connection_write_json (conn, self->buf);
      break;
    case NETLENS_EXPORT_JSONL:
      netlens_connection_write_json (conn, self->buf);
      g_string_append_c (self->buf, '\n');
      break;
    case NETLENS_EXPORT_CSV:
      write_csv_row (self->buf, conn);
      break;
    default:
      break;
    }
  self->n_rows++;
  if (self->buf->len >= 60 * 1024)
    flush_buf (self);
  g_mutex_unlock (&self->mutex);
}

void
netlens_export_row_sink (NetlensConnection *conn,
                         gpointer           export)
{
  netlens_export_write_row (export, conn);
  netlens_connection_free (conn);
}

static void
append_source_and_stats (GString                   *out,
                         const NetlensExportSource *source,
                         const NetlensStats        *stats)
{
  g_string_append (out, "\"source\":{\"file\":");
  netlens_append_json_string (out, source->file);
  g_string_append (out, ",\"interface\":");
  netlens_append_json_string (out, source->interface);
  g_string_append_printf (out, ",\"link_type\":%d,\"started\":", source->link_type);
  if (source->started_us != 0)
    netlens_append_timestamp (out, source->started_us);
  else
    g_string_append (out, "null");
  g_string_append (out, ",\"ended\":");
  if (source->ended_us != 0)
    netlens_append_timestamp (out, source->ended_us);
  else
    g_string_append (out, "null");
  g_string_append_printf (out,
                          "},\"stats\":{\"packets\":%" G_GUINT64_FORMAT ",\"bytes\":%" G_GUINT64_FORMAT
                          ",\"dropped_kernel\":%" G_GUINT64_FORMAT ",\"dropped_interface\":%" G_GUINT64_FORMAT
                          ",\"dropped_internal\":%" G_GUINT64_FORMAT ",\"owner_events_lost\":%" G_GUINT64_FORMAT
                          ",\"connections_evicted\":%" G_GUINT64_FORMAT ",\"undecodable\":%" G_GUINT64_FORMAT "}",
                          stats->packets, stats->bytes, stats->dropped_kernel, stats->dropped_interface,
                          stats->dropped_internal, stats->owner_events_lost,
                          stats->connections_evicted, stats->undecodable);
}

gboolean
netlens_export_finish (NetlensExport             *self,
                       const NetlensExportSource *source,
                       const NetlensStats        *stats)
{
  g_mutex_lock (&self->mutex);
  switch (self->format)
    {
    case NETLENS_EXPORT_JSON:
      /* Rows are streamed as they end, so what is only known at the end comes last. */
      g_string_append (self->buf, self->n_rows == 0 ? "],\n" : "\n],\n");
      append_source_and_stats (self->buf, source, stats);
      g_string_append (self->buf, "}\n");
      break;
    case NETLENS_EXPORT_JSONL:
      g_string_append (self->buf, "{");
      append_source_and_stats (self->buf, source, stats);
      g_string_append (self->buf, "}\n");
      break;
    case NETLENS_EXPORT_CSV:
    default:
      break;
    }
  flush_buf (self);
  if (!self->write_error && fflush (self->stream) != 0)
    {
      self->write_error = TRUE;
      self->saved_errno = errno;
    }
  g_mutex_unlock (&self->mutex);
  errno = self->saved_errno;
  return !self->write_error;
}

guint64
netlens_export_get_n_rows (NetlensExport *self)
{
  return self->n_rows;
}
