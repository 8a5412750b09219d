/* netlens-services.c: well-known service names by port
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-core"

#include "config.h"

#include <glib.h>

#include "netlens-services.h"
#include "netlens-services-table.h"

/* The table is sorted by (port, udp): binary search. */
const char *
netlens_service_lookup (guint16  port,
                        gboolean udp)
{
  gsize lo = 0, hi = G_N_ELEMENTS (netlens_services_table);
  guint key = ((guint) port << 1) | (udp ? 1 : 0);

  while (lo < hi)
    {
      gsize mid = (lo + hi) / 2;
      guint k = ((guint) netlens_services_table[mid].port << 1) | netlens_services_table[mid].udp;

      if (k == key)
        return netlens_services_table[mid].name;
      if (k < key)
        lo = mid + 1;
      else
        hi = mid;
    }
  return NULL;
}

const char *
netlens_service_for_ports (guint16  local_port,
                           guint16  remote_port,
                           gboolean udp)
{
  const char *name;

  /* The server's port names the service: usually the remote one (local is the initiator),
   * but a listening local port (remote ephemeral) names it too. */
  if ((name = netlens_service_lookup (remote_port, udp)) != NULL)
    return name;
  if (remote_port >= 1024 && (name = netlens_service_lookup (local_port, udp)) != NULL)
    return name;
  return NULL;
}
