/* test-snapshot.c — the first sync through the server's snapshot (GET /api/v1/snapshot):
 * the real yhteispolku-server binary on 127.0.0.1 (port 0) with a temporary database, real app
 * stores in temporary folders signed in through the real sync engine, and the session's real
 * keyring. A snapshot must give exactly what paged pulls give, leak nothing a pull would not
 * send, be refused when tampered with (the engine then pulls pages), and leave no file behind.
 */
#define G_LOG_DOMAIN "test-snapshot"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "yp-credentials.h"
#include "yp-messages.h"
#include "yp-participants.h"
#include "yp-store.h"
#include "yp-sync-engine.h"
#include "yp-util.h"
#include "yp-server-test-util.h"
#include "yp-test-util.h"

#define PASSWORD "salasana-1234"

#define SENTINEL_OLD   "VANHA-VIESTI-3b8e"
#define SENTINEL_NEW   "UUSI-VIESTI-c41d"
#define SENTINEL_NAME  "Tilannekuvalainen"

typedef struct
{
  char         *dir;
  YpStore      *store;
  YpSyncEngine *engine;
  char         *url;
  char         *username;
} Laptop;

typedef struct
{
  char         *dir;
  char         *server_db;
  GSubprocess  *server;
  guint         port;
  char         *url;
  char         *alice_id;
  char         *bob_id;
  char         *carol_id;
  Laptop       *a;      /* Alice's own laptop, where her clients are made */
  GPtrArray    *laptops;
  struct _Proxy *proxy;  /* between a laptop and the server, to cut its snapshot; or NULL */
} Fixture;

/* ---- the server ------------------------------------------------------------------------- */

#define run_admin(f, stdin_text, ...) \
  yp_server_test_admin ((f)->server_db, stdin_text, __VA_ARGS__)

static void
start_server (Fixture *f)
{
  f->server = yp_server_test_start (f->server_db, 0, &f->port);
}

/* ---- the snapshot stream ------------------------------------------------------------------ */

#define SNAPSHOT_TYPE "application/vnd.yhteispolku.snapshot-parts"

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
append_be32 (GByteArray *out,
             guint32     value)
{
  guint8 bytes[4] = { value >> 24, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff };

  g_byte_array_append (out, bytes, 4);
}

/* The parts of a well-formed stream, in order; its end marker must end it. */
static GPtrArray *
split_stream (GBytes *stream)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize size, offset = 0;
  const guint8 *data = g_bytes_get_data (stream, &size);

  for (;;)
    {
      guint32 length;

      g_assert_cmpuint (offset + 4, <=, size);
      length = read_be32 (data + offset);
      offset += 4;
      if (length == 0)
        break;
      g_assert_cmpuint (offset + length, <=, size);
      g_ptr_array_add (parts, g_bytes_new_from_bytes (stream, offset, length));
      offset += length;
    }
  g_assert_cmpuint (offset, ==, size);
  return parts;
}

/* @parts as a stream, with or without its end marker. */
static GBytes *
join_parts (GPtrArray *parts,
            gboolean   with_end)
{
  GByteArray *out = g_byte_array_new ();

  for (guint i = 0; i < parts->len; i++)
    {
      gsize n;
      const guint8 *data = g_bytes_get_data (parts->pdata[i], &n);

      append_be32 (out, (guint32) n);
      g_byte_array_append (out, data, (guint) n);
    }
  if (with_end)
    append_be32 (out, 0);
  return g_byte_array_free_to_bytes (out);
}

/* @part (a SQLite file) opened in memory, for reading or changing it. */
static sqlite3 *
open_part (GBytes *part)
{
  sqlite3 *db = NULL;
  gsize n;
  const guint8 *data = g_bytes_get_data (part, &n);
  guint8 *copy = sqlite3_malloc64 (n);

  memcpy (copy, data, n);
  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_deserialize (db, "main", copy, (sqlite3_int64) n, (sqlite3_int64) n,
                                        SQLITE_DESERIALIZE_FREEONCLOSE
                                        | SQLITE_DESERIALIZE_RESIZEABLE), ==, SQLITE_OK);
  return db;
}

static GBytes *
serialize_part (sqlite3 *db)
{
  sqlite3_int64 n = 0;
  unsigned char *data = sqlite3_serialize (db, "main", &n, 0);
  GBytes *bytes;

  g_assert_nonnull (data);
  bytes = g_bytes_new (data, (gsize) n);
  sqlite3_free (data);
  return bytes;
}

/* The one table a part holds. */
static char *
part_table (GBytes *part)
{
  sqlite3 *db = open_part (part);
  sqlite3_stmt *stmt = NULL;
  char *name;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT name FROM sqlite_schema WHERE type = 'table'",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return name;
}

/* Where the part of @table is in @parts ("snapshot": the header). */
static guint
part_index (GPtrArray  *parts,
            const char *table)
{
  for (guint i = 0; i < parts->len; i++)
    {
      g_autofree char *name = part_table (parts->pdata[i]);

      if (g_str_equal (name, table))
        return i;
    }
  g_assert_not_reached ();
}

/* @part after @sql ran on it. */
static GBytes *
tamper_part (GBytes     *part,
             const char *sql)
{
  sqlite3 *db = open_part (part);
  char *message = NULL;
  GBytes *bytes;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  bytes = serialize_part (db);
  sqlite3_close (db);
  return bytes;
}

/* Feeds @parts to a new import into @store as the sync engine does: from memory, or with
 * @in_files each written to a file in the store's folder (the engine's way for a part too
 * large for memory); stops at the first refusal. Every file is gone afterwards. */
static gboolean
import_parts (YpStore    *store,
              GPtrArray  *parts,
              gboolean    in_files,
              GError    **error)
{
  g_autoptr(YpSnapshotImport) import = yp_store_snapshot_import_new (store);
  g_autofree char *dir = g_path_get_dirname (yp_store_get_path (store));

  for (guint i = 0; i < parts->len; i++)
    {
      g_autofree char *name = g_strdup_printf (".snapshot-test-%u.db", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      gboolean ok;

      if (!in_files)
        {
          if (!yp_snapshot_import_part_bytes (import, parts->pdata[i], error))
            return FALSE;
          continue;
        }
      g_assert_true (g_file_set_contents (path, g_bytes_get_data (parts->pdata[i], NULL),
                                          (gssize) g_bytes_get_size (parts->pdata[i]), NULL));
      ok = yp_snapshot_import_part (import, path, error);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      if (!ok)
        return FALSE;
    }
  return yp_snapshot_import_finish (import, error);
}

/* ---- a proxy that cuts the snapshot ------------------------------------------------------------
 *
 * A laptop signed in through it talks to the real server; only the body of a successful
 * snapshot reply is changed on its way, by @cut: what a dropped connection, a server that
 * failed after its 200 or a broken one would send. */

typedef GBytes *(*StreamCut) (GBytes *stream);

typedef struct _Proxy
{
  SoupServer  *server;
  SoupSession *session;
  char        *upstream;
  char        *url;
  StreamCut    cut;
  guint        n_snapshots;  /* snapshot replies that went through cut */
  /* Called once the server has sent a snapshot and before the laptop gets it. */
  void       (*on_snapshot) (gpointer data);
  gpointer     on_snapshot_data;
  /* With stall_at > 0, a snapshot reply stops after that many bytes (the connection stays
   * open) until proxy_resume (). */
  gsize              stall_at;
  SoupServerMessage *stalled;
  GBytes            *rest;
} Proxy;

static void
proxy_free (Proxy *proxy)
{
  soup_server_disconnect (proxy->server);
  g_object_unref (proxy->server);
  g_object_unref (proxy->session);
  g_free (proxy->upstream);
  g_free (proxy->url);
  g_clear_pointer (&proxy->rest, g_bytes_unref);
  g_free (proxy);
}

static GBytes *drop_connection (GBytes *stream);

/* The snapshot reply written by hand on the stolen connection: the headers, one chunk that
 * announces the whole body, only the bytes @cut kept of it, and the socket closed: a
 * connection that drops in the middle of a chunk, as a network does. */
static void
proxy_drop (SoupServerMessage *msg,
            GBytes            *whole,
            GBytes            *cut)
{
  g_autoptr(GIOStream) conn = soup_server_message_steal_connection (msg);
  GOutputStream *out = g_io_stream_get_output_stream (conn);
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                                           "Content-Type: %s\r\n"
                                           "Transfer-Encoding: chunked\r\n"
                                           "\r\n"
                                           "%" G_GSIZE_MODIFIER "x\r\n",
                                           SNAPSHOT_TYPE, g_bytes_get_size (whole));
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_bytes_get_size (cut), <, g_bytes_get_size (whole));
  g_assert_true (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, &error));
  g_assert_true (g_output_stream_write_all (out, g_bytes_get_data (cut, NULL),
                                            g_bytes_get_size (cut), NULL, NULL, &error));
  g_assert_no_error (error);
  g_io_stream_close (conn, NULL, NULL);
}

