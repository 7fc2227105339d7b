#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "yp-test-util.h"

void
yp_test_rm_rf (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    {
      g_unlink (dir);
      return;
    }
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        yp_test_rm_rf (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

YpStore *
yp_test_store_new (char **out_dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("yp-test-XXXXXX", &error);
  g_autofree char *path = NULL;
  YpStore *store;

  g_assert_no_error (error);
  path = g_build_filename (dir, "yhteispolku.db", NULL);
  store = yp_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  *out_dir = g_steal_pointer (&dir);
  return store;
}

YpRecord *
yp_test_client_new (const char *first_name,
                    const char *last_name)
{
  YpRecord *record = yp_record_new (yp_schema_lookup ("client"));

  yp_record_set_string (record, "first_name", first_name);
  yp_record_set_string (record, "last_name", last_name);
  return record;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
yp_test_wait_for (gboolean *flag,
                  guint     timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *flag;
}

char *
yp_test_sql_text (const char *path,
                  const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *result = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return result;
}

guint
yp_test_count_in_bytes (const char *data,
                        gsize       n,
                        const char *needle)
{
  gsize len = strlen (needle);
  guint count = 0;

  for (gsize i = 0; i + len <= n; i++)
    if (memcmp (data + i, needle, len) == 0)
      count++;
  return count;
}

guint
yp_test_count_in_file (const char *path,
                       const char *needle)
{
  g_autofree char *data = NULL;
  gsize n = 0;

  if (!g_file_get_contents (path, &data, &n, NULL))
    return 0;
  return yp_test_count_in_bytes (data, n, needle);
}

guint
yp_test_count_in_tree (const char *dir_path,
                       const char *needle)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint count = 0;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir_path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        count += yp_test_count_in_tree (child, needle);
      else
        count += yp_test_count_in_file (child, needle);
    }
  return count;
}
