/* netlens-query.c: the filter bar's query language (parser, matcher, relation)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-query"

#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include <glib.h>
#include <glib/gi18n-lib.h>

#include "netlens-connection.h"
#include "netlens-dpi.h"
#include "netlens-query.h"

/* The syntax (docs/query.md):
 *
 *   query   := or
 *   or      := and ( ("|" | "||") and )*
 *   and     := unary ( ["&" | "&&"] unary )*
 *   unary   := "!" unary | "(" or ")" | term
 *   term    := [keyword ":"] value
 *   value   := word | "\"" text "\"" | "/" regex "/"
 *
 * A query is parsed once per edit into a small tree whose values are already
 * lower-cased (or compiled, for regexes), so that matching a row formats numbers
 * and addresses into stack buffers and allocates nothing. */

/* Above this many nodes relation() answers DIFFERENT instead of walking the trees. */
#define RELATION_MAX_NODES 64
/* Deeper nesting than this is refused rather than risking the stack. */
#define MAX_DEPTH 64

typedef enum
{
  FIELD_ANY = 0,  /* bare word: every field */
  FIELD_PORT,
  FIELD_SPORT,
  FIELD_DPORT,
  FIELD_SRC,
  FIELD_DST,
  FIELD_PROTO,
  FIELD_PROCESS,
  FIELD_PID,
  FIELD_USER,
  FIELD_CMDLINE,
  FIELD_SNI,
  FIELD_HOST,
  FIELD_NAME,
  FIELD_SSH,
  FIELD_STATE,
  FIELD_SERVICE,
  FIELD_APP,
  FIELD_COUNTRY,
  FIELD_ASN,
  N_FIELDS
} Field;

/* Canonical keyword of each field, as to_string() writes it. */
static const char * const field_names[N_FIELDS] = {
  [FIELD_ANY] = NULL,
  [FIELD_PORT] = "port",
  [FIELD_SPORT] = "sport",
  [FIELD_DPORT] = "dport",
  [FIELD_SRC] = "src",
  [FIELD_DST] = "dst",
  [FIELD_PROTO] = "proto",
  [FIELD_PROCESS] = "process",
  [FIELD_PID] = "pid",
  [FIELD_USER] = "user",
  [FIELD_CMDLINE] = "cmdline",
  [FIELD_SNI] = "sni",
  [FIELD_HOST] = "host",
  [FIELD_NAME] = "name",
  [FIELD_SSH] = "ssh",
  [FIELD_STATE] = "state",
  [FIELD_SERVICE] = "service",
  [FIELD_APP] = "app",
  [FIELD_COUNTRY] = "country",
  [FIELD_ASN] = "asn",
};

/* Every keyword and alias.  None may consist of hexadecimal digits only: such a
 * prefix is read as the start of an IPv6 or MAC address ("fe80::1", "aa:bb:…"). */
static const struct
{
  const char *keyword;
  Field       field;
} keywords[] = {
  { "port", FIELD_PORT },
  { "sport", FIELD_SPORT },
  { "lport", FIELD_SPORT },
  { "srcport", FIELD_SPORT },
  { "src_port", FIELD_SPORT },
  { "local_port", FIELD_SPORT },
  { "dport", FIELD_DPORT },
  { "rport", FIELD_DPORT },
  { "dstport", FIELD_DPORT },
  { "dst_port", FIELD_DPORT },
  { "remote_port", FIELD_DPORT },
  { "src", FIELD_SRC },
  { "local", FIELD_SRC },
  { "laddr", FIELD_SRC },
  { "saddr", FIELD_SRC },
  { "dst", FIELD_DST },
  { "remote", FIELD_DST },
  { "raddr", FIELD_DST },
  { "daddr", FIELD_DST },
  { "proto", FIELD_PROTO },
  { "protocol", FIELD_PROTO },
  { "process", FIELD_PROCESS },
  { "proc", FIELD_PROCESS },
  { "program", FIELD_PROCESS },
  { "comm", FIELD_PROCESS },
  { "pid", FIELD_PID },
  { "user", FIELD_USER },
  { "uid", FIELD_USER },
  { "cmdline", FIELD_CMDLINE },
  { "cmd", FIELD_CMDLINE },
  { "command", FIELD_CMDLINE },
  { "sni", FIELD_SNI },
  { "host", FIELD_HOST },
  { "http_host", FIELD_HOST },
  { "name", FIELD_NAME },
  { "hostname", FIELD_NAME },
  { "ssh", FIELD_SSH },
  { "state", FIELD_STATE },
  { "status", FIELD_STATE },
  { "service", FIELD_SERVICE },
  { "svc", FIELD_SERVICE },
  { "app", FIELD_APP },
  { "application", FIELD_APP },
  { "country", FIELD_COUNTRY },
  { "geo", FIELD_COUNTRY },
  { "asn", FIELD_ASN },
  { "as", FIELD_ASN },
  { "org", FIELD_ASN },
  { "as_org", FIELD_ASN },
};

typedef enum
{
  NODE_TRUE,
  NODE_AND,
  NODE_OR,
  NODE_NOT,
  NODE_TERM,
} NodeKind;

typedef enum
{
  MODE_SUBSTR,  /* word: case-insensitive substring */
  MODE_EXACT,   /* "quoted": case-insensitive equality */
  MODE_REGEX,   /* /regex/: case-insensitive GRegex */
  MODE_CIDR,    /* 10.0.0.0/8 after an address keyword (or bare): address prefix */
  MODE_RANGE,   /* 1000-2000, <1024, >=49152 after a port keyword or pid: numeric range */
} ValueMode;

typedef struct _Node Node;
struct _Node
{
  NodeKind    kind;
  guint       n_children;  /* AND, OR; NOT has one */
  Node      **children;

  /* NODE_TERM */
  Field       field;
  ValueMode   mode;
  char       *value;       /* lower-cased; the pattern as typed for MODE_REGEX */
  gsize       value_len;
  GRegex     *regex;
  GRegex     *multiline_regex;  /* bare /regex/: the same, for fields joined by newlines */
  gboolean    regex_utf8;       /* the pattern is not ASCII: compiled for UTF-8 text */
  /* Whether the value can match a decimal number, an address ("192.0.2.1", "2001:db8::1",
   * "aa:bb:…") or "AS64500": when not, those fields are not even formatted. */
  guint       may_be_number : 1;
  guint       may_be_address : 1;
  guint       may_be_asn : 1;
  /* Which names of the small fixed vocabularies the value matches, found once at parse
   * time so that matching a row tests a bit: bit N is set when the name of value N of
   * NetlensState, NetlensAppState, NetlensApp or NetlensProto (fixed names only) matches. */
  guint32     state_mask;
  guint32     app_state_mask;
  guint32     app_mask;
  guint32     proto_mask;
  guint32     range_lo;    /* MODE_RANGE, inclusive */
  guint32     range_hi;
  guint8      cidr_family; /* NETLENS_FAMILY_IPV4 / IPV6 */
  guint8      cidr_bits;
  NetlensAddr cidr_addr;
};

