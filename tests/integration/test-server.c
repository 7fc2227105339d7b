/* test-server.c — the coordination server as a black box: the real binary on 127.0.0.1,
 * a temporary database, users made with its admin commands, requests through SoupSession.
 * The seed 000 flow is checked at the server level: a late joiner sees no earlier messages
 * or attachments, revocation purges, a member cannot invite.
 */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>

#define PASSWORD "salasana-1234"

static const char *server_bin;
static char *tmpdir;
static char *db_path;
static GSubprocess *server;
static guint port;
static SoupSession *session;

static char *alice_id, *bob_id, *carol_id, *dave_id;

/* ---- the server process ------------------------------------------------------------------ */

static char *
run_admin (const char *stdin_text,
           int        *out_status,
           ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list ap;
  const char *arg;

  g_ptr_array_add (argv, (gpointer) server_bin);
  g_ptr_array_add (argv, (gpointer) "--database");
  g_ptr_array_add (argv, db_path);
  va_start (ap, out_status);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, stdin_text, NULL, &out, &err, &error);
  g_assert_no_error (error);
  *out_status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
  if (*out_status != 0)
    return g_strdup (err);
  return g_strdup (g_strstrip (out));
}

static char *
add_user (const char *username,
          const char *name,
          gboolean    is_admin)
{
  int status;
  char *id;

  if (is_admin)
    id = run_admin (PASSWORD "\n", &status, "user", "add", username, "--admin", NULL);
  else
    id = run_admin (PASSWORD "\n", &status, "user", "add", username, "--name", name, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_uuid_string_is_valid (id));
  return id;
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
start_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;

  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);

  /* If this test dies on an assertion, the server goes with it. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server = g_subprocess_launcher_spawn (launcher, &error,
                                        server_bin, "--database", db_path, "--listen",
                                        "127.0.0.1", "--port", "0", "serve", NULL);
  g_assert_no_error (error);
  /* The first line of stdout is the port it listens on. */
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  port = (guint) g_ascii_strtoull (line, NULL, 10);
  g_assert_cmpuint (port, >, 0);
}

static void
stop_server (int signal_number)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (server, signal_number);
  g_subprocess_wait (server, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&server);
}

/* ---- requests ---------------------------------------------------------------------------- */

typedef struct
{
  guint     status;
  JsonNode *json;
  GBytes   *body;
} Reply;

static void
reply_clear (Reply *reply)
{
  g_clear_pointer (&reply->json, json_node_unref);
  g_clear_pointer (&reply->body, g_bytes_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reply, reply_clear)

static Reply
request (const char   *method,
         const char   *path,
         const char   *token,
         const char   *content_type,
         gconstpointer body,
         gsize         length)
{
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GError) error = NULL;
  const char *type;
  Reply reply = { 0 };

  if (token)
    {
      g_autofree char *value = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    value);
    }
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, length);
      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }
  reply.body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  reply.status = soup_message_get_status (msg);
  type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  if (g_strcmp0 (type, "application/json") == 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      gsize n;
      const char *data = g_bytes_get_data (reply.body, &n);

      g_assert_true (json_parser_load_from_data (parser, data, (gssize) n, &error));
      reply.json = json_node_ref (json_parser_get_root (parser));
    }
  return reply;
}

static Reply
post_json (const char *path,
           const char *token,
           const char *json)
{
  return request ("POST", path, token, "application/json", json, strlen (json));
}

static const char *
error_code (const Reply *reply)
{
  g_assert_nonnull (reply->json);
  return json_object_get_string_member (json_node_get_object (reply->json), "code");
}

static char *
sign_in (const char *username)
{
  g_autofree char *body =
    g_strdup_printf ("{\"username\":\"%s\",\"password\":\"" PASSWORD "\"}", username);
  g_auto(Reply) reply = post_json ("/api/v1/session", NULL, body);

  g_assert_cmpuint (reply.status, ==, 200);
  return g_strdup (json_object_get_string_member (json_node_get_object (reply.json), "token"));
}

static char *
mutation (const char *op,
          const char *entity,
          const char *row_id,
          const char *client_id,
          const char *fields)
{
  g_autofree char *mid = g_uuid_string_random ();
  g_autofree char *client = client_id ? g_strdup_printf ("\"%s\"", client_id)
                                      : g_strdup ("null");

  return g_strdup_printf ("{\"mutation_id\":\"%s\",\"entity\":\"%s\",\"row_id\":\"%s\","
                          "\"client_id\":%s,\"base_rev\":0,\"op\":\"%s\",\"fields\":%s}",
                          mid, entity, row_id, client, op, fields);
}

/* One sync; updates *cursor; returns the response object (asserting 200). */
static JsonObject *
sync_ok (const char  *token,
         char       **cursor,
         const char  *mutations)
{
  g_autofree char *body = NULL;
  g_autofree char *cursor_json = cursor && *cursor ? g_strdup_printf ("\"%s\"", *cursor)
                                                   : g_strdup ("null");
  g_auto(Reply) reply = { 0 };
  JsonObject *object;

  body = g_strdup_printf ("{\"cursor\":%s,\"mutations\":[%s]}", cursor_json,
                          mutations ? mutations : "");
  reply = post_json ("/api/v1/sync", token, body);
  if (reply.status != 200)
    g_error ("sync: %u %.*s", reply.status, (int) g_bytes_get_size (reply.body),
             (const char *) g_bytes_get_data (reply.body, NULL));
  object = json_object_ref (json_node_get_object (reply.json));
  if (cursor)
    {
      g_free (*cursor);
      *cursor = g_strdup (json_object_get_string_member (object, "cursor"));
    }
  return object;
}

static JsonObject *
result_at (JsonObject *response,
           guint       i)
{
  return json_array_get_object_element (json_object_get_array_member (response, "results"), i);
}

static const char *
status_at (JsonObject *response,
           guint       i)
{
  return json_object_get_string_member (result_at (response, i), "status");
}

/* The row of @entity with @id among the changes, or NULL. */
static JsonObject *
find_change (JsonObject *response,
             const char *entity,
             const char *id)
{
  JsonArray *changes = json_object_get_array_member (response, "changes");

  for (guint i = 0; i < json_array_get_length (changes); i++)
    {
      JsonObject *c = json_array_get_object_element (changes, i);
      JsonObject *row = json_object_get_object_member (c, "row");

      if (g_str_equal (json_object_get_string_member (c, "entity"), entity) &&
          g_str_equal (json_object_get_string_member (row, "id"), id))
        return row;
    }
  return NULL;
}

