/* yp-follow-ups.c — follow-up calls and home visits, the worklist, ending the relationship.
 *
 * Writes go through yp_store_insert/update, so each change has its outbox entry and the
 * "changed" signal. The worklist is the store's own query (yp_store_list_follow_ups_due).
 * Schedule/record and the client's next_follow_up are two
 * transactions; yp_follow_ups_refresh_next is idempotent, so a crash between them is mended by
 * the next change of that client's follow-ups.
 */
#define G_LOG_DOMAIN "yp-follow-ups"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "yp-follow-ups.h"
#include "yp-participants.h"
#include "yp-util.h"

static const char * const kinds[] = { "phone", "home_visit", "video", NULL };
static const char * const end_reasons[] =
  { "goals_reached", "moved", "declined", "deceased", "other", NULL };
static const char * const who5_fields[YP_WHO5_N_ITEMS] =
  { "who5_1", "who5_2", "who5_3", "who5_4", "who5_5" };

/* ---- labels ----------------------------------------------------------------------------- */

void
yp_follow_up_contact_init (YpFollowUpContact *contact)
{
  g_return_if_fail (contact != NULL);

  memset (contact, 0, sizeof *contact);
  contact->coping = -1;
  contact->nps = -1;
  for (guint i = 0; i < YP_WHO5_N_ITEMS; i++)
    contact->who5[i] = -1;
}

const char * const *
yp_follow_up_kinds (void)
{
  return kinds;
}

const char * const *
yp_end_reasons (void)
{
  return end_reasons;
}

const char *
yp_follow_up_kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "phone") == 0)
    return _("Follow-up call");
  if (g_strcmp0 (kind, "home_visit") == 0)
    return _("Home visit");
  if (g_strcmp0 (kind, "video") == 0)
    return _("Video call");
  return kind;
}

const char *
yp_follow_up_coping_label (int coping)
{
  switch (coping)
    {
    case 1: return _("Not coping at home");
    case 2: return _("Copes poorly at home");
    case 3: return _("Copes at home with help");
    case 4: return _("Copes fairly well at home");
    case 5: return _("Copes well at home");
    default: return NULL;
    }
}

const char *
yp_follow_up_nps_question (void)
{
  return _("The work of the different professionals appeared to me as a smooth service");
}

/* The WHO-5 Well-Being Index (WHO, 1998), free to use; its official wordings. */
const char *
yp_who5_intro (void)
{
  return _("Over the last two weeks:");
}

const char *
yp_who5_item (guint item)
{
  switch (item)
    {
    case 0: return _("I have felt cheerful and in good spirits");
    case 1: return _("I have felt calm and relaxed");
    case 2: return _("I have felt active and vigorous");
    case 3: return _("I woke up feeling fresh and rested");
    case 4: return _("My daily life has been filled with things that interest me");
    default: g_return_val_if_reached (NULL);
    }
}

const char *
yp_who5_answer_label (int value)
{
  switch (value)
    {
    case 5: return _("All of the time");
    case 4: return _("Most of the time");
    case 3: return _("More than half of the time");
    case 2: return _("Less than half of the time");
    case 1: return _("Some of the time");
    case 0: return _("At no time");
    default: return NULL;
    }
}

const char *
yp_end_reason_label (const char *reason)
{
  if (g_strcmp0 (reason, "goals_reached") == 0)
    return _("The goals were reached");
  if (g_strcmp0 (reason, "moved") == 0)
    return _("The client moved away");
  if (g_strcmp0 (reason, "declined") == 0)
    return _("The client did not want to continue");
  if (g_strcmp0 (reason, "deceased") == 0)
    return _("The client died");
  if (g_strcmp0 (reason, "other") == 0)
    return _("Other reason");
  return reason;
}

gboolean
yp_who5_score (const int   answers[YP_WHO5_N_ITEMS],
               int        *score,
               GError    **error)
{
  guint answered = 0;
  int sum = 0;

  g_return_val_if_fail (answers != NULL, FALSE);

  for (guint i = 0; i < YP_WHO5_N_ITEMS; i++)
    {
      if (answers[i] < 0)
        continue;
      if (answers[i] > 5)
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_RANGE,
                       _("Each wellbeing (WHO-5) answer is a number from 0 to 5."));
          return FALSE;
        }
      answered++;
      sum += answers[i];
    }
  if (answered != 0 && answered != YP_WHO5_N_ITEMS)
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_REQUIRED,
                   _("Answer all five wellbeing (WHO-5) questions, or leave all of them empty: "
                     "a score needs every answer."));
      return FALSE;
    }
  if (score)
    *score = answered ? sum * 4 : -1;
  return TRUE;
}

