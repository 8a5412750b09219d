/* netlens-decode.c: link layer to transport, every read bounds-checked
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-decode"

#include "config.h"

#include <string.h>

#include <glib.h>

#include "netlens-conn-table.h"
#include "netlens-link-types.h"
#include "netlens-pipeline.h"

#define RD16(p) ((guint16) (((guint) (p)[0] << 8) | (p)[1]))
#define RD32(p) (((guint32) (p)[0] << 24) | ((guint32) (p)[1] << 16) | \
                 ((guint32) (p)[2] << 8) | (guint32) (p)[3])

#define ETHERTYPE_IPV4   0x0800
#define ETHERTYPE_ARP    0x0806
#define ETHERTYPE_RARP   0x8035
#define ETHERTYPE_VLAN   0x8100
#define ETHERTYPE_QINQ   0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_IPV6   0x86dd
#define ETHERTYPE_PPPOE_SESSION 0x8864
#define ETHERTYPE_LLDP   0x88cc
#define ETHERTYPE_EAPOL  0x888e
#define ETHERTYPE_IPX    0x8137

gboolean
netlens_link_type_supported (int link_type)
{
  switch (link_type)
    {
    case NETLENS_DLT_NULL:
    case NETLENS_DLT_EN10MB:
    case NETLENS_DLT_RAW:
    case NETLENS_DLT_RAW_OPENBSD:
    case NETLENS_LINKTYPE_RAW:
    case NETLENS_DLT_LOOP:
    case NETLENS_DLT_LINUX_SLL:
    case NETLENS_DLT_IPV4:
    case NETLENS_DLT_IPV6:
    case NETLENS_DLT_LINUX_SLL2:
      return TRUE;
    default:
      return FALSE;
    }
}

static NetlensDecodeResult decode_ipv4 (const guint8 *p, gsize len, NetlensPacket *pkt);
static NetlensDecodeResult decode_ipv6 (const guint8 *p, gsize len, NetlensPacket *pkt);

static NetlensDecodeResult
decode_arp (const guint8  *p,
            gsize          len,
            NetlensPacket *pkt)
{
  /* RFC 826 for Ethernet/IPv4 only: htype 1, ptype 0x0800, hlen 6, plen 4. */
  if (len < 28)
    return NETLENS_DECODE_MALFORMED;
  if (RD16 (p + 2) != ETHERTYPE_IPV4 || p[4] != 6 || p[5] != 4)
    return NETLENS_DECODE_SKIP;
  pkt->proto = NETLENS_PROTO_ARP;
  pkt->family = NETLENS_FAMILY_IPV4;
  pkt->arp_op = RD16 (p + 6);
  memcpy (pkt->arp_sha, p + 8, 6);
  memcpy (pkt->src.bytes, p + 14, 4);
  memcpy (pkt->arp_tha, p + 18, 6);
  memcpy (pkt->dst.bytes, p + 24, 4);
  return NETLENS_DECODE_OK;
}

static NetlensDecodeResult
decode_l2_other (NetlensPacket *pkt,
                 NetlensL2Kind  kind)
{
  if (!pkt->has_mac)
    return NETLENS_DECODE_SKIP;
  pkt->proto = NETLENS_PROTO_L2;
  pkt->family = NETLENS_FAMILY_MAC;
  pkt->ip_proto = kind;
  memcpy (pkt->src.bytes, pkt->src_mac, 6);
  memcpy (pkt->dst.bytes, pkt->dst_mac, 6);
  return NETLENS_DECODE_OK;
}

