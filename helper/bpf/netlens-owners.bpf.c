/* netlens-owners.bpf.c: which process owns which socket, from hooks that run in the
 * owning process's context
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Measured on this project's kernel (DESIGN.md): fentry/fexit are refused and kprobes are
 * not configured, so only tp_btf and cgroup programs are used.  The server side's
 * LISTEN -> SYN_RECV -> ESTABLISHED transitions run in softirq inside the *client's*
 * syscall on loopback: they are never used to name a process.  A client's SYN_SENT
 * transition happens in connect(), before the local port is chosen, so the identity is
 * kept by socket until its next transition, when the ports are known.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "netlens-owners.h"

char LICENSE[] SEC ("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_CLOSE 7
#define TCP_LISTEN 10

/* 0: every namespace; else only sockets of this network namespace (set before load) */
const volatile __u32 target_netns = 0;

struct
{
  __uint (type, BPF_MAP_TYPE_RINGBUF);
  __uint (max_entries, 1 << 22);
} events SEC (".maps");

struct identity
{
  __u32 tgid;
  __u32 tid;
  __u32 uid;
  char  comm[16];
};

/* connecting TCP sockets -> the process that called connect() */
struct
{
  __uint (type, BPF_MAP_TYPE_LRU_HASH);
  __uint (max_entries, 65536);
  __type (key, __u64);
  __type (value, struct identity);
} pending SEC (".maps");

struct seen_key
{
  __u32 tgid;
  __u32 netns;
  __u16 lport;
  __u16 rport;
  __u8  proto;
  __u8  family;
  __u8  pad[2];
  __u8  laddr[16];
  __u8  raddr[16];
};

/* (process, socket tuple) pairs already reported: sends and receives are frequent */
struct
{
  __uint (type, BPF_MAP_TYPE_LRU_HASH);
  __uint (max_entries, 65536);
  __type (key, struct seen_key);
  __type (value, __u8);
} seen SEC (".maps");

/* ring buffer reservations that failed; in .bss, which the helper reads through the
 * skeleton's mapping (no bpf() call once privileges are gone) */
__u64 lost_events = 0;

static __always_inline void
count_lost (void)
{
  __sync_fetch_and_add (&lost_events, 1);
}

static __always_inline void
current_identity (struct identity *id)
{
  __u64 pid_tgid = bpf_get_current_pid_tgid ();

  id->tgid = pid_tgid >> 32;
  id->tid = (__u32) pid_tgid;
  id->uid = (__u32) bpf_get_current_uid_gid ();
  /* the process's name, not the thread's (dig sends from a thread named isc-net-0000) */
  struct task_struct *task = (struct task_struct *) bpf_get_current_task ();
  if (BPF_CORE_READ_STR_INTO (&id->comm, task, group_leader, comm) < 0)
    bpf_get_current_comm (id->comm, sizeof id->comm);
}

static __always_inline __u32
current_netns (void)
{
  struct task_struct *task = (struct task_struct *) bpf_get_current_task ();

  return BPF_CORE_READ (task, nsproxy, net_ns, ns.inum);
}

