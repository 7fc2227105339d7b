/* yp-follow-ups-view.c — the client's follow-up calls and home visits.
 *
 * Upcoming and done follow-ups, a dialog to schedule one, a dialog to record the contact
 * (coping at home, notes, next step, the question on smooth service, WHO-5 with its score
 * shown as the answers are chosen) and, at the bottom, ending the client relationship. The
 * dialogs are part of this template and keep what was typed until it is saved: a message
 * never empties a form.
 */
#define G_LOG_DOMAIN "yp-follow-ups-view"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-follow-ups.h"
#include "yp-follow-ups-view.h"
#include "yp-resources.h"
#include "yp-util.h"

struct _YpFollowUpsView
{
  GtkWidget         parent_instance;

  /* template: the page */
  GtkListBox       *upcoming_list;
  GtkListBox       *done_list;
  GtkLabel         *ended_label;
  GtkWidget        *end_button;
  /* template: schedule dialog */
  GtkWindow        *schedule_dialog;
  AdwComboRow      *schedule_kind_row;
  AdwEntryRow      *schedule_date_row;
  AdwComboRow      *schedule_assignee_row;
  GtkLabel         *schedule_error_label;
  /* template: record dialog */
  GtkWindow        *record_dialog;
  AdwPreferencesGroup *record_contact_group;
  AdwEntryRow      *record_date_row;
  AdwComboRow      *record_coping_row;
  AdwEntryRow      *record_next_step_row;
  GtkTextView      *record_notes_view;
  AdwPreferencesGroup *record_nps_group;
  AdwComboRow      *record_nps_row;
  AdwPreferencesGroup *record_who5_group;
  AdwComboRow      *record_who5_rows[YP_WHO5_N_ITEMS];
  AdwActionRow     *record_who5_score_row;
  GtkLabel         *record_error_label;
  /* template: end dialog */
  GtkWindow        *end_dialog;
  AdwComboRow      *end_reason_row;
  GtkTextView      *end_summary_view;
  GtkLabel         *end_error_label;

  /* owned */
  YpStore          *store;
  char             *client_id;
  char             *record_id;        /* the follow-up the record dialog is for */
  GPtrArray        *professional_ids; /* position in schedule_assignee_row → id */
  GHashTable       *names;            /* professional id → name */
  gboolean          ended;
};