static NetlensDecodeResult
decode_ethertype (guint16        type,
                  const guint8  *p,
                  gsize          len,
                  NetlensPacket *pkt,
                  guint          depth)
{
  if (depth > 8)
    return NETLENS_DECODE_MALFORMED;

  switch (type)
    {
    case ETHERTYPE_IPV4:
      return decode_ipv4 (p, len, pkt);
    case ETHERTYPE_IPV6:
      return decode_ipv6 (p, len, pkt);
    case ETHERTYPE_ARP:
    case ETHERTYPE_RARP:  /* same layout (RFC 903); its protocol addresses key the row */
      return decode_arp (p, len, pkt);
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
    case ETHERTYPE_QINQ_OLD:
      /* 802.1Q / 802.1ad tag: TCI (PCP, DEI, VID), then the next ethertype */
      if (len < 4)
        return NETLENS_DECODE_MALFORMED;
      if (pkt->vlan_depth < G_N_ELEMENTS (pkt->vlan_ids))
        pkt->vlan_ids[pkt->vlan_depth] = RD16 (p) & 0x0fff;
      pkt->vlan_depth++;
      return decode_ethertype (RD16 (p + 2), p + 4, len - 4, pkt, depth + 1);
    case ETHERTYPE_PPPOE_SESSION:
      {
        /* RFC 2516 session header (6 bytes), then a PPP protocol number */
        guint16 ppp;

        if (len < 8)
          return NETLENS_DECODE_MALFORMED;
        ppp = RD16 (p + 6);
        if (ppp == 0x0021)
          return decode_ipv4 (p + 8, len - 8, pkt);
        if (ppp == 0x0057)
          return decode_ipv6 (p + 8, len - 8, pkt);
        return decode_l2_other (pkt, NETLENS_L2_OTHER);
      }
    case ETHERTYPE_LLDP:
      return decode_l2_other (pkt, NETLENS_L2_LLDP);
    case ETHERTYPE_EAPOL:
      return decode_l2_other (pkt, NETLENS_L2_EAPOL);
    case ETHERTYPE_IPX:
      return decode_l2_other (pkt, NETLENS_L2_IPX);
    default:
      return decode_l2_other (pkt, NETLENS_L2_OTHER);
    }
}

/* IEEE 802.2 LLC, possibly with a SNAP header carrying an ethertype. */
static NetlensDecodeResult
decode_llc (const guint8  *p,
            gsize          len,
            NetlensPacket *pkt,
            guint          depth)
{
  if (len < 3)
    return NETLENS_DECODE_MALFORMED;
  if (p[0] == 0xaa && p[1] == 0xaa && p[2] == 0x03)
    {
      if (len < 8)
        return NETLENS_DECODE_MALFORMED;
      /* Cisco's OUI 00:00:0c with 0x2000 is CDP */
      if (p[3] == 0x00 && p[4] == 0x00 && p[5] == 0x0c && RD16 (p + 6) == 0x2000)
        return decode_l2_other (pkt, NETLENS_L2_CDP);
      return decode_ethertype (RD16 (p + 6), p + 8, len - 8, pkt, depth + 1);
    }
  if (p[0] == 0x42 && p[1] == 0x42)
    return decode_l2_other (pkt, NETLENS_L2_STP);
  if (p[0] == 0xe0 && p[1] == 0xe0)
    return decode_l2_other (pkt, NETLENS_L2_IPX);
  return decode_l2_other (pkt, NETLENS_L2_LLC);
}

static NetlensDecodeResult
decode_ethernet (const guint8  *p,
                 gsize          len,
                 NetlensPacket *pkt)
{
  guint16 type;

  if (len < 14)
    return NETLENS_DECODE_MALFORMED;
  memcpy (pkt->dst_mac, p, 6);
  memcpy (pkt->src_mac, p + 6, 6);
  pkt->has_mac = TRUE;
  type = RD16 (p + 12);

  /* Tags may precede an 802.3 length field too: walk them here. */
  p += 14;
  len -= 14;
  while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD)
    {
      if (len < 4 || pkt->vlan_depth > 8)
        return NETLENS_DECODE_MALFORMED;
      if (pkt->vlan_depth < G_N_ELEMENTS (pkt->vlan_ids))
        pkt->vlan_ids[pkt->vlan_depth] = RD16 (p) & 0x0fff;
      pkt->vlan_depth++;
      type = RD16 (p + 2);
      p += 4;
      len -= 4;
    }

  if (type <= 1500)
    {
      /* 802.3 length: the payload is LLC; trailing padding is not payload */
      if (type < len)
        len = type;
      return decode_llc (p, len, pkt, 0);
    }
  return decode_ethertype (type, p, len, pkt, 0);
}

