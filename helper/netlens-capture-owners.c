/* netlens-capture-owners.c: which process owns which socket (eBPF events, /proc scans)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Linux only: the platform part of process attribution lives in this file.
 */

#define G_LOG_DOMAIN "netlens-capture"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#ifdef NETLENS_HAVE_BPF
#include <bpf/libbpf.h>
#include "netlens-owners.h"
#include "netlens-owners.skel.h"
#endif

#include "netlens-capture-owners.h"

/* a /proc/PID identity, cached: one-shot programs are often gone before a second read */
typedef struct
{
  gint64  fetched_us;
  guint32 uid;
  char   *comm;
  char   *cmdline;
  char   *exe;
  char   *cgroup;
} ProcIdentity;

/* what a scan found for one socket */
typedef struct
{
  guint8  proto;
  guint8  family;
  guint16 lport;
  guint16 rport;
  guint8  laddr[16];
  guint8  raddr[16];
  guint32 uid;
} DiagSocket;

/* the key of an owner already sent: the tuple and the process */
typedef struct
{
  guint32 pid;
  guint16 lport;
  guint16 rport;
  guint8  proto;
  guint8  family;
  guint8  pad[2];
  guint8  laddr[16];
  guint8  raddr[16];
} SentKey;

struct _NetlensOwners
{
  guint64           netns_inode;
  NetlensOwnerEmit  emit;
  gpointer          user_data;

  GMutex            lock;            /* identities and sent: the scan thread and the loop */
  GHashTable       *identities;      /* pid -> ProcIdentity */
  GHashTable       *sent;            /* SentKey -> generation of the scan that saw it */
  guint             scan_generation;
  int               diag_fd;
  guint             scan_interval_ms;
  GThread          *scan_thread;

#ifdef NETLENS_HAVE_BPF
  struct netlens_owners_bpf *skel;
  struct ring_buffer        *rb;
  GPtrArray                 *links;
#endif
};

static void
proc_identity_free (gpointer data)
{
  ProcIdentity *id = data;

  g_free (id->comm);
  g_free (id->cmdline);
  g_free (id->exe);
  g_free (id->cgroup);
  g_free (id);
}

static guint
sent_key_hash (gconstpointer p)
{
  const guint8 *b = p;
  guint h = 5381;

  for (gsize i = 0; i < sizeof (SentKey); i++)
    h = h * 33 + b[i];
  return h;
}

static gboolean
sent_key_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, sizeof (SentKey)) == 0;
}

NetlensOwners *
netlens_owners_new (guint64          netns_inode,
                    NetlensOwnerEmit emit,
                    gpointer         user_data)
{
  NetlensOwners *owners = g_new0 (NetlensOwners, 1);

  owners->netns_inode = netns_inode;
  owners->emit = emit;
  owners->user_data = user_data;
  g_mutex_init (&owners->lock);
  owners->identities = g_hash_table_new_full (NULL, NULL, NULL, proc_identity_free);
  owners->sent = g_hash_table_new_full (sent_key_hash, sent_key_equal, g_free, NULL);
  owners->diag_fd = -1;
  return owners;
}

void
netlens_owners_free (NetlensOwners *owners)
{
  if (owners == NULL)
    return;
#ifdef NETLENS_HAVE_BPF
  g_clear_pointer (&owners->rb, ring_buffer__free);
  if (owners->links != NULL)
    g_ptr_array_unref (owners->links);
  g_clear_pointer (&owners->skel, netlens_owners_bpf__destroy);
#endif
  if (owners->diag_fd >= 0)
    close (owners->diag_fd);
  g_hash_table_unref (owners->identities);
  g_hash_table_unref (owners->sent);
  g_free (owners);
}

/* ---- /proc/PID ------------------------------------------------------------------ */