static guint
count_client_rows (JsonObject *response,
                   const char *client_id,
                   const char *except_entity)
{
  JsonArray *changes = json_object_get_array_member (response, "changes");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (changes); i++)
    {
      JsonObject *c = json_array_get_object_element (changes, i);
      JsonObject *row = json_object_get_object_member (c, "row");

      if (except_entity && g_str_equal (json_object_get_string_member (c, "entity"),
                                        except_entity))
        continue;
      if (g_strcmp0 (json_object_get_string_member (row, "client_id"), client_id) == 0)
        n++;
    }
  return n;
}

static gboolean
purge_contains (JsonObject *response,
                const char *client_id)
{
  JsonArray *purge = json_object_get_array_member (response, "purge");

  for (guint i = 0; i < json_array_get_length (purge); i++)
    if (g_str_equal (json_array_get_string_element (purge, i), client_id))
      return TRUE;
  return FALSE;
}

static char *
new_client (const char *token,
            const char *first_name,
            char      **out_mutation)
{
  char *id = g_uuid_string_random ();
  g_autofree char *fields =
    g_strdup_printf ("{\"first_name\":\"%s\",\"last_name\":\"Virtanen\",\"language\":\"fi\","
                     "\"status\":\"active\",\"phone\":\"040 111 2222\","
                     "\"address\":\"Kotikatu 1\"}", first_name);
  g_autofree char *m = mutation ("insert", "client", id, id, fields);
  g_autoptr(JsonObject) response = sync_ok (token, NULL, m);

  g_assert_cmpstr (status_at (response, 0), ==, "applied");
  if (out_mutation)
    *out_mutation = g_steal_pointer (&m);
  return id;
}

static char *
now_iso (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

static char *
message_mutation (const char *client_id,
                  const char *author_id,
                  const char *body,
                  char      **out_id)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *now = now_iso ();
  g_autofree char *fields =
    g_strdup_printf ("{\"author_id\":\"%s\",\"created_at\":\"%s\",\"body\":\"%s\"}",
                     author_id, now, body);
  char *m = mutation ("insert", "message", id, client_id, fields);

  *out_id = g_steal_pointer (&id);
  return m;
}

static char *
attachment_mutation (const char *client_id,
                     const char *content,
                     char      **out_id,
                     char      **out_sha)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *now = now_iso ();
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, content, -1);
  g_autofree char *fields =
    g_strdup_printf ("{\"file_name\":\"liite.txt\",\"mime_type\":\"text/plain\",\"size\":%zu,"
                     "\"sha256\":\"%s\",\"created_at\":\"%s\"}", strlen (content), sha, now);
  char *m = mutation ("insert", "attachment", id, client_id, fields);

  *out_id = g_steal_pointer (&id);
  *out_sha = g_steal_pointer (&sha);
  return m;
}

static guint
blob (const char *method,
      const char *token,
      const char *sha,
      const char *content)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s", sha);
  g_auto(Reply) reply = request (method, path, token, "application/octet-stream", content,
                                 content ? strlen (content) : 0);

  if (reply.status >= 400)
    g_assert_nonnull (error_code (&reply));
  if (reply.status == 200 && g_str_equal (method, "GET"))
    {
      gsize n;
      const char *data = g_bytes_get_data (reply.body, &n);
      g_assert_nonnull (content);
      g_assert_cmpmem (data, n, content, strlen (content));
    }
  return reply.status;
}

/* ---- tests --------------------------------------------------------------------------------- */

static void
test_session (void)
{
  g_auto(Reply) wrong = post_json ("/api/v1/session", NULL,
                                   "{\"username\":\"alice\",\"password\":\"vaara-salasana\"}");
  g_auto(Reply) unknown = post_json ("/api/v1/session", NULL,
                                     "{\"username\":\"nobody\",\"password\":\"" PASSWORD "\"}");
  g_auto(Reply) sign_out = { 0 };
  g_auto(Reply) after = { 0 };
  g_autofree char *token = NULL;
  g_autofree char *admin = NULL;
  guint limited_at = 0;

  g_assert_cmpuint (wrong.status, ==, 401);
  g_assert_cmpstr (error_code (&wrong), ==, "invalid_credentials");
  g_assert_cmpuint (unknown.status, ==, 401);

  token = sign_in ("alice");
  g_assert_cmpuint (strlen (token), ==, 64);

  /* Repeated failures for one user name are refused with 429, even with the right password
   * afterwards. The loop is bounded. */
  for (guint i = 1; i <= 10 && limited_at == 0; i++)
    {
      g_auto(Reply) r = post_json ("/api/v1/session", NULL,
                                   "{\"username\":\"eve\",\"password\":\"arvaus-arvaus\"}");
      if (r.status == 429)
        {
          g_assert_cmpstr (error_code (&r), ==, "rate_limited");
          limited_at = i;
        }
      else
        g_assert_cmpuint (r.status, ==, 401);
    }
  g_assert_cmpuint (limited_at, ==, 6);
  {
    g_auto(Reply) r = post_json ("/api/v1/session", NULL,
                                 "{\"username\":\"eve\",\"password\":\"" PASSWORD "\"}");
    g_assert_cmpuint (r.status, ==, 429);
  }

  /* Signing out ends the token. */
  sign_out = request ("DELETE", "/api/v1/session", token, NULL, NULL, 0);
  g_assert_cmpuint (sign_out.status, ==, 204);
  after = post_json ("/api/v1/sync", token, "{\"cursor\":null,\"mutations\":[]}");
  g_assert_cmpuint (after.status, ==, 401);
  g_assert_cmpstr (error_code (&after), ==, "unauthorized");

  /* An administrator manages accounts and sees no client data. */
  admin = sign_in ("root");
  {
    g_auto(Reply) r = post_json ("/api/v1/sync", admin, "{\"cursor\":null}");
    g_assert_cmpuint (r.status, ==, 403);
    g_assert_cmpstr (error_code (&r), ==, "forbidden");
  }
}

/* ---- sign-ins run beside other requests -------------------------------------------------- */

