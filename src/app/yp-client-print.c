/* yp-client-print.c — the stage map and the current plan, and the consent log, printed for
 * the client.
 *
 * The printout follows the CLIENT's preferred language, which is usually not the language of
 * the nurse's screen. gettext answers in the process's language, and switching it per call
 * (setlocale/LANGUAGE) is process-wide and not thread-safe, so it cannot be used here. The
 * phase names and texts come from the stage template (data with fi/sv/en texts); the few fixed
 * headings of the printout are in the small table below, in the three languages the client
 * record allows. One drawing routine serves both the print dialog and the PDF export, so the
 * pages are the same.
 */
#define G_LOG_DOMAIN "yp-client-print"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "yp-client-print.h"
#include "yp-participants.h"
#include "yp-plan.h"
#include "yp-stages.h"
#include "yp-util.h"

typedef enum
{
  S_STAGE_MAP,
  S_NOW_IN_PHASE,     /* %d %d %s */
  S_ALL_DONE,
  S_DONE,
  S_CURRENT,
  S_UPCOMING,
  S_SKIPPED,
  S_PHASE_DONE_ON,    /* %s date */
  S_PHASE_STARTED_ON, /* %s date */
  S_YOUR_PLAN,
  S_AGREED_ON,        /* %s date */
  S_NOT_AGREED,
  S_GOALS,
  S_RESOURCES,
  S_NEEDS,
  S_ACTIONS,
  S_NOTHING_YET,
  S_WHO,              /* %s */
  S_BY,               /* %s date */
  S_PLANNED,
  S_IN_PROGRESS,
  S_ACTION_DONE,
  S_CANCELLED,
  S_RESPONSIBLE,      /* %s */
  S_NO_RESPONSIBLE,
  S_NEXT_REVIEW,      /* %s date */
  S_NO_REVIEW,
  S_CONTACT,
  S_PRINTED_ON,       /* %s date */
  S_PAGE,             /* %d %d */
  S_CONSENT_TITLE,
  S_CONSENT_INTRO,
  S_CONSENT_LOG,
  S_CONSENT_EMPTY,
  S_EV_INVITED,       /* %s inviter, %s expert */
  S_EV_CONSENT_IN_PERSON, /* %s expert */
  S_EV_CONSENT_PHONE, /* %s expert */
  S_EV_CONSENT_WRITTEN, /* %s expert */
  S_EV_SEES_ALL,
  S_EV_SEES_FROM,     /* %s date */
  S_EV_STARTED,       /* %s expert */
  S_EV_JOINED,        /* %s expert */
  S_EV_DECLINED,      /* %s expert */
  S_EV_REVOKED,       /* %s expert, %s reason */
  S_UNKNOWN_EXPERT,
  S_CONSENT_RIGHTS,
  N_STRINGS
} StringId;

