/* test-sync.c — the app's sync engine against the real coordination server: the
 * yhteispolku-server binary on 127.0.0.1 (port 0) with a temporary database, two real app
 * stores in temporary folders signed in as two professionals, and the session's real keyring.
 */
#define G_LOG_DOMAIN "test-sync"

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


typedef struct
{
  char         *dir;
  char         *server_db;
  GSubprocess  *server;
  guint         port;
  char         *url;
  char         *alice_id;
  char         *bob_id;
  char         *a_dir, *b_dir;
  YpStore      *a, *b;
  YpSyncEngine *ea, *eb;
  GPtrArray    *purged; /* client ids "client-purged" reported by eb */
  guint         quarantined; /* the changes "client-purged" said were quarantined */
} Fixture;

/* ---- the server ------------------------------------------------------------------------- */

#define run_admin(f, stdin_text, ...) \
  yp_server_test_admin ((f)->server_db, stdin_text, __VA_ARGS__)

static void
start_server (Fixture *f,
              guint    port)
{
  f->server = yp_server_test_start (f->server_db, port, &f->port);
}

static void
kill_server (Fixture *f)
{
  if (f->server == NULL)
    return;
  g_subprocess_send_signal (f->server, SIGKILL);
  g_subprocess_wait (f->server, NULL, NULL);
  g_clear_object (&f->server);
}

#define sync_engine yp_server_test_sync

static void
sync_ok (YpSyncEngine *engine)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sync_engine (engine, &error));
  g_assert_no_error (error);
}