/* Reads at most MAX bytes of a small /proc file; NULL when unreadable. */
static char *
read_proc_file (guint32 pid, const char *name, gsize max, gsize *len_out)
{
  char path[64];
  char *buf;
  gsize len = 0;
  int fd;

  g_snprintf (path, sizeof path, "/proc/%u/%s", pid, name);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  buf = g_malloc (max + 1);
  while (len < max)
    {
      ssize_t n = read (fd, buf + len, max - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += n;
    }
  close (fd);
  buf[len] = '\0';
  if (len_out != NULL)
    *len_out = len;
  return buf;
}

static char *
read_cmdline (guint32 pid)
{
  gsize len = 0;
  char *buf = read_proc_file (pid, "cmdline", NETLENS_WIRE_MAX_STRING, &len);

  if (buf == NULL)
    return g_strdup ("");
  while (len > 0 && buf[len - 1] == '\0')
    len--;
  for (gsize i = 0; i < len; i++)
    if (buf[i] == '\0')
      buf[i] = ' ';
  buf[len] = '\0';
  return buf;
}

/* The unified hierarchy's path ("0::/user.slice/..."), else the systemd one. */
static char *
read_cgroup (guint32 pid)
{
  g_autofree char *buf = read_proc_file (pid, "cgroup", 8192, NULL);
  g_auto(GStrv) lines = NULL;
  char *fallback = NULL;

  if (buf == NULL)
    return g_strdup ("");
  lines = g_strsplit (buf, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "0::"))
        {
          g_free (fallback);
          return g_strdup (lines[i] + 3);
        }
      if (fallback == NULL && strstr (lines[i], ":name=systemd:") != NULL)
        fallback = g_strdup (strstr (lines[i], ":name=systemd:") + strlen (":name=systemd:"));
    }
  return fallback != NULL ? fallback : g_strdup ("");
}

static void
read_status (guint32 pid, char **comm, guint32 *uid)
{
  g_autofree char *buf = read_proc_file (pid, "status", 4096, NULL);
  g_auto(GStrv) lines = NULL;

  if (buf == NULL)
    return;
  lines = g_strsplit (buf, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "Name:\t"))
        {
          g_free (*comm);
          *comm = g_strdup (lines[i] + 6);
        }
      else if (g_str_has_prefix (lines[i], "Uid:\t"))
        *uid = (guint32) g_ascii_strtoull (lines[i] + 5, NULL, 10);
    }
}

static ProcIdentity *
lookup_identity_locked (NetlensOwners *owners, guint32 pid, const char *comm_hint)
{
  ProcIdentity *id = g_hash_table_lookup (owners->identities, GUINT_TO_POINTER (pid));
  gint64 now = g_get_monotonic_time ();
  char exe[PATH_MAX];
  char path[64];
  ssize_t n;

  /* a pid is reused, or the process exec'd: read again when the name differs or it is old */
  if (id != NULL && now - id->fetched_us < 5 * G_USEC_PER_SEC
      && (comm_hint == NULL || g_strcmp0 (comm_hint, id->comm) == 0))
    return id;

  if (g_hash_table_size (owners->identities) > 8192)
    g_hash_table_remove_all (owners->identities);

  id = g_new0 (ProcIdentity, 1);
  id->fetched_us = now;
  id->uid = G_MAXUINT32;
  read_status (pid, &id->comm, &id->uid);
  id->cmdline = read_cmdline (pid);
  id->cgroup = read_cgroup (pid);
  g_snprintf (path, sizeof path, "/proc/%u/exe", pid);
  n = readlink (path, exe, sizeof exe - 1);
  id->exe = g_strndup (n > 0 ? exe : "", n > 0 ? (gsize) n : 0);
  if (id->comm == NULL)
    id->comm = g_strdup (comm_hint != NULL ? comm_hint : "");
  g_hash_table_replace (owners->identities, GUINT_TO_POINTER (pid), id);
  return id;
}

void
netlens_owners_fill_identity (NetlensOwners    *owners,
                              NetlensWireOwner *owner,
                              guint32           pid)
{
  ProcIdentity *id;

  g_mutex_lock (&owners->lock);
  id = lookup_identity_locked (owners, pid, owner->comm);
  if (owner->comm == NULL)
    {
      owner->comm = g_strdup (id->comm);
      if (id->uid != G_MAXUINT32)
        owner->uid = id->uid;
    }
  owner->cmdline = g_strdup (id->cmdline);
  owner->exe = g_strdup (id->exe);
  owner->cgroup = g_strdup (id->cgroup);
  g_mutex_unlock (&owners->lock);
}

/* ---- sock_diag + /proc/PID/fd scan ------------------------------------------------ */

