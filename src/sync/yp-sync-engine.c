/* yp-sync-engine.c — push the outbox, pull pages, purge what the server says is gone.
 *
 * The main thread keeps the state and the timers; each sync, sign-in and sign-out runs in a
 * GTask worker thread with its own SoupSession (synchronous requests), so neither SQLite nor
 * the network ever blocks the UI.
 */
#define G_LOG_DOMAIN "yp-sync"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "yp-credentials.h"
#include "yp-messages.h"
#include "yp-net.h"
#include "yp-sync-engine.h"
#include "yp-util.h"

#define PUSH_BATCH        500
#define MAX_ROUNDS        1000
#define BACKOFF_FIRST_S   5
#define BACKOFF_MAX_S     300

G_DEFINE_QUARK (yp-sync-error-quark, yp_sync_error)

GType
yp_sync_state_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { YP_SYNC_STATE_SIGNED_OUT, "YP_SYNC_STATE_SIGNED_OUT", "signed-out" },
    { YP_SYNC_STATE_OFFLINE, "YP_SYNC_STATE_OFFLINE", "offline" },
    { YP_SYNC_STATE_SYNCING, "YP_SYNC_STATE_SYNCING", "syncing" },
    { YP_SYNC_STATE_SYNCED, "YP_SYNC_STATE_SYNCED", "synced" },
    { YP_SYNC_STATE_WAITING, "YP_SYNC_STATE_WAITING", "waiting" },
    { YP_SYNC_STATE_CONFLICTS, "YP_SYNC_STATE_CONFLICTS", "conflicts" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("YpSyncState", values));
  return type;
}

struct _YpSyncEngine
{
  GObject          parent_instance;

  YpStore         *store;
  char            *url;
  char            *username;
  char            *token;
  char            *last_sync;
  char            *last_error;
  gboolean         started;
  gboolean         running;
  gboolean         again;
  gboolean         offline;
  GPtrArray       *pending_tasks; /* user tasks waiting for the next run */
  YpSyncState      state;
  guint            n_waiting;
  guint            n_conflicts;

  guint            debounce_ms;
  guint            periodic_ms;
  guint            debounce_id;
  guint            periodic_id;
  guint            retry_id;
  guint            backoff_s;
  gulong           changed_id;
  gulong           network_id;
  GNetworkMonitor *monitor;
};

G_DEFINE_FINAL_TYPE (YpSyncEngine, yp_sync_engine, G_TYPE_OBJECT)

enum { PROP_0, PROP_STORE, PROP_STATE, PROP_N_WAITING, PROP_N_CONFLICTS, PROP_LAST_SYNC,
       N_PROPS };
static GParamSpec *props[N_PROPS];

enum { SIGNAL_CLIENT_PURGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void kick (YpSyncEngine *self);

/* ---- HTTP (worker threads) ----------------------------------------------------------------- */

/* NULL when libsoup cannot be loaded (yp-net.h); http() then reports the server as
 * unreachable. */
static SoupSession *
new_session (void)
{
  const YpSoup *soup = yp_net_get_soup (NULL);
  SoupSession *session;

  if (soup == NULL)
    return NULL;
  session = soup->session_new ();
  soup->session_set_timeout (session, 60);
  soup->session_set_idle_timeout (session, 30);
  return session;
}

static void
set_unreachable_error (GError       **error,
                       const GError  *cause)
{
  g_set_error (error, YP_SYNC_ERROR, YP_SYNC_ERROR_OFFLINE,
               _("The coordination server could not be reached (%s). Your changes are "
                 "kept on this computer and sent later."), cause->message);
}

/* Returns the HTTP status, or 0 with an OFFLINE error when the server cannot be reached. */
static guint
http (SoupSession  *session,
      const char   *method,
      const char   *base,
      const char   *path,
      const char   *token,
      const char   *content_type,
      GBytes       *body,
      GBytes      **out_body,
      GError      **error)
{
  const YpSoup *soup = NULL;
  g_autofree char *uri = g_strconcat (base, path, NULL);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) local_error = NULL;
  GBytes *reply;

  if (session == NULL || (soup = yp_net_get_soup (&local_error)) == NULL)
    {
      if (local_error == NULL)
        local_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "libsoup");
      set_unreachable_error (error, local_error);
      return 0;
    }
  msg = soup->message_new (method, uri);
  if (msg == NULL)
    {
      g_set_error (error, YP_SYNC_ERROR, YP_SYNC_ERROR_INVALID_URL,
                   _("The server address %s is not valid."), base);
      return 0;
    }
  if (token)
    {
      g_autofree char *value = g_strdup_printf ("Bearer %s", token);
      soup->message_headers_replace (soup->message_get_request_headers (msg), "Authorization",
                                     value);
    }
  if (body)
    soup->message_set_request_body_from_bytes (msg, content_type, body);
  reply = soup->session_send_and_read (session, msg, NULL, &local_error);
  if (reply == NULL)
    {
      set_unreachable_error (error, local_error);
      return 0;
    }
  if (out_body)
    *out_body = reply;
  else
    g_bytes_unref (reply);
  return soup->message_get_status (msg);
}