static void
proxy_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           data)
{
  static const char * const copied[] = { "Authorization", "Accept", "Content-Type" };
  Proxy *proxy = data;
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *target = g_strconcat (proxy->upstream, path, g_uri_get_query (uri) ? "?" : "",
                                         g_uri_get_query (uri) ? g_uri_get_query (uri) : "",
                                         NULL);
  g_autoptr(SoupMessage) up = soup_message_new (soup_server_message_get_method (msg), target);
  SoupMessageHeaders *in_headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *type;
  guint status;

  for (guint i = 0; i < G_N_ELEMENTS (copied); i++)
    {
      const char *value = soup_message_headers_get_one (in_headers, copied[i]);

      if (value != NULL)
        soup_message_headers_replace (soup_message_get_request_headers (up), copied[i], value);
    }
  if (g_bytes_get_size (body) > 0)
    soup_message_set_request_body_from_bytes (up, soup_message_headers_get_one (in_headers,
                                                                               "Content-Type"),
                                              body);
  reply = soup_session_send_and_read (proxy->session, up, NULL, &error);
  g_assert_no_error (error);
  status = soup_message_get_status (up);
  type = soup_message_headers_get_content_type (soup_message_get_response_headers (up), NULL);
  if (g_str_equal (path, "/api/v1/snapshot") && status == 200 && proxy->on_snapshot != NULL)
    proxy->on_snapshot (proxy->on_snapshot_data);
  if (g_str_equal (path, "/api/v1/snapshot") && status == 200
      && g_strcmp0 (type, SNAPSHOT_TYPE) == 0 && proxy->cut != NULL)
    {
      GBytes *cut = proxy->cut (reply);

      proxy->n_snapshots++;
      if (proxy->cut == drop_connection)
        {
          proxy_drop (msg, reply, cut);
          g_bytes_unref (cut);
          return;
        }
      g_bytes_unref (reply);
      reply = cut;
    }
  if (g_str_equal (path, "/api/v1/snapshot") && status == 200 && proxy->stall_at > 0)
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

      g_assert_cmpuint (proxy->stall_at, <, g_bytes_get_size (reply));
      soup_server_message_set_status (msg, status, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, type, NULL);
      soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_COPY,
                                g_bytes_get_data (reply, NULL), proxy->stall_at);
      /* libsoup pauses the message by itself once it has written what there is. */
      proxy->rest = g_bytes_new_from_bytes (reply, proxy->stall_at,
                                            g_bytes_get_size (reply) - proxy->stall_at);
      proxy->stalled = msg;
      return;
    }
  soup_server_message_set_status (msg, status, NULL);
  if (type != NULL)
    soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY,
                                      g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
}

/* The stalled snapshot reply goes on to its end. */
static void
proxy_resume (Proxy *proxy)
{
  SoupMessageBody *body = soup_server_message_get_response_body (proxy->stalled);

  soup_message_body_append_bytes (body, proxy->rest);
  soup_message_body_complete (body);
  soup_server_unpause_message (proxy->server, proxy->stalled);
  proxy->stalled = NULL;
  g_clear_pointer (&proxy->rest, g_bytes_unref);
}

static Proxy *
proxy_new (Fixture   *f,
           StreamCut  cut)
{
  Proxy *proxy = g_new0 (Proxy, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  proxy->server = soup_server_new (NULL, NULL);
  proxy->session = soup_session_new ();
  proxy->upstream = g_strdup (f->url);
  proxy->cut = cut;
  soup_server_add_handler (proxy->server, NULL, proxy_cb, proxy, NULL);
  g_assert_true (soup_server_listen_local (proxy->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (proxy->server);
  proxy->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return proxy;
}

static void
sync_ok (Laptop *laptop)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (yp_server_test_sync (laptop->engine, &error));
  g_assert_no_error (error);
}

/* A fresh laptop (its own store in its own folder, an engine that syncs only when a test says
 * so) for @username at @url (NULL: the server), not signed in yet. */
static Laptop *
laptop_open (Fixture    *f,
             const char *name,
             const char *username,
             const char *url)
{
  Laptop *laptop = g_new0 (Laptop, 1);
  g_autofree char *db = NULL;
  g_autoptr(GError) error = NULL;

  laptop->dir = g_build_filename (f->dir, name, NULL);
  laptop->username = g_strdup (username);
  laptop->url = g_strdup (url ? url : f->url);
  db = g_build_filename (laptop->dir, "yhteispolku.db", NULL);
  laptop->store = yp_store_open (db, &error);
  g_assert_no_error (error);
  laptop->engine = yp_sync_engine_new (laptop->store);
  yp_sync_engine_set_intervals (laptop->engine, 3600 * 1000, 3600 * 1000);
  g_ptr_array_add (f->laptops, laptop);
  return laptop;
}

/* laptop_open, signed in; its first sync (started by the sign-in) has run to the end when
 * this returns. @snapshot FALSE sets YP_SYNC_SNAPSHOT=0 for that first sync: the paged pull,
 * as before snapshots. */
static Laptop *
laptop_new_at (Fixture    *f,
               const char *name,
               const char *username,
               gboolean    snapshot,
               const char *url)
{
  Laptop *laptop = laptop_open (f, name, username, url);
  g_autoptr(GError) error = NULL;

  if (!snapshot)
    g_setenv ("YP_SYNC_SNAPSHOT", "0", TRUE);
  g_assert_true (yp_server_test_sign_in (laptop->engine, laptop->url, username, PASSWORD,
                                         &error));
  g_assert_no_error (error);
  sync_ok (laptop);
  g_unsetenv ("YP_SYNC_SNAPSHOT");
  return laptop;
}

static Laptop *
laptop_new (Fixture    *f,
            const char *name,
            const char *username,
            gboolean    snapshot)
{
  return laptop_new_at (f, name, username, snapshot, NULL);
}

static void
laptop_free (gpointer data)
{
  Laptop *laptop = data;

  g_clear_object (&laptop->engine);
  g_clear_object (&laptop->store);
  g_free (laptop->dir);
  g_free (laptop->url);
  g_free (laptop->username);
  g_free (laptop);
}

/* ---- fixture ------------------------------------------------------------------------------ */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ignored = NULL;

  f->dir = g_dir_make_tmp ("yp-snapshot-test-XXXXXX", &error);
  g_assert_no_error (error);
  f->server_db = g_build_filename (f->dir, "server.db", NULL);
  ignored = run_admin (f, NULL, "init", NULL);
  f->alice_id = run_admin (f, PASSWORD "\n", "user", "add", "alice", "--name",
                           "Alice Omistaja", NULL);
  f->bob_id = run_admin (f, PASSWORD "\n", "user", "add", "bob", "--name", "Bertta Kutsuttu",
                         NULL);
  f->carol_id = run_admin (f, PASSWORD "\n", "user", "add", "carol", "--name",
                           "Carita Ulkopuolinen", NULL);
  g_clear_pointer (&ignored, g_free);
  ignored = run_admin (f, PASSWORD "\n", "user", "add", "root", "--admin", NULL);
  start_server (f);
  f->url = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  f->laptops = g_ptr_array_new_with_free_func (laptop_free);
  f->a = laptop_new (f, "alice", "alice", TRUE);
  g_assert_cmpstr (yp_store_get_me_id (f->a->store), ==, f->alice_id);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* Runs even when an assertion failed in the test: the server never outlives it. */
  if (f->server)
    {
      g_subprocess_send_signal (f->server, SIGKILL);
      g_subprocess_wait (f->server, NULL, NULL);
      g_clear_object (&f->server);
    }
  for (guint i = 0; i < f->laptops->len; i++)
    {
      Laptop *laptop = f->laptops->pdata[i];

      yp_credentials_clear_token (laptop->url, laptop->username, NULL, NULL);
    }
  g_clear_pointer (&f->laptops, g_ptr_array_unref);
  g_clear_pointer (&f->proxy, proxy_free);
  /* Let queued "changed" emissions that hold the stores run out. */
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->server_db);
  g_free (f->url);
  g_free (f->alice_id);
  g_free (f->bob_id);
  g_free (f->carol_id);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static void
insert_ok (YpStore  *store,
           YpRecord *record)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (yp_store_insert (store, record, &error));
  g_assert_no_error (error);
}