/* fi, sv, en */
static const char * const strings[N_STRINGS][3] = {
  [S_STAGE_MAP] = { "Vaihekartta", "Fasöversikt", "Stage map" },
  [S_NOW_IN_PHASE] = { "Olet nyt vaiheessa %d/%d: %s", "Du är nu i fas %d/%d: %s",
                       "You are now in phase %d of %d: %s" },
  [S_ALL_DONE] = { "Kaikki vaiheet on käyty läpi.", "Alla faser är genomgångna.",
                   "All phases are done." },
  [S_DONE] = { "valmis", "klar", "done" },
  [S_CURRENT] = { "käynnissä nyt", "pågår nu", "happening now" },
  [S_UPCOMING] = { "tulossa", "kommande", "coming up" },
  [S_SKIPPED] = { "ohitettu", "överhoppad", "skipped" },
  [S_PHASE_DONE_ON] = { "valmis %s", "klar %s", "done %s" },
  [S_PHASE_STARTED_ON] = { "alkoi %s", "började %s", "started %s" },
  [S_YOUR_PLAN] = { "Suunnitelmasi", "Din plan", "Your plan" },
  [S_AGREED_ON] = { "Sovittu kanssasi %s.", "Överenskommen med dig %s.",
                    "Agreed with you on %s." },
  [S_NOT_AGREED] = { "Suunnitelmaa ei ole vielä sovittu kanssasi.",
                     "Planen har ännu inte gjorts upp tillsammans med dig.",
                     "The plan has not been agreed with you yet." },
  [S_GOALS] = { "Omat tavoitteesi", "Dina egna mål", "Your own goals" },
  [S_RESOURCES] = { "Omat voimavarasi", "Dina egna resurser", "Your own strengths" },
  [S_NEEDS] = { "Palvelut, joita tarvitset", "Tjänster som du behöver",
                "Services you need" },
  [S_ACTIONS] = { "Mitä tehdään", "Vad vi gör", "What will be done" },
  [S_NOTHING_YET] = { "Ei vielä kirjattu.", "Inget antecknat ännu.", "Nothing written yet." },
  [S_WHO] = { "Kuka: %s", "Vem: %s", "Who: %s" },
  [S_BY] = { "Mihin mennessä: %s", "Senast: %s", "By: %s" },
  [S_PLANNED] = { "suunniteltu", "planerad", "planned" },
  [S_IN_PROGRESS] = { "käynnissä", "pågår", "in progress" },
  [S_ACTION_DONE] = { "tehty", "gjord", "done" },
  [S_CANCELLED] = { "peruttu", "inställd", "cancelled" },
  [S_RESPONSIBLE] = { "Vastuutyöntekijäsi: %s", "Din ansvariga arbetstagare: %s",
                      "Your responsible worker: %s" },
  [S_NO_RESPONSIBLE] = { "Vastuutyöntekijää ei ole vielä nimetty.",
                         "Ingen ansvarig arbetstagare har utsetts ännu.",
                         "No responsible worker has been named yet." },
  [S_NEXT_REVIEW] = { "Katsomme suunnitelman yhdessä uudelleen %s.",
                      "Vi går igenom planen tillsammans igen %s.",
                      "We will look at the plan together again on %s." },
  [S_CONTACT] = { "Yhteyshenkilösi ja seuraava arviointi",
                  "Din kontaktperson och nästa utvärdering",
                  "Your contact person and the next review" },
  [S_NO_REVIEW] = { "Seuraavaa arviointia ei ole vielä sovittu.",
                    "Nästa utvärdering har ännu inte bestämts.",
                    "The next review has not been set yet." },
  [S_PRINTED_ON] = { "Tulostettu %s", "Utskriven %s", "Printed %s" },
  [S_PAGE] = { "Sivu %d/%d", "Sida %d/%d", "Page %d of %d" },
  [S_CONSENT_TITLE] = { "Kuka on mukana ja mihin olet suostunut",
                        "Vem som deltar och vad du har samtyckt till",
                        "Who takes part and what you have agreed to" },
  [S_CONSENT_INTRO] = { "Tässä on kaikki, mitä olet päättänyt siitä, ketkä ammattilaiset ovat "
                        "mukana ohjaustilassasi.",
                        "Här är allt du har bestämt om vilka yrkespersoner som deltar i ditt "
                        "handledningsutrymme.",
                        "This is everything you have decided about which professionals take "
                        "part in your guidance space." },
  [S_CONSENT_LOG] = { "Suostumukset aikajärjestyksessä", "Samtycken i tidsordning",
                      "Your consents, oldest first" },
  [S_CONSENT_EMPTY] = { "Ei vielä kirjauksia.", "Inga anteckningar ännu.",
                        "Nothing recorded yet." },
  [S_EV_INVITED] = { "%s kutsui mukaan: %s. Sinulta kysyttiin suostumusta.",
                     "%s bjöd in: %s. Du tillfrågades om ditt samtycke.",
                     "%s invited %s to take part. You were asked for your consent." },
  [S_EV_CONSENT_IN_PERSON] = { "Annoit suostumuksen kasvokkain. Mukaan tuli: %s.",
                               "Du gav ditt samtycke personligen. Med kom: %s.",
                               "You gave your consent in person. %s joined." },
  [S_EV_CONSENT_PHONE] = { "Annoit suostumuksen puhelimessa. Mukaan tuli: %s.",
                           "Du gav ditt samtycke per telefon. Med kom: %s.",
                           "You gave your consent by phone. %s joined." },
  [S_EV_CONSENT_WRITTEN] = { "Annoit suostumuksen kirjallisesti. Mukaan tuli: %s.",
                             "Du gav ditt samtycke skriftligen. Med kom: %s.",
                             "You gave your consent in writing. %s joined." },
  [S_EV_SEES_ALL] = { "Hän saa nähdä kaikki viestit ja liitteet, myös aiemmat.",
                      "Hen får se alla meddelanden och bilagor, även tidigare.",
                      "They may see all messages and attachments, earlier ones too." },
  [S_EV_SEES_FROM] = { "Hän saa nähdä viestit ja liitteet %s alkaen.",
                       "Hen får se meddelanden och bilagor från och med %s.",
                       "They may see messages and attachments from %s onwards." },
  [S_EV_STARTED] = { "%s aloitti ohjaustilan kanssasi.",
                     "%s startade handledningsutrymmet tillsammans med dig.",
                     "%s started the guidance space with you." },
  [S_EV_JOINED] = { "Mukaan tuli: %s.", "Med kom: %s.", "%s joined." },
  [S_EV_DECLINED] = { "Et antanut suostumusta, joten %s ei tullut mukaan.",
                      "Du gav inte ditt samtycke, så %s kom inte med.",
                      "You did not give consent, so %s did not join." },
  [S_EV_REVOKED] = { "Toiveestasi käyttöoikeus peruttiin: %s ei enää näe tietojasi. Syy: %s",
                     "På din begäran återkallades åtkomsten: %s ser inte längre dina uppgifter. "
                     "Orsak: %s",
                     "At your wish, access was removed: %s no longer sees your information. "
                     "Reason: %s" },
  [S_UNKNOWN_EXPERT] = { "tuntematon asiantuntija", "okänd sakkunnig", "an unknown expert" },
  [S_CONSENT_RIGHTS] = { "Voit milloin tahansa pyytää, että jonkun käyttöoikeus perutaan.",
                         "Du kan när som helst be att någons åtkomst återkallas.",
                         "You can ask at any time for someone's access to be removed." },
};

