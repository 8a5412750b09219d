/* netlens-file-source.h: capture files (pcap, pcapng) into a pipeline
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "netlens-pipeline.h"

G_BEGIN_DECLS

#define NETLENS_FILE_ERROR (netlens_file_error_quark ())

typedef enum
{
  NETLENS_FILE_ERROR_OPEN,        /* missing, unreadable */
  NETLENS_FILE_ERROR_FORMAT,      /* not a pcap or pcapng file, or damaged before any packet */
  NETLENS_FILE_ERROR_LINK_TYPE,   /* a link type Netlens does not decode */
  NETLENS_FILE_ERROR_DAMAGED,     /* damaged after some packets (a partial result) */
  NETLENS_FILE_ERROR_CANCELLED,
} NetlensFileError;

GQuark netlens_file_error_quark (void);

typedef struct
{
  int      link_type;       /* the LINKTYPE_ number */
  guint64  packets;         /* frames read */
  gint64   first_ts_us;
  gint64   last_ts_us;
  gboolean nanosecond;      /* the file's timestamps had nanosecond precision */
  GError  *damage;          /* NETLENS_FILE_ERROR_DAMAGED when the file was cut or damaged */
  guint64  damage_offset;   /* byte offset of the first damaged record */
} NetlensFileInfo;

void     netlens_file_info_clear   (NetlensFileInfo *info);

/* Reads PATH into PIPELINE (which it does not finish).  FALSE with ERROR when the file
 * cannot be read at all; TRUE otherwise, with INFO->damage set for a partial result.
 * PROGRESS (may be NULL) is called every few thousand packets with the bytes read. */
gboolean netlens_file_source_read  (NetlensPipeline *pipeline,
                                    const char      *path,
                                    NetlensFileInfo *info,
                                    void           (*progress) (guint64 offset, guint64 size, gpointer data),
                                    gpointer         progress_data,
                                    GCancellable    *cancellable,
                                    GError         **error);

typedef enum
{
  NETLENS_FILE_READ_DEFAULT = 0,
  /* every record through libpcap (the reference the faster classic pcap reader is
   * compared with in the tests) */
  NETLENS_FILE_READ_LIBPCAP = 1 << 0,
} NetlensFileReadFlags;

gboolean netlens_file_source_read_full (NetlensPipeline     *pipeline,
                                        const char          *path,
                                        NetlensFileReadFlags flags,
                                        NetlensFileInfo     *info,
                                        void               (*progress) (guint64 offset, guint64 size, gpointer data),
                                        gpointer             progress_data,
                                        GCancellable        *cancellable,
                                        GError             **error);

G_END_DECLS