static GFile *
write_file (Fixture    *f,
            const char *name,
            const char *content)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, content, -1, &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

/* A client with a row of every kind a first sync carries: a phase, a plan entry, a follow-up,
 * a message and an attachment (plus the owner participant and consent event it comes with). */
static char *
rich_client (Fixture    *f,
             const char *last_name)
{
  YpStore *store = f->a->store;
  g_autoptr(YpRecord) client = yp_record_new (yp_schema_lookup ("client"));
  g_autoptr(YpRecord) stage = yp_record_new (yp_schema_lookup ("stage"));
  g_autoptr(YpRecord) entry = yp_record_new (yp_schema_lookup ("plan_entry"));
  g_autoptr(YpRecord) follow_up = yp_record_new (yp_schema_lookup ("follow_up"));
  g_autoptr(YpRecord) message = NULL;
  g_autoptr(YpRecord) attachment = NULL;
  g_autoptr(GFile) file = write_file (f, "liite.txt", "liitteen sisältö");
  g_autoptr(GError) error = NULL;
  const char *id;

  yp_record_set_string (client, "first_name", "Aino");
  yp_record_set_string (client, "last_name", last_name);
  yp_record_set_string (client, "phone", "040 111 2222");
  yp_record_set_string (client, "address", "Kotikatu 1");
  yp_record_set_string (client, "birth_date", "1950-11-23");
  insert_ok (store, client);
  id = yp_record_get_id (client);

  yp_record_set_string (stage, "client_id", id);
  yp_record_set_string (stage, "phase_key", "contact");
  yp_record_set_int (stage, "position", 2);
  yp_record_set_string (stage, "status", "current");
  insert_ok (store, stage);
  yp_record_set_string (entry, "client_id", id);
  yp_record_set_string (entry, "section", "goal");
  yp_record_set_string (entry, "text", "Haluan asua kotona");
  insert_ok (store, entry);
  yp_record_set_string (follow_up, "client_id", id);
  yp_record_set_string (follow_up, "kind", "home_visit");
  yp_record_set_string (follow_up, "due_on", "2026-12-01");
  insert_ok (store, follow_up);
  message = yp_messages_send (store, id, "Ennen liittymistä " SENTINEL_OLD, &error);
  g_assert_no_error (error);
  attachment = yp_messages_attach_file (store, id, yp_record_get_id (message), file, NULL,
                                        &error);
  g_assert_no_error (error);
  return g_strdup (id);
}

static char *
token_of (Fixture    *f,
          const char *username)
{
  char *token = yp_credentials_lookup_token (f->url, username, NULL, NULL);

  g_assert_nonnull (token);
  return token;
}

typedef struct
{
  guint     status;
  char     *type;
  GBytes   *body;
} Reply;

static void
reply_clear (Reply *reply)
{
  g_clear_pointer (&reply->type, g_free);
  g_clear_pointer (&reply->body, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reply, reply_clear)

static Reply
request_accepting (Fixture    *f,
                   const char *method,
                   const char *path,
                   const char *token,
                   const char *json,
                   const char *accept)
{
  g_autofree char *uri = g_strconcat (f->url, path, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GError) error = NULL;
  Reply reply = { 0 };

  if (token)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    auth);
    }
  if (accept)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", accept);
  if (json)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  reply.body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  reply.status = soup_message_get_status (msg);
  reply.type = g_strdup (soup_message_headers_get_content_type (
                           soup_message_get_response_headers (msg), NULL));
  return reply;
}

static Reply
request (Fixture    *f,
         const char *method,
         const char *path,
         const char *token,
         const char *json)
{
  return request_accepting (f, method, path, token, json, NULL);
}

/* The snapshot stream the server sends to @token, as the app asks for it. */
static GBytes *
fetch_stream (Fixture    *f,
              const char *token)
{
  g_auto(Reply) reply = request_accepting (f, "GET", "/api/v1/snapshot", token, NULL,
                                           SNAPSHOT_TYPE);

  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpstr (reply.type, ==, SNAPSHOT_TYPE);
  return g_bytes_ref (reply.body);
}

/* The "code" of a JSON error reply. */
static char *
error_code (const Reply *reply)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize n;
  const char *data = g_bytes_get_data (reply->body, &n);

  g_assert_cmpstr (reply->type, ==, "application/json");
  g_assert_true (json_parser_load_from_data (parser, data, (gssize) n, NULL));
  return g_strdup (json_object_get_string_member (json_node_get_object (
                                                    json_parser_get_root (parser)), "code"));
}

/* Snapshot files left anywhere under @dir (the server's folder and every laptop's). */
static guint
count_snapshot_files (const char *dir_path)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint count = 0;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir_path, name, NULL);

      if (g_str_has_prefix (name, ".snapshot-"))
        count++;
      else if (g_file_test (child, G_FILE_TEST_IS_DIR))
        count += count_snapshot_files (child);
    }
  return count;
}