typedef enum { B_TITLE, B_SUBTITLE, B_HEADING, B_PHASE, B_BODY, B_ITEM } BlockStyle;

typedef struct
{
  BlockStyle style;
  char      *text;
} Block;

typedef struct
{
  int     lang;
  char   *client_name;
  char   *printed_on;
  GArray *blocks;      /* Block */
  GArray *page_starts; /* guint: index of the first block of each page */
} Printout;

static const char *
S (Printout *p,
   StringId  id)
{
  return strings[id][p->lang];
}

static void
block_clear (gpointer data)
{
  g_free (((Block *) data)->text);
}

static void
printout_free (Printout *p)
{
  g_free (p->client_name);
  g_free (p->printed_on);
  g_array_unref (p->blocks);
  g_array_unref (p->page_starts);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Printout, printout_free)

static void
add (Printout   *p,
     BlockStyle  style,
     char       *text)
{
  Block b = { style, text };

  g_array_append_val (p->blocks, b);
}

static char *
date_fi (const char *iso)
{
  return iso ? yp_date_format_fi (iso) : g_strdup ("");
}

static const char *
stage_status_word (Printout   *p,
                   const char *status)
{
  if (g_strcmp0 (status, "done") == 0)
    return S (p, S_DONE);
  if (g_strcmp0 (status, "current") == 0)
    return S (p, S_CURRENT);
  if (g_strcmp0 (status, "skipped") == 0)
    return S (p, S_SKIPPED);
  return S (p, S_UPCOMING);
}

static const char *
stage_marker (const char *status)
{
  if (g_strcmp0 (status, "done") == 0)
    return "✓";
  if (g_strcmp0 (status, "current") == 0)
    return "●";
  if (g_strcmp0 (status, "skipped") == 0)
    return "–";
  return "○";
}

static const char *
action_status_word (Printout   *p,
                    const char *status)
{
  if (g_strcmp0 (status, "in_progress") == 0)
    return S (p, S_IN_PROGRESS);
  if (g_strcmp0 (status, "done") == 0)
    return S (p, S_ACTION_DONE);
  if (g_strcmp0 (status, "cancelled") == 0)
    return S (p, S_CANCELLED);
  return S (p, S_PLANNED);
}

/* The format comes from the table above, never from data. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static char *
fmt (const char *format,
     ...)
{
  va_list args;
  char *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  return text;
}
#pragma GCC diagnostic pop

typedef enum { KIND_PLAN, KIND_CONSENT } PrintKind;

static const char * const langs[] = { "fi", "sv", "en" };

/* The parts every printout shares: the client's language, name and the printing date. */
static Printout *
printout_new (YpStore     *store,
              const char  *client_id,
              YpRecord   **client_out,
              GError     **error)
{
  g_autoptr(Printout) p = g_new0 (Printout, 1);
  g_autoptr(YpRecord) client = NULL;
  g_autofree char *today = yp_today_iso ();
  g_autofree char *today_fi = yp_date_format_fi (today);
  const char *lang;

  p->blocks = g_array_new (FALSE, TRUE, sizeof (Block));
  g_array_set_clear_func (p->blocks, block_clear);
  p->page_starts = g_array_new (FALSE, TRUE, sizeof (guint));

  if ((client = yp_store_get (store, yp_schema_lookup ("client"), client_id, error)) == NULL)
    return NULL;
  lang = yp_record_get_string (client, "language");
  for (guint i = 0; i < G_N_ELEMENTS (langs); i++)
    if (g_strcmp0 (lang, langs[i]) == 0)
      p->lang = i;
  p->client_name = g_strdup_printf ("%s %s", yp_record_get_string (client, "first_name"),
                                    yp_record_get_string (client, "last_name"));
  p->printed_on = fmt (S (p, S_PRINTED_ON), today_fi);
  if (client_out != NULL)
    *client_out = g_steal_pointer (&client);
  return g_steal_pointer (&p);
}