typedef struct
{
  guint  pending;
  guint  order;       /* how many replies arrived before this one */
  GArray *statuses;   /* sign-in statuses in arrival order */
  guint  sync_order;
  guint  sync_status;
} Race;

/* A reply in the race: the sync's place in the order, or a sign-in's status. */
static void
race_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Race *race = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              NULL);
  guint status = soup_message_get_status (msg);

  if (g_str_has_suffix (g_uri_get_path (soup_message_get_uri (msg)), "/sync"))
    {
      race->sync_status = status;
      race->sync_order = race->order;
    }
  else
    g_array_append_val (race->statuses, status);
  race->order++;
  race->pending--;
}

static SoupMessage *
sign_in_message (const char *username,
                 const char *password)
{
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/api/v1/session", port);
  g_autofree char *json = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}",
                                           username, password);
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
  SoupMessage *msg = soup_message_new ("POST", uri);

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  return msg;
}

/* Argon2id is slow on purpose (tens of milliseconds, 64 MiB). Sign-ins verify passwords in
 * worker threads, so a colleague's sync is answered while several people sign in; and
 * attempts sent all at once still stop at the limit. */
static void
test_sign_in_in_parallel (void)
{
  g_autoptr(SoupSession) parallel = soup_session_new_with_options ("timeout", 30,
                                                                   "max-conns-per-host", 16,
                                                                   NULL);
  g_autofree char *token = sign_in ("carol");
  g_autofree char *cursor = NULL;
  g_autoptr(GArray) statuses = g_array_new (FALSE, FALSE, sizeof (guint));
  Race race = { 0, 0, statuses, 0, 0 };
  guint n_401 = 0, n_429 = 0;

  g_clear_pointer (&cursor, g_free);
  json_object_unref (sync_ok (token, &cursor, NULL));

  /* Four sign-ins, then a sync with nothing new: the sync is answered first. */
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(SoupMessage) msg = sign_in_message ("alice", PASSWORD);

      race.pending++;
      soup_session_send_and_read_async (parallel, msg, G_PRIORITY_DEFAULT, NULL,
                                        race_done, &race);
    }
  {
    g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/api/v1/sync", port);
    g_autofree char *value = g_strdup_printf ("Bearer %s", token);
    g_autofree char *json = g_strdup_printf ("{\"cursor\":\"%s\",\"mutations\":[]}", cursor);
    g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);

    /* Sent a moment later, so that the sign-ins are surely in the server first. */
    while (g_main_context_iteration (NULL, FALSE));
    g_usleep (5000);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  value);
    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    race.pending++;
    soup_session_send_and_read_async (parallel, msg, G_PRIORITY_DEFAULT, NULL,
                                      race_done, &race);
  }
  while (race.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (race.sync_status, ==, 200);
  g_assert_cmpuint (statuses->len, ==, 4);
  for (guint i = 0; i < statuses->len; i++)
    g_assert_cmpuint (g_array_index (statuses, guint, i), ==, 200);
  g_assert_cmpuint (race.sync_order, ==, 0);

  /* Eight wrong passwords for one name at once: five are verified, three refused at once. */
  g_array_set_size (statuses, 0);
  race.order = 0;
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(SoupMessage) msg = sign_in_message ("mallory", "arvaus-arvaus");

      race.pending++;
      soup_session_send_and_read_async (parallel, msg, G_PRIORITY_DEFAULT, NULL,
                                        race_done, &race);
    }
  while (race.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < statuses->len; i++)
    {
      guint status = g_array_index (statuses, guint, i);

      n_401 += status == 401;
      n_429 += status == 429;
    }
  g_assert_cmpuint (n_401, ==, 5);
  g_assert_cmpuint (n_429, ==, 3);
}

static void
test_idempotent (void)
{
  g_autofree char *token = sign_in ("alice");
  g_autofree char *m = NULL;
  g_autofree char *id = new_client (token, "Kerta", &m);
  g_autoptr(JsonObject) first = sync_ok (token, NULL, m);
  g_autoptr(JsonObject) replay = sync_ok (token, NULL, m);
  g_autoptr(JsonObject) pull = sync_ok (token, NULL, NULL);
  JsonArray *changes = json_object_get_array_member (pull, "changes");
  guint clients = 0;

  /* new_client applied it; both later sends return that first result. */
  g_assert_cmpstr (status_at (first, 0), ==, "applied");
  g_assert_true (json_object_equal (result_at (first, 0), result_at (replay, 0)));
  for (guint i = 0; i < json_array_get_length (changes); i++)
    {
      JsonObject *c = json_array_get_object_element (changes, i);
      JsonObject *row = json_object_get_object_member (c, "row");

      if (g_str_equal (json_object_get_string_member (row, "id"), id))
        {
          clients++;
          g_assert_cmpint (json_object_get_int_member (row, "rev"), ==,
                           json_object_get_int_member (result_at (first, 0), "rev"));
        }
    }
  g_assert_cmpuint (clients, ==, 1);
}

static char *
update_fields (const char *field,
               const char *old_json,
               const char *new_json)
{
  return g_strdup_printf ("{\"%s\":{\"old\":%s,\"new\":%s}}", field, old_json, new_json);
}

