/* test-follow-ups.c — follow-up calls and home visits, the worklist, WHO-5 and NPS, ending the
 * client relationship and the Today filter of the client list, on a real temporary database. */
#include "config.h"

#include <string.h>

#include "yp-follow-ups.h"
#include "yp-test-util.h"
#include "yp-util.h"

typedef struct
{
  char    *dir;
  YpStore *store;
  char    *today;
  char    *other_id; /* another professional */
} Fixture;

static char *
day (int offset)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) dt = g_date_time_add_days (now, offset);

  return g_date_time_format (dt, "%Y-%m-%d");
}

static char *
add_client (Fixture *f, const char *first, const char *last)
{
  g_autoptr(YpRecord) c = yp_test_client_new (first, last);
  g_autoptr(GError) error = NULL;

  yp_record_set_string (c, "responsible_id", yp_store_get_me_id (f->store));
  g_assert_true (yp_store_insert (f->store, c, &error));
  g_assert_no_error (error);
  return g_strdup (yp_record_get_id (c));
}

static char *
schedule (Fixture *f, const char *client_id, const char *kind, int offset, const char *who)
{
  g_autofree char *due = day (offset);
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) fu = yp_follow_ups_schedule (f->store, client_id, kind, due, who, &error);

  g_assert_no_error (error);
  g_assert_nonnull (fu);
  return g_strdup (yp_record_get_id (fu));
}

static char *
next_follow_up (Fixture *f, const char *client_id)
{
  g_autoptr(YpRecord) c = yp_store_get (f->store, yp_schema_lookup ("client"), client_id, NULL);

  g_assert_nonnull (c);
  return g_strdup (yp_record_get_string (c, "next_follow_up"));
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) other = yp_record_new (yp_schema_lookup ("professional"));

  f->store = yp_test_store_new (&f->dir);
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  yp_record_set_string (other, "name", "Pekka Salo");
  g_assert_true (yp_store_insert (f->store, other, &error));
  g_assert_no_error (error);
  f->other_id = g_strdup (yp_record_get_id (other));
  f->today = yp_today_iso ();
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->today);
  g_free (f->other_id);
}