static JsonNode *
parse_json (GBytes  *bytes,
            GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize n;
  const char *data = g_bytes_get_data (bytes, &n);

  if (!json_parser_load_from_data (parser, data ? data : "", (gssize) n, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, YP_SYNC_ERROR, YP_SYNC_ERROR_SERVER,
                   _("The server sent an answer that could not be read."));
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

static gboolean
set_status_error (guint    status,
                  GBytes  *body,
                  GError **error)
{
  g_autoptr(JsonNode) node = body ? parse_json (body, NULL) : NULL;
  const char *message = node ? json_object_get_string_member_with_default (
                                 json_node_get_object (node), "message", "") : "";

  if (status == 401)
    g_set_error (error, YP_SYNC_ERROR, YP_SYNC_ERROR_UNAUTHORIZED,
                 _("Your sign-in has expired. Sign in again to send your changes."));
  else
    g_set_error (error, YP_SYNC_ERROR, YP_SYNC_ERROR_SERVER,
                 _("The server refused the request (%u %s)."), status, message);
  return FALSE;
}

/* ---- one sync (worker thread) -------------------------------------------------------------- */

typedef struct
{
  YpStore *store;
  char    *url;
  char    *token;
  /* results */
  GPtrArray *purged_ids;
  GPtrArray *purged_names;
  GHashTable *quarantined; /* client id → number of its changes the server quarantined */
} SyncJob;

static void
sync_job_free (gpointer data)
{
  SyncJob *job = data;

  g_clear_object (&job->store);
  g_free (job->url);
  g_free (job->token);
  g_clear_pointer (&job->purged_ids, g_ptr_array_unref);
  g_clear_pointer (&job->purged_names, g_ptr_array_unref);
  g_clear_pointer (&job->quarantined, g_hash_table_unref);
  g_free (job);
}

/* Attachment rows go first; their blobs after (the server accepts a blob only through a row).
 * A blob that could not be sent is remembered and tried again on the next sync. */
static gboolean
upload_blobs (SyncJob      *job,
              SoupSession  *session,
              GPtrArray    *shas,
              GError      **error)
{
  g_autofree char *pending = yp_store_dup_local_state (job->store, "sync_pending_blobs");
  g_auto(GStrv) old = pending ? g_strsplit (pending, " ", -1) : NULL;
  g_autoptr(GPtrArray) todo = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) left = g_string_new (NULL);
  gboolean ok = TRUE;

  for (guint i = 0; old && old[i]; i++)
    if (*old[i])
      g_ptr_array_add (todo, g_strdup (old[i]));
  for (guint i = 0; i < shas->len; i++)
    g_ptr_array_add (todo, g_strdup (shas->pdata[i]));
  if (todo->len == 0)
    return TRUE;

  for (guint i = 0; i < todo->len; i++)
    {
      const char *sha = todo->pdata[i];
      g_autofree char *path = yp_messages_dup_blob_path (job->store, sha);
      g_autofree char *api = g_strdup_printf ("/api/v1/blobs/%s", sha);
      g_autoptr(GMappedFile) file = NULL;
      g_autoptr(GBytes) bytes = NULL;
      guint status;

      if (path == NULL || (file = g_mapped_file_new (path, FALSE, NULL)) == NULL)
        continue; /* not on this computer: nothing to send */
      if (!ok)
        {
          g_string_append_printf (left, "%s%s", left->len ? " " : "", sha);
          continue;
        }
      bytes = g_mapped_file_get_bytes (file);
      status = http (session, "PUT", job->url, api, job->token, "application/octet-stream",
                     bytes, NULL, error);
      if (status == 0)
        {
          ok = FALSE;
          g_string_append_printf (left, "%s%s", left->len ? " " : "", sha);
        }
      else if (status >= 400)
        g_message ("The server did not take blob %s (HTTP %u)", sha, status);
    }
  yp_store_set_local_state (job->store, "sync_pending_blobs", left->len ? left->str : NULL,
                            NULL);
  return ok;
}

/* An attachment's content that is not here yet: fetched now (best effort; the next sync
 * tries again). */
static void
download_blob (SyncJob     *job,
               SoupSession *session,
               const char  *sha)
{
  g_autofree char *path = NULL;
  g_autofree char *api = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *got = NULL;
  g_autoptr(GBytes) body = NULL;

  if ((path = yp_messages_dup_blob_path (job->store, sha)) == NULL || g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  api = g_strdup_printf ("/api/v1/blobs/%s", sha);
  if (http (session, "GET", job->url, api, job->token, NULL, NULL, &body, NULL) != 200)
    return;
  got = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, body);
  if (g_strcmp0 (got, sha) != 0)
    return;
  dir = g_path_get_dirname (path);
  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents_full (path, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                            G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                            0600, NULL);
}

/* The contents of the attachments a pulled page brought. */
static void
download_blobs (SyncJob     *job,
                SoupSession *session,
                JsonArray   *changes)
{
  for (guint i = 0; i < json_array_get_length (changes); i++)
    {
      JsonObject *c = json_array_get_object_element (changes, i);
      JsonObject *row;

      if (c == NULL || g_strcmp0 (json_object_get_string_member_with_default (c, "entity", ""),
                                  "attachment") != 0)
        continue;
      row = json_object_get_object_member (c, "row");
      if (row != NULL)
        download_blob (job, session,
                       json_object_get_string_member_with_default (row, "sha256", NULL));
    }
}

/* Counts a mutation the server answered "quarantined", per client (for the purge dialog). */
static void
count_quarantined (SyncJob    *job,
                   JsonObject *mutation,
                   JsonObject *result)
{
  const char *client_id;
  guint n;

  if (mutation == NULL || result == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (result, "status", ""),
                 "quarantined") != 0)
    return;
  client_id = json_object_get_string_member_with_default (mutation, "client_id", NULL);
  if (client_id == NULL)
    return;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (job->quarantined, client_id));
  g_hash_table_insert (job->quarantined, g_strdup (client_id), GUINT_TO_POINTER (n + 1));
}

/* One POST /api/v1/sync. Returns the HTTP status (0 with an error when unreachable); on 200
 * @out_reply holds the parsed answer. */
static guint
post_sync (SyncJob      *job,
           SoupSession  *session,
           const char   *cursor,
           JsonArray    *mutations,
           const char  **acks,
           const char   *case_set,
           gint64        limit,
           JsonNode    **out_reply,
           GError      **error)
{
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonNode) request_node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autofree char *text = NULL;
  guint status;
  gsize length;

  if (cursor)
    json_object_set_string_member (request, "cursor", cursor);
  else
    json_object_set_null_member (request, "cursor");
  json_object_set_array_member (request, "mutations", json_array_ref (mutations));
  json_object_set_int_member (request, "limit", limit);
  if (acks != NULL && acks[0] != NULL)
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; acks[i]; i++)
        json_array_add_string_element (array, acks[i]);
      json_object_set_array_member (request, "purge_acks", array);
    }
  if (case_set != NULL)
    json_object_set_string_member (request, "case_set", case_set);
  json_node_set_object (request_node, request);
  text = json_to_string (request_node, FALSE);
  length = strlen (text);
  body = g_bytes_new_take (g_steal_pointer (&text), length);
  status = http (session, "POST", job->url, "/api/v1/sync", job->token, "application/json",
                 body, &reply, error);
  if (status == 200 && (*out_reply = parse_json (reply, error)) == NULL)
    return 0;
  if (status != 0 && status != 200 && status != 410)
    return set_status_error (status, reply, error), 0;
  return status;
}

/* Before a client is purged, its changes not yet sent go to the server, which quarantines
 * them for the client's owner to review instead of applying them: nothing typed here is lost
 * with the purge. Counts them per client in @job->quarantined. */