/* One value of the server database (or any SQLite file). */
static char *
query_text (const char *db_path,
            const char *sql,
            const char *param)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (param)
    sqlite3_bind_text (stmt, 1, param, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0))
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
exec_on (const char *db_path,
         const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* Every row of @table as text, in id order: what two laptops must agree on. */
static char *
dump_table (Laptop     *laptop,
            const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT * FROM %s ORDER BY id", table);
  GString *out = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (yp_store_get_path (laptop->store), &db,
                                    SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        {
          const char *v = (const char *) sqlite3_column_text (stmt, i);

          g_string_append_printf (out, "%s=%s|", sqlite3_column_name (stmt, i), v ? v : "∅");
        }
      g_string_append_c (out, '\n');
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_string_free (out, FALSE);
}

static guint
n_rows (YpStore    *store,
        const char *entity,
        const char *client_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = yp_store_list_for_client (store, yp_schema_lookup (entity),
                                                        client_id, &error);

  g_assert_no_error (error);
  return rows->len;
}

/* Alice invites Bob to @client_id and records the client's consent ("from now on"). */
static char *
invite_and_consent (Fixture    *f,
                    const char *client_id)
{
  g_autoptr(GError) error = NULL;
  char *id = yp_participants_invite (f->a->store, client_id, f->bob_id, "member", &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  sync_ok (f->a);
  g_assert_true (yp_participants_record_consent (f->a->store, id, "in_person", NULL, "from_now",
                                                 NULL, &error));
  g_assert_no_error (error);
  sync_ok (f->a);
  g_assert_cmpuint (yp_store_count_rejected (f->a->store), ==, 0);
  return id;
}

/* ---- tests -------------------------------------------------------------------------------- */

/* A fresh laptop's first sync through the snapshot holds exactly the rows (every column, by id
 * and rev) that one pulling JSON pages gets, and it is searchable and has the attachments. */
static void
test_same_as_pages (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *c1 = rich_client (f, SENTINEL_NAME);
  g_autofree char *c2 = rich_client (f, "Mäkinen");
  g_autofree char *participant = NULL;
  g_autofree char *audit = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) found = NULL;
  Laptop *snap, *pages;
  guint n;
  const YpEntity * const *entities = yp_schema_get_entities (&n);

  /* With "files", the engine takes every part through a file, its route for a part too large
   * for memory. */
  if (g_strcmp0 (data, "files") == 0)
    g_setenv ("YP_SYNC_SNAPSHOT_FILES", "1", TRUE);
  sync_ok (f->a);
  g_assert_cmpuint (yp_store_count_outbox (f->a->store, NULL), ==, 0);
  /* Bob joins one client and writes in it: participants, consent events, notifications and
   * someone else's rows. */
  participant = invite_and_consent (f, c1);
  {
    Laptop *bob = laptop_new (f, "bob", "bob", TRUE);
    g_autoptr(YpRecord) m = yp_messages_send (bob->store, c1, "Bobin viesti", &error);

    g_assert_no_error (error);
    sync_ok (bob);
  }
  sync_ok (f->a);

  snap = laptop_new (f, "alice-snapshot", "alice", TRUE);
  pages = laptop_new (f, "alice-pages", "alice", FALSE);

  /* The snapshot path was taken (audited once per client, with the seq its rows were read
   * at), the paged one was not. */
  audit = query_text (f->server_db, "SELECT group_concat (detail) FROM audit_log"
                                    " WHERE action = 'read_snapshot' AND client_id = ?", c2);
  {
    g_autofree char *cursor = yp_store_dup_local_state (snap->store, "sync_cursor");
    g_autofree char *expected = g_strdup_printf ("seq %s", strchr (cursor, ':') + 1);

    /* Alice's own laptop started empty, so this laptop's snapshot is the only one with c2. */
    g_assert_cmpstr (audit, ==, expected);
  }
  g_assert_cmpstr (yp_store_dup_local_state (snap->store, "sync_cursor"), ==,
                   yp_store_dup_local_state (pages->store, "sync_cursor"));

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *x = dump_table (snap, entities[i]->table);
      g_autofree char *y = dump_table (pages, entities[i]->table);

      g_assert_cmpstr (x, ==, y);
    }
  g_assert_cmpuint (yp_store_count_clients (snap->store), ==, 2);
  g_assert_cmpuint (n_rows (snap->store, "message", c1), ==, 2);
  g_assert_cmpuint (n_rows (snap->store, "attachment", c2), ==, 1);
  g_assert_cmpuint (n_rows (snap->store, "participant", c1), ==, 2);
  g_assert_cmpuint (yp_store_count_outbox (snap->store, NULL), ==, 0);

  /* Search works (the FTS index was filled), and the attachment's content was fetched. */
  found = yp_store_query_client_rows (snap->store, "tilanne", YP_CLIENT_FILTER_ALL,
                                      YP_CLIENT_SORT_NAME, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  /* The index was built after the rows (the insert trigger dropped and made again in the
   * same transaction): a client saved now is found as well. */
  {
    g_autoptr(YpRecord) added = yp_test_client_new ("Uusi", "Hakutestinen");
    g_autoptr(GArray) again = NULL;

    g_assert_true (yp_store_insert (snap->store, added, &error));
    g_assert_no_error (error);
    again = yp_store_query_client_rows (snap->store, "hakutest", YP_CLIENT_FILTER_ALL,
                                        YP_CLIENT_SORT_NAME, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (again->len, ==, 1);
    g_clear_pointer (&again, g_array_unref);
    again = yp_store_query_client_rows (snap->store, "tilanne", YP_CLIENT_FILTER_ALL,
                                        YP_CLIENT_SORT_NAME, &error);
    g_assert_cmpuint (again->len, ==, 1);
  }
  {
    g_autoptr(GPtrArray) atts = yp_store_list_for_client (snap->store,
                                                          yp_schema_lookup ("attachment"),
                                                          c2, &error);
    g_autofree char *blob = yp_messages_dup_blob_path (snap->store,
                                                       yp_record_get_string (atts->pdata[0],
                                                                             "sha256"));
    g_assert_true (g_file_test (blob, G_FILE_TEST_IS_REGULAR));
  }

  /* It goes on from the snapshot's cursor: a change made after it arrives by the next pull. */
  {
    g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("client"));

    yp_record_set_string (change, "id", c2);
    yp_record_set_string (change, "notes", "Muutettu tilannekuvan jälkeen");
    g_assert_true (yp_store_update (f->a->store, change, &error));
    g_assert_no_error (error);
    sync_ok (f->a);
    sync_ok (snap);
    g_clear_pointer (&change, yp_record_unref);
    change = yp_store_get (snap->store, yp_schema_lookup ("client"), c2, &error);
    g_assert_cmpstr (yp_record_get_string (change, "notes"), ==,
                     "Muutettu tilannekuvan jälkeen");
  }
  g_assert_cmpuint (count_snapshot_files (f->dir), ==, 0);
  g_unsetenv ("YP_SYNC_SNAPSHOT_FILES");
}

/* A late joiner (consent "from now") gets no earlier message, not in the snapshot the server
 * sends nor in the laptop's files; someone who is not a participant, or whose access was
 * revoked, gets nothing of the client. */
static void
test_late_joiner_and_revoked (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *client_id = rich_client (f, SENTINEL_NAME);
  g_autofree char *participant = NULL;
  g_autofree char *bob_token = NULL;
  g_autofree char *carol_token = NULL;
  g_autoptr(GError) error = NULL;
  Laptop *bob, *carol;

  sync_ok (f->a);
  participant = invite_and_consent (f, client_id);
  {
    g_autoptr(YpRecord) m = yp_messages_send (f->a->store, client_id,
                                              "Liittymisen jälkeen " SENTINEL_NEW, &error);
    g_assert_no_error (error);
  }
  sync_ok (f->a);

  bob = laptop_new (f, "bob", "bob", TRUE);
  g_assert_nonnull (yp_store_get (bob->store, yp_schema_lookup ("client"), client_id, NULL));
  g_assert_cmpuint (n_rows (bob->store, "message", client_id), ==, 1);
  g_assert_cmpuint (n_rows (bob->store, "attachment", client_id), ==, 0);
  g_assert_cmpuint (yp_test_count_in_tree (bob->dir, SENTINEL_OLD), ==, 0);
  g_assert_cmpuint (yp_test_count_in_tree (bob->dir, SENTINEL_NEW), >, 0);
  {
    /* The bytes the server sends Bob: the client and the new message, not the old one. */
    g_autoptr(GBytes) stream = NULL;
    g_autoptr(GPtrArray) parts = NULL;
    gsize size;
    const char *bytes;

    bob_token = token_of (f, "bob");
    stream = fetch_stream (f, bob_token);
    parts = split_stream (stream);
    g_assert_cmpuint (parts->len, >, 1);
    for (guint i = 0; i < parts->len; i++)
      g_assert_true (memcmp (g_bytes_get_data (parts->pdata[i], NULL), "SQLite format 3", 16)
                     == 0);
    bytes = g_bytes_get_data (stream, &size);
    g_assert_cmpuint (yp_test_count_in_bytes (bytes, size, SENTINEL_NAME), >, 0);
    g_assert_cmpuint (yp_test_count_in_bytes (bytes, size, SENTINEL_NEW), >, 0);
    g_assert_cmpuint (yp_test_count_in_bytes (bytes, size, SENTINEL_OLD), ==, 0);
  }

  /* Carol takes no part in the client: nothing of it reaches her. */
  carol = laptop_new (f, "carol", "carol", TRUE);
  g_assert_cmpuint (yp_store_count_clients (carol->store), ==, 0);
  g_assert_cmpuint (yp_test_count_in_tree (carol->dir, SENTINEL_NAME), ==, 0);
  {
    g_autoptr(GBytes) stream = NULL;
    gsize size;
    const char *bytes;

    carol_token = token_of (f, "carol");
    stream = fetch_stream (f, carol_token);
    bytes = g_bytes_get_data (stream, &size);
    g_assert_cmpuint (yp_test_count_in_bytes (bytes, size, SENTINEL_NAME), ==, 0);
    g_assert_cmpuint (yp_test_count_in_bytes (bytes, size, SENTINEL_NEW), ==, 0);
    /* The directory is shared: Carol sees who Alice is. */
    g_assert_cmpuint (yp_test_count_in_bytes (bytes, size, "Alice Omistaja"), >, 0);
  }

  /* The client revokes Bob's access: his next snapshot has nothing of the client, and a new
   * laptop of his starts empty. */
  g_assert_true (yp_participants_revoke (f->a->store, participant, "Asiakkaan toive", &error));
  g_assert_no_error (error);
  sync_ok (f->a);
  {
    g_autoptr(GBytes) stream = fetch_stream (f, bob_token);
    gsize size;
    const char *bytes = g_bytes_get_data (stream, &size);

    g_assert_cmpuint (yp_test_count_in_bytes (bytes, size, SENTINEL_NAME), ==, 0);
    g_assert_cmpuint (yp_test_count_in_bytes (bytes, size, SENTINEL_NEW), ==, 0);
  }
  {
    Laptop *bob2 = laptop_new (f, "bob-2", "bob", TRUE);

    g_assert_cmpuint (yp_store_count_clients (bob2->store), ==, 0);
    g_assert_cmpuint (yp_test_count_in_tree (bob2->dir, SENTINEL_NAME), ==, 0);
  }
  /* Bob's first laptop is told on its next sync, as after a pull. */
  sync_ok (bob);
  g_assert_cmpuint (yp_store_count_clients (bob->store), ==, 0);
  g_assert_cmpuint (count_snapshot_files (f->dir), ==, 0);
}

/* A row the app would not accept makes the whole snapshot refused; the engine pulls pages
 * instead (which skip that one row) and the sync still succeeds. */
static void
test_tampered_falls_back (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *bad = rich_client (f, "Rikkinäinen");
  g_autofree char *good = rich_client (f, SENTINEL_NAME);
  g_autofree char *sql = NULL;
  g_autofree char *reads_before = NULL, *reads_after = NULL;
  Laptop *fresh;

  sync_ok (f->a);
  /* The server's row gets a language the app does not know (as a damaged or hostile server
   * database could have). */
  sql = g_strdup_printf ("UPDATE clients SET language = 'xx' WHERE id = '%s'", bad);
  exec_on (f->server_db, sql);
  reads_before = query_text (f->server_db, "SELECT count(*) FROM audit_log"
                                           " WHERE action = 'read' AND client_id = ?", good);

  fresh = laptop_new (f, "alice-fresh", "alice", TRUE);
  /* Pages were pulled (each row read is audited), and they brought everything valid. */
  reads_after = query_text (f->server_db, "SELECT count(*) FROM audit_log"
                                          " WHERE action = 'read' AND client_id = ?", good);
  g_assert_cmpint (g_ascii_strtoll (reads_after, NULL, 10), >,
                   g_ascii_strtoll (reads_before, NULL, 10));
  g_assert_nonnull (yp_store_get (fresh->store, yp_schema_lookup ("client"), good, NULL));
  g_assert_null (yp_store_get (fresh->store, yp_schema_lookup ("client"), bad, NULL));
  g_assert_cmpuint (n_rows (fresh->store, "stage", bad), ==, 1);
  g_assert_cmpuint (n_rows (fresh->store, "message", good), ==, 1);
  g_assert_nonnull (yp_store_dup_local_state (fresh->store, "sync_cursor"));
  g_assert_cmpint (yp_sync_engine_get_state (fresh->engine), ==, YP_SYNC_STATE_SYNCED);
  g_assert_cmpuint (count_snapshot_files (f->dir), ==, 0);
}

/* A store for one import, in a folder of its own under the fixture's. */
static YpStore *
import_store_new (Fixture    *f,
                  const char *name)
{
  g_autofree char *dir = g_build_filename (f->dir, name, NULL);
  g_autofree char *path = g_build_filename (dir, "yhteispolku.db", NULL);
  g_autoptr(GError) error = NULL;
  YpStore *store = yp_store_open (path, &error);

  g_assert_no_error (error);
  return store;
}

/* The parts of a stream, one of them replaced by @part at @index (@part NULL: removed). */
static GPtrArray *
parts_with (GPtrArray *parts,
            guint      index,
            GBytes    *part)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; i < parts->len; i++)
    if (i != index)
      g_ptr_array_add (copy, g_bytes_ref (parts->pdata[i]));
    else if (part != NULL)
      g_ptr_array_add (copy, g_bytes_ref (part));
  return copy;
}

