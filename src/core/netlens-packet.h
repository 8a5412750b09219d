/* netlens-packet.h
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a row is keyed on.  Values are stable: they index name tables. */
typedef enum
{
  NETLENS_PROTO_NONE = 0,
  NETLENS_PROTO_TCP,
  NETLENS_PROTO_UDP,
  NETLENS_PROTO_ICMP,
  NETLENS_PROTO_ICMPV6,
  NETLENS_PROTO_ARP,
  NETLENS_PROTO_IP_OTHER,  /* any other IP protocol: "ip:<name>" */
  NETLENS_PROTO_L2,        /* non-IP frames keyed by MAC address: "l2:<name>" */
  NETLENS_PROTO_IP_FRAGMENT, /* a later IP fragment whose first fragment was not seen */
  NETLENS_N_PROTOS
} NetlensProto;

typedef enum
{
  NETLENS_FAMILY_NONE = 0,
  NETLENS_FAMILY_IPV4 = 4,
  NETLENS_FAMILY_IPV6 = 6,
  NETLENS_FAMILY_MAC = 1,
} NetlensFamily;

enum
{
  NETLENS_TCP_FIN = 0x01,
  NETLENS_TCP_SYN = 0x02,
  NETLENS_TCP_RST = 0x04,
  NETLENS_TCP_PSH = 0x08,
  NETLENS_TCP_ACK = 0x10,
  NETLENS_TCP_URG = 0x20,
};

/* IPv4 addresses use the first 4 bytes, MAC addresses the first 6; the rest is zero. */
typedef struct
{
  guint8 bytes[16];
} NetlensAddr;

/* Direction-normalised key of a row: "local" is the initiator (files) or this
 * machine's side (live).  40 bytes, compared with memcmp: keep it packed and zeroed. */
typedef struct
{
  guint8      proto;     /* NetlensProto */
  guint8      family;    /* NetlensFamily */
  guint8      ip_proto;  /* IP protocol number (NETLENS_PROTO_IP_OTHER); L2 kind for NETLENS_PROTO_L2 */
  guint8      reserved;
  guint16     lport;
  guint16     rport;
  NetlensAddr laddr;
  NetlensAddr raddr;
} NetlensFlowKey;

G_STATIC_ASSERT (sizeof (NetlensFlowKey) == 40);

/* Non-IP frames that get rows of their own (NETLENS_PROTO_L2, in ip_proto). */
typedef enum
{
  NETLENS_L2_OTHER = 0,
  NETLENS_L2_STP,
  NETLENS_L2_LLDP,
  NETLENS_L2_CDP,
  NETLENS_L2_EAPOL,
  NETLENS_L2_IPX,
  NETLENS_L2_LLC,
} NetlensL2Kind;

/* One decoded packet.  Pointers refer to the caller's buffer: valid while it is. */
typedef struct
{
  gint64        ts_us;       /* capture time, microseconds since the epoch */
  guint32       caplen;      /* bytes captured */
  guint32       wirelen;     /* original length on the wire, link header included */

  guint8        proto;       /* NetlensProto; NETLENS_PROTO_NONE when nothing to count */
  guint8        family;
  guint8        ip_proto;
  guint8        tcp_flags;

  NetlensAddr   src;
  NetlensAddr   dst;
  guint16       sport;
  guint16       dport;

  guint32       tcp_seq;
  guint32       tcp_ack;
  guint16       tcp_window;

  guint8        icmp_type;
  guint8        icmp_code;
  guint16       icmp_id;
  guint16       icmp_seq;

  guint16       arp_op;
  guint8        arp_sha[6];
  guint8        arp_tha[6];

  guint8        has_mac : 1;
  guint8        is_fragment : 1;      /* an IP fragment */
  guint8        first_fragment : 1;   /* ... carrying the transport header */
  guint8        ports_unknown : 1;    /* a later fragment: ports to be filled from the first */
  guint8        truncated : 1;        /* the transport header or payload was cut by the snaplen */
  guint8        dns_noted : 1;        /* its DNS answers already went into the name cache */
  guint8        src_mac[6];
  guint8        dst_mac[6];
  guint32       frag_id;              /* IPv4 identification or IPv6 fragment id */

  guint16       ip_total_len;         /* IPv4 total length, IPv6 payload length + 40 */
  guint8        ip_ttl;
  guint8        vlan_depth;
  guint16       vlan_ids[2];          /* outermost first */

  const guint8 *payload;              /* transport payload (captured part) */
  guint32       payload_len;          /* captured payload bytes */
  guint32       payload_wire_len;     /* payload length the IP header announces */
} NetlensPacket;

G_END_DECLS
