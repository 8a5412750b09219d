/* netlens-interfaces.h: the interfaces one can capture on, listed without privileges
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  NETLENS_INTERFACE_UP        = 1 << 0,
  NETLENS_INTERFACE_RUNNING   = 1 << 1,
  NETLENS_INTERFACE_LOOPBACK  = 1 << 2,
  NETLENS_INTERFACE_WIRELESS  = 1 << 3,
  NETLENS_INTERFACE_CONNECTED = 1 << 4,  /* libpcap: the link is connected */
  NETLENS_INTERFACE_ANY       = 1 << 5,  /* the "any" pseudo-interface */
} NetlensInterfaceFlags;

typedef struct
{
  char                  *name;
  char                  *description;  /* libpcap's, or NULL */
  NetlensInterfaceFlags  flags;
  GPtrArray             *addresses;    /* char * ("192.0.2.1", "fe80::1") */
} NetlensInterface;

void       netlens_interface_free      (NetlensInterface *iface);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensInterface, netlens_interface_free)

/* pcap_findalldevs in this (unprivileged) process: never asks for a password.
 * NetlensInterface elements; up interfaces first, then by name; "any" last. */
GPtrArray *netlens_interfaces_list     (GError **error);

/* TRUE when NAME is in LIST (or is "any"). */
gboolean   netlens_interfaces_contains (GPtrArray  *list,
                                        const char *name);

G_END_DECLS
