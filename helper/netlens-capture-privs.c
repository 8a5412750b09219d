/* netlens-capture-privs.c: giving up privileges, and the seccomp allow-list of the loop
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the helper keeps once the capture runs (docs/capture.md says the same):
 *  - BPF and "none" modes: no capabilities at all.  The pcap socket, its ring and the
 *    eBPF ring buffer are open descriptors and stay usable without any.
 *  - proc mode: CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, effective.  Reading another user's
 *    /proc/PID/fd needs both (measured: either alone is refused).
 *  - uid and gid "nobody" whenever it may change them (started through pkexec or as root),
 *    no supplementary groups, an empty bounding set, PR_SET_NO_NEW_PRIVS.
 *  - a seccomp filter that kills the process on any system call outside the list below.
 *
 * The list comes from `strace -f -c` of the real loop in both modes (tests/helper checks
 * that a call outside it is fatal): libpcap's loop needs poll and getsockopt
 * (PACKET_STATISTICS, SO_ERROR) and getsockname when the interface goes away; the eBPF ring
 * buffer epoll_wait; the /proc scan openat, getdents64, readlinkat, fstat, and the sock_diag
 * socket sendto/recvfrom; the rtnetlink address watch recvfrom; GLib and malloc futex,
 * brk, mmap, munmap, madvise; the stop paths exit_group and rt_sigreturn.
 */

#define _GNU_SOURCE  /* setresuid */
#define G_LOG_DOMAIN "netlens-capture"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/capability.h>
#include <seccomp.h>

#include "netlens-capture-privs.h"

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (cap_t, cap_free, NULL)

/* the kernel's O_TMPFILE bit alone: glibc's __O_TMPFILE includes O_DIRECTORY, and
 * opendir() must keep working */
#define TMPFILE_BIT 020000000

gboolean
netlens_capture_drop_privileges (gboolean   keep_proc_scan,
                                 char     **error_message)
{
  cap_value_t keep[] = { CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };
  g_auto(cap_t) caps = cap_get_proc ();
  cap_flag_value_t can_setuid = CAP_CLEAR, can_setpcap = CAP_CLEAR;
  uid_t uid = 65534;
  gid_t gid = 65534;
  struct passwd *pw;

  if (caps == NULL)
    {
      *error_message = g_strdup_printf ("cap_get_proc: %s", g_strerror (errno));
      return FALSE;
    }
  cap_get_flag (caps, CAP_SETUID, CAP_EFFECTIVE, &can_setuid);
  cap_get_flag (caps, CAP_SETPCAP, CAP_EFFECTIVE, &can_setpcap);

  /* the bounding set: nothing can come back through an exec either */
  if (can_setpcap == CAP_SET)
    {
      for (int c = 0; c <= CAP_LAST_CAP; c++)
        if (prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
          {
            *error_message = g_strdup_printf ("PR_CAPBSET_DROP: %s", g_strerror (errno));
            return FALSE;
          }
    }

  if (can_setuid == CAP_SET)
    {
      pw = getpwnam ("nobody");
      if (pw != NULL)
        {
          uid = pw->pw_uid;
          gid = pw->pw_gid;
        }
      /* keep the permitted set across the uid change; the caps are trimmed right after */
      if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0
          || setgroups (0, NULL) < 0
          || setresgid (gid, gid, gid) < 0
          || setresuid (uid, uid, uid) < 0)
        {
          *error_message = g_strdup_printf ("changing to user nobody: %s", g_strerror (errno));
          return FALSE;
        }
      prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0);
    }

  /* keep only what is still permitted (a setcap'd helper may not have both) */
  {
    g_auto(cap_t) now = cap_get_proc ();
    cap_value_t kept[G_N_ELEMENTS (keep)];
    int n_kept = 0;

    for (guint i = 0; keep_proc_scan && now != NULL && i < G_N_ELEMENTS (keep); i++)
      {
        cap_flag_value_t v = CAP_CLEAR;

        cap_get_flag (now, keep[i], CAP_PERMITTED, &v);
        if (v == CAP_SET)
          kept[n_kept++] = keep[i];
      }
    cap_clear (caps);
    if (n_kept > 0)
      {
        cap_set_flag (caps, CAP_PERMITTED, n_kept, kept, CAP_SET);
        cap_set_flag (caps, CAP_EFFECTIVE, n_kept, kept, CAP_SET);
      }
  }
  if (cap_set_proc (caps) < 0)
    {
      *error_message = g_strdup_printf ("cap_set_proc: %s", g_strerror (errno));
      return FALSE;
    }
