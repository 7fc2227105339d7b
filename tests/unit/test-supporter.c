/* The third-sector supporter rule on a real temporary store: a supporter sees the stage map,
 * their own actions and messages, never the client's service needs, other actions, goals,
 * follow-ups or health-related details; and may change only their own actions. */
#include "config.h"

#include <string.h>

#include "yp-follow-ups.h"
#include "yp-participants.h"
#include "yp-plan.h"
#include "yp-test-util.h"
#include "yp-util.h"

typedef struct
{
  char    *dir;
  char    *path;
  YpStore *store;
  char    *client_id;
  char    *sari;     /* the owner */
  char    *liisa;    /* third sector: Lahden Mielenterveysseura */
  char    *p_liisa;  /* Liisa's participant row */
  char    *own_action;
  char    *other_action;
} Fixture;

static YpRecord *
add (Fixture *f, const char *section, const char *text, const char *responsible)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) e = yp_plan_add_entry (f->store, f->client_id, section, text, &error);

  g_assert_no_error (error);
  if (responsible != NULL)
    g_assert_true (yp_plan_set_entry_field (f->store, yp_record_get_id (e), "responsible",
                                            responsible, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&e);
}

static void
become (Fixture *f, const char *professional_id)
{
  g_autofree char *update = g_strdup_printf ("UPDATE local_state SET value = '%s'"
                                             " WHERE key = 'me'", professional_id);
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->store);
  g_free (yp_test_sql_text (f->path, update));
  f->store = yp_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (yp_store_get_me_id (f->store), ==, professional_id);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");
  g_autoptr(YpRecord) own = NULL, other = NULL, g = NULL, n = NULL, fu = NULL, v = NULL;
  g_autoptr(YpRecord) own2 = NULL;

  f->store = yp_test_store_new (&f->dir);
  f->path = g_strdup (yp_store_get_path (f->store));
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  f->sari = g_strdup (yp_store_get_me_id (f->store));
  yp_record_set_string (client, "notes", "Diabetes, insuliinihoito");
  g_assert_true (yp_store_insert (f->store, client, &error));
  g_assert_no_error (error);
  f->client_id = g_strdup (yp_record_get_id (client));
  f->liisa = yp_participants_add_expert (f->store, "Liisa Laine", NULL,
                                         "Lahden Mielenterveysseura", "third_sector", &error);
  g_assert_no_error (error);
  f->p_liisa = yp_participants_invite (f->store, f->client_id, f->liisa, "supporter", &error);
  g_assert_no_error (error);
  g_assert_true (yp_participants_record_consent (f->store, f->p_liisa, "in_person", NULL,
                                                 "from_now", NULL, &error));
  g_assert_no_error (error);

  g = add (f, "goal", "Haluan jaksaa paremmin", NULL);
  n = add (f, "need", "Psykiatrinen hoito", NULL);
  own = add (f, "action", "Vertaistukiryhmä torstaisin", " lahden mielenterveysseura ");
  own2 = add (f, "action", "Kahvihetki", "Liisa Laine");
  other = add (f, "action", "Lääkityksen tarkistus", "Lahden terveysasema");
  f->own_action = g_strdup (yp_record_get_id (own));
  f->other_action = g_strdup (yp_record_get_id (other));
  fu = yp_follow_ups_schedule (f->store, f->client_id, "phone", "2026-12-01", NULL, &error);
  g_assert_no_error (error);
  v = yp_plan_agree (f->store, f->client_id, "in_person", NULL, &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->client_id);
  g_free (f->sari);
  g_free (f->liisa);
  g_free (f->p_liisa);
  g_free (f->own_action);
  g_free (f->other_action);
}