int
yp_follow_up_get_who5_score (const YpRecord *follow_up)
{
  int answers[YP_WHO5_N_ITEMS];
  int score = -1;

  g_return_val_if_fail (follow_up != NULL, -1);

  for (guint i = 0; i < YP_WHO5_N_ITEMS; i++)
    answers[i] = yp_record_is_null (follow_up, who5_fields[i])
                 ? -1 : (int) yp_record_get_int (follow_up, who5_fields[i]);
  if (!yp_who5_score (answers, &score, NULL))
    return -1;
  return score;
}

static GDate *
date_from_iso (const char *iso)
{
  guint y, m, d;

  if (iso == NULL || sscanf (iso, "%4u-%2u-%2u", &y, &m, &d) != 3
      || !g_date_valid_dmy (d, m, y))
    return NULL;
  return g_date_new_dmy (d, m, y);
}

char *
yp_follow_up_describe_due (const char *due_on,
                           const char *today)
{
  g_autofree char *now = today ? g_strdup (today) : yp_today_iso ();
  GDate *due = date_from_iso (due_on);
  GDate *base = date_from_iso (now);
  int days;

  if (due == NULL || base == NULL)
    {
      g_clear_pointer (&due, g_date_free);
      g_clear_pointer (&base, g_date_free);
      return g_strdup ("");
    }
  days = g_date_days_between (base, due);
  g_date_free (due);
  g_date_free (base);

  if (days < 0)
    return g_strdup_printf (ngettext ("Overdue by %d day", "Overdue by %d days", -days), -days);
  if (days == 0)
    return g_strdup (_("Due today"));
  if (days == 1)
    return g_strdup (_("Due tomorrow"));
  return g_strdup_printf (ngettext ("Due in %d day", "Due in %d days", days), days);
}

/* ---- reads ------------------------------------------------------------------------------ */

GPtrArray *
yp_follow_ups_list_due (YpStore     *store,
                        const char  *assignee_id,
                        const char  *today,
                        GError     **error)
{
  g_autofree char *now = today ? g_strdup (today) : yp_today_iso ();
  const char *who = assignee_id ? assignee_id : yp_store_get_me_id (store);

  g_return_val_if_fail (YP_IS_STORE (store), NULL);

  if (who == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) yp_record_unref);
  return yp_store_list_follow_ups_due (store, who, now, error);
}

guint
yp_follow_ups_count_due (YpStore    *store,
                         const char *assignee_id,
                         const char *today)
{
  g_autoptr(GPtrArray) due = yp_follow_ups_list_due (store, assignee_id, today, NULL);

  return due ? due->len : 0;
}

static int
compare_follow_ups (gconstpointer a,
                    gconstpointer b)
{
  const YpRecord *x = *(YpRecord **) a;
  const YpRecord *y = *(YpRecord **) b;
  const char *x_done = yp_record_get_string (x, "done_at");
  const char *y_done = yp_record_get_string (y, "done_at");

  if ((x_done == NULL) != (y_done == NULL))
    return x_done == NULL ? -1 : 1;
  if (x_done == NULL)
    return g_strcmp0 (yp_record_get_string (x, "due_on"), yp_record_get_string (y, "due_on"));
  return g_strcmp0 (y_done, x_done);
}

GPtrArray *
yp_follow_ups_list (YpStore     *store,
                    const char  *client_id,
                    GError     **error)
{
  GPtrArray *rows;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  /* Follow-up calls and home visits record how the client copes (health details): a
   * third-sector supporter does not see them. */
  if (yp_participants_is_supporter (store, client_id))
    return g_ptr_array_new_with_free_func ((GDestroyNotify) yp_record_unref);
  rows = yp_store_list_for_client (store, yp_schema_lookup ("follow_up"), client_id, error);
  if (rows)
    g_ptr_array_sort (rows, compare_follow_ups);
  return rows;
}

/* ---- writes ----------------------------------------------------------------------------- */