/* Linux cooked capture v1 (16 bytes) and v2 (20 bytes). */
static NetlensDecodeResult
decode_sll_protocol (guint16        protocol,
                     guint16        arphrd,
                     const guint8  *p,
                     gsize          len,
                     NetlensPacket *pkt)
{
  /* ARPHRD_NETLINK and friends carry no IP */
  if (arphrd == 824)
    return NETLENS_DECODE_SKIP;
  switch (protocol)
    {
    case 0x0001: /* Novell 802.3 */
      return decode_l2_other (pkt, NETLENS_L2_IPX);
    case 0x0004: /* 802.2 LLC */
      return decode_llc (p, len, pkt, 0);
    default:
      return decode_ethertype (protocol, p, len, pkt, 0);
    }
}

static NetlensDecodeResult
decode_sll (const guint8  *p,
            gsize          len,
            NetlensPacket *pkt)
{
  guint16 arphrd, alen;

  if (len < 16)
    return NETLENS_DECODE_MALFORMED;
  arphrd = RD16 (p + 2);
  alen = RD16 (p + 4);
  if (alen == 6 && (arphrd == 1 || arphrd == 772))
    {
      /* only the source address is recorded */
      memcpy (pkt->src_mac, p + 6, 6);
    }
  return decode_sll_protocol (RD16 (p + 14), arphrd, p + 16, len - 16, pkt);
}

static NetlensDecodeResult
decode_sll2 (const guint8  *p,
             gsize          len,
             NetlensPacket *pkt)
{
  guint16 arphrd;

  if (len < 20)
    return NETLENS_DECODE_MALFORMED;
  arphrd = RD16 (p + 8);
  if (p[11] == 6 && (arphrd == 1 || arphrd == 772))
    memcpy (pkt->src_mac, p + 12, 6);
  return decode_sll_protocol (RD16 (p), arphrd, p + 20, len - 20, pkt);
}

static NetlensDecodeResult
decode_raw_ip (const guint8  *p,
               gsize          len,
               NetlensPacket *pkt)
{
  if (len < 1)
    return NETLENS_DECODE_MALFORMED;
  switch (p[0] >> 4)
    {
    case 4: return decode_ipv4 (p, len, pkt);
    case 6: return decode_ipv6 (p, len, pkt);
    default: return NETLENS_DECODE_MALFORMED;
    }
}

/* BSD loopback: a 4-byte address family, in the capturing host's byte order
 * for DLT_NULL and in network order for DLT_LOOP.  AF_INET6 differs by OS. */
static NetlensDecodeResult
decode_null (const guint8  *p,
             gsize          len,
             NetlensPacket *pkt,
             gboolean       network_order)
{
  guint32 af;

  if (len < 4)
    return NETLENS_DECODE_MALFORMED;
  af = RD32 (p);
  if (!network_order && (af & 0xffff0000u) != 0)
    af = GUINT32_SWAP_LE_BE (af);
  p += 4;
  len -= 4;
  switch (af)
    {
    case 2:
      return decode_ipv4 (p, len, pkt);
    case 10: /* Linux */
    case 24: /* NetBSD, OpenBSD, BSD/OS */
    case 28: /* FreeBSD, DragonFly */
    case 30: /* Darwin */
      return decode_ipv6 (p, len, pkt);
    default:
      return NETLENS_DECODE_SKIP;
    }
}