G_DEFINE_FINAL_TYPE (YpFollowUpsView, yp_follow_ups_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_STORE, PROP_CLIENT_ID, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* ---- small helpers ---------------------------------------------------------------------- */

static void
show_error (GtkLabel   *label,
            const char *message)
{
  gtk_label_set_label (label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

static char *
text_view_dup_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
present_dialog (YpFollowUpsView *self,
                GtkWindow       *dialog)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_window_set_transient_for (dialog, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL);
  gtk_window_present (dialog);
}

static GtkStringList *
string_list_new (void)
{
  return gtk_string_list_new (NULL);
}

/* The local date of an ISO date-time, in the Finnish format. */
static char *
format_datetime_date (const char *iso)
{
  g_autoptr(GDateTime) dt = iso ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *date = NULL;

  if (dt == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (dt);
  date = g_date_time_format (local, "%Y-%m-%d");
  return yp_date_format_fi (date);
}

/* ---- the lists -------------------------------------------------------------------------- */

static void
load_names (YpFollowUpsView *self)
{
  g_autoptr(GPtrArray) rows = yp_store_list_directory (self->store,
                                                       yp_schema_lookup ("professional"),
                                                       NULL);

  g_hash_table_remove_all (self->names);
  for (guint i = 0; rows && i < rows->len; i++)
    g_hash_table_insert (self->names, g_strdup (yp_record_get_id (rows->pdata[i])),
                         g_strdup (yp_record_get_string (rows->pdata[i], "name")));
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
add_placeholder (GtkListBox *list,
                 const char *text)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
  gtk_widget_add_css_class (row, "dim-label");
  gtk_list_box_append (list, row);
}

static GtkWidget *
upcoming_row_new (YpFollowUpsView *self,
                  YpRecord        *follow_up)
{
  const char *due = yp_record_get_string (follow_up, "due_on");
  const char *who = g_hash_table_lookup (self->names,
                                         yp_record_get_string (follow_up, "assignee_id") ?: "");
  g_autofree char *date = yp_date_format_fi (due);
  g_autofree char *when = yp_follow_up_describe_due (due, NULL);
  g_autofree char *subtitle = NULL;
  g_autofree char *today = yp_today_iso ();
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 yp_follow_up_kind_label (yp_record_get_string (follow_up,
                                                                                "kind")));
  /* Translators: date · who makes the follow-up · "Overdue by 3 days" */
  subtitle = g_strdup_printf (C_("follow-up row", "%s · %s · %s"), date,
                              who ? who : _("nobody chosen"), when);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (g_strcmp0 (due, today) < 0)
    gtk_widget_add_css_class (row, "overdue");

  button = gtk_button_new_with_mnemonic (_("_Record…"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "follow-ups.record");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", yp_record_get_id (follow_up));
  gtk_widget_set_tooltip_text (button, _("Record the contact"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  return row;
}

static GtkWidget *
done_row_new (YpFollowUpsView *self,
              YpRecord        *follow_up)
{
  g_autofree char *date = format_datetime_date (yp_record_get_string (follow_up, "done_at"));
  g_autofree char *title = NULL;
  g_autoptr(GString) subtitle = g_string_new (NULL);
  const char *coping = yp_follow_up_coping_label ((int) yp_record_get_int (follow_up, "coping"));
  const char *next = yp_record_get_string (follow_up, "next_step");
  int score = yp_follow_up_get_who5_score (follow_up);
  GtkWidget *row = adw_action_row_new ();

  /* Translators: "Home visit · 23.11.2026" */
  title = g_strdup_printf (C_("follow-up row", "%s · %s"),
                           yp_follow_up_kind_label (yp_record_get_string (follow_up, "kind")),
                           date);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (coping != NULL && !yp_record_is_null (follow_up, "coping"))
    g_string_append (subtitle, coping);
  if (score >= 0)
    {
      if (subtitle->len)
        g_string_append (subtitle, " · ");
      g_string_append_printf (subtitle, _("wellbeing %d/100"), score);
    }
  if (!yp_record_is_null (follow_up, "nps"))
    {
      if (subtitle->len)
        g_string_append (subtitle, " · ");
      g_string_append_printf (subtitle, _("smooth service %d/10"),
                              (int) yp_record_get_int (follow_up, "nps"));
    }
  if (next != NULL)
    {
      if (subtitle->len)
        g_string_append (subtitle, " · ");
      g_string_append_printf (subtitle, _("next step: %s"), next);
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  return row;
}

static void
refresh (YpFollowUpsView *self)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(YpRecord) client = NULL;
  guint n_upcoming = 0, n_done = 0;

  clear_list (self->upcoming_list);
  clear_list (self->done_list);
  if (self->client_id == NULL)
    return;

  load_names (self);
  client = yp_store_get (self->store, yp_schema_lookup ("client"), self->client_id, NULL);
  self->ended = client && g_strcmp0 (yp_record_get_string (client, "status"), "ended") == 0;
  rows = yp_follow_ups_list (self->store, self->client_id, NULL);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      YpRecord *f = rows->pdata[i];

      if (yp_record_is_null (f, "done_at"))
        {
          gtk_list_box_append (self->upcoming_list, upcoming_row_new (self, f));
          n_upcoming++;
        }
      else
        {
          gtk_list_box_append (self->done_list, done_row_new (self, f));
          n_done++;
        }
    }
  if (n_upcoming == 0)
    add_placeholder (self->upcoming_list,
                     self->ended ? _("Nothing scheduled: the client relationship has ended.")
                                 : _("Nothing scheduled yet."));
  if (n_done == 0)
    add_placeholder (self->done_list, _("No contact recorded yet."));

  if (self->ended)
    {
      g_autofree char *date = yp_date_format_fi (yp_record_get_string (client, "ended_on"));
      g_autofree char *text = NULL;

      /* Translators: "The client relationship ended on 23.11.2026. Reason: The goals were
       * reached." */
      text = g_strdup_printf (_("The client relationship ended on %s. Reason: %s."), date,
                              yp_end_reason_label (yp_record_get_string (client, "end_reason"))
                              ?: "");
      gtk_label_set_label (self->ended_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->ended_label), self->ended);
  gtk_widget_set_visible (self->end_button, !self->ended);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "follow-ups.schedule", !self->ended);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "follow-ups.end", !self->ended);
}

static void
on_store_changed (YpStore         *store,
                  const char      *table,
                  const char      *id,
                  YpFollowUpsView *self)
{
  if (g_strcmp0 (table, "follow_ups") == 0 || g_strcmp0 (table, "clients") == 0
      || g_strcmp0 (table, "professionals") == 0)
    refresh (self);
}

/* ---- schedule --------------------------------------------------------------------------- */

static void
reset_schedule_dialog (YpFollowUpsView *self)
{
  g_autoptr(GPtrArray) rows = yp_store_list_directory (self->store,
                                                       yp_schema_lookup ("professional"),
                                                       NULL);
  g_autoptr(GtkStringList) names = string_list_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) week = g_date_time_add_days (now, 7);
  g_autofree char *iso = g_date_time_format (week, "%Y-%m-%d");
  g_autofree char *shown = yp_date_format_fi (iso);
  guint me = 0;

  g_ptr_array_set_size (self->professional_ids, 0);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      const char *id = yp_record_get_id (rows->pdata[i]);

      gtk_string_list_append (names, yp_record_get_string (rows->pdata[i], "name"));
      g_ptr_array_add (self->professional_ids, g_strdup (id));
      if (g_strcmp0 (id, yp_store_get_me_id (self->store)) == 0)
        me = i;
    }
  adw_combo_row_set_model (self->schedule_assignee_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->schedule_assignee_row, me);
  adw_combo_row_set_selected (self->schedule_kind_row, 0);
  gtk_editable_set_text (GTK_EDITABLE (self->schedule_date_row), shown);
  show_error (self->schedule_error_label, NULL);
}