static char *
texts (GPtrArray *entries)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < entries->len; i++)
    g_string_append_printf (s, "%s%s", i ? "|" : "",
                            yp_record_get_string (entries->pdata[i], "text"));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_owner_sees_everything (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = yp_plan_list_entries (f->store, f->client_id, &error);
  g_autoptr(GPtrArray) follow_ups = yp_follow_ups_list (f->store, f->client_id, &error);
  g_autoptr(YpRecord) client = yp_participants_dup_client (f->store, f->client_id, &error);
  g_autofree char *all = texts (entries);

  g_assert_false (yp_participants_is_supporter (f->store, f->client_id));
  g_assert_cmpstr (all, ==, "Haluan jaksaa paremmin|Psykiatrinen hoito|"
                            "Vertaistukiryhmä torstaisin|Kahvihetki|Lääkityksen tarkistus");
  g_assert_cmpuint (follow_ups->len, ==, 1);
  g_assert_cmpstr (yp_record_get_string (client, "notes"), ==, "Diabetes, insuliinihoito");
  g_assert_true (yp_participants_may_use_page (f->store, f->client_id, "follow-ups"));
  g_assert_true (yp_participants_may_use_page (f->store, f->client_id, "details"));
}

static void
test_supporter_sees_own_actions_only (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) versions = NULL;
  g_autoptr(GPtrArray) snap = NULL;
  g_autofree char *mine = NULL, *snapped = NULL, *stored = NULL;

  become (f, f->liisa);
  g_assert_true (yp_participants_is_supporter (f->store, f->client_id));
  entries = yp_plan_list_entries (f->store, f->client_id, &error);
  g_assert_no_error (error);
  mine = texts (entries);
  /* By organisation (case and spaces do not matter) and by name; no goal, no need. */
  g_assert_cmpstr (mine, ==, "Vertaistukiryhmä torstaisin|Kahvihetki");

  /* The agreed version shows the same, not the service needs. */
  versions = yp_plan_list_versions (f->store, f->client_id, &error);
  g_assert_cmpuint (versions->len, ==, 1);
  snap = yp_plan_snapshot_entries (yp_record_get_string (versions->pdata[0], "snapshot"),
                                   &error);
  g_assert_no_error (error);
  snapped = texts (snap);
  g_assert_cmpstr (snapped, ==, "Vertaistukiryhmä torstaisin|Kahvihetki");
  /* The stored version is unchanged for everyone else. */
  stored = yp_test_sql_text (f->path, "SELECT snapshot FROM plan_versions");
  g_assert_nonnull (strstr (stored, "Psykiatrinen hoito"));
}

static void
test_supporter_no_follow_ups_or_health (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) follow_ups = NULL;
  g_autoptr(YpRecord) client = NULL;

  become (f, f->liisa);
  follow_ups = yp_follow_ups_list (f->store, f->client_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (follow_ups->len, ==, 0);
  client = yp_participants_dup_client (f->store, f->client_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (yp_record_get_string (client, "first_name"), ==, "Aino");
  g_assert_true (yp_record_is_null (client, "notes"));
  g_assert_true (yp_record_is_null (client, "next_follow_up"));

  g_assert_true (yp_participants_may_use_page (f->store, f->client_id, "stage-map"));
  g_assert_true (yp_participants_may_use_page (f->store, f->client_id, "plan"));
  g_assert_true (yp_participants_may_use_page (f->store, f->client_id, "messages"));
  g_assert_false (yp_participants_may_use_page (f->store, f->client_id, "follow-ups"));
  g_assert_false (yp_participants_may_use_page (f->store, f->client_id, "details"));
  g_assert_false (yp_participants_may_use_page (f->store, f->client_id, "participants"));
}

static void
test_supporter_changes_own_actions_only (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) other = NULL;

  become (f, f->liisa);
  g_assert_true (yp_plan_set_entry_field (f->store, f->own_action, "action_status", "done",
                                          &error));
  g_assert_no_error (error);
  g_assert_false (yp_plan_set_entry_field (f->store, f->other_action, "text", "Peruttu",
                                           &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (yp_plan_remove_entry (f->store, f->other_action, &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_ALLOWED);
  other = yp_store_get (f->store, yp_schema_lookup ("plan_entry"), f->other_action, NULL);
  g_assert_cmpstr (yp_record_get_string (other, "text"), ==, "Lääkityksen tarkistus");
  g_assert_cmpint (yp_record_get_int (other, "deleted"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/supporter/" name, Fixture, NULL, setup, func, teardown)
  ADD ("owner-sees-everything", test_owner_sees_everything);
  ADD ("sees-own-actions-only", test_supporter_sees_own_actions_only);
  ADD ("no-follow-ups-or-health", test_supporter_no_follow_ups_or_health);
  ADD ("changes-own-actions-only", test_supporter_changes_own_actions_only);
  return g_test_run ();
}