static gboolean
quarantine_before_purge (SyncJob      *job,
                         SoupSession  *session,
                         const char   *cursor,
                         JsonArray    *purge,
                         GError      **error)
{
  for (guint round = 0; round < MAX_ROUNDS; round++)
    {
      g_autoptr(JsonArray) mutations =
        yp_store_read_outbox_for_clients (job->store, purge, PUSH_BATCH, error);
      g_autoptr(JsonNode) reply = NULL;
      JsonArray *results;

      if (mutations == NULL)
        return FALSE;
      if (json_array_get_length (mutations) == 0)
        return TRUE;
      /* Only the push matters here: the pull of this answer is left for the main loop. */
      if (post_sync (job, session, cursor, mutations, NULL, NULL, 1, &reply, error) != 200)
        {
          if (error && *error == NULL)
            g_set_error (error, YP_SYNC_ERROR, YP_SYNC_ERROR_SERVER,
                         _("The server sent an answer that could not be read."));
          return FALSE;
        }
      results = json_object_get_array_member (json_node_get_object (reply), "results");
      if (results == NULL)
        {
          g_set_error (error, YP_SYNC_ERROR, YP_SYNC_ERROR_SERVER,
                       _("The server sent an answer that could not be read."));
          return FALSE;
        }
      for (guint i = 0; i < json_array_get_length (results); i++)
        count_quarantined (job, i < json_array_get_length (mutations)
                                ? json_array_get_object_element (mutations, i) : NULL,
                           json_array_get_object_element (results, i));
      if (!yp_store_apply_results (job->store, mutations, results, error))
        return FALSE;
    }
  return TRUE;
}

#define SNAPSHOT_TYPE      "application/vnd.yhteispolku.snapshot-parts"
/* Reads of a megabyte: GIO's default splice moves 8 KiB at a time, which for parts of tens of
 * megabytes costs more than the loopback itself. */
#define SNAPSHOT_READ_SIZE (1024 * 1024)
#define SNAPSHOT_PART_MAX  0x7fffffffu
/* A part up to this size is read into memory and imported from there (sqlite3_deserialize):
 * the tables of 10 000 clients are 2–20 MB each, and a file would be written, synced by the
 * page cache and read back three times (quick_check, rows, copy). A larger part goes to a
 * private file in the store's folder. */
#define SNAPSHOT_MEMORY_MAX (256u * 1024 * 1024)

/* The stream read through a buffer of its own, always a whole buffer at a time: libsoup 3.0's
 * chunked decoder fails an assertion on a read of two bytes or fewer
 * (soup_filter_input_stream_read_until), and a part's length is four. */
typedef struct
{
  GInputStream *in;
  guint8       *buffer;  /* SNAPSHOT_READ_SIZE bytes */
  gsize         pos;
  gsize         end;
} StreamReader;

/* Up to @max bytes from the buffer (refilled when empty) in @out, @out_n of them; 0 at the end
 * of the stream. */
static gboolean
reader_take (StreamReader  *r,
             gsize          max,
             const guint8 **out,
             gsize         *out_n,
             GError       **error)
{
  if (r->pos == r->end)
    {
      gssize n = g_input_stream_read (r->in, r->buffer, SNAPSHOT_READ_SIZE, NULL, error);

      if (n < 0)
        return FALSE;
      r->pos = 0;
      r->end = (gsize) n;
    }
  *out = r->buffer + r->pos;
  *out_n = MIN (max, r->end - r->pos);
  r->pos += *out_n;
  return TRUE;
}

/* The next part's length: four bytes, big-endian (0 is the end marker). */
static gboolean
read_part_length (StreamReader  *r,
                  guint32       *out_length,
                  GError       **error)
{
  guint8 bytes[4];
  gsize have = 0;

  while (have < sizeof bytes)
    {
      const guint8 *data;
      gsize n;

      if (!reader_take (r, sizeof bytes - have, &data, &n, error))
        return FALSE;
      if (n == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                               "the snapshot stopped before its end");
          return FALSE;
        }
      memcpy (bytes + have, data, n);
      have += n;
    }
  *out_length = ((guint32) bytes[0] << 24) | ((guint32) bytes[1] << 16)
                | ((guint32) bytes[2] << 8) | bytes[3];
  return TRUE;
}

static gboolean
stopped_in_a_part (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                       "the snapshot stopped in the middle of a part");
  return FALSE;
}

/* The next @length bytes into a new private file at @path (removed on failure). */
static gboolean
save_part (StreamReader  *r,
           const char    *path,
           guint32        length,
           GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = g_file_create (file, G_FILE_CREATE_PRIVATE, NULL, error);
  gsize left = length;
  gboolean ok;

  if (out == NULL)
    return FALSE;
  ok = TRUE;
  while (ok && left > 0)
    {
      const guint8 *data;
      gsize n = 0;

      ok = reader_take (r, left, &data, &n, error);
      if (ok && n == 0)
        ok = stopped_in_a_part (error);
      ok = ok && g_output_stream_write_all (G_OUTPUT_STREAM (out), data, n, NULL, NULL, error);
      left -= ok ? n : 0;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), NULL, ok ? error : NULL))
    ok = FALSE;
  if (!ok)
    g_unlink (path);
  return ok;
}

/* The next @length bytes into memory; NULL with @error set if the stream ends or fails
 * first, NULL without an error if there is not that much memory to have. */
static GBytes *
read_part (StreamReader  *r,
           guint32        length,
           GError       **error)
{
  g_autofree guint8 *data = g_try_malloc (length);
  gsize have = 0;

  if (data == NULL)
    return NULL;
  while (have < length)
    {
      const guint8 *chunk;
      gsize n = 0;

      /* With the buffer empty and a megabyte or more to go, straight into the part. */
      if (r->pos == r->end && length - have >= SNAPSHOT_READ_SIZE)
        {
          gssize got = g_input_stream_read (r->in, data + have, length - have, NULL, error);

          if (got < 0 || (got == 0 && !stopped_in_a_part (error)))
            return NULL;
          have += (gsize) got;
          continue;
        }
      if (!reader_take (r, length - have, &chunk, &n, error)
          || (n == 0 && !stopped_in_a_part (error)))
        return NULL;
      memcpy (data + have, chunk, n);
      have += n;
    }
  return g_bytes_new_take (g_steal_pointer (&data), length);
}

/* Reads the snapshot's parts one after the other, each into memory (or, if large, into a
 * private file in the store's own folder, where client data is kept, that the store deletes)
 * and imports it before the next is read: the server builds the next table meanwhile.
 * @out_taken counts the table parts the store took. */
