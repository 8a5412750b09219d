/* netlens-capture.c: the privileged capture helper
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Started by netlens through pkexec (or directly when netlens runs as root or this file
 * has capabilities).  As root it opens the capture, sets the filter, attaches the eBPF
 * socket-owner probes and scans /proc once; then it gives up its privileges, installs a
 * seccomp filter, and streams frames (src/wire/netlens-wire.h) to stdout until stdin ends,
 * stdout breaks or its parent dies.  It never opens a path its caller names.
 */

#define G_LOG_DOMAIN "netlens-capture"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <pcap/pcap.h>

#include <glib.h>

#include "netlens-wire.h"
#include "netlens-capture-owners.h"
#include "netlens-capture-privs.h"

#define DEFAULT_SNAPLEN      NETLENS_WIRE_MAX_SNAPLEN
#define BUFFER_SIZE          (32 * 1024 * 1024)
#define MAX_FILTER_LEN       4096
#define OUT_FLUSH_BYTES      (64 * 1024)
#define KERNEL_TIMEOUT_MS    5              /* the longest a packet waits in the kernel */
#define OUT_FLUSH_DELAY_US   (5 * 1000)     /* the longest a packet waits in our buffer */
#define PROC_SCAN_INTERVAL   1000   /* ms, proc mode */

typedef struct
{
  const char *interface;
  guint       snaplen;
  const char *filter;
  gboolean    promiscuous;
  guint       attribution;          /* NetlensWireAttribution */
  gboolean    seccomp_selftest;
} Args;

static GMutex out_lock;
static GByteArray *out_buf;            /* frames not yet written, under out_lock */
static gint64 out_oldest_us;           /* monotonic time of the oldest buffered packet, or 0 */
static volatile gint stdout_broken;
static volatile sig_atomic_t stop_requested;
static guint64 packets_sent;

/* ---- output ----------------------------------------------------------------------- */

static gboolean
write_all (const guint8 *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (STDOUT_FILENO, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_atomic_int_set (&stdout_broken, 1);
          return FALSE;
        }
      data += n;
      len -= n;
    }
  return TRUE;
}

/* Writes what is buffered.  Called with out_lock held. */
static void
flush_locked (void)
{
  if (out_buf->len > 0 && !g_atomic_int_get (&stdout_broken))
    write_all (out_buf->data, out_buf->len);
  g_byte_array_set_size (out_buf, 0);
  out_oldest_us = 0;
}

static void
send_frame (void (*build) (GByteArray *, gconstpointer), gconstpointer data)
{
  g_mutex_lock (&out_lock);
  build (out_buf, data);
  flush_locked ();
  g_mutex_unlock (&out_lock);
}

static void
build_owner (GByteArray *out, gconstpointer data)
{
  netlens_wire_write_owner (out, data);
}

static void
emit_owner (const NetlensWireOwner *owner, gpointer user_data)
{
  send_frame (build_owner, owner);
}

typedef struct
{
  guint32     code;
  const char *primary;
  const char *secondary;
} ErrorInfo;

static void
build_error (GByteArray *out, gconstpointer data)
{
  const ErrorInfo *e = data;

  netlens_wire_write_error (out, e->code, e->primary, e->secondary);
}

/* The error goes to the stream (for netlens) and to stderr (for people); exits with CODE. */
G_GNUC_NORETURN static void
fail (guint32 code, const char *primary, const char *secondary)
{
  ErrorInfo e = { code, primary, secondary };

  g_printerr ("netlens-capture: %s%s%s\n", primary, secondary ? ": " : "", secondary ? secondary : "");
  if (out_buf != NULL)
    send_frame (build_error, &e);
  _exit ((int) code);
}

/* ---- arguments -------------------------------------------------------------------- */

static gboolean
interface_name_ok (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len >= IFNAMSIZ)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      guchar c = name[i];
      /* what the kernel accepts (dev_valid_name), minus anything a shell or path cares about */
      if (c <= ' ' || c >= 0x7f || c == '/' || c == ':' || c == '\\' || c == '%')
        return FALSE;
    }
  return !g_str_equal (name, ".") && !g_str_equal (name, "..");
}

