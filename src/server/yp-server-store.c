/* yp-server-store.c — the coordination server's SQLite database.
 *
 * The synced tables are made from the schema description (yp_entity_create_sql) plus one
 * server column, created_seq: the seq at which the row was created, which the late-joiner
 * rule filters on. "rev" is the seq of the row's last change; every written row gets the next
 * seq from a counter in the meta table, inside the request's BEGIN IMMEDIATE transaction, so
 * seq order is commit order (one connection, one writer).
 */
#define G_LOG_DOMAIN "yp-server-store"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <sqlite3.h>
#include <string.h>

#include "yp-policy.h"
#include "yp-record.h"
#include "yp-schema.h"
#include "yp-server-store.h"
#include "yp-util.h"

/* Version of the server's own tables (accounts, sessions, ...). */
#define SERVER_TABLES_VERSION 1

struct _YpServerStore
{
  GObject  parent_instance;

  sqlite3 *db;
  char    *path;
  char    *epoch;
  char    *dummy_hash; /* verified against for unknown user names, so timing tells nothing */
  /* account id → CaseSet, valid while the participants table's last seq is unchanged */
  GHashTable *case_sets;
};

typedef struct
{
  gint64     version;
  char      *hash;
  GPtrArray *ids;
} CaseSet;

static void
case_set_free (gpointer data)
{
  CaseSet *c = data;

  g_free (c->hash);
  g_ptr_array_unref (c->ids);
  g_free (c);
}

G_DEFINE_FINAL_TYPE (YpServerStore, yp_server_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (yp-server-error-quark, yp_server_error)

/* Prepared statements are kept per database and SQL text and reused: a statement is taken
 * out of the cache while in use (so nested users of the same SQL each get their own) and
 * put back, reset, when its g_autoptr goes out of scope. The server runs one thread; the
 * lock only keeps the cache consistent should that change. */
G_LOCK_DEFINE_STATIC (stmt_cache);
static GHashTable *stmt_cache; /* "db pointer\nsql" → sqlite3_stmt */

static char *
stmt_cache_key (sqlite3    *db,
                const char *sql)
{
  return g_strdup_printf ("%p\n%s", (gpointer) db, sql);
}

static void
stmt_release (sqlite3_stmt *stmt)
{
  char *key;

  if (stmt == NULL)
    return;
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  key = stmt_cache_key (sqlite3_db_handle (stmt), sqlite3_sql (stmt));
  G_LOCK (stmt_cache);
  if (stmt_cache != NULL && !g_hash_table_contains (stmt_cache, key))
    {
      g_hash_table_insert (stmt_cache, key, stmt);
      key = NULL;
      stmt = NULL;
    }
  G_UNLOCK (stmt_cache);
  g_free (key);
  if (stmt != NULL)
    sqlite3_finalize (stmt);
}

static void
stmt_finalize (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static sqlite3_stmt *
stmt_take (sqlite3    *db,
           const char *sql)
{
  g_autofree char *key = stmt_cache_key (db, sql);
  gpointer stmt = NULL;

  G_LOCK (stmt_cache);
  if (stmt_cache != NULL)
    g_hash_table_steal_extended (stmt_cache, key, NULL, &stmt);
  G_UNLOCK (stmt_cache);
  return stmt;
}

static gboolean
stmt_is_for_db (gpointer key,
                gpointer value,
                gpointer db)
{
  return sqlite3_db_handle (value) == db;
}

static void
stmt_cache_drop (sqlite3 *db)
{
  G_LOCK (stmt_cache);
  if (stmt_cache != NULL)
    g_hash_table_foreach_remove (stmt_cache, stmt_is_for_db, db);
  G_UNLOCK (stmt_cache);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, stmt_release)

static const struct
{
  const char *name;
  guint       status;
} error_codes[] = {
  [YP_SERVER_ERROR_BAD_REQUEST]            = { "bad_request", 400 },
  [YP_SERVER_ERROR_MALFORMED_JSON]         = { "malformed_json", 400 },
  [YP_SERVER_ERROR_TOO_DEEP]               = { "too_deep", 400 },
  [YP_SERVER_ERROR_WRONG_TYPE]             = { "wrong_type", 400 },
  [YP_SERVER_ERROR_UNKNOWN_FIELD]          = { "unknown_field", 400 },
  [YP_SERVER_ERROR_INVALID_VALUE]          = { "invalid_value", 400 },
  [YP_SERVER_ERROR_UNKNOWN_ENTITY]         = { "unknown_entity", 400 },
  [YP_SERVER_ERROR_HASH_MISMATCH]          = { "hash_mismatch", 400 },
  [YP_SERVER_ERROR_UNAUTHORIZED]           = { "unauthorized", 401 },
  [YP_SERVER_ERROR_INVALID_CREDENTIALS]    = { "invalid_credentials", 401 },
  [YP_SERVER_ERROR_FORBIDDEN]              = { "forbidden", 403 },
  [YP_SERVER_ERROR_NOT_FOUND]              = { "not_found", 404 },
  [YP_SERVER_ERROR_METHOD_NOT_ALLOWED]     = { "method_not_allowed", 405 },
  [YP_SERVER_ERROR_EXISTS]                 = { "exists", 409 },
  [YP_SERVER_ERROR_CURSOR_EXPIRED]         = { "cursor_expired", 410 },
  [YP_SERVER_ERROR_LENGTH_REQUIRED]        = { "length_required", 411 },
  [YP_SERVER_ERROR_TOO_LARGE]              = { "too_large", 413 },
  [YP_SERVER_ERROR_UNSUPPORTED_MEDIA_TYPE] = { "unsupported_media_type", 415 },
  [YP_SERVER_ERROR_RATE_LIMITED]           = { "rate_limited", 429 },
  [YP_SERVER_ERROR_INTERNAL]               = { "internal", 500 },
};

const char *
yp_server_error_code_name (YpServerError code)
{
  if ((guint) code >= G_N_ELEMENTS (error_codes))
    return "internal";
  return error_codes[code].name;
}

guint
yp_server_error_http_status (YpServerError code)
{
  if ((guint) code >= G_N_ELEMENTS (error_codes))
    return 500;
  return error_codes[code].status;
}

/* ---- SQLite helpers ------------------------------------------------------------------- */

static gboolean
set_db_error (GError     **error,
              sqlite3     *db,
              const char  *what)
{
  g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INTERNAL,
               "Database error (%s): %s", what, sqlite3_errmsg (db));
  return FALSE;
}

static gboolean
exec_sql (YpServerStore  *self,
          const char     *sql,
          GError        **error)
{
  char *msg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INTERNAL,
                   "Database error: %s", msg ? msg : "unknown");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare (YpServerStore  *self,
         const char     *sql,
         GError        **error)
{
  sqlite3_stmt *stmt = stmt_take (self->db, sql);

  if (stmt != NULL)
    return stmt;
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db, "prepare");
      return NULL;
    }
  return stmt;
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *text)
{
  if (text)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static gboolean
begin (YpServerStore  *self,
       GError        **error)
{
  return exec_sql (self, "BEGIN IMMEDIATE", error);
}

/* A read transaction: what it reads is one state of the database, whatever commits meanwhile. */
static gboolean
begin_read (YpServerStore  *self,
            GError        **error)
{
  return exec_sql (self, "BEGIN DEFERRED", error);
}

static gboolean
end (YpServerStore  *self,
     gboolean        ok,
     GError        **error)
{
  if (ok && exec_sql (self, "COMMIT", error))
    return TRUE;
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static gint64
meta_int (YpServerStore *self,
          const char    *key)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (self, "SELECT ivalue FROM meta WHERE key = ?", NULL);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

static gboolean
set_meta_int (YpServerStore  *self,
              const char     *key,
              gint64          value,
              GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt =
    prepare (self, "INSERT INTO meta (key, ivalue) VALUES (?, ?)"
                   " ON CONFLICT (key) DO UPDATE SET ivalue = excluded.ivalue", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, value);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_db_error (error, self->db, "meta");
  return TRUE;
}

/* The next sequence number; only inside a write transaction. */
static gint64
next_seq (YpServerStore  *self,
          GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt =
    prepare (self, "UPDATE meta SET ivalue = ivalue + 1 WHERE key = 'seq' RETURNING ivalue",
             error);

  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      set_db_error (error, self->db, "seq");
      return -1;
    }
  return sqlite3_column_int64 (stmt, 0);
}

static gint64
current_seq (YpServerStore *self)
{
  return meta_int (self, "seq");
}

/* ---- schema ----------------------------------------------------------------------------- */

static gboolean
create_entity_table (YpServerStore   *self,
                     const YpEntity  *entity,
                     GError         **error)
{
  g_autofree char *create = yp_entity_create_sql (entity, YP_SCHEMA_VERSION);
  g_autofree char *extra = NULL;

  if (!exec_sql (self, create, error))
    return FALSE;
  extra = g_strdup_printf ("ALTER TABLE %s ADD COLUMN created_seq INTEGER NOT NULL DEFAULT 0;"
                           "CREATE INDEX %s_rev ON %s (rev);",
                           entity->table, entity->table, entity->table);
  if (!exec_sql (self, extra, error))
    return FALSE;
  if (entity->client_scoped)
    {
      g_autofree char *index = g_strdup_printf ("CREATE INDEX %s_client ON %s (client_id, rev)",
                                                entity->table, entity->table);
      if (!exec_sql (self, index, error))
        return FALSE;
    }
  if (g_str_equal (entity->name, "participant"))
    return exec_sql (self, "CREATE INDEX participants_professional"
                           " ON participants (professional_id)", error);
  if (g_str_equal (entity->name, "attachment"))
    return exec_sql (self, "CREATE INDEX attachments_sha256 ON attachments (sha256)", error);
  return TRUE;
}

static gboolean
create_server_tables (YpServerStore  *self,
                      GError        **error)
{
  guint8 raw[8];
  g_autofree char *epoch = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  guint n;
  const YpEntity * const *entities = yp_schema_get_entities (&n);

  if (!exec_sql (self,
                 "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT, ivalue INTEGER);"
                 "CREATE TABLE accounts ("
                 " id TEXT PRIMARY KEY,"
                 " username TEXT NOT NULL UNIQUE,"
                 " password_hash TEXT NOT NULL,"
                 " is_admin INTEGER NOT NULL DEFAULT 0,"
                 " disabled INTEGER NOT NULL DEFAULT 0,"
                 " created_at TEXT NOT NULL);"
                 "CREATE TABLE sessions ("
                 " token_hash TEXT PRIMARY KEY,"
                 " account_id TEXT NOT NULL,"
                 " created_at TEXT NOT NULL,"
                 " expires_at INTEGER NOT NULL);"
                 "CREATE TABLE mutations ("
                 " mutation_id TEXT PRIMARY KEY,"
                 " account_id TEXT NOT NULL,"
                 " result TEXT NOT NULL,"
                 " applied_at TEXT NOT NULL);"
                 "CREATE TABLE blobs ("
                 " sha256 TEXT PRIMARY KEY,"
                 " size INTEGER NOT NULL,"
                 " data BLOB NOT NULL,"
                 " created_at TEXT NOT NULL,"
                 " created_by TEXT NOT NULL);"
                 "CREATE TABLE audit_log ("
                 " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                 " at TEXT NOT NULL,"
                 " account_id TEXT,"
                 " action TEXT NOT NULL,"
                 " entity TEXT,"
                 " row_id TEXT,"
                 " client_id TEXT,"
                 " detail TEXT);"
                 "CREATE INDEX audit_log_client ON audit_log (client_id);"
                 "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
                 " BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;"
                 "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
                 " BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;",
                 error))
    return FALSE;

  for (guint i = 0; i < n; i++)
    if (!create_entity_table (self, entities[i], error))
      return FALSE;

  /* The epoch names this database; a cursor from another one (a restored backup, a new
   * server) is answered 410 and the app resyncs from scratch. */
  randombytes_buf (raw, sizeof raw);
  epoch = g_strdup_printf ("%02x%02x%02x%02x%02x%02x%02x%02x",
                           raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7]);
  if ((stmt = prepare (self, "INSERT INTO meta (key, value) VALUES ('epoch', ?)", error)) == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, epoch, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_db_error (error, self->db, "epoch");
  return set_meta_int (self, "seq", 0, error) &&
         set_meta_int (self, "server_tables", SERVER_TABLES_VERSION, error) &&
         set_meta_int (self, "entity_schema", YP_SCHEMA_VERSION, error);
}

/* Entities and fields the schema description gained since the database was made. */
static gboolean
migrate_entities (YpServerStore  *self,
                  guint           from,
                  GError        **error)
{
  guint n;
  const YpEntity * const *entities = yp_schema_get_entities (&n);

  for (guint i = 0; i < n; i++)
    {
      const YpEntity *entity = entities[i];

      if (entity->since > from)
        {
          if (!create_entity_table (self, entity, error))
            return FALSE;
          continue;
        }
      for (guint f = 0; f < entity->n_fields; f++)
        if (entity->fields[f].since > from)
          {
            g_autofree char *sql = yp_field_add_column_sql (entity, &entity->fields[f]);
            if (!exec_sql (self, sql, error))
              return FALSE;
          }
    }
  return set_meta_int (self, "entity_schema", YP_SCHEMA_VERSION, error);
}

static gboolean
migrate (YpServerStore  *self,
         GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok = TRUE;
  gint64 version = 0;

  if (!begin (self, error))
    return FALSE;
  stmt = prepare (self, "SELECT 1 FROM sqlite_master WHERE name = 'meta'", error);
  if (stmt == NULL)
    return end (self, FALSE, error);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    ok = create_server_tables (self, error);
  sqlite3_reset (stmt);
  if (ok && (version = meta_int (self, "entity_schema")) > YP_SCHEMA_VERSION)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INTERNAL,
                   "The database was made by a newer server (schema %" G_GINT64_FORMAT ").",
                   version);
      ok = FALSE;
    }
  else if (ok && version < YP_SCHEMA_VERSION)
    ok = migrate_entities (self, (guint) version, error);
  /* Per-professional lookups in the pull stay proportional to what changed, not to how many
   * clients the professional has. */
  /* Failed sign-ins per user name and per address (yp-server.c), so that a restart does not
   * wipe the rate limit. */
  ok = ok && exec_sql (self,
                       "CREATE TABLE IF NOT EXISTS login_failures (key TEXT PRIMARY KEY,"
                       " count INTEGER NOT NULL, window_start INTEGER NOT NULL)"
                       " WITHOUT ROWID;", error);
  ok = ok && exec_sql (self,
                       "CREATE INDEX IF NOT EXISTS participants_client_professional"
                       " ON participants (client_id, professional_id);"
                       "CREATE INDEX IF NOT EXISTS participants_professional_rev"
                       " ON participants (professional_id, rev);"
                       "CREATE INDEX IF NOT EXISTS participants_professional_joined"
                       " ON participants (professional_id, joined_seq)"
                       " WHERE state = 'active' AND deleted = 0;",
                       error);
  return end (self, ok, error);
}

