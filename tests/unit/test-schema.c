/* The one schema description: every entity, the sync columns, SQL made from it. */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "yp-schema.h"

static void
test_every_entity (void)
{
  const char *expected[] = {
    "organizations", "professionals", "clients", "participants", "stages", "plan_entries",
    "plan_versions", "follow_ups", "messages", "attachments", "service_events", "audit_events",
    "consent_events", "notifications", "quarantined_changes",
  };
  const char *sync[] = { "id", "client_id", "rev", "updated_at", "updated_by", "deleted" };
  guint n;
  const YpEntity * const *entities = yp_schema_get_entities (&n);

  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const YpEntity *e = yp_schema_lookup (expected[i]);

      g_assert_nonnull (e);
      g_assert_true (e == entities[i]);
      g_assert_true (yp_schema_lookup (e->name) == e);
      for (guint s = 0; s < G_N_ELEMENTS (sync); s++)
        {
          g_assert_cmpstr (e->fields[s].name, ==, sync[s]);
          g_assert_true (e->fields[s].flags & YP_FIELD_FLAG_SYNC);
        }
      /* Directory rows have no client; everything else is scoped by its client. */
      g_assert_cmpint (e->client_scoped, ==,
                       !g_str_equal (e->name, "organization")
                       && !g_str_equal (e->name, "professional"));
    }
  g_assert_null (yp_schema_lookup ("patients"));
  g_assert_cmpint (yp_schema_lookup ("message")->merge, ==, YP_MERGE_APPEND_ONLY);
  g_assert_cmpint (yp_schema_lookup ("client")->merge, ==, YP_MERGE_FIELDS);
}

static void
test_create_sql_matches_description (void)
{
  sqlite3 *db = NULL;
  guint n;
  const YpEntity * const *entities = yp_schema_get_entities (&n);

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *sql = yp_entity_create_sql (entities[i], YP_SCHEMA_VERSION);
      g_autofree char *info = g_strdup_printf ("PRAGMA table_info(%s)", entities[i]->table);
      sqlite3_stmt *stmt = NULL;
      guint column = 0;

      g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_prepare_v2 (db, info, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const YpField *f = &entities[i]->fields[column++];
          const char *type = (const char *) sqlite3_column_text (stmt, 2);

          g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 1), ==, f->name);
          g_assert_cmpstr (type, ==,
                           f->type == YP_FIELD_INT || f->type == YP_FIELD_BOOL
                           ? "INTEGER" : "TEXT");
        }
      sqlite3_finalize (stmt);
      g_assert_cmpuint (column, ==, entities[i]->n_fields);
    }
  sqlite3_close (db);
}

static void
test_older_version_has_fewer_columns (void)
{
  const YpEntity *client = yp_schema_lookup ("client");
  g_autofree char *v1 = yp_entity_create_sql (client, 1);
  g_autofree char *v2 = yp_entity_create_sql (client, 2);
  g_autofree char *alter = yp_field_add_column_sql (client,
                                                    yp_entity_get_field (client, "is_demo"));

  g_assert_null (strstr (v1, "is_demo"));
  g_assert_nonnull (strstr (v2, "is_demo"));
  g_assert_cmpstr (alter, ==, "ALTER TABLE clients ADD COLUMN is_demo INTEGER NOT NULL DEFAULT 0");
  g_assert_cmpint (yp_entity_field_index (client, "first_name"), >, 5);
  g_assert_cmpint (yp_entity_field_index (client, "nope"), ==, -1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/schema/every-entity", test_every_entity);
  g_test_add_func ("/schema/create-sql", test_create_sql_matches_description);
  g_test_add_func ("/schema/versions", test_older_version_has_fewer_columns);
  return g_test_run ();
}
