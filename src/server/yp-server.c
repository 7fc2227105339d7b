/* yp-server.c — routes, authentication, limits and errors of /api/v1 (see docs/api.md).
 *
 * Every request body is size-limited from its Content-Length before it is read (an early
 * handler answers 411/413), and a JSON body's nesting depth is checked before json-glib sees
 * it (json-glib 1.6 overflows its stack on 100 000 '['). Every error is JSON:
 * {"code": "<stable code>", "message": "<English text>"}.
 */
#define G_LOG_DOMAIN "yp-server"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <sodium.h>
#include <string.h>

#include "yp-server.h"

#define MAX_JSON_DEPTH 32

typedef struct
{
  guint  count;
  gint64 window_start; /* real time, µs */
} Failures;

struct _YpServer
{
  GObject         parent_instance;

  YpServerStore  *store;
  SoupServer     *soup;
  YpServerLimits  limits;
  GHashTable     *failures; /* "user:<name>" / "ip:<address>" → Failures */
};

G_DEFINE_FINAL_TYPE (YpServer, yp_server, G_TYPE_OBJECT)

static void
yp_server_dispose (GObject *object)
{
  YpServer *self = YP_SERVER (object);

  if (self->soup)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->store);
  g_clear_pointer (&self->failures, g_hash_table_unref);
  G_OBJECT_CLASS (yp_server_parent_class)->dispose (object);
}

static void
yp_server_class_init (YpServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = yp_server_dispose;
}

static void
yp_server_init (YpServer *self)
{
  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* ---- responses and logs ----------------------------------------------------------------- */

static void
log_request (SoupServerMessage *msg,
             const char        *account_id,
             const char        *code)
{
  g_autofree char *status = g_strdup_printf ("%u", soup_server_message_get_status (msg));

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                    "YP_EVENT", "request",
                    "YP_METHOD", soup_server_message_get_method (msg),
                    "YP_PATH", g_uri_get_path (soup_server_message_get_uri (msg)),
                    "YP_STATUS", status,
                    "YP_ACCOUNT", account_id ? account_id : "-",
                    "YP_CODE", code ? code : "-",
                    "YP_REMOTE", soup_server_message_get_remote_host (msg) ?: "-",
                    "MESSAGE", "%s %s %s", soup_server_message_get_method (msg),
                    g_uri_get_path (soup_server_message_get_uri (msg)), status);
}

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              JsonNode          *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length = 0;
  char *text;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, &length);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, length);
}

static void
respond_error (SoupServerMessage *msg,
               YpServerError      code,
               const char        *message)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (object, "code", yp_server_error_code_name (code));
  json_object_set_string_member (object, "message", message);
  node = json_node_init_object (json_node_alloc (), object);
  respond_json (msg, yp_server_error_http_status (code), node);
}

static void
respond_gerror (SoupServerMessage *msg,
                const GError      *error)
{
  if (error->domain == YP_SERVER_ERROR)
    respond_error (msg, error->code, error->message);
  else
    {
      g_warning ("Internal error: %s", error->message);
      respond_error (msg, YP_SERVER_ERROR_INTERNAL, "Internal server error.");
    }
}

/* ---- request bodies ------------------------------------------------------------------------ */

static gboolean
is_blob_path (const char *path)
{
  return g_str_has_prefix (path, "/api/v1/blobs/");
}

/* Runs after the headers, before the body is read: refuses a body without a length or over
 * the limit, so it is never buffered. */
static void
early_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  YpServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  SoupEncoding encoding;
  goffset limit;

  if (!g_str_equal (method, "POST") && !g_str_equal (method, "PUT"))
    return;
  encoding = soup_message_headers_get_encoding (headers);
  if (encoding != SOUP_ENCODING_CONTENT_LENGTH && encoding != SOUP_ENCODING_NONE)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
      respond_error (msg, YP_SERVER_ERROR_LENGTH_REQUIRED,
                     "A request body needs a Content-Length.");
      log_request (msg, NULL, "length_required");
      return;
    }
  limit = is_blob_path (path) ? YP_SERVER_MAX_BLOB_SIZE : (goffset) self->limits.max_json_body;
  if (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > limit)
    {
      g_autofree char *message =
        g_strdup_printf ("The request body is larger than %" G_GOFFSET_FORMAT " bytes.", limit);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
      respond_error (msg, YP_SERVER_ERROR_TOO_LARGE, message);
      log_request (msg, NULL, "too_large");
    }
}