struct _NetlensQuery
{
  gatomicrefcount ref_count;
  Node           *root;
  char           *string;
  guint           n_nodes;
};

G_STATIC_ASSERT (NETLENS_N_STATES <= 32 && NETLENS_N_APP_STATES <= 32);
G_STATIC_ASSERT (NETLENS_N_APPS <= 32 && NETLENS_N_PROTOS <= 32);

G_DEFINE_QUARK (netlens-query-error-quark, netlens_query_error)

static void compute_masks (Node *node);

/* ------------------------------------------------------------------------ */
/* Nodes */

static Node *
node_new (NodeKind kind)
{
  Node *node = g_new0 (Node, 1);

  node->kind = kind;
  return node;
}

static void
node_free (Node *node)
{
  if (node == NULL)
    return;
  for (guint i = 0; i < node->n_children; i++)
    node_free (node->children[i]);
  g_free (node->children);
  g_free (node->value);
  g_clear_pointer (&node->regex, g_regex_unref);
  g_clear_pointer (&node->multiline_regex, g_regex_unref);
  g_free (node);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, node_free)

static guint
node_count (const Node *node)
{
  guint n = 1;

  for (guint i = 0; i < node->n_children; i++)
    n += node_count (node->children[i]);
  return n;
}

/* Makes an AND or OR node of CHILDREN (stolen), flattening nested nodes of the same kind. */
static Node *
node_new_list (NodeKind   kind,
               GPtrArray *children)
{
  g_autoptr(GPtrArray) flat = g_ptr_array_new ();
  Node *node;

  g_assert (kind == NODE_AND || kind == NODE_OR);

  if (children->len == 1)
    return g_ptr_array_steal_index (children, 0);

  for (guint i = 0; i < children->len; i++)
    {
      Node *child = g_ptr_array_index (children, i);

      if (child->kind == kind)
        {
          for (guint j = 0; j < child->n_children; j++)
            g_ptr_array_add (flat, child->children[j]);
          child->n_children = 0;
          node_free (child);
        }
      else
        g_ptr_array_add (flat, child);
    }
  g_ptr_array_set_size (children, 0);

  node = node_new (kind);
  node->n_children = flat->len;
  node->children = (Node **) g_ptr_array_free (g_steal_pointer (&flat), FALSE);
  return node;
}

/* ------------------------------------------------------------------------ */
/* Parser */

typedef struct
{
  const char *text;
  gsize       len;
  gsize       pos;
  guint       depth;
  GError     *error;
  gsize       err_start;
  gsize       err_end;
} Parser;

static gboolean
is_delimiter (char c)
{
  return c == '\0' || g_ascii_isspace (c) || c == '(' || c == ')' || c == '|';
}

static char
peek (const Parser *p)
{
  return p->pos < p->len ? p->text[p->pos] : '\0';
}

static void
skip_space (Parser *p)
{
  while (p->pos < p->len && g_ascii_isspace (p->text[p->pos]))
    p->pos++;
}

static Node *
fail (Parser     *p,
      int         code,
      gsize       start,
      gsize       end,
      const char *format,
      ...) G_GNUC_PRINTF (5, 6);

static Node *
fail (Parser     *p,
      int         code,
      gsize       start,
      gsize       end,
      const char *format,
      ...)
{
  va_list args;

  if (p->error != NULL)
    return NULL;

  va_start (args, format);
  p->error = g_error_new_valist (NETLENS_QUERY_ERROR, code, format, args);
  va_end (args);
  p->err_start = MIN (start, p->len);
  p->err_end = MAX (MIN (end, p->len), p->err_start);
  return NULL;
}

/* The text of [START, END) for a message, valid UTF-8, at most 40 bytes. */
static char *
excerpt (const Parser *p,
         gsize         start,
         gsize         end)
{
  g_autofree char *raw = NULL;

  end = MIN (end, p->len);
  if (end - start > 40)
    end = start + 40;
  raw = g_strndup (p->text + start, end - start);
  return g_utf8_make_valid (raw, -1);
}

static Field
lookup_keyword (const char *word,
                gsize       len)
{
  for (guint i = 0; i < G_N_ELEMENTS (keywords); i++)
    if (strlen (keywords[i].keyword) == len
        && g_ascii_strncasecmp (keywords[i].keyword, word, len) == 0)
      return keywords[i].field;
  return FIELD_ANY;
}

static const char *
suggest_keyword (const char *word,
                 gsize       len)
{
  /* A keyword that starts with what was typed, or that what was typed starts with. */
  for (guint i = 0; i < G_N_ELEMENTS (keywords); i++)
    {
      gsize klen = strlen (keywords[i].keyword);

      if (g_ascii_strncasecmp (keywords[i].keyword, word, MIN (len, klen)) == 0)
        return field_names[keywords[i].field];
    }
  return NULL;
}

static gboolean
all_hex (const char *s,
         gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
  return TRUE;
}

static gboolean
only_chars (const char *s,
            const char *allowed)
{
  return s[strspn (s, allowed)] == '\0';
}

static gboolean
only_chars_ascii (const char *s)
{
  for (; *s; s++)
    if ((guchar) *s >= 0x80)
      return FALSE;
  return TRUE;
}

static gboolean
all_digits (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

/* Decimal digits only, at most G_MAXUINT32: FALSE otherwise. */
static gboolean
parse_uint32 (const char *text,
              gsize       len,
              guint32    *out)
{
  guint64 v = 0;

  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      v = v * 10 + (text[i] - '0');
      if (v > G_MAXUINT32)
        return FALSE;
    }
  *out = v;
  return TRUE;
}

/* "1000-2000", "<1024", "<=1023", ">49151", ">=49152": TRUE and NODE filled when TEXT
 * is one; *MALFORMED when it looks like one but is not (backwards, empty, too big). */
static gboolean
parse_range (const char *text,
             Node       *node,
             gboolean   *malformed)
{
  const char *dash = strchr (text, '-');
  guint32 n;

  *malformed = FALSE;
  if (text[0] == '<' || text[0] == '>')
    {
      gboolean equal = text[1] == '=';
      const char *num = text + 1 + equal;

      *malformed = TRUE;
      if (!parse_uint32 (num, strlen (num), &n))
        return FALSE;
      if (text[0] == '<')
        {
          if (!equal && n == 0)
            return FALSE;
          node->range_lo = 0;
          node->range_hi = equal ? n : n - 1;
        }
      else
        {
          if (!equal && n == G_MAXUINT32)
            return FALSE;
          node->range_lo = equal ? n : n + 1;
          node->range_hi = G_MAXUINT32;
        }
      *malformed = FALSE;
      return TRUE;
    }
  if (dash == NULL)
    return FALSE;
  *malformed = TRUE;
  if (!parse_uint32 (text, dash - text, &node->range_lo)
      || !parse_uint32 (dash + 1, strlen (dash + 1), &node->range_hi)
      || node->range_lo > node->range_hi)
    return FALSE;
  *malformed = FALSE;
  return TRUE;
}

