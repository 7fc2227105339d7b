/* The seed 000 participants flow on a real temporary store: who started the space, inviting
 * an expert with the client told who (name and organisation), the client's consent with the
 * history window the client chose, what a late joiner may see, declining, removing access,
 * and who may do what. */
#include "config.h"

#include <string.h>

#include "yp-participants.h"
#include "yp-test-util.h"
#include "yp-util.h"

typedef struct
{
  char     *dir;
  char     *path;
  YpStore  *store;
  char     *client_id;
  char     *sari;   /* me: started the space */
  char     *matti;  /* social services */
  char     *liisa;  /* third sector */
  char     *pekka;  /* employment services */
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");

  f->store = yp_test_store_new (&f->dir);
  f->path = g_strdup (yp_store_get_path (f->store));
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_no_error (error);
  f->sari = g_strdup (yp_store_get_me_id (f->store));
  g_assert_true (yp_store_insert (f->store, client, &error));
  g_assert_no_error (error);
  f->client_id = g_strdup (yp_record_get_id (client));

  f->matti = yp_participants_add_expert (f->store, "Matti Virtanen", "sosiaalityöntekijä",
                                         "Lahden kaupunki", "social", &error);
  g_assert_no_error (error);
  f->liisa = yp_participants_add_expert (f->store, "Liisa Laine", NULL,
                                         "Lahden Mielenterveysseura", "third_sector", &error);
  g_assert_no_error (error);
  f->pekka = yp_participants_add_expert (f->store, "Pekka Salo", "työvalmentaja",
                                         "Työllisyyspalvelut Päijät-Häme", "employment", &error);
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
  g_free (f->matti);
  g_free (f->liisa);
  g_free (f->pekka);
}

static guint
sql_count (Fixture *f, const char *query)
{
  g_autofree char *text = yp_test_sql_text (f->path, query);

  return text ? (guint) g_ascii_strtoull (text, NULL, 10) : 0;
}

/* Signs in as another professional on this device (what a second laptop would be). */
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

/* An ISO time @seconds from now (negative: in the past). */
static char *
time_from_now (gint64 seconds)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) t = g_date_time_add_seconds (now, (double) seconds);

  return g_date_time_format (t, "%Y-%m-%dT%H:%M:%SZ");
}

static char *
date_from_today (int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) t = g_date_time_add_days (now, days);

  return g_date_time_format (t, "%Y-%m-%d");
}

static YpParticipantInfo *
find_info (GPtrArray *infos, const char *professional_id)
{
  for (guint i = 0; i < infos->len; i++)
    {
      YpParticipantInfo *info = infos->pdata[i];

      if (g_strcmp0 (yp_record_get_string (info->participant, "professional_id"),
                     professional_id) == 0)
        return info;
    }
  return NULL;
}

static void
test_creator_is_owner (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) infos = yp_participants_list (f->store, f->client_id, NULL);
  g_autoptr(YpRecord) mine = yp_participants_dup_mine (f->store, f->client_id);
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *outbox = NULL;
  YpParticipantInfo *owner;

  g_assert_cmpuint (infos->len, ==, 1);
  owner = infos->pdata[0];
  g_assert_cmpstr (owner->name, ==, "Sari Koskinen");
  g_assert_cmpstr (owner->organization, ==, "Lahden terveysasema");
  g_assert_cmpstr (yp_record_get_string (owner->participant, "role"), ==, "owner");
  g_assert_cmpstr (yp_record_get_string (owner->participant, "state"), ==, "active");
  g_assert_cmpstr (yp_record_get_string (owner->participant, "history_window"), ==,
                   "everything");
  g_assert_cmpstr (yp_record_get_string (owner->participant, "consent_method"), ==,
                   "in_person");
  g_assert_true (yp_datetime_is_valid (yp_record_get_string (owner->participant,
                                                             "consent_at")));
  g_assert_nonnull (mine);
  g_assert_cmpstr (yp_record_get_id (mine), ==, yp_record_get_id (owner->participant));
  g_assert_true (yp_participants_can_manage (f->store, f->client_id));
  g_assert_true (yp_participants_is_active (f->store, f->client_id, f->sari));
  /* The owner sees everything, however old. */
  g_assert_true (yp_participants_may_see (f->store, f->client_id, f->sari,
                                          "2001-01-01T00:00:00Z"));

  /* The owner row went in with the client, and goes to the server after it. */
  outbox = yp_test_sql_text (f->path, "SELECT group_concat (entity, ',') FROM (SELECT entity"
                                      " FROM outbox WHERE client_id IS NOT NULL ORDER BY seq)");
  g_assert_cmpstr (outbox, ==, "client,participant,consent_event");

  log = yp_participants_describe_log (f->store, f->client_id, NULL);
  g_assert_cmpuint (log->len, ==, 1);
  g_assert_nonnull (strstr (log->pdata[0], "Sari Koskinen (Lahden terveysasema, health "
                                           "services) started the guidance space"));
}