/* The nesting depth of JSON text, counted without parsing it; FALSE past @max. */
static gboolean
json_depth_ok (const char *data,
               gsize       length,
               guint       max)
{
  guint depth = 0;
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

static JsonNode *
read_json_body (YpServer           *self,
                SoupServerMessage  *msg,
                GError            **error)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  if (g_strcmp0 (type, "application/json") != 0)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_UNSUPPORTED_MEDIA_TYPE,
                   "The request body must be application/json.");
      return NULL;
    }
  if (length > self->limits.max_json_body)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_TOO_LARGE,
                   "The request body is too large.");
      return NULL;
    }
  if (length == 0 || !g_utf8_validate_len (data, length, NULL))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_MALFORMED_JSON,
                   "The request body is not JSON text.");
      return NULL;
    }
  if (!json_depth_ok (data, length, MAX_JSON_DEPTH))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_TOO_DEEP,
                   "The JSON is nested more than %d levels deep.", MAX_JSON_DEPTH);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local) ||
      json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_MALFORMED_JSON,
                   "The request body is not valid JSON: %s",
                   local ? local->message : "empty");
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

/* ---- authentication -------------------------------------------------------------------------- */

static char *
bearer_token (SoupServerMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    "Authorization");

  if (value == NULL || g_ascii_strncasecmp (value, "Bearer ", 7) != 0)
    return NULL;
  return g_strstrip (g_strdup (value + 7));
}

/* The signed-in account, or NULL after answering 401. */
static char *
authenticate (YpServer          *self,
              SoupServerMessage *msg,
              gboolean          *out_is_admin)
{
  g_autofree char *token = bearer_token (msg);
  char *account_id = token ? yp_server_store_check_token (self->store, token, out_is_admin) : NULL;

  if (account_id == NULL)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer");
      respond_error (msg, YP_SERVER_ERROR_UNAUTHORIZED,
                     "Sign in first: the token is missing, wrong or expired.");
    }
  return account_id;
}

/* Failed sign-ins are counted per user name and per address in a window of login_window
 * seconds from the first; the counts are kept in the server's database too (written through
 * on every change, read at start), so restarting the server does not reset the limit. The
 * window is in real time for the same reason. */
static Failures *
failures_current (YpServer   *self,
                  const char *key)
{
  Failures *f = g_hash_table_lookup (self->failures, key);

  if (f != NULL &&
      g_get_real_time () - f->window_start > (gint64) self->limits.login_window * G_USEC_PER_SEC)
    {
      g_hash_table_remove (self->failures, key);
      yp_server_store_save_failures (self->store, key, 0, 0);
      f = NULL;
    }
  return f;
}

static void
failures_save (YpServer   *self,
               const char *key,
               Failures   *f)
{
  yp_server_store_save_failures (self->store, key, f ? f->count : 0,
                                 f ? f->window_start / G_USEC_PER_SEC : 0);
}

/* Seconds until @key may try again, 0 if it may now. */
static gint64
rate_limited (YpServer   *self,
              const char *key,
              guint       max)
{
  Failures *f = failures_current (self, key);
  gint64 left;

  if (f == NULL || f->count < max)
    return 0;
  left = (gint64) self->limits.login_window -
         (g_get_real_time () - f->window_start) / G_USEC_PER_SEC;
  return MAX (left, 1);
}

static void
record_failure (YpServer   *self,
                const char *key)
{
  Failures *f = failures_current (self, key);

  if (f == NULL)
    {
      f = g_new0 (Failures, 1);
      f->window_start = g_get_real_time ();
      g_hash_table_insert (self->failures, g_strdup (key), f);
    }
  f->count++;
  failures_save (self, key, f);
}