static NetlensDecodeResult
decode_transport (guint8         ip_proto,
                  const guint8  *p,
                  gsize          len,          /* captured bytes of the IP payload */
                  gsize          wire_len,     /* what the IP header announces */
                  NetlensPacket *pkt)
{
  pkt->ip_proto = ip_proto;

  if (pkt->ports_unknown)
    {
      /* a later fragment: no transport header here; the pipeline fills the ports
       * from the first fragment */
      switch (ip_proto)
        {
        case 6: pkt->proto = NETLENS_PROTO_TCP; break;
        case 17: pkt->proto = NETLENS_PROTO_UDP; break;
        case 1: pkt->proto = pkt->family == NETLENS_FAMILY_IPV4 ? NETLENS_PROTO_ICMP : NETLENS_PROTO_IP_OTHER; break;
        case 58: pkt->proto = pkt->family == NETLENS_FAMILY_IPV6 ? NETLENS_PROTO_ICMPV6 : NETLENS_PROTO_IP_OTHER; break;
        default: pkt->proto = NETLENS_PROTO_IP_OTHER; break;
        }
      pkt->payload = p;
      pkt->payload_len = len;
      pkt->payload_wire_len = wire_len;
      return NETLENS_DECODE_OK;
    }

  switch (ip_proto)
    {
    case 6:
      {
        guint hlen;

        if (len < 20)
          {
            pkt->truncated = TRUE;
            goto other;
          }
        hlen = (p[12] >> 4) * 4u;
        if (hlen < 20)
          return NETLENS_DECODE_MALFORMED;
        pkt->proto = NETLENS_PROTO_TCP;
        pkt->sport = RD16 (p);
        pkt->dport = RD16 (p + 2);
        pkt->tcp_seq = RD32 (p + 4);
        pkt->tcp_ack = RD32 (p + 8);
        pkt->tcp_flags = p[13] & 0x3f;
        pkt->tcp_window = RD16 (p + 14);
        if (hlen > len)
          {
            pkt->truncated = TRUE;
            hlen = len;
          }
        pkt->payload = p + hlen;
        pkt->payload_len = len - hlen;
        pkt->payload_wire_len = wire_len > hlen ? wire_len - hlen : 0;
        if (pkt->payload_len > pkt->payload_wire_len)
          pkt->payload_len = pkt->payload_wire_len;
        return NETLENS_DECODE_OK;
      }
    case 17:
    case 136: /* UDP-Lite has the same ports */
      if (len < 8)
        {
          pkt->truncated = TRUE;
          goto other;
        }
      if (ip_proto == 136)
        goto other;
      pkt->proto = NETLENS_PROTO_UDP;
      pkt->sport = RD16 (p);
      pkt->dport = RD16 (p + 2);
      pkt->payload = p + 8;
      pkt->payload_len = len - 8;
      pkt->payload_wire_len = wire_len > 8 ? wire_len - 8 : 0;
      {
        /* the UDP length bounds the payload (trailing padding is not payload) */
        guint16 ulen = RD16 (p + 4);

        if (ulen >= 8 && (gsize) (ulen - 8) < pkt->payload_wire_len)
          pkt->payload_wire_len = ulen - 8;
      }
      if (pkt->payload_len > pkt->payload_wire_len)
        pkt->payload_len = pkt->payload_wire_len;
      return NETLENS_DECODE_OK;
    case 1:
    case 58:
      if ((ip_proto == 1) != (pkt->family == NETLENS_FAMILY_IPV4))
        goto other;
      pkt->proto = ip_proto == 1 ? NETLENS_PROTO_ICMP : NETLENS_PROTO_ICMPV6;
      if (len < 4)
        {
          pkt->truncated = TRUE;
          return NETLENS_DECODE_OK;
        }
      pkt->icmp_type = p[0];
      pkt->icmp_code = p[1];
      if (len >= 8)
        {
          pkt->icmp_id = RD16 (p + 4);
          pkt->icmp_seq = RD16 (p + 6);
        }
      pkt->payload = p + MIN (len, 8);
      pkt->payload_len = len - MIN (len, 8);
      pkt->payload_wire_len = wire_len > 8 ? wire_len - 8 : 0;
      return NETLENS_DECODE_OK;
    default:
    other:
      pkt->proto = NETLENS_PROTO_IP_OTHER;
      pkt->payload = p;
      pkt->payload_len = len;
      pkt->payload_wire_len = wire_len;
      return NETLENS_DECODE_OK;
    }
}