static void
usage_error (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static void
usage_error (const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fail (NETLENS_WIRE_ERROR_USAGE, "The capture helper was started with bad arguments", msg);
}

static void
parse_args (int argc, char **argv, Args *args)
{
  args->interface = NULL;
  args->snaplen = DEFAULT_SNAPLEN;
  args->filter = NULL;
  args->promiscuous = TRUE;
  args->attribution = NETLENS_WIRE_ATTRIBUTION_BPF;
  args->seccomp_selftest = FALSE;

  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const char *value = (i + 1 < argc) ? argv[i + 1] : NULL;

      if (g_str_equal (a, "--interface"))
        {
          if (value == NULL)
            usage_error ("--interface needs a name");
          if (args->interface != NULL)
            usage_error ("--interface given twice");
          if (!interface_name_ok (value))
            usage_error ("'%.64s' is not an interface name", value);
          args->interface = value;
          i++;
        }
      else if (g_str_equal (a, "--snaplen"))
        {
          guint64 n;

          if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 64, NETLENS_WIRE_MAX_SNAPLEN,
                                                            &n, NULL))
            usage_error ("--snaplen needs a number from 64 to %u", NETLENS_WIRE_MAX_SNAPLEN);
          args->snaplen = (guint) n;
          i++;
        }
      else if (g_str_equal (a, "--bpf"))
        {
          if (value == NULL)
            usage_error ("--bpf needs a filter expression");
          if (args->filter != NULL)
            usage_error ("--bpf given twice");
          if (strlen (value) > MAX_FILTER_LEN)
            usage_error ("the filter expression is longer than %u bytes", MAX_FILTER_LEN);
          if (!g_utf8_validate (value, -1, NULL))
            usage_error ("the filter expression is not valid UTF-8");
          args->filter = value;
          i++;
        }
      else if (g_str_equal (a, "--no-promiscuous"))
        args->promiscuous = FALSE;
      else if (g_str_equal (a, "--attribution"))
        {
          if (value == NULL)
            usage_error ("--attribution needs bpf, proc or none");
          if (g_str_equal (value, "bpf"))
            args->attribution = NETLENS_WIRE_ATTRIBUTION_BPF;
          else if (g_str_equal (value, "proc"))
            args->attribution = NETLENS_WIRE_ATTRIBUTION_PROC;
          else if (g_str_equal (value, "none"))
            args->attribution = NETLENS_WIRE_ATTRIBUTION_NONE;
          else
            usage_error ("--attribution needs bpf, proc or none, not '%.32s'", value);
          i++;
        }
      else if (g_str_equal (a, "--no-process-attribution"))
        args->attribution = NETLENS_WIRE_ATTRIBUTION_NONE;
#ifdef NETLENS_SECCOMP_SELFTEST
      else if (g_str_equal (a, "--seccomp-selftest"))
        args->seccomp_selftest = TRUE;
#endif
      else
        usage_error ("unknown argument '%.64s'", a);
    }

  if (args->interface == NULL)
    usage_error ("--interface is required");
  if (!g_str_equal (args->interface, "any") && if_nametoindex (args->interface) == 0)
    fail (NETLENS_WIRE_ERROR_INTERFACE, "There is no such network interface", args->interface);
}

/* ---- local addresses (rtnetlink) --------------------------------------------------- */

typedef struct
{
  int     fd;
  GArray *addrs;   /* NetlensWireAddress */
  guint32 seq;
} AddrWatch;

static void
build_addresses (GByteArray *out, gconstpointer data)
{
  const GArray *addrs = data;

  netlens_wire_write_addresses (out, (const NetlensWireAddress *) (gconstpointer) addrs->data,
                                addrs->len);
}

