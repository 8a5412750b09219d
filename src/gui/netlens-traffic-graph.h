/* netlens-traffic-graph.h: a live rx/tx rate graph over the last minutes
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define NETLENS_TYPE_TRAFFIC_GRAPH (netlens_traffic_graph_get_type ())

G_DECLARE_FINAL_TYPE (NetlensTrafficGraph, netlens_traffic_graph, NETLENS, TRAFFIC_GRAPH, GtkWidget)

GtkWidget *netlens_traffic_graph_new        (void);
/* One sample: the rates (bytes per second) at TIME_US (the pipeline's clock).  Cheap
 * while the graph is not mapped: the sample is stored, nothing is drawn. */
void       netlens_traffic_graph_push       (NetlensTrafficGraph *self,
                                             gint64               time_us,
                                             double               rx_rate,
                                             double               tx_rate);
void       netlens_traffic_graph_clear      (NetlensTrafficGraph *self);
/* Seconds shown (the "span" property, default 300). */
guint      netlens_traffic_graph_get_span   (NetlensTrafficGraph *self);
void       netlens_traffic_graph_set_span   (NetlensTrafficGraph *self,
                                             guint                seconds);
/* Units of the axis: bits per second instead of bytes (the "bits" property). */
gboolean   netlens_traffic_graph_get_bits   (NetlensTrafficGraph *self);
void       netlens_traffic_graph_set_bits   (NetlensTrafficGraph *self,
                                             gboolean             bits);

/* The top of the vertical axis in bytes per second: a round number (1, 2 or 5
 * times a power of ten, in the chosen units) above every visible sample. */
double     netlens_traffic_graph_get_scale  (NetlensTrafficGraph *self);
/* The axis label at the top ("2 MB/s"); free it. */
char      *netlens_traffic_graph_dup_scale_label (NetlensTrafficGraph *self);
/* How many times it has drawn (tests: nothing while unmapped). */
guint      netlens_traffic_graph_get_n_draws (NetlensTrafficGraph *self);

G_END_DECLS