/* "192.0.2.0/24", "2001:db8::/32": TRUE and NODE filled when TEXT is one. */
static gboolean
parse_cidr (const char *text,
            Node       *node,
            gboolean   *malformed)
{
  const char *slash = strchr (text, '/');
  g_autofree char *addr = NULL;
  guint64 bits;
  char *end = NULL;
  guint max_bits;

  *malformed = FALSE;
  if (slash == NULL)
    return FALSE;
  *malformed = TRUE;
  addr = g_strndup (text, slash - text);
  if (!g_ascii_isdigit (slash[1]))
    return FALSE;
  bits = g_ascii_strtoull (slash + 1, &end, 10);
  if (*end != '\0')
    return FALSE;

  memset (&node->cidr_addr, 0, sizeof node->cidr_addr);
  if (inet_pton (AF_INET, addr, node->cidr_addr.bytes) == 1)
    {
      node->cidr_family = NETLENS_FAMILY_IPV4;
      max_bits = 32;
    }
  else if (inet_pton (AF_INET6, addr, node->cidr_addr.bytes) == 1)
    {
      node->cidr_family = NETLENS_FAMILY_IPV6;
      max_bits = 128;
    }
  else
    return FALSE;
  if (bits > max_bits)
    return FALSE;

  node->cidr_bits = bits;
  *malformed = FALSE;
  return TRUE;
}

/* Reads a "quoted" or /delimited/ value starting at the opening character;
 * returns the unescaped contents (only the delimiter and, in quotes, the
 * backslash are escaped) and leaves p->pos after the closing character. */
static char *
read_delimited (Parser *p,
                char    delim)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gsize open = p->pos;

  p->pos++;
  while (p->pos < p->len)
    {
      char c = p->text[p->pos];

      if (c == '\\' && p->pos + 1 < p->len
          && (p->text[p->pos + 1] == delim || (delim == '"' && p->text[p->pos + 1] == '\\')))
        {
          g_string_append_c (out, p->text[p->pos + 1]);
          p->pos += 2;
          continue;
        }
      if (c == delim)
        {
          p->pos++;
          return g_string_free (g_steal_pointer (&out), FALSE);
        }
      g_string_append_c (out, c);
      p->pos++;
    }

  if (delim == '"')
    fail (p, NETLENS_QUERY_ERROR_UNTERMINATED, open, p->len,
          _("The quote is not closed: add a “\"” at the end of the value"));
  else
    fail (p, NETLENS_QUERY_ERROR_UNTERMINATED, open, p->len,
          _("The regular expression is not closed: add a “/” at its end"));
  return NULL;
}

static Node *
parse_term (Parser *p)
{
  gsize start = p->pos;
  gsize value_start = start;
  gsize end;
  Field field = FIELD_ANY;
  g_autoptr(Node) node = NULL;
  g_autofree char *value = NULL;
  char c;

  /* keyword ":" */
  if (g_ascii_isalpha (peek (p)))
    {
      gsize k = start;

      while (k < p->len && (g_ascii_isalnum (p->text[k]) || p->text[k] == '_'))
        k++;
      if (k < p->len && p->text[k] == ':')
        {
          field = lookup_keyword (p->text + start, k - start);
          if (field != FIELD_ANY)
            value_start = k + 1;
          else if (!all_hex (p->text + start, k - start))
            {
              g_autofree char *word = excerpt (p, start, k);
              const char *suggestion = suggest_keyword (p->text + start, k - start);

              if (suggestion != NULL)
                return fail (p, NETLENS_QUERY_ERROR_UNKNOWN_KEYWORD, start, k + 1,
                             _("Unknown keyword “%s”: did you mean “%s”?"), word, suggestion);
              return fail (p, NETLENS_QUERY_ERROR_UNKNOWN_KEYWORD, start, k + 1,
                           _("Unknown keyword “%s” (put the word in quotes to search for it)"),
                           word);
            }
        }
    }

  node = node_new (NODE_TERM);
  node->field = field;
  p->pos = value_start;
  c = peek (p);

  if (c == '"' || c == '/')
    {
      value = read_delimited (p, c);
      if (value == NULL)
        return NULL;
      node->mode = c == '"' ? MODE_EXACT : MODE_REGEX;
      if (!is_delimiter (peek (p)))
        {
          gsize junk = p->pos;

          while (!is_delimiter (peek (p)))
            p->pos++;
          return fail (p, NETLENS_QUERY_ERROR_SYNTAX, junk, p->pos,
                       c == '"' ? _("Unexpected text after the closing quote")
                                : _("Unexpected text after the regular expression"));
        }
    }
  else
    {
      while (!is_delimiter (peek (p)))
        p->pos++;
      value = g_strndup (p->text + value_start, p->pos - value_start);
      node->mode = MODE_SUBSTR;
    }
  end = p->pos;

  if (value[0] == '\0')
    {
      g_autofree char *term = excerpt (p, start, end);

      if (field == FIELD_ANY)
        return fail (p, NETLENS_QUERY_ERROR_EMPTY_VALUE, start, end,
                     _("“%s” is empty: nothing to search for"), term);
      return fail (p, NETLENS_QUERY_ERROR_EMPTY_VALUE, start, end,
                   _("“%s” needs a value after the colon"), term);
    }

  if (node->mode == MODE_REGEX)
    {
      g_autoptr(GError) error = NULL;

      GRegexCompileFlags flags = G_REGEX_CASELESS | G_REGEX_OPTIMIZE;

      /* GLib 2.74's g_regex_new() crashes inside PCRE2 on invalid UTF-8 (measured). */
      if (!g_utf8_validate (value, -1, NULL))
        return fail (p, NETLENS_QUERY_ERROR_BAD_REGEX, value_start, end,
                     _("Bad regular expression: it is not valid UTF-8 text"));
      /* An ASCII pattern works on bytes: fields that are not valid UTF-8 (network data,
       * command lines) stay searchable, and nothing needs checking per row.  GRegex in
       * UTF-8 mode matched some invalid subjects and refused others (measured), so a
       * non-ASCII pattern only sees fields that pass g_utf8_validate(). */
      node->regex_utf8 = !only_chars_ascii (value);
      if (!node->regex_utf8)
        flags |= G_REGEX_RAW;
      node->regex = g_regex_new (value, flags, 0, &error);
      if (node->regex == NULL)
        {
          g_autofree char *shown = g_utf8_make_valid (value, -1);

          return fail (p, NETLENS_QUERY_ERROR_BAD_REGEX, value_start, end,
                       _("Bad regular expression “%s”: %s"), shown, error->message);
        }
      if (field == FIELD_ANY)
        node->multiline_regex = g_regex_new (value, flags | G_REGEX_MULTILINE, 0, NULL);
      if (field == FIELD_ANY && node->multiline_regex == NULL)
        return fail (p, NETLENS_QUERY_ERROR_BAD_REGEX, value_start, end,
                     _("Bad regular expression: it cannot search several fields"));
      node->value_len = strlen (value);
      node->value = g_steal_pointer (&value);
      node->may_be_number = node->may_be_address = node->may_be_asn = TRUE;
      compute_masks (node);
      return g_steal_pointer (&node);
    }

  /* Lower-case once here so that matching compares against lower-case needles. */
  node->value = g_ascii_strdown (value, -1);
  node->value_len = strlen (node->value);
  node->may_be_number = only_chars (node->value, "0123456789");
  node->may_be_address = only_chars (node->value, "0123456789abcdef:.");
  node->may_be_asn = only_chars (node->value, "0123456789as");

  switch (field)
    {
    case FIELD_PORT:
    case FIELD_SPORT:
    case FIELD_DPORT:
    case FIELD_PID:
      if (node->mode == MODE_SUBSTR)
        {
          gboolean malformed;

          if (parse_range (node->value, node, &malformed))
            {
              /* canonical text, for to_string() and equality */
              g_free (node->value);
              if (node->range_lo == 0)
                node->value = g_strdup_printf ("<=%u", node->range_hi);
              else if (node->range_hi == G_MAXUINT32)
                node->value = g_strdup_printf (">=%u", node->range_lo);
              else
                node->value = g_strdup_printf ("%u-%u", node->range_lo, node->range_hi);
              node->value_len = strlen (node->value);
              node->mode = MODE_RANGE;
              break;
            }
          if (malformed)
            {
              g_autofree char *v = excerpt (p, value_start, end);

              return fail (p, NETLENS_QUERY_ERROR_BAD_VALUE, value_start, end,
                           _("“%s” is not a range: write 1000-2000, <1024 or >=49152"), v);
            }
        }
      if (!all_digits (node->value))
        {
          g_autofree char *v = excerpt (p, value_start, end);

          if (field == FIELD_PID)
            return fail (p, NETLENS_QUERY_ERROR_BAD_VALUE, value_start, end,
                         _("“%s” is not a process id: pid takes a number"), v);
          return fail (p, NETLENS_QUERY_ERROR_BAD_VALUE, value_start, end,
                       _("“%s” is not a port number (for a service name, use service:%s)"),
                       v, v);
        }
      break;

    case FIELD_STATE:
      /* State names use underscores: accept "fin-wait" and "syn recv" too. */
      for (char *s = node->value; *s; s++)
        if (*s == '-' || *s == ' ')
          *s = '_';
      break;

    case FIELD_SRC:
    case FIELD_DST:
    case FIELD_ANY:
      if (node->mode == MODE_SUBSTR)
        {
          gboolean malformed;

          if (parse_cidr (node->value, node, &malformed))
            node->mode = MODE_CIDR;
          else if (malformed && field != FIELD_ANY)
            {
              g_autofree char *v = excerpt (p, value_start, end);

              return fail (p, NETLENS_QUERY_ERROR_BAD_VALUE, value_start, end,
                           _("“%s” is not an address range such as 192.168.0.0/16"), v);
            }
        }
      break;

    default:
      break;
    }

  compute_masks (node);
  return g_steal_pointer (&node);
}