static void
schedule_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  YpFollowUpsView *self = YP_FOLLOW_UPS_VIEW (widget);

  if (self->client_id == NULL || self->ended)
    return;
  /* A dialog closed with text in it opens as it was left. */
  present_dialog (self, self->schedule_dialog);
  gtk_widget_grab_focus (GTK_WIDGET (self->schedule_date_row));
}

static void
on_schedule_cancel_clicked (GtkWidget       *button,
                            YpFollowUpsView *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->schedule_dialog), FALSE);
  reset_schedule_dialog (self);
}

static void
on_schedule_save_clicked (GtkWidget       *button,
                          YpFollowUpsView *self)
{
  const char * const *kinds = yp_follow_up_kinds ();
  guint kind = adw_combo_row_get_selected (self->schedule_kind_row);
  guint who = adw_combo_row_get_selected (self->schedule_assignee_row);
  g_autofree char *due = yp_date_parse_user (gtk_editable_get_text (GTK_EDITABLE (self->schedule_date_row)));
  g_autoptr(YpRecord) follow_up = NULL;
  g_autoptr(GError) error = NULL;

  if (due == NULL)
    {
      show_error (self->schedule_error_label,
                  _("Write the date as day.month.year, for example 23.11.2026."));
      gtk_widget_grab_focus (GTK_WIDGET (self->schedule_date_row));
      return;
    }
  follow_up = yp_follow_ups_schedule (self->store, self->client_id,
                                      kind < g_strv_length ((char **) kinds) ? kinds[kind] : NULL,
                                      due,
                                      who < self->professional_ids->len
                                      ? self->professional_ids->pdata[who] : NULL,
                                      &error);
  if (follow_up == NULL)
    {
      show_error (self->schedule_error_label, error->message);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->schedule_dialog), FALSE);
  reset_schedule_dialog (self);
}

/* ---- record ----------------------------------------------------------------------------- */