static void
yp_server_store_finalize (GObject *object)
{
  YpServerStore *self = YP_SERVER_STORE (object);

  if (self->db)
    {
      stmt_cache_drop (self->db);
      sqlite3_close_v2 (self->db);
    }
  g_free (self->path);
  g_free (self->epoch);
  g_free (self->dummy_hash);
  g_clear_pointer (&self->case_sets, g_hash_table_unref);
  G_OBJECT_CLASS (yp_server_store_parent_class)->finalize (object);
}

static void
yp_server_store_class_init (YpServerStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = yp_server_store_finalize;
}

static void
yp_server_store_init (YpServerStore *self)
{
}

YpServerStore *
yp_server_store_open (const char  *path,
                      GError     **error)
{
  g_autoptr(YpServerStore) self = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  if (sodium_init () < 0)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INTERNAL,
                   "libsodium could not be initialised.");
      return NULL;
    }

  G_LOCK (stmt_cache);
  if (stmt_cache == NULL)
    stmt_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        stmt_finalize);
  G_UNLOCK (stmt_cache);
  self = g_object_new (YP_TYPE_SERVER_STORE, NULL);
  self->path = g_strdup (path);
  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INTERNAL,
                   "Cannot open the database %s: %s", path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }
  /* Durability as architecture.md says: WAL, synchronous=FULL, secure_delete. */
  if (!exec_sql (self,
                 "PRAGMA journal_mode = WAL;"
                 "PRAGMA synchronous = FULL;"
                 "PRAGMA foreign_keys = ON;"
                 "PRAGMA secure_delete = ON;"
                 "PRAGMA busy_timeout = 5000;"
                 /* A page cache that holds the working set (random-id indexes touch pages
                  * all over the file); the default 2 MiB makes every request read pages. */
                 "PRAGMA cache_size = -65536;",
                 error))
    return NULL;
  if (!migrate (self, error))
    return NULL;

  if ((stmt = prepare (self, "SELECT value FROM meta WHERE key = 'epoch'", error)) == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    self->epoch = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  return g_steal_pointer (&self);
}

/* A second connection to @store's file for a reader in another thread (the snapshot): the
 * same epoch, no migration; it reads the main database and writes only to its temporary and
 * in-memory ones. */
static YpServerStore *
store_open_reader (YpServerStore  *store,
                   GError        **error)
{
  g_autoptr(YpServerStore) self = g_object_new (YP_TYPE_SERVER_STORE, NULL);
  int rc;

  self->path = g_strdup (store->path);
  self->epoch = g_strdup (store->epoch);
  rc = sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INTERNAL,
                   "Cannot open the database %s: %s", self->path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }
  if (!exec_sql (self, "PRAGMA busy_timeout = 5000; PRAGMA temp_store = MEMORY;"
                       "PRAGMA cache_size = -16384; PRAGMA mmap_size = 1073741824;", error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
yp_server_store_get_epoch (YpServerStore *self)
{
  g_return_val_if_fail (YP_IS_SERVER_STORE (self), NULL);
  return self->epoch;
}

/* ---- failed sign-ins -------------------------------------------------------------------- */

void
yp_server_store_save_failures (YpServerStore *self,
                               const char    *key,
                               guint          count,
                               gint64         window_start)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_if_fail (YP_IS_SERVER_STORE (self));

  if (count == 0)
    stmt = prepare (self, "DELETE FROM login_failures WHERE key = ?1", &error);
  else
    stmt = prepare (self, "INSERT INTO login_failures (key, count, window_start)"
                          " VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE"
                          " SET count = excluded.count, window_start = excluded.window_start",
                    &error);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      if (count > 0)
        {
          sqlite3_bind_int64 (stmt, 2, count);
          sqlite3_bind_int64 (stmt, 3, window_start);
        }
      if (sqlite3_step (stmt) != SQLITE_DONE)
        set_db_error (&error, self->db, "login failures");
    }
  if (error != NULL)
    g_warning ("Could not save the failed sign-ins: %s", error->message);
}

void
yp_server_store_load_failures (YpServerStore       *self,
                               gint64               since,
                               YpServerFailuresFunc func,
                               gpointer             data)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_if_fail (YP_IS_SERVER_STORE (self));

  stmt = prepare (self, "SELECT key, count, window_start FROM login_failures"
                        " WHERE window_start >= ?1", NULL);
  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, since);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    func ((const char *) sqlite3_column_text (stmt, 0), (guint) sqlite3_column_int64 (stmt, 1),
          sqlite3_column_int64 (stmt, 2), data);
  g_clear_pointer (&stmt, stmt_release);
  /* Windows that are over need no keeping. */
  if ((stmt = prepare (self, "DELETE FROM login_failures WHERE window_start < ?1", NULL)) != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, since);
      sqlite3_step (stmt);
    }
}

/* ---- audit ------------------------------------------------------------------------------ */

static gboolean
audit_locked (YpServerStore  *self,
              const char     *account_id,
              const char     *action,
              const char     *entity,
              const char     *row_id,
              const char     *client_id,
              const char     *detail,
              GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *now = yp_now_iso8601 ();

  stmt = prepare (self, "INSERT INTO audit_log (at, account_id, action, entity, row_id,"
                        " client_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, now, -1, SQLITE_STATIC);
  bind_text_or_null (stmt, 2, account_id);
  sqlite3_bind_text (stmt, 3, action, -1, SQLITE_STATIC);
  bind_text_or_null (stmt, 4, entity);
  bind_text_or_null (stmt, 5, row_id);
  bind_text_or_null (stmt, 6, client_id);
  bind_text_or_null (stmt, 7, detail);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_db_error (error, self->db, "audit");
  return TRUE;
}

void
yp_server_store_audit (YpServerStore *self,
                       const char    *account_id,
                       const char    *action,
                       const char    *entity,
                       const char    *row_id,
                       const char    *client_id,
                       const char    *detail)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (YP_IS_SERVER_STORE (self));

  if (!audit_locked (self, account_id, action, entity, row_id, client_id, detail, &error))
    g_warning ("Could not write the audit log: %s", error->message);
}

/* ---- accounts and sessions ------------------------------------------------------------------ */

static char *
hash_password (const char  *password,
               GError     **error)
{
  char out[crypto_pwhash_STRBYTES];

  if (crypto_pwhash_str_alg (out, password, strlen (password),
                             crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE,
                             crypto_pwhash_ALG_ARGON2ID13) != 0)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INTERNAL,
                   "Out of memory while hashing the password.");
      return NULL;
    }
  return g_strdup (out);
}

char *
yp_server_store_add_org (YpServerStore  *self,
                         const char     *name,
                         const char     *sector,
                         GError        **error)
{
  const YpEntity *entity = yp_schema_lookup ("organization");
  g_autoptr(YpRecord) org = yp_record_new (entity);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *id = yp_uuid_new ();
  g_autofree char *now = yp_now_iso8601 ();
  gint64 seq;
  gboolean ok;

  g_return_val_if_fail (YP_IS_SERVER_STORE (self), NULL);

  yp_record_set_string (org, "id", id);
  yp_record_set_null (org, "client_id");
  yp_record_set_string (org, "name", name);
  yp_record_set_string (org, "sector", sector ? sector : "health");
  yp_record_set_string (org, "updated_at", now);
  yp_record_set_int (org, "deleted", 0);
  if (!yp_record_validate (org, error))
    return NULL;

  if (!begin (self, error))
    return NULL;
  ok = (seq = next_seq (self, error)) > 0 &&
       (stmt = prepare (self, "INSERT INTO organizations (id, client_id, rev, updated_at,"
                              " deleted, name, sector, created_seq)"
                              " VALUES (?, NULL, ?, ?, 0, ?, ?, ?)", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, seq);
      sqlite3_bind_text (stmt, 3, now, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, yp_record_get_string (org, "sector"), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 6, seq);
      ok = sqlite3_step (stmt) == SQLITE_DONE || set_db_error (error, self->db, "org");
    }
  ok = ok && audit_locked (self, NULL, "admin_org_add", "organization", id, NULL, name, error);
  if (!end (self, ok, error))
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
username_exists (YpServerStore *self,
                 const char    *username)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (self, "SELECT 1 FROM accounts WHERE username = ?",
                                          NULL);

  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_STATIC);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

static gboolean
row_exists (YpServerStore *self,
            const char    *table,
            const char    *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT 1 FROM %s WHERE id = ?", table);
  g_autoptr(sqlite3_stmt) stmt = prepare (self, sql, NULL);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

char *
yp_server_store_add_user (YpServerStore  *self,
                          const char     *username,
                          const char     *password,
                          const char     *full_name,
                          const char     *org_id,
                          gboolean        is_admin,
                          GError        **error)
{
  g_autofree char *id = yp_uuid_new ();
  g_autofree char *now = yp_now_iso8601 ();
  g_autofree char *hash = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (YP_IS_SERVER_STORE (self), NULL);

  if (username == NULL || *username == '\0' || strlen (username) > 100 ||
      !g_utf8_validate (username, -1, NULL))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_VALUE,
                   _("A user name is 1 to 100 characters."));
      return NULL;
    }
  if (password == NULL || g_utf8_strlen (password, -1) < 10)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_VALUE,
                   _("A password needs at least 10 characters."));
      return NULL;
    }
  if (!is_admin && (full_name == NULL || *full_name == '\0'))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_VALUE,
                   _("A professional needs a full name (--name)."));
      return NULL;
    }
  if ((hash = hash_password (password, error)) == NULL)
    return NULL;

  if (!begin (self, error))
    return NULL;
  ok = TRUE;
  if (username_exists (self, username))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_EXISTS,
                   _("The user name “%s” is already taken."), username);
      ok = FALSE;
    }
  if (ok && org_id != NULL && !row_exists (self, "organizations", org_id))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_NOT_FOUND,
                   _("There is no organisation with the id “%s”."), org_id);
      ok = FALSE;
    }
  if (ok)
    {
      ok = (stmt = prepare (self, "INSERT INTO accounts (id, username, password_hash,"
                                  " is_admin, created_at) VALUES (?, ?, ?, ?, ?)", error)) != NULL;
      if (ok)
        {
          sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, username, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 3, hash, -1, SQLITE_STATIC);
          sqlite3_bind_int (stmt, 4, is_admin ? 1 : 0);
          sqlite3_bind_text (stmt, 5, now, -1, SQLITE_STATIC);
          ok = sqlite3_step (stmt) == SQLITE_DONE || set_db_error (error, self->db, "account");
        }
    }
  /* A professional is also a directory row, with the account's id. */
  if (ok && !is_admin)
    {
      const YpEntity *entity = yp_schema_lookup ("professional");
      g_autoptr(YpRecord) pro = yp_record_new (entity);
      g_autoptr(sqlite3_stmt) insert = NULL;
      gint64 seq;

      yp_record_set_string (pro, "id", id);
      yp_record_set_string (pro, "name", full_name);
      yp_record_set_string (pro, "organization_id", org_id);
      ok = yp_record_validate (pro, error) && (seq = next_seq (self, error)) > 0 &&
           (insert = prepare (self, "INSERT INTO professionals (id, client_id, rev, updated_at,"
                                    " deleted, name, organization_id, created_seq)"
                                    " VALUES (?, NULL, ?, ?, 0, ?, ?, ?)", error)) != NULL;
      if (ok)
        {
          sqlite3_bind_text (insert, 1, id, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (insert, 2, seq);
          sqlite3_bind_text (insert, 3, now, -1, SQLITE_STATIC);
          sqlite3_bind_text (insert, 4, full_name, -1, SQLITE_STATIC);
          bind_text_or_null (insert, 5, org_id);
          sqlite3_bind_int64 (insert, 6, seq);
          ok = sqlite3_step (insert) == SQLITE_DONE ||
               set_db_error (error, self->db, "professional");
        }
    }
  ok = ok && audit_locked (self, NULL, "admin_user_add", "account", id, NULL, username, error);
  if (!end (self, ok, error))
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
update_account (YpServerStore  *self,
                const char     *username,
                const char     *sql,
                const char     *text,
                const char     *action,
                GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok;

  if (!begin (self, error))
    return FALSE;
  ok = (stmt = prepare (self, sql, error)) != NULL;
  if (ok)
    {
      int i = 1;

      if (text)
        sqlite3_bind_text (stmt, i++, text, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, i, username, -1, SQLITE_STATIC);
      ok = sqlite3_step (stmt) == SQLITE_DONE || set_db_error (error, self->db, "account");
    }
  if (ok && sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_NOT_FOUND,
                   _("There is no user “%s”."), username);
      ok = FALSE;
    }
  /* A new password or a disabled account ends every session of the account. */
  if (ok)
    {
      g_autoptr(sqlite3_stmt) del =
        prepare (self, "DELETE FROM sessions WHERE account_id IN"
                       " (SELECT id FROM accounts WHERE username = ?)", error);

      ok = del != NULL;
      if (ok)
        {
          sqlite3_bind_text (del, 1, username, -1, SQLITE_STATIC);
          ok = sqlite3_step (del) == SQLITE_DONE || set_db_error (error, self->db, "sessions");
        }
    }
  ok = ok && audit_locked (self, NULL, action, "account", NULL, NULL, username, error);
  return end (self, ok, error);
}