static gboolean
import_snapshot_stream (SyncJob       *job,
                        GInputStream  *in,
                        guint         *out_taken,
                        GError       **error)
{
  g_autoptr(YpSnapshotImport) import = yp_store_snapshot_import_new (job->store);
  g_autofree char *dir = g_path_get_dirname (yp_store_get_path (job->store));
  g_autofree guint8 *buffer = g_malloc (SNAPSHOT_READ_SIZE);
  StreamReader reader = { in, buffer, 0, 0 };
  const guint8 *rest;
  gsize n;

  for (guint part = 0;; part++)
    {
      g_autofree char *uuid = yp_uuid_new ();
      g_autofree char *name = g_strdup_printf (".snapshot-%s.db", uuid);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      guint32 length;

      if (!read_part_length (&reader, &length, error))
        return FALSE;
      if (length == 0)
        break;
      if (length > SNAPSHOT_PART_MAX)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "a part of %u bytes", length);
          return FALSE;
        }
      /* YP_SYNC_SNAPSHOT_FILES=1: every part through a file (tests of that route). */
      if (length <= SNAPSHOT_MEMORY_MAX
          && g_strcmp0 (g_getenv ("YP_SYNC_SNAPSHOT_FILES"), "1") != 0)
        {
          g_autoptr(GError) read_error = NULL;
          g_autoptr(GBytes) bytes = read_part (&reader, length, &read_error);

          if (read_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&read_error));
              return FALSE;
            }
          if (bytes != NULL)
            {
              if (!yp_snapshot_import_part_bytes (import, bytes, error))
                return FALSE;
              if (part > 0)
                (*out_taken)++;
              continue;
            }
        }
      /* The store deletes the file whether it takes it or not. */
      if (!save_part (&reader, path, length, error)
          || !yp_snapshot_import_part (import, path, error))
        return FALSE;
      if (part > 0)
        (*out_taken)++;
    }
  /* Nothing may follow the end marker. */
  if (!reader_take (&reader, 1, &rest, &n, error))
    return FALSE;
  if (n > 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "bytes after the end of the snapshot");
      return FALSE;
    }
  return yp_snapshot_import_finish (import, error);
}

/* The first sync (no cursor yet): instead of pulling every row as JSON pages, fetch the
 * server's snapshot of everything this user may see (GET /api/v1/snapshot), streamed as one
 * SQLite file per table, and import each table as it arrives (yp-store.h); the loop then
 * pushes the outbox and pulls what changed since the snapshot's cursor. Any trouble with the
 * snapshot other than being offline or signed out leaves @cursor NULL and returns TRUE: the
 * loop pulls pages as before. Tables taken before the trouble stay (see yp-store.c, "the
 * streamed snapshot"): the pages from the start upsert over them by id and rev, and list in
 * "purge" every client whose access ended, so nothing of a client revoked since the snapshot
 * stays either. YP_SYNC_SNAPSHOT=0 in the environment turns the snapshot off (tests,
 * benchmarks). */
static gboolean
first_sync_snapshot (SyncJob      *job,
                     SoupSession  *session,
                     char        **cursor,
                     GError      **error)
{
  const YpSoup *soup = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *auth = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  SoupMessageHeaders *headers;
  const char *type;
  guint status;
  guint taken = 0;
  gboolean ok;

  if (*cursor != NULL || g_strcmp0 (g_getenv ("YP_SYNC_SNAPSHOT"), "0") == 0)
    return TRUE;
  if (session == NULL || (soup = yp_net_get_soup (&local_error)) == NULL)
    {
      if (local_error == NULL)
        local_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "libsoup");
      set_unreachable_error (error, local_error);
      return FALSE;
    }

  uri = g_strconcat (job->url, "/api/v1/snapshot", NULL);
  if ((msg = soup->message_new ("GET", uri)) == NULL)
    {
      g_set_error (error, YP_SYNC_ERROR, YP_SYNC_ERROR_INVALID_URL,
                   _("The server address %s is not valid."), job->url);
      return FALSE;
    }
  auth = g_strdup_printf ("Bearer %s", job->token);
  headers = soup->message_get_request_headers (msg);
  soup->message_headers_replace (headers, "Authorization", auth);
  soup->message_headers_replace (headers, "Accept", SNAPSHOT_TYPE);
  if ((in = soup->session_send (session, msg, NULL, &local_error)) == NULL)
    {
      set_unreachable_error (error, local_error);
      return FALSE;
    }
  status = soup->message_get_status (msg);
  type = soup->message_headers_get_content_type (soup->message_get_response_headers (msg), NULL);
  if (status == 401)
    return set_status_error (status, NULL, error);
  if (status != 200 || g_strcmp0 (type, SNAPSHOT_TYPE) != 0)
    {
      /* An older server without streamed snapshots, or a refusal: pages will do. */
      g_message ("No first-sync snapshot (HTTP %u, %s); pulling pages", status,
                 type ? type : "no type");
      g_input_stream_close (in, NULL, NULL);
      return TRUE;
    }

  ok = import_snapshot_stream (job, in, &taken, &local_error);
  g_input_stream_close (in, NULL, NULL);
  if (!ok)
    {
      g_message ("The first-sync snapshot was not taken (%s; %u tables imported); pulling pages",
                 local_error->message, taken);
      return TRUE;
    }
  *cursor = yp_store_dup_local_state (job->store, "sync_cursor");

  /* The attachments' contents, as after a pulled page. */
  attachments = yp_store_list_where (job->store, yp_schema_lookup ("attachment"), "deleted",
                                     "0", "created_at", FALSE, 0, NULL);
  for (guint i = 0; attachments && i < attachments->len; i++)
    download_blob (job, session, yp_record_get_string (attachments->pdata[i], "sha256"));
  return TRUE;
}

/* Applies a pulled page (nullable @changes, @new_cursor) and purges the clients in @purge in
 * one transaction, after their unsent changes went to the server's quarantine; remembers
 * their names for the "client-purged" signal. */
