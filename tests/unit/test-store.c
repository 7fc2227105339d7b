/* The local store on a real SQLite file: writes with their outbox entries, atomicity,
 * profile and audit, list queries. */
#include "config.h"

#include <string.h>

#include "yp-client-summary.h"
#include "yp-test-util.h"
#include "yp-util.h"

typedef struct
{
  char    *dir;
  YpStore *store;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->store = yp_test_store_new (&f->dir);
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
}

static char *
sql (Fixture *f, const char *query)
{
  return yp_test_sql_text (yp_store_get_path (f->store), query);
}

static void
test_open_settings (Fixture *f, gconstpointer data)
{
  g_autofree char *mode = sql (f, "PRAGMA journal_mode");
  g_autofree char *version = sql (f, "PRAGMA user_version");
  g_autofree char *expected = g_strdup_printf ("%d", YP_SCHEMA_VERSION);

  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpstr (version, ==, expected);
  g_assert_true (g_str_has_prefix (yp_store_get_path (f->store), f->dir));
}

static void
test_insert_writes_outbox (Fixture *f, gconstpointer data)
{
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");
  g_autoptr(YpRecord) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *op = NULL, *fields = NULL, *entity = NULL, *base = NULL;

  yp_record_set_string (client, "birth_date", "1948-03-02");
  g_assert_true (yp_store_insert (f->store, client, &error));
  g_assert_no_error (error);
  g_assert_true (yp_uuid_is_valid (yp_record_get_id (client)));
  g_assert_cmpstr (yp_record_get_client_id (client), ==, yp_record_get_id (client));

  back = yp_store_get (f->store, yp_schema_lookup ("client"), yp_record_get_id (client), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (yp_record_get_string (back, "first_name"), ==, "Aino");
  g_assert_cmpstr (yp_record_get_string (back, "language"), ==, "fi");
  g_assert_cmpstr (yp_record_get_string (back, "status"), ==, "active");
  g_assert_cmpstr (yp_record_get_string (back, "updated_by"), ==, yp_store_get_me_id (f->store));

  /* The profile wrote an organisation and a professional; the client is the third entry,
   * followed by the creator's owner participant row and its "joined" consent event, which
   * the insert writes in the same transaction. */
  g_assert_cmpuint (yp_store_count_outbox (f->store, NULL), ==, 5);
  g_assert_cmpuint (yp_store_count_outbox (f->store, yp_record_get_id (client)), ==, 3);
  op = sql (f, "SELECT op FROM outbox WHERE entity = 'client' ORDER BY seq DESC LIMIT 1");
  entity = sql (f, "SELECT entity FROM outbox ORDER BY seq LIMIT 1 OFFSET 2");
  base = sql (f, "SELECT base_rev FROM outbox WHERE entity = 'client' ORDER BY seq DESC LIMIT 1");
  fields = sql (f, "SELECT fields FROM outbox WHERE entity = 'client' ORDER BY seq DESC LIMIT 1");
  g_assert_cmpstr (op, ==, "insert");
  g_assert_cmpstr (entity, ==, "client");
  g_assert_cmpstr (base, ==, "0");
  g_assert_nonnull (strstr (fields, "\"first_name\":\"Aino\""));
  g_assert_nonnull (strstr (fields, "\"birth_date\":\"1948-03-02\""));
  g_assert_null (strstr (fields, "sort_name"));
}

static void
test_update_writes_changed_fields (Fixture *f, gconstpointer data)
{
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");
  g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("client"));
  g_autoptr(GError) error = NULL;
  g_autofree char *fields = NULL;
  guint before;

  g_assert_true (yp_store_insert (f->store, client, &error));
  before = yp_store_count_outbox (f->store, NULL);

  yp_record_set_string (change, "id", yp_record_get_id (client));
  yp_record_set_string (change, "phone", "040 123 4567");
  yp_record_set_string (change, "first_name", "Aino"); /* unchanged: not in the entry */
  g_assert_true (yp_store_update (f->store, change, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (yp_store_count_outbox (f->store, NULL), ==, before + 1);
  fields = sql (f, "SELECT fields FROM outbox ORDER BY seq DESC LIMIT 1");
  g_assert_cmpstr (fields, ==, "{\"phone\":{\"old\":null,\"new\":\"040 123 4567\"}}");

  /* Saving the same values again writes nothing. */
  g_assert_true (yp_store_update (f->store, change, &error));
  g_assert_cmpuint (yp_store_count_outbox (f->store, NULL), ==, before + 1);

  /* An invalid change is refused whole. */
  yp_record_set_string (change, "phone", "no phone");
  g_assert_false (yp_store_update (f->store, change, &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT);
  g_assert_cmpuint (yp_store_count_outbox (f->store, NULL), ==, before + 1);
  g_free (fields);
  fields = sql (f, "SELECT phone FROM clients");
  g_assert_cmpstr (fields, ==, "040 123 4567");
}

static void
test_failed_write_leaves_nothing (Fixture *f, gconstpointer data)
{
  g_autoptr(YpRecord) client = yp_test_client_new ("Bertil", "Lindqvist");
  g_autoptr(YpRecord) dup = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *trigger = NULL;
  guint before = yp_store_count_outbox (f->store, NULL);

  /* The outbox write fails after the row went in (as a full disk would): neither stays. */
  trigger = sql (f, "CREATE TRIGGER outbox_fails BEFORE INSERT ON outbox"
                    " BEGIN SELECT RAISE (ABORT, 'simulated write failure'); END");
  g_assert_false (yp_store_insert (f->store, client, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "simulated write failure"));
  g_clear_error (&error);
  rows = sql (f, "SELECT count(*) FROM clients");
  g_assert_cmpstr (rows, ==, "0");
  g_assert_cmpuint (yp_store_count_outbox (f->store, NULL), ==, before);
  g_free (sql (f, "DROP TRIGGER outbox_fails"));

  /* And the same record saves once the trouble is gone: nothing the user typed was lost. */
  g_assert_true (yp_store_insert (f->store, client, &error));
  g_assert_no_error (error);

  /* A second row with the same id is a conflict, and again leaves nothing. */
  dup = yp_test_client_new ("Bertil", "Lindqvist");
  yp_record_set_string (dup, "id", yp_record_get_id (client));
  g_assert_false (yp_store_insert (f->store, dup, &error));
  g_assert_error (error, YP_STORE_ERROR, YP_STORE_ERROR_CONFLICT);
  /* The client and the owner participant and consent event written with it. */
  g_assert_cmpuint (yp_store_count_outbox (f->store, NULL), ==, before + 3);
  g_assert_cmpuint (yp_store_count_clients (f->store), ==, 1);

  /* Invalid input is refused before anything is written. */
  g_clear_error (&error);
  g_clear_pointer (&dup, yp_record_unref);
  dup = yp_test_client_new ("", "Lindqvist");
  g_assert_false (yp_store_insert (f->store, dup, &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_REQUIRED);
  g_assert_cmpuint (yp_store_count_clients (f->store), ==, 1);
}

static void
test_profile_and_audit (Fixture *f, gconstpointer data)
{
  g_autoptr(YpRecord) me = yp_store_dup_me (f->store);
  g_autoptr(YpRecord) client = yp_test_client_new ("Aila", "Mäkinen");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) orgs = NULL;
  YpRecord *event;

  g_assert_nonnull (me);
  g_assert_cmpstr (yp_record_get_string (me, "name"), ==, "Sari Koskinen");
  orgs = yp_store_list_directory (f->store, yp_schema_lookup ("organization"), &error);
  g_assert_cmpuint (orgs->len, ==, 1);
  g_assert_cmpstr (yp_record_get_id (orgs->pdata[0]), ==,
                   yp_record_get_string (me, "organization_id"));

  g_assert_true (yp_store_insert (f->store, client, &error));
  g_assert_true (yp_store_log_client_view (f->store, yp_record_get_id (client), &error));
  g_assert_no_error (error);
  events = yp_store_list_for_client (f->store, yp_schema_lookup ("audit_event"),
                                     yp_record_get_id (client), &error);
  g_assert_cmpuint (events->len, ==, 1);
  event = events->pdata[0];
  g_assert_cmpstr (yp_record_get_string (event, "actor_id"), ==, yp_record_get_id (me));
  g_assert_cmpstr (yp_record_get_string (event, "action"), ==, "view");
  g_assert_cmpstr (yp_record_get_string (event, "entity_id"), ==, yp_record_get_id (client));
  g_assert_true (yp_datetime_is_valid (yp_record_get_string (event, "at")));
  /* Audit events sync like everything else (after the client, its owner participant row and
   * that row's "joined" consent event). */
  g_assert_cmpuint (yp_store_count_outbox (f->store, yp_record_get_id (client)), ==, 4);

  /* Saving the profile again updates, not duplicates. */
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "asiakaspäällikkö",
                                       "Lahden terveysasema", &error));
  g_clear_pointer (&me, yp_record_unref);
  me = yp_store_dup_me (f->store);
  g_assert_cmpstr (yp_record_get_string (me, "title"), ==, "asiakaspäällikkö");
  g_clear_pointer (&orgs, g_ptr_array_unref);
  orgs = yp_store_list_directory (f->store, yp_schema_lookup ("professional"), &error);
  g_assert_cmpuint (orgs->len, ==, 1);
}

static void
test_no_profile (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(YpStore) store = yp_test_store_new (&dir);
  g_autoptr(GError) error = NULL;

  g_assert_null (yp_store_dup_me (store));
  g_assert_false (yp_store_log_client_view (store, "6f1a3d1e-0000-4000-8000-000000000000",
                                            &error));
  g_assert_error (error, YP_STORE_ERROR, YP_STORE_ERROR_NO_PROFILE);
  g_clear_object (&store);
  yp_test_rm_rf (dir);
}

static void
test_demo_clients_stay_local (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint before = yp_store_count_outbox (f->store, NULL);
  g_autofree char *demo = NULL;

  g_assert_true (yp_store_add_demo_clients (f->store, 250, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (yp_store_count_clients (f->store), ==, 250);
  g_assert_cmpuint (yp_store_count_outbox (f->store, NULL), ==, before);
  demo = sql (f, "SELECT count(*) FROM clients WHERE is_demo = 1");
  g_assert_cmpstr (demo, ==, "250");
}

static GPtrArray *
names_for (Fixture *f, const char *search, YpClientFilter filter, YpClientSort sort)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = yp_store_query_client_rows (f->store, search, filter, sort, &error);
  g_autoptr(GPtrArray) summaries = NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  summaries = yp_store_load_client_summaries (f->store, (gint64 *) (gpointer) rows->data,
                                              rows->len, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < summaries->len; i++)
    g_ptr_array_add (names, g_strdup (yp_client_summary_get_display_name (summaries->pdata[i])));
  g_ptr_array_add (names, NULL);
  return names;
}

static void
assert_names (GPtrArray *names, const char *expected)
{
  g_autofree char *joined = g_strjoinv (", ", (char **) names->pdata);

  g_assert_cmpstr (joined, ==, expected);
  g_ptr_array_unref (names);
}

static void
add_client (Fixture *f, const char *first, const char *last, const char *status,
            const char *follow_up, gboolean mine)
{
  g_autoptr(YpRecord) c = yp_test_client_new (first, last);
  g_autoptr(GError) error = NULL;

  yp_record_set_string (c, "status", status);
  yp_record_set_string (c, "next_follow_up", follow_up);
  yp_record_set_string (c, "phone", "040 555 0101");
  yp_record_set_string (c, "address", "Kauppakatu 3, Lahti");
  if (mine)
    yp_record_set_string (c, "responsible_id", yp_store_get_me_id (f->store));
  g_assert_true (yp_store_insert (f->store, c, &error));
  g_assert_no_error (error);
}

static void
test_client_queries (Fixture *f, gconstpointer data)
{
  add_client (f, "Aino", "Virtanen", "active", "2026-12-01", TRUE);
  add_client (f, "Bertil", "Lindqvist", "active", "2026-11-20", FALSE);
  add_client (f, "Aila", "Mäkinen", "candidate", NULL, TRUE);
  add_client (f, "Matti", "Makkonen", "active", "2026-11-25", TRUE);
  add_client (f, "Olli", "Öhman", "ended", NULL, TRUE);
  add_client (f, "Bo", "Åkerlund", "active", NULL, FALSE);

  assert_names (names_for (f, NULL, YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME),
                "Bertil Lindqvist, Matti Makkonen, Aila Mäkinen, Aino Virtanen, Bo Åkerlund");
  assert_names (names_for (f, "", YP_CLIENT_FILTER_MINE, YP_CLIENT_SORT_NAME),
                "Matti Makkonen, Aila Mäkinen, Aino Virtanen");
  assert_names (names_for (f, NULL, YP_CLIENT_FILTER_CANDIDATES, YP_CLIENT_SORT_NAME),
                "Aila Mäkinen");
  assert_names (names_for (f, NULL, YP_CLIENT_FILTER_ENDED, YP_CLIENT_SORT_NAME),
                "Olli Öhman");
  assert_names (names_for (f, NULL, YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NEXT_FOLLOW_UP),
                "Bertil Lindqvist, Matti Makkonen, Aino Virtanen, Aila Mäkinen, Bo Åkerlund");

  /* Search as you type: prefixes of any word, ä is not a, case does not matter. */
  assert_names (names_for (f, "mäk", YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME),
                "Aila Mäkinen");
  assert_names (names_for (f, "MAK", YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME),
                "Matti Makkonen");
  assert_names (names_for (f, "a vir", YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME),
                "Aino Virtanen");
  assert_names (names_for (f, "lindq", YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME),
                "Bertil Lindqvist");
  assert_names (names_for (f, "zzz", YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME), "");
  assert_names (names_for (f, "öh", YP_CLIENT_FILTER_ENDED, YP_CLIENT_SORT_NAME), "Olli Öhman");
  /* Whatever is typed is a search, never query syntax. */
  assert_names (names_for (f, "\"vir* AND (", YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME), "");
  assert_names (names_for (f, "vir*", YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME),
                "Aino Virtanen");
  assert_names (names_for (f, "  ", YP_CLIENT_FILTER_CANDIDATES, YP_CLIENT_SORT_NAME),
                "Aila Mäkinen");
}

static void
test_queries_follow_changes (Fixture *f, gconstpointer data)
{
  g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("client"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GPtrArray) summaries = NULL;
  g_autofree char *id = NULL;

  add_client (f, "Aino", "Virtanen", "active", NULL, TRUE);
  add_client (f, "Bertil", "Lindqvist", "active", NULL, TRUE);
  assert_names (names_for (f, NULL, YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_LAST_CHANGE),
                "Bertil Lindqvist, Aino Virtanen");

  id = sql (f, "SELECT id FROM clients WHERE last_name = 'Virtanen'");
  yp_record_set_string (change, "id", id);
  yp_record_set_string (change, "last_name", "Aaltonen");
  yp_record_set_string (change, "status", "ended");
  g_assert_true (yp_store_update (f->store, change, &error));
  /* The change signal is delivered from the main context; let it run. */
  while (g_main_context_iteration (NULL, FALSE));

  assert_names (names_for (f, NULL, YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME),
                "Bertil Lindqvist");
  assert_names (names_for (f, "aal", YP_CLIENT_FILTER_ENDED, YP_CLIENT_SORT_NAME),
                "Aino Aaltonen");
  assert_names (names_for (f, "virt", YP_CLIENT_FILTER_ENDED, YP_CLIENT_SORT_NAME), "");

  rows = yp_store_query_client_rows (f->store, NULL, YP_CLIENT_FILTER_ENDED,
                                     YP_CLIENT_SORT_NAME, &error);
  summaries = yp_store_load_client_summaries (f->store, (gint64 *) (gpointer) rows->data,
                                              rows->len, &error);
  g_assert_cmpuint (summaries->len, ==, 1);
  /* Insert + update, both waiting to sync, and the creator's owner participant row and its
   * "joined" consent event that were written with the insert. */
  g_assert_cmpuint (yp_client_summary_get_pending_changes (summaries->pdata[0]), ==, 4);
  g_assert_cmpstr (yp_client_summary_get_responsible_name (summaries->pdata[0]), ==,
                   "Sari Koskinen");
}

static void
save_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (yp_store_save_finish (YP_STORE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static void
on_changed (YpStore *store, const char *table, const char *id, gpointer data)
{
  if (g_str_equal (table, "clients"))
    *(gboolean *) data = TRUE;
}

static void
test_async_save_and_reopen (Fixture *f, gconstpointer data)
{
  g_autoptr(YpRecord) client = yp_test_client_new ("Helmi", "Nieminen");
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) back = NULL;
  g_autofree char *path = g_strdup (yp_store_get_path (f->store));
  gboolean done = FALSE, changed = FALSE;

  g_signal_connect (f->store, "changed", G_CALLBACK (on_changed), &changed);
  yp_store_save_async (f->store, client, TRUE, NULL, save_done_cb, &done);
  g_assert_true (yp_test_wait_for (&done, 10000));
  g_assert_true (yp_test_wait_for (&changed, 10000));
  g_assert_nonnull (yp_record_get_id (client));

  g_clear_object (&f->store);
  f->store = yp_store_open (path, &error);
  g_assert_no_error (error);
  back = yp_store_get (f->store, yp_schema_lookup ("client"), yp_record_get_id (client), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (yp_record_get_string (back, "last_name"), ==, "Nieminen");
  g_assert_nonnull (yp_store_get_me_id (f->store));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add ("/store/" name, Fixture, NULL, setup, func, teardown)
  ADD ("open-settings", test_open_settings);
  ADD ("insert-outbox", test_insert_writes_outbox);
  ADD ("update-outbox", test_update_writes_changed_fields);
  ADD ("atomic", test_failed_write_leaves_nothing);
  ADD ("profile-audit", test_profile_and_audit);
  ADD ("demo-local", test_demo_clients_stay_local);
  ADD ("queries", test_client_queries);
  ADD ("queries-follow-changes", test_queries_follow_changes);
  ADD ("async-save-reopen", test_async_save_and_reopen);
  g_test_add_func ("/store/no-profile", test_no_profile);
  return g_test_run ();
}