gboolean
yp_server_store_set_password (YpServerStore  *self,
                              const char     *username,
                              const char     *password,
                              GError        **error)
{
  g_autofree char *hash = NULL;

  g_return_val_if_fail (YP_IS_SERVER_STORE (self), FALSE);

  if (password == NULL || g_utf8_strlen (password, -1) < 10)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_VALUE,
                   _("A password needs at least 10 characters."));
      return FALSE;
    }
  if ((hash = hash_password (password, error)) == NULL)
    return FALSE;
  return update_account (self, username,
                         "UPDATE accounts SET password_hash = ? WHERE username = ?",
                         hash, "admin_user_passwd", error);
}

gboolean
yp_server_store_disable_user (YpServerStore  *self,
                              const char     *username,
                              GError        **error)
{
  g_return_val_if_fail (YP_IS_SERVER_STORE (self), FALSE);

  return update_account (self, username, "UPDATE accounts SET disabled = 1 WHERE username = ?",
                         NULL, "admin_user_disable", error);
}

static char *
token_hash (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

char *
yp_server_store_dup_password_hash (YpServerStore  *self,
                                   const char     *username,
                                   char          **out_account_id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *account_id = NULL;
  char *stored = NULL;

  g_return_val_if_fail (YP_IS_SERVER_STORE (self), NULL);

  stmt = prepare (self, "SELECT id, password_hash, disabled FROM accounts WHERE username = ?",
                  NULL);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, username, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          stored = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
          /* A disabled account is verified like any other and then refused. */
          if (sqlite3_column_int (stmt, 2) == 0)
            account_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
        }
    }
  if (stored == NULL)
    {
      if (self->dummy_hash == NULL)
        self->dummy_hash = hash_password ("not a password of anyone", NULL);
      stored = g_strdup (self->dummy_hash);
    }
  if (out_account_id)
    *out_account_id = g_steal_pointer (&account_id);
  return stored;
}

gboolean
yp_server_verify_password (const char *stored_hash,
                           const char *password)
{
  return stored_hash != NULL && password != NULL &&
         crypto_pwhash_str_verify (stored_hash, password, strlen (password)) == 0;
}

char *
yp_server_store_open_session (YpServerStore  *self,
                              const char     *account_id,
                              gint64          lifetime_seconds,
                              char          **out_expires_at,
                              GError        **error)
{
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *now = yp_now_iso8601 ();
  g_autoptr(GDateTime) expires = NULL;
  guint8 raw[32];
  gboolean ok;

  g_return_val_if_fail (YP_IS_SERVER_STORE (self), NULL);
  g_return_val_if_fail (account_id != NULL, NULL);

  randombytes_buf (raw, sizeof raw);
  token = g_malloc (sizeof raw * 2 + 1);
  sodium_bin2hex (token, sizeof raw * 2 + 1, raw, sizeof raw);
  sodium_memzero (raw, sizeof raw);
  hash = token_hash (token);
  {
    g_autoptr(GDateTime) utc = g_date_time_new_now_utc ();
    expires = g_date_time_add_seconds (utc, (gdouble) lifetime_seconds);
  }

  if (!begin (self, error))
    return NULL;
  /* The account may have been disabled while its password was being verified. */
  {
    g_autoptr(sqlite3_stmt) check = prepare (self, "SELECT 1 FROM accounts WHERE id = ?"
                                                   " AND disabled = 0", error);
    ok = check != NULL;
    if (ok)
      {
        sqlite3_bind_text (check, 1, account_id, -1, SQLITE_STATIC);
        if (sqlite3_step (check) != SQLITE_ROW)
          {
            g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_CREDENTIALS,
                         "The user name or the password is wrong.");
            ok = FALSE;
          }
      }
  }
  ok = ok && (insert = prepare (self, "INSERT INTO sessions (token_hash, account_id, created_at,"
                                      " expires_at) VALUES (?, ?, ?, ?)", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_text (insert, 1, hash, -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 2, account_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 3, now, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (insert, 4, g_date_time_to_unix (expires));
      ok = sqlite3_step (insert) == SQLITE_DONE || set_db_error (error, self->db, "session");
    }
  /* Expired sessions are swept at each sign-in. */
  if (ok)
    {
      g_autoptr(sqlite3_stmt) sweep = prepare (self, "DELETE FROM sessions WHERE expires_at < ?",
                                               error);
      ok = sweep != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (sweep, 1, g_get_real_time () / G_USEC_PER_SEC);
          ok = sqlite3_step (sweep) == SQLITE_DONE || set_db_error (error, self->db, "sweep");
        }
    }
  ok = ok && audit_locked (self, account_id, "sign_in", NULL, NULL, NULL, NULL, error);
  if (!end (self, ok, error))
    return NULL;

  if (out_expires_at)
    *out_expires_at = g_date_time_format (expires, "%Y-%m-%dT%H:%M:%SZ");
  return g_steal_pointer (&token);
}

char *
yp_server_store_check_token (YpServerStore *self,
                             const char    *token,
                             gboolean      *out_is_admin)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *hash = NULL;

  g_return_val_if_fail (YP_IS_SERVER_STORE (self), NULL);

  if (token == NULL || strlen (token) != 64)
    return NULL;
  hash = token_hash (token);
  stmt = prepare (self, "SELECT a.id, a.is_admin FROM sessions s JOIN accounts a"
                        " ON a.id = s.account_id"
                        " WHERE s.token_hash = ? AND s.expires_at > ? AND a.disabled = 0", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time () / G_USEC_PER_SEC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  if (out_is_admin)
    *out_is_admin = sqlite3_column_int (stmt, 1) != 0;
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

gboolean
yp_server_store_sign_out (YpServerStore  *self,
                          const char     *token,
                          GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *hash = NULL;
  gboolean ok;

  g_return_val_if_fail (YP_IS_SERVER_STORE (self), FALSE);

  hash = token_hash (token);
  if (!begin (self, error))
    return FALSE;
  ok = (stmt = prepare (self, "DELETE FROM sessions WHERE token_hash = ?", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
      ok = sqlite3_step (stmt) == SQLITE_DONE || set_db_error (error, self->db, "sign out");
    }
  return end (self, ok, error);
}

/* ---- rows ---------------------------------------------------------------------------------- */

static char *
column_list (const YpEntity *entity)
{
  GString *cols = g_string_new (NULL);

  for (guint i = 0; i < entity->n_fields; i++)
    if (!(entity->fields[i].flags & YP_FIELD_FLAG_LOCAL))
      g_string_append_printf (cols, "%s%s", cols->len ? ", " : "", entity->fields[i].name);
  return g_string_free (cols, FALSE);
}

/* Reads the non-local fields in schema order from column 0 on; returns the next column. */
static YpRecord *
record_from_stmt (const YpEntity *entity,
                  sqlite3_stmt   *stmt,
                  int            *out_next_column)
{
  YpRecord *record = yp_record_new (entity);
  int col = 0;

  for (guint i = 0; i < entity->n_fields; i++)
    {
      const YpField *f = &entity->fields[i];

      if (f->flags & YP_FIELD_FLAG_LOCAL)
        continue;
      if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
        yp_record_set_null (record, f->name);
      else if (f->type == YP_FIELD_INT || f->type == YP_FIELD_BOOL)
        yp_record_set_int (record, f->name, sqlite3_column_int64 (stmt, col));
      else
        yp_record_set_string (record, f->name, (const char *) sqlite3_column_text (stmt, col));
      col++;
    }
  if (out_next_column)
    *out_next_column = col;
  return record;
}

static YpRecord *
load_row (YpServerStore   *self,
          const YpEntity  *entity,
          const char      *id,
          gint64          *out_created_seq,
          GError         **error)
{
  g_autofree char *cols = column_list (entity);
  g_autofree char *sql = g_strdup_printf ("SELECT %s, created_seq FROM %s WHERE id = ?",
                                          cols, entity->table);
  g_autoptr(sqlite3_stmt) stmt = prepare (self, sql, error);
  YpRecord *record;
  int next;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  record = record_from_stmt (entity, stmt, &next);
  if (out_created_seq)
    *out_created_seq = sqlite3_column_int64 (stmt, next);
  return record;
}

static void
bind_field (sqlite3_stmt   *stmt,
            int             index,
            const YpRecord *record,
            const YpField  *f)
{
  if (!yp_record_is_set (record, f->name) || yp_record_is_null (record, f->name))
    sqlite3_bind_null (stmt, index);
  else if (f->type == YP_FIELD_INT || f->type == YP_FIELD_BOOL)
    sqlite3_bind_int64 (stmt, index, yp_record_get_int (record, f->name));
  else
    sqlite3_bind_text (stmt, index, yp_record_get_string (record, f->name), -1,
                       SQLITE_TRANSIENT);
}

static gboolean
insert_row (YpServerStore   *self,
            const YpRecord  *record,
            gint64           created_seq,
            GError         **error)
{
  const YpEntity *entity = yp_record_get_entity (record);
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GString) marks = g_string_new (NULL);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int bind = 1;

  g_string_append_printf (sql, "INSERT INTO %s (", entity->table);
  for (guint i = 0; i < entity->n_fields; i++)
    if (!(entity->fields[i].flags & YP_FIELD_FLAG_LOCAL))
      {
        g_string_append_printf (sql, "%s, ", entity->fields[i].name);
        g_string_append (marks, "?, ");
      }
  g_string_append_printf (sql, "created_seq) VALUES (%s?)", marks->str);
  if ((stmt = prepare (self, sql->str, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < entity->n_fields; i++)
    if (!(entity->fields[i].flags & YP_FIELD_FLAG_LOCAL))
      bind_field (stmt, bind++, record, &entity->fields[i]);
  sqlite3_bind_int64 (stmt, bind, created_seq);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_db_error (error, self->db, "insert");
  return TRUE;
}

static gboolean
update_row (YpServerStore   *self,
            const YpRecord  *record,
            GError         **error)
{
  const YpEntity *entity = yp_record_get_entity (record);
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int bind = 1;

  g_string_append_printf (sql, "UPDATE %s SET ", entity->table);
  for (guint i = 1; i < entity->n_fields; i++)
    if (!(entity->fields[i].flags & YP_FIELD_FLAG_LOCAL))
      g_string_append_printf (sql, "%s%s = ?", bind++ > 1 ? ", " : "", entity->fields[i].name);
  g_string_append (sql, " WHERE id = ?");
  if ((stmt = prepare (self, sql->str, error)) == NULL)
    return FALSE;
  bind = 1;
  for (guint i = 1; i < entity->n_fields; i++)
    if (!(entity->fields[i].flags & YP_FIELD_FLAG_LOCAL))
      bind_field (stmt, bind++, record, &entity->fields[i]);
  sqlite3_bind_text (stmt, bind, yp_record_get_id (record), -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_db_error (error, self->db, "update");
  return TRUE;
}

static JsonNode *
field_json (const YpRecord *record,
            const YpField  *field)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  if (!yp_record_is_set (record, field->name) || yp_record_is_null (record, field->name))
    json_node_init_null (node);
  else if (field->type == YP_FIELD_INT)
    json_node_set_int (node, yp_record_get_int (record, field->name));
  else if (field->type == YP_FIELD_BOOL)
    json_node_set_boolean (node, yp_record_get_int (record, field->name) != 0);
  else
    json_node_set_string (node, yp_record_get_string (record, field->name));
  return node;
}

static void
copy_field (YpRecord       *dst,
            const YpRecord *src,
            const YpField  *f)
{
  if (yp_record_is_null (src, f->name))
    yp_record_set_null (dst, f->name);
  else if (f->type == YP_FIELD_INT || f->type == YP_FIELD_BOOL)
    yp_record_set_int (dst, f->name, yp_record_get_int (src, f->name));
  else
    yp_record_set_string (dst, f->name, yp_record_get_string (src, f->name));
}

static void
fill_defaults (YpRecord *record)
{
  const YpEntity *entity = yp_record_get_entity (record);

  for (guint i = 0; i < entity->n_fields; i++)
    {
      const YpField *f = &entity->fields[i];

      if (yp_record_is_set (record, f->name) || (f->flags & YP_FIELD_FLAG_LOCAL))
        continue;
      if (f->default_value == NULL)
        yp_record_set_null (record, f->name);
      else if (f->type == YP_FIELD_INT || f->type == YP_FIELD_BOOL)
        yp_record_set_int (record, f->name, g_ascii_strtoll (f->default_value, NULL, 10));
      else
        yp_record_set_string (record, f->name, f->default_value);
    }
}

static void
stamp (YpRecord   *record,
       gint64      seq,
       const char *account_id)
{
  g_autofree char *now = yp_now_iso8601 ();

  yp_record_set_int (record, "rev", seq);
  yp_record_set_string (record, "updated_at", now);
  yp_record_set_string (record, "updated_by", account_id);
}

/* ---- participations -------------------------------------------------------------------- */

/* The columns participation_from_stmt reads, and which participant row counts when a
 * professional has several for one client (load_participation, the snapshot). */
#define PARTICIPATION_COLUMNS "id, role, state, history_window, history_from, joined_seq, rev"
#define PARTICIPATION_ORDER "(state = 'active') DESC, rev DESC, id"

static YpParticipation *
participation_from_stmt (sqlite3_stmt *stmt,
                         int           first)
{
  YpParticipation *p = g_new0 (YpParticipation, 1);

  p->participant_id = g_strdup ((const char *) sqlite3_column_text (stmt, first));
  p->role = g_strdup ((const char *) sqlite3_column_text (stmt, first + 1));
  p->state = g_strdup ((const char *) sqlite3_column_text (stmt, first + 2));
  p->history_window = g_strdup ((const char *) sqlite3_column_text (stmt, first + 3));
  p->history_from = g_strdup ((const char *) sqlite3_column_text (stmt, first + 4));
  p->joined_seq = sqlite3_column_int64 (stmt, first + 5);
  p->rev = sqlite3_column_int64 (stmt, first + 6);
  return p;
}

/* The professional's current participant row for the client: the active one if there is
 * one, else the latest. */
static YpParticipation *
load_participation (YpServerStore *self,
                    const char    *client_id,
                    const char    *professional_id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (client_id == NULL || professional_id == NULL)
    return NULL;
  stmt = prepare (self, "SELECT " PARTICIPATION_COLUMNS
                        " FROM participants WHERE client_id = ? AND professional_id = ?"
                        " AND deleted = 0 ORDER BY " PARTICIPATION_ORDER " LIMIT 1",
                  NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, client_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, professional_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return participation_from_stmt (stmt, 0);
}

/* client_id → YpParticipation (or NULL), looked up when first needed. */
static GHashTable *
participation_cache_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                (GDestroyNotify) yp_participation_free);
}

static YpParticipation *
participation_cached (YpServerStore *self,
                      GHashTable    *cache,
                      const char    *client_id,
                      const char    *professional_id)
{
  gpointer value;

  if (client_id == NULL)
    return NULL;
  if (g_hash_table_lookup_extended (cache, client_id, NULL, &value))
    return value;
  value = load_participation (self, client_id, professional_id);
  g_hash_table_insert (cache, g_strdup (client_id), value);
  return value;
}

/* ---- request parsing ------------------------------------------------------------------------ */

typedef struct
{
  const char     *mutation_id;
  const char     *row_id;
  const char     *client_id;
  const char     *op;
  const YpEntity *entity;
  gint64          base_rev;
  JsonObject     *fields;  /* borrowed from the request */
  YpRecord       *values;  /* insert: the row; update: the new values */
} Mutation;

static void
mutation_clear (gpointer data)
{
  Mutation *m = data;

  g_clear_pointer (&m->values, yp_record_unref);
}

static gboolean
only_keys (JsonObject          *object,
           const char * const  *allowed,
           const char          *what,
           GError             **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      {
        g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_UNKNOWN_FIELD,
                     "%s has no member “%s”.", what, (const char *) l->data);
        return FALSE;
      }
  return TRUE;
}

static gboolean
member_string (JsonObject   *object,
               const char   *name,
               gboolean      required,
               const char  **out,
               GError      **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (!required)
        return TRUE;
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_BAD_REQUEST,
                   "“%s” is required.", name);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_WRONG_TYPE,
                   "“%s” must be a string.", name);
      return FALSE;
    }
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
member_uuid (JsonObject   *object,
             const char   *name,
             gboolean      required,
             const char  **out,
             GError      **error)
{
  if (!member_string (object, name, required, out, error))
    return FALSE;
  if (*out != NULL && !yp_uuid_is_valid (*out))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_VALUE,
                   "“%s” must be a lower-case UUID.", name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
member_int (JsonObject  *object,
            const char  *name,
            gint64       min,
            gint64       max,
            gint64      *out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_WRONG_TYPE,
                   "“%s” must be an integer.", name);
      return FALSE;
    }
  *out = json_node_get_int (node);
  if (*out < min || *out > max)
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_VALUE,
                   "“%s” must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT ".",
                   name, min, max);
      return FALSE;
    }
  return TRUE;
}

