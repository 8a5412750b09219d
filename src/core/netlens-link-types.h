/* netlens-link-types.h: the link types Netlens decodes (libpcap DLT_ values)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* The core does not include pcap.h: the numbers are fixed by the tcpdump.org
 * link-type registry. */
#define NETLENS_DLT_NULL         0
#define NETLENS_DLT_EN10MB       1
#define NETLENS_DLT_RAW          12   /* LINKTYPE_RAW as libpcap reports it on Linux */
#define NETLENS_DLT_RAW_OPENBSD  14
#define NETLENS_LINKTYPE_RAW     101
#define NETLENS_DLT_LOOP         108
#define NETLENS_DLT_LINUX_SLL    113
#define NETLENS_DLT_IPV4         228
#define NETLENS_DLT_IPV6         229
#define NETLENS_DLT_LINUX_SLL2   276

/* The LINKTYPE_ number written to exports and pcapng files. */
static inline int
netlens_link_type_to_linktype (int dlt)
{
  return (dlt == NETLENS_DLT_RAW || dlt == NETLENS_DLT_RAW_OPENBSD) ? NETLENS_LINKTYPE_RAW : dlt;
}