static NetlensDecodeResult
decode_ipv4 (const guint8  *p,
             gsize          len,
             NetlensPacket *pkt)
{
  guint ihl, total;
  guint16 frag;

  if (len < 20 || (p[0] >> 4) != 4)
    return NETLENS_DECODE_MALFORMED;
  ihl = (p[0] & 0x0f) * 4u;
  total = RD16 (p + 2);
  if (ihl < 20 || ihl > len || total < ihl)
    return NETLENS_DECODE_MALFORMED;

  pkt->family = NETLENS_FAMILY_IPV4;
  memcpy (pkt->src.bytes, p + 12, 4);
  memcpy (pkt->dst.bytes, p + 16, 4);
  pkt->ip_total_len = total;
  pkt->ip_ttl = p[8];

  frag = RD16 (p + 6);
  if ((frag & 0x2000) != 0 || (frag & 0x1fff) != 0)
    {
      pkt->is_fragment = TRUE;
      pkt->frag_id = RD16 (p + 4);
      if ((frag & 0x1fff) == 0)
        pkt->first_fragment = TRUE;
      else
        pkt->ports_unknown = TRUE;
    }

  /* Options (ihl > 20) are skipped.  Ethernet padding past the total length is not
   * payload; a total length beyond the capture is the snaplen's doing. */
  if (total < len)
    len = total;
  return decode_transport (p[9], p + ihl, len - ihl, total - ihl, pkt);
}

static gboolean
ipv6_is_extension (guint8 next)
{
  switch (next)
    {
    case 0:   /* hop-by-hop options */
    case 43:  /* routing */
    case 44:  /* fragment */
    case 51:  /* authentication header */
    case 60:  /* destination options */
    case 135: /* mobility */
    case 139: /* HIP */
    case 140: /* shim6 */
      return TRUE;
    default:
      return FALSE;
    }
}

static NetlensDecodeResult
decode_ipv6 (const guint8  *p,
             gsize          len,
             NetlensPacket *pkt)
{
  guint8 next;
  gsize off = 40, plen, end;
  guint n_ext = 0;

  if (len < 40 || (p[0] >> 4) != 6)
    return NETLENS_DECODE_MALFORMED;
  plen = RD16 (p + 4);
  pkt->family = NETLENS_FAMILY_IPV6;
  memcpy (pkt->src.bytes, p + 8, 16);
  memcpy (pkt->dst.bytes, p + 24, 16);
  pkt->ip_total_len = (guint16) MIN (plen + 40, G_MAXUINT16);
  pkt->ip_ttl = p[7];
  next = p[6];

  /* A jumbogram (payload length 0) is not expected on a monitor's links: take the capture. */
  end = plen != 0 ? MIN (len, 40 + plen) : len;
  if (plen == 0)
    plen = len - 40;

  /* RFC 8200 section 4: walk the extension header chain (bounded). */
  while (ipv6_is_extension (next))
    {
      guint hlen;

      if (++n_ext > 16 || off + 8 > end)
        {
          if (off + 8 > end && off + 8 <= 40 + plen)
            {
              /* the chain is cut by the snaplen: count the packet, no transport */
              pkt->truncated = TRUE;
              pkt->proto = NETLENS_PROTO_IP_OTHER;
              pkt->ip_proto = next;
              return NETLENS_DECODE_OK;
            }
          return NETLENS_DECODE_MALFORMED;
        }
      if (next == 44)
        {
          guint16 offlg = RD16 (p + off + 2);

          pkt->is_fragment = TRUE;
          pkt->frag_id = RD32 (p + off + 4);
          if ((offlg & 0xfff8) == 0)
            pkt->first_fragment = TRUE;
          else
            pkt->ports_unknown = TRUE;
          hlen = 8;
        }
      else if (next == 51)
        hlen = (p[off + 1] + 2u) * 4u;
      else
        hlen = (p[off + 1] + 1u) * 8u;
      next = p[off];
      off += hlen;
      if (off > 40 + plen)
        return NETLENS_DECODE_MALFORMED;
      if (pkt->ports_unknown)
        break;
    }
  if (next == 59) /* no next header */
    {
      pkt->proto = NETLENS_PROTO_IP_OTHER;
      pkt->ip_proto = 59;
      return NETLENS_DECODE_OK;
    }
  if (off > end)
    {
      pkt->truncated = TRUE;
      off = end;
    }
  return decode_transport (next, p + off, end - off, 40 + plen - off, pkt);
}