#ifdef PR_CAP_AMBIENT
  prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
#endif

  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    {
      *error_message = g_strdup_printf ("PR_SET_NO_NEW_PRIVS: %s", g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

void
netlens_capture_watch_parent (void)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
}

gboolean
netlens_capture_install_seccomp (char **error_message)
{
  static const int allowed[] = {
    /* the loop */
    SCMP_SYS (read), SCMP_SYS (write), SCMP_SYS (writev), SCMP_SYS (poll), SCMP_SYS (ppoll),
    SCMP_SYS (epoll_wait), SCMP_SYS (epoll_pwait), SCMP_SYS (clock_gettime),
    SCMP_SYS (clock_nanosleep), SCMP_SYS (nanosleep), SCMP_SYS (gettimeofday),
    SCMP_SYS (getppid), SCMP_SYS (getpid), SCMP_SYS (gettid),
    /* libpcap: statistics and SO_ERROR, the interface name when it goes away */
    SCMP_SYS (getsockopt), SCMP_SYS (getsockname),
    /* netlink: sock_diag scans and the address watch */
    SCMP_SYS (sendto), SCMP_SYS (recvfrom), SCMP_SYS (recvmsg), SCMP_SYS (sendmsg),
    /* /proc reads (openat is limited to read-only below) */
    SCMP_SYS (close), SCMP_SYS (fstat), SCMP_SYS (newfstatat), SCMP_SYS (statx),
    SCMP_SYS (lseek), SCMP_SYS (getdents64), SCMP_SYS (readlink), SCMP_SYS (readlinkat),
    SCMP_SYS (fcntl),
    /* memory and threads (malloc, GLib) */
    SCMP_SYS (brk), SCMP_SYS (munmap), SCMP_SYS (mremap), SCMP_SYS (madvise),
    SCMP_SYS (futex), SCMP_SYS (sched_yield), SCMP_SYS (set_robust_list),
    SCMP_SYS (rseq), SCMP_SYS (getrandom),
    /* signals and ending */
    SCMP_SYS (rt_sigreturn), SCMP_SYS (rt_sigprocmask), SCMP_SYS (restart_syscall),
    SCMP_SYS (exit), SCMP_SYS (exit_group),
  };
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_KILL_PROCESS);
  int rc = 0;

  if (ctx == NULL)
    {
      *error_message = g_strdup ("seccomp_init failed");
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (allowed) && rc == 0; i++)
    rc = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, allowed[i], 0);
  /* files: read-only opens only */
  if (rc == 0)
    rc = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (openat), 1,
                           SCMP_A2 (SCMP_CMP_MASKED_EQ,
                                    O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | TMPFILE_BIT,
                                    O_RDONLY));
  /* libpcap, when the interface goes away (POLLERR, ENETDOWN): it reads the interface's
   * flags to tell "went down" from "disappeared" (ioctl SIOCGIFFLAGS on the capture socket;
   * found by tests/gui/test-faults.c, the helper was killed by SIGSYS).  Only that request. */
  if (rc == 0)
    rc = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1,
                           SCMP_A1 (SCMP_CMP_EQ, SIOCGIFFLAGS));
  /* GLib names its threads (prctl PR_SET_NAME) from inside the new thread, which may run
   * after the filter is on */
  if (rc == 0)
    rc = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (prctl), 1,
                           SCMP_A0 (SCMP_CMP_EQ, PR_SET_NAME));
  /* memory: never executable */
  if (rc == 0)
    rc = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (mmap), 1,
                           SCMP_A2 (SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  if (rc == 0)
    rc = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (mprotect), 1,
                           SCMP_A2 (SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  /* the proc-mode scan thread is already running: filter it too (TSYNC) */
  if (rc == 0)
    rc = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_TSYNC, 1);
  if (rc == 0)
    rc = seccomp_load (ctx);
  seccomp_release (ctx);
  if (rc != 0)
    {
      *error_message = g_strdup_printf ("installing the seccomp filter: %s", g_strerror (-rc));
      return FALSE;
    }
  return TRUE;
}
