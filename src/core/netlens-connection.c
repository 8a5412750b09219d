/* netlens-connection.c: names of states and protocols, owners, snapshots
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-core"

#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include <glib.h>

#include "netlens-connection.h"
#include "netlens-dpi.h"
#include "netlens-services.h"

static const char *const proto_names[NETLENS_N_PROTOS] = {
  [NETLENS_PROTO_NONE] = "none",
  [NETLENS_PROTO_TCP] = "tcp",
  [NETLENS_PROTO_UDP] = "udp",
  [NETLENS_PROTO_ICMP] = "icmp",
  [NETLENS_PROTO_ICMPV6] = "icmpv6",
  [NETLENS_PROTO_ARP] = "arp",
  [NETLENS_PROTO_IP_OTHER] = "ip",
  [NETLENS_PROTO_L2] = "l2",
  [NETLENS_PROTO_IP_FRAGMENT] = "ip-fragment",
};

static const char *const state_names[NETLENS_N_STATES] = {
  [NETLENS_STATE_NONE] = "NONE",
  [NETLENS_STATE_SYN_SENT] = "SYN_SENT",
  [NETLENS_STATE_SYN_RECV] = "SYN_RECV",
  [NETLENS_STATE_ESTABLISHED] = "ESTABLISHED",
  [NETLENS_STATE_FIN_WAIT1] = "FIN_WAIT1",
  [NETLENS_STATE_FIN_WAIT2] = "FIN_WAIT2",
  [NETLENS_STATE_TIME_WAIT] = "TIME_WAIT",
  [NETLENS_STATE_CLOSE_WAIT] = "CLOSE_WAIT",
  [NETLENS_STATE_LAST_ACK] = "LAST_ACK",
  [NETLENS_STATE_CLOSING] = "CLOSING",
  [NETLENS_STATE_CLOSED] = "CLOSED",
  [NETLENS_STATE_QUIC_INITIAL] = "QUIC_INITIAL",
  [NETLENS_STATE_QUIC_HANDSHAKE] = "QUIC_HANDSHAKE",
  [NETLENS_STATE_QUIC_CONNECTED] = "QUIC_CONNECTED",
  [NETLENS_STATE_QUIC_DRAINING] = "QUIC_DRAINING",
  [NETLENS_STATE_QUIC_CLOSED] = "QUIC_CLOSED",
  [NETLENS_STATE_UDP_ACTIVE] = "UDP_ACTIVE",
  [NETLENS_STATE_UDP_IDLE] = "UDP_IDLE",
  [NETLENS_STATE_UDP_STALE] = "UDP_STALE",
  [NETLENS_STATE_ECHO_REQUEST] = "ECHO_REQUEST",
  [NETLENS_STATE_ECHO_REPLY] = "ECHO_REPLY",
  [NETLENS_STATE_ICMP_ERROR] = "ICMP_ERROR",
  [NETLENS_STATE_ICMP_OTHER] = "ICMP_OTHER",
  [NETLENS_STATE_ARP_REQUEST] = "ARP_REQUEST",
  [NETLENS_STATE_ARP_REPLY] = "ARP_REPLY",
  [NETLENS_STATE_ACTIVE] = "ACTIVE",
};

static const char *const app_state_names[NETLENS_N_APP_STATES] = {
  [NETLENS_APP_STATE_NONE] = NULL,
  [NETLENS_APP_STATE_DNS_QUERY] = "DNS_QUERY",
  [NETLENS_APP_STATE_DNS_RESPONSE] = "DNS_RESPONSE",
  [NETLENS_APP_STATE_BANNER] = "BANNER",
  [NETLENS_APP_STATE_KEYEXCHANGE] = "KEYEXCHANGE",
  [NETLENS_APP_STATE_AUTHENTICATION] = "AUTHENTICATION",
  [NETLENS_APP_STATE_ESTABLISHED] = "ESTABLISHED",
};

static const char *const app_names[NETLENS_N_APPS] = {
  [NETLENS_APP_NONE] = NULL,
  [NETLENS_APP_HTTP] = "http",
  [NETLENS_APP_TLS] = "tls",
  [NETLENS_APP_DNS] = "dns",
  [NETLENS_APP_MDNS] = "mdns",
  [NETLENS_APP_LLMNR] = "llmnr",
  [NETLENS_APP_SSH] = "ssh",
  [NETLENS_APP_QUIC] = "quic",
};

const char *
netlens_proto_to_string (NetlensProto proto)
{
  return proto < NETLENS_N_PROTOS ? proto_names[proto] : "none";
}

const char *
netlens_state_to_string (NetlensState state)
{
  return state < NETLENS_N_STATES ? state_names[state] : "NONE";
}

gboolean
netlens_state_from_string (const char   *name,
                           NetlensState *out)
{
  for (guint i = 1; i < NETLENS_N_STATES; i++)
    if (g_ascii_strcasecmp (name, state_names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

const char *
netlens_app_state_to_string (NetlensAppState state)
{
  return state < NETLENS_N_APP_STATES ? app_state_names[state] : NULL;
}

const char *
netlens_app_to_string (NetlensApp app)
{
  return app < NETLENS_N_APPS ? app_names[app] : NULL;
}

const char *
netlens_end_reason_to_string (NetlensEndReason reason)
{
  switch (reason)
    {
    case NETLENS_END_CLOSED: return "closed";
    case NETLENS_END_TIMEOUT: return "timeout";
    case NETLENS_END_EVICTED: return "evicted";
    case NETLENS_END_END_OF_CAPTURE: return "end_of_capture";
    case NETLENS_END_NONE:
    default: return NULL;
    }
}

const char *
netlens_l2_kind_to_string (NetlensL2Kind kind)
{
  switch (kind)
    {
    case NETLENS_L2_STP: return "stp";
    case NETLENS_L2_LLDP: return "lldp";
    case NETLENS_L2_CDP: return "cdp";
    case NETLENS_L2_EAPOL: return "eapol";
    case NETLENS_L2_IPX: return "ipx";
    case NETLENS_L2_LLC: return "llc";
    case NETLENS_L2_OTHER:
    default: return "other";
    }
}

/* Names as tshark's frame.protocols spells them, for "ip:<name>". */
const char *
netlens_ip_proto_to_string (guint8 ip_proto)
{
  switch (ip_proto)
    {
    case 1: return "icmp";
    case 2: return "igmp";
    case 4: return "ipip";
    case 6: return "tcp";
    case 17: return "udp";
    case 41: return "ipv6";
    case 47: return "gre";
    case 50: return "esp";
    case 51: return "ah";
    case 58: return "icmpv6";
    case 89: return "ospf";
    case 103: return "pim";
    case 112: return "vrrp";
    case 132: return "sctp";
    case 136: return "udplite";
    default: return NULL;
    }
}

