/* netlens-interfaces.c: the interfaces one can capture on, listed without privileges
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pcap_findalldevs works as an ordinary user (measured); only pcap_activate needs
 * privileges, and that happens in the helper.
 */

#define G_LOG_DOMAIN "netlens-capture"

#include "config.h"

#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <pcap/pcap.h>

#include <gio/gio.h>

#include "netlens-interfaces.h"

void
netlens_interface_free (NetlensInterface *iface)
{
  if (iface == NULL)
    return;
  g_free (iface->name);
  g_free (iface->description);
  g_clear_pointer (&iface->addresses, g_ptr_array_unref);
  g_free (iface);
}

static int
compare_interfaces (gconstpointer a, gconstpointer b)
{
  const NetlensInterface *x = *(NetlensInterface * const *) a;
  const NetlensInterface *y = *(NetlensInterface * const *) b;
  int ax = (x->flags & NETLENS_INTERFACE_ANY) ? 2 : (x->flags & NETLENS_INTERFACE_UP) ? 0 : 1;
  int ay = (y->flags & NETLENS_INTERFACE_ANY) ? 2 : (y->flags & NETLENS_INTERFACE_UP) ? 0 : 1;

  if (ax != ay)
    return ax - ay;
  return g_strcmp0 (x->name, y->name);
}

GPtrArray *
netlens_interfaces_list (GError **error)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_if_t *all = NULL;
  GPtrArray *list;

  if (pcap_findalldevs (&all, errbuf) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Could not list the network interfaces: %s", errbuf);
      return NULL;
    }
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_interface_free);
  for (pcap_if_t *d = all; d != NULL; d = d->next)
    {
      NetlensInterface *iface;

      /* USB, Bluetooth, D-Bus and netfilter "interfaces" carry no IP connections */
      if (g_str_has_prefix (d->name, "usbmon") || g_str_has_prefix (d->name, "bluetooth")
          || g_str_has_prefix (d->name, "dbus") || g_str_has_prefix (d->name, "nflog")
          || g_str_has_prefix (d->name, "nfqueue"))
        continue;
      iface = g_new0 (NetlensInterface, 1);
      iface->name = g_strdup (d->name);
      iface->description = g_strdup (d->description);
      iface->addresses = g_ptr_array_new_with_free_func (g_free);
      if (d->flags & PCAP_IF_UP)
        iface->flags |= NETLENS_INTERFACE_UP;
      if (d->flags & PCAP_IF_RUNNING)
        iface->flags |= NETLENS_INTERFACE_RUNNING;
      if (d->flags & PCAP_IF_LOOPBACK)
        iface->flags |= NETLENS_INTERFACE_LOOPBACK;
      if (d->flags & PCAP_IF_WIRELESS)
        iface->flags |= NETLENS_INTERFACE_WIRELESS;
      if ((d->flags & PCAP_IF_CONNECTION_STATUS) == PCAP_IF_CONNECTION_STATUS_CONNECTED)
        iface->flags |= NETLENS_INTERFACE_CONNECTED;
      if (g_str_equal (d->name, "any"))
        iface->flags |= NETLENS_INTERFACE_ANY;
      for (pcap_addr_t *a = d->addresses; a != NULL; a = a->next)
        {
          char buf[INET6_ADDRSTRLEN];

          if (a->addr == NULL)
            continue;
          if (a->addr->sa_family == AF_INET
              && inet_ntop (AF_INET, &((struct sockaddr_in *) a->addr)->sin_addr, buf, sizeof buf))
            g_ptr_array_add (iface->addresses, g_strdup (buf));
          else if (a->addr->sa_family == AF_INET6
                   && inet_ntop (AF_INET6, &((struct sockaddr_in6 *) a->addr)->sin6_addr, buf,
                                 sizeof buf))
            g_ptr_array_add (iface->addresses, g_strdup (buf));
        }
      g_ptr_array_add (list, iface);
    }
  pcap_freealldevs (all);
  g_ptr_array_sort (list, compare_interfaces);
  return list;
}

gboolean
netlens_interfaces_contains (GPtrArray  *list,
                             const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  if (g_str_equal (name, "any"))
    return TRUE;
  for (guint i = 0; list != NULL && i < list->len; i++)
    if (g_str_equal (((NetlensInterface *) g_ptr_array_index (list, i))->name, name))
      return TRUE;
  return FALSE;
}