/* Fills the tuple from a kernel socket.  0: not a TCP/UDP socket over IP. */
static __always_inline int
tuple_from_sock (const struct sock *sk, struct netlens_owner_event *e)
{
  __u16 family = BPF_CORE_READ (sk, __sk_common.skc_family);
  __u16 proto = BPF_CORE_READ (sk, sk_protocol);

  if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
    return 0;
  e->proto = proto;
  e->lport = BPF_CORE_READ (sk, __sk_common.skc_num);
  e->rport = bpf_ntohs (BPF_CORE_READ (sk, __sk_common.skc_dport));
  e->netns = BPF_CORE_READ (sk, __sk_common.skc_net.net, ns.inum);
  if (family == AF_INET)
    {
      __u32 s = BPF_CORE_READ (sk, __sk_common.skc_rcv_saddr);
      __u32 d = BPF_CORE_READ (sk, __sk_common.skc_daddr);

      e->family = 4;
      __builtin_memcpy (e->laddr, &s, 4);
      __builtin_memcpy (e->raddr, &d, 4);
    }
  else if (family == AF_INET6)
    {
      e->family = 6;
      BPF_CORE_READ_INTO (&e->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
      BPF_CORE_READ_INTO (&e->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
    }
  else
    return 0;
  return 1;
}

/* Sends E unless this process was already reported for this tuple (when DEDUP). */
static __always_inline void
submit (const struct netlens_owner_event *e, int dedup)
{
  struct netlens_owner_event *out;

  if (target_netns != 0 && e->netns != target_netns)
    return;
  if (e->lport == 0)
    return;  /* nothing to match a packet on yet */

  if (dedup)
    {
      struct seen_key k = {};
      __u8 one = 1;

      k.tgid = e->tgid;
      k.netns = e->netns;
      k.lport = e->lport;
      k.rport = e->rport;
      k.proto = e->proto;
      k.family = e->family;
      __builtin_memcpy (k.laddr, e->laddr, 16);
      __builtin_memcpy (k.raddr, e->raddr, 16);
      if (bpf_map_lookup_elem (&seen, &k) != NULL)
        return;
      bpf_map_update_elem (&seen, &k, &one, BPF_ANY);
    }

  out = bpf_ringbuf_reserve (&events, sizeof *out, 0);
  if (out == NULL)
    {
      count_lost ();
      return;
    }
  __builtin_memcpy (out, e, sizeof *out);
  bpf_ringbuf_submit (out, 0);
}

static __always_inline void
set_identity (struct netlens_owner_event *e, const struct identity *id)
{
  e->tgid = id->tgid;
  e->tid = id->tid;
  e->uid = id->uid;
  __builtin_memcpy (e->comm, id->comm, sizeof e->comm);
}

SEC ("tp_btf/inet_sock_set_state")
int
BPF_PROG (netlens_set_state, const struct sock *sk, int oldstate, int newstate)
{
  __u64 key = (__u64) sk;
  struct netlens_owner_event e = {};
  struct identity id = {};

  if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT)
    {
      /* in connect(): the caller owns the socket; the port is chosen just after */
      current_identity (&id);
      bpf_map_update_elem (&pending, &key, &id, BPF_ANY);
      return 0;
    }
  if (oldstate == TCP_SYN_SENT)
    {
      /* the next transition may run in softirq: use the identity kept at connect() */
      struct identity *kept = bpf_map_lookup_elem (&pending, &key);

      if (kept == NULL)
        return 0;
      __builtin_memcpy (&id, kept, sizeof id);
      bpf_map_delete_elem (&pending, &key);
      if (!tuple_from_sock (sk, &e))
        return 0;
      set_identity (&e, &id);
      e.source = NETLENS_OWNER_SRC_SET_STATE;
      submit (&e, 1);
      return 0;
    }
  if (oldstate == TCP_CLOSE && newstate == TCP_LISTEN)
    {
      /* in listen(): the caller owns the listening socket */
      if (!tuple_from_sock (sk, &e))
        return 0;
      current_identity (&id);
      set_identity (&e, &id);
      e.source = NETLENS_OWNER_SRC_LISTEN;
      submit (&e, 1);
    }
  /* every other transition, the server side's included, names no process */
  return 0;
}

static __always_inline int
from_send_recv (const struct sock *sk, __u8 source)
{
  struct netlens_owner_event e = {};
  struct identity id;

  if (sk == NULL || !tuple_from_sock (sk, &e))
    return 0;
  current_identity (&id);
  set_identity (&e, &id);
  e.source = source;
  submit (&e, 1);
  return 0;
}

SEC ("tp_btf/sock_send_length")
int
BPF_PROG (netlens_send_length, struct sock *sk, int ret, int flags)
{
  return from_send_recv (sk, NETLENS_OWNER_SRC_SEND);
}

SEC ("tp_btf/sock_recv_length")
int
BPF_PROG (netlens_recv_length, struct sock *sk, int ret, int flags)
{
  return from_send_recv (sk, NETLENS_OWNER_SRC_RECV);
}

/* cgroup sock_addr programs: the caller is the owner; USER_* is the peer the call names */
static __always_inline void
from_sock_addr (struct bpf_sock_addr *ctx, __u8 family, __u8 source, int has_peer)
{
  struct netlens_owner_event e = {};
  struct identity id;
  struct bpf_sock *sk = ctx->sk;

  if (sk == NULL)
    return;
  if (sk->protocol != IPPROTO_TCP && sk->protocol != IPPROTO_UDP)
    return;
  e.proto = sk->protocol;
  e.family = family;
  e.lport = sk->src_port;
  if (family == 4)
    {
      __u32 s = sk->src_ip4;
      __builtin_memcpy (e.laddr, &s, 4);
      if (has_peer)
        {
          __u32 d = ctx->user_ip4;
          __builtin_memcpy (e.raddr, &d, 4);
        }
    }
  else
    {
      __u32 s[4] = { sk->src_ip6[0], sk->src_ip6[1], sk->src_ip6[2], sk->src_ip6[3] };
      __builtin_memcpy (e.laddr, s, 16);
      if (has_peer)
        {
          __u32 d[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
                         ctx->user_ip6[3] };
          __builtin_memcpy (e.raddr, d, 16);
        }
    }
  if (has_peer)
    e.rport = bpf_ntohs ((__u16) ctx->user_port);
  e.netns = current_netns ();
  current_identity (&id);
  set_identity (&e, &id);
  e.source = source;
  submit (&e, 1);
}

SEC ("cgroup/connect4")
int
netlens_connect4 (struct bpf_sock_addr *ctx)
{
  from_sock_addr (ctx, 4, NETLENS_OWNER_SRC_CONNECT, 1);
  return 1;
}

SEC ("cgroup/connect6")
int
netlens_connect6 (struct bpf_sock_addr *ctx)
{
  from_sock_addr (ctx, 6, NETLENS_OWNER_SRC_CONNECT, 1);
  return 1;
}

SEC ("cgroup/sendmsg4")
int
netlens_sendmsg4 (struct bpf_sock_addr *ctx)
{
  from_sock_addr (ctx, 4, NETLENS_OWNER_SRC_SENDMSG, 1);
  return 1;
}

SEC ("cgroup/sendmsg6")
int
netlens_sendmsg6 (struct bpf_sock_addr *ctx)
{
  from_sock_addr (ctx, 6, NETLENS_OWNER_SRC_SENDMSG, 1);
  return 1;
}

SEC ("cgroup/recvmsg4")
int
netlens_recvmsg4 (struct bpf_sock_addr *ctx)
{
  from_sock_addr (ctx, 4, NETLENS_OWNER_SRC_RECVMSG, 1);
  return 1;
}

SEC ("cgroup/recvmsg6")
int
netlens_recvmsg6 (struct bpf_sock_addr *ctx)
{
  from_sock_addr (ctx, 6, NETLENS_OWNER_SRC_RECVMSG, 1);
  return 1;
}

static __always_inline void
from_bind (struct bpf_sock *sk, __u8 family)
{
  struct netlens_owner_event e = {};
  struct identity id;

  if (sk->protocol != IPPROTO_TCP && sk->protocol != IPPROTO_UDP)
    return;
  e.proto = sk->protocol;
  e.family = family;
  e.lport = sk->src_port;
  if (family == 4)
    {
      __u32 s = sk->src_ip4;
      __builtin_memcpy (e.laddr, &s, 4);
    }
  else
    {
      __u32 s[4] = { sk->src_ip6[0], sk->src_ip6[1], sk->src_ip6[2], sk->src_ip6[3] };
      __builtin_memcpy (e.laddr, s, 16);
    }
  e.netns = current_netns ();
  current_identity (&id);
  set_identity (&e, &id);
  e.source = NETLENS_OWNER_SRC_POST_BIND;
  submit (&e, 1);
}

SEC ("cgroup/post_bind4")
int
netlens_post_bind4 (struct bpf_sock *sk)
{
  from_bind (sk, 4);
  return 1;
}

SEC ("cgroup/post_bind6")
int
netlens_post_bind6 (struct bpf_sock *sk)
{
  from_bind (sk, 6);
  return 1;
}
