/* test-client-print.c — "Export PDF" for the client: the PDF's text (read back with
 * pdftotext) is in the client's own language, whatever the UI language (en in tests). */
#include "config.h"

#include <adwaita.h>

#include "yp-client-print.h"
#include "yp-participants.h"
#include "yp-plan.h"
#include "yp-stages.h"
#include "yp-test-util.h"

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
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* A client in @lang with a plan; advanced to phase 3. Returns the client id. */
static char *
make_client (Fixture *f, const char *first, const char *last, const char *lang,
             const char *goal, const char *action, const char *who)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) client = yp_test_client_new (first, last);
  g_autoptr(YpRecord) g = NULL, a = NULL, v = NULL;

  yp_record_set_string (client, "language", lang);
  yp_record_set_string (client, "responsible_id", yp_store_get_me_id (f->store));
  g_assert_true (yp_store_insert (f->store, client, &error));
  g_assert_true (yp_stages_advance (f->store, yp_record_get_id (client), &error));
  g_assert_true (yp_stages_advance (f->store, yp_record_get_id (client), &error));
  g = yp_plan_add_entry (f->store, yp_record_get_id (client), "goal", goal, &error);
  a = yp_plan_add_entry (f->store, yp_record_get_id (client), "action", action, &error);
  g_assert_true (yp_plan_set_entry_field (f->store, yp_record_get_id (a), "responsible", who,
                                          &error));
  g_assert_true (yp_plan_set_entry_field (f->store, yp_record_get_id (a), "due_on", "2026-12-01",
                                          &error));
  v = yp_plan_agree (f->store, yp_record_get_id (client), "in_person", "2027-01-15", &error);
  g_assert_no_error (error);
  return g_strdup (yp_record_get_id (client));
}

static char *
export_and_read (Fixture *f, const char *client_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = g_build_filename (f->dir, "plan.pdf", NULL);
  g_autofree char *out = NULL;
  const char *argv[] = { "pdftotext", "-layout", "-enc", "UTF-8", pdf, "-", NULL };
  int status = 0;

  g_assert_true (yp_client_print_export_pdf (f->store, client_id, pdf, &error));
  g_assert_no_error (error);
  /* To look at the paper a client gets: YP_SCREENSHOT_DIR keeps a copy of each PDF. */
  if (g_getenv ("YP_SCREENSHOT_DIR") != NULL)
    {
      g_autofree char *copy = g_strdup_printf ("%s/printout-%s.pdf", g_getenv ("YP_SCREENSHOT_DIR"),
                                               client_id);
      g_autofree char *bytes = NULL;
      gsize len;

      if (g_file_get_contents (pdf, &bytes, &len, NULL))
        g_file_set_contents (copy, bytes, len, NULL);
    }
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  return g_steal_pointer (&out);
}

static void
assert_contains (const char *text, const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("“%s” not in the PDF text:\n%s", needle, text);
}

static void
assert_lacks (const char *text, const char *needle)
{
  if (strstr (text, needle) != NULL)
    g_error ("“%s” should not be in the PDF text:\n%s", needle, text);
}

static void
test_pdf_finnish (Fixture *f, gconstpointer data)
{
  g_autofree char *id = make_client (f, "Aino", "Virtanen", "fi", "Haluan käydä itse kaupassa",
                                     "Kauppakassipalvelu", "Lahden Martat ry");
  g_autofree char *text = export_and_read (f, id);
  g_autofree char *audit = NULL;

  assert_contains (text, "Aino Virtanen");
  assert_contains (text, "Vaihekartta");
  assert_contains (text, "Tunnistaminen");
  assert_contains (text, "Yhteydenotto ja suostumus");
  assert_contains (text, "Olet nyt vaiheessa 3/7: Kokonaisvaltainen arviointi");
  assert_contains (text, "Päättäminen");
  assert_contains (text, "Omat tavoitteesi");
  assert_contains (text, "Haluan käydä itse kaupassa");
  assert_contains (text, "Kauppakassipalvelu");
  assert_contains (text, "Kuka: Lahden Martat ry");
  assert_contains (text, "Mihin mennessä: 1.12.2026");
  assert_contains (text, "Vastuutyöntekijäsi: Sari Koskinen");
  assert_contains (text, "15.1.2027");
  /* Not the UI language (en in tests), not Swedish. */
  assert_lacks (text, "Holistic assessment");
  assert_lacks (text, "Helhetsbedömning");
  audit = yp_test_sql_text (yp_store_get_path (f->store),
                            "SELECT count(*) FROM audit_events WHERE action = 'export'");
  g_assert_cmpstr (audit, ==, "1");
}