/* Takes back one attempt charged to @key (a sign-in that succeeded). */
static void
forgive_attempt (YpServer   *self,
                 const char *key)
{
  Failures *f = failures_current (self, key);

  if (f != NULL && f->count > 0)
    {
      f->count--;
      failures_save (self, key, f);
    }
}

static void
forget_failures (YpServer   *self,
                 const char *key)
{
  if (g_hash_table_remove (self->failures, key))
    failures_save (self, key, NULL);
}

static void
failures_loaded (const char *key,
                 guint       count,
                 gint64      window_start,
                 gpointer    data)
{
  YpServer *self = data;
  Failures *f = g_new0 (Failures, 1);

  f->count = count;
  f->window_start = window_start * G_USEC_PER_SEC;
  g_hash_table_replace (self->failures, g_strdup (key), f);
}

/* A sign-in whose password is being verified in a worker thread. */
typedef struct
{
  YpServer          *self;
  SoupServer        *soup;
  SoupServerMessage *msg;
  char              *username;
  char              *password;
  char              *stored_hash;
  char              *account_id;
  char              *user_key;
  char              *ip_key;
} SignIn;

static void
sign_in_free (SignIn *s)
{
  g_object_unref (s->self);
  g_object_unref (s->soup);
  g_object_unref (s->msg);
  g_free (s->username);
  if (s->password)
    sodium_memzero (s->password, strlen (s->password));
  g_free (s->password);
  g_free (s->stored_hash);
  g_free (s->account_id);
  g_free (s->user_key);
  g_free (s->ip_key);
  g_free (s);
}

/* Argon2id takes tens of milliseconds and 64 MiB on purpose; in a worker it holds up no one
 * else's sync. It reads only the copies in @data. */
static void
verify_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      data,
                  GCancellable *cancellable)
{
  SignIn *s = data;

  g_task_return_boolean (task, yp_server_verify_password (s->stored_hash, s->password));
}

static void
sign_in_verified (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SignIn *s = g_task_get_task_data (G_TASK (result));
  YpServer *self = s->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *expires_at = NULL;
  g_autofree char *token = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), NULL);

  if (ok && s->account_id != NULL && self->store != NULL)
    token = yp_server_store_open_session (self->store, s->account_id,
                                          self->limits.token_lifetime, &expires_at, &error);
  else
    g_set_error (&error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_CREDENTIALS,
                 "The user name or the password is wrong.");

  if (token == NULL)
    {
      /* The attempt stays charged to the name and the address. */
      if (g_error_matches (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_CREDENTIALS) &&
          self->store != NULL)
        yp_server_store_audit (self->store, NULL, "sign_in_failed", "account", NULL, NULL,
                               s->username);
      respond_gerror (s->msg, error);
    }
  else
    {
      forget_failures (self, s->user_key);
      forgive_attempt (self, s->ip_key);
      reply = json_object_new ();
      json_object_set_string_member (reply, "token", token);
      json_object_set_string_member (reply, "token_type", "Bearer");
      json_object_set_string_member (reply, "expires_at", expires_at);
      json_object_set_string_member (reply, "account_id", s->account_id);
      json_object_set_string_member (reply, "epoch", yp_server_store_get_epoch (self->store));
      node = json_node_init_object (json_node_alloc (), reply);
      respond_json (s->msg, 200, node);
    }
  log_request (s->msg, token != NULL ? s->account_id : NULL, NULL);
  soup_server_unpause_message (s->soup, s->msg);
}

/* Answers at once unless the password is to be verified; then the message is paused, *paused
 * is set, and sign_in_verified() answers and logs it. */