static Printout *
build_plan_printout (YpStore     *store,
                     const char  *client_id,
                     GError     **error)
{
  static const struct { const char *section; StringId heading; } sections[] = {
    { "goal", S_GOALS }, { "resource", S_RESOURCES }, { "need", S_NEEDS },
    { "action", S_ACTIONS },
  };
  g_autoptr(Printout) p = NULL;
  g_autoptr(YpRecord) client = NULL;
  g_autoptr(YpRecord) responsible = NULL;
  g_autoptr(GPtrArray) stages = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) versions = NULL;
  const YpStageTemplate *tmpl;
  const char *lang;
  const char *review;
  int current = -1;

  if ((p = printout_new (store, client_id, &client, error)) == NULL)
    return NULL;
  if ((stages = yp_stages_ensure (store, client_id, NULL, error)) == NULL)
    return NULL;
  if ((entries = yp_plan_list_entries (store, client_id, error)) == NULL)
    return NULL;
  if ((versions = yp_plan_list_versions (store, client_id, error)) == NULL)
    return NULL;
  tmpl = yp_stage_template_get (stages->len ? yp_record_get_string (stages->pdata[0], "template")
                                            : NULL, error);
  if (tmpl == NULL)
    return NULL;
  lang = langs[p->lang];

  add (p, B_TITLE, g_strdup (p->client_name));
  add (p, B_SUBTITLE, g_strdup (yp_stage_template_get_title (tmpl, lang)));

  /* The stage map */
  add (p, B_HEADING, g_strdup (S (p, S_STAGE_MAP)));
  for (guint i = 0; i < stages->len; i++)
    if (g_strcmp0 (yp_record_get_string (stages->pdata[i], "status"), "current") == 0)
      current = (int) i;
  if (current >= 0)
    {
      int idx = yp_stage_template_find (tmpl, yp_record_get_string (stages->pdata[current],
                                                                     "phase_key"));

      add (p, B_BODY, fmt (S (p, S_NOW_IN_PHASE), current + 1, (int) stages->len,
                           idx >= 0 ? yp_stage_template_get_name (tmpl, idx, lang) : ""));
    }
  else
    add (p, B_BODY, g_strdup (S (p, S_ALL_DONE)));
  for (guint i = 0; i < stages->len; i++)
    {
      YpRecord *stage = stages->pdata[i];
      const char *status = yp_record_get_string (stage, "status");
      int idx = yp_stage_template_find (tmpl, yp_record_get_string (stage, "phase_key"));
      g_autofree char *when = NULL;

      if (idx < 0)
        continue;
      if (g_strcmp0 (status, "done") == 0 && !yp_record_is_null (stage, "done_on"))
        {
          g_autofree char *d = date_fi (yp_record_get_string (stage, "done_on"));
          when = fmt (S (p, S_PHASE_DONE_ON), d);
        }
      else if (g_strcmp0 (status, "current") == 0 && !yp_record_is_null (stage, "started_on"))
        {
          g_autofree char *d = date_fi (yp_record_get_string (stage, "started_on"));
          when = fmt (S (p, S_PHASE_STARTED_ON), d);
        }
      add (p, B_PHASE, g_strdup_printf ("%s  %u. %s — %s", stage_marker (status), i + 1,
                                        yp_stage_template_get_name (tmpl, idx, lang),
                                        when ? when : stage_status_word (p, status)));
      add (p, B_BODY, g_strdup (yp_stage_template_get_client_text (tmpl, idx, lang)));
    }

  /* The plan */
  add (p, B_HEADING, g_strdup (S (p, S_YOUR_PLAN)));
  if (versions->len > 0)
    {
      const char *at = yp_record_get_string (versions->pdata[0], "agreed_at");
      g_autofree char *day = g_strndup (at ? at : "", 10);
      g_autofree char *d = date_fi (day);

      add (p, B_BODY, fmt (S (p, S_AGREED_ON), d));
    }
  else
    add (p, B_BODY, g_strdup (S (p, S_NOT_AGREED)));
  for (guint s = 0; s < G_N_ELEMENTS (sections); s++)
    {
      gboolean any = FALSE;

      add (p, B_PHASE, g_strdup (S (p, sections[s].heading)));
      for (guint i = 0; i < entries->len; i++)
        {
          YpRecord *e = entries->pdata[i];
          g_autoptr(GString) line = NULL;

          if (g_strcmp0 (yp_record_get_string (e, "section"), sections[s].section) != 0)
            continue;
          any = TRUE;
          line = g_string_new ("• ");
          g_string_append (line, yp_record_get_string (e, "text"));
          if (g_str_equal (sections[s].section, "action"))
            {
              g_autofree char *status = g_strdup (action_status_word (
                p, yp_record_get_string (e, "action_status")));

              if (!yp_record_is_null (e, "responsible"))
                {
                  g_autofree char *who = fmt (S (p, S_WHO),
                                              yp_record_get_string (e, "responsible"));
                  g_string_append_printf (line, "\n   %s", who);
                }
              if (!yp_record_is_null (e, "due_on"))
                {
                  g_autofree char *d = date_fi (yp_record_get_string (e, "due_on"));
                  g_autofree char *by = fmt (S (p, S_BY), d);
                  g_string_append_printf (line, "\n   %s", by);
                }
              g_string_append_printf (line, "\n   (%s)", status);
            }
          add (p, B_ITEM, g_string_free (g_steal_pointer (&line), FALSE));
        }
      if (!any)
        add (p, B_ITEM, g_strdup (S (p, S_NOTHING_YET)));
    }

  add (p, B_HEADING, g_strdup (S (p, S_CONTACT)));
  if (!yp_record_is_null (client, "responsible_id"))
    responsible = yp_store_get (store, yp_schema_lookup ("professional"),
                                yp_record_get_string (client, "responsible_id"), NULL);
  if (responsible != NULL)
    {
      g_autoptr(GString) who = g_string_new (yp_record_get_string (responsible, "name"));

      if (!yp_record_is_null (responsible, "phone"))
        g_string_append_printf (who, ", %s", yp_record_get_string (responsible, "phone"));
      add (p, B_BODY, fmt (S (p, S_RESPONSIBLE), who->str));
    }
  else
    add (p, B_BODY, g_strdup (S (p, S_NO_RESPONSIBLE)));
  review = yp_record_get_string (client, "review_due");
  if (review != NULL)
    {
      g_autofree char *d = date_fi (review);
      add (p, B_BODY, fmt (S (p, S_NEXT_REVIEW), d));
    }
  else
    add (p, B_BODY, g_strdup (S (p, S_NO_REVIEW)));
  return g_steal_pointer (&p);
}