gboolean
yp_follow_ups_refresh_next (YpStore     *store,
                            const char  *client_id,
                            GError     **error)
{
  const YpEntity *client_entity = yp_schema_lookup ("client");
  g_autoptr(YpRecord) client = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(YpRecord) change = NULL;
  const char *next = NULL;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);
  g_return_val_if_fail (client_id != NULL, FALSE);

  if ((client = yp_store_get (store, client_entity, client_id, error)) == NULL)
    return FALSE;
  if ((rows = yp_store_list_for_client (store, yp_schema_lookup ("follow_up"), client_id,
                                        error)) == NULL)
    return FALSE;
  if (g_strcmp0 (yp_record_get_string (client, "status"), "ended") != 0)
    for (guint i = 0; i < rows->len; i++)
      {
        const char *due = yp_record_get_string (rows->pdata[i], "due_on");

        if (yp_record_is_null (rows->pdata[i], "done_at") && due != NULL
            && (next == NULL || strcmp (due, next) < 0))
          next = due;
      }
  if (g_strcmp0 (next, yp_record_get_string (client, "next_follow_up")) == 0)
    return TRUE;

  change = yp_record_new (client_entity);
  yp_record_set_string (change, "id", client_id);
  yp_record_set_string (change, "next_follow_up", next);
  return yp_store_update (store, change, error);
}

/* The client, which must exist and not be ended, for a change to its follow-ups. */
static YpRecord *
get_open_client (YpStore     *store,
                 const char  *client_id,
                 GError     **error)
{
  g_autoptr(YpRecord) client = NULL;

  if (client_id == NULL
      || (client = yp_store_get (store, yp_schema_lookup ("client"), client_id, NULL)) == NULL
      || yp_record_get_int (client, "deleted"))
    {
      g_set_error (error, YP_STORE_ERROR, YP_STORE_ERROR_NOT_FOUND,
                   _("The client is not on this computer any more."));
      return NULL;
    }
  if (g_strcmp0 (yp_record_get_string (client, "status"), "ended") == 0)
    {
      g_set_error (error, YP_STORE_ERROR, YP_STORE_ERROR_FAILED,
                   _("The client relationship has ended, so no new follow-ups can be added."));
      return NULL;
    }
  return g_steal_pointer (&client);
}

YpRecord *
yp_follow_ups_schedule (YpStore     *store,
                        const char  *client_id,
                        const char  *kind,
                        const char  *due_on,
                        const char  *assignee_id,
                        GError     **error)
{
  g_autoptr(YpRecord) client = NULL;
  g_autoptr(YpRecord) follow_up = NULL;
  const char *who;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);

  if ((client = get_open_client (store, client_id, error)) == NULL)
    return NULL;
  if (kind == NULL || !g_strv_contains (kinds, kind))
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_ENUM,
                   _("Choose whether this is a phone call, a home visit or a video call."));
      return NULL;
    }
  if (due_on == NULL || !yp_date_is_valid (due_on))
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT,
                   _("Write the date as day.month.year, for example 23.11.2026."));
      return NULL;
    }
  who = assignee_id ? assignee_id : yp_store_get_me_id (store);
  if (who == NULL)
    {
      g_set_error (error, YP_STORE_ERROR, YP_STORE_ERROR_NO_PROFILE,
                   _("Save your own details first: a follow-up needs someone to make it."));
      return NULL;
    }

  follow_up = yp_record_new (yp_schema_lookup ("follow_up"));
  yp_record_set_string (follow_up, "client_id", client_id);
  yp_record_set_string (follow_up, "kind", kind);
  yp_record_set_string (follow_up, "due_on", due_on);
  yp_record_set_string (follow_up, "assignee_id", who);
  if (!yp_store_insert (store, follow_up, error)
      || !yp_follow_ups_refresh_next (store, client_id, error))
    return NULL;
  return g_steal_pointer (&follow_up);
}

static void
set_optional_text (YpRecord   *record,
                   const char *field,
                   const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));

  yp_record_set_string (record, field, *stripped ? stripped : NULL);
}

