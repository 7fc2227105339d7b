/* test-plan.c — the stage map and the shared plan in the store, on a real temporary database:
 * the template is data, phases advance in one call, plan entries are ordinary writes with
 * outbox entries that survive a crash, agreed versions are kept and compared. */
#include "config.h"

#include <unistd.h>

#include "yp-client-summary.h"
#include "yp-plan.h"
#include "yp-stages.h"
#include "yp-test-util.h"
#include "yp-util.h"

typedef struct
{
  char    *dir;
  YpStore *store;
  char    *client_id;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");

  f->store = yp_test_store_new (&f->dir);
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_no_error (error);
  g_assert_true (yp_store_insert (f->store, client, &error));
  g_assert_no_error (error);
  f->client_id = g_strdup (yp_record_get_id (client));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->client_id);
}

static char *
sql (Fixture *f, const char *query)
{
  return yp_test_sql_text (yp_store_get_path (f->store), query);
}

static void
test_template_is_data (void)
{
  g_autoptr(GError) error = NULL;
  const YpStageTemplate *tmpl = yp_stage_template_get ("default", &error);
  YpStageTemplate *other;

  g_assert_no_error (error);
  g_assert_nonnull (tmpl);
  g_assert_cmpuint (yp_stage_template_get_n_phases (tmpl), ==, 7);
  g_assert_cmpstr (yp_stage_template_get_key (tmpl, 0), ==, "identification");
  g_assert_cmpstr (yp_stage_template_get_key (tmpl, 6), ==, "closing");
  g_assert_cmpstr (yp_stage_template_get_name (tmpl, 2, "fi"), ==,
                   "Kokonaisvaltainen arviointi");
  g_assert_cmpstr (yp_stage_template_get_name (tmpl, 2, "sv"), ==, "Helhetsbedömning");
  g_assert_cmpstr (yp_stage_template_get_name (tmpl, 2, "en"), ==, "Holistic assessment");
  /* Every phase has a client text and a professional note in every language. */
  for (guint i = 0; i < 7; i++)
    for (const char * const *l = (const char * const[]) { "fi", "sv", "en", NULL }; *l; l++)
      {
        g_assert_cmpuint (strlen (yp_stage_template_get_client_text (tmpl, i, *l)), >, 20);
        g_assert_cmpuint (strlen (yp_stage_template_get_professional_note (tmpl, i, *l)), >, 20);
      }
  g_assert_null (yp_stage_template_get ("no-such-model", &error));
  g_assert_error (error, YP_STORE_ERROR, YP_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Another care model is only another JSON document. */
  other = yp_stage_template_parse (
    "{\"id\":\"case_manager\",\"title\":{\"fi\":\"Case Manager\",\"sv\":\"Case Manager\","
    "\"en\":\"Case Manager\"},\"phases\":[{\"key\":\"referral\","
    "\"name\":{\"fi\":\"Lähete\",\"sv\":\"Remiss\",\"en\":\"Referral\"},"
    "\"client_text\":{\"fi\":\"a\",\"sv\":\"b\",\"en\":\"c\"},"
    "\"professional_note\":{\"fi\":\"d\",\"sv\":\"e\",\"en\":\"f\"}}]}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (yp_stage_template_get_n_phases (other), ==, 1);
  g_assert_cmpstr (yp_stage_template_get_name (other, 0, "sv"), ==, "Remiss");
  yp_stage_template_free (other);

  /* A phase without its Swedish name is refused, not shown half-empty to a client. */
  g_assert_null (yp_stage_template_parse (
    "{\"id\":\"x\",\"title\":{\"fi\":\"a\",\"sv\":\"b\",\"en\":\"c\"},\"phases\":[{\"key\":\"k\","
    "\"name\":{\"fi\":\"a\",\"en\":\"c\"},\"client_text\":{\"fi\":\"a\",\"sv\":\"b\",\"en\":\"c\"},"
    "\"professional_note\":{\"fi\":\"a\",\"sv\":\"b\",\"en\":\"c\"}}]}", &error));
  g_assert_nonnull (error);
}

static void
test_stages_advance (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = yp_stages_ensure (f->store, f->client_id, NULL, &error);
  g_autoptr(GPtrArray) again = NULL;
  g_autofree char *today = yp_today_iso ();
  g_autofree char *stage = NULL;
  g_autofree char *outbox = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 7);
  g_assert_cmpstr (yp_record_get_string (rows->pdata[0], "status"), ==, "current");
  g_assert_cmpstr (yp_record_get_string (rows->pdata[0], "started_on"), ==, today);
  g_assert_cmpstr (yp_record_get_string (rows->pdata[1], "status"), ==, "upcoming");
  stage = sql (f, "SELECT stage FROM clients");
  g_assert_cmpstr (stage, ==, "1");

  /* A second call makes nothing new. */
  again = yp_stages_ensure (f->store, f->client_id, NULL, &error);
  g_assert_cmpuint (again->len, ==, 7);
  g_clear_pointer (&again, g_ptr_array_unref);

  g_assert_true (yp_stages_advance (f->store, f->client_id, &error));
  g_assert_no_error (error);
  again = yp_stages_list (f->store, f->client_id, &error);
  g_assert_cmpstr (yp_record_get_string (again->pdata[0], "status"), ==, "done");
  g_assert_cmpstr (yp_record_get_string (again->pdata[0], "done_on"), ==, today);
  g_assert_cmpstr (yp_record_get_string (again->pdata[0], "updated_by"), ==,
                   yp_store_get_me_id (f->store));
  g_assert_cmpstr (yp_record_get_string (again->pdata[1], "status"), ==, "current");
  g_assert_cmpstr (yp_record_get_string (again->pdata[1], "started_on"), ==, today);
  g_free (stage);
  stage = sql (f, "SELECT stage FROM clients");
  g_assert_cmpstr (stage, ==, "2");
  outbox = sql (f, "SELECT count(*) FROM outbox WHERE entity = 'stage' AND op = 'update'");
  g_assert_cmpstr (outbox, ==, "2");
  g_clear_pointer (&again, g_ptr_array_unref);

  /* Skip phase 3: advancing goes from 2 to 4. */
  g_assert_true (yp_stages_set_status (f->store, yp_record_get_id (rows->pdata[2]), "skipped",
                                       &error));
  g_assert_true (yp_stages_advance (f->store, f->client_id, &error));
  again = yp_stages_list (f->store, f->client_id, &error);
  g_assert_cmpstr (yp_record_get_string (again->pdata[2], "status"), ==, "skipped");
  g_assert_cmpstr (yp_record_get_string (again->pdata[3], "status"), ==, "current");
  g_free (stage);
  stage = sql (f, "SELECT stage FROM clients");
  g_assert_cmpstr (stage, ==, "4");
  g_clear_pointer (&again, g_ptr_array_unref);

  /* Going back to phase 2 makes 4 upcoming again. */
  g_assert_true (yp_stages_set_status (f->store, yp_record_get_id (rows->pdata[1]), "current",
                                       &error));
  again = yp_stages_list (f->store, f->client_id, &error);
  g_assert_cmpstr (yp_record_get_string (again->pdata[1], "status"), ==, "current");
  g_assert_cmpstr (yp_record_get_string (again->pdata[3], "status"), ==, "upcoming");
  g_clear_pointer (&again, g_ptr_array_unref);

  g_assert_true (yp_stages_set_note (f->store, yp_record_get_id (rows->pdata[1]),
                                     "Soitettu tyttärelle", &error));
  g_free (outbox);
  outbox = sql (f, "SELECT note FROM stages WHERE position = 2");
  g_assert_cmpstr (outbox, ==, "Soitettu tyttärelle");

  /* 2 → 4 (3 stays skipped) → 5 → 6 → 7 → all done; then nothing is left to advance. */
  for (int i = 0; i < 5; i++)
    g_assert_true (yp_stages_advance (f->store, f->client_id, &error));
  g_assert_false (yp_stages_advance (f->store, f->client_id, &error));
  g_assert_error (error, YP_STORE_ERROR, YP_STORE_ERROR_FAILED);
  g_free (stage);
  stage = sql (f, "SELECT stage FROM clients");
  g_assert_cmpstr (stage, ==, "7");
}

static void
test_stages_follow_existing_stage (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("client"));
  g_autoptr(GPtrArray) rows = NULL;

  yp_record_set_string (change, "id", f->client_id);
  yp_record_set_int (change, "stage", 4);
  g_assert_true (yp_store_update (f->store, change, &error));
  rows = yp_stages_ensure (f->store, f->client_id, NULL, &error);
  g_assert_cmpstr (yp_record_get_string (rows->pdata[2], "status"), ==, "done");
  g_assert_cmpstr (yp_record_get_string (rows->pdata[3], "status"), ==, "current");
  g_assert_cmpstr (yp_record_get_string (rows->pdata[4], "status"), ==, "upcoming");
}