/* Record validation errors become request errors with the same stable code. */
static void
set_from_validation_error (GError       **error,
                           const GError  *verror)
{
  YpServerError code = YP_SERVER_ERROR_INVALID_VALUE;

  if (verror->code == YP_VALIDATION_ERROR_TYPE)
    code = YP_SERVER_ERROR_WRONG_TYPE;
  else if (verror->code == YP_VALIDATION_ERROR_UNKNOWN_FIELD)
    code = YP_SERVER_ERROR_UNKNOWN_FIELD;
  g_set_error_literal (error, YP_SERVER_ERROR, code, verror->message);
}

static gboolean
json_type_matches (const YpField *f,
                   JsonNode      *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (f->type)
    {
    case YP_FIELD_INT:
      return json_node_get_value_type (node) == G_TYPE_INT64;
    case YP_FIELD_BOOL:
      return json_node_get_value_type (node) == G_TYPE_BOOLEAN;
    default:
      return json_node_get_value_type (node) == G_TYPE_STRING;
    }
}

static gboolean
is_mutable_field (const YpField *f)
{
  if (f->flags & YP_FIELD_FLAG_LOCAL)
    return FALSE;
  if (f->flags & YP_FIELD_FLAG_SYNC)
    return g_str_equal (f->name, "deleted");
  return TRUE;
}

static gboolean
parse_mutation (JsonNode  *node,
                Mutation  *m,
                GError   **error)
{
  static const char * const keys[] =
    { "mutation_id", "entity", "row_id", "client_id", "base_rev", "op", "fields", NULL };
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(JsonNode) values_node = NULL;
  g_autoptr(GList) members = NULL;
  g_autoptr(GError) verror = NULL;
  JsonObject *object;
  JsonNode *fields;
  const char *entity_name;
  gboolean insert;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_WRONG_TYPE,
                   "A mutation must be an object.");
      return FALSE;
    }
  object = json_node_get_object (node);
  if (!only_keys (object, keys, "A mutation", error) ||
      !member_uuid (object, "mutation_id", TRUE, &m->mutation_id, error) ||
      !member_string (object, "entity", TRUE, &entity_name, error) ||
      !member_uuid (object, "row_id", TRUE, &m->row_id, error) ||
      !member_uuid (object, "client_id", FALSE, &m->client_id, error) ||
      !member_int (object, "base_rev", 0, G_MAXINT64, &m->base_rev, error) ||
      !member_string (object, "op", TRUE, &m->op, error))
    return FALSE;
  if ((m->entity = yp_schema_lookup (entity_name)) == NULL ||
      !g_str_equal (m->entity->name, entity_name))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_UNKNOWN_ENTITY,
                   "There is no entity “%s”.", entity_name);
      return FALSE;
    }
  if (!g_str_equal (m->op, "insert") && !g_str_equal (m->op, "update"))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_VALUE,
                   "“op” must be “insert” or “update”.");
      return FALSE;
    }
  insert = g_str_equal (m->op, "insert");
  fields = json_object_get_member (object, "fields");
  if (fields == NULL || !JSON_NODE_HOLDS_OBJECT (fields))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_WRONG_TYPE,
                   "“fields” must be an object.");
      return FALSE;
    }
  m->fields = json_node_get_object (fields);

  members = json_object_get_members (m->fields);
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      JsonNode *value = json_object_get_member (m->fields, name);
      const YpField *f = yp_entity_get_field (m->entity, name);

      if (f == NULL || !is_mutable_field (f) || (insert && g_str_equal (name, "deleted")))
        {
          g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_UNKNOWN_FIELD,
                       "A %s mutation may not set “%s”.", m->entity->name, name);
          return FALSE;
        }
      if (!insert)
        {
          static const char * const pair_keys[] = { "old", "new", NULL };
          JsonObject *pair;

          if (!JSON_NODE_HOLDS_OBJECT (value))
            {
              g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_WRONG_TYPE,
                           "An update of “%s” must be an object {old, new}.", name);
              return FALSE;
            }
          pair = json_node_get_object (value);
          if (!only_keys (pair, pair_keys, "An update", error))
            return FALSE;
          if (!json_object_has_member (pair, "old") || !json_object_has_member (pair, "new"))
            {
              g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_BAD_REQUEST,
                           "An update of “%s” needs both “old” and “new”.", name);
              return FALSE;
            }
          if (!json_type_matches (f, json_object_get_member (pair, "old")))
            {
              g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_WRONG_TYPE,
                           "The old value of “%s” must be of type %s.", name,
                           yp_field_type_name (f->type));
              return FALSE;
            }
          value = json_object_get_member (pair, "new");
        }
      json_object_set_member (values, name, json_node_copy (value));
    }

  if (insert)
    {
      json_object_set_string_member (values, "id", m->row_id);
      if (m->client_id)
        json_object_set_string_member (values, "client_id", m->client_id);
      else
        json_object_set_null_member (values, "client_id");
    }
  values_node = json_node_init_object (json_node_alloc (), values);
  m->values = yp_record_from_json (m->entity, values_node, &verror);
  if (m->values == NULL)
    {
      set_from_validation_error (error, verror);
      return FALSE;
    }
  return TRUE;
}

/* ---- applying mutations ------------------------------------------------------------------- */

static JsonObject *
result_new (const Mutation *m,
            const char     *status)
{
  JsonObject *result = json_object_new ();

  json_object_set_string_member (result, "mutation_id", m->mutation_id);
  json_object_set_string_member (result, "status", status);
  return result;
}

static JsonObject *
rejected (const Mutation *m,
          const char     *code,
          const char     *reason)
{
  JsonObject *result = result_new (m, "rejected");

  json_object_set_string_member (result, "code", code);
  json_object_set_string_member (result, "reason", reason);
  return result;
}

static JsonObject *
applied (const Mutation *m,
         gint64          rev)
{
  JsonObject *result = result_new (m, "applied");

  json_object_set_int_member (result, "rev", rev);
  return result;
}

static JsonObject *
rejected_invalid (const Mutation *m,
                  const GError   *verror)
{
  JsonObject *result = rejected (m, "invalid", verror->message);

  if (verror->domain == YP_VALIDATION_ERROR)
    json_object_set_string_member (result, "detail",
                                   yp_validation_error_code_name (verror->code));
  return result;
}

static gboolean
insert_owner_participant (YpServerStore  *self,
                          const char     *client_id,
                          const char     *account_id,
                          GError        **error)
{
  g_autoptr(YpRecord) owner = yp_record_new (yp_schema_lookup ("participant"));
  g_autofree char *id = yp_uuid_new ();
  g_autofree char *now = yp_now_iso8601 ();
  gint64 seq;

  if ((seq = next_seq (self, error)) < 0)
    return FALSE;
  yp_record_set_string (owner, "id", id);
  yp_record_set_string (owner, "client_id", client_id);
  yp_record_set_string (owner, "professional_id", account_id);
  yp_record_set_string (owner, "role", "owner");
  yp_record_set_string (owner, "state", "active");
  yp_record_set_string (owner, "consent_at", now);
  yp_record_set_string (owner, "history_window", "everything");
  yp_record_set_int (owner, "joined_seq", seq);
  yp_record_set_int (owner, "deleted", 0);
  fill_defaults (owner);
  stamp (owner, seq, account_id);
  return insert_row (self, owner, seq, error) &&
         audit_locked (self, account_id, "create", "participant", id, client_id, "owner", error);
}

/* Whether @account_id once took part in the client (joined at some point), whatever the
 * participation's state now: removed (deleted) rows count too. */
