/* netlens-services.h
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *netlens_service_lookup    (guint16  port,
                                       gboolean udp);
const char *netlens_service_for_ports (guint16  local_port,
                                       guint16  remote_port,
                                       gboolean udp);

G_END_DECLS