static void
test_conflict (void)
{
  g_autofree char *device1 = sign_in ("alice");
  g_autofree char *device2 = sign_in ("alice");
  g_autofree char *id = new_client (device1, "Riita", NULL);
  g_autofree char *f1 = update_fields ("phone", "\"040 111 2222\"", "\"040 333 4444\"");
  g_autofree char *f2 = update_fields ("phone", "\"040 111 2222\"", "\"050 555 6666\"");
  g_autofree char *f3 = update_fields ("address", "\"Kotikatu 1\"", "\"Uusikatu 2\"");
  g_autofree char *f4 = update_fields ("notes", "null", "\"Soitettu\"");
  g_autofree char *m1 = mutation ("update", "client", id, id, f1);
  g_autofree char *m2 = mutation ("update", "client", id, id, f2);
  g_autofree char *m3 = mutation ("update", "client", id, id, f3);
  g_autofree char *m4 = mutation ("update", "client", id, id, f4);
  g_autoptr(JsonObject) r1 = sync_ok (device1, NULL, m1);
  g_autoptr(JsonObject) r2 = sync_ok (device2, NULL, m2);
  g_autoptr(JsonObject) r3 = sync_ok (device1, NULL, m3);
  g_autoptr(JsonObject) r4 = sync_ok (device2, NULL, m4);
  JsonObject *conflict, *row;

  g_assert_cmpstr (status_at (r1, 0), ==, "applied");
  /* The same field changed on both devices: a conflict with the other value, not a silent
   * overwrite. */
  g_assert_cmpstr (status_at (r2, 0), ==, "conflict");
  conflict = json_object_get_object_member (
    json_object_get_object_member (result_at (r2, 0), "conflicts"), "phone");
  g_assert_cmpstr (json_object_get_string_member (conflict, "theirs"), ==, "040 333 4444");
  g_assert_cmpstr (json_object_get_string_member (conflict, "mine"), ==, "050 555 6666");
  /* Different fields: both applied. */
  g_assert_cmpstr (status_at (r3, 0), ==, "applied");
  g_assert_cmpstr (status_at (r4, 0), ==, "applied");

  row = find_change (r4, "client", id);
  g_assert_nonnull (row);
  g_assert_cmpstr (json_object_get_string_member (row, "phone"), ==, "040 333 4444");
  g_assert_cmpstr (json_object_get_string_member (row, "address"), ==, "Uusikatu 2");
  g_assert_cmpstr (json_object_get_string_member (row, "notes"), ==, "Soitettu");
}

static char *
invite (const char *token,
        const char *client_id,
        const char *professional_id,
        const char *role,
        const char **out_status,
        const char **out_code)
{
  char *id = g_uuid_string_random ();
  g_autofree char *fields =
    g_strdup_printf ("{\"professional_id\":\"%s\",\"role\":\"%s\",\"state\":\"invited\","
                     "\"history_window\":\"from_now\"}", professional_id, role);
  g_autofree char *m = mutation ("insert", "participant", id, client_id, fields);
  g_autoptr(JsonObject) r = sync_ok (token, NULL, m);

  *out_status = g_intern_string (status_at (r, 0));
  *out_code = json_object_has_member (result_at (r, 0), "code")
    ? g_intern_string (json_object_get_string_member (result_at (r, 0), "code")) : NULL;
  return id;
}

static void
set_state (const char *token,
           const char *participant_id,
           const char *client_id,
           const char *old_state,
           const char *new_state,
           const char *extra)
{
  g_autofree char *fields =
    g_strdup_printf ("{\"state\":{\"old\":\"%s\",\"new\":\"%s\"}%s}", old_state, new_state,
                     extra ? extra : "");
  g_autofree char *m = mutation ("update", "participant", participant_id, client_id, fields);
  g_autoptr(JsonObject) r = sync_ok (token, NULL, m);

  g_assert_cmpstr (status_at (r, 0), ==, "applied");
}