static gboolean
had_access (YpServerStore *self,
            const char    *client_id,
            const char    *account_id)
{
  g_autoptr(sqlite3_stmt) stmt =
    prepare (self, "SELECT 1 FROM participants WHERE client_id = ? AND professional_id = ?"
                   " AND joined_seq IS NOT NULL LIMIT 1", NULL);

  if (stmt == NULL || client_id == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, client_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, account_id, -1, SQLITE_STATIC);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

/* A change from someone whose access to the client ended before their laptop synced: it is
 * not applied, but kept as a quarantined_change row that the client's owner and coordinators
 * review (architecture.md "Revocation"), and the sender is told it was quarantined so the
 * app can let go of it and purge. */
static gboolean
quarantine (YpServerStore  *self,
            const char     *account_id,
            const Mutation *m,
            const char     *client_id,
            JsonObject    **out,
            GError        **error)
{
  g_autoptr(YpRecord) q = yp_record_new (yp_schema_lookup ("quarantined_change"));
  g_autoptr(JsonNode) fields = json_node_init_object (json_node_alloc (), m->fields);
  g_autofree char *text = json_to_string (fields, FALSE);
  g_autofree char *id = yp_uuid_new ();
  g_autofree char *now = yp_now_iso8601 ();
  g_autoptr(GError) verror = NULL;
  JsonObject *result;
  gint64 seq;

  yp_record_set_string (q, "id", id);
  yp_record_set_string (q, "client_id", client_id);
  yp_record_set_string (q, "author_id", account_id);
  yp_record_set_string (q, "entity", m->entity->name);
  yp_record_set_string (q, "row_id", m->row_id);
  yp_record_set_string (q, "op", m->op);
  yp_record_set_string (q, "fields", text);
  yp_record_set_string (q, "created_at", now);
  yp_record_set_string (q, "state", "waiting");
  yp_record_set_int (q, "deleted", 0);
  fill_defaults (q);
  if (!yp_record_validate (q, &verror))
    return (*out = rejected_invalid (m, verror)), TRUE;
  if ((seq = next_seq (self, error)) < 0)
    return FALSE;
  stamp (q, seq, account_id);
  if (!insert_row (self, q, seq, error) ||
      !audit_locked (self, account_id, "quarantine", m->entity->name, m->row_id, client_id,
                     id, error))
    return FALSE;
  result = result_new (m, "quarantined");
  json_object_set_string_member (result, "quarantine_id", id);
  *out = result;
  return TRUE;
}

static gboolean
apply_insert (YpServerStore  *self,
              const char     *account_id,
              const Mutation *m,
              JsonObject    **out,
              GError        **error)
{
  const YpEntity *entity = m->entity;
  g_autoptr(YpRecord) record = yp_record_copy (m->values);
  g_autoptr(YpParticipation) p = NULL;
  g_autoptr(GError) verror = NULL;
  gboolean is_client = g_str_equal (entity->name, "client");
  gint64 seq;

  if (row_exists (self, entity->table, m->row_id))
    return (*out = rejected (m, "exists", "A row with this id exists already.")), TRUE;

  if (!entity->client_scoped)
    {
      if (m->client_id != NULL)
        return (*out = rejected (m, "client_mismatch", "A directory row has no client.")), TRUE;
    }
  else if (is_client)
    {
      if (m->client_id != NULL && !g_str_equal (m->client_id, m->row_id))
        return (*out = rejected (m, "client_mismatch",
                                 "A client's client_id is its own id.")), TRUE;
      yp_record_set_string (record, "client_id", m->row_id);
    }
  else
    {
      if (m->client_id == NULL)
        return (*out = rejected (m, "client_required", "The row must belong to a client.")), TRUE;
      if (!row_exists (self, "clients", m->client_id))
        return (*out = rejected (m, "not_found", "There is no such client.")), TRUE;
      p = load_participation (self, m->client_id, account_id);
      /* Notifications are derived from the change itself and are not kept. */
      if (!yp_policy_is_active (p) && !g_str_equal (entity->name, "notification") &&
          had_access (self, m->client_id, account_id))
        return quarantine (self, account_id, m, m->client_id, out, error);
      if (!yp_policy_may_insert (p, entity))
        return (*out = rejected (m, "forbidden",
                                 "You may not add this to the client's data.")), TRUE;

      if (g_str_equal (entity->name, "participant"))
        {
          const char *state = yp_record_get_string (record, "state");
          const char *pro = yp_record_get_string (record, "professional_id");
          g_autoptr(YpParticipation) existing = NULL;

          if (g_strcmp0 (yp_record_get_string (record, "role"), "owner") == 0)
            return (*out = rejected (m, "forbidden", "A client has one owner.")), TRUE;
          if (state != NULL && !g_str_equal (state, "proposed") && !g_str_equal (state, "invited"))
            return (*out = rejected (m, "consent_required",
                                     "A participant starts as proposed or invited; the"
                                     " client's consent activates.")), TRUE;
          if (yp_record_is_set (record, "joined_seq") && !yp_record_is_null (record, "joined_seq"))
            return (*out = rejected (m, "server_field", "joined_seq is set by the server.")), TRUE;
          if (pro == NULL || !row_exists (self, "professionals", pro))
            return (*out = rejected (m, "not_found", "There is no such professional.")), TRUE;
          existing = load_participation (self, m->client_id, pro);
          if (existing != NULL && (g_str_equal (existing->state, "active") ||
                                   g_str_equal (existing->state, "invited") ||
                                   g_str_equal (existing->state, "proposed")))
            return (*out = rejected (m, "already_participant",
                                     "The professional takes part already.")), TRUE;
          if (!yp_record_is_set (record, "invited_by") || yp_record_is_null (record, "invited_by"))
            yp_record_set_string (record, "invited_by", account_id);
        }
      else if (g_str_equal (entity->name, "message") &&
               g_strcmp0 (yp_record_get_string (record, "author_id"), account_id) != 0)
        return (*out = rejected (m, "forbidden", "A message's author is its sender.")), TRUE;
      else if (g_str_equal (entity->name, "audit_event") &&
               g_strcmp0 (yp_record_get_string (record, "actor_id"), account_id) != 0)
        return (*out = rejected (m, "forbidden", "An audit event's actor is its sender.")), TRUE;
    }

  yp_record_set_int (record, "deleted", 0);
  fill_defaults (record);
  stamp (record, 0, account_id);
  if (!yp_record_validate (record, &verror))
    return (*out = rejected_invalid (m, verror)), TRUE;

  if ((seq = next_seq (self, error)) < 0)
    return FALSE;
  yp_record_set_int (record, "rev", seq);
  if (!insert_row (self, record, seq, error))
    return FALSE;
  /* Creating a client makes the creator its owner participant. */
  if (is_client && !insert_owner_participant (self, m->row_id, account_id, error))
    return FALSE;
  *out = applied (m, seq);
  return TRUE;
}

static gboolean
apply_update (YpServerStore  *self,
              const char     *account_id,
              const Mutation *m,
              JsonObject    **out,
              GError        **error)
{
  const YpEntity *entity = m->entity;
  g_autoptr(YpRecord) current = NULL;
  g_autoptr(YpRecord) merged = NULL;
  g_autoptr(YpParticipation) p = NULL;
  g_autoptr(JsonObject) conflicts = json_object_new ();
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();
  g_autoptr(GList) members = NULL;
  g_autoptr(GError) verror = NULL;
  gint64 created_seq = 0;
  gint64 seq;
  JsonObject *result;

  current = load_row (self, entity, m->row_id, &created_seq, error);
  if (current == NULL)
    {
      if (error && *error)
        return FALSE;
      *out = rejected (m, "not_found", "There is no such row.");
      return TRUE;
    }
  if (g_strcmp0 (yp_record_get_client_id (current), m->client_id) != 0)
    return (*out = rejected (m, "client_mismatch", "The row belongs to another client.")), TRUE;
  if (entity->merge == YP_MERGE_APPEND_ONLY)
    return (*out = rejected (m, "append_only",
                             "This record is never edited; add a correction instead.")), TRUE;

  if (!entity->client_scoped)
    {
      if (!g_str_equal (entity->name, "professional") || !g_str_equal (m->row_id, account_id))
        return (*out = rejected (m, "forbidden",
                                 "Only your own directory entry can be changed.")), TRUE;
    }
  else
    {
      p = load_participation (self, yp_record_get_client_id (current), account_id);
      if (!yp_policy_is_active (p) &&
          had_access (self, yp_record_get_client_id (current), account_id) &&
          !g_str_equal (entity->name, "notification"))
        return quarantine (self, account_id, m, yp_record_get_client_id (current), out, error);
      if (!yp_policy_may_see (p, account_id, current, created_seq))
        return (*out = rejected (m, "forbidden", "You may not see this row.")), TRUE;
      if (g_str_equal (entity->name, "notification"))
        {
          if (g_strcmp0 (yp_record_get_string (current, "recipient_id"), account_id) != 0)
            return (*out = rejected (m, "forbidden",
                                     "Only the recipient marks a notification.")), TRUE;
        }
      else if (!yp_policy_may_update (p, entity))
        return (*out = rejected (m, "forbidden", "You may not change this row.")), TRUE;
    }

  /* Field-level three-way merge: the server value equals the old one → apply; equals the
   * new one already → nothing to do; else someone else changed it since base_rev. */
  merged = yp_record_copy (current);
  members = json_object_get_members (m->fields);
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      const YpField *f = yp_entity_get_field (entity, name);
      JsonObject *pair = json_object_get_object_member (m->fields, name);
      g_autoptr(JsonNode) server = field_json (current, f);

      if (json_node_equal (server, json_object_get_member (pair, "new")))
        continue;
      if (json_node_equal (server, json_object_get_member (pair, "old")))
        {
          copy_field (merged, m->values, f);
          g_ptr_array_add (changed, (gpointer) f);
          continue;
        }
      {
        JsonObject *c = json_object_new ();

        json_object_set_member (c, "base", json_node_copy (json_object_get_member (pair, "old")));
        json_object_set_member (c, "mine", json_node_copy (json_object_get_member (pair, "new")));
        json_object_set_member (c, "theirs", json_node_ref (server));
        json_object_set_object_member (conflicts, name, c);
      }
    }

  if (g_str_equal (entity->name, "participant"))
    {
      const char *old_state = yp_record_get_string (current, "state");
      const char *new_state = yp_record_get_string (merged, "state");

      if (json_object_has_member (m->fields, "joined_seq"))
        return (*out = rejected (m, "server_field", "joined_seq is set by the server.")), TRUE;
      if (g_strcmp0 (yp_record_get_string (current, "role"), "owner") == 0 &&
          (!yp_record_field_equal (current, merged, "role") ||
           !yp_record_field_equal (current, merged, "state") ||
           !yp_record_field_equal (current, merged, "deleted")))
        return (*out = rejected (m, "owner_protected",
                                 "The owner's participation cannot be changed.")), TRUE;
      if (g_strcmp0 (yp_record_get_string (merged, "role"), "owner") == 0 &&
          !yp_record_field_equal (current, merged, "role"))
        return (*out = rejected (m, "forbidden", "A client has one owner.")), TRUE;
      if (!yp_policy_state_change_ok (old_state, new_state))
        return (*out = rejected (m, "bad_state_change",
                                 "This participant state change is not possible.")), TRUE;
      if (g_strcmp0 (new_state, "active") == 0 &&
          g_strcmp0 (yp_record_get_string (merged, "history_window"), "from_date") == 0 &&
          yp_record_is_null (merged, "history_from"))
        return (*out = rejected (m, "invalid", "A history window from a date needs the date.")),
               TRUE;
    }

  if (changed->len == 0)
    {
      result = json_object_get_size (conflicts) > 0 ? result_new (m, "conflict")
                                                    : result_new (m, "applied");
      json_object_set_int_member (result, "rev", yp_record_get_int (current, "rev"));
      if (json_object_get_size (conflicts) > 0)
        {
          json_object_set_object_member (result, "conflicts", json_object_ref (conflicts));
          json_object_set_array_member (result, "applied_fields", json_array_new ());
        }
      *out = result;
      return TRUE;
    }

  if (!yp_record_validate (merged, &verror))
    return (*out = rejected_invalid (m, verror)), TRUE;
  if ((seq = next_seq (self, error)) < 0)
    return FALSE;
  stamp (merged, seq, account_id);
  /* The client's consent activates: the join seq is the server's, filtered on from now. */
  if (g_str_equal (entity->name, "participant") &&
      g_strcmp0 (yp_record_get_string (merged, "state"), "active") == 0 &&
      g_strcmp0 (yp_record_get_string (current, "state"), "active") != 0)
    yp_record_set_int (merged, "joined_seq", seq);
  if (!update_row (self, merged, error))
    return FALSE;

  if (json_object_get_size (conflicts) > 0)
    {
      JsonArray *names = json_array_new ();

      for (guint i = 0; i < changed->len; i++)
        json_array_add_string_element (names, ((const YpField *) changed->pdata[i])->name);
      result = result_new (m, "conflict");
      json_object_set_int_member (result, "rev", seq);
      json_object_set_object_member (result, "conflicts", json_object_ref (conflicts));
      json_object_set_array_member (result, "applied_fields", names);
    }
  else
    result = applied (m, seq);
  *out = result;
  return TRUE;
}

static gboolean
store_result (YpServerStore  *self,
              const char     *account_id,
              const Mutation *m,
              JsonObject     *result,
              GError        **error)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), result);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autofree char *now = yp_now_iso8601 ();
  g_autoptr(sqlite3_stmt) stmt =
    prepare (self, "INSERT INTO mutations (mutation_id, account_id, result, applied_at)"
                   " VALUES (?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, m->mutation_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, text, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, now, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_db_error (error, self->db, "mutation");
  return TRUE;
}