static gboolean
purge_and_apply (SyncJob      *job,
                 SoupSession  *session,
                 const char   *cursor,
                 JsonArray    *purge,
                 JsonArray    *changes,
                 const char   *new_cursor,
                 GError      **error)
{
  if (json_array_get_length (purge) > 0 &&
      !quarantine_before_purge (job, session, cursor, purge, error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (purge); i++)
    {
      const char *id = json_array_get_string_element (purge, i);
      g_autoptr(YpRecord) client = yp_store_get (job->store, yp_schema_lookup ("client"), id,
                                                 NULL);

      g_ptr_array_add (job->purged_ids, g_strdup (id));
      g_ptr_array_add (job->purged_names,
                       client ? g_strdup_printf ("%s %s",
                                                 yp_record_get_string (client, "first_name"),
                                                 yp_record_get_string (client, "last_name"))
                              : NULL);
    }
  if (changes == NULL && json_array_get_length (purge) == 0)
    return TRUE;
  return yp_store_apply_pull_page (job->store, changes, purge, new_cursor, error);
}

static gboolean
run_sync (SyncJob  *job,
          GError  **error)
{
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *cursor = yp_store_dup_local_state (job->store, "sync_cursor");
  gboolean resynced = FALSE;

  if (!first_sync_snapshot (job, session, &cursor, error))
    return FALSE;

  for (guint round = 0; round < MAX_ROUNDS; round++)
    {
      g_autoptr(JsonArray) mutations = yp_store_read_outbox (job->store, PUSH_BATCH, error);
      g_auto(GStrv) acks = yp_store_dup_purge_acks (job->store);
      g_autofree char *case_set = NULL;
      g_autoptr(JsonNode) reply_node = NULL;
      g_autoptr(GPtrArray) new_blobs = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(JsonArray) purge = NULL;
      JsonObject *response;
      JsonArray *results, *changes, *server_purge, *server_case_set;
      const char *new_cursor;
      guint status;
      guint missing = 0;
      gboolean purged = FALSE;
      gboolean more;

      if (mutations == NULL)
        return FALSE;
      /* The case set is what this device holds at the cursor it sends. */
      if (cursor != NULL && (case_set = yp_store_dup_case_set_hash (job->store, error)) == NULL)
        return FALSE;
      status = post_sync (job, session, cursor, mutations, (const char **) acks, case_set, 500,
                          &reply_node, error);
      if (status == 0)
        return FALSE;
      if (status == 410)
        {
          if (resynced)
            return set_status_error (status, NULL, error);
          /* The server's database was restored or replaced: start again from nothing. */
          resynced = TRUE;
          g_clear_pointer (&cursor, g_free);
          if (!yp_store_set_local_state (job->store, "sync_cursor", NULL, error) ||
              !first_sync_snapshot (job, session, &cursor, error))
            return FALSE;
          continue;
        }
      response = json_node_get_object (reply_node);
      results = json_object_get_array_member (response, "results");
      changes = json_object_get_array_member (response, "changes");
      server_purge = json_object_get_array_member (response, "purge");
      server_case_set = json_object_has_member (response, "case_set")
                        ? json_object_get_array_member (response, "case_set") : NULL;
      new_cursor = json_object_get_string_member_with_default (response, "cursor", NULL);
      more = json_object_get_boolean_member_with_default (response, "more", FALSE);
      if (new_cursor == NULL || changes == NULL)
        {
          g_set_error (error, YP_SYNC_ERROR, YP_SYNC_ERROR_SERVER,
                       _("The server sent an answer that could not be read."));
          return FALSE;
        }

      /* The server has the acknowledgements (and audited them) once it answered. */
      if (acks[0] != NULL &&
          !yp_store_clear_purge_acks (job->store, (const char * const *) acks, error))
        return FALSE;

      if (results != NULL && json_array_get_length (mutations) > 0)
        {
          for (guint i = 0; i < json_array_get_length (results); i++)
            {
              JsonObject *r = json_array_get_object_element (results, i);
              JsonObject *m = i < json_array_get_length (mutations)
                              ? json_array_get_object_element (mutations, i) : NULL;

              count_quarantined (job, m, r);
              if (m && r
                  && g_strcmp0 (json_object_get_string_member_with_default (r, "status", ""),
                                "applied") == 0
                  && g_strcmp0 (json_object_get_string_member (m, "entity"), "attachment") == 0
                  && g_strcmp0 (json_object_get_string_member (m, "op"), "insert") == 0)
                {
                  JsonObject *fields = json_object_get_object_member (m, "fields");
                  const char *sha = json_object_get_string_member_with_default (fields,
                                                                                "sha256", NULL);
                  if (sha)
                    g_ptr_array_add (new_blobs, g_strdup (sha));
                }
            }
          if (!yp_store_apply_results (job->store, mutations, results, error))
            return FALSE;
        }

      /* The page, its purges and its cursor in one transaction. */
      purge = json_array_new ();
      for (guint i = 0; server_purge && i < json_array_get_length (server_purge); i++)
        {
          const char *id = json_array_get_string_element (server_purge, i);

          if (id != NULL && yp_uuid_is_valid (id))
            json_array_add_string_element (purge, id);
        }
      if (!purge_and_apply (job, session, cursor, purge, changes, new_cursor, error))
        return FALSE;
      g_free (cursor);
      cursor = g_strdup (new_cursor);

      /* Compared with what is held now the page is in: held clients the server did not list
       * were revoked without this device hearing of it (or come from a restored backup). */
      if (server_case_set != NULL)
        {
          g_autoptr(JsonArray) extra = NULL;

          if (!yp_store_compare_case_set (job->store, server_case_set, &extra, &missing, error)
              || !purge_and_apply (job, session, cursor, extra, NULL, NULL, error))
            return FALSE;
          purged |= json_array_get_length (extra) > 0;
        }
      purged |= json_array_get_length (purge) > 0;

      if (!upload_blobs (job, session, new_blobs, error))
        return FALSE;
      download_blobs (job, session, changes);

      /* Rows the server lists as visible but this device never got: pull everything again
       * (once; rows are applied by id and rev, so nothing is duplicated). */
      if (missing > 0 && !resynced)
        {
          resynced = TRUE;
          g_clear_pointer (&cursor, g_free);
          if (!yp_store_set_local_state (job->store, "sync_cursor", NULL, error))
            return FALSE;
          continue;
        }

      /* After a purge, one more request carries its acknowledgement. */
      if (!more && json_array_get_length (mutations) < PUSH_BATCH && !purged)
        {
          g_autofree char *now = yp_now_iso8601 ();
          return yp_store_set_local_state (job->store, "sync_last", now, error);
        }
    }
  return TRUE;
}

static void
sync_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  if (run_sync (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* ---- state (main thread) ------------------------------------------------------------------- */

static void
update_state (YpSyncEngine *self)
{
  YpSyncState state;
  guint waiting = yp_store_count_outbox (self->store, NULL);
  guint conflicts = yp_store_count_conflicts (self->store);

  if (self->token == NULL)
    state = YP_SYNC_STATE_SIGNED_OUT;
  else if (self->running)
    state = YP_SYNC_STATE_SYNCING;
  else if (self->offline)
    state = YP_SYNC_STATE_OFFLINE;
  else if (conflicts > 0)
    state = YP_SYNC_STATE_CONFLICTS;
  else if (waiting > 0)
    state = YP_SYNC_STATE_WAITING;
  else
    state = YP_SYNC_STATE_SYNCED;

  g_object_freeze_notify (G_OBJECT (self));
  if (waiting != self->n_waiting)
    {
      self->n_waiting = waiting;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_WAITING]);
    }
  if (conflicts != self->n_conflicts)
    {
      self->n_conflicts = conflicts;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_CONFLICTS]);
    }
  if (state != self->state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
retry_cb (gpointer data)
{
  YpSyncEngine *self = data;

  self->retry_id = 0;
  kick (self);
  return G_SOURCE_REMOVE;
}

static void
sync_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  YpSyncEngine *self = YP_SYNC_ENGINE (source);
  SyncJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GPtrArray) tasks = g_object_steal_data (G_OBJECT (result), "yp-user-tasks");
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  self->running = FALSE;
  g_clear_pointer (&self->last_error, g_free);
  if (ok)
    {
      self->offline = FALSE;
      self->backoff_s = 0;
      g_free (self->last_sync);
      self->last_sync = yp_store_dup_local_state (self->store, "sync_last");
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LAST_SYNC]);
    }
  else
    {
      self->last_error = g_strdup (error->message);
      if (g_error_matches (error, YP_SYNC_ERROR, YP_SYNC_ERROR_OFFLINE))
        {
          /* Exponential backoff while the server is unreachable. */
          self->offline = TRUE;
          self->backoff_s = self->backoff_s ? MIN (self->backoff_s * 2, BACKOFF_MAX_S)
                                            : BACKOFF_FIRST_S;
          g_clear_handle_id (&self->retry_id, g_source_remove);
          self->retry_id = g_timeout_add_seconds (self->backoff_s, retry_cb, self);
        }
      else if (g_error_matches (error, YP_SYNC_ERROR, YP_SYNC_ERROR_UNAUTHORIZED))
        g_clear_pointer (&self->token, g_free);
      else
        g_message ("Sync failed: %s", error->message);
    }

  for (guint i = 0; i < job->purged_ids->len; i++)
    g_signal_emit (self, signals[SIGNAL_CLIENT_PURGED], 0, job->purged_ids->pdata[i],
                   job->purged_names->pdata[i],
                   GPOINTER_TO_UINT (g_hash_table_lookup (job->quarantined,
                                                          job->purged_ids->pdata[i])));

  update_state (self);
  for (guint i = 0; tasks && i < tasks->len; i++)
    {
      if (ok)
        g_task_return_boolean (tasks->pdata[i], TRUE);
      else
        g_task_return_error (tasks->pdata[i], g_error_copy (error));
    }

  if (self->again || self->pending_tasks->len > 0)
    {
      self->again = FALSE;
      kick (self);
    }
  g_object_unref (self);
}