/* "Matti Virtanen (Lahden kaupunki)": the name and organisation, no words from the UI. */
static char *
describe_expert (Printout   *p,
                 YpStore    *store,
                 const char *professional_id)
{
  g_autoptr(YpRecord) pro = NULL;
  g_autoptr(YpRecord) org = NULL;

  if (professional_id == NULL
      || (pro = yp_store_get (store, yp_schema_lookup ("professional"), professional_id,
                              NULL)) == NULL)
    return g_strdup (S (p, S_UNKNOWN_EXPERT));
  if (!yp_record_is_null (pro, "organization_id"))
    org = yp_store_get (store, yp_schema_lookup ("organization"),
                        yp_record_get_string (pro, "organization_id"), NULL);
  if (org != NULL)
    return g_strdup_printf ("%s (%s)", yp_record_get_string (pro, "name"),
                            yp_record_get_string (org, "name"));
  return g_strdup (yp_record_get_string (pro, "name"));
}

static char *
describe_participant (Printout   *p,
                      YpStore    *store,
                      GHashTable *cache,
                      const char *participant_id)
{
  const char *cached = participant_id ? g_hash_table_lookup (cache, participant_id) : NULL;
  g_autoptr(YpRecord) part = NULL;
  char *text;

  if (cached != NULL)
    return g_strdup (cached);
  if (participant_id != NULL)
    part = yp_store_get (store, yp_schema_lookup ("participant"), participant_id, NULL);
  text = describe_expert (p, store, part ? yp_record_get_string (part, "professional_id") : NULL);
  if (participant_id != NULL)
    g_hash_table_insert (cache, g_strdup (participant_id), g_strdup (text));
  return text;
}

/* The consent log in the client's language: who was invited, how the client agreed or
 * declined, what each expert may see, and removed access with the reason. */
static Printout *
build_consent_printout (YpStore     *store,
                        const char  *client_id,
                        GError     **error)
{
  g_autoptr(Printout) p = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GHashTable) who = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *previous_consented = NULL;
  gboolean any = FALSE;

  if ((p = printout_new (store, client_id, NULL, error)) == NULL)
    return NULL;
  if ((events = yp_participants_list_consent_log (store, client_id, error)) == NULL)
    return NULL;

  add (p, B_TITLE, g_strdup (p->client_name));
  add (p, B_SUBTITLE, g_strdup (S (p, S_CONSENT_TITLE)));
  add (p, B_BODY, g_strdup (S (p, S_CONSENT_INTRO)));
  add (p, B_HEADING, g_strdup (S (p, S_CONSENT_LOG)));
  for (guint i = 0; i < events->len; i++)
    {
      YpRecord *e = events->pdata[i];
      const char *event = yp_record_get_string (e, "event");
      const char *pid = yp_record_get_string (e, "participant_id");
      g_autofree char *date = yp_participants_format_date (yp_record_get_string (e, "at"));
      g_autofree char *name = describe_participant (p, store, who, pid);
      g_autofree char *sentence = NULL;

      if (g_strcmp0 (event, "joined") == 0 && g_strcmp0 (previous_consented, pid) == 0)
        {
          /* Said already by the consent sentence just before. */
          previous_consented = NULL;
          continue;
        }
      previous_consented = NULL;

      if (g_strcmp0 (event, "invited") == 0)
        {
          g_autofree char *inviter = describe_expert (p, store,
                                                      yp_record_get_string (e, "recorded_by"));

          sentence = fmt (S (p, S_EV_INVITED), inviter, name);
        }
      else if (g_strcmp0 (event, "consented") == 0)
        {
          const char *method = yp_record_get_string (e, "method");
          const char *window = yp_record_get_string (e, "history_window");
          StringId id = g_strcmp0 (method, "phone") == 0 ? S_EV_CONSENT_PHONE
                        : g_strcmp0 (method, "written") == 0 ? S_EV_CONSENT_WRITTEN
                        : S_EV_CONSENT_IN_PERSON;
          g_autofree char *consent = fmt (S (p, id), name);
          g_autofree char *from = yp_participants_format_date (yp_record_get_string (e,
                                                                                     "history_from"));
          g_autofree char *history = NULL;

          if (g_strcmp0 (window, "everything") == 0)
            history = g_strdup (S (p, S_EV_SEES_ALL));
          else if (from != NULL)
            history = fmt (S (p, S_EV_SEES_FROM), from);
          sentence = history ? g_strdup_printf ("%s %s", consent, history)
                             : g_steal_pointer (&consent);
          previous_consented = pid;
        }
      else if (g_strcmp0 (event, "joined") == 0)
        {
          g_autoptr(YpRecord) part = yp_store_get (store, yp_schema_lookup ("participant"), pid,
                                                   NULL);

          if (part && g_strcmp0 (yp_record_get_string (part, "role"), "owner") == 0)
            sentence = fmt (S (p, S_EV_STARTED), name);
          else
            sentence = fmt (S (p, S_EV_JOINED), name);
        }
      else if (g_strcmp0 (event, "declined") == 0)
        sentence = fmt (S (p, S_EV_DECLINED), name);
      else if (g_strcmp0 (event, "revoked") == 0)
        sentence = fmt (S (p, S_EV_REVOKED), name, yp_record_get_string (e, "reason") ?: "");
      else
        continue;

      any = TRUE;
      add (p, B_ITEM, g_strdup_printf ("%s  %s", date ? date : "", sentence));
    }
  if (!any)
    add (p, B_ITEM, g_strdup (S (p, S_CONSENT_EMPTY)));
  add (p, B_BODY, g_strdup (S (p, S_CONSENT_RIGHTS)));
  return g_steal_pointer (&p);
}