static gboolean
apply_mutation (YpServerStore  *self,
                const char     *account_id,
                const Mutation *m,
                JsonObject    **out,
                GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonObject) result = NULL;
  const char *status;
  const char *action;

  /* Idempotence: a repeated mutation id gets its first result back. */
  if ((stmt = prepare (self, "SELECT account_id, result FROM mutations WHERE mutation_id = ?",
                       error)) == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, m->mutation_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (!g_str_equal ((const char *) sqlite3_column_text (stmt, 0), account_id))
        {
          *out = rejected (m, "mutation_id_taken", "Another account used this mutation id.");
          return TRUE;
        }
      if (!json_parser_load_from_data (parser, (const char *) sqlite3_column_text (stmt, 1), -1,
                                       error))
        return FALSE;
      *out = json_node_dup_object (json_parser_get_root (parser));
      return TRUE;
    }

  if (g_str_equal (m->op, "insert"))
    {
      if (!apply_insert (self, account_id, m, &result, error))
        return FALSE;
    }
  else if (!apply_update (self, account_id, m, &result, error))
    return FALSE;

  if (!store_result (self, account_id, m, result, error))
    return FALSE;
  status = json_object_get_string_member (result, "status");
  action = g_str_equal (status, "rejected") ? "write_rejected"
           : g_str_equal (m->op, "insert") ? "create" : "update";
  if (!audit_locked (self, account_id, action, m->entity->name, m->row_id,
                     g_str_equal (m->entity->name, "client") ? m->row_id : m->client_id,
                     m->mutation_id, error))
    return FALSE;
  *out = g_steal_pointer (&result);
  return TRUE;
}

/* ---- pulling changes ---------------------------------------------------------------------- */

typedef struct
{
  gint64          rev;
  const YpEntity *entity;
  YpRecord       *row;
} Change;

static void
change_free (gpointer data)
{
  Change *c = data;

  yp_record_unref (c->row);
  g_free (c);
}

static int
change_compare (gconstpointer a,
                gconstpointer b)
{
  const Change *x = *(const Change * const *) a;
  const Change *y = *(const Change * const *) b;

  return (x->rev > y->rev) - (x->rev < y->rev);
}

static int
rev_compare (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static gboolean
collect_rows (YpServerStore   *self,
              const char      *account_id,
              GHashTable      *participations,
              const YpEntity  *entity,
              const char      *where,
              const char      *client_id,
              gint64           a,
              gint64           b,
              GPtrArray       *changes,
              GError         **error)
{
  g_autofree char *cols = column_list (entity);
  g_autofree char *sql = g_strdup_printf ("SELECT %s, created_seq FROM %s WHERE %s",
                                          cols, entity->table, where);
  g_autoptr(sqlite3_stmt) stmt = prepare (self, sql, error);
  int bind = 1;
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (client_id)
    sqlite3_bind_text (stmt, bind++, client_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, bind++, a);
  if (b >= 0)
    sqlite3_bind_int64 (stmt, bind, b);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int next;
      g_autoptr(YpRecord) row = record_from_stmt (entity, stmt, &next);
      gint64 created_seq = sqlite3_column_int64 (stmt, next);
      const char *row_client = yp_record_get_client_id (row);
      YpParticipation *p = participation_cached (self, participations, row_client, account_id);
      Change *c;

      if (!yp_policy_may_see (p, account_id, row, created_seq))
        continue;
      c = g_new0 (Change, 1);
      c->rev = yp_record_get_int (row, "rev");
      c->entity = entity;
      c->row = g_steal_pointer (&row);
      g_ptr_array_add (changes, c);
    }
  if (rc != SQLITE_DONE)
    return set_db_error (error, self->db, "pull");
  return TRUE;
}

static gboolean
pull (YpServerStore  *self,
      const char     *account_id,
      gint64          since,
      gint64          limit,
      JsonObject     *response,
      GError        **error)
{
  guint n;
  const YpEntity * const *entities = yp_schema_get_entities (&n);
  g_autoptr(GArray) revs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(sqlite3_stmt) joined_stmt = NULL;
  g_autoptr(GHashTable) participations = NULL;
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func (change_free);
  g_autoptr(sqlite3_stmt) purge_stmt = NULL;
  JsonArray *changes_json = json_array_new ();
  JsonArray *purge = json_array_new ();
  gint64 max_seq = current_seq (self);
  gint64 boundary = max_seq;
  gboolean more = FALSE;
  g_autofree char *cursor = NULL;

  json_object_set_array_member (response, "changes", changes_json);
  json_object_set_array_member (response, "purge", purge);

  /* The page ends at the limit-th change after the cursor, over all tables. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT rev FROM %s WHERE rev > ?"
                                              " ORDER BY rev LIMIT ?", entities[i]->table);
      g_autoptr(sqlite3_stmt) stmt = prepare (self, sql, error);
      int rc;

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, since);
      sqlite3_bind_int64 (stmt, 2, limit);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint64 rev = sqlite3_column_int64 (stmt, 0);

          g_array_append_val (revs, rev);
        }
      if (rc != SQLITE_DONE)
        return set_db_error (error, self->db, "page");
    }
  if (revs->len >= (guint) limit)
    {
      g_array_sort (revs, rev_compare);
      if (g_array_index (revs, gint64, limit - 1) < max_seq)
        {
          boundary = g_array_index (revs, gint64, limit - 1);
          more = TRUE;
        }
    }

  participations = participation_cache_new ();
  for (guint i = 0; i < n; i++)
    if (!collect_rows (self, account_id, participations, entities[i], "rev > ? AND rev <= ?",
                       NULL, since, boundary, changes, error))
      return FALSE;

  /* A participant who joined within this page gets the client's earlier rows too (the
   * history window still filters messages and attachments). */
  joined_stmt = prepare (self, "SELECT DISTINCT client_id FROM participants"
                               " WHERE professional_id = ? AND state = 'active' AND deleted = 0"
                               " AND joined_seq > ? AND joined_seq <= ?", error);
  if (joined_stmt == NULL)
    return FALSE;
  sqlite3_bind_text (joined_stmt, 1, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (joined_stmt, 2, since);
  sqlite3_bind_int64 (joined_stmt, 3, boundary);
  while (sqlite3_step (joined_stmt) == SQLITE_ROW)
    {
      g_autofree char *client_id = g_strdup ((const char *) sqlite3_column_text (joined_stmt, 0));
      YpParticipation *p = participation_cached (self, participations, client_id, account_id);

      if (!yp_policy_is_active (p) || p->joined_seq <= since || p->joined_seq > boundary)
        continue;
      for (guint i = 0; i < n; i++)
        if (entities[i]->client_scoped &&
            !collect_rows (self, account_id, participations, entities[i],
                           "client_id = ? AND rev <= ?", client_id, since, -1, changes, error))
          return FALSE;
    }

  g_ptr_array_sort (changes, change_compare);
  for (guint i = 0; i < changes->len; i++)
    {
      Change *c = changes->pdata[i];
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "entity", c->entity->name);
      json_object_set_member (item, "row", yp_record_to_json (c->row));
      json_array_add_object_element (changes_json, item);
      /* Every read of client data goes to the audit log. */
      if (c->entity->client_scoped &&
          !audit_locked (self, account_id, "read", c->entity->name, yp_record_get_id (c->row),
                         yp_record_get_client_id (c->row), NULL, error))
        return FALSE;
    }

  /* Revoked (or removed) in this page and not active again: the app must purge. */
  purge_stmt = prepare (self, "SELECT DISTINCT client_id FROM participants"
                              " WHERE professional_id = ? AND rev > ? AND rev <= ?"
                              " AND (state = 'revoked' OR deleted = 1"
                              "      OR (state <> 'active' AND joined_seq IS NOT NULL))", error);
  if (purge_stmt == NULL)
    return FALSE;
  sqlite3_bind_text (purge_stmt, 1, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (purge_stmt, 2, since);
  sqlite3_bind_int64 (purge_stmt, 3, boundary);
  while (sqlite3_step (purge_stmt) == SQLITE_ROW)
    {
      const char *client_id = (const char *) sqlite3_column_text (purge_stmt, 0);

      if (yp_policy_is_active (participation_cached (self, participations, client_id,
                                                     account_id)))
        continue;
      json_array_add_string_element (purge, client_id);
      if (!audit_locked (self, account_id, "purge", "client", client_id, client_id, NULL, error))
        return FALSE;
    }

  cursor = g_strdup_printf ("%s:%" G_GINT64_FORMAT, self->epoch, boundary);
  json_object_set_string_member (response, "cursor", cursor);
  json_object_set_boolean_member (response, "more", more);
  return TRUE;
}

static gboolean
parse_cursor (YpServerStore  *self,
              const char     *cursor,
              gint64         *out_since,
              GError        **error)
{
  const char *colon;
  guint64 seq;

  *out_since = 0;
  if (cursor == NULL || *cursor == '\0')
    return TRUE;
  colon = strchr (cursor, ':');
  if (colon == NULL ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXINT64, &seq, NULL))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_VALUE,
                   "The cursor is not one this server gave.");
      return FALSE;
    }
  if ((gsize) (colon - cursor) != strlen (self->epoch) ||
      strncmp (cursor, self->epoch, colon - cursor) != 0 ||
      (gint64) seq > current_seq (self))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_CURSOR_EXPIRED,
                   "The cursor belongs to another server database; sync again from the start.");
      return FALSE;
    }
  *out_since = (gint64) seq;
  return TRUE;
}

/* The clients @account_id may see now (an active participation) and their case-set hash;
 * recomputed only when a participant row changed since the last time. */
static CaseSet *
case_set_for (YpServerStore  *self,
              const char     *account_id,
              GError        **error)
{
  g_autoptr(sqlite3_stmt) version_stmt = prepare (self, "SELECT max(rev) FROM participants",
                                                  error);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  guint8 acc[YP_CASE_SET_SIZE] = { 0 };
  gint64 version;
  CaseSet *c;
  int rc;

  if (version_stmt == NULL || sqlite3_step (version_stmt) != SQLITE_ROW)
    return set_db_error (error, self->db, "case set"), NULL;
  version = sqlite3_column_int64 (version_stmt, 0);
  if (self->case_sets == NULL)
    self->case_sets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, case_set_free);
  c = g_hash_table_lookup (self->case_sets, account_id);
  if (c != NULL && c->version == version)
    return c;

  stmt = prepare (self, "SELECT DISTINCT client_id FROM participants WHERE professional_id = ?"
                        " AND state = 'active' AND deleted = 0", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  c = g_new0 (CaseSet, 1);
  c->version = version;
  c->ids = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);

      yp_case_set_add (acc, id);
      g_ptr_array_add (c->ids, g_strdup (id));
    }
  if (rc != SQLITE_DONE)
    {
      case_set_free (c);
      return set_db_error (error, self->db, "case set"), NULL;
    }
  c->hash = yp_case_set_to_hex (acc);
  g_hash_table_replace (self->case_sets, g_strdup (account_id), c);
  return c;
}

void
yp_server_store_prepare_case_set (YpServerStore *self,
                                  const char    *account_id)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (YP_IS_SERVER_STORE (self));

  if (case_set_for (self, account_id, &error) == NULL)
    g_warning ("Could not work out a case set: %s", error->message);
}

