/* netlens-test-corpus.h: shared by the tests that read ../shared/corpus
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "netlens-pipeline.h"

G_BEGIN_DECLS

/* The corpus folder (NETLENS_CORPUS, set by tests/meson.build), or NULL when it is
 * absent.  When absent: with CI=true the test fails, otherwise it is skipped with a
 * message.  Call at the top of a test case; FALSE means return now. */
gboolean   netlens_test_corpus_available (const char **dir);
/* File names of every capture in the corpus, sorted. */
GPtrArray *netlens_test_corpus_captures  (const char  *dir);
/* The tshark oracle for CAPTURE (expected/<capture>.json). */
JsonNode  *netlens_test_corpus_oracle    (const char  *dir,
                                          const char  *capture);
/* Runs CAPTURE through the real pipeline and JSON export in-process; returns the
 * parsed export.  *DAMAGED is set when the file was cut (may be NULL). */
JsonNode  *netlens_test_export_file      (const char  *path,
                                          gboolean     dpi,
                                          guint        n_workers,
                                          gboolean    *damaged,
                                          GError     **error);

G_END_DECLS