static gint64
audit_count (const char *account_id,
             const char *action,
             const char *client_id)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM audit_log WHERE account_id = ?"
                                           " AND action = ? AND (?3 IS NULL OR client_id = ?3)",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, action, -1, SQLITE_STATIC);
  if (client_id)
    sqlite3_bind_text (stmt, 3, client_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static void
test_seed_000 (void)
{
  g_autofree char *alice = sign_in ("alice");
  g_autofree char *bob = sign_in ("bob");
  g_autofree char *carol = sign_in ("carol");
  g_autofree char *bob_cursor = NULL;
  g_autofree char *client = new_client (alice, "Aino", NULL);
  g_autofree char *m1_id = NULL, *a1_id = NULL, *sha1 = NULL;
  g_autofree char *m2_id = NULL, *a2_id = NULL, *sha2 = NULL;
  g_autofree char *m3_id = NULL, *m4_id = NULL, *quarantine_id = NULL;
  g_autofree char *m1 = message_mutation (client, alice_id, "Ennen kutsua", &m1_id);
  g_autofree char *a1 = attachment_mutation (client, "vanha liite", &a1_id, &sha1);
  g_autofree char *both = g_strdup_printf ("%s,%s", m1, a1);
  g_autoptr(JsonObject) r = sync_ok (alice, NULL, both);
  g_autofree char *bob_part = NULL;
  g_autofree char *carol_part = NULL;
  g_autofree char *notification_id = g_uuid_string_random ();
  const char *status, *code;

  g_assert_cmpstr (status_at (r, 0), ==, "applied");
  g_assert_cmpstr (status_at (r, 1), ==, "applied");
  g_assert_cmpuint (blob ("PUT", alice, sha1, "vanha liite"), ==, 201);
  g_assert_cmpuint (blob ("GET", alice, sha1, "vanha liite"), ==, 200);

  /* The owner invites B (and B gets the invitation notification); B sees no client data. */
  bob_part = invite (alice, client, bob_id, "member", &status, &code);
  g_assert_cmpstr (status, ==, "applied");
  {
    g_autofree char *now = now_iso ();
    g_autofree char *fields =
      g_strdup_printf ("{\"recipient_kind\":\"professional\",\"recipient_id\":\"%s\","
                       "\"kind\":\"invited\",\"text\":\"Sinut on kutsuttu\","
                       "\"created_at\":\"%s\"}", bob_id, now);
    g_autofree char *m = mutation ("insert", "notification", notification_id, client, fields);
    g_autoptr(JsonObject) rn = sync_ok (alice, NULL, m);
    g_assert_cmpstr (status_at (rn, 0), ==, "applied");
  }
  {
    g_autoptr(JsonObject) pull = sync_ok (bob, &bob_cursor, NULL);
    g_assert_nonnull (find_change (pull, "notification", notification_id));
    g_assert_cmpuint (count_client_rows (pull, client, "notification"), ==, 0);
    g_assert_null (find_change (pull, "client", client));
  }
  g_assert_cmpuint (blob ("GET", bob, sha1, NULL), ==, 404);

  /* Consent, history from now: B joins. */
  set_state (alice, bob_part, client, "invited", "active",
             ",\"consent_method\":{\"old\":null,\"new\":\"in_person\"}");
  {
    g_autoptr(JsonObject) pull = sync_ok (bob, &bob_cursor, NULL);
    g_assert_nonnull (find_change (pull, "client", client));
    g_assert_nonnull (find_change (pull, "participant", bob_part));
    /* Not the earlier message, not the earlier attachment. */
    g_assert_null (find_change (pull, "message", m1_id));
    g_assert_null (find_change (pull, "attachment", a1_id));
  }
  {
    /* Not even from the start. */
    g_autoptr(JsonObject) pull = sync_ok (bob, NULL, NULL);
    g_assert_nonnull (find_change (pull, "client", client));
    g_assert_null (find_change (pull, "message", m1_id));
    g_assert_null (find_change (pull, "attachment", a1_id));
  }
  g_assert_cmpuint (blob ("GET", bob, sha1, NULL), ==, 404);

  /* A later message and attachment reach B. */
  {
    g_autofree char *m2 = message_mutation (client, alice_id, "Kutsun jälkeen", &m2_id);
    g_autofree char *a2 = attachment_mutation (client, "uusi liite", &a2_id, &sha2);
    g_autofree char *pair = g_strdup_printf ("%s,%s", m2, a2);
    g_autoptr(JsonObject) ra = sync_ok (alice, NULL, pair);
    g_autoptr(JsonObject) pull = NULL;

    g_assert_cmpstr (status_at (ra, 1), ==, "applied");
    g_assert_cmpuint (blob ("PUT", alice, sha2, "uusi liite"), ==, 201);
    pull = sync_ok (bob, &bob_cursor, NULL);
    g_assert_nonnull (find_change (pull, "message", m2_id));
    g_assert_nonnull (find_change (pull, "attachment", a2_id));
    g_assert_null (find_change (pull, "message", m1_id));
  }
  g_assert_cmpuint (blob ("GET", bob, sha2, "uusi liite"), ==, 200);
  {
    g_autofree char *m3 = message_mutation (client, bob_id, "B kirjoittaa", &m3_id);
    g_autoptr(JsonObject) rb = sync_ok (bob, &bob_cursor, m3);
    g_assert_cmpstr (status_at (rb, 0), ==, "applied");
  }

  /* A member cannot invite. */
  carol_part = invite (alice, client, carol_id, "member", &status, &code);
  g_assert_cmpstr (status, ==, "applied");
  set_state (alice, carol_part, client, "invited", "active", NULL);
  g_free (invite (carol, client, dave_id, "member", &status, &code));
  g_assert_cmpstr (status, ==, "rejected");
  g_assert_cmpstr (code, ==, "forbidden");

  /* Revocation: a purge instruction, no more data, no blobs. */
  set_state (alice, bob_part, client, "active", "revoked",
             ",\"revoke_reason\":{\"old\":null,\"new\":\"Asiakkaan pyyntö\"}");
  {
    g_autoptr(JsonObject) pull = sync_ok (bob, &bob_cursor, NULL);
    g_assert_true (purge_contains (pull, client));
    g_assert_cmpuint (count_client_rows (pull, client, NULL), ==, 0);
  }
  g_assert_cmpuint (blob ("GET", bob, sha2, NULL), ==, 404);
  {
    g_autofree char *m4 = message_mutation (client, bob_id, "Ei enää", &m4_id);
    g_autoptr(JsonObject) rb = sync_ok (bob, &bob_cursor, m4);
    /* Written before the laptop heard of the revocation: not applied, kept for review. */
    g_assert_cmpstr (status_at (rb, 0), ==, "quarantined");
    quarantine_id = g_strdup (json_object_get_string_member (result_at (rb, 0),
                                                             "quarantine_id"));
    g_assert_true (g_uuid_string_is_valid (quarantine_id));
    g_assert_cmpuint (count_client_rows (rb, client, NULL), ==, 0);
  }
  {
    /* The owner still sees everything, B's message too, and not the refused one: it waits
     * as a quarantined change with its text. */
    g_autoptr(JsonObject) pull = sync_ok (alice, NULL, NULL);
    JsonObject *q;

    g_assert_nonnull (find_change (pull, "message", m1_id));
    g_assert_nonnull (find_change (pull, "message", m3_id));
    g_assert_null (find_change (pull, "message", m4_id));
    q = find_change (pull, "quarantined_change", quarantine_id);
    g_assert_nonnull (q);
    g_assert_cmpstr (json_object_get_string_member (q, "author_id"), ==, bob_id);
    g_assert_cmpstr (json_object_get_string_member (q, "row_id"), ==, m4_id);
    g_assert_nonnull (strstr (json_object_get_string_member (q, "fields"), "Ei enää"));
  }
  {
    /* A member (Carol) does not see it; nobody can write one. */
    g_autoptr(JsonObject) pull = sync_ok (carol, NULL, NULL);

    g_assert_null (find_change (pull, "quarantined_change", quarantine_id));
  }

  /* Every read of client data and every refused blob is in the audit log. */
  g_assert_cmpint (audit_count (bob_id, "read", client), >, 0);
  g_assert_cmpint (audit_count (bob_id, "blob_get_refused", NULL), >=, 3);
  g_assert_cmpint (audit_count (bob_id, "purge", client), ==, 1);
}

static void
expect_error (const Reply *reply,
              guint        status,
              const char  *code)
{
  g_assert_cmpuint (reply->status, ==, status);
  g_assert_cmpstr (error_code (reply), ==, code);
  g_assert_nonnull (json_object_get_string_member (json_node_get_object (reply->json),
                                                   "message"));
}

static void
test_bad_requests (void)
{
  g_autofree char *token = sign_in ("alice");
  g_autofree char *good_id = g_uuid_string_random ();
  g_autofree char *bad_id = g_uuid_string_random ();
  g_autofree char *good = mutation ("insert", "client", good_id, good_id,
                                    "{\"first_name\":\"Hyvä\",\"last_name\":\"Pyyntö\"}");
  g_autofree char *bad = mutation ("insert", "client", bad_id, bad_id,
                                   "{\"first_name\":42,\"last_name\":\"Pyyntö\"}");
  g_autofree char *unknown = mutation ("insert", "client", bad_id, bad_id,
                                       "{\"first_name\":\"A\",\"shoe_size\":\"44\"}");
  g_autofree char *mixed = g_strdup_printf ("{\"cursor\":null,\"mutations\":[%s,%s]}", good, bad);
  g_autofree char *with_unknown = g_strdup_printf ("{\"mutations\":[%s,%s]}", good, unknown);
  gsize deep_n = 100000;
  g_autofree char *deep = g_malloc (deep_n);
  gsize big_n = 5 * 1024 * 1024;
  g_autofree char *big = g_malloc (big_n);

  memset (deep, '[', deep_n);
  memset (big, ' ', big_n);
  big[0] = '{';
  big[big_n - 1] = '}';

  {
    g_auto(Reply) r = post_json ("/api/v1/sync", token, "{\"cursor\": ");
    expect_error (&r, 400, "malformed_json");
  }
  {
    g_auto(Reply) r = request ("POST", "/api/v1/sync", token, "application/json", deep, deep_n);
    expect_error (&r, 400, "too_deep");
  }
  {
    g_auto(Reply) r = request ("POST", "/api/v1/sync", token, "application/json", big, big_n);
    expect_error (&r, 413, "too_large");
  }
  {
    g_auto(Reply) r = post_json ("/api/v1/sync", token, mixed);
    expect_error (&r, 400, "wrong_type");
  }
  {
    g_auto(Reply) r = post_json ("/api/v1/sync", token, with_unknown);
    expect_error (&r, 400, "unknown_field");
  }
  {
    g_auto(Reply) r = post_json ("/api/v1/sync", token, "{\"mutations\":{}}");
    expect_error (&r, 400, "wrong_type");
  }
  {
    g_auto(Reply) r = post_json ("/api/v1/sync", token, "[1, 2, 3]");
    expect_error (&r, 400, "wrong_type");
  }
  {
    g_auto(Reply) r = post_json ("/api/v1/sync", token, "{\"purge_acks\": \"not a list\"}");
    expect_error (&r, 400, "wrong_type");
  }
  {
    g_auto(Reply) r = post_json ("/api/v1/sync", token, "{\"purge_acks\": [\"not-a-uuid\"]}");
    expect_error (&r, 400, "invalid_value");
  }
  {
    g_auto(Reply) r = post_json ("/api/v1/sync", token, "{\"case_set\": \"ABC\"}");
    expect_error (&r, 400, "invalid_value");
  }
  {
    g_auto(Reply) r = request ("POST", "/api/v1/sync", token, "text/plain", "{}", 2);
    expect_error (&r, 415, "unsupported_media_type");
  }
  {
    g_auto(Reply) r = post_json ("/api/v1/session", NULL, "{\"username\":1,\"password\":[]}");
    expect_error (&r, 400, "wrong_type");
  }
  {
    g_auto(Reply) r = request ("GET", "/api/v1/blobs/not-a-hash", token, NULL, NULL, 0);
    expect_error (&r, 400, "invalid_value");
  }
  {
    g_auto(Reply) r = request ("GET", "/api/v1/nothing", token, NULL, NULL, 0);
    expect_error (&r, 404, "not_found");
  }

  /* Nothing of the refused requests was applied, and the server still answers. */
  {
    g_autoptr(JsonObject) pull = sync_ok (token, NULL, NULL);
    g_assert_null (find_change (pull, "client", good_id));
    g_assert_null (find_change (pull, "client", bad_id));
  }
}

/* ---- GET /api/v1/snapshot: the stream of parts ------------------------------------------- */

/* One part of a snapshot stream, opened from a private copy of its bytes. */
static sqlite3 *
open_part (const guint8 *data,
           gsize         size)
{
  g_autofree char *path = g_build_filename (tmpdir, "part.db", NULL);
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) size, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  /* Gone from the disk; the open handle keeps it (and no journal is ever written). */
  g_unlink (path);
  return db;
}