static void
handle_session_post (YpServer          *self,
                     SoupServerMessage *msg,
                     gboolean          *paused)
{
  static const char * const keys[] = { "username", "password", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = read_json_body (self, msg, &error);
  g_autofree char *user_key = NULL;
  g_autofree char *ip_key = NULL;
  JsonObject *object;
  JsonNode *username, *password;
  gint64 wait;

  if (body == NULL)
    return respond_gerror (msg, error);
  if (!JSON_NODE_HOLDS_OBJECT (body))
    return respond_error (msg, YP_SERVER_ERROR_WRONG_TYPE, "The request must be an object.");
  object = json_node_get_object (body);
  username = json_object_get_member (object, "username");
  password = json_object_get_member (object, "password");
  {
    g_autoptr(GList) members = json_object_get_members (object);

    for (GList *l = members; l; l = l->next)
      if (!g_strv_contains (keys, l->data))
        return respond_error (msg, YP_SERVER_ERROR_UNKNOWN_FIELD,
                              "A sign-in has only “username” and “password”.");
  }
  if (username == NULL || password == NULL ||
      !JSON_NODE_HOLDS_VALUE (username) || json_node_get_value_type (username) != G_TYPE_STRING ||
      !JSON_NODE_HOLDS_VALUE (password) || json_node_get_value_type (password) != G_TYPE_STRING)
    return respond_error (msg, YP_SERVER_ERROR_WRONG_TYPE,
                          "“username” and “password” must be strings.");
  if (strlen (json_node_get_string (username)) > 100 ||
      strlen (json_node_get_string (password)) > 1024)
    return respond_error (msg, YP_SERVER_ERROR_INVALID_VALUE, "The user name or password is too long.");

  /* Repeated failures for one user name, or from one address, wait out the window. */
  user_key = g_strdup_printf ("user:%s", json_node_get_string (username));
  ip_key = g_strdup_printf ("ip:%s", soup_server_message_get_remote_host (msg) ?: "?");
  wait = MAX (rate_limited (self, user_key, self->limits.login_max_failures),
              rate_limited (self, ip_key, self->limits.login_max_failures * 4));
  if (wait > 0)
    {
      g_autofree char *seconds = g_strdup_printf ("%" G_GINT64_FORMAT, wait);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", seconds);
      yp_server_store_audit (self->store, NULL, "sign_in_rate_limited", "account", NULL, NULL,
                             json_node_get_string (username));
      return respond_error (msg, YP_SERVER_ERROR_RATE_LIMITED,
                            "Too many failed sign-ins; try again later.");
    }

  /* The attempt is charged before it is verified, so that attempts sent in parallel cannot
   * get past the limit; a successful one is taken back. */
  record_failure (self, user_key);
  record_failure (self, ip_key);
  {
    SignIn *s = g_new0 (SignIn, 1);
    g_autoptr(GTask) task = g_task_new (NULL, NULL, sign_in_verified, NULL);

    s->self = g_object_ref (self);
    s->soup = g_object_ref (self->soup);
    s->msg = g_object_ref (msg);
    s->username = g_strdup (json_node_get_string (username));
    s->password = g_strdup (json_node_get_string (password));
    s->stored_hash = yp_server_store_dup_password_hash (self->store, s->username,
                                                        &s->account_id);
    s->user_key = g_steal_pointer (&user_key);
    s->ip_key = g_steal_pointer (&ip_key);
    g_task_set_source_tag (task, handle_session_post);
    g_task_set_task_data (task, s, (GDestroyNotify) sign_in_free);
    soup_server_pause_message (self->soup, msg);
    g_task_run_in_thread (task, verify_in_thread);
    *paused = TRUE;
  }
}

static void
handle_session_delete (YpServer          *self,
                       SoupServerMessage *msg,
                       char             **out_account)
{
  g_autofree char *token = bearer_token (msg);
  g_autoptr(GError) error = NULL;

  if ((*out_account = authenticate (self, msg, NULL)) == NULL)
    return;
  if (!yp_server_store_sign_out (self->store, token, &error))
    return respond_gerror (msg, error);
  yp_server_store_audit (self->store, *out_account, "sign_out", NULL, NULL, NULL, NULL);
  soup_server_message_set_status (msg, 204, NULL);
}

static void
handle_sync (YpServer          *self,
             SoupServerMessage *msg,
             char             **out_account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) response = NULL;
  gboolean is_admin = FALSE;

  if ((*out_account = authenticate (self, msg, &is_admin)) == NULL)
    return;
  if (is_admin)
    return respond_error (msg, YP_SERVER_ERROR_FORBIDDEN,
                          "Administrator accounts see no client data.");
  if ((body = read_json_body (self, msg, &error)) == NULL)
    return respond_gerror (msg, error);
  if ((response = yp_server_store_sync (self->store, *out_account, body, &error)) == NULL)
    return respond_gerror (msg, error);
  respond_json (msg, 200, response);
}