static void
kick (YpSyncEngine *self)
{
  g_autoptr(GTask) task = NULL;
  SyncJob *job;

  if (self->token == NULL || self->url == NULL)
    {
      for (guint i = 0; i < self->pending_tasks->len; i++)
        g_task_return_new_error (self->pending_tasks->pdata[i], YP_SYNC_ERROR,
                                 YP_SYNC_ERROR_NOT_SIGNED_IN,
                                 _("Sign in to a coordination server first."));
      g_ptr_array_set_size (self->pending_tasks, 0);
      return;
    }
  if (self->running)
    {
      self->again = TRUE;
      return;
    }
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->running = TRUE;
  update_state (self);

  job = g_new0 (SyncJob, 1);
  job->store = g_object_ref (self->store);
  job->url = g_strdup (self->url);
  job->token = g_strdup (self->token);
  job->purged_ids = g_ptr_array_new_with_free_func (g_free);
  job->purged_names = g_ptr_array_new_with_free_func (g_free);
  job->quarantined = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  task = g_task_new (g_object_ref (self), NULL, sync_done, NULL);
  g_task_set_source_tag (task, kick);
  g_task_set_task_data (task, job, sync_job_free);
  g_object_set_data_full (G_OBJECT (task), "yp-user-tasks",
                          g_ptr_array_ref (self->pending_tasks),
                          (GDestroyNotify) g_ptr_array_unref);
  g_ptr_array_unref (self->pending_tasks);
  self->pending_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_run_in_thread (task, sync_thread);
}

static gboolean
debounce_cb (gpointer data)
{
  YpSyncEngine *self = data;

  self->debounce_id = 0;
  kick (self);
  return G_SOURCE_REMOVE;
}

static gboolean
periodic_cb (gpointer data)
{
  kick (data);
  return G_SOURCE_CONTINUE;
}

static void
store_changed_cb (YpStore      *store,
                  const char   *table,
                  const char   *id,
                  YpSyncEngine *self)
{
  update_state (self);
  /* Only local changes waiting to be sent start a sync (a pull's own changes do not). */
  if (self->token == NULL || self->n_waiting == 0 || self->offline)
    return;
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  self->debounce_id = g_timeout_add (self->debounce_ms, debounce_cb, self);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    YpSyncEngine    *self)
{
  if (!available || self->token == NULL)
    return;
  /* The network came back: try at once instead of waiting for the backoff. */
  self->backoff_s = 0;
  kick (self);
}

static void
start_automatic (YpSyncEngine *self)
{
  if (self->changed_id == 0)
    self->changed_id = g_signal_connect (self->store, "changed",
                                         G_CALLBACK (store_changed_cb), self);
  if (self->network_id == 0)
    {
      self->monitor = g_object_ref (g_network_monitor_get_default ());
      self->network_id = g_signal_connect (self->monitor, "network-changed",
                                           G_CALLBACK (network_changed_cb), self);
    }
  if (self->periodic_id == 0)
    self->periodic_id = g_timeout_add (self->periodic_ms, periodic_cb, self);
}

static void
stop_automatic (YpSyncEngine *self)
{
  g_clear_signal_handler (&self->changed_id, self->store);
  if (self->monitor)
    g_clear_signal_handler (&self->network_id, self->monitor);
  g_clear_object (&self->monitor);
  g_clear_handle_id (&self->periodic_id, g_source_remove);
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
}

/* ---- sign in / out --------------------------------------------------------------------------- */

typedef struct
{
  YpStore *store;
  char    *url;
  char    *username;
  char    *password;
  char    *token;
} SignInJob;