NetlensDecodeResult
netlens_decode_packet (int            link_type,
                       const guint8  *data,
                       guint32        caplen,
                       guint32        wirelen,
                       gint64         ts_us,
                       NetlensPacket *pkt)
{
  memset (pkt, 0, sizeof *pkt);
  pkt->ts_us = ts_us;
  pkt->caplen = caplen;
  pkt->wirelen = wirelen;

  switch (link_type)
    {
    case NETLENS_DLT_EN10MB:
      return decode_ethernet (data, caplen, pkt);
    case NETLENS_DLT_LINUX_SLL:
      return decode_sll (data, caplen, pkt);
    case NETLENS_DLT_LINUX_SLL2:
      return decode_sll2 (data, caplen, pkt);
    case NETLENS_DLT_RAW:
    case NETLENS_DLT_RAW_OPENBSD:
    case NETLENS_LINKTYPE_RAW:
      return decode_raw_ip (data, caplen, pkt);
    case NETLENS_DLT_IPV4:
      return decode_ipv4 (data, caplen, pkt);
    case NETLENS_DLT_IPV6:
      return decode_ipv6 (data, caplen, pkt);
    case NETLENS_DLT_NULL:
      return decode_null (data, caplen, pkt, FALSE);
    case NETLENS_DLT_LOOP:
      return decode_null (data, caplen, pkt, TRUE);
    default:
      return NETLENS_DECODE_SKIP;
    }
}

/* ---- the reader's peek: what picks the worker, nothing more ------------------------------ */

static gboolean
peek_dns_port (guint16 port)
{
  return port == 53 || port == 5353 || port == 5355;
}