/* GET /api/v1/snapshot: the first sync as a stream of SQLite parts (docs/api.md).
 *
 * A worker builds the parts one after another on a connection of its own; the main loop
 * audits the clients of each part (committed before the part leaves), appends the part to the
 * chunked response and lets libsoup write it while the worker builds the next one and the app
 * copies the last. The message stays paused until the first part is ready, so an error before
 * it is still a JSON error; after that, an error ends the body without the end marker and the
 * app sees an incomplete stream. If the connection goes, the worker stops after its part. */

#define SNAPSHOT_CONTENT_TYPE "application/vnd.yhteispolku.snapshot-parts"

typedef struct
{
  SoupServer        *soup;
  SoupServerMessage *msg;
  YpServerStore     *store;
  char              *account_id;
  GMainContext      *context;
  GAsyncQueue       *parts;      /* SnapshotPart, from the worker to the main loop */
  gint               finished;   /* atomic: the message is over; the worker stops */
  gboolean           started;    /* main loop: the 200 and the first part went out */
  gboolean           ended;      /* main loop: the body is complete */
} SnapshotStream;

typedef struct
{
  GBytes    *bytes;      /* NULL: no more parts (or @error) */
  GPtrArray *clients;    /* the clients no earlier part held */
  gint64     seq;
  GError    *error;
} SnapshotPart;

static void
snapshot_part_free (gpointer data)
{
  SnapshotPart *part = data;

  g_clear_pointer (&part->bytes, g_bytes_unref);
  g_clear_pointer (&part->clients, g_ptr_array_unref);
  g_clear_error (&part->error);
  g_free (part);
}

static void
snapshot_stream_clear (SnapshotStream *s)
{
  g_object_unref (s->soup);
  g_object_unref (s->msg);
  g_object_unref (s->store);
  g_free (s->account_id);
  g_main_context_unref (s->context);
  g_async_queue_unref (s->parts);
}

static SnapshotStream *
snapshot_stream_ref (SnapshotStream *s)
{
  return g_atomic_rc_box_acquire (s);
}

static void
snapshot_stream_unref (SnapshotStream *s)
{
  g_atomic_rc_box_release_full (s, (GDestroyNotify) snapshot_stream_clear);
}

static void
snapshot_stream_closure_unref (gpointer  data,
                               GClosure *closure)
{
  snapshot_stream_unref (data);
}

static void
snapshot_finished (SoupServerMessage *msg,
                   gpointer           data)
{
  SnapshotStream *s = data;

  g_atomic_int_set (&s->finished, TRUE);
  s->ended = TRUE;
  log_request (msg, s->account_id, NULL);
  /* The handler holds @s, which holds @msg: let go of both. */
  g_signal_handlers_disconnect_by_func (msg, snapshot_finished, s);
}

/* Ends the response: with the end marker when @complete, else cut short (the app refuses an
 * incomplete stream). */
static void
snapshot_end (SnapshotStream *s,
              gboolean        complete)
{
  SoupMessageBody *body = soup_server_message_get_response_body (s->msg);
  static const guint8 end_marker[4] = { 0, 0, 0, 0 };

  if (complete)
    soup_message_body_append (body, SOUP_MEMORY_STATIC, end_marker, sizeof end_marker);
  soup_message_body_complete (body);
  s->ended = TRUE;
  g_atomic_int_set (&s->finished, TRUE);
  soup_server_unpause_message (s->soup, s->msg);
}