static gboolean
diag_dump (int fd, guint8 family, guint8 proto, GHashTable *by_inode, char **error_message)
{
  struct
  {
    struct nlmsghdr         nlh;
    struct inet_diag_req_v2 req;
  } msg = { 0 };
  struct sockaddr_nl nladdr = { .nl_family = AF_NETLINK };
  guint8 buf[32768];

  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.nlh.nlmsg_seq = proto;
  msg.req.sdiag_family = family;
  msg.req.sdiag_protocol = proto;
  msg.req.idiag_states = ~0u;

  if (sendto (fd, &msg, sizeof msg, 0, (struct sockaddr *) &nladdr, sizeof nladdr) < 0)
    {
      *error_message = g_strdup_printf ("sock_diag request: %s", g_strerror (errno));
      return FALSE;
    }

  for (;;)
    {
      ssize_t n = recv (fd, buf, sizeof buf, 0);
      struct nlmsghdr *h;

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          *error_message = g_strdup_printf ("sock_diag reply: %s",
                                            n < 0 ? g_strerror (errno) : "end of stream");
          return FALSE;
        }
      for (h = (struct nlmsghdr *) buf; NLMSG_OK (h, (guint) n); h = NLMSG_NEXT (h, n))
        {
          struct inet_diag_msg *m;
          DiagSocket *s;

          if (h->nlmsg_type == NLMSG_DONE)
            return TRUE;
          if (h->nlmsg_type == NLMSG_ERROR)
            {
              const struct nlmsgerr *e = NLMSG_DATA (h);

              /* a protocol the kernel does not offer (no IPv6) is an empty answer */
              if (h->nlmsg_len >= NLMSG_LENGTH (sizeof *e) && e->error == -ENOENT)
                return TRUE;
              *error_message = g_strdup_printf ("sock_diag: %s",
                                                h->nlmsg_len >= NLMSG_LENGTH (sizeof *e)
                                                ? g_strerror (-e->error) : "error");
              return FALSE;
            }
          if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH (sizeof *m))
            continue;
          m = NLMSG_DATA (h);
          if (m->idiag_inode == 0)
            continue;  /* TIME_WAIT and SYN_RECV minisockets belong to no descriptor */
          s = g_new0 (DiagSocket, 1);
          s->proto = proto;
          s->family = family == AF_INET ? 4 : 6;
          s->lport = ntohs (m->id.idiag_sport);
          s->rport = ntohs (m->id.idiag_dport);
          memcpy (s->laddr, m->id.idiag_src, family == AF_INET ? 4 : 16);
          memcpy (s->raddr, m->id.idiag_dst, family == AF_INET ? 4 : 16);
          s->uid = m->idiag_uid;
          g_hash_table_replace (by_inode, GUINT_TO_POINTER (m->idiag_inode), s);
        }
    }
}

static void
emit_scan_owner (NetlensOwners *owners, const DiagSocket *s, guint32 pid, gint64 now_us)
{
  SentKey key = { 0 };
  NetlensWireOwner owner = { 0 };
  gpointer old;

  key.pid = pid;
  key.lport = s->lport;
  key.rport = s->rport;
  key.proto = s->proto;
  key.family = s->family;
  memcpy (key.laddr, s->laddr, 16);
  memcpy (key.raddr, s->raddr, 16);

  g_mutex_lock (&owners->lock);
  old = g_hash_table_lookup (owners->sent, &key);
  g_hash_table_replace (owners->sent, g_memdup2 (&key, sizeof key),
                        GUINT_TO_POINTER (owners->scan_generation));
  g_mutex_unlock (&owners->lock);
  if (old != NULL)
    return;

  owner.ip_proto = s->proto;
  owner.family = s->family;
  owner.source = NETLENS_WIRE_SOURCE_SCAN;
  owner.local_port = s->lport;
  owner.remote_port = s->rport;
  memcpy (owner.local_addr, s->laddr, 16);
  memcpy (owner.remote_addr, s->raddr, 16);
  owner.netns_inode = owners->netns_inode;
  owner.uid = s->uid;
  owner.pid = pid;
  owner.tid = pid;
  owner.first_seen_us = now_us;
  netlens_owners_fill_identity (owners, &owner, pid);
  owners->emit (&owner, owners->user_data);
  netlens_wire_owner_clear (&owner);
}

static int
compare_pids_descending (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? 1 : x > y ? -1 : 0;
}

static gboolean
remove_stale (gpointer key, gpointer value, gpointer user_data)
{
  return GPOINTER_TO_UINT (value) != GPOINTER_TO_UINT (user_data);
}