static void
update_who5_score (YpFollowUpsView *self)
{
  int answers[YP_WHO5_N_ITEMS];
  guint answered = 0;
  int score = -1;
  g_autofree char *text = NULL;

  for (guint i = 0; i < YP_WHO5_N_ITEMS; i++)
    {
      guint pos = adw_combo_row_get_selected (self->record_who5_rows[i]);

      /* Position 0 is "not answered", then 5 (all of the time) down to 0 (at no time). */
      answers[i] = pos == 0 || pos == GTK_INVALID_LIST_POSITION ? -1 : 6 - (int) pos;
      answered += answers[i] >= 0;
    }
  if (answered == 0)
    text = g_strdup (_("Not answered"));
  else if (answered < YP_WHO5_N_ITEMS)
    text = g_strdup_printf (_("Answer all five for a score (%u of 5 answered)"), answered);
  else if (yp_who5_score (answers, &score, NULL))
    /* Translators: the WHO-5 score, 0-100 */
    text = g_strdup_printf (_("%d / 100"), score);
  adw_action_row_set_subtitle (self->record_who5_score_row, text ? text : "");
}

static void
on_who5_changed (AdwComboRow     *row,
                 GParamSpec      *pspec,
                 YpFollowUpsView *self)
{
  update_who5_score (self);
}

static void
reset_record_dialog (YpFollowUpsView *self)
{
  g_autofree char *today = yp_today_iso ();
  g_autofree char *shown = yp_date_format_fi (today);

  gtk_editable_set_text (GTK_EDITABLE (self->record_date_row), shown);
  adw_combo_row_set_selected (self->record_coping_row, 0);
  gtk_editable_set_text (GTK_EDITABLE (self->record_next_step_row), "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->record_notes_view), "", -1);
  adw_combo_row_set_selected (self->record_nps_row, 0);
  for (guint i = 0; i < YP_WHO5_N_ITEMS; i++)
    adw_combo_row_set_selected (self->record_who5_rows[i], 0);
  show_error (self->record_error_label, NULL);
  update_who5_score (self);
}

static void
record_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  YpFollowUpsView *self = YP_FOLLOW_UPS_VIEW (widget);
  const char *id = g_variant_get_string (param, NULL);
  g_autoptr(YpRecord) follow_up = NULL;
  g_autofree char *date = NULL;
  g_autofree char *description = NULL;

  follow_up = yp_store_get (self->store, yp_schema_lookup ("follow_up"), id, NULL);
  if (follow_up == NULL)
    return;
  /* Another follow-up than the one left half-recorded starts from an empty form. */
  if (g_strcmp0 (self->record_id, id) != 0)
    {
      g_free (self->record_id);
      self->record_id = g_strdup (id);
      reset_record_dialog (self);
    }
  date = yp_date_format_fi (yp_record_get_string (follow_up, "due_on"));
  /* Translators: "Follow-up call, planned for 23.11.2026" */
  description = g_strdup_printf (_("%s, planned for %s"),
                                 yp_follow_up_kind_label (yp_record_get_string (follow_up,
                                                                                "kind")),
                                 date);
  adw_preferences_group_set_description (self->record_contact_group, description);
  present_dialog (self, self->record_dialog);
}

static void
on_record_cancel_clicked (GtkWidget       *button,
                          YpFollowUpsView *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->record_dialog), FALSE);
}