static void
snapshot_fail (SnapshotStream *s,
               const GError   *error)
{
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                    "YP_EVENT", "snapshot_failed",
                    "YP_ACCOUNT", s->account_id,
                    "MESSAGE", "The snapshot stopped: %s", error->message);
  if (s->started)
    snapshot_end (s, FALSE);
  else
    {
      respond_gerror (s->msg, error);
      s->ended = TRUE;
      g_atomic_int_set (&s->finished, TRUE);
      soup_server_unpause_message (s->soup, s->msg);
    }
}

static void
snapshot_send (SnapshotStream *s,
               SnapshotPart   *part)
{
  SoupMessageBody *body = soup_server_message_get_response_body (s->msg);
  g_autoptr(GError) error = NULL;
  gsize size;
  guint8 length[4];

  if (part->bytes == NULL)
    {
      if (part->error != NULL)
        snapshot_fail (s, part->error);
      else
        {
          snapshot_end (s, TRUE);
          /* The app's next request is a sync with its case-set hash, once it has copied the
           * last tables (well after they left): the server's side of that hash, ~15 ms at
           * 10 000 clients, is worked out now instead of while the app waits for it. */
          yp_server_store_prepare_case_set (s->store, s->account_id);
        }
      return;
    }
  size = g_bytes_get_size (part->bytes);
  if (size > G_MAXINT32)
    {
      g_set_error (&error, YP_SERVER_ERROR, YP_SERVER_ERROR_INTERNAL,
                   "A part of the snapshot is too large.");
      return snapshot_fail (s, error);
    }
  /* Who received which client's data is on record before the data leaves. */
  if (!yp_server_store_audit_snapshot (s->store, s->account_id, part->seq, part->clients,
                                       &error))
    return snapshot_fail (s, error);
  if (!s->started)
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (s->msg);

      s->started = TRUE;
      soup_server_message_set_status (s->msg, 200, NULL);
      soup_message_headers_replace (headers, "Cache-Control", "no-store");
      soup_message_headers_set_content_type (headers, SNAPSHOT_CONTENT_TYPE, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      /* A part is dropped once written: the stream is never held whole. */
      soup_message_body_set_accumulate (body, FALSE);
    }
  length[0] = (size >> 24) & 0xff;
  length[1] = (size >> 16) & 0xff;
  length[2] = (size >> 8) & 0xff;
  length[3] = size & 0xff;
  soup_message_body_append (body, SOUP_MEMORY_COPY, length, sizeof length);
  soup_message_body_append_bytes (body, part->bytes);
  soup_server_unpause_message (s->soup, s->msg);
}

/* On the main loop: sends what the worker has made so far, in order. */
static gboolean
snapshot_deliver (gpointer data)
{
  SnapshotStream *s = data;
  SnapshotPart *part;

  while ((part = g_async_queue_try_pop (s->parts)) != NULL)
    {
      if (!s->ended)
        snapshot_send (s, part);
      snapshot_part_free (part);
    }
  return G_SOURCE_REMOVE;
}

static void
snapshot_push (SnapshotStream *s,
               SnapshotPart   *part)
{
  g_async_queue_push (s->parts, part);
  g_main_context_invoke_full (s->context, G_PRIORITY_DEFAULT, snapshot_deliver,
                              snapshot_stream_ref (s), (GDestroyNotify) snapshot_stream_unref);
}