static gboolean
is_case_set_hash (const char *text)
{
  if (strlen (text) != YP_CASE_SET_SIZE * 2)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

#define MAX_PURGE_ACKS 1000

JsonNode *
yp_server_store_sync (YpServerStore  *self,
                      const char     *account_id,
                      JsonNode       *request,
                      GError        **error)
{
  static const char * const keys[] =
    { "cursor", "mutations", "limit", "purge_acks", "case_set", NULL };
  g_autoptr(GArray) mutations = NULL;
  g_autoptr(JsonObject) response = NULL;
  JsonObject *object;
  JsonNode *list;
  JsonArray *results;
  const char *cursor = NULL;
  const char *case_set = NULL;
  JsonArray *acks = NULL;
  gint64 since = 0;
  gint64 limit = YP_SERVER_DEFAULT_PAGE;
  gboolean ok = TRUE;

  g_return_val_if_fail (YP_IS_SERVER_STORE (self), NULL);

  if (request == NULL || !JSON_NODE_HOLDS_OBJECT (request))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_WRONG_TYPE,
                   "The request must be a JSON object.");
      return NULL;
    }
  object = json_node_get_object (request);
  if (!only_keys (object, keys, "A sync request", error) ||
      !member_string (object, "cursor", FALSE, &cursor, error) ||
      !member_int (object, "limit", 1, 5000, &limit, error) ||
      !member_string (object, "case_set", FALSE, &case_set, error) ||
      !parse_cursor (self, cursor, &since, error))
    return NULL;
  if (case_set != NULL && !is_case_set_hash (case_set))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_VALUE,
                   "“case_set” must be 64 lower-case hex digits.");
      return NULL;
    }
  list = json_object_get_member (object, "purge_acks");
  if (list != NULL && !JSON_NODE_HOLDS_NULL (list))
    {
      if (!JSON_NODE_HOLDS_ARRAY (list))
        {
          g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_WRONG_TYPE,
                       "“purge_acks” must be an array.");
          return NULL;
        }
      acks = json_node_get_array (list);
      if (json_array_get_length (acks) > MAX_PURGE_ACKS)
        {
          g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_TOO_LARGE,
                       "At most %d purge acknowledgements per request.", MAX_PURGE_ACKS);
          return NULL;
        }
      for (guint i = 0; i < json_array_get_length (acks); i++)
        {
          JsonNode *node = json_array_get_element (acks, i);

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
            {
              g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_WRONG_TYPE,
                           "purge_acks[%u] must be a string.", i);
              return NULL;
            }
          if (!yp_uuid_is_valid (json_node_get_string (node)))
            {
              g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_VALUE,
                           "purge_acks[%u] must be a lower-case UUID.", i);
              return NULL;
            }
        }
    }

  /* Everything is checked before anything is written: a wrong request changes nothing. */
  mutations = g_array_new (FALSE, TRUE, sizeof (Mutation));
  g_array_set_clear_func (mutations, mutation_clear);
  list = json_object_get_member (object, "mutations");
  if (list != NULL && !JSON_NODE_HOLDS_NULL (list))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (list))
        {
          g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_WRONG_TYPE,
                       "“mutations” must be an array.");
          return NULL;
        }
      array = json_node_get_array (list);
      if (json_array_get_length (array) > YP_SERVER_MAX_MUTATIONS)
        {
          g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_TOO_LARGE,
                       "At most %d mutations per request.", YP_SERVER_MAX_MUTATIONS);
          return NULL;
        }
      g_array_set_size (mutations, json_array_get_length (array));
      for (guint i = 0; i < mutations->len; i++)
        if (!parse_mutation (json_array_get_element (array, i),
                             &g_array_index (mutations, Mutation, i), error))
          {
            g_prefix_error (error, "mutations[%u]: ", i);
            return NULL;
          }
    }

  response = json_object_new ();
  results = json_array_new ();
  json_object_set_array_member (response, "results", results);
  if (!begin (self, error))
    return NULL;
  for (guint i = 0; ok && i < mutations->len; i++)
    {
      JsonObject *result = NULL;

      ok = apply_mutation (self, account_id, &g_array_index (mutations, Mutation, i), &result,
                           error);
      if (ok)
        json_array_add_object_element (results, result);
    }
  /* The app purged these clients (no trace left on that device): audited. */
  for (guint i = 0; ok && acks && i < json_array_get_length (acks); i++)
    {
      const char *client_id = json_array_get_string_element (acks, i);

      ok = audit_locked (self, account_id, "purge_acknowledged", "client", client_id,
                         client_id, NULL, error);
    }
  ok = ok && pull (self, account_id, since, limit, response, error);
  /* On the last page, a case set that differs from what this user may see now (a missed
   * revocation, a restored backup) is answered with the full list of client ids. */
  if (ok && case_set != NULL &&
      !json_object_get_boolean_member_with_default (response, "more", FALSE))
    {
      CaseSet *c = case_set_for (self, account_id, error);

      ok = c != NULL;
      if (ok && !g_str_equal (c->hash, case_set))
        {
          JsonArray *ids = json_array_sized_new (c->ids->len);

          for (guint i = 0; i < c->ids->len; i++)
            json_array_add_string_element (ids, c->ids->pdata[i]);
          json_object_set_array_member (response, "case_set", ids);
        }
    }
  if (!end (self, ok, error))
    {
      /* A rolled-back transaction may have seen participant rows that never were. */
      if (self->case_sets)
        g_hash_table_remove_all (self->case_sets);
      return NULL;
    }
  return json_node_init_object (json_node_alloc (), response);
}

/* ---- blobs --------------------------------------------------------------------------------- */

/* Whether an attachment row with this hash exists that the account may see; its size. */
static gboolean
blob_allowed (YpServerStore  *self,
              const char     *account_id,
              const char     *sha256,
              gint64         *out_size,
              char          **out_client_id)
{
  const YpEntity *entity = yp_schema_lookup ("attachment");
  g_autofree char *cols = column_list (entity);
  g_autofree char *sql = g_strdup_printf ("SELECT %s, created_seq FROM attachments"
                                          " WHERE sha256 = ? AND deleted = 0", cols);
  g_autoptr(sqlite3_stmt) stmt = prepare (self, sql, NULL);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      int next;
      g_autoptr(YpRecord) row = record_from_stmt (entity, stmt, &next);
      g_autoptr(YpParticipation) p =
        load_participation (self, yp_record_get_client_id (row), account_id);

      if (yp_policy_may_see (p, account_id, row, sqlite3_column_int64 (stmt, next)))
        {
          if (out_size)
            *out_size = yp_record_get_int (row, "size");
          if (out_client_id)
            *out_client_id = g_strdup (yp_record_get_client_id (row));
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
yp_server_store_put_blob (YpServerStore  *self,
                          const char     *account_id,
                          const char     *sha256,
                          GBytes         *data,
                          gboolean       *out_created,
                          GError        **error)
{
  g_autofree char *actual = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *now = yp_now_iso8601 ();
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 size = -1;
  gboolean ok;

  g_return_val_if_fail (YP_IS_SERVER_STORE (self), FALSE);

  actual = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);
  if (!g_str_equal (actual, sha256))
    {
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_HASH_MISMATCH,
                   "The body's SHA-256 is not the one in the address.");
      return FALSE;
    }
  if (!begin (self, error))
    return FALSE;
  if (!blob_allowed (self, account_id, sha256, &size, &client_id))
    {
      ok = audit_locked (self, account_id, "blob_put_refused", "attachment", NULL, NULL, sha256,
                         error);
      if (end (self, ok, error))
        g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_NOT_FOUND,
                     "No attachment that you may see has this hash; send its row first.");
      return FALSE;
    }
  if (size != (gint64) g_bytes_get_size (data))
    {
      end (self, FALSE, NULL);
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INVALID_VALUE,
                   "The body's size is not the attachment's size.");
      return FALSE;
    }
  ok = (stmt = prepare (self, "INSERT OR IGNORE INTO blobs (sha256, size, data, created_at,"
                              " created_by) VALUES (?, ?, ?, ?, ?)", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, size);
      sqlite3_bind_blob64 (stmt, 3, g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                           SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, now, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, account_id, -1, SQLITE_STATIC);
      ok = sqlite3_step (stmt) == SQLITE_DONE || set_db_error (error, self->db, "blob");
    }
  if (ok && out_created)
    *out_created = sqlite3_changes (self->db) > 0;
  ok = ok && audit_locked (self, account_id, "blob_put", "attachment", NULL, client_id, sha256,
                           error);
  return end (self, ok, error);
}

GBytes *
yp_server_store_get_blob (YpServerStore  *self,
                          const char     *account_id,
                          const char     *sha256,
                          GError        **error)
{
  g_autofree char *client_id = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GBytes *bytes = NULL;
  gboolean allowed;

  g_return_val_if_fail (YP_IS_SERVER_STORE (self), NULL);

  if (!begin (self, error))
    return NULL;
  allowed = blob_allowed (self, account_id, sha256, NULL, &client_id);
  if (allowed && (stmt = prepare (self, "SELECT data FROM blobs WHERE sha256 = ?", NULL)))
    {
      sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        bytes = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
    }
  if (stmt)
    sqlite3_reset (stmt);
  if (!end (self,
            audit_locked (self, account_id, bytes ? "blob_get" : "blob_get_refused",
                          "attachment", NULL, client_id, sha256, error),
            error))
    {
      g_clear_pointer (&bytes, g_bytes_unref);
      return NULL;
    }
  if (bytes == NULL)
    g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_NOT_FOUND,
                 allowed ? "The attachment has not been uploaded yet."
                         : "No attachment that you may see has this hash.");
  return bytes;
}

/* ---- first-sync snapshot ---------------------------------------------------------------- */

/* A first sync of thousands of clients as JSON pages costs a record, a JSON object and an
 * audit row per row on both sides. The snapshot is the same rows as SQLite databases in the
 * app's own table layout, one table per part (docs/api.md), each built in memory (attached
 * as "snap") with one INSERT ... SELECT and handed out with sqlite3_serialize: no file, no
 * row in C. Parts are built one after another by a worker on a connection of its own, while
 * the main loop audits and sends the previous part and the app copies it.
 * The policy is the pull's own: yp_policy_may_see, called from SQL through the function
 * yp_snapshot_may_see on a probe record that holds only the fields the policy reads
 * (yp_policy_row_fields), with every participation of the account loaded in one query. */

#define SNAP "snap"

typedef struct
{
  const char      *account_id;
  GHashTable      *participations;  /* client_id → YpParticipation (absent: none) */
  YpRecord        *probe;           /* of the entity being copied */
  const guint     *probe_fields;    /* the indexes of the policy's fields of that entity */
  guint            n_probe_fields;
} SnapshotPolicy;

struct _YpServerSnapshot
{
  YpServerStore  *reader;       /* a connection of this snapshot's own, to the same file */
  char           *account_id;
  char           *created_at;
  gint64          seq;
  GHashTable     *participations;
  SnapshotPolicy  policy;
  GHashTable     *sent_clients; /* client ids of the parts handed out so far */
  GPtrArray      *visible;      /* snapshot_visible_clients, until the header takes them */
  guint           next;         /* 0: the header; then entity next - 1 */
};

/* yp_snapshot_may_see (client_id, created_seq, <the entity's policy fields in order>) */
static void
snapshot_may_see_func (sqlite3_context *ctx,
                       int              argc,
                       sqlite3_value  **argv)
{
  SnapshotPolicy *sp = sqlite3_user_data (ctx);
  const char *client_id = (const char *) sqlite3_value_text (argv[0]);
  YpParticipation *p;

  if (sp->probe == NULL || (guint) argc != 2 + sp->n_probe_fields)
    {
      sqlite3_result_error (ctx, "yp_snapshot_may_see: wrong use", -1);
      return;
    }
  p = client_id != NULL ? g_hash_table_lookup (sp->participations, client_id) : NULL;
  for (guint k = 0; k < sp->n_probe_fields; k++)
    {
      guint index = sp->probe_fields[k];
      const YpField *f = &yp_record_get_entity (sp->probe)->fields[index];
      sqlite3_value *v = argv[2 + k];
      const char *text;

      if (f->type == YP_FIELD_INT || f->type == YP_FIELD_BOOL)
        {
          if (sqlite3_value_type (v) == SQLITE_NULL)
            yp_record_set_null_at (sp->probe, index);
          else
            yp_record_set_int_at (sp->probe, index, sqlite3_value_int64 (v));
        }
      else if ((text = (const char *) sqlite3_value_text (v)) == NULL)
        yp_record_set_null_at (sp->probe, index);
      else
        yp_record_set_string_at (sp->probe, index, text, strlen (text));
    }
  sqlite3_result_int (ctx, yp_policy_may_see (p, sp->account_id, sp->probe,
                                              sqlite3_value_int64 (argv[1])));
}

/* Every participation of @account_id, chosen per client as load_participation chooses. */
static gboolean
snapshot_load_participations (YpServerStore  *self,
                              const char     *account_id,
                              GHashTable     *participations,
                              GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt =
    prepare (self, "SELECT client_id, " PARTICIPATION_COLUMNS " FROM participants"
                   " WHERE professional_id = ? AND deleted = 0 AND client_id IS NOT NULL"
                   " ORDER BY client_id, " PARTICIPATION_ORDER, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *client_id = (const char *) sqlite3_column_text (stmt, 0);

      /* The first row of each client is the one load_participation would take. */
      if (!g_hash_table_contains (participations, client_id))
        g_hash_table_insert (participations, g_strdup (client_id),
                             participation_from_stmt (stmt, 1));
    }
  if (rc != SQLITE_DONE)
    return set_db_error (error, self->db, "snapshot participations");
  return TRUE;
}

static gboolean
snapshot_entity (YpServerSnapshot  *snap,
                 const YpEntity    *entity,
                 GError           **error)
{
  YpServerStore *reader = snap->reader;
  SnapshotPolicy *sp = &snap->policy;
  const char * const *policy_fields = yp_policy_row_fields ();
  g_autofree char *cols = column_list (entity);
  g_autofree char *sql = NULL;
  g_autoptr(GString) args = g_string_new (NULL);
  g_autoptr(GArray) probe_fields = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(YpRecord) probe = yp_record_new (entity);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!entity->client_scoped)
    sql = g_strdup_printf ("INSERT INTO " SNAP ".%s (%s) SELECT %s FROM main.%s"
                           " WHERE rev > 0 AND rev <= ?1", entity->table, cols, cols,
                           entity->table);
  else
    {
      for (guint i = 0; i < entity->n_fields; i++)
        {
          const YpField *f = &entity->fields[i];

          if (!(f->flags & YP_FIELD_FLAG_LOCAL) && g_strv_contains (policy_fields, f->name))
            {
              g_array_append_val (probe_fields, i);
              g_string_append_printf (args, ", %s", f->name);
            }
        }
      /* Client rows only of the clients the account has a participant row in (through the
       * client_id index); the policy decides on each, exactly as in a pull from seq 0. */
      sql = g_strdup_printf ("INSERT INTO " SNAP ".%s (%s) SELECT %s FROM main.%s"
                             " WHERE rev > 0 AND rev <= ?1"
                             " AND client_id IN temp.yp_snapshot_clients"
                             " AND yp_snapshot_may_see (client_id, created_seq%s)",
                             entity->table, cols, cols, entity->table, args->str);
    }
  sp->probe = probe;
  sp->probe_fields = (const guint *) probe_fields->data;
  sp->n_probe_fields = probe_fields->len;
  if (sqlite3_prepare_v2 (reader->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    rc = SQLITE_ERROR;
  else
    {
      sqlite3_bind_int64 (stmt, 1, snap->seq);
      rc = sqlite3_step (stmt);
    }
  sp->probe = NULL;
  sp->probe_fields = NULL;
  sp->n_probe_fields = 0;
  if (rc != SQLITE_DONE)
    set_db_error (error, reader->db, "snapshot");
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE;
}

/* The clients whose own row the snapshot holds (every client any part will hold rows of,
 * except one the account is only invited to: only its notification comes, and that part
 * audits it), sorted: the participations at the seq, each judged by yp_policy_may_see on a
 * client row, as the clients' table's rows are. Known as soon as the participations are,
 * before any table is built, so the main loop commits their audit entries (with the header)
 * while the worker builds the first tables. */
static gint
compare_ids (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
snapshot_visible_clients (YpServerSnapshot *snap)
{
  GPtrArray *visible = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(YpRecord) probe = yp_record_new (yp_schema_lookup ("client"));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, snap->participations);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      yp_record_set_string (probe, "id", key);
      yp_record_set_string (probe, "client_id", key);
      if (value != NULL && yp_policy_may_see (value, snap->account_id, probe, 0))
        g_ptr_array_add (visible, g_strdup (key));
    }
  /* In id order: the audit log's client_id index takes them faster so. */
  g_ptr_array_sort (visible, compare_ids);
  return visible;
}