static void
test_pdf_swedish (Fixture *f, gconstpointer data)
{
  g_autofree char *id = make_client (f, "Bertil", "Lindqvist", "sv", "Jag vill bo kvar hemma",
                                     "Hemvård två gånger per dag", "klienten själv");
  g_autofree char *text = export_and_read (f, id);

  assert_contains (text, "Bertil Lindqvist");
  assert_contains (text, "Fasöversikt");
  assert_contains (text, "Identifiering");
  assert_contains (text, "Du är nu i fas 3/7: Helhetsbedömning");
  assert_contains (text, "Avslutning");
  assert_contains (text, "Dina egna mål");
  assert_contains (text, "Jag vill bo kvar hemma");
  assert_contains (text, "Hemvård två gånger per dag");
  assert_contains (text, "Vem: klienten själv");
  assert_contains (text, "Din ansvariga arbetstagare: Sari Koskinen");
  assert_lacks (text, "Vaihekartta");
  assert_lacks (text, "Kokonaisvaltainen arviointi");
}

static void
test_long_plan_has_pages (Fixture *f, gconstpointer data)
{
  g_autofree char *id = make_client (f, "Aino", "Virtanen", "fi", "Tavoite", "Toimi", "Sari");
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 60; i++)
    {
      g_autofree char *t = g_strdup_printf ("Tavoite numero %d omin sanoin", i + 1);
      g_autoptr(YpRecord) e = yp_plan_add_entry (f->store, id, "goal", t, &error);

      g_assert_no_error (error);
    }
  text = export_and_read (f, id);
  /* Every entry is on some page, and the footer counts the pages. */
  assert_contains (text, "Tavoite numero 1 omin sanoin");
  assert_contains (text, "Tavoite numero 60 omin sanoin");
  assert_contains (text, "Sivu 2/");
}

/* A client in @lang whose consent log has every kind of event: a consent in writing with
 * history from a date, a refusal, and access removed with a reason. */
static char *
make_consent_client (Fixture *f, const char *first, const char *last, const char *lang)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) client = yp_test_client_new (first, last);
  g_autofree char *matti = NULL, *liisa = NULL, *pm = NULL, *pl = NULL;

  yp_record_set_string (client, "language", lang);
  g_assert_true (yp_store_insert (f->store, client, &error));
  matti = yp_participants_add_expert (f->store, "Matti Virtanen", "sosiaalityöntekijä",
                                      "Lahden kaupunki", "social", &error);
  g_assert_no_error (error);
  liisa = yp_participants_add_expert (f->store, "Liisa Laine", NULL,
                                      "Lahden Mielenterveysseura", "third_sector", &error);
  g_assert_no_error (error);
  pm = yp_participants_invite (f->store, yp_record_get_id (client), matti, "member", &error);
  g_assert_no_error (error);
  g_assert_true (yp_participants_record_consent (f->store, pm, "written", NULL, "from_date",
                                                 "2026-11-01", &error));
  g_assert_no_error (error);
  pl = yp_participants_invite (f->store, yp_record_get_id (client), liisa, "supporter", &error);
  g_assert_no_error (error);
  g_assert_true (yp_participants_record_declined (f->store, pl, &error));
  g_assert_true (yp_participants_revoke (f->store, pm, "Muutto toiseen kaupunkiin", &error));
  g_assert_no_error (error);
  return g_strdup (yp_record_get_id (client));
}