gboolean
netlens_owners_scan (NetlensOwners *owners,
                     char         **error_message)
{
  static const guint8 families[] = { AF_INET, AF_INET6 };
  static const guint8 protos[] = { IPPROTO_TCP, IPPROTO_UDP };
  g_autoptr(GHashTable) by_inode = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  gint64 now_us = g_get_real_time ();
  GArray *pids;
  DIR *proc;
  struct dirent *de;

  if (owners->diag_fd < 0)
    {
      owners->diag_fd = socket (AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
      if (owners->diag_fd < 0)
        {
          *error_message = g_strdup_printf ("sock_diag socket: %s", g_strerror (errno));
          return FALSE;
        }
    }
  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    for (guint p = 0; p < G_N_ELEMENTS (protos); p++)
      if (!diag_dump (owners->diag_fd, families[f], protos[p], by_inode, error_message))
        return FALSE;

  g_mutex_lock (&owners->lock);
  owners->scan_generation = MAX (owners->scan_generation + 1, 1);
  g_mutex_unlock (&owners->lock);

  if (g_hash_table_size (by_inode) == 0)
    return TRUE;

  proc = opendir ("/proc");
  if (proc == NULL)
    {
      *error_message = g_strdup_printf ("/proc: %s", g_strerror (errno));
      return FALSE;
    }
  pids = g_array_new (FALSE, FALSE, sizeof (guint32));
  while ((de = readdir (proc)) != NULL)
    {
      guint64 pid;
      char *end;

      if (!g_ascii_isdigit (de->d_name[0]))
        continue;
      pid = g_ascii_strtoull (de->d_name, &end, 10);
      if (*end == '\0' && pid > 0 && pid <= G_MAXUINT32)
        {
          guint32 p32 = (guint32) pid;
          g_array_append_val (pids, p32);
        }
    }
  closedir (proc);
  /* newest first: a walk over 20k descriptors takes over a second, and the processes that
   * started last are the short-lived ones most likely to be gone by the end of it */
  g_array_sort (pids, compare_pids_descending);

  for (guint i = 0; i < pids->len; i++)
    {
      guint32 pid = g_array_index (pids, guint32, i);
      char path[64];
      int dfd;
      DIR *fds;
      struct dirent *fe;

      g_snprintf (path, sizeof path, "/proc/%u/fd", pid);
      dfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd < 0)
        continue;
      fds = fdopendir (dfd);
      if (fds == NULL)
        {
          close (dfd);
          continue;
        }
      while ((fe = readdir (fds)) != NULL)
        {
          char link[64];
          ssize_t n;
          guint64 inode;
          const DiagSocket *s;

          if (fe->d_name[0] == '.')
            continue;
          n = readlinkat (dfd, fe->d_name, link, sizeof link - 1);
          if (n < 9)
            continue;
          link[n] = '\0';
          if (strncmp (link, "socket:[", 8) != 0)
            continue;
          inode = g_ascii_strtoull (link + 8, NULL, 10);
          s = g_hash_table_lookup (by_inode, GUINT_TO_POINTER ((guint) inode));
          if (s != NULL)
            emit_scan_owner (owners, s, pid, now_us);
        }
      closedir (fds);
    }
  g_array_unref (pids);

  /* forget tuples that are gone, so that a reused tuple is reported again */
  g_mutex_lock (&owners->lock);
  g_hash_table_foreach_remove (owners->sent, remove_stale,
                               GUINT_TO_POINTER (owners->scan_generation));
  g_mutex_unlock (&owners->lock);
  return TRUE;
}

static gpointer
scan_thread_main (gpointer data)
{
  NetlensOwners *owners = data;

  for (;;)
    {
      g_autofree char *message = NULL;

      if (!netlens_owners_scan (owners, &message))
        g_printerr ("netlens-capture: process scan failed: %s\n", message);
      g_usleep (owners->scan_interval_ms * 1000);
    }
  return NULL;
}

void
netlens_owners_start_scan_thread (NetlensOwners *owners,
                                  guint          interval_ms)
{
  owners->scan_interval_ms = interval_ms;
  owners->scan_thread = g_thread_new ("netlens-scan", scan_thread_main, owners);
}

/* ---- eBPF ------------------------------------------------------------------------ */

#ifdef NETLENS_HAVE_BPF