static void
on_record_save_clicked (GtkWidget       *button,
                        YpFollowUpsView *self)
{
  YpFollowUpContact contact;
  g_autofree char *date = NULL;
  g_autofree char *today = yp_today_iso ();
  g_autofree char *done_at = NULL;
  g_autofree char *notes = text_view_dup_text (self->record_notes_view);
  g_autoptr(GError) error = NULL;
  guint coping = adw_combo_row_get_selected (self->record_coping_row);
  guint nps = adw_combo_row_get_selected (self->record_nps_row);

  if (self->record_id == NULL)
    return;
  yp_follow_up_contact_init (&contact);
  date = yp_date_parse_user (gtk_editable_get_text (GTK_EDITABLE (self->record_date_row)));
  if (date == NULL)
    {
      show_error (self->record_error_label,
                  _("Write the date of the contact as day.month.year, for example "
                    "23.11.2026."));
      gtk_widget_grab_focus (GTK_WIDGET (self->record_date_row));
      return;
    }
  /* Today: the time now; an earlier day: midday of that day. */
  if (g_strcmp0 (date, today) != 0)
    done_at = g_strdup_printf ("%sT12:00:00Z", date);
  contact.done_at = done_at;
  contact.coping = coping >= 1 && coping <= 5 ? (int) coping : -1;
  contact.notes = notes;
  contact.next_step = gtk_editable_get_text (GTK_EDITABLE (self->record_next_step_row));
  contact.nps = nps >= 1 && nps <= 11 ? (int) nps - 1 : -1;
  for (guint i = 0; i < YP_WHO5_N_ITEMS; i++)
    {
      guint pos = adw_combo_row_get_selected (self->record_who5_rows[i]);

      contact.who5[i] = pos >= 1 && pos <= 6 ? 6 - (int) pos : -1;
    }

  if (!yp_follow_ups_record (self->store, self->record_id, &contact, &error))
    {
      show_error (self->record_error_label, error->message);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->record_dialog), FALSE);
  g_clear_pointer (&self->record_id, g_free);
  reset_record_dialog (self);
}

/* ---- end the relationship --------------------------------------------------------------- */

static void
reset_end_dialog (YpFollowUpsView *self)
{
  adw_combo_row_set_selected (self->end_reason_row, 0);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->end_summary_view), "", -1);
  show_error (self->end_error_label, NULL);
}

static void
end_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  YpFollowUpsView *self = YP_FOLLOW_UPS_VIEW (widget);

  if (self->client_id == NULL || self->ended)
    return;
  present_dialog (self, self->end_dialog);
  gtk_widget_grab_focus (GTK_WIDGET (self->end_reason_row));
}

static void
on_end_cancel_clicked (GtkWidget       *button,
                       YpFollowUpsView *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->end_dialog), FALSE);
}

static void
on_end_confirm_response (AdwMessageDialog *dialog,
                         const char       *response,
                         YpFollowUpsView  *self)
{
  const char * const *reasons = yp_end_reasons ();
  guint reason = adw_combo_row_get_selected (self->end_reason_row);
  g_autofree char *summary = text_view_dup_text (self->end_summary_view);
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "end") != 0)
    return;
  if (!yp_follow_ups_end_relationship (self->store, self->client_id,
                                       reason < g_strv_length ((char **) reasons)
                                       ? reasons[reason] : NULL,
                                       summary, &error))
    {
      show_error (self->end_error_label, error->message);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->end_dialog), FALSE);
  reset_end_dialog (self);
}