static void
snapshot_in_thread (GTask        *task,
                    gpointer      source,
                    gpointer      data,
                    GCancellable *cancellable)
{
  SnapshotStream *s = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(YpServerSnapshot) snap = yp_server_snapshot_new (s->store, s->account_id, &error);

  while (!g_atomic_int_get (&s->finished))
    {
      SnapshotPart *part = g_new0 (SnapshotPart, 1);

      if (snap != NULL)
        {
          part->seq = yp_server_snapshot_get_seq (snap);
          part->bytes = yp_server_snapshot_next_part (snap, &part->clients, &part->error);
        }
      else if (error != NULL)
        part->error = g_steal_pointer (&error);
      else
        part->error = g_error_new_literal (YP_SERVER_ERROR, YP_SERVER_ERROR_INTERNAL,
                                           "The snapshot could not be started.");
      if (part->bytes == NULL)
        {
          snapshot_push (s, part);
          break;
        }
      snapshot_push (s, part);
    }
  g_task_return_boolean (task, TRUE);
}

static void
handle_snapshot (YpServer          *self,
                 SoupServerMessage *msg,
                 char             **out_account,
                 gboolean          *paused)
{
  gboolean is_admin = FALSE;
  SnapshotStream *s;
  g_autoptr(GTask) task = NULL;

  if (!g_str_equal (soup_server_message_get_method (msg), "GET"))
    return respond_error (msg, YP_SERVER_ERROR_METHOD_NOT_ALLOWED, "Use GET.");
  if ((*out_account = authenticate (self, msg, &is_admin)) == NULL)
    return;
  if (is_admin)
    return respond_error (msg, YP_SERVER_ERROR_FORBIDDEN,
                          "Administrator accounts see no client data.");

  s = g_atomic_rc_box_new0 (SnapshotStream);
  s->soup = g_object_ref (self->soup);
  s->msg = g_object_ref (msg);
  s->store = g_object_ref (self->store);
  s->account_id = g_strdup (*out_account);
  s->context = g_main_context_ref_thread_default ();
  s->parts = g_async_queue_new_full (snapshot_part_free);
  g_signal_connect_data (msg, "finished", G_CALLBACK (snapshot_finished),
                         snapshot_stream_ref (s), snapshot_stream_closure_unref, 0);
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, handle_snapshot);
  g_task_set_task_data (task, s, (GDestroyNotify) snapshot_stream_unref);
  soup_server_pause_message (self->soup, msg);
  g_task_run_in_thread (task, snapshot_in_thread);
  *paused = TRUE;
}

static gboolean
is_sha256_hex (const char *text)
{
  gsize n = 0;

  for (const char *p = text; *p; p++, n++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return n == 64;
}

static void
handle_blob (YpServer          *self,
             SoupServerMessage *msg,
             const char        *sha256,
             char             **out_account)
{
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GError) error = NULL;
  gboolean is_admin = FALSE;

  if (!g_str_equal (method, "GET") && !g_str_equal (method, "PUT"))
    return respond_error (msg, YP_SERVER_ERROR_METHOD_NOT_ALLOWED, "Use GET or PUT.");
  if (!is_sha256_hex (sha256))
    return respond_error (msg, YP_SERVER_ERROR_INVALID_VALUE,
                          "A blob address is its SHA-256 in 64 lower-case hexadecimal digits.");
  if ((*out_account = authenticate (self, msg, &is_admin)) == NULL)
    return;
  if (is_admin)
    return respond_error (msg, YP_SERVER_ERROR_FORBIDDEN,
                          "Administrator accounts see no client data.");

  if (g_str_equal (method, "GET"))
    {
      g_autoptr(GBytes) data = yp_server_store_get_blob (self->store, *out_account, sha256,
                                                         &error);
      gsize size;
      gconstpointer bytes;

      if (data == NULL)
        return respond_gerror (msg, error);
      bytes = g_bytes_get_data (data, &size);
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                        bytes, size);
    }
  else
    {
      g_autoptr(GBytes) data =
        soup_message_body_flatten (soup_server_message_get_request_body (msg));
      g_autoptr(JsonObject) reply = json_object_new ();
      g_autoptr(JsonNode) node = NULL;
      gboolean created = FALSE;

      if (g_bytes_get_size (data) > YP_SERVER_MAX_BLOB_SIZE)
        return respond_error (msg, YP_SERVER_ERROR_TOO_LARGE, "The attachment is too large.");
      if (!yp_server_store_put_blob (self->store, *out_account, sha256, data, &created, &error))
        return respond_gerror (msg, error);
      json_object_set_string_member (reply, "sha256", sha256);
      json_object_set_int_member (reply, "size", (gint64) g_bytes_get_size (data));
      node = json_node_init_object (json_node_alloc (), reply);
      respond_json (msg, created ? 201 : 200, node);
    }
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  YpServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *account = NULL;
  gboolean paused = FALSE;

  if (g_str_equal (path, "/api/v1/session"))
    {
      if (g_str_equal (method, "POST"))
        handle_session_post (self, msg, &paused);
      else if (g_str_equal (method, "DELETE"))
        handle_session_delete (self, msg, &account);
      else
        respond_error (msg, YP_SERVER_ERROR_METHOD_NOT_ALLOWED, "Use POST or DELETE.");
    }
  else if (g_str_equal (path, "/api/v1/sync"))
    {
      if (g_str_equal (method, "POST"))
        handle_sync (self, msg, &account);
      else
        respond_error (msg, YP_SERVER_ERROR_METHOD_NOT_ALLOWED, "Use POST.");
    }
  else if (g_str_equal (path, "/api/v1/snapshot"))
    handle_snapshot (self, msg, &account, &paused);
  else if (is_blob_path (path))
    handle_blob (self, msg, path + strlen ("/api/v1/blobs/"), &account);
  else
    respond_error (msg, YP_SERVER_ERROR_NOT_FOUND, "There is no such address.");
  if (!paused)
    log_request (msg, account, NULL);
}