static Printout *
build_printout (YpStore     *store,
                const char  *client_id,
                PrintKind    kind,
                GError     **error)
{
  if (kind == KIND_CONSENT)
    return build_consent_printout (store, client_id, error);
  return build_plan_printout (store, client_id, error);
}

/* ---- layout and drawing ---------------------------------------------------------------- */

#define FOOTER_HEIGHT 24.0

static PangoLayout *
block_layout (cairo_t     *cr,
              const Block *b,
              double       width)
{
  static const char * const fonts[] = {
    [B_TITLE] = "Sans Bold 20", [B_SUBTITLE] = "Sans 11", [B_HEADING] = "Sans Bold 15",
    [B_PHASE] = "Sans Bold 12", [B_BODY] = "Sans 11", [B_ITEM] = "Sans 11",
  };
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *desc = pango_font_description_from_string (fonts[b->style]);
  double indent = (b->style == B_ITEM) ? 12.0 : 0.0;

  /* Cairo units are points in both the PDF surface and the print context. */
  pango_cairo_context_set_resolution (pango_layout_get_context (layout), 72.0);
  pango_layout_context_changed (layout);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_width (layout, (int) ((width - indent) * PANGO_SCALE));
  pango_layout_set_text (layout, b->text, -1);
  return layout;
}

static double
space_before (BlockStyle style)
{
  switch (style)
    {
    case B_HEADING: return 18.0;
    case B_PHASE: return 10.0;
    case B_ITEM: return 4.0;
    case B_BODY: return 3.0;
    case B_TITLE: case B_SUBTITLE: default: return 2.0;
    }
}

static double
block_height (cairo_t     *cr,
              const Block *b,
              double       width)
{
  g_autoptr(PangoLayout) layout = block_layout (cr, b, width);
  int w, h;

  pango_layout_get_size (layout, &w, &h);
  return space_before (b->style) + (double) h / PANGO_SCALE;
}

static void
paginate (Printout *p,
          cairo_t  *cr,
          double    width,
          double    height)
{
  double y = 0.0, limit = height - FOOTER_HEIGHT;
  guint zero = 0;

  g_array_set_size (p->page_starts, 0);
  g_array_append_val (p->page_starts, zero);
  for (guint i = 0; i < p->blocks->len; i++)
    {
      const Block *b = &g_array_index (p->blocks, Block, i);
      double h = block_height (cr, b, width);

      /* A heading or phase name is kept with the block after it. */
      if ((b->style == B_HEADING || b->style == B_PHASE) && i + 1 < p->blocks->len)
        h += block_height (cr, &g_array_index (p->blocks, Block, i + 1), width);
      if (y > 0.0 && y + h > limit)
        {
          g_array_append_val (p->page_starts, i);
          y = 0.0;
        }
      y += block_height (cr, b, width);
    }
}