static void
sign_in_job_free (gpointer data)
{
  SignInJob *job = data;

  g_clear_object (&job->store);
  g_free (job->url);
  g_free (job->username);
  if (job->password)
    memset (job->password, 0, strlen (job->password));
  g_free (job->password);
  g_free (job->token);
  g_free (job);
}

static void
sign_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  SignInJob *job = task_data;
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) reply_node = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) reply = NULL;
  GError *error = NULL;
  const char *token, *account;
  char *text;
  guint status;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, job->username);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, job->password);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  body = g_bytes_new_take (text, strlen (text));

  status = http (session, "POST", job->url, "/api/v1/session", NULL, "application/json", body,
                 &reply, &error);
  if (status == 0)
    {
      g_task_return_error (task, error);
      return;
    }
  if (status == 401)
    {
      g_task_return_new_error (task, YP_SYNC_ERROR, YP_SYNC_ERROR_INVALID_CREDENTIALS,
                               _("The user name or password is not right."));
      return;
    }
  if (status == 429)
    {
      g_task_return_new_error (task, YP_SYNC_ERROR, YP_SYNC_ERROR_RATE_LIMITED,
                               _("Too many sign-in attempts. Wait a few minutes and try "
                                 "again."));
      return;
    }
  if (status != 200)
    {
      set_status_error (status, reply, &error);
      g_task_return_error (task, error);
      return;
    }
  if ((reply_node = parse_json (reply, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  token = json_object_get_string_member_with_default (json_node_get_object (reply_node),
                                                      "token", NULL);
  account = json_object_get_string_member_with_default (json_node_get_object (reply_node),
                                                        "account_id", NULL);
  if (token == NULL || account == NULL || !yp_uuid_is_valid (account))
    {
      g_task_return_new_error (task, YP_SYNC_ERROR, YP_SYNC_ERROR_SERVER,
                               _("The server sent an answer that could not be read."));
      return;
    }
  /* The token goes to the keyring only; the address and user name to the local state. */
  if (!yp_credentials_store_token (job->url, job->username, token, cancellable, &error)
      || !yp_store_adopt_account (job->store, account, &error)
      || !yp_store_set_local_state (job->store, "sync_server", job->url, &error)
      || !yp_store_set_local_state (job->store, "sync_username", job->username, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  job->token = g_strdup (token);
  g_task_return_boolean (task, TRUE);
}

static void
sign_in_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  YpSyncEngine *self = YP_SYNC_ENGINE (source);
  g_autoptr(GTask) outer = user_data;
  SignInJob *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (outer, error);
      return;
    }
  g_free (self->url);
  self->url = g_strdup (job->url);
  g_free (self->username);
  self->username = g_strdup (job->username);
  g_free (self->token);
  self->token = g_strdup (job->token);
  self->offline = FALSE;
  start_automatic (self);
  update_state (self);
  kick (self);
  g_task_return_boolean (outer, TRUE);
}

static char *
normalize_url (const char *url)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (url));
  g_autoptr(GUri) uri = NULL;

  while (g_str_has_suffix (trimmed, "/"))
    trimmed[strlen (trimmed) - 1] = '\0';
  uri = g_uri_parse (trimmed, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL
      || (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0
          && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    return NULL;
  return g_steal_pointer (&trimmed);
}

void
yp_sync_engine_sign_in_async (YpSyncEngine        *self,
                              const char          *url,
                              const char          *username,
                              const char          *password,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) inner = NULL;
  GTask *outer;
  SignInJob *job;
  g_autofree char *clean = NULL;

  g_return_if_fail (YP_IS_SYNC_ENGINE (self));

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, yp_sync_engine_sign_in_async);
  clean = url ? normalize_url (url) : NULL;
  if (clean == NULL)
    {
      g_task_return_new_error (outer, YP_SYNC_ERROR, YP_SYNC_ERROR_INVALID_URL,
                               _("Type the server address in full, for example "
                                 "https://yhteispolku.example.fi"));
      g_object_unref (outer);
      return;
    }
  if (username == NULL || *username == '\0' || password == NULL || *password == '\0')
    {
      g_task_return_new_error (outer, YP_SYNC_ERROR, YP_SYNC_ERROR_INVALID_CREDENTIALS,
                               _("Type your user name and password."));
      g_object_unref (outer);
      return;
    }
  job = g_new0 (SignInJob, 1);
  job->store = g_object_ref (self->store);
  job->url = g_steal_pointer (&clean);
  job->username = g_strdup (username);
  job->password = g_strdup (password);
  inner = g_task_new (self, cancellable, sign_in_done, outer);
  g_task_set_task_data (inner, job, sign_in_job_free);
  g_task_run_in_thread (inner, sign_in_thread);
}