/* The client ids of @table in the part that no earlier part had: they are audited before
 * the part leaves. */
static gboolean
snapshot_new_clients (YpServerSnapshot  *snap,
                      const char        *table,
                      GPtrArray         *out,
                      GError           **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT DISTINCT client_id FROM " SNAP ".%s"
                                          " WHERE client_id IS NOT NULL", table);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (snap->reader->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return set_db_error (error, snap->reader->db, "snapshot clients");
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);

      if (!g_hash_table_contains (snap->sent_clients, id))
        {
          char *copy = g_strdup (id);

          g_hash_table_add (snap->sent_clients, copy);
          g_ptr_array_add (out, g_strdup (copy));
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return set_db_error (error, snap->reader->db, "snapshot clients");
  return TRUE;
}

static void
free_serialized (gpointer data)
{
  sqlite3_free (data);
}

static GBytes *
snapshot_serialize (YpServerSnapshot  *snap,
                    GError           **error)
{
  sqlite3_int64 size = 0;
  unsigned char *data = sqlite3_serialize (snap->reader->db, SNAP, &size, 0);

  if (data == NULL || size <= 0)
    {
      sqlite3_free (data);
      g_set_error (error, YP_SERVER_ERROR, YP_SERVER_ERROR_INTERNAL,
                   "Cannot serialize the snapshot.");
      return NULL;
    }
  return g_bytes_new_with_free_func (data, (gsize) size, free_serialized, data);
}

/* The header part: the one-row "snapshot" table. */
static gboolean
snapshot_fill_header (YpServerSnapshot  *snap,
                      guint              n_tables,
                      GError           **error)
{
  YpServerStore *reader = snap->reader;
  g_autofree char *cursor = g_strdup_printf ("%s:%" G_GINT64_FORMAT, reader->epoch, snap->seq);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!exec_sql (reader, "CREATE TABLE " SNAP ".snapshot (cursor TEXT NOT NULL,"
                         " schema_version INTEGER NOT NULL, account_id TEXT NOT NULL,"
                         " created_at TEXT NOT NULL, tables INTEGER NOT NULL)", error))
    return FALSE;
  stmt = prepare (reader, "INSERT INTO " SNAP ".snapshot (cursor, schema_version, account_id,"
                          " created_at, tables) VALUES (?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, cursor, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, YP_SCHEMA_VERSION);
  sqlite3_bind_text (stmt, 3, snap->account_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, snap->created_at, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 5, (int) n_tables);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_db_error (error, reader->db, "snapshot");
  return TRUE;
}

/* One table with its rows and the app's client_id index: with the same indexes on both sides
 * SQLite copies the whole table record by record (its transfer optimisation) into the app's
 * empty one. */
static gboolean
snapshot_fill_table (YpServerSnapshot  *snap,
                     const YpEntity    *entity,
                     GPtrArray         *new_clients,
                     GError           **error)
{
  YpServerStore *reader = snap->reader;
  g_autofree char *create = yp_entity_create_sql (entity, YP_SCHEMA_VERSION);
  g_autofree char *in_snap = NULL;
  gboolean ok;

  /* "CREATE TABLE name (…)" → "CREATE TABLE snap.name (…)"; SQLite keeps the text without
   * the schema name, so the part holds exactly the app's CREATE TABLE. */
  if (!g_str_has_prefix (create, "CREATE TABLE "))
    return set_db_error (error, reader->db, "snapshot schema");
  in_snap = g_strdup_printf ("CREATE TABLE " SNAP ".%s", create + strlen ("CREATE TABLE "));
  if (!exec_sql (reader, in_snap, error) || !begin_read (reader, error))
    return FALSE;
  ok = snapshot_entity (snap, entity, error);
  if (ok && entity->client_scoped)
    {
      g_autofree char *index = g_strdup_printf ("CREATE INDEX " SNAP ".%s_client ON %s"
                                                " (client_id)", entity->table, entity->table);

      ok = exec_sql (reader, index, error)
           && snapshot_new_clients (snap, entity->table, new_clients, error);
    }
  return end (reader, ok, error);
}

static void
snapshot_close_reader (YpServerStore *reader)
{
  if (reader->db != NULL)
    {
      sqlite3_create_function (reader->db, "yp_snapshot_may_see", -1,
                               SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, NULL, NULL, NULL);
      sqlite3_exec (reader->db, "DROP TABLE IF EXISTS temp.yp_snapshot_clients", NULL, NULL,
                    NULL);
    }
  g_object_unref (reader);
}

void
yp_server_snapshot_free (YpServerSnapshot *snap)
{
  if (snap == NULL)
    return;
  if (snap->reader != NULL)
    snapshot_close_reader (snap->reader);
  g_clear_pointer (&snap->participations, g_hash_table_unref);
  g_clear_pointer (&snap->sent_clients, g_hash_table_unref);
  g_clear_pointer (&snap->visible, g_ptr_array_unref);
  g_free (snap->account_id);
  g_free (snap->created_at);
  g_free (snap);
}

YpServerSnapshot *
yp_server_snapshot_new (YpServerStore  *store,
                        const char     *account_id,
                        GError        **error)
{
  g_autoptr(YpServerSnapshot) snap = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  YpServerStore *reader;
  gboolean ok;
  int rc;

  g_return_val_if_fail (YP_IS_SERVER_STORE (store), NULL);
  g_return_val_if_fail (account_id != NULL, NULL);

  snap = g_new0 (YpServerSnapshot, 1);
  snap->account_id = g_strdup (account_id);
  snap->created_at = yp_now_iso8601 ();
  snap->participations = participation_cache_new ();
  snap->sent_clients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  snap->policy.account_id = snap->account_id;
  snap->policy.participations = snap->participations;
  if ((snap->reader = reader = store_open_reader (store, error)) == NULL)
    return NULL;

  /* The seq, the participations and the client list come from one read transaction: the
   * policy of every part is the policy at that seq, and every part holds only rows of a rev
   * up to it (docs/api.md says why that suffices). */
  if (!begin_read (reader, error))
    return NULL;
  snap->seq = current_seq (reader);
  ok = (snap->seq >= 0 || set_db_error (error, reader->db, "snapshot seq"))
       && snapshot_load_participations (reader, account_id, snap->participations, error)
       /* The clients the account has a participant row in, once for every table (the
        * subquery in each statement cost more than many a table's rows). */
       && exec_sql (reader, "CREATE TEMP TABLE yp_snapshot_clients (client_id TEXT PRIMARY KEY)"
                            " WITHOUT ROWID", error)
       && (stmt = prepare (reader, "INSERT OR IGNORE INTO temp.yp_snapshot_clients"
                                   " SELECT client_id FROM main.participants"
                                   " WHERE professional_id = ? AND deleted = 0"
                                   " AND client_id IS NOT NULL ORDER BY client_id",
                           error)) != NULL;
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_STATIC);
      if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
        ok = set_db_error (error, reader->db, "snapshot clients");
    }
  if (!end (reader, ok, error))
    return NULL;
  snap->visible = snapshot_visible_clients (snap);
  /* Only on this connection (the policy state is in @snap), and only from top-level SQL. */
  if (sqlite3_create_function (reader->db, "yp_snapshot_may_see", -1,
                               SQLITE_UTF8 | SQLITE_DIRECTONLY, &snap->policy,
                               snapshot_may_see_func, NULL, NULL) != SQLITE_OK)
    {
      set_db_error (error, reader->db, "snapshot function");
      return NULL;
    }
  return g_steal_pointer (&snap);
}

gint64
yp_server_snapshot_get_seq (YpServerSnapshot *snap)
{
  return snap->seq;
}

/* The @k-th table to send: the clients first (the list the app shows first, and the part the
 * audit with the header clears), then the stages, the largest table by far (a stage map of
 * several stages per client: 70 000 rows at 10 000 clients), so that its build — the longest
 * — overlaps the app's copy of the clients instead of keeping the app waiting after the
 * small tables; then the rest in schema order. The app takes the tables in any order. */
static const YpEntity *
snapshot_table (const YpEntity * const *entities,
                guint                   n,
                guint                   k)
{
  static const char * const first[] = { "client", "stage" };
  guint rest = G_N_ELEMENTS (first);

  if (k < G_N_ELEMENTS (first))
    return yp_schema_lookup (first[k]);
  for (guint i = 0; i < n; i++)
    {
      if (g_strv_contains (first, entities[i]->name))
        continue;
      if (rest++ == k)
        return entities[i];
    }
  g_return_val_if_reached (NULL);
}

GBytes *
yp_server_snapshot_next_part (YpServerSnapshot  *snap,
                              GPtrArray        **out_new_clients,
                              GError           **error)
{
  guint n;
  const YpEntity * const *entities = yp_schema_get_entities (&n);
  YpServerStore *reader = snap->reader;
  g_autoptr(GPtrArray) new_clients = g_ptr_array_new_with_free_func (g_free);
  GBytes *bytes = NULL;
  gboolean ok;

  g_return_val_if_fail (out_new_clients != NULL && *out_new_clients == NULL, NULL);

  if (snap->next > n)
    return NULL;
  /* In memory only: the client data never touches a file on the server. Pages of 16 KiB:
   * a quarter of the pages to split, link and (in the app) check, for the same rows; building
   * the stages of 10 000 clients took ~30 % less than with 4 KiB. A cache that holds a large
   * part whole (it is taken only as pages are written). */
  if (!exec_sql (reader, "ATTACH ':memory:' AS " SNAP ";"
                         "PRAGMA " SNAP ".page_size = 16384;"
                         "PRAGMA " SNAP ".cache_size = -131072;", error))
    return NULL;
  if (snap->next == 0)
    {
      ok = snapshot_fill_header (snap, n, error);
      for (guint i = 0; ok && i < snap->visible->len; i++)
        {
          g_hash_table_add (snap->sent_clients, g_strdup (snap->visible->pdata[i]));
          g_ptr_array_add (new_clients, g_strdup (snap->visible->pdata[i]));
        }
      g_clear_pointer (&snap->visible, g_ptr_array_unref);
    }
  else
    ok = snapshot_fill_table (snap, snapshot_table (entities, n, snap->next - 1), new_clients,
                              error);
  if (ok)
    bytes = snapshot_serialize (snap, error);
  if (sqlite3_exec (reader->db, "DETACH " SNAP, NULL, NULL, NULL) != SQLITE_OK)
    g_warning ("Could not detach the snapshot: %s", sqlite3_errmsg (reader->db));
  if (bytes == NULL)
    {
      snap->next = n + 1;
      return NULL;
    }
  snap->next++;
  *out_new_clients = g_steal_pointer (&new_clients);
  return bytes;
}

gboolean
yp_server_store_audit_snapshot (YpServerStore  *self,
                                const char     *account_id,
                                gint64          seq,
                                GPtrArray      *client_ids,
                                GError        **error)
{
  g_autofree char *now = NULL;
  g_autofree char *detail = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (YP_IS_SERVER_STORE (self), FALSE);

  if (client_ids == NULL || client_ids->len == 0)
    return TRUE;
  now = yp_now_iso8601 ();
  detail = g_strdup_printf ("seq %" G_GINT64_FORMAT, seq);
  if (!begin (self, error))
    return FALSE;
  {
    g_autoptr(sqlite3_stmt) stmt =
      prepare (self, "INSERT INTO audit_log (at, account_id, action, entity, row_id,"
                     " client_id, detail) VALUES (?1, ?2, 'read_snapshot', 'client', ?3, ?3,"
                     " ?4)", error);

    ok = stmt != NULL;
    for (guint i = 0; ok && i < client_ids->len; i++)
      {
        sqlite3_bind_text (stmt, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text (stmt, 2, account_id, -1, SQLITE_STATIC);
        sqlite3_bind_text (stmt, 3, client_ids->pdata[i], -1, SQLITE_STATIC);
        sqlite3_bind_text (stmt, 4, detail, -1, SQLITE_STATIC);
        if (sqlite3_step (stmt) != SQLITE_DONE)
          ok = set_db_error (error, self->db, "snapshot audit");
        sqlite3_reset (stmt);
      }
  }
  return end (self, ok, error);
}