static char *
export_consent_and_read (Fixture *f, const char *client_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = g_build_filename (f->dir, "consents.pdf", NULL);
  g_autofree char *out = NULL;
  const char *argv[] = { "pdftotext", "-enc", "UTF-8", pdf, "-", NULL };
  int status = 0;

  g_assert_true (yp_client_print_consent_export_pdf (f->store, client_id, pdf, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  /* Wrapped lines are joined, so a sentence can be looked for whole. */
  g_strdelimit (out, "\n", ' ');
  while (strstr (out, "  ") != NULL)
    {
      char *two = strstr (out, "  ");
      memmove (two, two + 1, strlen (two + 1) + 1);
    }
  return g_steal_pointer (&out);
}

static void
test_consent_log_finnish (Fixture *f, gconstpointer data)
{
  g_autofree char *id = make_consent_client (f, "Aino", "Virtanen", "fi");
  g_autofree char *text = export_consent_and_read (f, id);
  g_autofree char *audit = NULL;

  assert_contains (text, "Aino Virtanen");
  assert_contains (text, "Kuka on mukana ja mihin olet suostunut");
  assert_contains (text, "Sari Koskinen (Lahden terveysasema) kutsui mukaan: "
                         "Matti Virtanen (Lahden kaupunki)");
  assert_contains (text, "Annoit suostumuksen kirjallisesti. Mukaan tuli: "
                         "Matti Virtanen (Lahden kaupunki).");
  assert_contains (text, "Hän saa nähdä viestit ja liitteet 1.11.2026 alkaen.");
  assert_contains (text, "Et antanut suostumusta, joten Liisa Laine (Lahden Mielenterveysseura) "
                         "ei tullut mukaan.");
  assert_contains (text, "Toiveestasi käyttöoikeus peruttiin: Matti Virtanen (Lahden kaupunki) "
                         "ei enää näe tietojasi. Syy: Muutto toiseen kaupunkiin");
  /* Not the UI language (en in tests), not Swedish. */
  assert_lacks (text, "consent");
  assert_lacks (text, "samtycke");
  audit = yp_test_sql_text (yp_store_get_path (f->store),
                            "SELECT count(*) FROM audit_events WHERE action = 'export'");
  g_assert_cmpstr (audit, ==, "1");
}

static void
test_consent_log_swedish (Fixture *f, gconstpointer data)
{
  g_autofree char *id = make_consent_client (f, "Bertil", "Lindqvist", "sv");
  g_autofree char *text = export_consent_and_read (f, id);

  assert_contains (text, "Bertil Lindqvist");
  assert_contains (text, "Vem som deltar och vad du har samtyckt till");
  assert_contains (text, "Du gav ditt samtycke skriftligen. Med kom: "
                         "Matti Virtanen (Lahden kaupunki).");
  assert_contains (text, "Hen får se meddelanden och bilagor från och med 1.11.2026.");
  assert_contains (text, "Du gav inte ditt samtycke, så Liisa Laine (Lahden Mielenterveysseura) "
                         "kom inte med.");
  assert_contains (text, "Orsak: Muutto toiseen kaupunkiin");
  assert_lacks (text, "suostumus");
  assert_lacks (text, "consent");
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(name, func) g_test_add ("/client-print/" name, Fixture, NULL, setup, func, teardown)
  ADD ("pdf-finnish", test_pdf_finnish);
  ADD ("pdf-swedish", test_pdf_swedish);
  ADD ("long-plan-has-pages", test_long_plan_has_pages);
  ADD ("consent-log-finnish", test_consent_log_finnish);
  ADD ("consent-log-swedish", test_consent_log_swedish);
  return g_test_run ();
}