const char *
netlens_connection_protocol_name (const NetlensConnection *conn,
                                  char                    *buf,
                                  gsize                    size)
{
  const char *name;

  switch (conn->key.proto)
    {
    case NETLENS_PROTO_IP_OTHER:
      if ((name = netlens_ip_proto_to_string (conn->key.ip_proto)) != NULL)
        g_snprintf (buf, size, "ip:%s", name);
      else
        g_snprintf (buf, size, "ip:%u", conn->key.ip_proto);
      return buf;
    case NETLENS_PROTO_L2:
      g_snprintf (buf, size, "l2:%s", netlens_l2_kind_to_string (conn->key.ip_proto));
      return buf;
    default:
      g_strlcpy (buf, netlens_proto_to_string (conn->key.proto), size);
      return buf;
    }
}

gboolean
netlens_proto_has_ports (NetlensProto proto)
{
  return proto == NETLENS_PROTO_TCP || proto == NETLENS_PROTO_UDP;
}

const char *
netlens_addr_to_string (NetlensFamily      family,
                        const NetlensAddr *addr,
                        char              *buf,
                        gsize              size)
{
  switch (family)
    {
    case NETLENS_FAMILY_IPV4:
      if (inet_ntop (AF_INET, addr->bytes, buf, size) == NULL)
        buf[0] = '\0';
      break;
    case NETLENS_FAMILY_IPV6:
      if (inet_ntop (AF_INET6, addr->bytes, buf, size) == NULL)
        buf[0] = '\0';
      break;
    case NETLENS_FAMILY_MAC:
      g_snprintf (buf, size, "%02x:%02x:%02x:%02x:%02x:%02x",
                  addr->bytes[0], addr->bytes[1], addr->bytes[2],
                  addr->bytes[3], addr->bytes[4], addr->bytes[5]);
      break;
    case NETLENS_FAMILY_NONE:
    default:
      buf[0] = '\0';
      break;
    }
  return buf;
}