static void
on_end_continue_clicked (GtkWidget       *button,
                         YpFollowUpsView *self)
{
  g_autofree char *summary = g_strstrip (text_view_dup_text (self->end_summary_view));
  g_autoptr(YpRecord) client = NULL;
  g_autofree char *name = NULL;
  g_autofree char *body = NULL;
  AdwMessageDialog *confirm;

  if (*summary == '\0')
    {
      show_error (self->end_error_label,
                  _("Write a short closing summary: what was reached and what happens "
                    "next."));
      gtk_widget_grab_focus (GTK_WIDGET (self->end_summary_view));
      return;
    }
  show_error (self->end_error_label, NULL);
  client = yp_store_get (self->store, yp_schema_lookup ("client"), self->client_id, NULL);
  name = client ? g_strdup_printf ("%s %s", yp_record_get_string (client, "first_name"),
                                   yp_record_get_string (client, "last_name"))
                : g_strdup (_("The client"));
  /* Translators: %s is the client's name */
  body = g_strdup_printf (_("%s moves to the Ended list and leaves the Today, Mine and All "
                            "lists. Open follow-ups leave the worklist. The reason and the "
                            "closing summary are saved; nothing recorded is deleted."), name);
  confirm = ADW_MESSAGE_DIALOG (adw_message_dialog_new (self->end_dialog,
                                                        _("End the client relationship?"),
                                                        body));
  adw_message_dialog_add_responses (confirm, "cancel", _("_Cancel"),
                                    "end", _("_End the Relationship"), NULL);
  adw_message_dialog_set_response_appearance (confirm, "end", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (confirm, "cancel");
  adw_message_dialog_set_close_response (confirm, "cancel");
  g_signal_connect_object (confirm, "response", G_CALLBACK (on_end_confirm_response), self, 0);
  gtk_window_present (GTK_WINDOW (confirm));
}

/* ---- the client ------------------------------------------------------------------------- */

void
yp_follow_ups_view_set_client_id (YpFollowUpsView *self,
                                  const char      *client_id)
{
  g_return_if_fail (YP_IS_FOLLOW_UPS_VIEW (self));

  if (g_strcmp0 (self->client_id, client_id) == 0)
    return;
  g_free (self->client_id);
  self->client_id = g_strdup (client_id);
  /* Nothing half-typed for one client is saved on another. */
  gtk_widget_set_visible (GTK_WIDGET (self->schedule_dialog), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->record_dialog), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->end_dialog), FALSE);
  g_clear_pointer (&self->record_id, g_free);
  reset_schedule_dialog (self);
  reset_record_dialog (self);
  reset_end_dialog (self);
  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ID]);
}

const char *
yp_follow_ups_view_get_client_id (YpFollowUpsView *self)
{
  g_return_val_if_fail (YP_IS_FOLLOW_UPS_VIEW (self), NULL);
  return self->client_id;
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
fill_choice_models (YpFollowUpsView *self)
{
  g_autoptr(GtkStringList) coping = string_list_new ();
  g_autoptr(GtkStringList) nps = string_list_new ();
  g_autoptr(GtkStringList) reasons = string_list_new ();
  g_autofree char *nps_description = NULL;
  g_autofree char *who5_description = NULL;
  const char * const *reason_keys = yp_end_reasons ();

  gtk_string_list_append (coping, _("Not chosen"));
  for (int i = 1; i <= 5; i++)
    {
      g_autofree char *item = g_strdup_printf ("%d – %s", i, yp_follow_up_coping_label (i));

      gtk_string_list_append (coping, item);
    }
  adw_combo_row_set_model (self->record_coping_row, G_LIST_MODEL (coping));

  gtk_string_list_append (nps, _("Not asked"));
  for (int i = 0; i <= 10; i++)
    {
      g_autofree char *item = g_strdup_printf ("%d", i);

      gtk_string_list_append (nps, item);
    }
  adw_combo_row_set_model (self->record_nps_row, G_LIST_MODEL (nps));
  /* Translators: the quoted question, then how the scale reads */
  nps_description = g_strdup_printf (_("“%s” — 0 means not at all, 10 means completely."),
                                     yp_follow_up_nps_question ());
  adw_preferences_group_set_description (self->record_nps_group, nps_description);

  for (guint i = 0; i < YP_WHO5_N_ITEMS; i++)
    {
      g_autoptr(GtkStringList) answers = string_list_new ();

      gtk_string_list_append (answers, _("Not answered"));
      for (int v = 5; v >= 0; v--)
        {
          g_autofree char *item = g_strdup_printf ("%d – %s", v, yp_who5_answer_label (v));

          gtk_string_list_append (answers, item);
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->record_who5_rows[i]),
                                     yp_who5_item (i));
      adw_combo_row_set_model (self->record_who5_rows[i], G_LIST_MODEL (answers));
    }
  who5_description = g_strdup_printf (_("%s Answer all five statements, or none."),
                                      yp_who5_intro ());
  adw_preferences_group_set_description (self->record_who5_group, who5_description);

  for (guint i = 0; reason_keys[i]; i++)
    gtk_string_list_append (reasons, yp_end_reason_label (reason_keys[i]));
  adw_combo_row_set_model (self->end_reason_row, G_LIST_MODEL (reasons));
}