static int
on_bpf_event (void *ctx, void *data, size_t size)
{
  NetlensOwners *owners = ctx;
  const struct netlens_owner_event *e = data;
  NetlensWireOwner owner = { 0 };
  static const guint8 sources[] = {
    [NETLENS_OWNER_SRC_SET_STATE] = NETLENS_WIRE_SOURCE_SET_STATE,
    [NETLENS_OWNER_SRC_SEND] = NETLENS_WIRE_SOURCE_SEND,
    [NETLENS_OWNER_SRC_RECV] = NETLENS_WIRE_SOURCE_RECV,
    [NETLENS_OWNER_SRC_CONNECT] = NETLENS_WIRE_SOURCE_CONNECT,
    [NETLENS_OWNER_SRC_SENDMSG] = NETLENS_WIRE_SOURCE_SENDMSG,
    [NETLENS_OWNER_SRC_RECVMSG] = NETLENS_WIRE_SOURCE_RECVMSG,
    [NETLENS_OWNER_SRC_POST_BIND] = NETLENS_WIRE_SOURCE_POST_BIND,
    [NETLENS_OWNER_SRC_LISTEN] = NETLENS_WIRE_SOURCE_LISTEN,
  };

  if (size < sizeof *e || (e->family != 4 && e->family != 6))
    return 0;
  owner.ip_proto = e->proto;
  owner.family = e->family;
  owner.source = e->source < G_N_ELEMENTS (sources) ? sources[e->source] : 0;
  owner.local_port = e->lport;
  owner.remote_port = e->rport;
  memcpy (owner.local_addr, e->laddr, 16);
  memcpy (owner.remote_addr, e->raddr, 16);
  owner.netns_inode = e->netns;
  owner.uid = e->uid;
  owner.pid = e->tgid;
  owner.tid = e->tid;
  owner.first_seen_us = g_get_real_time ();
  owner.comm = g_strndup (e->comm, sizeof e->comm);
  netlens_owners_fill_identity (owners, &owner, e->tgid);
  owners->emit (&owner, owners->user_data);
  netlens_wire_owner_clear (&owner);
  return 0;
}

/* The unified cgroup hierarchy, where the sock_addr programs attach (its root: every
 * process), as MOUNTS lists it. */
static char *
find_cgroup2_root (const char *mounts_path)
{
  g_autofree char *mounts = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (mounts_path, &mounts, NULL, NULL))
    return NULL;
  lines = g_strsplit (mounts, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], " ", 4);

      if (g_strv_length (f) >= 3 && g_str_equal (f[2], "cgroup2"))
        return g_strdup (f[1]);
    }
  return NULL;
}

/* Ours, else init's: `ip netns exec` mounts a fresh /sys over the cgroup mounts. */
static int
open_cgroup2_root (void)
{
  g_autofree char *own = find_cgroup2_root ("/proc/self/mounts");
  g_autofree char *init = NULL;
  int fd = -1;

  if (own != NULL)
    fd = open (own, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && (init = find_cgroup2_root ("/proc/1/mounts")) != NULL)
    {
      g_autofree char *path = g_strconcat ("/proc/1/root", init, NULL);

      fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  return fd;
}

typedef struct
{
  const char *name;
  guint32     probe;
  gboolean    cgroup;
} ProbeInfo;

static const ProbeInfo probes[] = {
  { "netlens_set_state", NETLENS_WIRE_PROBE_SET_STATE, FALSE },
  { "netlens_send_length", NETLENS_WIRE_PROBE_SEND_LENGTH, FALSE },
  { "netlens_recv_length", NETLENS_WIRE_PROBE_RECV_LENGTH, FALSE },
  { "netlens_connect4", NETLENS_WIRE_PROBE_CONNECT4, TRUE },
  { "netlens_connect6", NETLENS_WIRE_PROBE_CONNECT6, TRUE },
  { "netlens_sendmsg4", NETLENS_WIRE_PROBE_SENDMSG4, TRUE },
  { "netlens_sendmsg6", NETLENS_WIRE_PROBE_SENDMSG6, TRUE },
  { "netlens_recvmsg4", NETLENS_WIRE_PROBE_RECVMSG4, TRUE },
  { "netlens_recvmsg6", NETLENS_WIRE_PROBE_RECVMSG6, TRUE },
  { "netlens_post_bind4", NETLENS_WIRE_PROBE_POST_BIND4, TRUE },
  { "netlens_post_bind6", NETLENS_WIRE_PROBE_POST_BIND6, TRUE },
};

static int
silent_print (enum libbpf_print_level level, const char *format, va_list args)
{
  if (level == LIBBPF_WARN && g_getenv ("NETLENS_CAPTURE_DEBUG") != NULL)
    return vfprintf (stderr, format, args);
  return 0;
}

/* Opens the skeleton with only the programs in MASK set to load. */
static struct netlens_owners_bpf *
open_with (NetlensOwners *owners, guint32 mask, int *err)
{
  struct netlens_owners_bpf *skel = netlens_owners_bpf__open ();

  if (skel == NULL)
    {
      *err = -errno;
      return NULL;
    }
  skel->rodata->target_netns = (guint32) owners->netns_inode;
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      struct bpf_program *prog = bpf_object__find_program_by_name (skel->obj, probes[i].name);

      if (prog != NULL)
        bpf_program__set_autoload (prog, (mask & probes[i].probe) != 0);
    }
  *err = netlens_owners_bpf__load (skel);
  if (*err != 0)
    {
      netlens_owners_bpf__destroy (skel);
      return NULL;
    }
  return skel;
}