/* The streamed import itself (yp_snapshot_import_*): a real stream from the server is taken;
 * a part damaged or tampered with is refused with a message and commits nothing of itself,
 * no cursor is saved, and every part's file is deleted either way. */
static void
test_import_refuses (Fixture       *f,
                     gconstpointer  data)
{
  static const struct
  {
    const char *what;
    const char *entity;  /* whose part is changed; NULL: the header */
    const char *sql;     /* run on that part; NULL: overwrite its first bytes */
    const char *expect;
  } cases[] = {
    { "enum", "stage", "UPDATE stages SET status = 'maybe'", "invalid stage" },
    { "bad id", "plan_entry", "UPDATE plan_entries SET id = upper (id)", "invalid plan_entry" },
    { "short id", "message", "UPDATE messages SET id = substr (id, 1, 35)", "invalid message" },
    { "too long", "client", "UPDATE clients SET first_name = printf ('%.101c', 'a')",
      "invalid client" },
    { "required", "follow_up", "UPDATE follow_ups SET due_on = NULL", "invalid follow_up" },
    { "bad date", "follow_up", "UPDATE follow_ups SET due_on = '2026-02-30'",
      "invalid follow_up" },
    /* julianday() in the old SQL checks rolled this over to 2 March and let it in. */
    { "bad datetime", "message", "UPDATE messages SET created_at = '2026-02-30T10:00:00Z'",
      "invalid message" },
    { "blob", "message", "UPDATE messages SET body = CAST ('Hei' AS BLOB)", "invalid message" },
    { "real", "stage", "UPDATE stages SET position = 2.5", "invalid stage" },
    { "NUL inside", "message", "UPDATE messages SET body = 'Hei' || char (0) || 'x'",
      "invalid message" },
    { "type", "stage", "UPDATE stages SET position = 'kaksi'", "invalid stage" },
    { "no rev", "client", "UPDATE clients SET rev = 0", "invalid client" },
    { "view", "stage", "CREATE VIEW sneaky AS SELECT 1", "unexpected view" },
    { "trigger", "stage", "CREATE TRIGGER t AFTER INSERT ON stages BEGIN SELECT 1; END",
      "unexpected trigger" },
    { "index", "stage", "CREATE INDEX sneaky ON stages (status)", "unexpected index" },
    { "virtual table", "stage", "CREATE VIRTUAL TABLE v USING fts5 (x)", "unexpected table" },
    { "missing column", "client", "ALTER TABLE clients DROP COLUMN notes", "no column notes" },
    { "two tables", "client", "CREATE TABLE stages (id TEXT)", "two tables" },
    { "unknown table", "stage", "ALTER TABLE stages RENAME TO secrets",
      "unexpected table “secrets”" },
    { "garbage", "stage", NULL, "" },
    /* The first half of it: pages the header counts are not there. */
    { "truncated", "plan_entry", "-- truncate", "" },
    { "version", NULL, "UPDATE snapshot SET schema_version = 999", "schema 999" },
    { "cursor", NULL, "UPDATE snapshot SET cursor = 'x'", "malformed cursor" },
    { "account", NULL, "UPDATE snapshot SET account_id = 'x'", "another account" },
    { "two header rows", NULL, "INSERT INTO snapshot SELECT * FROM snapshot",
      "not one header row" },
    { "tables count", NULL, "UPDATE snapshot SET tables = tables - 1", "tables announced" },
    { "header with a table", NULL, "CREATE TABLE clients (id TEXT)", "two tables" },
  };
  g_autofree char *client_id = rich_client (f, SENTINEL_NAME);
  g_autofree char *token = NULL;
  g_autoptr(GBytes) stream = NULL;
  g_autoptr(GPtrArray) parts = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  yp_schema_get_entities (&n);
  sync_ok (f->a);
  token = token_of (f, "alice");
  stream = fetch_stream (f, token);
  parts = split_stream (stream);
  /* The header, then every table once. */
  g_assert_cmpuint (parts->len, ==, n + 1);
  {
    g_autofree char *first = part_table (parts->pdata[0]);

    g_assert_cmpstr (first, ==, "snapshot");
  }

  /* Every case from memory and from a file. */
  for (guint k = 0; k < 2 * G_N_ELEMENTS (cases); k++)
    {
      guint i = k / 2;
      gboolean in_files = k % 2 == 1;
      const YpEntity *entity = cases[i].entity ? yp_schema_lookup (cases[i].entity) : NULL;
      guint index = part_index (parts, entity ? entity->table : "snapshot");
      g_autofree char *name = g_strdup_printf ("case-%u-%s", i, in_files ? "file" : "memory");
      g_autoptr(YpStore) store = import_store_new (f, name);
      g_autoptr(GBytes) part = NULL;
      g_autoptr(GPtrArray) tampered = NULL;
      g_autoptr(GError) local = NULL;

      g_test_message ("tampered (%s): %s", in_files ? "file" : "memory", cases[i].what);
      if (g_strcmp0 (cases[i].sql, "-- truncate") == 0)
        part = g_bytes_new_from_bytes (parts->pdata[index], 0,
                                       g_bytes_get_size (parts->pdata[index]) / 2);
      else if (cases[i].sql)
        part = tamper_part (parts->pdata[index], cases[i].sql);
      else
        {
          g_autoptr(GByteArray) bytes = g_byte_array_new ();
          gsize size;
          const guint8 *original = g_bytes_get_data (parts->pdata[index], &size);

          g_byte_array_append (bytes, original, (guint) size);
          memcpy (bytes->data, "not a database, really", 22);
          part = g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
        }
      tampered = parts_with (parts, index, part);
      g_assert_false (import_parts (store, tampered, in_files, &local));
      g_assert_error (local, YP_STORE_ERROR, YP_STORE_ERROR_FAILED);
      g_test_message ("refused: %s", local->message);
      g_assert_nonnull (strstr (local->message, cases[i].expect));
      /* Nothing of the refused part (the parts before it may stay), and no cursor. */
      if (entity == NULL)
        g_assert_cmpuint (yp_store_count_clients (store), ==, 0);
      else
        g_assert_cmpuint (n_rows (store, entity->name, client_id), ==, 0);
      g_assert_null (yp_store_dup_local_state (store, "sync_cursor"));
    }

  /* Parts in a wrong order or number: no cursor, whatever came before stays. */
  {
    g_autoptr(YpStore) store = import_store_new (f, "no-header");
    g_autoptr(GPtrArray) headless = parts_with (parts, 0, NULL);
    g_autoptr(GError) local = NULL;

    g_assert_false (import_parts (store, headless, FALSE, &local));
    g_assert_nonnull (strstr (local->message, "not the header"));
    g_assert_cmpuint (yp_store_count_clients (store), ==, 0);
    g_assert_null (yp_store_dup_local_state (store, "sync_cursor"));
  }
  {
    g_autoptr(YpStore) store = import_store_new (f, "twice");
    guint index = part_index (parts, "stages");
    g_autoptr(GPtrArray) twice = parts_with (parts, G_MAXUINT, NULL);
    g_autoptr(GError) local = NULL;

    g_ptr_array_insert (twice, (gint) index + 1, g_bytes_ref (parts->pdata[index]));
    g_assert_false (import_parts (store, twice, FALSE, &local));
    g_assert_nonnull (strstr (local->message, "stages came twice"));
    g_assert_cmpuint (n_rows (store, "stage", client_id), ==, 1);
    g_assert_null (yp_store_dup_local_state (store, "sync_cursor"));
  }
  {
    g_autoptr(YpStore) store = import_store_new (f, "missing");
    g_autoptr(GPtrArray) missing = parts_with (parts, part_index (parts, "messages"), NULL);
    g_autoptr(GError) local = NULL;
    g_autofree char *expect = g_strdup_printf ("%u of the %u tables", n - 1, n);

    g_assert_false (import_parts (store, missing, TRUE, &local));
    g_assert_nonnull (strstr (local->message, expect));
    g_assert_cmpuint (yp_store_count_clients (store), ==, 1);
    g_assert_cmpuint (n_rows (store, "message", client_id), ==, 0);
    g_assert_null (yp_store_dup_local_state (store, "sync_cursor"));
  }

  /* The untouched stream is taken, in any order of its tables. */
  {
    g_autoptr(YpStore) store = import_store_new (f, "good");
    g_autoptr(GPtrArray) reversed = g_ptr_array_new ();

    g_ptr_array_add (reversed, parts->pdata[0]);
    for (guint i = parts->len - 1; i > 0; i--)
      g_ptr_array_add (reversed, parts->pdata[i]);
    g_assert_true (import_parts (store, reversed, FALSE, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (yp_store_count_clients (store), ==, 1);
    g_assert_cmpuint (n_rows (store, "stage", client_id), ==, 1);
    g_assert_nonnull (yp_store_dup_local_state (store, "sync_cursor"));

    /* Into tables that already hold rows: by id, nothing doubled, and a row with a change
     * not yet sent keeps what was typed here. */
    {
      g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("client"));
      g_autoptr(YpRecord) row = NULL;

      yp_record_set_string (change, "id", client_id);
      yp_record_set_string (change, "notes", "Kirjoitettu täällä");
      g_assert_true (yp_store_update (store, change, &error));
      g_assert_no_error (error);
      g_assert_true (import_parts (store, parts, TRUE, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (yp_store_count_clients (store), ==, 1);
      g_assert_cmpuint (n_rows (store, "stage", client_id), ==, 1);
      g_assert_cmpuint (n_rows (store, "message", client_id), ==, 1);
      row = yp_store_get (store, yp_schema_lookup ("client"), client_id, &error);
      g_assert_cmpstr (yp_record_get_string (row, "notes"), ==, "Kirjoitettu täällä");
      g_assert_cmpuint (yp_store_count_outbox (store, client_id), ==, 1);
    }
  }
  g_assert_cmpuint (count_snapshot_files (f->dir), ==, 0);
}

/* ---- streams that break off ---------------------------------------------------------------- */

static gsize
part_offset (GPtrArray *parts,
             guint      index)
{
  gsize offset = 0;

  for (guint i = 0; i < index; i++)
    offset += 4 + g_bytes_get_size (parts->pdata[i]);
  return offset;
}

/* The connection drops in the middle of the stages part: the header and the tables before it
 * came whole (and were taken). */
static GBytes *
cut_in_a_part (GBytes *stream)
{
  g_autoptr(GPtrArray) parts = split_stream (stream);
  guint index = part_index (parts, "stages");

  return g_bytes_new_from_bytes (stream, 0, part_offset (parts, index) + 4
                                            + g_bytes_get_size (parts->pdata[index]) / 2);
}

/* The same cut, but as a dropped connection: the chunk that carries the stream stops in the
 * middle and the socket closes (proxy_drop), instead of a body that ends cleanly. */
static GBytes *
drop_connection (GBytes *stream)
{
  return cut_in_a_part (stream);
}

/* Every part came, the end marker did not (a server that failed after its last table). */
static GBytes *
cut_before_end (GBytes *stream)
{
  return g_bytes_new_from_bytes (stream, 0, g_bytes_get_size (stream) - 4);
}

/* One table fewer than the header announced, and the end marker. */
static GBytes *
drop_a_table (GBytes *stream)
{
  g_autoptr(GPtrArray) parts = split_stream (stream);

  g_ptr_array_remove_index (parts, part_index (parts, "messages"));
  return join_parts (parts, TRUE);
}

/* A part after the end marker. */
static GBytes *
part_after_end (GBytes *stream)
{
  g_autoptr(GPtrArray) parts = split_stream (stream);
  g_autoptr(GPtrArray) extra = g_ptr_array_new ();
  g_autoptr(GBytes) tail = NULL;
  GByteArray *out = g_byte_array_new ();

  g_ptr_array_add (extra, parts->pdata[part_index (parts, "clients")]);
  tail = join_parts (extra, FALSE);
  g_byte_array_append (out, g_bytes_get_data (stream, NULL), (guint) g_bytes_get_size (stream));
  g_byte_array_append (out, g_bytes_get_data (tail, NULL), (guint) g_bytes_get_size (tail));
  return g_byte_array_free_to_bytes (out);
}

/* A snapshot that did not arrive whole is not taken as one: no cursor from it and no file
 * left; the engine pulls pages (the tables taken before the break are upserted over), and the
 * laptop ends exactly like one that pulled pages from the start. */
static void
test_broken_stream (Fixture       *f,
                    gconstpointer  data)
{
  StreamCut cut = (StreamCut) data;
  g_autofree char *c1 = rich_client (f, SENTINEL_NAME);
  g_autofree char *c2 = rich_client (f, "Mäkinen");
  g_autofree char *reads_before = NULL, *reads_after = NULL;
  g_autofree char *cursor = NULL, *pages_cursor = NULL;
  Laptop *broken, *pages;
  guint n;
  const YpEntity * const *entities = yp_schema_get_entities (&n);

  sync_ok (f->a);
  f->proxy = proxy_new (f, cut);
  reads_before = query_text (f->server_db, "SELECT count(*) FROM audit_log"
                                           " WHERE action = 'read' AND client_id = ?", c1);

  broken = laptop_new_at (f, "alice-broken", "alice", TRUE, f->proxy->url);
  g_assert_cmpuint (f->proxy->n_snapshots, ==, 1);
  g_assert_cmpint (yp_sync_engine_get_state (broken->engine), ==, YP_SYNC_STATE_SYNCED);
  g_assert_cmpuint (count_snapshot_files (f->dir), ==, 0);
  /* Pages were pulled (each row read by a page is audited). */
  reads_after = query_text (f->server_db, "SELECT count(*) FROM audit_log"
                                          " WHERE action = 'read' AND client_id = ?", c1);
  g_assert_cmpint (g_ascii_strtoll (reads_after, NULL, 10), >,
                   g_ascii_strtoll (reads_before, NULL, 10));

  pages = laptop_new (f, "alice-pages", "alice", FALSE);
  cursor = yp_store_dup_local_state (broken->store, "sync_cursor");
  pages_cursor = yp_store_dup_local_state (pages->store, "sync_cursor");
  g_assert_cmpstr (cursor, ==, pages_cursor);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *x = dump_table (broken, entities[i]->table);
      g_autofree char *y = dump_table (pages, entities[i]->table);

      g_assert_cmpstr (x, ==, y);
    }
  g_assert_cmpuint (yp_store_count_clients (broken->store), ==, 2);
  g_assert_cmpuint (yp_store_count_outbox (broken->store, NULL), ==, 0);
}

typedef struct
{
  Fixture *f;
  char    *participant;
} Revocation;

/* The client revokes Bob's access (Alice's laptop syncs it) while Bob's snapshot is on its
 * way. */
static void
revoke_now (gpointer data)
{
  Revocation *r = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (yp_participants_revoke (r->f->a->store, r->participant, "Asiakkaan toive",
                                         &error));
  g_assert_no_error (error);
  sync_ok (r->f->a);
}

/* A snapshot that broke off after the clients' part, with the client's consent withdrawn
 * between the server's snapshot and the pages the laptop then pulls: the client the broken
 * snapshot brought is purged in the same first sync, without a trace in the laptop's files. */
static void
test_revoked_while_broken (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *client_id = rich_client (f, SENTINEL_NAME);
  g_autofree char *participant = NULL;
  Revocation revocation = { f, NULL };
  Laptop *bob;

  sync_ok (f->a);
  participant = invite_and_consent (f, client_id);
  revocation.participant = participant;
  f->proxy = proxy_new (f, cut_in_a_part);
  f->proxy->on_snapshot = revoke_now;
  f->proxy->on_snapshot_data = &revocation;

  /* Only the first sync, which the sign-in starts: the purge must come in that one. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *last = NULL;
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    bob = laptop_open (f, "bob", "bob", f->proxy->url);
    g_assert_true (yp_server_test_sign_in (bob->engine, bob->url, "bob", PASSWORD, &error));
    g_assert_no_error (error);
    while ((last == NULL || yp_sync_engine_get_state (bob->engine) == YP_SYNC_STATE_SYNCING)
           && g_get_monotonic_time () < deadline)
      {
        g_main_context_iteration (NULL, TRUE);
        g_free (last);
        last = yp_store_dup_local_state (bob->store, "sync_last");
      }
    g_assert_nonnull (last);
  }
  g_assert_cmpuint (f->proxy->n_snapshots, ==, 1);
  /* The snapshot carried the client (its part came whole before the cut). */
  {
    g_autofree char *sent = query_text (f->server_db, "SELECT count(*) FROM audit_log"
                                                      " WHERE action = 'read_snapshot'"
                                                      " AND client_id = ?", client_id);

    g_assert_cmpstr (sent, ==, "1");
  }
  g_assert_cmpint (yp_sync_engine_get_state (bob->engine), ==, YP_SYNC_STATE_SYNCED);
  g_assert_null (yp_store_get (bob->store, yp_schema_lookup ("client"), client_id, NULL));
  g_assert_cmpuint (yp_store_count_clients (bob->store), ==, 0);
  g_assert_cmpuint (n_rows (bob->store, "participant", client_id), ==, 0);
  g_assert_cmpuint (yp_test_count_in_tree (bob->dir, SENTINEL_NAME), ==, 0);
  g_assert_cmpuint (count_snapshot_files (f->dir), ==, 0);
}

/* While the snapshot waits for the network, the store is not locked: the tables that came are
 * there to see, and a client saved meanwhile (as the client form does) is saved at once, not
 * when the download ends. Then the snapshot goes on and is taken whole. */
static void
test_writes_while_waiting (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *c1 = rich_client (f, SENTINEL_NAME);
  g_autofree char *c2 = rich_client (f, "Mäkinen");
  g_autofree char *token = NULL;
  g_autoptr(GBytes) stream = NULL;
  g_autoptr(GPtrArray) parts = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) client = yp_test_client_new ("Uusi", "Odottaja");
  g_autofree char *audit_before = NULL, *audit_after = NULL;
  g_autofree char *reads_before = NULL, *reads_after = NULL;
  Laptop *laptop;
  YpTestWait sign_in = { 0 }, save = { 0 };
  gint64 deadline;

  sync_ok (f->a);
  token = token_of (f, "alice");
  stream = fetch_stream (f, token);
  parts = split_stream (stream);
  f->proxy = proxy_new (f, NULL);
  /* The header and the tables up to the clients' come; the rest waits. */
  f->proxy->stall_at = part_offset (parts, part_index (parts, "clients") + 1);
  audit_before = query_text (f->server_db, "SELECT count(*) FROM audit_log"
                                           " WHERE action = 'read_snapshot'", NULL);
  reads_before = query_text (f->server_db, "SELECT count(*) FROM audit_log"
                                           " WHERE action = 'read' AND client_id = ?", c1);

  laptop = laptop_open (f, "alice-slow", "alice", f->proxy->url);
  yp_sync_engine_sign_in_async (laptop->engine, laptop->url, "alice", PASSWORD, NULL,
                                yp_test_wait_cb, &sign_in);

  /* The clients are there while the stream waits. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while ((f->proxy->stalled == NULL || yp_store_count_clients (laptop->store) < 2)
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (f->proxy->stalled);
  g_assert_cmpuint (yp_store_count_clients (laptop->store), ==, 2);
  g_assert_null (yp_store_dup_local_state (laptop->store, "sync_cursor"));

  /* A save now is not kept waiting for the network. */
  yp_store_save_async (laptop->store, client, TRUE, NULL, yp_test_wait_cb, &save);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!save.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (save.done);
  g_assert_nonnull (f->proxy->stalled);
  g_assert_true (yp_store_save_finish (laptop->store, save.result, &error));
  g_assert_no_error (error);
  g_clear_object (&save.result);
  g_assert_cmpuint (yp_store_count_clients (laptop->store), ==, 3);

  /* The rest comes; the snapshot is taken whole (no second one, no pages) and the new client
   * goes to the server. */
  proxy_resume (f->proxy);
  yp_test_wait (&sign_in);
  g_assert_true (yp_sync_engine_sign_in_finish (laptop->engine, sign_in.result, &error));
  g_assert_no_error (error);
  g_clear_object (&sign_in.result);
  sync_ok (laptop);
  audit_after = query_text (f->server_db, "SELECT count(*) FROM audit_log"
                                          " WHERE action = 'read_snapshot'", NULL);
  g_assert_cmpint (g_ascii_strtoll (audit_after, NULL, 10), ==,
                   g_ascii_strtoll (audit_before, NULL, 10) + 2);
  reads_after = query_text (f->server_db, "SELECT count(*) FROM audit_log"
                                          " WHERE action = 'read' AND client_id = ?", c1);
  g_assert_cmpstr (reads_after, ==, reads_before);
  g_assert_nonnull (yp_store_dup_local_state (laptop->store, "sync_cursor"));
  g_assert_cmpuint (n_rows (laptop->store, "message", c1), ==, 1);
  g_assert_cmpuint (n_rows (laptop->store, "stage", c2), ==, 1);
  g_assert_cmpuint (yp_store_count_outbox (laptop->store, NULL), ==, 0);
  g_assert_cmpuint (yp_store_count_clients (f->a->store), ==, 2);
  sync_ok (f->a);
  g_assert_cmpuint (yp_store_count_clients (f->a->store), ==, 3);
  g_assert_cmpuint (count_snapshot_files (f->dir), ==, 0);
}

/* Errors are JSON like every other endpoint's. */
static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *token = token_of (f, "alice");
  g_autofree char *admin_token = NULL;

  {
    g_auto(Reply) reply = request_accepting (f, "GET", "/api/v1/snapshot", NULL, NULL,
                                             SNAPSHOT_TYPE);
    g_autofree char *code = NULL;

    g_assert_cmpuint (reply.status, ==, 401);
    code = error_code (&reply);
    g_assert_cmpstr (code, ==, "unauthorized");
  }
  {
    g_auto(Reply) reply = request_accepting (f, "GET", "/api/v1/snapshot", "0123456789abcdef",
                                             NULL, SNAPSHOT_TYPE);
    g_autofree char *code = NULL;

    g_assert_cmpuint (reply.status, ==, 401);
    code = error_code (&reply);
    g_assert_cmpstr (code, ==, "unauthorized");
  }
  {
    g_auto(Reply) reply = request (f, "POST", "/api/v1/snapshot", token, "{}");
    g_autofree char *code = NULL;

    g_assert_cmpuint (reply.status, ==, 405);
    code = error_code (&reply);
    g_assert_cmpstr (code, ==, "method_not_allowed");
  }
  {
    g_auto(Reply) session = request (f, "POST", "/api/v1/session", NULL,
                                     "{\"username\": \"root\", \"password\": \"" PASSWORD "\"}");
    g_autoptr(JsonParser) parser = json_parser_new ();

    g_assert_cmpuint (session.status, ==, 200);
    g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (session.body, NULL),
                                               (gssize) g_bytes_get_size (session.body), NULL));
    admin_token = g_strdup (json_object_get_string_member (
                              json_node_get_object (json_parser_get_root (parser)), "token"));
  }
  {
    g_auto(Reply) reply = request_accepting (f, "GET", "/api/v1/snapshot", admin_token, NULL,
                                             SNAPSHOT_TYPE);
    g_autofree char *code = NULL;

    g_assert_cmpuint (reply.status, ==, 403);
    code = error_code (&reply);
    g_assert_cmpstr (code, ==, "forbidden");
  }
  g_assert_cmpuint (count_snapshot_files (f->dir), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *cache = g_dir_make_tmp ("yp-snapshot-cache-XXXXXX", NULL);

  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("YP_SERVER") == NULL)
    {
      g_test_skip ("YP_SERVER is not set");
      return 77;
    }

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/snapshot/same-as-pages", test_same_as_pages);
  g_test_add ("/snapshot/same-as-pages/in-files", Fixture, "files", fixture_set_up,
              test_same_as_pages, fixture_tear_down);
  ADD ("/snapshot/late-joiner-and-revoked", test_late_joiner_and_revoked);
  ADD ("/snapshot/tampered-falls-back", test_tampered_falls_back);
  ADD ("/snapshot/import-refuses", test_import_refuses);
  ADD ("/snapshot/writes-while-waiting", test_writes_while_waiting);
  ADD ("/snapshot/broken/revoked-meanwhile", test_revoked_while_broken);
#define ADD_CUT(path, cut) \
  g_test_add (path, Fixture, (gconstpointer) (cut), fixture_set_up, test_broken_stream, \
              fixture_tear_down)
  ADD_CUT ("/snapshot/broken/cut-in-a-part", cut_in_a_part);
  ADD_CUT ("/snapshot/broken/connection-dropped", drop_connection);
  ADD_CUT ("/snapshot/broken/cut-before-end", cut_before_end);
  ADD_CUT ("/snapshot/broken/a-table-missing", drop_a_table);
  ADD_CUT ("/snapshot/broken/part-after-end", part_after_end);
#undef ADD_CUT
  ADD ("/snapshot/errors", test_errors);
#undef ADD
  return g_test_run ();
}