/* Mirrors decode_transport() for the cases it accepts; anything else is FALSE. */
static gboolean
peek_transport (guint8          ip_proto,
                NetlensFamily   family,
                const guint8   *p,
                gsize           len,
                NetlensFlowKey *key)
{
  switch (ip_proto)
    {
    case 6:
      if (len < 20 || (p[12] >> 4) < 5)
        return FALSE;
      key->proto = NETLENS_PROTO_TCP;
      key->lport = RD16 (p);
      key->rport = RD16 (p + 2);
      return TRUE;
    case 17:
      if (len < 8)
        return FALSE;
      key->lport = RD16 (p);
      key->rport = RD16 (p + 2);
      if (peek_dns_port (key->lport) || peek_dns_port (key->rport))
        return FALSE;   /* passive DNS reads it on the reader thread */
      key->proto = NETLENS_PROTO_UDP;
      return TRUE;
    case 1:
      if (family != NETLENS_FAMILY_IPV4)
        return FALSE;
      key->proto = NETLENS_PROTO_ICMP;
      return TRUE;
    case 58:
      if (family != NETLENS_FAMILY_IPV6)
        return FALSE;
      key->proto = NETLENS_PROTO_ICMPV6;
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
peek_ipv4 (const guint8   *p,
           gsize           len,
           NetlensFlowKey *key)
{
  guint ihl, total;

  if (len < 20 || (p[0] >> 4) != 4)
    return FALSE;
  ihl = (p[0] & 0x0f) * 4u;
  total = RD16 (p + 2);
  if (ihl < 20 || ihl > len || total < ihl || (RD16 (p + 6) & 0x3fff) != 0)
    return FALSE;
  if (total < len)
    len = total;
  key->family = NETLENS_FAMILY_IPV4;
  memcpy (key->laddr.bytes, p + 12, 4);
  memcpy (key->raddr.bytes, p + 16, 4);
  return peek_transport (p[9], NETLENS_FAMILY_IPV4, p + ihl, len - ihl, key);
}

static gboolean
peek_ipv6 (const guint8   *p,
           gsize           len,
           NetlensFlowKey *key)
{
  gsize plen, end;
  guint8 next;

  if (len < 40 || (p[0] >> 4) != 6)
    return FALSE;
  plen = RD16 (p + 4);
  next = p[6];
  if (ipv6_is_extension (next))
    return FALSE;
  end = plen != 0 ? MIN (len, 40 + plen) : len;
  key->family = NETLENS_FAMILY_IPV6;
  memcpy (key->laddr.bytes, p + 8, 16);
  memcpy (key->raddr.bytes, p + 24, 16);
  return peek_transport (next, NETLENS_FAMILY_IPV6, p + 40, end - 40, key);
}

static gboolean
peek_ethertype (guint16         type,
                const guint8   *p,
                gsize           len,
                NetlensFlowKey *key)
{
  if (type == ETHERTYPE_IPV4)
    return peek_ipv4 (p, len, key);
  if (type == ETHERTYPE_IPV6)
    return peek_ipv6 (p, len, key);
  return FALSE;
}

gboolean
netlens_decode_peek_flow_key (int             link_type,
                              const guint8   *data,
                              guint32         caplen,
                              NetlensFlowKey *key)
{
  const guint8 *p = data;
  gsize len = caplen;

  memset (key, 0, sizeof *key);
  switch (link_type)
    {
    case NETLENS_DLT_EN10MB:
      {
        guint16 type;
        guint tags = 0;

        if (len < 14)
          return FALSE;
        type = RD16 (p + 12);
        p += 14;
        len -= 14;
        /* decode_ethernet() walks up to nine tags; two is what links carry */
        while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD)
          {
            if (len < 4 || ++tags > 2)
              return FALSE;
            type = RD16 (p + 2);
            p += 4;
            len -= 4;
          }
        return peek_ethertype (type, p, len, key);
      }
    case NETLENS_DLT_LINUX_SLL:
      if (len < 16 || RD16 (p + 2) == 824)
        return FALSE;
      return peek_ethertype (RD16 (p + 14), p + 16, len - 16, key);
    case NETLENS_DLT_LINUX_SLL2:
      if (len < 20 || RD16 (p + 8) == 824)
        return FALSE;
      return peek_ethertype (RD16 (p), p + 20, len - 20, key);
    case NETLENS_DLT_RAW:
    case NETLENS_DLT_RAW_OPENBSD:
    case NETLENS_LINKTYPE_RAW:
      if (len < 1)
        return FALSE;
      if ((p[0] >> 4) == 4)
        return peek_ipv4 (p, len, key);
      if ((p[0] >> 4) == 6)
        return peek_ipv6 (p, len, key);
      return FALSE;
    case NETLENS_DLT_IPV4:
      return peek_ipv4 (p, len, key);
    case NETLENS_DLT_IPV6:
      return peek_ipv6 (p, len, key);
    default:
      return FALSE;
    }
}