guint32
netlens_owners_bpf_start (NetlensOwners *owners,
                          char         **error_message)
{
  guint32 all = 0, loadable = 0, attached = 0;
  int cgfd;
  int err = 0;

  libbpf_set_print (silent_print);
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    all |= probes[i].probe;

  /* each probe loads or fails on its own: when the whole set is refused, find which load */
  owners->skel = open_with (owners, all, &err);
  if (owners->skel != NULL)
    loadable = all;
  else
    {
      int first_err = err;

      for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
        {
          struct netlens_owners_bpf *one = open_with (owners, probes[i].probe, &err);

          if (one != NULL)
            {
              loadable |= probes[i].probe;
              netlens_owners_bpf__destroy (one);
            }
        }
      if (loadable != 0)
        owners->skel = open_with (owners, loadable, &err);
      if (owners->skel == NULL)
        {
          *error_message = g_strdup_printf ("the eBPF program could not load: %s",
                                            g_strerror (-first_err));
          return 0;
        }
    }

  owners->links = g_ptr_array_new_with_free_func ((GDestroyNotify) bpf_link__destroy);
  cgfd = open_cgroup2_root ();

  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      struct bpf_program *prog;
      struct bpf_link *link;

      if (!(loadable & probes[i].probe))
        continue;
      prog = bpf_object__find_program_by_name (owners->skel->obj, probes[i].name);
      if (prog == NULL)
        continue;
      if (probes[i].cgroup)
        link = cgfd >= 0 ? bpf_program__attach_cgroup (prog, cgfd) : NULL;
      else
        link = bpf_program__attach (prog);
      if (link == NULL)
        continue;
      g_ptr_array_add (owners->links, link);
      attached |= probes[i].probe;
    }
  if (cgfd >= 0)
    close (cgfd);

  if (attached == 0)
    {
      *error_message = g_strdup ("no eBPF probe could attach");
      return 0;
    }
  owners->rb = ring_buffer__new (bpf_map__fd (owners->skel->maps.events), on_bpf_event,
                                 owners, NULL);
  if (owners->rb == NULL)
    {
      *error_message = g_strdup_printf ("eBPF ring buffer: %s", g_strerror (errno));
      return 0;
    }
  return attached;
}

int
netlens_owners_bpf_fd (NetlensOwners *owners)
{
  return owners->rb != NULL ? ring_buffer__epoll_fd (owners->rb) : -1;
}

void
netlens_owners_bpf_poll (NetlensOwners *owners)
{
  if (owners->rb != NULL)
    ring_buffer__consume (owners->rb);
}

guint64
netlens_owners_get_lost (NetlensOwners *owners)
{
  return owners->skel != NULL ? owners->skel->bss->lost_events : 0;
}

#else /* !NETLENS_HAVE_BPF */

guint32
netlens_owners_bpf_start (NetlensOwners *owners,
                          char         **error_message)
{
  *error_message = g_strdup ("this netlens-capture was built without eBPF support");
  return 0;
}

int
netlens_owners_bpf_fd (NetlensOwners *owners)
{
  return -1;
}

void
netlens_owners_bpf_poll (NetlensOwners *owners)
{
}

guint64
netlens_owners_get_lost (NetlensOwners *owners)
{
  return 0;
}

#endif