static char *
sql_text (sqlite3    *db,
          const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return text;
}

/* The body's parts (GBytes each), asserting the framing: lengths, the end marker, nothing
 * after it. */
static GPtrArray *
split_parts (GBytes *body)
{
  gsize size, at = 0;
  const guint8 *data = g_bytes_get_data (body, &size);
  GPtrArray *parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (;;)
    {
      guint32 length;

      g_assert_cmpuint (size - at, >=, 4);
      length = (guint32) data[at] << 24 | (guint32) data[at + 1] << 16 |
               (guint32) data[at + 2] << 8 | data[at + 3];
      at += 4;
      if (length == 0)
        break;
      g_assert_cmpuint (size - at, >=, length);
      g_ptr_array_add (parts, g_bytes_new (data + at, length));
      at += length;
    }
  g_assert_cmpuint (at, ==, size);
  return parts;
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize n, len = strlen (needle);
  const guint8 *data = g_bytes_get_data (bytes, &n);

  for (gsize i = 0; i + len <= n; i++)
    if (memcmp (data + i, needle, len) == 0)
      return TRUE;
  return FALSE;
}

/* sql_text, compared and freed. */
#define assert_sql_text(db, sql, expected) \
  G_STMT_START { \
    g_autofree char *_text = sql_text ((db), (sql)); \
    g_assert_cmpstr (_text, ==, (expected)); \
  } G_STMT_END