static void
test_invite_notifies_expert_and_client (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = NULL;
  g_autofree char *to_client = NULL;
  g_autofree char *to_expert = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GPtrArray) events = NULL;
  YpParticipantInfo *matti;

  pid = yp_participants_invite (f->store, f->client_id, f->matti, "member", &error);
  g_assert_no_error (error);
  g_assert_nonnull (pid);

  infos = yp_participants_list (f->store, f->client_id, &error);
  g_assert_cmpuint (infos->len, ==, 2);
  matti = find_info (infos, f->matti);
  g_assert_nonnull (matti);
  g_assert_cmpstr (yp_record_get_string (matti->participant, "state"), ==, "invited");
  g_assert_cmpstr (yp_record_get_string (matti->participant, "invited_by"), ==, f->sari);
  g_assert_cmpstr (matti->organization, ==, "Lahden kaupunki");
  g_assert_cmpstr (matti->sector, ==, "social");
  g_assert_cmpstr (matti->title, ==, "sosiaalityöntekijä");
  /* Invited is not joined: nothing to see yet. */
  g_assert_false (yp_participants_is_active (f->store, f->client_id, f->matti));
  g_assert_false (yp_participants_may_see (f->store, f->client_id, f->matti, NULL));

  /* The client is told who is invited and from where. */
  to_client = yp_test_sql_text (f->path, "SELECT text FROM notifications"
                                         " WHERE recipient_kind = 'client'");
  g_assert_nonnull (to_client);
  g_assert_nonnull (strstr (to_client, "Matti Virtanen"));
  g_assert_nonnull (strstr (to_client, "Lahden kaupunki"));
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM notifications"
                                  " WHERE recipient_kind = 'client' AND recipient_id ="
                                  " client_id"), ==, 1);
  /* And so is the expert, by the one who invited. */
  {
    g_autofree char *q = g_strdup_printf ("SELECT text FROM notifications WHERE"
                                          " recipient_kind = 'professional' AND"
                                          " recipient_id = '%s' AND kind = 'invited'", f->matti);
    to_expert = yp_test_sql_text (f->path, q);
  }
  g_assert_nonnull (to_expert);
  g_assert_nonnull (strstr (to_expert, "Sari Koskinen"));

  events = yp_participants_list_consent_log (f->store, f->client_id, &error);
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpstr (yp_record_get_string (events->pdata[1], "event"), ==, "invited");
  g_assert_cmpstr (yp_record_get_string (events->pdata[1], "participant_id"), ==, pid);

  /* Inviting the same expert twice is refused, with the reason. */
  g_assert_null (yp_participants_invite (f->store, f->client_id, f->matti, "member", &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_DUPLICATE);
  g_assert_nonnull (strstr (error->message, "Matti Virtanen"));
  g_clear_error (&error);
  /* An owner is not something one is invited as. */
  g_assert_null (yp_participants_invite (f->store, f->client_id, f->liisa, "owner", &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID);
}

static void
test_consent_windows_and_visibility (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *p_matti = NULL, *p_liisa = NULL, *p_pekka = NULL;
  g_autofree char *hour_ago = time_from_now (-3600);
  g_autofree char *soon = time_from_now (60);
  g_autofree char *ten_days_ago = date_from_today (-10);
  g_autofree char *eleven_days = time_from_now (-11 * 24 * 3600);
  g_autofree char *nine_days = time_from_now (-9 * 24 * 3600);
  g_autofree char *yesterday = date_from_today (-1);
  g_autofree char *tomorrow = date_from_today (1);
  g_autoptr(YpRecord) row = NULL;
  guint before;

  p_matti = yp_participants_invite (f->store, f->client_id, f->matti, "member", &error);
  p_liisa = yp_participants_invite (f->store, f->client_id, f->liisa, "supporter", &error);
  p_pekka = yp_participants_invite (f->store, f->client_id, f->pekka, "coordinator", &error);
  g_assert_no_error (error);

  /* Bad input is refused and changes nothing. */
  g_assert_false (yp_participants_record_consent (f->store, p_matti, "email", NULL, NULL, NULL,
                                                  &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (yp_participants_record_consent (f->store, p_matti, "phone", tomorrow, NULL,
                                                  NULL, &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (yp_participants_record_consent (f->store, p_liisa, "phone", NULL,
                                                  "from_date", NULL, &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (yp_participants_is_active (f->store, f->client_id, f->matti));

  /* From now (the default): Matti joins and sees nothing from before. */
  before = sql_count (f, "SELECT count(*) FROM notifications WHERE kind = 'joined'");
  g_assert_true (yp_participants_record_consent (f->store, p_matti, "phone", yesterday, NULL,
                                                 NULL, &error));
  g_assert_no_error (error);
  row = yp_store_get (f->store, yp_schema_lookup ("participant"), p_matti, NULL);
  g_assert_cmpstr (yp_record_get_string (row, "state"), ==, "active");
  g_assert_cmpstr (yp_record_get_string (row, "consent_method"), ==, "phone");
  g_assert_cmpstr (yp_record_get_string (row, "consent_by"), ==, f->sari);
  g_assert_cmpstr (yp_record_get_string (row, "history_window"), ==, "from_now");
  /* The consent was given yesterday, by phone, and is recorded on that day. */
  {
    g_autofree char *shown = yp_participants_format_date (yp_record_get_string (row,
                                                                               "consent_at"));
    g_autofree char *expected = yp_date_format_fi (yesterday);

    g_assert_cmpstr (shown, ==, expected);
  }
  g_assert_true (yp_participants_is_active (f->store, f->client_id, f->matti));
  g_assert_false (yp_participants_may_see (f->store, f->client_id, f->matti, hour_ago));
  g_assert_true (yp_participants_may_see (f->store, f->client_id, f->matti, soon));
  g_assert_true (yp_participants_may_see (f->store, f->client_id, f->matti,
                                          yp_record_get_string (row, "history_from")));
  /* Everyone active hears who joined: Sari and Matti himself. */
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM notifications WHERE kind = 'joined'"),
                    ==, before + 2);
  {
    g_autofree char *q = g_strdup_printf ("SELECT count(*) FROM notifications WHERE"
                                          " kind = 'joined' AND recipient_id = '%s'"
                                          " AND text LIKE '%%Matti Virtanen%%'", f->sari);
    g_assert_cmpuint (sql_count (f, q), ==, 1);
  }
  /* Consent is recorded once. */
  g_assert_false (yp_participants_record_consent (f->store, p_matti, "phone", NULL, NULL, NULL,
                                                  &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_STATE);
  g_clear_error (&error);

  /* From a date: Liisa sees what came after that day, not before. */
  g_assert_true (yp_participants_record_consent (f->store, p_liisa, "written", NULL,
                                                 "from_date", ten_days_ago, &error));
  g_assert_no_error (error);
  g_assert_false (yp_participants_may_see (f->store, f->client_id, f->liisa, eleven_days));
  g_assert_true (yp_participants_may_see (f->store, f->client_id, f->liisa, nine_days));
  g_assert_true (yp_participants_may_see (f->store, f->client_id, f->liisa, hour_ago));
  /* Three active participants now hear about Liisa. */
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM notifications WHERE kind = 'joined'"),
                    ==, before + 2 + 3);

  /* Everything: Pekka sees the whole history. */
  g_assert_true (yp_participants_record_consent (f->store, p_pekka, "in_person", NULL,
                                                 "everything", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (yp_participants_may_see (f->store, f->client_id, f->pekka, eleven_days));
  g_assert_true (yp_participants_may_see (f->store, f->client_id, f->pekka,
                                          "2001-01-01T00:00:00Z"));
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM notifications WHERE kind = 'joined'"),
                    ==, before + 2 + 3 + 4);

  /* Consent events: invited x3, then consented + joined for each. */
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM consent_events WHERE event ="
                                  " 'consented'"), ==, 3);
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM consent_events WHERE event = 'joined'"),
                    ==, 4);
  /* A stranger sees nothing. */
  g_assert_false (yp_participants_may_see (f->store, f->client_id,
                                           "6f1a3d1e-0000-4000-8000-000000000000", soon));
}

static void
test_decline (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = yp_participants_invite (f->store, f->client_id, f->liisa, "supporter",
                                                 &error);
  g_autofree char *again = NULL;
  g_autoptr(YpRecord) row = NULL;

  g_assert_no_error (error);
  g_assert_true (yp_participants_record_declined (f->store, pid, &error));
  g_assert_no_error (error);
  row = yp_store_get (f->store, yp_schema_lookup ("participant"), pid, NULL);
  g_assert_cmpstr (yp_record_get_string (row, "state"), ==, "declined");
  g_assert_false (yp_participants_is_active (f->store, f->client_id, f->liisa));
  g_assert_false (yp_participants_may_see (f->store, f->client_id, f->liisa, NULL));
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM consent_events WHERE event ="
                                  " 'declined'"), ==, 1);
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM notifications WHERE kind ="
                                  " 'declined'"), ==, 2);
  /* A declined invitation cannot be turned into a consent afterwards. */
  g_assert_false (yp_participants_record_consent (f->store, pid, "phone", NULL, NULL, NULL,
                                                  &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_STATE);
  g_clear_error (&error);
  /* If the client changes their mind later, a new invitation is possible. */
  again = yp_participants_invite (f->store, f->client_id, f->liisa, "supporter", &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
}

static void
test_revoke_removes_everything (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = yp_participants_invite (f->store, f->client_id, f->pekka, "member",
                                                 &error);
  g_autofree char *soon = time_from_now (60);
  g_autoptr(YpRecord) row = NULL;
  g_autoptr(YpRecord) owner = yp_participants_dup_mine (f->store, f->client_id);

  g_assert_true (yp_participants_record_consent (f->store, pid, "in_person", NULL,
                                                 "everything", NULL, &error));
  g_assert_true (yp_participants_may_see (f->store, f->client_id, f->pekka, soon));

  /* A reason is required. */
  g_assert_false (yp_participants_revoke (f->store, pid, "   ", &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (yp_participants_is_active (f->store, f->client_id, f->pekka));

  g_assert_true (yp_participants_revoke (f->store, pid, "Asiakkaan toiveesta", &error));
  g_assert_no_error (error);
  row = yp_store_get (f->store, yp_schema_lookup ("participant"), pid, NULL);
  g_assert_cmpstr (yp_record_get_string (row, "state"), ==, "revoked");
  g_assert_cmpstr (yp_record_get_string (row, "revoke_reason"), ==, "Asiakkaan toiveesta");
  g_assert_true (yp_datetime_is_valid (yp_record_get_string (row, "revoked_at")));
  g_assert_false (yp_participants_is_active (f->store, f->client_id, f->pekka));
  /* Nothing at all any more, not even what was allowed before. */
  g_assert_false (yp_participants_may_see (f->store, f->client_id, f->pekka, soon));
  g_assert_false (yp_participants_may_see (f->store, f->client_id, f->pekka,
                                           "2001-01-01T00:00:00Z"));
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM consent_events WHERE event ="
                                  " 'revoked' AND reason = 'Asiakkaan toiveesta'"), ==, 1);

  /* The owner cannot be removed. */
  g_assert_false (yp_participants_revoke (f->store, yp_record_get_id (owner), "Testi", &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_true (yp_participants_is_active (f->store, f->client_id, f->sari));
}

static void
test_member_cannot_invite (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *p_matti = yp_participants_invite (f->store, f->client_id, f->matti, "member",
                                                     &error);
  g_autofree char *p_pekka = yp_participants_invite (f->store, f->client_id, f->pekka,
                                                     "coordinator", &error);
  g_autofree char *p_liisa = NULL;
  g_autofree char *owner_id = NULL;
  guint participants;

  g_assert_true (yp_participants_record_consent (f->store, p_matti, "phone", NULL, NULL, NULL,
                                                 &error));
  g_assert_true (yp_participants_record_consent (f->store, p_pekka, "phone", NULL, NULL, NULL,
                                                 &error));
  g_assert_no_error (error);
  {
    g_autoptr(YpRecord) owner = yp_participants_dup_mine (f->store, f->client_id);
    owner_id = g_strdup (yp_record_get_id (owner));
  }
  participants = sql_count (f, "SELECT count(*) FROM participants");

  /* Matti, a member, may not invite or remove anyone. */
  become (f, f->matti);
  g_assert_false (yp_participants_can_manage (f->store, f->client_id));
  g_assert_null (yp_participants_invite (f->store, f->client_id, f->liisa, "supporter",
                                         &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "coordinator"));
  g_clear_error (&error);
  g_assert_false (yp_participants_revoke (f->store, p_pekka, "Testi", &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM participants"), ==, participants);

  /* Pekka, a coordinator, may invite and remove, but not the owner. */
  become (f, f->pekka);
  g_assert_true (yp_participants_can_manage (f->store, f->client_id));
  p_liisa = yp_participants_invite (f->store, f->client_id, f->liisa, "supporter", &error);
  g_assert_no_error (error);
  g_assert_nonnull (p_liisa);
  g_assert_false (yp_participants_revoke (f->store, owner_id, "Testi", &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_true (yp_participants_revoke (f->store, p_matti, "Asiakkaan toiveesta", &error));
  g_assert_no_error (error);
}

static void
test_consent_log_in_order (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = yp_participants_invite (f->store, f->client_id, f->matti, "member",
                                                 &error);
  g_autofree char *today = yp_date_format_fi (yp_today_iso ());
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GString) kinds = g_string_new (NULL);
  g_autofree char *expected = NULL;

  g_assert_true (yp_participants_record_consent (f->store, pid, "phone", NULL, "from_now",
                                                 NULL, &error));
  g_assert_true (yp_participants_revoke (f->store, pid, "Asiakkaan toiveesta", &error));
  g_assert_no_error (error);

  events = yp_participants_list_consent_log (f->store, f->client_id, &error);
  for (guint i = 0; i < events->len; i++)
    g_string_append_printf (kinds, "%s%s", kinds->len ? "," : "",
                            yp_record_get_string (events->pdata[i], "event"));
  g_assert_cmpstr (kinds->str, ==, "joined,invited,consented,joined,revoked");

  lines = yp_participants_describe_log (f->store, f->client_id, &error);
  g_assert_no_error (error);
  /* The consent and the joining are one sentence, as the client would say it. */
  g_assert_cmpuint (lines->len, ==, 4);
  g_assert_true (g_str_has_prefix (lines->pdata[1], today));
  g_assert_nonnull (strstr (lines->pdata[1], "Sari Koskinen (Lahden terveysasema, health "
                                             "services) invited Matti Virtanen"));
  expected = g_strdup_printf ("%s The client gave consent by phone: Matti Virtanen (Lahden "
                              "kaupunki, social services) joined. Sees messages and "
                              "attachments from %s onwards.", today, today);
  g_assert_cmpstr (lines->pdata[2], ==, expected);
  g_assert_nonnull (strstr (lines->pdata[3], "no longer has access. Reason: Asiakkaan "
                                             "toiveesta"));
}

static void
test_add_expert (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  guint orgs = sql_count (f, "SELECT count(*) FROM organizations");

  /* A second expert of a known organisation reuses it, whatever the letter case. */
  id = yp_participants_add_expert (f->store, "Kaisa Aho", "ohjaaja", "lahden KAUPUNKI",
                                   "social", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM organizations"), ==, orgs);
  g_clear_pointer (&id, g_free);

  /* Someone already there is pointed to the list instead of added twice. */
  id = yp_participants_add_expert (f->store, "matti virtanen", NULL, "Lahden kaupunki",
                                   "social", &error);
  g_assert_null (id);
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_DUPLICATE);
  g_clear_error (&error);

  /* Missing name or organisation, or an unknown sector: refused, nothing written. */
  g_assert_null (yp_participants_add_expert (f->store, " ", NULL, "Uusi yhdistys ry",
                                             "third_sector", &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (yp_participants_add_expert (f->store, "Outi Uusi", NULL, "", "social",
                                             &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (yp_participants_add_expert (f->store, "Outi Uusi", NULL, "Uusi yhdistys ry",
                                             "church", &error));
  g_assert_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM organizations"), ==, orgs);
}

static void
test_demo_clients_have_owner (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint before = yp_store_count_outbox (f->store, NULL);
  g_autofree char *id = NULL;

  g_assert_true (yp_store_add_demo_clients (f->store, 50, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sql_count (f, "SELECT count(*) FROM participants p JOIN clients c"
                                  " ON c.id = p.client_id WHERE c.is_demo = 1"
                                  " AND p.role = 'owner' AND p.state = 'active'"), ==, 50);
  /* Demo data stays on this device. */
  g_assert_cmpuint (yp_store_count_outbox (f->store, NULL), ==, before);
  id = yp_test_sql_text (f->path, "SELECT id FROM clients WHERE is_demo = 1 LIMIT 1");
  g_assert_true (yp_participants_can_manage (f->store, id));
  {
    g_autofree char *pid = yp_test_sql_text (f->path, "SELECT id FROM participants LIMIT 1"
                                                      " OFFSET 5");
    g_assert_true (yp_uuid_is_valid (pid));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/participants/" name, Fixture, NULL, setup, func, teardown)
  ADD ("creator-is-owner", test_creator_is_owner);
  ADD ("invite-notifies", test_invite_notifies_expert_and_client);
  ADD ("consent-windows", test_consent_windows_and_visibility);
  ADD ("decline", test_decline);
  ADD ("revoke", test_revoke_removes_everything);
  ADD ("member-cannot-invite", test_member_cannot_invite);
  ADD ("consent-log-order", test_consent_log_in_order);
  ADD ("add-expert", test_add_expert);
  ADD ("demo-owner", test_demo_clients_have_owner);
  return g_test_run ();
}