gboolean
yp_sync_engine_sign_in_finish (YpSyncEngine  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
sign_out_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  SignInJob *job = task_data;
  GError *error = NULL;

  if (job->token)
    {
      g_autoptr(SoupSession) session = new_session ();
      /* Best effort: the server ends the token; offline, it expires by itself. */
      http (session, "DELETE", job->url, "/api/v1/session", job->token, NULL, NULL, NULL, NULL);
    }
  if (!yp_credentials_clear_token (job->url, job->username, cancellable, &error)
      || !yp_store_set_local_state (job->store, "sync_server", NULL, &error)
      || !yp_store_set_local_state (job->store, "sync_username", NULL, &error)
      || !yp_store_set_local_state (job->store, "sync_cursor", NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
yp_sync_engine_sign_out_async (YpSyncEngine        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SignInJob *job;

  g_return_if_fail (YP_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, yp_sync_engine_sign_out_async);
  if (self->url == NULL || self->username == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  job = g_new0 (SignInJob, 1);
  job->store = g_object_ref (self->store);
  job->url = g_steal_pointer (&self->url);
  job->username = g_steal_pointer (&self->username);
  job->token = g_steal_pointer (&self->token);
  g_task_set_task_data (task, job, sign_in_job_free);
  stop_automatic (self);
  self->offline = FALSE;
  update_state (self);
  g_task_run_in_thread (task, sign_out_thread);
}

gboolean
yp_sync_engine_sign_out_finish (YpSyncEngine  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
yp_sync_engine_sync_async (YpSyncEngine        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (YP_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, yp_sync_engine_sync_async);
  g_ptr_array_add (self->pending_tasks, task);
  kick (self);
}

gboolean
yp_sync_engine_sync_finish (YpSyncEngine  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- start ------------------------------------------------------------------------------------ */

static void
lookup_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(YpSyncEngine) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = yp_credentials_lookup_token_finish (result, &error);

  if (token == NULL || self->url == NULL)
    {
      if (error)
        g_message ("The sign-in could not be read from the keyring: %s", error->message);
      update_state (self);
      return;
    }
  g_free (self->token);
  self->token = g_steal_pointer (&token);
  start_automatic (self);
  update_state (self);
  kick (self);
}

void
yp_sync_engine_start (YpSyncEngine *self)
{
  g_return_if_fail (YP_IS_SYNC_ENGINE (self));

  if (self->started)
    return;
  self->started = TRUE;
  g_free (self->url);
  self->url = yp_store_dup_local_state (self->store, "sync_server");
  g_free (self->username);
  self->username = yp_store_dup_local_state (self->store, "sync_username");
  g_free (self->last_sync);
  self->last_sync = yp_store_dup_local_state (self->store, "sync_last");
  update_state (self);
  /* Not signed in: no keyring, no network, nothing. */
  if (self->url == NULL || self->username == NULL)
    return;
  yp_credentials_lookup_token_async (self->url, self->username, NULL, lookup_done,
                                     g_object_ref (self));
}

void
yp_sync_engine_set_intervals (YpSyncEngine *self,
                              guint         debounce_ms,
                              guint         periodic_ms)
{
  g_return_if_fail (YP_IS_SYNC_ENGINE (self));

  self->debounce_ms = MAX (debounce_ms, 1);
  self->periodic_ms = MAX (periodic_ms, 1);
  if (self->periodic_id)
    {
      g_clear_handle_id (&self->periodic_id, g_source_remove);
      self->periodic_id = g_timeout_add (self->periodic_ms, periodic_cb, self);
    }
}

/* ---- GObject ---------------------------------------------------------------------------------- */

YpSyncEngine *
yp_sync_engine_new (YpStore *store)
{
  return g_object_new (YP_TYPE_SYNC_ENGINE, "store", store, NULL);
}

YpSyncState
yp_sync_engine_get_state (YpSyncEngine *self)
{
  g_return_val_if_fail (YP_IS_SYNC_ENGINE (self), YP_SYNC_STATE_SIGNED_OUT);
  return self->state;
}

guint
yp_sync_engine_get_n_waiting (YpSyncEngine *self)
{
  g_return_val_if_fail (YP_IS_SYNC_ENGINE (self), 0);
  return self->n_waiting;
}

guint
yp_sync_engine_get_n_conflicts (YpSyncEngine *self)
{
  g_return_val_if_fail (YP_IS_SYNC_ENGINE (self), 0);
  return self->n_conflicts;
}

const char *
yp_sync_engine_get_last_sync (YpSyncEngine *self)
{
  g_return_val_if_fail (YP_IS_SYNC_ENGINE (self), NULL);
  return self->last_sync;
}

gboolean
yp_sync_lease_expired (const char *last_sync,
                       GDateTime  *now)
{
  g_autoptr(GDateTime) last = NULL;

  /* A device that never synced has nothing from a server to hide. */
  if (last_sync == NULL || (last = g_date_time_new_from_iso8601 (last_sync, NULL)) == NULL)
    return FALSE;
  return g_date_time_difference (now, last) > (GTimeSpan) YP_SYNC_LEASE_DAYS * G_TIME_SPAN_DAY;
}

gboolean
yp_sync_engine_is_lease_expired (YpSyncEngine *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *last = NULL;

  g_return_val_if_fail (YP_IS_SYNC_ENGINE (self), FALSE);
  /* From the store, not the cached copy: right also before the engine has started. */
  last = yp_store_dup_local_state (self->store, "sync_last");
  return yp_sync_lease_expired (last, now);
}

const char *
yp_sync_engine_get_last_error (YpSyncEngine *self)
{
  g_return_val_if_fail (YP_IS_SYNC_ENGINE (self), NULL);
  return self->last_error;
}

gboolean
yp_sync_engine_is_signed_in (YpSyncEngine *self)
{
  g_return_val_if_fail (YP_IS_SYNC_ENGINE (self), FALSE);
  return self->token != NULL;
}

const char *
yp_sync_engine_get_server_url (YpSyncEngine *self)
{
  g_return_val_if_fail (YP_IS_SYNC_ENGINE (self), NULL);
  return self->url;
}

const char *
yp_sync_engine_get_username (YpSyncEngine *self)
{
  g_return_val_if_fail (YP_IS_SYNC_ENGINE (self), NULL);
  return self->username;
}

static void
yp_sync_engine_dispose (GObject *object)
{
  YpSyncEngine *self = YP_SYNC_ENGINE (object);

  if (self->store)
    stop_automatic (self);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (yp_sync_engine_parent_class)->dispose (object);
}

static void
yp_sync_engine_finalize (GObject *object)
{
  YpSyncEngine *self = YP_SYNC_ENGINE (object);

  g_free (self->url);
  g_free (self->username);
  g_free (self->token);
  g_free (self->last_sync);
  g_free (self->last_error);
  g_clear_pointer (&self->pending_tasks, g_ptr_array_unref);
  G_OBJECT_CLASS (yp_sync_engine_parent_class)->finalize (object);
}

static void
yp_sync_engine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  YpSyncEngine *self = YP_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_N_WAITING: g_value_set_uint (value, self->n_waiting); break;
    case PROP_N_CONFLICTS: g_value_set_uint (value, self->n_conflicts); break;
    case PROP_LAST_SYNC: g_value_set_string (value, self->last_sync); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_sync_engine_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  YpSyncEngine *self = YP_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_sync_engine_class_init (YpSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = yp_sync_engine_dispose;
  object_class->finalize = yp_sync_engine_finalize;
  object_class->get_property = yp_sync_engine_get_property;
  object_class->set_property = yp_sync_engine_set_property;

  props[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, YP_TYPE_SYNC_STATE, YP_SYNC_STATE_SIGNED_OUT,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_N_WAITING] =
    g_param_spec_uint ("n-waiting", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_N_CONFLICTS] =
    g_param_spec_uint ("n-conflicts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_LAST_SYNC] =
    g_param_spec_string ("last-sync", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_CLIENT_PURGED] =
    g_signal_new ("client-purged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT);
}

static void
yp_sync_engine_init (YpSyncEngine *self)
{
  self->pending_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->debounce_ms = 2000;
  self->periodic_ms = 60000;
  self->state = YP_SYNC_STATE_SIGNED_OUT;
}