static void
draw_page (Printout *p,
           cairo_t  *cr,
           double    width,
           double    height,
           guint     page)
{
  guint start = g_array_index (p->page_starts, guint, page);
  guint end = page + 1 < p->page_starts->len ? g_array_index (p->page_starts, guint, page + 1)
                                             : p->blocks->len;
  double y = 0.0;
  g_autofree char *footer = NULL;
  Block foot = { B_SUBTITLE, NULL };
  g_autoptr(PangoLayout) layout = NULL;

  cairo_set_source_rgb (cr, 0, 0, 0);
  for (guint i = start; i < end; i++)
    {
      const Block *b = &g_array_index (p->blocks, Block, i);
      g_autoptr(PangoLayout) l = block_layout (cr, b, width);
      int w, h;

      y += space_before (b->style);
      cairo_move_to (cr, b->style == B_ITEM ? 12.0 : 0.0, y);
      pango_cairo_show_layout (cr, l);
      pango_layout_get_size (l, &w, &h);
      y += (double) h / PANGO_SCALE;
      if (b->style == B_HEADING)
        {
          cairo_set_line_width (cr, 0.5);
          cairo_move_to (cr, 0, y + 1.5);
          cairo_line_to (cr, width, y + 1.5);
          cairo_stroke (cr);
        }
    }

  {
    g_autofree char *page_text = fmt (S (p, S_PAGE), (int) page + 1,
                                      (int) p->page_starts->len);

    footer = g_strdup_printf ("%s · %s · %s", p->client_name, p->printed_on, page_text);
  }
  foot.text = footer;
  layout = block_layout (cr, &foot, width);
  cairo_move_to (cr, 0, height - FOOTER_HEIGHT + 8.0);
  pango_cairo_show_layout (cr, layout);
}

static void
log_audit (YpStore    *store,
           const char *client_id,
           const char *action)
{
  g_autoptr(YpRecord) event = yp_record_new (yp_schema_lookup ("audit_event"));
  g_autofree char *now = yp_now_iso8601 ();
  g_autoptr(GError) error = NULL;

  if (yp_store_get_me_id (store) == NULL)
    return;
  yp_record_set_string (event, "client_id", client_id);
  yp_record_set_string (event, "actor_id", yp_store_get_me_id (store));
  yp_record_set_string (event, "action", action);
  yp_record_set_string (event, "entity", "client");
  yp_record_set_string (event, "entity_id", client_id);
  yp_record_set_string (event, "at", now);
  if (!yp_store_insert (store, event, &error))
    g_warning ("Could not log the %s of a client's plan: %s", action, error->message);
}

/* ---- public ------------------------------------------------------------------------------ */

#define A4_WIDTH  595.276
#define A4_HEIGHT 841.890
#define MARGIN    56.0

static gboolean
export_pdf (YpStore     *store,
            const char  *client_id,
            PrintKind    kind,
            const char  *path,
            GError     **error)
{
  g_autoptr(Printout) p = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  double width = A4_WIDTH - 2 * MARGIN, height = A4_HEIGHT - 2 * MARGIN;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);
  g_return_val_if_fail (client_id != NULL && path != NULL, FALSE);

  if ((p = build_printout (store, client_id, kind, error)) == NULL)
    return FALSE;
  surface = cairo_pdf_surface_create (path, A4_WIDTH, A4_HEIGHT);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, p->client_name);
  cr = cairo_create (surface);
  paginate (p, cr, width, height);
  for (guint page = 0; page < p->page_starts->len; page++)
    {
      cairo_save (cr);
      cairo_translate (cr, MARGIN, MARGIN);
      draw_page (p, cr, width, height, page);
      cairo_restore (cr);
      cairo_show_page (cr);
    }
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The PDF could not be written: %s"), cairo_status_to_string (status));
      return FALSE;
    }
  log_audit (store, client_id, "export");
  return TRUE;
}

gboolean
yp_client_print_export_pdf (YpStore     *store,
                            const char  *client_id,
                            const char  *path,
                            GError     **error)
{
  return export_pdf (store, client_id, KIND_PLAN, path, error);
}

gboolean
yp_client_print_consent_export_pdf (YpStore     *store,
                                    const char  *client_id,
                                    const char  *path,
                                    GError     **error)
{
  return export_pdf (store, client_id, KIND_CONSENT, path, error);
}