static void
test_snapshot_stream (void)
{
  g_autofree char *token = sign_in ("alice");
  g_autofree char *bob = sign_in ("bob");
  g_autofree char *client = new_client (token, "Aino", NULL);
  g_autofree char *url = NULL;
  g_autoptr(GHashTable) tables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) parts = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *tables_text = NULL;
  g_autofree char *seq_detail = NULL;
  g_autofree char *audit_sql = NULL;
  g_autofree char *audited = NULL;
  g_auto(Reply) reply = { 0 };
  sqlite3 *db;

  reply = request ("GET", "/api/v1/snapshot", token, NULL, NULL, 0);
  g_assert_cmpuint (reply.status, ==, 200);
  parts = split_parts (reply.body);
  g_assert_cmpuint (parts->len, >, 2);

  /* The header: the cursor, and how many table parts follow. */
  db = open_part (g_bytes_get_data (parts->pdata[0], NULL), g_bytes_get_size (parts->pdata[0]));
  assert_sql_text (db, "SELECT group_concat (name) FROM sqlite_master", "snapshot");
  cursor = sql_text (db, "SELECT cursor FROM snapshot");
  tables_text = sql_text (db, "SELECT tables FROM snapshot");
  assert_sql_text (db, "SELECT account_id FROM snapshot", alice_id);
  sqlite3_close (db);
  g_assert_nonnull (strchr (cursor, ':'));
  g_assert_cmpuint (g_ascii_strtoull (tables_text, NULL, 10), ==, parts->len - 1);

  /* Then each table once, one per part, with only its own indexes. */
  for (guint i = 1; i < parts->len; i++)
    {
      g_autofree char *table = NULL;
      g_autofree char *others = NULL;

      db = open_part (g_bytes_get_data (parts->pdata[i], NULL),
                      g_bytes_get_size (parts->pdata[i]));
      table = sql_text (db, "SELECT group_concat (name) FROM sqlite_master WHERE type = 'table'");
      others = sql_text (db, "SELECT group_concat (name) FROM sqlite_master"
                             " WHERE type = 'index' AND tbl_name <> (SELECT name FROM"
                             " sqlite_master WHERE type = 'table')");
      g_assert_null (strchr (table, ','));
      g_assert_null (others);
      assert_sql_text (db, "PRAGMA quick_check", "ok");
      g_assert_false (g_hash_table_contains (tables, table));
      if (g_str_equal (table, "clients"))
        {
          g_autofree char *sql = g_strdup_printf ("SELECT first_name FROM clients"
                                                  " WHERE id = '%s'", client);

          assert_sql_text (db, sql, "Aino");
        }
      sqlite3_close (db);
      g_hash_table_add (tables, g_steal_pointer (&table));
    }
  g_assert_true (g_hash_table_contains (tables, "clients"));
  g_assert_true (g_hash_table_contains (tables, "messages"));
  g_assert_true (g_hash_table_contains (tables, "organizations"));

  /* Who received the client's data, and at which seq, is on record. */
  seq_detail = g_strdup_printf ("seq %s", strchr (cursor, ':') + 1);
  audit_sql = g_strdup_printf ("SELECT group_concat (detail) FROM audit_log"
                               " WHERE action = 'read_snapshot' AND client_id = '%s'"
                               " AND account_id = '%s'", client, alice_id);
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  audited = sql_text (db, audit_sql);
  sqlite3_close (db);
  g_assert_cmpstr (audited, ==, seq_detail);

  /* Bob is no participant: his stream holds no row of the client. */
  {
    g_auto(Reply) other = request ("GET", "/api/v1/snapshot", bob, NULL, NULL, 0);
    g_autoptr(GPtrArray) bob_parts = NULL;

    g_assert_cmpuint (other.status, ==, 200);
    bob_parts = split_parts (other.body);
    for (guint i = 1; i < bob_parts->len; i++)
      {
        g_assert_false (bytes_contain (bob_parts->pdata[i], client));
        g_assert_false (bytes_contain (bob_parts->pdata[i], "Aino"));
      }
  }

  /* A reader that goes away after the first bytes: the server carries on with the rest. */
  {
    g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
    g_autoptr(GSocketConnection) connection = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *head = g_strdup_printf ("GET /api/v1/snapshot HTTP/1.1\r\n"
                                             "Host: 127.0.0.1\r\n"
                                             "Authorization: Bearer %s\r\n\r\n", token);
    char buffer[64];
    g_autoptr(JsonObject) response = NULL;

    connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1", (guint16) port,
                                                  NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                              head, strlen (head), NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                          buffer, sizeof buffer, NULL, &error), >, 0);
    g_assert_true (g_io_stream_close (G_IO_STREAM (connection), NULL, NULL));
    response = sync_ok (token, NULL, NULL);
    g_assert_nonnull (response);
  }
  {
    g_auto(Reply) again = request ("GET", "/api/v1/snapshot", token, NULL, NULL, 0);
    g_autoptr(GPtrArray) again_parts = NULL;

    g_assert_cmpuint (again.status, ==, 200);
    again_parts = split_parts (again.body);
    g_assert_cmpuint (again_parts->len, ==, parts->len);
  }
}

static void
test_crash_restart (void)
{
  g_autofree char *token = sign_in ("alice");
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *last = NULL;
  g_autofree char *cursor = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 last_rev;
  gint64 since = 0;
  guint pages = 0;
  gboolean more = TRUE;

  for (guint i = 0; i < 20; i++)
    {
      g_free (last);
      last = NULL;
      g_ptr_array_add (ids, new_client (token, "Kaatuminen", &last));
    }
  {
    g_autoptr(JsonObject) r = sync_ok (token, NULL, last);
    last_rev = json_object_get_int_member (result_at (r, 0), "rev");
  }

  /* kill -9 right after the acknowledgements, then start again on the same database. */
  stop_server (SIGKILL);
  start_server ();

  /* The rate limit survived too: eve, limited in /server/session, still waits, even with the
   * right password. */
  {
    g_auto(Reply) r = post_json ("/api/v1/session", NULL,
                                 "{\"username\":\"eve\",\"password\":\"" PASSWORD "\"}");

    g_assert_cmpuint (r.status, ==, 429);
    g_assert_cmpstr (error_code (&r), ==, "rate_limited");
  }

  /* The session survived; every acknowledged client is there, pulled in small pages. */
  while (more && pages < 100)
    {
      g_autofree char *body = g_strdup_printf ("{\"cursor\":%s%s%s,\"limit\":7}",
                                               cursor ? "\"" : "", cursor ? cursor : "null",
                                               cursor ? "\"" : "");
      g_auto(Reply) r = post_json ("/api/v1/sync", token, body);
      JsonObject *o;
      JsonArray *changes;
      guint in_page = 0;

      g_assert_cmpuint (r.status, ==, 200);
      o = json_node_get_object (r.json);
      changes = json_object_get_array_member (o, "changes");
      /* At most "limit" changes after the cursor (a client joined in this page may add
       * its earlier rows, which can repeat rows sent before). */
      for (guint i = 0; i < json_array_get_length (changes); i++)
        {
          JsonObject *row = json_object_get_object_member (
            json_array_get_object_element (changes, i), "row");
          g_hash_table_add (seen, g_strdup (json_object_get_string_member (row, "id")));
          if (json_object_get_int_member (row, "rev") > since)
            in_page++;
        }
      g_assert_cmpuint (in_page, <=, 7);
      since = g_ascii_strtoll (strchr (json_object_get_string_member (o, "cursor"), ':') + 1,
                               NULL, 10);
      more = json_object_get_boolean_member (o, "more");
      g_free (cursor);
      cursor = g_strdup (json_object_get_string_member (o, "cursor"));
      pages++;
    }
  g_assert_false (more);
  g_assert_cmpuint (pages, >, 1);
  for (guint i = 0; i < ids->len; i++)
    g_assert_true (g_hash_table_contains (seen, ids->pdata[i]));

  /* The replayed last mutation gets its first result back. */
  {
    g_autoptr(JsonObject) r = sync_ok (token, NULL, last);
    g_assert_cmpstr (status_at (r, 0), ==, "applied");
    g_assert_cmpint (json_object_get_int_member (result_at (r, 0), "rev"), ==, last_rev);
  }

  /* A cursor from another database is answered 410. */
  {
    g_auto(Reply) r = post_json ("/api/v1/sync", token, "{\"cursor\":\"0000000000000000:1\"}");
    expect_error (&r, 410, "cursor_expired");
  }
}