/* ---- set-up -------------------------------------------------------------------------------- */

YpServer *
yp_server_new (YpServerStore        *store,
               const YpServerLimits *limits)
{
  YpServer *self;

  g_return_val_if_fail (YP_IS_SERVER_STORE (store), NULL);
  g_return_val_if_fail (limits != NULL, NULL);

  self = g_object_new (YP_TYPE_SERVER, NULL);
  self->store = g_object_ref (store);
  self->limits = *limits;
  yp_server_store_load_failures (store, g_get_real_time () / G_USEC_PER_SEC - limits->login_window,
                                 failures_loaded, self);
  return self;
}

gboolean
yp_server_address_allowed (const char  *address,
                           gboolean     tls,
                           GError     **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);

  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address."), address);
      return FALSE;
    }
  if (!tls && !g_inet_address_get_is_loopback (inet))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("Refusing plain HTTP on %s: configure tls_certificate and tls_key, or"
                     " listen on 127.0.0.1 behind a TLS proxy."), address);
      return FALSE;
    }
  return TRUE;
}

gboolean
yp_server_listen (YpServer    *self,
                  const char  *address,
                  guint        port,
                  const char  *tls_certificate,
                  const char  *tls_key,
                  guint       *out_port,
                  GError     **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  gboolean tls = tls_certificate != NULL && tls_key != NULL;
  GSList *listeners;

  g_return_val_if_fail (YP_IS_SERVER (self), FALSE);

  if (!yp_server_address_allowed (address, tls, error))
    return FALSE;
  if (tls && (certificate = g_tls_certificate_new_from_files (tls_certificate, tls_key,
                                                              error)) == NULL)
    return FALSE;

  self->soup = soup_server_new ("server-header", "yhteispolku-server",
                                "tls-certificate", certificate,
                                NULL);
  soup_server_add_early_handler (self->soup, NULL, early_handler, self, NULL);
  soup_server_add_handler (self->soup, NULL, handler, self, NULL);

  inet = g_inet_address_new_from_string (address);
  socket_address = g_inet_socket_address_new (inet, (guint16) port);
  if (!soup_server_listen (self->soup, socket_address,
                           tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;

  listeners = soup_server_get_listeners (self->soup);
  if (out_port && listeners)
    {
      g_autoptr(GSocketAddress) local = g_socket_get_local_address (listeners->data, NULL);

      *out_port = local ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)) : 0;
    }
  g_slist_free (listeners);
  return TRUE;
}
