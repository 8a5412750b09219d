/* netlens-owners.h: the event the eBPF socket-owner probes send to netlens-capture
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the BPF program (bpf/netlens-owners.bpf.c, built with clang -target bpf)
 * and the helper.  Plain fixed-size fields only.
 */

#pragma once

enum netlens_owner_source
{
  NETLENS_OWNER_SRC_SET_STATE = 1,   /* SYN_SENT -> next state, identity stored at connect */
  NETLENS_OWNER_SRC_SEND,
  NETLENS_OWNER_SRC_RECV,
  NETLENS_OWNER_SRC_CONNECT,
  NETLENS_OWNER_SRC_SENDMSG,
  NETLENS_OWNER_SRC_RECVMSG,
  NETLENS_OWNER_SRC_POST_BIND,
  NETLENS_OWNER_SRC_LISTEN,
};

struct netlens_owner_event
{
  unsigned int   tgid;
  unsigned int   tid;
  unsigned int   uid;
  unsigned int   netns;        /* network namespace inode */
  unsigned char  proto;        /* 6 TCP, 17 UDP */
  unsigned char  family;       /* 4 or 6 */
  unsigned char  source;       /* enum netlens_owner_source */
  unsigned char  pad;
  unsigned short lport;        /* host byte order */
  unsigned short rport;        /* host byte order; 0 = not connected */
  unsigned char  laddr[16];
  unsigned char  raddr[16];
  char           comm[16];
};