static void
test_plan_entries (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) goal = yp_plan_add_entry (f->store, f->client_id, "goal",
                                                "Haluan käydä itse kaupassa", &error);
  g_autoptr(YpRecord) action = yp_plan_add_entry (f->store, f->client_id, "action",
                                                  "Kauppakassipalvelu", &error);
  g_autoptr(YpRecord) resource = yp_plan_add_entry (f->store, f->client_id, "resource",
                                                    "Tytär asuu lähellä", &error);
  g_autoptr(YpRecord) empty = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *value = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (yp_record_get_string (action, "action_status"), ==, "planned");
  rows = yp_plan_list_entries (f->store, f->client_id, &error);
  g_assert_cmpuint (rows->len, ==, 3);
  /* Plan order: goals, resources, needs, actions. */
  g_assert_cmpstr (yp_record_get_string (rows->pdata[0], "section"), ==, "goal");
  g_assert_cmpstr (yp_record_get_string (rows->pdata[1], "section"), ==, "resource");
  g_assert_cmpstr (yp_record_get_string (rows->pdata[2], "section"), ==, "action");
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* An entry needs its text. */
  empty = yp_plan_add_entry (f->store, f->client_id, "goal", "", &error);
  g_assert_null (empty);
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_REQUIRED);
  g_clear_error (&error);

  g_assert_true (yp_plan_set_entry_field (f->store, yp_record_get_id (action), "responsible",
                                          "Lahden Martat ry", &error));
  g_assert_true (yp_plan_set_entry_field (f->store, yp_record_get_id (action), "due_on",
                                          "2026-12-01", &error));
  g_assert_true (yp_plan_set_entry_field (f->store, yp_record_get_id (action), "action_status",
                                          "in_progress", &error));
  g_assert_false (yp_plan_set_entry_field (f->store, yp_record_get_id (action), "action_status",
                                           "maybe", &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_ENUM);
  g_clear_error (&error);
  value = sql (f, "SELECT responsible || '|' || due_on || '|' || action_status"
                  " FROM plan_entries WHERE section = 'action'");
  g_assert_cmpstr (value, ==, "Lahden Martat ry|2026-12-01|in_progress");
  g_free (value);
  value = sql (f, "SELECT count(*) FROM outbox WHERE entity = 'plan_entry'");
  g_assert_cmpstr (value, ==, "6");

  g_assert_true (yp_plan_remove_entry (f->store, yp_record_get_id (resource), &error));
  rows = yp_plan_list_entries (f->store, f->client_id, &error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_free (value);
  /* A tombstone, so the removal syncs. */
  value = sql (f, "SELECT deleted FROM plan_entries WHERE section = 'resource'");
  g_assert_cmpstr (value, ==, "1");
}

/* A field edit is committed when the call returns: a process that dies right after it
 * (no clean close, no flush) leaves the edit and its outbox entry in the file. */
static void
test_edit_survives_crash (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) goal = yp_plan_add_entry (f->store, f->client_id, "goal", "Alku", &error);
  g_autofree char *path = g_strdup (yp_store_get_path (f->store));
  g_autofree char *text = NULL;
  g_autofree char *outbox = NULL;

  if (g_test_subprocess ())
    {
      YpStore *other = yp_store_open (g_getenv ("YP_TEST_DB"), &error);

      g_assert_no_error (error);
      yp_plan_set_entry_field (other, g_getenv ("YP_TEST_ENTRY"), "text",
                               "Haluan asua kotona", &error);
      _exit (error == NULL ? 0 : 3);
    }
  g_setenv ("YP_TEST_DB", path, TRUE);
  g_setenv ("YP_TEST_ENTRY", yp_record_get_id (goal), TRUE);
  g_test_trap_subprocess ("/plan/edit-survives-crash", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  text = sql (f, "SELECT text FROM plan_entries");
  g_assert_cmpstr (text, ==, "Haluan asua kotona");
  outbox = sql (f, "SELECT count(*) FROM outbox WHERE entity = 'plan_entry' AND op = 'update'"
                   " AND fields LIKE '%Haluan asua kotona%'");
  g_assert_cmpstr (outbox, ==, "1");
}

static void
test_agree_and_compare (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) goal = yp_plan_add_entry (f->store, f->client_id, "goal",
                                                "Haluan asua kotona", &error);
  g_autoptr(YpRecord) need = yp_plan_add_entry (f->store, f->client_id, "need",
                                                "Kotihoito", &error);
  g_autoptr(YpRecord) v1 = yp_plan_agree (f->store, f->client_id, "in_person", "2026-12-01",
                                          &error);
  g_autoptr(YpRecord) v2 = NULL;
  g_autoptr(YpRecord) added = NULL;
  g_autoptr(GPtrArray) versions = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autofree char *due = NULL;
  YpPlanChange *c;

  g_assert_no_error (error);
  g_assert_cmpstr (yp_record_get_string (v1, "recorded_by"), ==, yp_store_get_me_id (f->store));
  due = sql (f, "SELECT review_due FROM clients");
  g_assert_cmpstr (due, ==, "2026-12-01");

  /* Edit, add and remove after agreeing: the agreed version does not change. */
  g_assert_true (yp_plan_set_entry_field (f->store, yp_record_get_id (need), "hidden_need", "1",
                                          &error));
  g_assert_true (yp_plan_set_entry_field (f->store, yp_record_get_id (need), "text",
                                          "Kotihoito ja ateriapalvelu", &error));
  g_assert_true (yp_plan_remove_entry (f->store, yp_record_get_id (goal), &error));
  added = yp_plan_add_entry (f->store, f->client_id, "action", "Muistitutkimus", &error);
  g_assert_no_error (error);

  g_assert_null (yp_plan_agree (f->store, f->client_id, "phone", "1.2.2027", &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT);
  g_clear_error (&error);
  v2 = yp_plan_agree (f->store, f->client_id, "phone", "2027-02-01", &error);
  g_assert_no_error (error);

  versions = yp_plan_list_versions (f->store, f->client_id, &error);
  g_assert_cmpuint (versions->len, ==, 2);
  g_assert_cmpstr (yp_record_get_id (versions->pdata[0]), ==, yp_record_get_id (v2));
  g_assert_cmpstr (yp_record_get_string (versions->pdata[1], "agreed_method"), ==, "in_person");
  g_assert_true (strstr (yp_record_get_string (versions->pdata[1], "snapshot"),
                         "Haluan asua kotona") != NULL);

  changes = yp_plan_compare (yp_record_get_string (v1, "snapshot"),
                             yp_record_get_string (v2, "snapshot"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 3);
  c = changes->pdata[0];
  g_assert_cmpint (c->kind, ==, YP_PLAN_CHANGE_CHANGED);
  g_assert_cmpstr (yp_record_get_string (c->old_entry, "text"), ==, "Kotihoito");
  g_assert_cmpstr (yp_record_get_string (c->new_entry, "text"), ==,
                   "Kotihoito ja ateriapalvelu");
  g_assert_true (g_strv_contains ((const char * const *) c->fields, "hidden_need"));
  g_assert_true (g_strv_contains ((const char * const *) c->fields, "text"));
  c = changes->pdata[1];
  g_assert_cmpint (c->kind, ==, YP_PLAN_CHANGE_ADDED);
  g_assert_cmpstr (yp_record_get_string (c->new_entry, "text"), ==, "Muistitutkimus");
  c = changes->pdata[2];
  g_assert_cmpint (c->kind, ==, YP_PLAN_CHANGE_REMOVED);
  g_assert_cmpstr (yp_record_get_string (c->old_entry, "text"), ==, "Haluan asua kotona");

  /* A version compared with itself has no differences. */
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = yp_plan_compare (yp_record_get_string (v2, "snapshot"),
                             yp_record_get_string (v2, "snapshot"), &error);
  g_assert_cmpuint (changes->len, ==, 0);
}

static void
test_review_overdue_in_summary (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GPtrArray) summaries = NULL;
  YpClientSummary *s;

  g_assert_true (yp_plan_set_review_date (f->store, f->client_id, "2020-01-31", &error));
  rows = yp_store_query_client_rows (f->store, NULL, YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME,
                                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  summaries = yp_store_load_client_summaries (f->store, (gint64 *) rows->data, rows->len,
                                              &error);
  s = summaries->pdata[0];
  g_assert_cmpstr (yp_client_summary_get_review_due (s), ==, "2020-01-31");
  g_assert_true (yp_client_summary_get_review_overdue (s));
  g_assert_true (yp_plan_review_is_overdue ("2020-01-31"));
  g_assert_false (yp_plan_review_is_overdue ("2999-01-01"));
  g_assert_false (yp_plan_review_is_overdue (NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plan/template-is-data", test_template_is_data);
#define ADD(name, func) g_test_add ("/plan/" name, Fixture, NULL, setup, func, teardown)
  ADD ("stages-advance", test_stages_advance);
  ADD ("stages-follow-existing-stage", test_stages_follow_existing_stage);
  ADD ("entries", test_plan_entries);
  ADD ("edit-survives-crash", test_edit_survives_crash);
  ADD ("agree-and-compare", test_agree_and_compare);
  ADD ("review-overdue-in-summary", test_review_overdue_in_summary);
  return g_test_run ();
}