static Node *parse_or (Parser *p);

static gboolean
at_operand_end (Parser *p)
{
  char c;

  skip_space (p);
  c = peek (p);
  return c == '\0' || c == ')' || c == '|' || c == '&';
}

static Node *
parse_unary (Parser *p)
{
  char c = peek (p);

  if (c == '!')
    {
      gsize bang = p->pos;
      Node *child;
      Node *node;

      if (p->depth >= MAX_DEPTH)
        return fail (p, NETLENS_QUERY_ERROR_SYNTAX, bang, bang + 1,
                     _("Too many nested operators"));
      p->pos++;
      if (at_operand_end (p))
        return fail (p, NETLENS_QUERY_ERROR_SYNTAX, bang, bang + 1,
                     _("“!” needs a term after it"));
      p->depth++;
      child = parse_unary (p);
      p->depth--;
      if (child == NULL)
        return NULL;
      if (child->kind == NODE_NOT)
        {
          /* !!x is x */
          node = child->children[0];
          child->n_children = 0;
          node_free (child);
          return node;
        }
      node = node_new (NODE_NOT);
      node->n_children = 1;
      node->children = g_new (Node *, 1);
      node->children[0] = child;
      return node;
    }

  if (c == '(')
    {
      gsize open = p->pos;
      Node *node;

      if (p->depth >= MAX_DEPTH)
        return fail (p, NETLENS_QUERY_ERROR_SYNTAX, open, open + 1,
                     _("Too many nested parentheses"));
      p->pos++;
      skip_space (p);
      if (peek (p) == ')')
        return fail (p, NETLENS_QUERY_ERROR_SYNTAX, open, p->pos + 1,
                     _("Empty parentheses: put a term inside"));
      if (peek (p) == '\0')
        return fail (p, NETLENS_QUERY_ERROR_UNBALANCED, open, open + 1,
                     _("This “(” is never closed"));
      p->depth++;
      node = parse_or (p);
      p->depth--;
      if (node == NULL)
        return NULL;
      skip_space (p);
      if (peek (p) != ')')
        {
          node_free (node);
          return fail (p, NETLENS_QUERY_ERROR_UNBALANCED, open, open + 1,
                       _("This “(” is never closed"));
        }
      p->pos++;
      return node;
    }

  return parse_term (p);
}

static Node *
parse_and (Parser *p)
{
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);

  for (;;)
    {
      char c;
      Node *node;

      skip_space (p);
      c = peek (p);
      if (c == '\0' || c == ')' || c == '|')
        break;

      if (c == '&')
        {
          gsize amp = p->pos;
          gsize amp_end;

          p->pos++;
          if (peek (p) == '&')
            p->pos++;
          amp_end = p->pos;
          if (children->len == 0 || at_operand_end (p))
            return fail (p, NETLENS_QUERY_ERROR_SYNTAX, amp, amp_end,
                         _("“&” needs a term on each side"));
          continue;
        }

      node = parse_unary (p);
      if (node == NULL)
        return NULL;
      g_ptr_array_add (children, node);
    }

  if (children->len == 0)
    {
      gsize at = p->pos;

      if (peek (p) == '|')
        {
          gsize end = at + 1 + (at + 1 < p->len && p->text[at + 1] == '|');

          return fail (p, NETLENS_QUERY_ERROR_SYNTAX, at, end,
                       _("“|” needs a term on each side"));
        }
      if (peek (p) == ')')
        return fail (p, NETLENS_QUERY_ERROR_UNBALANCED, at, at + 1,
                     _("This “)” has no matching “(”"));
      return fail (p, NETLENS_QUERY_ERROR_SYNTAX, at, at, _("A term is missing here"));
    }

  g_ptr_array_set_free_func (children, NULL);
  return node_new_list (NODE_AND, children);
}