static void
test_schedule_and_record (Fixture *f, gconstpointer data)
{
  g_autofree char *client = add_client (f, "Aino", "Virtanen");
  g_autofree char *in3 = day (3);
  g_autofree char *in1 = day (1);
  g_autofree char *call = NULL;
  g_autofree char *visit = NULL;
  g_autofree char *next = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(YpRecord) done = NULL;
  g_autoptr(GError) error = NULL;
  YpFollowUpContact contact;
  guint outbox;

  g_assert_null (next_follow_up (f, client));
  call = schedule (f, client, "phone", 3, NULL);
  next = next_follow_up (f, client);
  g_assert_cmpstr (next, ==, in3);
  g_clear_pointer (&next, g_free);
  visit = schedule (f, client, "home_visit", 1, f->other_id);
  next = next_follow_up (f, client);
  g_assert_cmpstr (next, ==, in1);
  g_clear_pointer (&next, g_free);

  /* The signed-in professional makes the call unless someone else is named. */
  list = yp_follow_ups_list (f->store, client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (yp_record_get_id (list->pdata[0]), ==, visit);
  g_assert_cmpstr (yp_record_get_string (list->pdata[0], "assignee_id"), ==, f->other_id);
  g_assert_cmpstr (yp_record_get_string (list->pdata[1], "assignee_id"), ==,
                   yp_store_get_me_id (f->store));
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Bad input is refused with a message, and nothing is saved. */
  g_assert_null (yp_follow_ups_schedule (f->store, client, "letter", in1, NULL, &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_ENUM);
  g_clear_error (&error);
  g_assert_null (yp_follow_ups_schedule (f->store, client, "phone", "31.2.2026", NULL, &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT);
  g_clear_error (&error);

  /* Recording the home visit moves the next follow-up to the call. */
  outbox = yp_store_count_outbox (f->store, client);
  yp_follow_up_contact_init (&contact);
  contact.coping = 4;
  contact.notes = "  Pärjää, kotihoito käy kahdesti päivässä.  ";
  contact.next_step = "Soitto viikon päästä";
  g_assert_true (yp_follow_ups_record (f->store, visit, &contact, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (yp_store_count_outbox (f->store, client), >, outbox);
  next = next_follow_up (f, client);
  g_assert_cmpstr (next, ==, in3);
  g_clear_pointer (&next, g_free);

  done = yp_store_get (f->store, yp_schema_lookup ("follow_up"), visit, NULL);
  g_assert_nonnull (yp_record_get_string (done, "done_at"));
  g_assert_cmpint (yp_record_get_int (done, "coping"), ==, 4);
  g_assert_cmpstr (yp_record_get_string (done, "notes"), ==,
                   "Pärjää, kotihoito käy kahdesti päivässä.");
  g_assert_cmpstr (yp_record_get_string (done, "next_step"), ==, "Soitto viikon päästä");
  g_assert_true (yp_record_is_null (done, "nps"));
  g_assert_true (yp_record_is_null (done, "who5_1"));
  g_assert_cmpint (yp_follow_up_get_who5_score (done), ==, -1);

  /* The list: open first, then done. */
  list = yp_follow_ups_list (f->store, client, &error);
  g_assert_cmpstr (yp_record_get_id (list->pdata[0]), ==, call);
  g_assert_cmpstr (yp_record_get_id (list->pdata[1]), ==, visit);

  /* Coping is what the contact is for: it cannot be left out. */
  yp_follow_up_contact_init (&contact);
  g_assert_false (yp_follow_ups_record (f->store, call, &contact, &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_REQUIRED);
  g_assert_nonnull (strstr (error->message, "copes at home"));
  g_clear_error (&error);

  /* The last open one done: no next follow-up. */
  contact.coping = 5;
  g_assert_true (yp_follow_ups_record (f->store, call, &contact, &error));
  g_assert_no_error (error);
  g_assert_null (next_follow_up (f, client));
}

static void
test_worklist (Fixture *f, gconstpointer data)
{
  g_autofree char *a = add_client (f, "Aino", "Virtanen");
  g_autofree char *b = add_client (f, "Bertil", "Lindqvist");
  g_autofree char *c = add_client (f, "Olli", "Öhman");
  g_autofree char *overdue = schedule (f, a, "phone", -2, NULL);
  g_autofree char *today = schedule (f, b, "home_visit", 0, NULL);
  g_autofree char *tomorrow = schedule (f, b, "phone", 1, NULL);
  g_autofree char *others = schedule (f, a, "phone", -1, f->other_id);
  g_autofree char *ended = schedule (f, c, "phone", -3, NULL);
  g_autofree char *done = schedule (f, c, "phone", -5, NULL);
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GError) error = NULL;
  YpFollowUpContact contact;

  yp_follow_up_contact_init (&contact);
  contact.coping = 3;
  g_assert_true (yp_follow_ups_record (f->store, done, &contact, &error));
  g_assert_true (yp_follow_ups_end_relationship (f->store, c, "moved", "Muutti Ouluun.", &error));
  g_assert_no_error (error);

  due = yp_follow_ups_list_due (f->store, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 2);
  g_assert_cmpstr (yp_record_get_id (due->pdata[0]), ==, overdue);
  g_assert_cmpstr (yp_record_get_id (due->pdata[1]), ==, today);
  g_assert_cmpuint (yp_follow_ups_count_due (f->store, NULL, NULL), ==, 2);
  g_assert_cmpuint (yp_follow_ups_count_due (f->store, f->other_id, NULL), ==, 1);
  /* Tomorrow it is three: tomorrow's call joins. */
  {
    g_autofree char *next_day = day (1);

    g_assert_cmpuint (yp_follow_ups_count_due (f->store, NULL, next_day), ==, 3);
  }

  /* Overdue said in words. */
  {
    g_autofree char *due_today = day (0);
    g_autofree char *past = day (-3);
    g_autofree char *future = day (5);
    g_autofree char *t1 = yp_follow_up_describe_due (past, NULL);
    g_autofree char *t2 = yp_follow_up_describe_due (due_today, NULL);
    g_autofree char *t3 = yp_follow_up_describe_due (future, NULL);

    g_assert_cmpstr (t1, ==, "Overdue by 3 days");
    g_assert_cmpstr (t2, ==, "Due today");
    g_assert_cmpstr (t3, ==, "Due in 5 days");
  }
}

static void
test_who5 (Fixture *f, gconstpointer data)
{
  const int all[5] = { 5, 5, 5, 5, 5 };
  const int none[5] = { 0, 0, 0, 0, 0 };
  const int some[5] = { 3, 4, 2, 5, 1 };
  const int unanswered[5] = { -1, -1, -1, -1, -1 };
  const int partial[5] = { 3, 4, -1, 5, 1 };
  const int too_big[5] = { 3, 4, 6, 5, 1 };
  g_autofree char *client = add_client (f, "Aino", "Virtanen");
  g_autofree char *fu = schedule (f, client, "phone", 0, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) saved = NULL;
  YpFollowUpContact contact;
  int score = 42;

  g_assert_true (yp_who5_score (all, &score, &error));
  g_assert_cmpint (score, ==, 100);
  g_assert_true (yp_who5_score (none, &score, &error));
  g_assert_cmpint (score, ==, 0);
  g_assert_true (yp_who5_score (some, &score, &error));
  g_assert_cmpint (score, ==, 60);
  g_assert_true (yp_who5_score (unanswered, &score, &error));
  g_assert_cmpint (score, ==, -1);
  g_assert_no_error (error);

  g_assert_false (yp_who5_score (partial, &score, &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_REQUIRED);
  g_assert_nonnull (strstr (error->message, "all five"));
  g_clear_error (&error);
  g_assert_false (yp_who5_score (too_big, &score, &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_RANGE);
  g_clear_error (&error);

  /* A partly answered WHO-5 is refused and the follow-up stays open. */
  yp_follow_up_contact_init (&contact);
  contact.coping = 2;
  memcpy (contact.who5, partial, sizeof partial);
  g_assert_false (yp_follow_ups_record (f->store, fu, &contact, &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_REQUIRED);
  g_clear_error (&error);
  saved = yp_store_get (f->store, yp_schema_lookup ("follow_up"), fu, NULL);
  g_assert_true (yp_record_is_null (saved, "done_at"));
  g_clear_pointer (&saved, yp_record_unref);

  memcpy (contact.who5, some, sizeof some);
  g_assert_true (yp_follow_ups_record (f->store, fu, &contact, &error));
  g_assert_no_error (error);
  saved = yp_store_get (f->store, yp_schema_lookup ("follow_up"), fu, NULL);
  g_assert_cmpint (yp_record_get_int (saved, "who5_3"), ==, 2);
  g_assert_cmpint (yp_follow_up_get_who5_score (saved), ==, 60);
}

static void
test_nps (Fixture *f, gconstpointer data)
{
  g_autofree char *client = add_client (f, "Aino", "Virtanen");
  g_autofree char *fu = schedule (f, client, "video", 0, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) saved = NULL;
  YpFollowUpContact contact;

  yp_follow_up_contact_init (&contact);
  contact.coping = 3;
  contact.nps = 11;
  g_assert_false (yp_follow_ups_record (f->store, fu, &contact, &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_RANGE);
  g_assert_nonnull (strstr (error->message, "0 to 10"));
  g_clear_error (&error);
  contact.nps = -2;
  g_assert_false (yp_follow_ups_record (f->store, fu, &contact, &error));
  g_clear_error (&error);

  contact.nps = 10;
  g_assert_true (yp_follow_ups_record (f->store, fu, &contact, &error));
  saved = yp_store_get (f->store, yp_schema_lookup ("follow_up"), fu, NULL);
  g_assert_cmpint (yp_record_get_int (saved, "nps"), ==, 10);
  g_clear_pointer (&saved, yp_record_unref);

  contact.nps = 0;
  g_assert_true (yp_follow_ups_record (f->store, fu, &contact, &error));
  saved = yp_store_get (f->store, yp_schema_lookup ("follow_up"), fu, NULL);
  g_assert_false (yp_record_is_null (saved, "nps"));
  g_assert_cmpint (yp_record_get_int (saved, "nps"), ==, 0);
}

static gboolean
rows_contain (GArray *rows, gint64 rowid)
{
  for (guint i = 0; i < rows->len; i++)
    if (g_array_index (rows, gint64, i) == rowid)
      return TRUE;
  return FALSE;
}

static void
test_end_relationship (Fixture *f, gconstpointer data)
{
  g_autofree char *client = add_client (f, "Aino", "Virtanen");
  g_autofree char *fu = schedule (f, client, "phone", -1, NULL);
  gint64 rowid = yp_store_lookup_client_rowid (f->store, client);
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) saved = NULL;
  g_autoptr(GArray) ended = NULL;
  g_autoptr(GArray) all = NULL;
  g_autoptr(GArray) today = NULL;

  g_assert_false (yp_follow_ups_end_relationship (f->store, client, "goals_reached", "   ",
                                                  &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_REQUIRED);
  g_assert_nonnull (strstr (error->message, "closing summary"));
  g_clear_error (&error);
  g_assert_false (yp_follow_ups_end_relationship (f->store, client, "bored", "Loppu.", &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_ENUM);
  g_clear_error (&error);

  today = yp_store_query_client_rows (f->store, NULL, YP_CLIENT_FILTER_TODAY,
                                      YP_CLIENT_SORT_NAME, &error);
  g_assert_true (rows_contain (today, rowid));
  g_clear_pointer (&today, g_array_unref);

  g_assert_true (yp_follow_ups_end_relationship (f->store, client, "goals_reached",
                                                 "Tavoitteet saavutettu: asuu kotona, "
                                                 "kotihoito jatkuu.", &error));
  g_assert_no_error (error);
  saved = yp_store_get (f->store, yp_schema_lookup ("client"), client, NULL);
  g_assert_cmpstr (yp_record_get_string (saved, "status"), ==, "ended");
  g_assert_cmpstr (yp_record_get_string (saved, "ended_on"), ==, f->today);
  g_assert_cmpstr (yp_record_get_string (saved, "end_reason"), ==, "goals_reached");
  g_assert_cmpstr (yp_record_get_string (saved, "end_summary"), ==,
                   "Tavoitteet saavutettu: asuu kotona, kotihoito jatkuu.");
  g_assert_null (yp_record_get_string (saved, "next_follow_up"));

  ended = yp_store_query_client_rows (f->store, NULL, YP_CLIENT_FILTER_ENDED,
                                      YP_CLIENT_SORT_NAME, &error);
  all = yp_store_query_client_rows (f->store, NULL, YP_CLIENT_FILTER_ALL,
                                    YP_CLIENT_SORT_NAME, &error);
  today = yp_store_query_client_rows (f->store, NULL, YP_CLIENT_FILTER_TODAY,
                                      YP_CLIENT_SORT_NAME, &error);
  g_assert_true (rows_contain (ended, rowid));
  g_assert_false (rows_contain (all, rowid));
  g_assert_false (rows_contain (today, rowid));
  g_assert_cmpuint (yp_follow_ups_count_due (f->store, NULL, NULL), ==, 0);

  /* Ended is ended: no second ending, no new follow-ups. */
  g_assert_false (yp_follow_ups_end_relationship (f->store, client, "other", "Taas.", &error));
  g_assert_nonnull (strstr (error->message, "already ended"));
  g_clear_error (&error);
  g_assert_null (yp_follow_ups_schedule (f->store, client, "phone", f->today, NULL, &error));
  g_assert_nonnull (error);
}

static void
add_participant (Fixture *f, const char *client_id, const char *state)
{
  g_autoptr(YpRecord) p = yp_record_new (yp_schema_lookup ("participant"));
  g_autoptr(GError) error = NULL;

  yp_record_set_string (p, "client_id", client_id);
  yp_record_set_string (p, "professional_id", f->other_id);
  yp_record_set_string (p, "state", state);
  g_assert_true (yp_store_insert (f->store, p, &error));
  g_assert_no_error (error);
}

static void
set_client_date (Fixture *f, const char *client_id, const char *field, int offset)
{
  g_autoptr(YpRecord) c = yp_record_new (yp_schema_lookup ("client"));
  g_autofree char *date = day (offset);
  g_autoptr(GError) error = NULL;

  yp_record_set_string (c, "id", client_id);
  yp_record_set_string (c, field, date);
  g_assert_true (yp_store_update (f->store, c, &error));
  g_assert_no_error (error);
}

static char *
rows_text (GArray *rows)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "",
                            g_array_index (rows, gint64, i));
  return g_string_free (s, FALSE);
}

static int
compare_rowids (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
test_today_filter (Fixture *f, gconstpointer data)
{
  struct { const char *first; const char *last; gboolean expected; } people[] = {
    { "Aino", "Overdue", TRUE },
    { "Bertil", "DueToday", TRUE },
    { "Cecilia", "Tomorrow", FALSE },
    { "Daniel", "ReviewDue", TRUE },
    { "Eeva", "ReviewLater", FALSE },
    { "Frans", "ConsentWaiting", TRUE },
    { "Greta", "ConsentGiven", FALSE },
    { "Harri", "EndedOverdue", FALSE },
    { "Inga", "Recorded", FALSE },
  };
  char *ids[G_N_ELEMENTS (people)];
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autofree char *got = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *sql = NULL;
  YpFollowUpContact contact;

  for (guint i = 0; i < G_N_ELEMENTS (people); i++)
    ids[i] = add_client (f, people[i].first, people[i].last);
  g_free (schedule (f, ids[0], "phone", -4, NULL));
  g_free (schedule (f, ids[1], "home_visit", 0, f->other_id));
  g_free (schedule (f, ids[2], "phone", 1, NULL));
  set_client_date (f, ids[3], "review_due", 0);
  set_client_date (f, ids[4], "review_due", 7);
  add_participant (f, ids[5], "invited");
  add_participant (f, ids[6], "active");
  g_free (schedule (f, ids[7], "phone", -4, NULL));
  set_client_date (f, ids[7], "review_due", -1);
  {
    g_autoptr(YpRecord) c = yp_record_new (yp_schema_lookup ("client"));

    yp_record_set_string (c, "id", ids[7]);
    yp_record_set_string (c, "status", "ended");
    g_assert_true (yp_store_update (f->store, c, &error));
  }
  {
    g_autofree char *fu = schedule (f, ids[8], "phone", -1, NULL);

    yp_follow_up_contact_init (&contact);
    contact.coping = 5;
    g_assert_true (yp_follow_ups_record (f->store, fu, &contact, &error));
  }

  /* Exactly the due, overdue, consent-waiting and review-due clients. */
  rows = yp_store_query_client_rows (f->store, NULL, YP_CLIENT_FILTER_TODAY,
                                     YP_CLIENT_SORT_NAME, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (people); i++)
    {
      gboolean found = rows_contain (rows, yp_store_lookup_client_rowid (f->store, ids[i]));

      if (found != people[i].expected)
        g_error ("%s %s: in Today = %d, expected %d", people[i].first, people[i].last, found,
                 people[i].expected);
    }
  g_assert_cmpuint (rows->len, ==, 4);
  g_clear_pointer (&rows, g_array_unref);

  /* Search works inside the Today list too. */
  rows = yp_store_query_client_rows (f->store, "frans", YP_CLIENT_FILTER_TODAY,
                                     YP_CLIENT_SORT_NEXT_FOLLOW_UP, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_array_unref);

  /* With 20 000 demo clients the filter still gives exactly what the data says (checked
   * against a plain SQL query over every client). */
  g_assert_true (yp_store_add_demo_clients (f->store, 20000, &error));
  g_assert_no_error (error);
  rows = yp_store_query_client_rows (f->store, NULL, YP_CLIENT_FILTER_TODAY,
                                     YP_CLIENT_SORT_NEXT_FOLLOW_UP, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, >, 1000);
  g_array_sort (rows, compare_rowids);
  got = rows_text (rows);
  sql = g_strdup_printf ("SELECT group_concat(rowid) FROM (SELECT rowid FROM clients c"
                         " WHERE deleted = 0 AND status != 'ended' AND (next_follow_up <= '%s'"
                         " OR review_due <= '%s' OR EXISTS (SELECT 1 FROM participants p"
                         " WHERE p.client_id = c.id AND p.state = 'invited' AND p.deleted = 0))"
                         " ORDER BY rowid)", f->today, f->today);
  expected = yp_test_sql_text (yp_store_get_path (f->store), sql);
  g_assert_cmpstr (got, ==, expected);

  for (guint i = 0; i < G_N_ELEMENTS (people); i++)
    g_free (ids[i]);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/follow-ups/schedule-and-record", test_schedule_and_record);
  ADD ("/follow-ups/worklist", test_worklist);
  ADD ("/follow-ups/who5", test_who5);
  ADD ("/follow-ups/nps", test_nps);
  ADD ("/follow-ups/end-relationship", test_end_relationship);
  ADD ("/follow-ups/today-filter", test_today_filter);
#undef ADD

  return g_test_run ();
}
