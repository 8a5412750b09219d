/* netlens-options.h: the command line (DESIGN.md "Command line")
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit codes (DESIGN.md) */
enum
{
  NETLENS_EXIT_OK = 0,
  NETLENS_EXIT_USAGE = 1,
  NETLENS_EXIT_UNREADABLE = 2,
  NETLENS_EXIT_PARTIAL = 3,
  NETLENS_EXIT_CAPTURE = 4,
};

typedef enum
{
  NETLENS_ATTRIBUTION_BPF = 0,
  NETLENS_ATTRIBUTION_PROC,
  NETLENS_ATTRIBUTION_NONE,
} NetlensAttribution;

typedef struct
{
  char     *interface;          /* -i, --interface */
  char     *read_file;          /* --read */
  char     *bpf;                /* -f, --bpf, --bpf-filter */
  int       refresh_ms;         /* -r, --refresh-interval (default 1000) */
  gboolean  no_localhost;       /* --no-localhost */
  gboolean  no_dpi;             /* --no-dpi */
  int       workers;            /* --workers (0 = default) */
  int       max_connections;    /* --max-connections (0 = default) */
  NetlensAttribution attribution; /* --attribution */
  gboolean  attribution_set;
  char     *export_format;      /* --export json|jsonl|csv: headless */
  char     *output;             /* --output */
  char     *filter;             /* --filter */
  double    duration;           /* --duration SECONDS (0 = until SIGINT/SIGTERM) */
  char     *write_file;         /* --write FILE.pcapng */
  char     *history_db;         /* --history-db */
  gboolean  no_history;         /* --no-history */
  gboolean  history;            /* --history */
  char     *since;              /* --since */
  char     *until;              /* --until */
  char     *log_level;          /* -l, --log-level */
  gboolean  version;            /* -V */
  char    **remaining;          /* file arguments (the GUI opens them) */
  /* which options were given explicitly, so they override GSettings for the run */
  gboolean  refresh_set;
  gboolean  dpi_set;
  gboolean  localhost_set;
} NetlensOptions;

NetlensOptions *netlens_options_new        (void);
void            netlens_options_free       (NetlensOptions *options);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensOptions, netlens_options_free)
/* Parses and validates ARGV (GLib option parsing); removes what it consumed.
 * On error: the message for the user, and the caller exits with NETLENS_EXIT_USAGE. */
gboolean        netlens_options_parse      (NetlensOptions *options,
                                            int            *argc,
                                            char         ***argv,
                                            GError        **error);
/* TRUE when the run is headless (--export or --history): no window, no display. */
gboolean        netlens_options_is_headless (const NetlensOptions *options);
/* Set up g_log for --log-level (logging is off by default). */
void            netlens_options_apply_log_level (const NetlensOptions *options);

G_END_DECLS