const char *
netlens_connection_endpoint_string (const NetlensConnection *conn,
                                    gboolean                 local,
                                    char                    *buf,
                                    gsize                    size)
{
  char addr[64];
  const NetlensAddr *a = local ? &conn->key.laddr : &conn->key.raddr;
  guint16 port = local ? conn->key.lport : conn->key.rport;

  netlens_addr_to_string (conn->key.family, a, addr, sizeof addr);
  if (!netlens_proto_has_ports (conn->key.proto))
    g_strlcpy (buf, addr, size);
  else if (conn->key.family == NETLENS_FAMILY_IPV6)
    g_snprintf (buf, size, "[%s]:%u", addr, port);
  else
    g_snprintf (buf, size, "%s:%u", addr, port);
  return buf;
}

const char *
netlens_connection_get_sni (const NetlensConnection *conn)
{
  return conn->dpi != NULL ? netlens_dpi_get_sni (conn->dpi) : NULL;
}

const char *
netlens_connection_get_http_host (const NetlensConnection *conn)
{
  return conn->dpi != NULL ? netlens_dpi_get_http_host (conn->dpi) : NULL;
}

const char *
netlens_connection_get_best_name (const NetlensConnection *conn)
{
  const char *name;

  if ((name = netlens_connection_get_sni (conn)) != NULL && *name)
    return name;
  if ((name = netlens_connection_get_http_host (conn)) != NULL && *name)
    return name;
  if (conn->dns_name != NULL)
    return conn->dns_name;
  return conn->reverse_name;
}

const char *
netlens_connection_get_service (const NetlensConnection *conn)
{
  if (!netlens_proto_has_ports (conn->key.proto))
    return NULL;
  return netlens_service_for_ports (conn->key.lport, conn->key.rport,
                                    conn->key.proto == NETLENS_PROTO_UDP);
}

NetlensOwner *
netlens_owner_new (void)
{
  NetlensOwner *owner = g_new0 (NetlensOwner, 1);

  owner->ref_count = 1;
  return owner;
}

NetlensOwner *
netlens_owner_ref (NetlensOwner *owner)
{
  g_return_val_if_fail (owner != NULL, NULL);
  g_atomic_int_inc (&owner->ref_count);
  return owner;
}

void
netlens_owner_unref (NetlensOwner *owner)
{
  if (owner == NULL || !g_atomic_int_dec_and_test (&owner->ref_count))
    return;
  g_free (owner->name);
  g_free (owner->cmdline);
  g_free (owner->user);
  g_free (owner->exe);
  g_free (owner->cgroup);
  g_free (owner->app_id);
  g_free (owner);
}

static char *
ref_string_acquire (char *s)
{
  return s != NULL ? g_ref_string_acquire (s) : NULL;
}

NetlensConnection *
netlens_connection_snapshot (const NetlensConnection *conn)
{
  NetlensConnection *copy = g_new (NetlensConnection, 1);

  *copy = *conn;
  copy->next = copy->wheel_prev = copy->wheel_next = copy->dirty_next = NULL;
  copy->flags |= NETLENS_CONN_SNAPSHOT;
  copy->dpi = conn->dpi != NULL ? netlens_dpi_copy_results (conn->dpi) : NULL;
  copy->process = conn->process != NULL ? netlens_owner_ref (conn->process) : NULL;
  copy->peer_process = conn->peer_process != NULL ? netlens_owner_ref (conn->peer_process) : NULL;
  copy->dns_name = ref_string_acquire (conn->dns_name);
  copy->reverse_name = ref_string_acquire (conn->reverse_name);
  copy->country = ref_string_acquire (conn->country);
  copy->as_org = ref_string_acquire (conn->as_org);
  return copy;
}

/* Frees the row's own data; used for live rows (by the table) and snapshots alike. */
void
netlens_connection_free (NetlensConnection *conn)
{
  if (conn == NULL)
    return;
  g_clear_pointer (&conn->dpi, netlens_dpi_free);
  g_clear_pointer (&conn->process, netlens_owner_unref);
  g_clear_pointer (&conn->peer_process, netlens_owner_unref);
  g_clear_pointer (&conn->dns_name, g_ref_string_release);
  g_clear_pointer (&conn->reverse_name, g_ref_string_release);
  g_clear_pointer (&conn->country, g_ref_string_release);
  g_clear_pointer (&conn->as_org, g_ref_string_release);
  g_free (conn);
}