static Node *
parse_or (Parser *p)
{
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  Node *node;

  node = parse_and (p);
  if (node == NULL)
    return NULL;
  g_ptr_array_add (children, node);

  for (;;)
    {
      gsize bar;

      skip_space (p);
      if (peek (p) != '|')
        break;
      bar = p->pos;
      p->pos++;
      if (peek (p) == '|')
        p->pos++;
      if (at_operand_end (p))
        return fail (p, NETLENS_QUERY_ERROR_SYNTAX, bar, bar + 1 + (p->text[bar + 1] == '|'),
                     _("“|” needs a term on each side"));
      node = parse_and (p);
      if (node == NULL)
        return NULL;
      g_ptr_array_add (children, node);
    }

  g_ptr_array_set_free_func (children, NULL);
  return node_new_list (NODE_OR, children);
}

/* ------------------------------------------------------------------------ */
/* Canonical text */

static void
append_escaped (GString    *out,
                const char *value,
                char        delim)
{
  g_string_append_c (out, delim);
  for (const char *s = value; *s; s++)
    {
      if (*s == delim || (delim == '"' && *s == '\\'))
        g_string_append_c (out, '\\');
      g_string_append_c (out, *s);
    }
  g_string_append_c (out, delim);
}

static void
node_to_string (const Node *node,
                GString    *out)
{
  switch (node->kind)
    {
    case NODE_TRUE:
      break;

    case NODE_AND:
    case NODE_OR:
      for (guint i = 0; i < node->n_children; i++)
        {
          const Node *child = node->children[i];
          gboolean parens = node->kind == NODE_AND && child->kind == NODE_OR;

          if (i > 0)
            g_string_append (out, node->kind == NODE_AND ? " " : " | ");
          if (parens)
            g_string_append_c (out, '(');
          node_to_string (child, out);
          if (parens)
            g_string_append_c (out, ')');
        }
      break;

    case NODE_NOT:
      {
        const Node *child = node->children[0];
        gboolean parens = child->kind == NODE_AND || child->kind == NODE_OR;

        g_string_append (out, parens ? "!(" : "!");
        node_to_string (child, out);
        if (parens)
          g_string_append_c (out, ')');
      }
      break;

    case NODE_TERM:
      if (node->field != FIELD_ANY)
        g_string_append_printf (out, "%s:", field_names[node->field]);
      switch (node->mode)
        {
        case MODE_SUBSTR:
        case MODE_CIDR:
        case MODE_RANGE:
          g_string_append (out, node->value);
          break;
        case MODE_EXACT:
          append_escaped (out, node->value, '"');
          break;
        case MODE_REGEX:
          append_escaped (out, node->value, '/');
          break;
        default:
          g_assert_not_reached ();
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------------------ */
/* Public: parse */

gboolean
netlens_query_parse_full (const char    *text,
                          NetlensQuery **out,
                          int           *err_start,
                          int           *err_end,
                          GError       **error)
{
  Parser p = { 0 };
  g_autoptr(Node) root = NULL;
  NetlensQuery *query;
  g_autoptr(GString) string = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out != NULL)
    *out = NULL;
  if (err_start != NULL)
    *err_start = -1;
  if (err_end != NULL)
    *err_end = -1;

  p.text = text != NULL ? text : "";
  p.len = strlen (p.text);
  skip_space (&p);

  if (p.pos == p.len)
    root = node_new (NODE_TRUE);
  else
    {
      root = parse_or (&p);
      skip_space (&p);
      if (root != NULL && p.pos < p.len)
        {
          /* parse_or() stops only at the end or at a ")" it did not open. */
          g_assert (p.text[p.pos] == ')');
          fail (&p, NETLENS_QUERY_ERROR_UNBALANCED, p.pos, p.pos + 1,
                _("This “)” has no matching “(”"));
          g_clear_pointer (&root, node_free);
        }
    }

  if (root == NULL)
    {
      g_assert (p.error != NULL);
      if (err_start != NULL)
        *err_start = (int) p.err_start;
      if (err_end != NULL)
        *err_end = (int) p.err_end;
      g_propagate_error (error, p.error);
      return FALSE;
    }

  string = g_string_new (NULL);
  node_to_string (root, string);

  query = g_new0 (NetlensQuery, 1);
  g_atomic_ref_count_init (&query->ref_count);
  query->n_nodes = node_count (root);
  query->root = g_steal_pointer (&root);
  query->string = g_string_free (g_steal_pointer (&string), FALSE);

  if (out != NULL)
    *out = query;
  else
    netlens_query_unref (query);
  return TRUE;
}

NetlensQuery *
netlens_query_parse (const char  *text,
                     GError     **error)
{
  NetlensQuery *query = NULL;

  if (!netlens_query_parse_full (text, &query, NULL, NULL, error))
    return NULL;
  return query;
}

NetlensQuery *
netlens_query_ref (NetlensQuery *query)
{
  g_return_val_if_fail (query != NULL, NULL);

  g_atomic_ref_count_inc (&query->ref_count);
  return query;
}

void
netlens_query_unref (NetlensQuery *query)
{
  g_return_if_fail (query != NULL);

  if (g_atomic_ref_count_dec (&query->ref_count))
    {
      node_free (query->root);
      g_free (query->string);
      g_free (query);
    }
}

gboolean
netlens_query_is_match_all (const NetlensQuery *query)
{
  g_return_val_if_fail (query != NULL, TRUE);

  return query->root->kind == NODE_TRUE;
}

const char *
netlens_query_to_string (const NetlensQuery *query)
{
  g_return_val_if_fail (query != NULL, NULL);

  return query->string;
}

/* ------------------------------------------------------------------------ */
/* Matching: no allocation (GRegex aside) */

typedef struct
{
  const NetlensConnection *conn;
  guint                    have_ports : 1;
  guint                    have_laddr : 1;
  guint                    have_raddr : 1;
  guint                    have_proto : 1;
  const char              *lport;   /* NULL when the protocol has no ports */
  const char              *rport;
  char                     lport_buf[12];
  char                     rport_buf[12];
  char                     laddr[64];
  char                     raddr[64];
  char                     proto[32];
} MatchCtx;

/* Decimal into BUF (at least 11 bytes). */
static const char *
format_uint (char   *buf,
             guint32 value)
{
  char tmp[10];
  guint n = 0;
  guint i = 0;

  do
    {
      tmp[n++] = '0' + value % 10;
      value /= 10;
    }
  while (value != 0);
  while (n > 0)
    buf[i++] = tmp[--n];
  buf[i] = '\0';
  return buf;
}

static void
ctx_ports (MatchCtx *ctx)
{
  const NetlensConnection *conn = ctx->conn;

  if (ctx->have_ports)
    return;
  ctx->have_ports = TRUE;
  if (!netlens_proto_has_ports (conn->key.proto))
    return;
  ctx->lport = format_uint (ctx->lport_buf, conn->key.lport);
  ctx->rport = format_uint (ctx->rport_buf, conn->key.rport);
}

/* As netlens_addr_to_string(), with IPv4 done here: inet_ntop() goes through
 * sprintf(), which was a third of the time of a bare-word search (callgrind). */
static void
format_addr (NetlensFamily      family,
             const NetlensAddr *addr,
             char              *buf,
             gsize              size)
{
  if (family == NETLENS_FAMILY_IPV4)
    {
      char *p = buf;

      g_assert (size >= 16);
      for (guint i = 0; i < 4; i++)
        {
          guint8 b = addr->bytes[i];

          if (i > 0)
            *p++ = '.';
          if (b >= 100)
            *p++ = '0' + b / 100;
          if (b >= 10)
            *p++ = '0' + (b / 10) % 10;
          *p++ = '0' + b % 10;
        }
      *p = '\0';
    }
  else if (family != NETLENS_FAMILY_NONE)
    netlens_addr_to_string (family, addr, buf, size);
  else
    buf[0] = '\0';
}

static const char *
ctx_laddr (MatchCtx *ctx)
{
  if (!ctx->have_laddr)
    {
      ctx->have_laddr = TRUE;
      format_addr (ctx->conn->key.family, &ctx->conn->key.laddr, ctx->laddr, sizeof ctx->laddr);
    }
  return ctx->laddr[0] != '\0' ? ctx->laddr : NULL;
}

static const char *
ctx_raddr (MatchCtx *ctx)
{
  if (!ctx->have_raddr)
    {
      ctx->have_raddr = TRUE;
      format_addr (ctx->conn->key.family, &ctx->conn->key.raddr, ctx->raddr, sizeof ctx->raddr);
    }
  return ctx->raddr[0] != '\0' ? ctx->raddr : NULL;
}

static const char *
ctx_proto (MatchCtx *ctx)
{
  if (!ctx->have_proto)
    {
      ctx->have_proto = TRUE;
      ctx->proto[0] = '\0';
      netlens_connection_protocol_name (ctx->conn, ctx->proto, sizeof ctx->proto);
    }
  return ctx->proto[0] != '\0' ? ctx->proto : NULL;
}

static inline char
ascii_lower (char c)
{
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* NEEDLE is lower-case and not empty.  The hot loop of a bare-word search: the
 * first character is found with strpbrk()/strchr(), which glibc vectorises. */
static gboolean
contains_ascii_caseless (const char *haystack,
                         const char *needle,
                         gsize       needle_len)
{
  const char first = needle[0];
  const char accept[3] = { first, g_ascii_toupper (first), '\0' };
  const gboolean letter = accept[0] != accept[1];
  const char *h = haystack;

  for (;;)
    {
      gsize i;

      h = letter ? strpbrk (h, accept) : strchr (h, first);
      if (h == NULL)
        return FALSE;
      for (i = 1; i < needle_len; i++)
        if (h[i] == '\0' || ascii_lower (h[i]) != needle[i])
          break;
      if (i == needle_len)
        return TRUE;
      if (h[i] == '\0')
        return FALSE;
      h++;
    }
}

static gboolean
term_test (const Node *term,
           const char *haystack)
{
  if (haystack == NULL)
    return FALSE;

  switch (term->mode)
    {
    case MODE_SUBSTR:
      return contains_ascii_caseless (haystack, term->value, term->value_len);
    case MODE_EXACT:
      return g_ascii_strcasecmp (haystack, term->value) == 0;
    case MODE_REGEX:
      if (term->regex_utf8 && !g_utf8_validate (haystack, -1, NULL))
        return FALSE;
      return g_regex_match (term->regex, haystack, 0, NULL);
    case MODE_CIDR:
    case MODE_RANGE:
      return FALSE;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
proto_is_fixed_name (guint proto)
{
  return proto < NETLENS_N_PROTOS && proto != NETLENS_PROTO_IP_OTHER
         && proto != NETLENS_PROTO_L2;
}

static void
compute_masks (Node *node)
{
  if (node->mode != MODE_SUBSTR && node->mode != MODE_EXACT && node->mode != MODE_REGEX)
    return;
  for (guint i = 1; i < NETLENS_N_STATES; i++)
    if (term_test (node, netlens_state_to_string (i)))
      node->state_mask |= 1u << i;
  for (guint i = 1; i < NETLENS_N_APP_STATES; i++)
    if (term_test (node, netlens_app_state_to_string (i)))
      node->app_state_mask |= 1u << i;
  for (guint i = 1; i < NETLENS_N_APPS; i++)
    if (term_test (node, netlens_app_to_string (i)))
      node->app_mask |= 1u << i;
  for (guint i = 0; i < NETLENS_N_PROTOS; i++)
    if (proto_is_fixed_name (i) && term_test (node, netlens_proto_to_string (i)))
      node->proto_mask |= 1u << i;
}

static inline gboolean
range_test (const Node *term,
            guint32     value)
{
  return value >= term->range_lo && value <= term->range_hi;
}

static gboolean
term_test_uint (const Node *term,
                guint32     value)
{
  char buf[12];

  if (!term->may_be_number)
    return FALSE;
  return term_test (term, format_uint (buf, value));
}

static gboolean
cidr_test (const Node        *term,
           NetlensFamily      family,
           const NetlensAddr *addr)
{
  guint full = term->cidr_bits / 8;
  guint rest = term->cidr_bits % 8;

  if (family != term->cidr_family)
    return FALSE;
  if (memcmp (addr->bytes, term->cidr_addr.bytes, full) != 0)
    return FALSE;
  if (rest != 0)
    {
      guint8 mask = 0xff << (8 - rest);

      return (addr->bytes[full] & mask) == (term->cidr_addr.bytes[full] & mask);
    }
  return TRUE;
}

static gboolean
state_test (const Node              *term,
            const NetlensConnection *conn)
{
  /* NONE (bit 0) is never set: a row without a state has none to match */
  return (conn->state < NETLENS_N_STATES && (term->state_mask & (1u << conn->state)))
         || (conn->app_state < NETLENS_N_APP_STATES
             && (term->app_state_mask & (1u << conn->app_state)));
}

static gboolean
owner_test (const Node         *term,
            const NetlensOwner *owner,
            Field               field)
{
  if (owner == NULL)
    return FALSE;

  switch (field)
    {
    case FIELD_PROCESS:
      return term_test (term, owner->name) || term_test (term, owner->app_id);
    case FIELD_PID:
      if (term->mode == MODE_RANGE)
        return owner->pid != 0 && range_test (term, owner->pid);
      return owner->pid != 0 && term_test_uint (term, owner->pid);
    case FIELD_USER:
      return term_test (term, owner->user) || term_test_uint (term, owner->uid);
    case FIELD_CMDLINE:
      return term_test (term, owner->cmdline) || term_test (term, owner->exe);
    default:
      g_assert_not_reached ();
    }
}

static gboolean
names_test (const Node              *term,
            const NetlensConnection *conn)
{
  return term_test (term, netlens_connection_get_sni (conn))
         || term_test (term, netlens_connection_get_http_host (conn))
         || term_test (term, conn->dns_name)
         || term_test (term, conn->reverse_name);
}

static gboolean
asn_test (const Node              *term,
          const NetlensConnection *conn)
{
  if (conn->asn != 0 && term->may_be_asn)
    {
      char buf[16] = "AS";

      format_uint (buf + 2, conn->asn);
      if (term_test (term, buf + 2) || term_test (term, buf))
        return TRUE;
    }
  return term_test (term, conn->as_org);
}

static gboolean
dpi_text_cb (const char *text,
             gpointer    user_data)
{
  return term_test (user_data, text);
}

/* ---- bare words: every field ---- */

typedef gboolean (*TextVisitor) (const char *text,
                                 gpointer    user_data);

static gboolean
visit_uint (TextVisitor visit,
            gpointer    data,
            guint32     value)
{
  char buf[12];

  return visit (format_uint (buf, value), data);
}

static gboolean
visit_owner (const Node         *term,
             const NetlensOwner *owner,
             TextVisitor         visit,
             gpointer            data)
{
  if (owner == NULL)
    return FALSE;
  return visit (owner->name, data) || visit (owner->app_id, data)
         || (term->may_be_number && owner->pid != 0 && visit_uint (visit, data, owner->pid))
         || visit (owner->user, data)
         || (term->may_be_number && visit_uint (visit, data, owner->uid))
         || visit (owner->cmdline, data) || visit (owner->exe, data);
}

/* Hands every text field of the row to VISIT (which takes NULL) until it returns TRUE;
 * the fixed vocabularies (protocol, state, application) are tested by bit first. */
static gboolean
any_visit (MatchCtx    *ctx,
           const Node  *term,
           TextVisitor  visit,
           gpointer     data)
{
  const NetlensConnection *conn = ctx->conn;

  if (proto_is_fixed_name (conn->key.proto)
      ? (term->proto_mask & (1u << conn->key.proto)) != 0
      : visit (ctx_proto (ctx), data))
    return TRUE;
  if (state_test (term, conn)
      || (conn->app < NETLENS_N_APPS && (term->app_mask & (1u << conn->app)) != 0))
    return TRUE;
  if (term->may_be_number)
    {
      ctx_ports (ctx);
      if (visit (ctx->lport, data) || visit (ctx->rport, data))
        return TRUE;
    }
  if (visit (netlens_connection_get_service (conn), data))
    return TRUE;
  if (term->may_be_address && (visit (ctx_laddr (ctx), data) || visit (ctx_raddr (ctx), data)))
    return TRUE;
  if (visit_owner (term, conn->process, visit, data)
      || visit_owner (term, conn->peer_process, visit, data))
    return TRUE;
  if (visit (netlens_connection_get_sni (conn), data)
      || visit (netlens_connection_get_http_host (conn), data)
      || visit (conn->dns_name, data) || visit (conn->reverse_name, data))
    return TRUE;
  if (conn->dpi != NULL && visit (netlens_dpi_get_ssh_software (conn->dpi), data))
    return TRUE;
  if (visit (conn->country, data))
    return TRUE;
  if (conn->asn != 0 && term->may_be_asn)
    {
      char buf[16] = "AS";

      format_uint (buf + 2, conn->asn);
      if (visit (buf + 2, data) || visit (buf, data))
        return TRUE;
    }
  if (visit (conn->as_org, data))
    return TRUE;
  return conn->dpi != NULL && netlens_dpi_foreach_text (conn->dpi, visit, data);
}

/* A bare /regex/ is run once over the row's fields joined by newlines (with ^ and $
 * matching at each field, and . never crossing one) instead of once per field: GRegex
 * allocates on every match, which made a bare regex 4 us per row (measured). */
typedef struct
{
  const Node *term;
  gsize       len;
  gboolean    matched;
  char        buf[4096];
} RegexBatch;

static void
regex_batch_flush (RegexBatch *batch)
{
  if (batch->len == 0 || batch->matched)
    return;
  batch->buf[batch->len - 1] = '\0';  /* the last separator */
  batch->matched = g_regex_match (batch->term->multiline_regex, batch->buf, 0, NULL);
  batch->len = 0;
}

static gboolean
regex_batch_add (const char *text,
                 gpointer    user_data)
{
  RegexBatch *batch = user_data;
  gsize len;

  if (text == NULL || *text == '\0' || batch->matched)
    return batch->matched;
  len = strlen (text);
  if (batch->term->regex_utf8 && !g_utf8_validate (text, len, NULL))
    return FALSE;
  if (len + 1 > sizeof batch->buf)
    {
      regex_batch_flush (batch);
      if (!batch->matched)
        batch->matched = g_regex_match (batch->term->regex, text, 0, NULL);
      return batch->matched;
    }
  if (batch->len + len + 1 > sizeof batch->buf)
    {
      regex_batch_flush (batch);
      if (batch->matched)
        return TRUE;
    }
  memcpy (batch->buf + batch->len, text, len);
  batch->buf[batch->len + len] = '\n';
  batch->len += len + 1;
  return FALSE;
}

static gboolean
field_test (MatchCtx   *ctx,
            const Node *term,
            Field       field)
{
  const NetlensConnection *conn = ctx->conn;

  switch (field)
    {
    case FIELD_PORT:
      if (term->mode == MODE_RANGE)
        return netlens_proto_has_ports (conn->key.proto)
               && (range_test (term, conn->key.lport) || range_test (term, conn->key.rport));
      ctx_ports (ctx);
      return term_test (term, ctx->lport) || term_test (term, ctx->rport);
    case FIELD_SPORT:
      if (term->mode == MODE_RANGE)
        return netlens_proto_has_ports (conn->key.proto) && range_test (term, conn->key.lport);
      ctx_ports (ctx);
      return term_test (term, ctx->lport);
    case FIELD_DPORT:
      if (term->mode == MODE_RANGE)
        return netlens_proto_has_ports (conn->key.proto) && range_test (term, conn->key.rport);
      ctx_ports (ctx);
      return term_test (term, ctx->rport);
    case FIELD_SRC:
      if (term->mode == MODE_CIDR)
        return cidr_test (term, conn->key.family, &conn->key.laddr);
      return term->may_be_address && term_test (term, ctx_laddr (ctx));
    case FIELD_DST:
      if (term->mode == MODE_CIDR)
        return cidr_test (term, conn->key.family, &conn->key.raddr);
      return (term->may_be_address && term_test (term, ctx_raddr (ctx)))
             || names_test (term, conn);
    case FIELD_PROTO:
      if (proto_is_fixed_name (conn->key.proto))
        return (term->proto_mask & (1u << conn->key.proto)) != 0;
      return term_test (term, ctx_proto (ctx));
    case FIELD_PROCESS:
    case FIELD_PID:
    case FIELD_USER:
    case FIELD_CMDLINE:
      return owner_test (term, conn->process, field)
             || owner_test (term, conn->peer_process, field);
    case FIELD_SNI:
      return term_test (term, netlens_connection_get_sni (conn));
    case FIELD_HOST:
      return term_test (term, netlens_connection_get_http_host (conn));
    case FIELD_NAME:
      return names_test (term, conn);
    case FIELD_SSH:
      return conn->dpi != NULL && term_test (term, netlens_dpi_get_ssh_software (conn->dpi));
    case FIELD_STATE:
      return state_test (term, conn);
    case FIELD_SERVICE:
      return term_test (term, netlens_connection_get_service (conn));
    case FIELD_APP:
      return conn->app < NETLENS_N_APPS && (term->app_mask & (1u << conn->app)) != 0;
    case FIELD_COUNTRY:
      return term_test (term, conn->country);
    case FIELD_ASN:
      return asn_test (term, conn);
    case FIELD_ANY:
      if (term->mode == MODE_CIDR)
        return cidr_test (term, conn->key.family, &conn->key.laddr)
               || cidr_test (term, conn->key.family, &conn->key.raddr);
      if (term->mode == MODE_REGEX)
        {
          RegexBatch batch;

          batch.term = term;
          batch.len = 0;
          batch.matched = FALSE;
          if (any_visit (ctx, term, regex_batch_add, &batch))
            return TRUE;
          regex_batch_flush (&batch);
          return batch.matched;
        }
      return any_visit (ctx, term, dpi_text_cb, (gpointer) term);
    default:
      g_assert_not_reached ();
    }
}

static gboolean
node_match (MatchCtx   *ctx,
            const Node *node)
{
  switch (node->kind)
    {
    case NODE_TRUE:
      return TRUE;
    case NODE_AND:
      for (guint i = 0; i < node->n_children; i++)
        if (!node_match (ctx, node->children[i]))
          return FALSE;
      return TRUE;
    case NODE_OR:
      for (guint i = 0; i < node->n_children; i++)
        if (node_match (ctx, node->children[i]))
          return TRUE;
      return FALSE;
    case NODE_NOT:
      return !node_match (ctx, node->children[0]);
    case NODE_TERM:
      return field_test (ctx, node, node->field);
    default:
      g_assert_not_reached ();
    }
}

gboolean
netlens_query_match (const NetlensQuery      *query,
                     const NetlensConnection *conn)
{
  MatchCtx ctx;

  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (conn != NULL, FALSE);

  if (query->root->kind == NODE_TRUE)
    return TRUE;

  ctx.conn = conn;
  ctx.have_ports = ctx.have_laddr = ctx.have_raddr = ctx.have_proto = FALSE;
  ctx.lport = ctx.rport = NULL;
  return node_match (&ctx, query->root);
}

/* ------------------------------------------------------------------------ */
/* Relation between two queries: sound, not complete (DIFFERENT when unsure) */

static gboolean
node_equal (const Node *a,
            const Node *b)
{
  if (a->kind != b->kind || a->n_children != b->n_children)
    return FALSE;
  if (a->kind == NODE_TERM)
    {
      if (a->field != b->field || a->mode != b->mode)
        return FALSE;
      if (a->mode == MODE_CIDR)
        return a->cidr_family == b->cidr_family && a->cidr_bits == b->cidr_bits
               && memcmp (&a->cidr_addr, &b->cidr_addr, sizeof a->cidr_addr) == 0;
      return strcmp (a->value, b->value) == 0;
    }
  for (guint i = 0; i < a->n_children; i++)
    if (!node_equal (a->children[i], b->children[i]))
      return FALSE;
  return TRUE;
}

/* Every row that A matches, B matches too (for two terms). */
static gboolean
term_implies (const Node *a,
              const Node *b)
{
  if (a->field != b->field)
    return FALSE;

  switch (b->mode)
    {
    case MODE_SUBSTR:
      /* A field that contains (or equals) a.value also contains b.value. */
      return (a->mode == MODE_SUBSTR || a->mode == MODE_EXACT)
             && strstr (a->value, b->value) != NULL;
    case MODE_EXACT:
      return a->mode == MODE_EXACT && strcmp (a->value, b->value) == 0;
    case MODE_REGEX:
      return a->mode == MODE_REGEX && strcmp (a->value, b->value) == 0;
    case MODE_CIDR:
      if (a->mode != MODE_CIDR || a->cidr_family != b->cidr_family
          || a->cidr_bits < b->cidr_bits)
        return FALSE;
      return cidr_test (b, a->cidr_family, &a->cidr_addr);
    case MODE_RANGE:
      if (a->mode == MODE_RANGE)
        return a->range_lo >= b->range_lo && a->range_hi <= b->range_hi;
      if (a->mode == MODE_EXACT)
        {
          /* "443" (the value was checked to be digits) */
          guint32 n;

          return parse_uint32 (a->value, a->value_len, &n) && range_test (b, n);
        }
      return FALSE;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
node_implies (const Node *a,
              const Node *b)
{
  if (b->kind == NODE_TRUE || node_equal (a, b))
    return TRUE;
  if (a->kind == NODE_TRUE)
    return FALSE;

  if (b->kind == NODE_AND)
    {
      for (guint i = 0; i < b->n_children; i++)
        if (!node_implies (a, b->children[i]))
          return FALSE;
      return TRUE;
    }
  if (a->kind == NODE_OR)
    {
      for (guint i = 0; i < a->n_children; i++)
        if (!node_implies (a->children[i], b))
          return FALSE;
      return TRUE;
    }
  if (a->kind == NODE_AND)
    for (guint i = 0; i < a->n_children; i++)
      if (node_implies (a->children[i], b))
        return TRUE;
  if (b->kind == NODE_OR)
    for (guint i = 0; i < b->n_children; i++)
      if (node_implies (a, b->children[i]))
        return TRUE;
  if (a->kind == NODE_NOT && b->kind == NODE_NOT)
    return node_implies (b->children[0], a->children[0]);
  if (a->kind == NODE_TERM && b->kind == NODE_TERM)
    return term_implies (a, b);
  return FALSE;
}

NetlensQueryRelation
netlens_query_relation (const NetlensQuery *old_query,
                        const NetlensQuery *new_query)
{
  static const Node match_all = { .kind = NODE_TRUE };
  const Node *a = old_query != NULL ? old_query->root : &match_all;
  const Node *b = new_query != NULL ? new_query->root : &match_all;
  gboolean stricter, looser;

  if (node_equal (a, b))
    return NETLENS_QUERY_RELATION_SAME;
  if ((old_query != NULL && old_query->n_nodes > RELATION_MAX_NODES)
      || (new_query != NULL && new_query->n_nodes > RELATION_MAX_NODES))
    return NETLENS_QUERY_RELATION_DIFFERENT;

  stricter = node_implies (b, a);
  looser = node_implies (a, b);
  if (stricter && looser)
    return NETLENS_QUERY_RELATION_SAME;
  if (stricter)
    return NETLENS_QUERY_RELATION_STRICTER;
  if (looser)
    return NETLENS_QUERY_RELATION_LOOSER;
  return NETLENS_QUERY_RELATION_DIFFERENT;
}