gboolean
yp_follow_ups_record (YpStore                  *store,
                      const char               *follow_up_id,
                      const YpFollowUpContact  *contact,
                      GError                  **error)
{
  const YpEntity *entity = yp_schema_lookup ("follow_up");
  g_autoptr(YpRecord) current = NULL;
  g_autoptr(YpRecord) change = NULL;
  g_autofree char *now = yp_now_iso8601 ();
  g_autofree char *today = yp_today_iso ();
  const char *done_at;
  int score;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);
  g_return_val_if_fail (follow_up_id != NULL, FALSE);
  g_return_val_if_fail (contact != NULL, FALSE);

  if ((current = yp_store_get (store, entity, follow_up_id, NULL)) == NULL
      || yp_record_get_int (current, "deleted"))
    {
      g_set_error (error, YP_STORE_ERROR, YP_STORE_ERROR_NOT_FOUND,
                   _("This follow-up is not on this computer any more."));
      return FALSE;
    }
  if (contact->coping < 1 || contact->coping > 5)
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_REQUIRED,
                   _("Choose how the client copes at home, from 1 (not coping) to 5 (copes "
                     "well)."));
      return FALSE;
    }
  if (contact->nps < -1 || contact->nps > 10)
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_RANGE,
                   _("The answer to the question on smooth service is a number from 0 to 10, "
                     "or empty when it was not asked."));
      return FALSE;
    }
  if (!yp_who5_score (contact->who5, &score, error))
    return FALSE;
  done_at = contact->done_at ? contact->done_at : now;
  if (!yp_datetime_is_valid (done_at))
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT,
                   _("Write the date of the contact as day.month.year, for example "
                     "23.11.2026."));
      return FALSE;
    }
  if (strncmp (done_at, today, 10) > 0)
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_RANGE,
                   _("The date of the contact cannot be in the future."));
      return FALSE;
    }
  if (contact->next_step && g_utf8_strlen (contact->next_step, -1) > 1000)
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_TOO_LONG,
                   _("The next step is too long: at most %u characters."), 1000u);
      return FALSE;
    }

  change = yp_record_new (entity);
  yp_record_set_string (change, "id", follow_up_id);
  yp_record_set_string (change, "done_at", done_at);
  yp_record_set_int (change, "coping", contact->coping);
  set_optional_text (change, "notes", contact->notes);
  set_optional_text (change, "next_step", contact->next_step);
  if (contact->nps >= 0)
    yp_record_set_int (change, "nps", contact->nps);
  else
    yp_record_set_null (change, "nps");
  for (guint i = 0; i < YP_WHO5_N_ITEMS; i++)
    if (score >= 0)
      yp_record_set_int (change, who5_fields[i], contact->who5[i]);
    else
      yp_record_set_null (change, who5_fields[i]);
  if (!yp_record_validate_field (change, "notes", error))
    return FALSE;

  return yp_store_update (store, change, error)
         && yp_follow_ups_refresh_next (store, yp_record_get_client_id (current), error);
}

gboolean
yp_follow_ups_end_relationship (YpStore     *store,
                                const char  *client_id,
                                const char  *reason,
                                const char  *summary,
                                GError     **error)
{
  g_autoptr(YpRecord) client = NULL;
  g_autoptr(YpRecord) change = NULL;
  g_autofree char *today = yp_today_iso ();
  g_autofree char *text = g_strstrip (g_strdup (summary ? summary : ""));

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);

  if ((client = get_open_client (store, client_id, NULL)) == NULL)
    {
      if (client_id != NULL
          && (client = yp_store_get (store, yp_schema_lookup ("client"), client_id, NULL)))
        g_set_error (error, YP_STORE_ERROR, YP_STORE_ERROR_FAILED,
                     _("The client relationship has already ended."));
      else
        g_set_error (error, YP_STORE_ERROR, YP_STORE_ERROR_NOT_FOUND,
                     _("The client is not on this computer any more."));
      return FALSE;
    }
  if (reason == NULL || !g_strv_contains (end_reasons, reason))
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_ENUM,
                   _("Choose why the client relationship ends."));
      return FALSE;
    }
  if (*text == '\0')
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_REQUIRED,
                   _("Write a short closing summary: what was reached and what happens "
                     "next."));
      return FALSE;
    }

  change = yp_record_new (yp_schema_lookup ("client"));
  yp_record_set_string (change, "id", client_id);
  yp_record_set_string (change, "end_summary", text);
  if (!yp_record_validate_field (change, "end_summary", error))
    return FALSE;
  yp_record_set_string (change, "status", "ended");
  yp_record_set_string (change, "ended_on", today);
  yp_record_set_string (change, "end_reason", reason);
  yp_record_set_null (change, "next_follow_up");
  return yp_store_update (store, change, error);
}
