/* Upgrading a database made by an older Yhteispolku: nothing the user saved is lost, nothing
 * waiting to be sent is lost, and search and sorting work for the old clients. A database
 * from a newer Yhteispolku is refused and left alone. */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "yp-test-util.h"
#include "yp-util.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("yp-test-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "yhteispolku.db", NULL);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

/* Runs SQL (several statements allowed) on a connection of our own, as an older app would. */
static void
raw_exec (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static guint
sql_uint (const char *path,
          const char *sql)
{
  g_autofree char *text = yp_test_sql_text (path, sql);

  g_assert_nonnull (text);
  return (guint) g_ascii_strtoull (text, NULL, 10);
}

typedef struct
{
  const char *first, *last, *phone, *address, *status;
  int         stage;
} OldClient;

static const OldClient old_clients[] = {
  { "Aino",  "Virtanen",  "040 123 4567", "Kauppakatu 3 A 5, Lahti",  "active",    3 },
  { "Väinö", "Mäkinen",   "050 765 4321", "Rautatienkatu 12, Heinola", "active",   2 },
  { "Åsa",   "Lindqvist", "044 222 3333", "Storgatan 8, Porvoo",       "candidate", 1 },
};

/* Rows as the app at @version wrote them: the profile through the store, clients and their
 * outbox entries (the store of that version cannot write clients with today's code) with
 * plain SQL, using only columns that existed then. */
static char *
fill_old_database (Fixture *f,
                   guint    version,
                   char   **out_ids)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpStore) store = yp_store_open_at_version (f->path, version, &error);
  g_autofree char *version_text = NULL;
  char *me_id;

  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpuint (yp_store_get_schema_version (store), ==, version);
  version_text = yp_test_sql_text (f->path, "PRAGMA user_version");
  g_assert_cmpuint (g_ascii_strtoull (version_text, NULL, 10), ==, version);

  g_assert_true (yp_store_set_profile (store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_no_error (error);
  me_id = g_strdup (yp_store_get_me_id (store));
  g_assert_nonnull (me_id);
  g_clear_object (&store);

  for (guint i = 0; i < G_N_ELEMENTS (old_clients); i++)
    {
      const OldClient *c = &old_clients[i];
      g_autofree char *id = yp_uuid_new ();
      g_autofree char *mutation_id = yp_uuid_new ();
      char *sql;

      sql = sqlite3_mprintf (
        "INSERT INTO clients (id, client_id, rev, updated_at, updated_by, deleted,"
        " first_name, last_name, birth_date, phone, address, language, responsible_id,"
        " status, stage, next_follow_up, notes)"
        " VALUES (%Q, %Q, 0, '2025-05-02T08:15:00Z', %Q, 0, %Q, %Q, '1948-03-02', %Q, %Q,"
        " %Q, %Q, %Q, %d, '2026-01-15', 'Soitto tyttärelle viikolla 12.');"
        "INSERT INTO outbox (mutation_id, entity, row_id, client_id, base_rev, op, fields,"
        " created_at) VALUES (%Q, 'client', %Q, %Q, 0, 'insert', '{\"first_name\":\"%q\"}',"
        " '2025-05-02T08:15:00Z');",
        id, id, me_id, c->first, c->last, c->phone, c->address,
        g_str_equal (c->last, "Lindqvist") ? "sv" : "fi", me_id, c->status, c->stage,
        mutation_id, id, id, c->first);
      raw_exec (f->path, sql);
      sqlite3_free (sql);
      if (version >= 2)
        {
          /* From version 2 on, the app derived the sort key on every insert. */
          g_autofree char *joined = g_strdup_printf ("%s %s", c->last, c->first);
          g_autofree char *key = yp_fold_for_sort (joined);

          sql = sqlite3_mprintf ("UPDATE clients SET sort_name = %Q WHERE id = %Q", key, id);
          raw_exec (f->path, sql);
          sqlite3_free (sql);
        }
      out_ids[i] = g_strdup (id);
    }
  return me_id;
}

static void
test_upgrade_from (Fixture *f, gconstpointer data)
{
  guint version = GPOINTER_TO_UINT (data);
  char *ids[G_N_ELEMENTS (old_clients)] = { NULL, };
  g_autofree char *me_id = fill_old_database (f, version, ids);
  g_autoptr(GError) error = NULL;
  g_autoptr(YpStore) store = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(YpRecord) added = NULL;
  guint outbox_before = sql_uint (f->path, "SELECT count(*) FROM outbox");
  const YpEntity *client = yp_schema_lookup ("client");

  /* Profile (organisation + professional) and the three clients were waiting to be sent. */
  g_assert_cmpuint (outbox_before, ==, 2 + G_N_ELEMENTS (old_clients));

  store = yp_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpuint (yp_store_get_schema_version (store), ==, YP_SCHEMA_VERSION);
  g_assert_cmpuint (sql_uint (f->path, "PRAGMA user_version"), ==, YP_SCHEMA_VERSION);

  /* Who I am, my clients and the unsent changes are all still there. */
  g_assert_cmpstr (yp_store_get_me_id (store), ==, me_id);
  g_assert_cmpuint (yp_store_count_clients (store), ==, G_N_ELEMENTS (old_clients));
  g_assert_cmpuint (yp_store_count_outbox (store, NULL), ==, outbox_before);
  for (guint i = 0; i < G_N_ELEMENTS (old_clients); i++)
    {
      const OldClient *c = &old_clients[i];
      g_autoptr(YpRecord) back = yp_store_get (store, client, ids[i], &error);
      g_autofree char *joined = g_strdup_printf ("%s %s", c->last, c->first);
      g_autofree char *key = yp_fold_for_sort (joined);

      g_assert_no_error (error);
      g_assert_nonnull (back);
      g_assert_cmpstr (yp_record_get_string (back, "first_name"), ==, c->first);
      g_assert_cmpstr (yp_record_get_string (back, "last_name"), ==, c->last);
      g_assert_cmpstr (yp_record_get_string (back, "phone"), ==, c->phone);
      g_assert_cmpstr (yp_record_get_string (back, "address"), ==, c->address);
      g_assert_cmpstr (yp_record_get_string (back, "status"), ==, c->status);
      g_assert_cmpint (yp_record_get_int (back, "stage"), ==, c->stage);
      g_assert_cmpstr (yp_record_get_string (back, "birth_date"), ==, "1948-03-02");
      g_assert_cmpstr (yp_record_get_string (back, "notes"), ==,
                       "Soitto tyttärelle viikolla 12.");
      g_assert_cmpuint (yp_store_count_outbox (store, ids[i]), ==, 1);
      /* Columns added after @version have their defaults (sort_name is derived). */
      for (guint k = 0; k < client->n_fields; k++)
        {
          const YpField *field = &client->fields[k];
          g_autofree char *text = NULL;

          if (field->since <= version || g_str_equal (field->name, "sort_name"))
            continue;
          if (field->default_value == NULL)
            {
              g_assert_true (yp_record_is_null (back, field->name));
              continue;
            }
          text = yp_record_dup_text (back, field->name);
          g_assert_cmpstr (text, ==, field->default_value);
        }
      g_assert_cmpstr (yp_record_get_string (back, "sort_name"), ==, key);
    }

  /* Search as you type finds the old clients, including by phone and address words. */
  rows = yp_store_query_client_rows (store, "vir", YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME,
                                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (g_array_index (rows, gint64, 0), ==,
                   yp_store_lookup_client_rowid (store, ids[0]));
  g_clear_pointer (&rows, g_array_unref);
  rows = yp_store_query_client_rows (store, "mäk", YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME,
                                     &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (g_array_index (rows, gint64, 0), ==,
                   yp_store_lookup_client_rowid (store, ids[1]));
  g_clear_pointer (&rows, g_array_unref);
  rows = yp_store_query_client_rows (store, "porvoo", YP_CLIENT_FILTER_CANDIDATES,
                                     YP_CLIENT_SORT_NAME, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (g_array_index (rows, gint64, 0), ==,
                   yp_store_lookup_client_rowid (store, ids[2]));
  g_clear_pointer (&rows, g_array_unref);
  rows = yp_store_query_client_rows (store, "050", YP_CLIENT_FILTER_MINE, YP_CLIENT_SORT_NAME,
                                     &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_array_unref);

  /* Sorted by name: Lindqvist, Mäkinen, Virtanen. */
  rows = yp_store_query_client_rows (store, NULL, YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME,
                                     &error);
  g_assert_cmpuint (rows->len, ==, 3);
  g_assert_cmpint (g_array_index (rows, gint64, 0), ==,
                   yp_store_lookup_client_rowid (store, ids[2]));
  g_assert_cmpint (g_array_index (rows, gint64, 1), ==,
                   yp_store_lookup_client_rowid (store, ids[1]));
  g_assert_cmpint (g_array_index (rows, gint64, 2), ==,
                   yp_store_lookup_client_rowid (store, ids[0]));
  g_clear_pointer (&rows, g_array_unref);

  /* The upgraded file takes new clients, and they are searchable next to the old ones. */
  added = yp_test_client_new ("Virpi", "Aaltonen");
  g_assert_true (yp_store_insert (store, added, &error));
  g_assert_no_error (error);
  rows = yp_store_query_client_rows (store, "vir", YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME,
                                     &error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpint (g_array_index (rows, gint64, 0), ==,
                   yp_store_lookup_client_rowid (store, yp_record_get_id (added)));
  /* The client, its creator's owner participant row and that row's "joined" consent event. */
  g_assert_cmpuint (yp_store_count_outbox (store, NULL), ==, outbox_before + 3);
  g_clear_object (&store);

  /* Opening it again changes nothing. */
  store = yp_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (yp_store_count_clients (store), ==, G_N_ELEMENTS (old_clients) + 1);
  g_assert_cmpuint (yp_store_count_outbox (store, NULL), ==, outbox_before + 3);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_free (ids[i]);
}

static char *
file_checksum (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static void
test_newer_database_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpStore) store = yp_store_open (f->path, &error);
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");
  g_autofree char *newer = g_strdup_printf ("PRAGMA user_version = %u;"
                                            "CREATE TABLE future_things (x TEXT);",
                                            YP_SCHEMA_VERSION + 1);
  g_autofree char *before = NULL, *after = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);

  g_assert_true (yp_store_insert (store, client, &error));
  g_clear_object (&store);
  /* A newer Yhteispolku wrote this file; our last connection closing checkpoints it. */
  raw_exec (f->path, newer);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  before = file_checksum (f->path);

  store = yp_store_open (f->path, &error);
  g_assert_null (store);
  g_assert_error (error, YP_STORE_ERROR, YP_STORE_ERROR_TOO_NEW);
  g_assert_nonnull (strstr (error->message, "newer"));
  g_clear_error (&error);

  /* Also not by the "open at version" entry point the tests use. */
  store = yp_store_open_at_version (f->path, 1, &error);
  g_assert_null (store);
  g_assert_error (error, YP_STORE_ERROR, YP_STORE_ERROR_TOO_NEW);

  after = file_checksum (f->path);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (sql_uint (f->path, "PRAGMA user_version"), ==, YP_SCHEMA_VERSION + 1);
  g_assert_cmpuint (sql_uint (f->path, "SELECT count(*) FROM clients"), ==, 1);
}

/* What every connection of the store is set to, seen from outside and from its behaviour. */
static void
test_disk_settings (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpStore) store = yp_store_open (f->path, &error);
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");
  g_autofree char *mode = NULL;

  g_assert_no_error (error);
  mode = yp_test_sql_text (f->path, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");

  /* foreign_keys is per connection, so it cannot be read from a second one: probe the
   * store's writer instead. A trigger makes every client insert add a row pointing at a
   * parent that does not exist; with foreign keys enforced the insert is refused whole. */
  raw_exec (f->path,
            "CREATE TABLE fk_parent (id TEXT PRIMARY KEY);"
            "CREATE TABLE fk_child (parent TEXT REFERENCES fk_parent (id));"
            "CREATE TRIGGER fk_probe AFTER INSERT ON clients BEGIN"
            " INSERT INTO fk_child (parent) VALUES ('missing'); END;");
  g_assert_false (yp_store_insert (store, client, &error));
  g_assert_error (error, YP_STORE_ERROR, YP_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpuint (yp_store_count_clients (store), ==, 0);
  g_clear_object (&store);

  /* And the setting survives reopening: a migrated file keeps its WAL mode. */
  raw_exec (f->path, "DROP TRIGGER fk_probe; DROP TABLE fk_child; DROP TABLE fk_parent;");
  store = yp_store_open (f->path, &error);
  g_assert_no_error (error);
  g_free (mode);
  mode = yp_test_sql_text (f->path, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint v = 1; v < YP_SCHEMA_VERSION; v++)
    {
      g_autofree char *name = g_strdup_printf ("/migrations/from-version-%u", v);

      g_test_add (name, Fixture, GUINT_TO_POINTER (v), setup, test_upgrade_from, teardown);
    }
  g_test_add ("/migrations/newer-refused", Fixture, NULL, setup, test_newer_database_refused,
              teardown);
  g_test_add ("/migrations/disk-settings", Fixture, NULL, setup, test_disk_settings,
              teardown);
  return g_test_run ();
}