static void
yp_follow_ups_view_constructed (GObject *object)
{
  YpFollowUpsView *self = YP_FOLLOW_UPS_VIEW (object);

  G_OBJECT_CLASS (yp_follow_ups_view_parent_class)->constructed (object);

  fill_choice_models (self);
  reset_schedule_dialog (self);
  reset_record_dialog (self);
  reset_end_dialog (self);
  g_signal_connect_object (self->store, "changed", G_CALLBACK (on_store_changed), self, 0);
  refresh (self);
}

static void
yp_follow_ups_view_dispose (GObject *object)
{
  YpFollowUpsView *self = YP_FOLLOW_UPS_VIEW (object);
  GtkWidget *child;

  /* The dialogs are toplevels of their own: GTK keeps them until they are destroyed. */
  if (self->schedule_dialog)
    gtk_window_destroy (self->schedule_dialog);
  if (self->record_dialog)
    gtk_window_destroy (self->record_dialog);
  if (self->end_dialog)
    gtk_window_destroy (self->end_dialog);
  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_FOLLOW_UPS_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (yp_follow_ups_view_parent_class)->dispose (object);
}

static void
yp_follow_ups_view_finalize (GObject *object)
{
  YpFollowUpsView *self = YP_FOLLOW_UPS_VIEW (object);

  g_free (self->client_id);
  g_free (self->record_id);
  g_ptr_array_unref (self->professional_ids);
  g_hash_table_unref (self->names);

  G_OBJECT_CLASS (yp_follow_ups_view_parent_class)->finalize (object);
}

static void
yp_follow_ups_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  YpFollowUpsView *self = YP_FOLLOW_UPS_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_CLIENT_ID: g_value_set_string (value, self->client_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_follow_ups_view_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  YpFollowUpsView *self = YP_FOLLOW_UPS_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    case PROP_CLIENT_ID:
      yp_follow_ups_view_set_client_id (self, g_value_get_string (value));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_follow_ups_view_class_init (YpFollowUpsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = yp_follow_ups_view_constructed;
  object_class->dispose = yp_follow_ups_view_dispose;
  object_class->finalize = yp_follow_ups_view_finalize;
  object_class->get_property = yp_follow_ups_view_get_property;
  object_class->set_property = yp_follow_ups_view_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/yp-follow-ups-view.ui");
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, upcoming_list);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, done_list);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, ended_label);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, end_button);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, schedule_dialog);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, schedule_kind_row);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, schedule_date_row);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, schedule_assignee_row);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, schedule_error_label);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, record_dialog);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, record_contact_group);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, record_date_row);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, record_coping_row);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, record_next_step_row);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, record_notes_view);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, record_nps_group);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, record_nps_row);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, record_who5_group);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, record_who5_score_row);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, record_error_label);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, end_dialog);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, end_reason_row);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, end_summary_view);
  gtk_widget_class_bind_template_child (widget_class, YpFollowUpsView, end_error_label);
  for (guint i = 0; i < YP_WHO5_N_ITEMS; i++)
    {
      g_autofree char *name = g_strdup_printf ("record_who5_row_%u", i + 1);

      gtk_widget_class_bind_template_child_full (widget_class, name, FALSE,
                                                 G_STRUCT_OFFSET (YpFollowUpsView,
                                                                  record_who5_rows[i]));
    }
  gtk_widget_class_bind_template_callback (widget_class, on_schedule_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_schedule_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_record_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_record_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_end_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_end_continue_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_who5_changed);

  gtk_widget_class_install_action (widget_class, "follow-ups.schedule", NULL, schedule_action);
  gtk_widget_class_install_action (widget_class, "follow-ups.record", "s", record_action);
  gtk_widget_class_install_action (widget_class, "follow-ups.end", NULL, end_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
yp_follow_ups_view_init (YpFollowUpsView *self)
{
  self->professional_ids = g_ptr_array_new_with_free_func (g_free);
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
yp_follow_ups_view_new (YpStore *store)
{
  return g_object_new (YP_TYPE_FOLLOW_UPS_VIEW, "store", store, NULL);
}