static void
test_refuses_plain_http_outside_loopback (void)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  /* The check runs before anything is opened or bound. */
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error, server_bin, "--database", db_path, "--listen", "0.0.0.0",
                           "--port", "0", "serve", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
  g_assert_nonnull (strstr (err, "Refusing plain HTTP"));
}

static gboolean
accept_only (SoupMessage          *msg,
             GTlsCertificate      *peer,
             GTlsCertificateFlags  errors,
             GTlsCertificate      *ours)
{
  /* Our throwaway certificate is self-signed: trust exactly it, nothing else. */
  return g_tls_certificate_is_same (peer, ours);
}

/* With a certificate and key the server speaks HTTPS, also on a non-loopback address, and a
 * sign-in works over it; plain HTTP to the same port gets no answer. */
static void
test_tls (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "tls", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *uri = NULL;
  g_autofree char *plain_uri = NULL;
  g_autoptr(GSubprocess) openssl = NULL;
  g_autoptr(GSubprocess) tls_server = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GTlsCertificate) ours = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(SoupMessage) plain = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *json = "{\"username\": \"alice\", \"password\": \"" PASSWORD "\"}";
  guint tls_port;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_fail_printf ("GIO has no TLS backend: install glib-networking");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  openssl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                              "-keyout", key, "-out", cert, "-days", "1", "-subj",
                              "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (openssl, NULL, &error));
  g_assert_no_error (error);
  ours = g_tls_certificate_new_from_file (cert, &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  tls_server = g_subprocess_launcher_spawn (launcher, &error, server_bin, "--database", db_path,
                                            "--listen", "0.0.0.0", "--port", "0",
                                            "--tls-certificate", cert, "--tls-key", key,
                                            "serve", NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (tls_server));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  tls_port = (guint) g_ascii_strtoull (line, NULL, 10);
  g_assert_cmpuint (tls_port, >, 0);

  uri = g_strdup_printf ("https://127.0.0.1:%u/api/v1/session", tls_port);
  msg = soup_message_new ("POST", uri);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_only), ours);
  body = g_bytes_new_static (json, strlen (json));
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_nonnull (soup_message_get_tls_peer_certificate (msg));
  g_assert_true (g_tls_certificate_is_same (soup_message_get_tls_peer_certificate (msg), ours));
  g_assert_nonnull (strstr (g_bytes_get_data (reply, NULL), "\"token\""));

  /* The same port does not answer plain HTTP. */
  plain_uri = g_strdup_printf ("http://127.0.0.1:%u/api/v1/session", tls_port);
  plain = soup_message_new ("POST", plain_uri);
  soup_message_set_request_body_from_bytes (plain, "application/json", body);
  g_clear_pointer (&reply, g_bytes_unref);
  reply = soup_session_send_and_read (session, plain, NULL, &error);
  g_assert_true (error != NULL || soup_message_get_status (plain) != 200);
  g_clear_error (&error);

  g_subprocess_send_signal (tls_server, SIGTERM);
  g_subprocess_wait (tls_server, NULL, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;
  int rc;
  g_autofree char *out = NULL;

  g_test_init (&argc, &argv, NULL);

  server_bin = g_getenv ("YP_SERVER");
  if (server_bin == NULL)
    {
      g_test_skip ("YP_SERVER is not set");
      return 77;
    }
  tmpdir = g_dir_make_tmp ("yp-server-test-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (tmpdir, "server.db", NULL);

  out = run_admin (NULL, &status, "init", NULL);
  g_assert_cmpint (status, ==, 0);
  alice_id = add_user ("alice", "Alice Omistaja", FALSE);
  bob_id = add_user ("bob", "Bertta Kutsuttu", FALSE);
  carol_id = add_user ("carol", "Carita Jäsen", FALSE);
  dave_id = add_user ("dave", "Daavid Ulkopuolinen", FALSE);
  g_free (add_user ("eve", "Eeva Arvaaja", FALSE));
  g_free (add_user ("root", NULL, TRUE));
  {
    g_autofree char *dup = run_admin (PASSWORD "\n", &status, "user", "add", "alice", "--name",
                                      "Toinen", NULL);
    g_assert_cmpint (status, !=, 0);
  }

  session = soup_session_new_with_options ("timeout", 30, NULL);
  start_server ();

  g_test_add_func ("/server/session", test_session);
  g_test_add_func ("/server/sign-in-in-parallel", test_sign_in_in_parallel);
  g_test_add_func ("/server/sync/idempotent", test_idempotent);
  g_test_add_func ("/server/sync/conflict", test_conflict);
  g_test_add_func ("/server/policy/seed-000", test_seed_000);
  g_test_add_func ("/server/bad-requests", test_bad_requests);
  g_test_add_func ("/server/plain-http-refused", test_refuses_plain_http_outside_loopback);
  g_test_add_func ("/server/tls", test_tls);
  g_test_add_func ("/server/snapshot-stream", test_snapshot_stream);
  g_test_add_func ("/server/crash-restart", test_crash_restart);
  rc = g_test_run ();

  if (server)
    stop_server (SIGTERM);
  g_clear_object (&session);
  {
    g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (db_path, "-shm", NULL);
    g_unlink (db_path);
    g_unlink (wal);
    g_unlink (shm);
    g_rmdir (tmpdir);
  }
  g_free (db_path);
  g_free (tmpdir);
  return rc;
}