static char *
dup_text (YpStore     *store,
          const char  *client_id,
          PrintKind    kind,
          GError     **error)
{
  g_autoptr(Printout) p = build_printout (store, client_id, kind, error);
  g_autoptr(GString) text = g_string_new (NULL);

  if (p == NULL)
    return NULL;
  for (guint i = 0; i < p->blocks->len; i++)
    g_string_append_printf (text, "%s\n", g_array_index (p->blocks, Block, i).text);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
yp_client_print_dup_text (YpStore     *store,
                          const char  *client_id,
                          GError     **error)
{
  return dup_text (store, client_id, KIND_PLAN, error);
}

char *
yp_client_print_consent_dup_text (YpStore     *store,
                                  const char  *client_id,
                                  GError     **error)
{
  return dup_text (store, client_id, KIND_CONSENT, error);
}

typedef struct
{
  YpStore  *store;
  char     *client_id;
  PrintKind kind;
  Printout *printout;
} PrintJob;

static void
print_job_free (gpointer data)
{
  PrintJob *job = data;

  g_object_unref (job->store);
  g_free (job->client_id);
  g_clear_pointer (&job->printout, printout_free);
  g_free (job);
}

static void
on_begin_print (GtkPrintOperation *op,
                GtkPrintContext   *context,
                PrintJob          *job)
{
  paginate (job->printout, gtk_print_context_get_cairo_context (context),
            gtk_print_context_get_width (context), gtk_print_context_get_height (context));
  gtk_print_operation_set_n_pages (op, (int) job->printout->page_starts->len);
}

static void
on_draw_page (GtkPrintOperation *op,
              GtkPrintContext   *context,
              int                page,
              PrintJob          *job)
{
  draw_page (job->printout, gtk_print_context_get_cairo_context (context),
             gtk_print_context_get_width (context), gtk_print_context_get_height (context),
             (guint) page);
}

static void
on_print_done (GtkPrintOperation       *op,
               GtkPrintOperationResult  result,
               PrintJob                *job)
{
  if (result == GTK_PRINT_OPERATION_RESULT_APPLY)
    log_audit (job->store, job->client_id, "print");
}

static void
run (YpStore    *store,
     const char *client_id,
     PrintKind   kind,
     GtkWindow  *parent)
{
  g_autoptr(GtkPrintOperation) op = NULL;
  g_autoptr(GError) error = NULL;
  PrintJob *job;

  g_return_if_fail (YP_IS_STORE (store));
  g_return_if_fail (client_id != NULL);

  job = g_new0 (PrintJob, 1);
  job->store = g_object_ref (store);
  job->client_id = g_strdup (client_id);
  job->kind = kind;
  job->printout = build_printout (store, client_id, kind, &error);
  if (job->printout == NULL)
    {
      g_warning ("Cannot print for the client: %s", error->message);
      print_job_free (job);
      return;
    }
  op = gtk_print_operation_new ();
  gtk_print_operation_set_unit (op, GTK_UNIT_POINTS);
  gtk_print_operation_set_job_name (op, job->printout->client_name);
  gtk_print_operation_set_embed_page_setup (op, TRUE);
  g_object_set_data_full (G_OBJECT (op), "yp-print-job", job, print_job_free);
  g_signal_connect (op, "begin-print", G_CALLBACK (on_begin_print), job);
  g_signal_connect (op, "draw-page", G_CALLBACK (on_draw_page), job);
  g_signal_connect (op, "done", G_CALLBACK (on_print_done), job);
  if (gtk_print_operation_run (op, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, parent, &error) ==
      GTK_PRINT_OPERATION_RESULT_ERROR)
    g_warning ("Printing failed: %s", error->message);
}

void
yp_client_print_run (YpStore    *store,
                     const char *client_id,
                     GtkWindow  *parent)
{
  run (store, client_id, KIND_PLAN, parent);
}

void
yp_client_print_consent_run (YpStore    *store,
                             const char *client_id,
                             GtkWindow  *parent)
{
  run (store, client_id, KIND_CONSENT, parent);
}

static void
on_pdf_chosen (GtkNativeDialog *chooser,
               int              response,
               PrintJob        *job)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser))) != NULL &&
      (path = g_file_get_path (file)) != NULL &&
      !export_pdf (job->store, job->client_id, job->kind, path, &error))
    {
      GtkWindow *parent = gtk_native_dialog_get_transient_for (chooser);
      GtkWidget *dialog = adw_message_dialog_new (parent, _("The PDF was not saved"),
                                                  error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
choose_pdf (YpStore    *store,
            const char *client_id,
            PrintKind   kind,
            GtkWindow  *parent)
{
  GtkFileChooserNative *chooser;
  g_autoptr(YpRecord) client = NULL;
  g_autofree char *name = NULL;
  PrintJob *job;

  g_return_if_fail (YP_IS_STORE (store));
  g_return_if_fail (client_id != NULL);

  client = yp_store_get (store, yp_schema_lookup ("client"), client_id, NULL);
  chooser = gtk_file_chooser_native_new (_("Export PDF for the Client"), parent,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), NULL);
  /* Translators: the file name of the exported printout; %s is the client's last name */
  if (kind == KIND_CONSENT)
    /* Translators: the file name of the exported consent log; %s is the client's last name */
    name = g_strdup_printf (_("consents-%s.pdf"),
                            client ? yp_record_get_string (client, "last_name") : "");
  else
    name = g_strdup_printf (_("plan-%s.pdf"),
                            client ? yp_record_get_string (client, "last_name") : "");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  job = g_new0 (PrintJob, 1);
  job->store = g_object_ref (store);
  job->client_id = g_strdup (client_id);
  job->kind = kind;
  g_object_set_data_full (G_OBJECT (chooser), "yp-print-job", job, print_job_free);
  g_signal_connect (chooser, "response", G_CALLBACK (on_pdf_chosen), job);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
yp_client_print_choose_pdf (YpStore    *store,
                            const char *client_id,
                            GtkWindow  *parent)
{
  choose_pdf (store, client_id, KIND_PLAN, parent);
}

void
yp_client_print_consent_choose_pdf (YpStore    *store,
                                    const char *client_id,
                                    GtkWindow  *parent)
{
  choose_pdf (store, client_id, KIND_CONSENT, parent);
}