static void
sign_in (Fixture      *f,
         YpSyncEngine *engine,
         const char   *username)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (yp_server_test_sign_in (engine, f->url, username, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_true (yp_sync_engine_is_signed_in (engine));
  /* The first sync starts by itself; wait for a complete one. */
  sync_ok (engine);
}

static void
purged_cb (YpSyncEngine *engine,
           const char   *client_id,
           const char   *name,
           guint         n_quarantined,
           Fixture      *f)
{
  g_ptr_array_add (f->purged, g_strdup (client_id));
  f->quarantined += n_quarantined;
}

/* Rows of the server's own audit log with this action for this client. */
static guint
server_audit_count (Fixture    *f,
                    const char *action,
                    const char *client_id)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

  g_assert_cmpint (sqlite3_open_v2 (f->server_db, &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM audit_log WHERE action = ?"
                                           " AND client_id = ?", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, action, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, client_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* ---- fixture ------------------------------------------------------------------------------ */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a_db = NULL, *b_db = NULL, *ignored = NULL;

  f->dir = g_dir_make_tmp ("yp-sync-test-XXXXXX", &error);
  g_assert_no_error (error);
  f->server_db = g_build_filename (f->dir, "server.db", NULL);
  ignored = run_admin (f, NULL, "init", NULL);
  f->alice_id = run_admin (f, PASSWORD "\n", "user", "add", "alice", "--name",
                           "Alice Omistaja", NULL);
  f->bob_id = run_admin (f, PASSWORD "\n", "user", "add", "bob", "--name", "Bertta Kutsuttu",
                         NULL);
  g_assert_true (g_uuid_string_is_valid (f->alice_id));
  g_assert_true (g_uuid_string_is_valid (f->bob_id));
  start_server (f, 0);
  f->url = g_strdup_printf ("http://127.0.0.1:%u", f->port);

  f->a_dir = g_build_filename (f->dir, "alice", NULL);
  f->b_dir = g_build_filename (f->dir, "bob", NULL);
  a_db = g_build_filename (f->a_dir, "yhteispolku.db", NULL);
  b_db = g_build_filename (f->b_dir, "yhteispolku.db", NULL);
  f->a = yp_store_open (a_db, &error);
  g_assert_no_error (error);
  f->b = yp_store_open (b_db, &error);
  g_assert_no_error (error);
  f->ea = yp_sync_engine_new (f->a);
  f->eb = yp_sync_engine_new (f->b);
  /* No automatic syncs in between: each test says when a laptop syncs. */
  yp_sync_engine_set_intervals (f->ea, 3600 * 1000, 3600 * 1000);
  yp_sync_engine_set_intervals (f->eb, 3600 * 1000, 3600 * 1000);
  f->purged = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (f->eb, "client-purged", G_CALLBACK (purged_cb), f);
  sign_in (f, f->ea, "alice");
  sign_in (f, f->eb, "bob");
  g_assert_cmpstr (yp_store_get_me_id (f->a), ==, f->alice_id);
  g_assert_cmpstr (yp_store_get_me_id (f->b), ==, f->bob_id);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* Runs even when an assertion failed in the test: the server never outlives it. */
  kill_server (f);
  if (f->ea)
    yp_credentials_clear_token (f->url, "alice", NULL, NULL);
  if (f->eb)
    yp_credentials_clear_token (f->url, "bob", NULL, NULL);
  g_clear_object (&f->ea);
  g_clear_object (&f->eb);
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  /* Let queued "changed" emissions that hold the stores run out. */
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  yp_test_rm_rf (f->dir);
  g_clear_pointer (&f->purged, g_ptr_array_unref);
  g_free (f->dir);
  g_free (f->server_db);
  g_free (f->url);
  g_free (f->alice_id);
  g_free (f->bob_id);
  g_free (f->a_dir);
  g_free (f->b_dir);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static char *
new_client (YpStore    *store,
            const char *last_name)
{
  g_autoptr(YpRecord) client = yp_record_new (yp_schema_lookup ("client"));
  g_autoptr(GError) error = NULL;

  yp_record_set_string (client, "first_name", "Aino");
  yp_record_set_string (client, "last_name", last_name);
  yp_record_set_string (client, "phone", "040 111 2222");
  yp_record_set_string (client, "address", "Kotikatu 1");
  g_assert_true (yp_store_insert (store, client, &error));
  g_assert_no_error (error);
  return g_strdup (yp_record_get_id (client));
}

static YpRecord *
get_row (YpStore    *store,
         const char *entity,
         const char *id)
{
  g_autoptr(GError) error = NULL;
  YpRecord *row = yp_store_get (store, yp_schema_lookup (entity), id, &error);

  g_assert_no_error (error);
  return row;
}

static void
update_field (YpStore    *store,
              const char *entity,
              const char *id,
              const char *field,
              const char *value)
{
  g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup (entity));
  g_autoptr(GError) error = NULL;

  yp_record_set_string (change, "id", id);
  yp_record_set_string (change, field, value);
  g_assert_true (yp_store_update (store, change, &error));
  g_assert_no_error (error);
}

/* Alice invites Bob to @client_id and records the client's consent through the app's own
 * participants flow; returns the participant's id. */
static char *
invite_and_consent (Fixture    *f,
                    const char *client_id)
{
  g_autoptr(GError) error = NULL;
  char *id = yp_participants_invite (f->a, client_id, f->bob_id, "member", &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  sync_ok (f->ea);
  g_assert_true (yp_participants_record_consent (f->a, id, "in_person", NULL, "from_now", NULL,
                                                 &error));
  g_assert_no_error (error);
  sync_ok (f->ea);
  g_assert_cmpuint (yp_store_count_rejected (f->a), ==, 0);
  return id;
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

static guint
blob_status (Fixture    *f,
             const char *username,
             const char *sha)
{
  g_autofree char *token = yp_credentials_lookup_token (f->url, username, NULL, NULL);
  g_autofree char *uri = g_strdup_printf ("%s/api/v1/blobs/%s", f->url, sha);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (token);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  return soup_message_get_status (msg);
}

/* ---- tests -------------------------------------------------------------------------------- */

#define SENTINEL_OLD   "VANHA-VIESTI-7f3a"
#define SENTINEL_BOB   "BOBIN-KOPIO-91c2"
#define SENTINEL_NAME  "Sentinelliläinen"
#define SENTINEL_LATE  "MYOHASSA-5d1e"

static void
test_seed_000 (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *client_id = new_client (f->a, SENTINEL_NAME);
  g_autofree char *participant_id = NULL;
  g_autoptr(GFile) early_file = write_file (f, "early.txt", "liite " SENTINEL_OLD);
  g_autoptr(GFile) bob_file = write_file (f, "bob.txt", "liite " SENTINEL_BOB " liite");
  g_autoptr(YpRecord) early_msg = NULL;
  g_autoptr(YpRecord) early_att = NULL;
  g_autoptr(YpRecord) bob_msg = NULL;
  g_autoptr(YpRecord) bob_att = NULL;
  g_autoptr(GFile) cached = NULL;
  g_autofree char *early_blob = NULL;
  g_autofree char *b_db = NULL, *b_wal = NULL, *b_blobs = NULL, *cache = NULL;
  g_autoptr(GPtrArray) owners = NULL;

  /* Alice's client, with a message and an attachment before anyone else joins. */
  early_msg = yp_messages_send (f->a, client_id, "Ennen liittymistä " SENTINEL_OLD, &error);
  g_assert_no_error (error);
  early_att = yp_messages_attach_file (f->a, client_id, NULL, early_file, NULL, &error);
  g_assert_no_error (error);
  sync_ok (f->ea);
  g_assert_cmpuint (yp_store_count_outbox (f->a, NULL), ==, 0);
  g_assert_cmpuint (yp_store_count_rejected (f->a), ==, 0);
  /* The server's owner row replaced the one written locally with the client. */
  owners = yp_store_list_for_client (f->a, yp_schema_lookup ("participant"), client_id, &error);
  g_assert_cmpuint (owners->len, ==, 1);
  g_assert_cmpint (yp_record_get_int (owners->pdata[0], "rev"), >, 0);
  g_assert_cmpint (yp_sync_engine_get_state (f->ea), ==, YP_SYNC_STATE_SYNCED);

  /* Invite → consent → join. */
  participant_id = invite_and_consent (f, client_id);
  sync_ok (f->eb);
  g_assert_nonnull (get_row (f->b, "client", client_id));
  g_clear_pointer (&owners, g_ptr_array_unref);

  /* The late joiner gets no earlier message or attachment: not in a pull, not by blob. */
  g_assert_cmpuint (n_rows (f->b, "message", client_id), ==, 0);
  g_assert_cmpuint (n_rows (f->b, "attachment", client_id), ==, 0);
  early_blob = yp_messages_dup_blob_path (f->b, yp_record_get_string (early_att, "sha256"));
  g_assert_false (g_file_test (early_blob, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (blob_status (f, "bob", yp_record_get_string (early_att, "sha256")), ==, 404);
  g_assert_cmpuint (blob_status (f, "alice", yp_record_get_string (early_att, "sha256")), ==,
                    200);
  g_assert_cmpuint (yp_test_count_in_tree (f->b_dir, SENTINEL_OLD), ==, 0);

  /* Bob writes into the client's space: a message, an attachment, a cached copy. */
  bob_msg = yp_messages_send (f->b, client_id, "Bobin viesti " SENTINEL_BOB, &error);
  g_assert_no_error (error);
  bob_att = yp_messages_attach_file (f->b, client_id, bob_msg ? yp_record_get_id (bob_msg)
                                                              : NULL, bob_file, NULL, &error);
  g_assert_no_error (error);
  cached = yp_messages_export_to_cache (f->b, bob_att, &error);
  g_assert_no_error (error);
  update_field (f->b, "client", client_id, "notes", "Muistiinpano " SENTINEL_BOB);
  sync_ok (f->eb);
  g_assert_cmpuint (yp_store_count_rejected (f->b), ==, 0);
  sync_ok (f->ea);
  g_assert_nonnull (get_row (f->a, "message", yp_record_get_id (bob_msg)));
  {
    /* Alice got Bob's attachment row and its content. */
    g_autofree char *blob = yp_messages_dup_blob_path (f->a,
                                                       yp_record_get_string (bob_att, "sha256"));
    g_assert_true (g_file_test (blob, G_FILE_TEST_IS_REGULAR));
  }
  g_assert_cmpuint (yp_test_count_in_tree (f->b_dir, SENTINEL_BOB), >, 0);

  /* The client revokes Bob's access. */
  g_assert_true (yp_participants_revoke (f->a, participant_id, "Asiakkaan toive", &error));
  g_assert_no_error (error);
  sync_ok (f->ea);
  g_assert_cmpuint (f->purged->len, ==, 0);
  /* Before his laptop hears of it, Bob writes on a home visit: a message and a note. */
  {
    g_autoptr(YpRecord) late = yp_messages_send (f->b, client_id,
                                                 "Kotikäynnillä " SENTINEL_LATE, &error);
    g_assert_no_error (error);
    g_assert_nonnull (late);
  }
  update_field (f->b, "client", client_id, "notes", "Kotikäynti " SENTINEL_LATE);
  sync_ok (f->eb);

  /* Bob's laptop was told and has purged the client: no trace in the file, WAL, blobs or
   * cache. His two unsent changes were not lost: the server quarantined them, and he was
   * told so. */
  g_assert_cmpuint (f->purged->len, ==, 1);
  g_assert_cmpstr (f->purged->pdata[0], ==, client_id);
  g_assert_cmpuint (f->quarantined, ==, 2);
  g_assert_cmpuint (yp_store_count_outbox (f->b, NULL), ==, 0);
  g_assert_cmpuint (yp_store_count_clients (f->b), ==, 0);
  b_db = g_build_filename (f->b_dir, "yhteispolku.db", NULL);
  b_wal = g_strconcat (b_db, "-wal", NULL);
  b_blobs = g_build_filename (f->b_dir, "blobs", NULL);
  cache = g_build_filename (g_get_user_cache_dir (), "yhteispolku", "attachments", client_id,
                            NULL);
  g_assert_cmpuint (yp_test_count_in_file (b_db, SENTINEL_BOB), ==, 0);
  g_assert_cmpuint (yp_test_count_in_file (b_wal, SENTINEL_BOB), ==, 0);
  g_assert_cmpuint (yp_test_count_in_tree (b_blobs, SENTINEL_BOB), ==, 0);
  g_assert_cmpuint (yp_test_count_in_file (b_db, SENTINEL_NAME), ==, 0);
  g_assert_cmpuint (yp_test_count_in_file (b_wal, SENTINEL_NAME), ==, 0);
  g_assert_false (g_file_test (cache, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (yp_test_count_in_tree (f->b_dir, SENTINEL_BOB), ==, 0);
  g_assert_cmpuint (yp_test_count_in_tree (f->b_dir, SENTINEL_NAME), ==, 0);
  g_assert_cmpuint (yp_test_count_in_tree (f->b_dir, SENTINEL_LATE), ==, 0);
  /* The purge was acknowledged, and the server audited it. */
  g_assert_cmpuint (server_audit_count (f, "purge", client_id), ==, 1);
  g_assert_cmpuint (server_audit_count (f, "purge_acknowledged", client_id), ==, 1);
  g_assert_null (yp_store_dup_local_state (f->b, "purge_acks"));

  /* Alice still has everything, and the quarantined changes reach her for review. */
  sync_ok (f->ea);
  g_assert_cmpuint (n_rows (f->a, "message", client_id), ==, 2);
  {
    g_autoptr(GPtrArray) q = yp_store_list_for_client (f->a,
                                                       yp_schema_lookup ("quarantined_change"),
                                                       client_id, &error);
    guint with_text = 0;

    g_assert_no_error (error);
    g_assert_cmpuint (q->len, ==, 2);
    for (guint i = 0; i < q->len; i++)
      {
        g_assert_cmpstr (yp_record_get_string (q->pdata[i], "author_id"), ==, f->bob_id);
        g_assert_cmpstr (yp_record_get_string (q->pdata[i], "state"), ==, "waiting");
        if (strstr (yp_record_get_string (q->pdata[i], "fields"), SENTINEL_LATE))
          with_text++;
      }
    g_assert_cmpuint (with_text, ==, 2);
  }
  /* Neither was applied to the client's data. */
  g_assert_cmpuint (n_rows (f->a, "message", client_id), ==, 2);
  {
    g_autoptr(YpRecord) c = get_row (f->a, "client", client_id);

    g_assert_null (strstr (yp_record_get_string (c, "notes") ? yp_record_get_string (c, "notes")
                                                             : "", SENTINEL_LATE));
  }
}

/* A revocation this laptop never heard of (here: its cursor moved past the revocation
 * without the purge, as a restored or damaged database could) is caught by the case-set
 * hash, and the client is purged all the same — its unsent changes quarantined first. */
static void
test_case_set_catches_missed_revocation (Fixture       *f,
                                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *client_id = new_client (f->a, SENTINEL_NAME);
  g_autofree char *participant_id = NULL;
  g_autofree char *cursor = NULL;

  sync_ok (f->ea);
  participant_id = invite_and_consent (f, client_id);
  sync_ok (f->eb);
  g_assert_nonnull (get_row (f->b, "client", client_id));

  g_assert_true (yp_participants_revoke (f->a, participant_id, "Asiakkaan toive", &error));
  g_assert_no_error (error);
  sync_ok (f->ea);
  /* Bob's laptop jumps to Alice's cursor: the page with the purge is never pulled. */
  cursor = yp_store_dup_local_state (f->a, "sync_cursor");
  g_assert_nonnull (cursor);
  g_assert_true (yp_store_set_local_state (f->b, "sync_cursor", cursor, &error));
  g_assert_no_error (error);
  update_field (f->b, "client", client_id, "notes", "Muistio " SENTINEL_LATE);

  sync_ok (f->eb);
  g_assert_cmpuint (f->purged->len, ==, 1);
  g_assert_cmpstr (f->purged->pdata[0], ==, client_id);
  g_assert_cmpuint (f->quarantined, ==, 1);
  g_assert_cmpuint (yp_store_count_clients (f->b), ==, 0);
  g_assert_cmpuint (yp_test_count_in_tree (f->b_dir, SENTINEL_NAME), ==, 0);
  g_assert_cmpuint (yp_test_count_in_tree (f->b_dir, SENTINEL_LATE), ==, 0);
  /* Polls afterwards agree with the server and purge nothing more. */
  sync_ok (f->eb);
  g_assert_cmpuint (f->purged->len, ==, 1);
}

/* A client both Alice and Bob take part in, synced to both. */
static char *
shared_client (Fixture *f)
{
  char *client_id = new_client (f->a, "Yhteinen");
  g_autofree char *participant = NULL;

  sync_ok (f->ea);
  participant = invite_and_consent (f, client_id);
  sync_ok (f->eb);
  g_assert_nonnull (get_row (f->b, "client", client_id));
  return client_id;
}

static void
test_merge_per_field (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *client_id = shared_client (f);
  g_autoptr(YpRecord) a_row = NULL;
  g_autoptr(YpRecord) b_row = NULL;

  /* Both laptops offline: different fields. */
  update_field (f->a, "client", client_id, "phone", "050 999 0000");
  update_field (f->b, "client", client_id, "address", "Uusitie 5, Lahti");
  sync_ok (f->ea);
  sync_ok (f->eb);
  sync_ok (f->ea);

  a_row = get_row (f->a, "client", client_id);
  b_row = get_row (f->b, "client", client_id);
  g_assert_cmpstr (yp_record_get_string (a_row, "phone"), ==, "050 999 0000");
  g_assert_cmpstr (yp_record_get_string (a_row, "address"), ==, "Uusitie 5, Lahti");
  g_assert_cmpstr (yp_record_get_string (b_row, "phone"), ==, "050 999 0000");
  g_assert_cmpstr (yp_record_get_string (b_row, "address"), ==, "Uusitie 5, Lahti");
  g_assert_cmpuint (yp_store_count_conflicts (f->a), ==, 0);
  g_assert_cmpuint (yp_store_count_conflicts (f->b), ==, 0);
  g_assert_cmpint (yp_sync_engine_get_state (f->eb), ==, YP_SYNC_STATE_SYNCED);
  {
    /* Search follows pulled changes (FTS kept right). */
    g_autoptr(GArray) rows = yp_store_query_client_rows (f->a, "uusitie", YP_CLIENT_FILTER_ALL,
                                                         YP_CLIENT_SORT_NAME, NULL);
    g_assert_cmpuint (rows->len, ==, 1);
  }
}

static void
test_conflict_shown (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *client_id = shared_client (f);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) row = NULL;
  YpSyncConflict *c;

  update_field (f->a, "client", client_id, "notes", "Alicen muistiinpano");
  update_field (f->b, "client", client_id, "notes", "Bobin muistiinpano");
  sync_ok (f->ea);
  sync_ok (f->eb);

  /* Never resolved silently: Bob sees both values and who wrote the other one. */
  g_assert_cmpuint (yp_store_count_conflicts (f->b), ==, 1);
  g_assert_cmpint (yp_sync_engine_get_state (f->eb), ==, YP_SYNC_STATE_CONFLICTS);
  g_assert_cmpuint (yp_sync_engine_get_n_conflicts (f->eb), ==, 1);
  conflicts = yp_store_list_conflicts (f->b, client_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  c = conflicts->pdata[0];
  g_assert_cmpstr (c->field, ==, "notes");
  g_assert_cmpstr (c->local_value, ==, "Bobin muistiinpano");
  g_assert_cmpstr (c->server_value, ==, "Alicen muistiinpano");
  g_assert_cmpstr (c->server_by, ==, f->alice_id);
  g_assert_cmpstr (c->server_by_name, ==, "Alice Omistaja");
  g_assert_nonnull (c->server_at);

  /* Bob keeps his value: a normal change that reaches Alice. */
  g_assert_true (yp_store_resolve_conflict (f->b, c->id, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (yp_store_count_conflicts (f->b), ==, 0);
  sync_ok (f->eb);
  sync_ok (f->ea);
  row = get_row (f->a, "client", client_id);
  g_assert_cmpstr (yp_record_get_string (row, "notes"), ==, "Bobin muistiinpano");
  g_assert_cmpuint (yp_store_count_conflicts (f->a), ==, 0);
}

/* Sends the outbox as the engine would, and forgets the answer. */
static void
push_and_lose_answer (Fixture *f,
                      YpStore *store,
                      const char *username)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) mutations = yp_store_read_outbox (store, 500, &error);
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  g_autofree char *token = yp_credentials_lookup_token (f->url, username, NULL, NULL);
  g_autofree char *uri = g_strdup_printf ("%s/api/v1/sync", f->url);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) reply = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (mutations), >, 0);
  json_object_set_null_member (request, "cursor");
  json_object_set_array_member (request, "mutations", json_array_ref (mutations));
  json_node_set_object (node, request);
  text = json_to_string (node, FALSE);
  body = g_bytes_new (text, strlen (text));
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
}

static void
test_lost_response_replayed (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *client_id = shared_client (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) msg = yp_messages_send (f->a, client_id, "Kerran vain", &error);
  g_autoptr(YpRecord) row = NULL;

  g_assert_no_error (error);
  update_field (f->a, "client", client_id, "notes", "Yksi muutos");
  /* The push reached the server, but its answer never came back. */
  push_and_lose_answer (f, f->a, "alice");
  g_assert_cmpuint (yp_store_count_outbox (f->a, NULL), >, 0);

  /* The engine sends the same mutations again: applied once, nothing refused. */
  sync_ok (f->ea);
  g_assert_cmpuint (yp_store_count_outbox (f->a, NULL), ==, 0);
  g_assert_cmpuint (yp_store_count_rejected (f->a), ==, 0);
  g_assert_cmpuint (yp_store_count_conflicts (f->a), ==, 0);
  sync_ok (f->eb);
  g_assert_cmpuint (n_rows (f->b, "message", client_id), ==, 1);
  row = get_row (f->b, "client", client_id);
  g_assert_cmpstr (yp_record_get_string (row, "notes"), ==, "Yksi muutos");
}

static void
test_server_killed_mid_sync (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *client_id = shared_client (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) msg = NULL;
  g_autoptr(YpRecord) row = NULL;
  guint port = f->port;

  update_field (f->a, "client", client_id, "phone", "044 123 4567");
  msg = yp_messages_send (f->a, client_id, "Ennen kaatumista", &error);
  g_assert_no_error (error);

  /* The push is committed, then the server dies before the app pulls. */
  push_and_lose_answer (f, f->a, "alice");
  kill_server (f);
  g_assert_false (sync_engine (f->ea, &error));
  g_assert_error (error, YP_SYNC_ERROR, YP_SYNC_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_cmpint (yp_sync_engine_get_state (f->ea), ==, YP_SYNC_STATE_OFFLINE);
  g_assert_cmpuint (yp_store_count_outbox (f->a, NULL), >, 0);

  /* Offline edits keep coming. */
  update_field (f->a, "client", client_id, "address", "Offlinekatu 3");

  start_server (f, port);
  g_assert_cmpuint (f->port, ==, port);
  sync_ok (f->ea);
  g_assert_cmpint (yp_sync_engine_get_state (f->ea), ==, YP_SYNC_STATE_SYNCED);
  g_assert_cmpuint (yp_store_count_outbox (f->a, NULL), ==, 0);
  g_assert_cmpuint (yp_store_count_rejected (f->a), ==, 0);

  sync_ok (f->eb);
  row = get_row (f->b, "client", client_id);
  g_assert_cmpstr (yp_record_get_string (row, "phone"), ==, "044 123 4567");
  g_assert_cmpstr (yp_record_get_string (row, "address"), ==, "Offlinekatu 3");
  g_assert_cmpuint (n_rows (f->b, "message", client_id), ==, 1);
}

static void
test_token_only_in_keyring (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *token = yp_credentials_lookup_token (f->url, "alice", NULL, NULL);
  g_autofree char *client_id = new_client (f->a, "Avaimeton");

  sync_ok (f->ea);
  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), ==, 64);
  /* Nowhere under the app's data folder (database, WAL, blobs, drafts). */
  g_assert_cmpuint (yp_test_count_in_tree (f->a_dir, token), ==, 0);
  g_assert_cmpuint (yp_test_count_in_tree (g_get_user_cache_dir (), token), ==, 0);
}

static void
test_sign_out (Fixture       *f,
               gconstpointer  data)
{
  YpTestWait w = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  yp_sync_engine_sign_out_async (f->ea, NULL, yp_test_wait_cb, &w);
  yp_test_wait (&w);
  g_assert_true (yp_sync_engine_sign_out_finish (f->ea, w.result, &error));
  g_assert_no_error (error);
  g_object_unref (w.result);
  token = yp_credentials_lookup_token (f->url, "alice", NULL, NULL);
  g_assert_null (token);
  g_assert_false (yp_sync_engine_is_signed_in (f->ea));
  g_assert_cmpint (yp_sync_engine_get_state (f->ea), ==, YP_SYNC_STATE_SIGNED_OUT);
  g_assert_false (sync_engine (f->ea, &error));
  g_assert_error (error, YP_SYNC_ERROR, YP_SYNC_ERROR_NOT_SIGNED_IN);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *cache = NULL;

  cache = g_dir_make_tmp ("yp-sync-cache-XXXXXX", NULL);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("YP_SERVER") == NULL)
    {
      g_test_skip ("YP_SERVER is not set");
      return 77;
    }

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/sync/seed-000", test_seed_000);
  ADD ("/sync/case-set-catches-missed-revocation", test_case_set_catches_missed_revocation);
  ADD ("/sync/merge-per-field", test_merge_per_field);
  ADD ("/sync/conflict-shown", test_conflict_shown);
  ADD ("/sync/lost-response-replayed", test_lost_response_replayed);
  ADD ("/sync/server-killed-mid-sync", test_server_killed_mid_sync);
  ADD ("/sync/token-only-in-keyring", test_token_only_in_keyring);
  ADD ("/sync/sign-out", test_sign_out);
  return g_test_run ();
}