static gboolean
addr_watch_open (AddrWatch *w)
{
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
                            .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
  struct
  {
    struct nlmsghdr  nlh;
    struct ifaddrmsg ifa;
  } req = { 0 };
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

  w->addrs = g_array_new (FALSE, TRUE, sizeof (NetlensWireAddress));
  w->fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (w->fd < 0)
    return FALSE;
  if (bind (w->fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      close (w->fd);
      w->fd = -1;
      return FALSE;
    }
  req.nlh.nlmsg_len = sizeof req;
  req.nlh.nlmsg_type = RTM_GETADDR;
  req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nlh.nlmsg_seq = ++w->seq;
  req.ifa.ifa_family = AF_UNSPEC;
  sendto (w->fd, &req, sizeof req, 0, (struct sockaddr *) &kernel, sizeof kernel);
  return TRUE;
}

/* Applies every waiting RTM_NEWADDR/RTM_DELADDR; TRUE when the set changed. */
static gboolean
addr_watch_read (AddrWatch *w)
{
  guint8 buf[16384];
  gboolean changed = FALSE;

  for (;;)
    {
      ssize_t n = recv (w->fd, buf, sizeof buf, MSG_DONTWAIT);
      struct nlmsghdr *h;

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      for (h = (struct nlmsghdr *) buf; NLMSG_OK (h, (guint) n); h = NLMSG_NEXT (h, n))
        {
          struct ifaddrmsg *ifa;
          struct rtattr *rta;
          int rlen;
          NetlensWireAddress a = { 0 };
          gboolean have = FALSE;

          if (h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR)
            continue;
          if (h->nlmsg_len < NLMSG_LENGTH (sizeof *ifa))
            continue;
          ifa = NLMSG_DATA (h);
          if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
            continue;
          a.family = ifa->ifa_family == AF_INET ? 4 : 6;
          a.prefix_len = ifa->ifa_prefixlen;
          rlen = h->nlmsg_len - NLMSG_LENGTH (sizeof *ifa);
          for (rta = IFA_RTA (ifa); RTA_OK (rta, rlen); rta = RTA_NEXT (rta, rlen))
            {
              gsize alen = a.family == 4 ? 4 : 16;

              /* IFA_LOCAL is this end on point-to-point links; IFA_ADDRESS otherwise */
              if ((rta->rta_type == IFA_LOCAL || (rta->rta_type == IFA_ADDRESS && !have))
                  && RTA_PAYLOAD (rta) >= alen)
                {
                  memset (a.addr, 0, sizeof a.addr);
                  memcpy (a.addr, RTA_DATA (rta), alen);
                  have = TRUE;
                }
            }
          if (!have)
            continue;
          for (guint i = 0; i < w->addrs->len; i++)
            {
              NetlensWireAddress *b = &g_array_index (w->addrs, NetlensWireAddress, i);

              if (b->family == a.family && memcmp (b->addr, a.addr, 16) == 0)
                {
                  g_array_remove_index (w->addrs, i);
                  changed = TRUE;
                  break;
                }
            }
          if (h->nlmsg_type == RTM_NEWADDR && w->addrs->len < NETLENS_WIRE_MAX_ADDRESSES)
            {
              g_array_append_val (w->addrs, a);
              changed = TRUE;
            }
        }
    }
  return changed;
}

/* ---- capture ---------------------------------------------------------------------- */

static void
on_packet (u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
  gint64 ts = (gint64) h->ts.tv_sec * G_USEC_PER_SEC + h->ts.tv_usec;

  /* Packets are written in batches, not one write() each: when 64 KiB are buffered, or
   * when the oldest has waited 10 ms (the capture loop's poll timeout sees to that). */
  g_mutex_lock (&out_lock);
  if (out_oldest_us == 0)
    out_oldest_us = g_get_monotonic_time ();
  netlens_wire_write_packet (out_buf, ts, h->caplen, MAX (h->len, h->caplen), bytes);
  packets_sent++;
  if (out_buf->len >= OUT_FLUSH_BYTES)
    flush_locked ();
  g_mutex_unlock (&out_lock);
}

static pcap_t *
open_capture (const Args *args)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = pcap_create (args->interface, errbuf);
  struct bpf_program prog;
  int rc;

  if (p == NULL)
    fail (NETLENS_WIRE_ERROR_CAPTURE, "Could not open the interface for capture", errbuf);
  pcap_set_snaplen (p, (int) args->snaplen);
  pcap_set_promisc (p, args->promiscuous ? 1 : 0);
  /* The kernel hands over packets a block at a time (TPACKET_V3: one wakeup per block, not
   * per packet), a block retired after at most KERNEL_TIMEOUT_MS even when not full; with the
   * helper's own batching (OUT_FLUSH_DELAY_US) a packet still reaches netlens within 10 ms. */
  pcap_set_immediate_mode (p, 0);
  pcap_set_timeout (p, KERNEL_TIMEOUT_MS);
  pcap_set_buffer_size (p, BUFFER_SIZE);
  rc = pcap_activate (p);
  if (rc < 0)
    {
      g_autofree char *detail = g_strdup_printf ("%s: %s", args->interface, pcap_geterr (p));
      guint32 code = NETLENS_WIRE_ERROR_CAPTURE;
      const char *primary = "Could not start the capture";

      if (rc == PCAP_ERROR_PERM_DENIED)
        {
          code = NETLENS_WIRE_ERROR_PERMISSION;
          primary = "Not allowed to capture on this interface";
        }
      else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
        {
          code = NETLENS_WIRE_ERROR_INTERFACE;
          primary = "There is no such network interface";
        }
      else if (rc == PCAP_ERROR_IFACE_NOT_UP)
        {
          code = NETLENS_WIRE_ERROR_INTERFACE;
          primary = "The network interface is down";
        }
      fail (code, primary, detail);
    }
  else if (rc > 0)
    g_printerr ("netlens-capture: %s: %s\n", args->interface, pcap_statustostr (rc));

  if (args->filter != NULL)
    {
      if (pcap_compile (p, &prog, args->filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
        {
          g_autofree char *detail = g_strdup_printf ("'%s': %s", args->filter, pcap_geterr (p));
          fail (NETLENS_WIRE_ERROR_FILTER, "The capture filter is not valid", detail);
        }
      if (pcap_setfilter (p, &prog) < 0)
        fail (NETLENS_WIRE_ERROR_FILTER, "The capture filter could not be set", pcap_geterr (p));
      pcap_freecode (&prog);
    }
  if (pcap_setnonblock (p, 1, errbuf) < 0)
    fail (NETLENS_WIRE_ERROR_CAPTURE, "Could not start the capture", errbuf);
  return p;
}

static guint64
current_netns_inode (void)
{
  struct stat st;

  if (stat ("/proc/self/ns/net", &st) < 0)
    return 0;
  return st.st_ino;
}

static void
on_stop_signal (int sig)
{
  stop_requested = 1;
}

typedef struct
{
  NetlensWireHello hello;
} HelloInfo;

static void
build_hello (GByteArray *out, gconstpointer data)
{
  netlens_wire_write_hello (out, data);
}

static void
build_stats (GByteArray *out, gconstpointer data)
{
  netlens_wire_write_stats (out, data);
}

int
main (int argc, char **argv)
{
  Args args;
  pcap_t *p;
  NetlensOwners *owners = NULL;
  NetlensWireHello hello = { 0 };
  g_autofree char *note = NULL;
  AddrWatch addr_watch = { -1, NULL, 0 };
  struct sigaction sa = { 0 };
  pid_t parent = getppid ();
  gint64 next_stats;
  guint64 netns;
  int pcap_fd;

  /* a closed pipe is an error from write(), not a signal */
  signal (SIGPIPE, SIG_IGN);
  sa.sa_handler = on_stop_signal;
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);

  out_buf = g_byte_array_sized_new (OUT_FLUSH_BYTES * 2);
  parse_args (argc, argv, &args);

  netns = current_netns_inode ();
  p = open_capture (&args);
  pcap_fd = pcap_get_selectable_fd (p);
  if (pcap_fd < 0)
    fail (NETLENS_WIRE_ERROR_CAPTURE, "Could not start the capture",
          "the capture handle has no descriptor to wait on");

  hello.requested = args.attribution;
  hello.attribution = args.attribution;
  if (args.attribution != NETLENS_WIRE_ATTRIBUTION_NONE)
    {
      owners = netlens_owners_new (netns, emit_owner, NULL);
      if (args.attribution == NETLENS_WIRE_ATTRIBUTION_BPF)
        {
          g_autofree char *why = NULL;

          hello.probes = netlens_owners_bpf_start (owners, &why);
          if (hello.probes == 0)
            {
              /* proc mode still names long-lived programs; say why in the hello */
              hello.attribution = NETLENS_WIRE_ATTRIBUTION_PROC;
              note = g_strdup_printf ("eBPF process attribution is unavailable (%s); "
                                      "scanning /proc instead, which misses short "
                                      "connections", why);
              g_printerr ("netlens-capture: %s\n", note);
            }
        }
    }

  hello.link_type = pcap_datalink (p);
  hello.snaplen = (guint32) pcap_snapshot (p);
  if (hello.snaplen == 0 || hello.snaplen > NETLENS_WIRE_MAX_SNAPLEN)
    hello.snaplen = args.snaplen;
  hello.netns_inode = netns;
  hello.helper_pid = (guint32) getpid ();
  hello.interface = (char *) args.interface;
  hello.note = note;
  if (owners != NULL)
    hello.probes |= NETLENS_WIRE_PROBE_PROC_SCAN;
  send_frame (build_hello, &hello);

  if (addr_watch_open (&addr_watch))
    {
      addr_watch_read (&addr_watch);
      send_frame (build_addresses, addr_watch.addrs);
    }

  /* sockets that existed before the capture: one scan, with privileges */
  if (owners != NULL)
    {
      g_autofree char *why = NULL;

      if (!netlens_owners_scan (owners, &why))
        g_printerr ("netlens-capture: process scan failed: %s\n", why);
    }

  {
    g_autofree char *why = NULL;

    if (!netlens_capture_drop_privileges (hello.attribution == NETLENS_WIRE_ATTRIBUTION_PROC
                                          && owners != NULL, &why))
      fail (NETLENS_WIRE_ERROR_PRIVILEGES, "The capture helper could not drop its privileges",
            why);
    netlens_capture_watch_parent ();
    if (getppid () != parent)
      _exit (0);
    /* capabilities, the bounding set and NO_NEW_PRIVS are per thread: the scan thread
     * starts after the drop so that it inherits exactly what the main thread kept */
    if (owners != NULL && hello.attribution == NETLENS_WIRE_ATTRIBUTION_PROC)
      netlens_owners_start_scan_thread (owners, PROC_SCAN_INTERVAL);
    if (!netlens_capture_install_seccomp (&why))
      fail (NETLENS_WIRE_ERROR_PRIVILEGES, "The capture helper could not restrict itself", why);
  }

#ifdef NETLENS_SECCOMP_SELFTEST
  if (args.seccomp_selftest)
    {
      /* a call outside the allow-list: the filter must kill us with SIGSYS here */
      syscall (SYS_socket, AF_INET, SOCK_STREAM, 0);
      fail (NETLENS_WIRE_ERROR_INTERNAL, "The seccomp filter did not stop a forbidden call",
            NULL);
    }
#endif

  next_stats = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (!stop_requested && !g_atomic_int_get (&stdout_broken))
    {
      struct pollfd fds[5];
      int nfds = 0, i_pcap, i_stdin, i_stdout, i_bpf = -1, i_addr = -1;
      gint64 now;
      int rc;

      i_pcap = nfds;
      fds[nfds++] = (struct pollfd) { pcap_fd, POLLIN, 0 };
      i_stdin = nfds;
      fds[nfds++] = (struct pollfd) { STDIN_FILENO, POLLIN, 0 };
      /* a pipe's write end reports POLLERR once the reader is gone */
      i_stdout = nfds;
      fds[nfds++] = (struct pollfd) { STDOUT_FILENO, 0, 0 };
      if (owners != NULL && netlens_owners_bpf_fd (owners) >= 0)
        {
          i_bpf = nfds;
          fds[nfds++] = (struct pollfd) { netlens_owners_bpf_fd (owners), POLLIN, 0 };
        }
      if (addr_watch.fd >= 0)
        {
          i_addr = nfds;
          fds[nfds++] = (struct pollfd) { addr_watch.fd, POLLIN, 0 };
        }

      {
        int timeout = 100;
        gint64 oldest;

        g_mutex_lock (&out_lock);
        oldest = out_oldest_us;
        g_mutex_unlock (&out_lock);
        if (oldest != 0)
          {
            gint64 left = oldest + OUT_FLUSH_DELAY_US - g_get_monotonic_time ();

            timeout = left <= 0 ? 0 : (int) MIN (100, (left + 999) / 1000);
          }
        rc = poll (fds, nfds, timeout);
      }
      if (rc < 0 && errno != EINTR)
        fail (NETLENS_WIRE_ERROR_INTERNAL, "The capture loop failed", g_strerror (errno));

      if (rc > 0)
        {
          if (fds[i_stdin].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
            {
              char junk[256];
              ssize_t n = read (STDIN_FILENO, junk, sizeof junk);

              /* end of file (or a broken stdin): netlens asks us to stop */
              if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
                break;
            }
          if (fds[i_stdout].revents & (POLLERR | POLLHUP | POLLNVAL))
            break;
          if (fds[i_pcap].revents & (POLLIN | POLLERR))
            {
              int n;

              do
                n = pcap_dispatch (p, 512, on_packet, NULL);
              while (n > 0 && !g_atomic_int_get (&stdout_broken));
              if (n == PCAP_ERROR)
                {
                  /* "The interface disappeared" / "went down": say which */
                  char *detail = g_strdup_printf ("%s: %s", args.interface, pcap_geterr (p));

                  fail (NETLENS_WIRE_ERROR_INTERFACE, "The capture stopped", detail);
                }
            }
          if (i_bpf >= 0 && (fds[i_bpf].revents & POLLIN))
            netlens_owners_bpf_poll (owners);
          if (i_addr >= 0 && (fds[i_addr].revents & POLLIN) && addr_watch_read (&addr_watch))
            send_frame (build_addresses, addr_watch.addrs);
        }

      if (getppid () != parent)
        break;

      now = g_get_monotonic_time ();
      g_mutex_lock (&out_lock);
      if (out_oldest_us != 0 && now - out_oldest_us >= OUT_FLUSH_DELAY_US)
        flush_locked ();
      g_mutex_unlock (&out_lock);
      if (now >= next_stats)
        {
          struct pcap_stat ps = { 0 };
          NetlensWireStats stats = { 0 };

          if (pcap_stats (p, &ps) == 0)
            {
              stats.received = ps.ps_recv;
              stats.dropped = ps.ps_drop;
              stats.ifdropped = ps.ps_ifdrop;
            }
          stats.ts_us = g_get_real_time ();
          stats.owner_events_lost = owners != NULL ? netlens_owners_get_lost (owners) : 0;
          g_mutex_lock (&out_lock);
          stats.packets_sent = packets_sent;
          g_mutex_unlock (&out_lock);
          send_frame (build_stats, &stats);
          next_stats = now + G_USEC_PER_SEC;
        }
    }

  /* what is buffered still goes out (netlens reads until the pipe closes) */
  g_mutex_lock (&out_lock);
  flush_locked ();
  g_mutex_unlock (&out_lock);

  /* no cleanup: the kernel closes the capture and detaches the probes with the descriptors,
   * and a clean-up path would only widen the seccomp list */
  _exit (0);
}
