/* yp-plan-view.c — the shared plan, made with the client.
 *
 * There is no save button: every field is written to the store (row + outbox entry, one
 * transaction, committed before the call returns) when it is applied or when the focus leaves
 * it, so a forgotten click or a crash right after an edit loses nothing. The rows are updated in
 * place when the store changes; a row being typed in is not overwritten.
 */
#define G_LOG_DOMAIN "yp-plan-view"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-client-print.h"
#include "yp-plan-view.h"
#include "yp-plan.h"
#include "yp-resources.h"
#include "yp-util.h"

enum { SEC_GOAL, SEC_RESOURCE, SEC_NEED, SEC_ACTION, N_SECTIONS };
static const char * const section_keys[N_SECTIONS] = { "goal", "resource", "need", "action" };
static const char * const action_statuses[] = {
  "planned", "in_progress", "done", "cancelled", NULL
};
static const char * const methods[] = { "in_person", "phone", "written", NULL };

typedef struct
{
  char           *id;
  int             section;
  GtkWidget      *top;         /* the row in the section list */
  AdwEntryRow    *text_row;
  GtkCheckButton *hidden_check; /* needs */
  AdwEntryRow    *who_row;     /* actions */
  AdwEntryRow    *due_row;
  AdwComboRow    *status_row;
  gboolean        seen;
} EntryWidgets;

struct _YpPlanView
{
  GtkWidget         parent_instance;

  /* template */
  GtkLabel         *review_label;
  GtkLabel         *error_label;
  GtkBox           *sections_box;
  AdwActionRow     *responsible_row;
  AdwEntryRow      *review_row;
  GtkListBox       *versions_list;
  AdwPreferencesGroup *compare_group;
  GtkListBox       *changes_list;

  /* owned */
  YpStore          *store;
  char             *client_id;
  GtkListBox       *section_lists[N_SECTIONS];
  AdwEntryRow      *add_rows[N_SECTIONS];
  GHashTable       *entries;   /* id → EntryWidgets */
  GPtrArray        *versions;  /* YpRecord, newest first, as listed */
  char             *review_text;
  gulong            changed_id;
  gboolean          loading;

  /* borrowed */
  AdwMessageDialog *agree_dialog;
};

G_DEFINE_FINAL_TYPE (YpPlanView, yp_plan_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_STORE, PROP_CLIENT_ID, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void refresh (YpPlanView *self);

static void
entry_widgets_free (gpointer data)
{
  EntryWidgets *w = data;

  g_free (w->id);
  g_free (w);
}

static void
show_error (YpPlanView *self,
            const char *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static EntryWidgets *
entry_for_widget (YpPlanView *self,
                  GtkWidget  *widget)
{
  GHashTableIter iter;
  EntryWidgets *w;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &w))
    if (widget == GTK_WIDGET (w->text_row) || widget == GTK_WIDGET (w->who_row) ||
        widget == GTK_WIDGET (w->due_row) || widget == GTK_WIDGET (w->status_row) ||
        widget == GTK_WIDGET (w->hidden_check) || gtk_widget_is_ancestor (widget, w->top))
      return w;
  return NULL;
}

static gboolean
is_editing (GtkWidget *widget)
{
  return widget != NULL &&
         (gtk_widget_has_focus (widget) || gtk_widget_get_focus_child (widget) != NULL);
}

static void
set_text_unless_editing (AdwEntryRow *row,
                         const char  *text)
{
  if (row != NULL && !is_editing (GTK_WIDGET (row)) &&
      g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (row)), text ? text : "") != 0)
    gtk_editable_set_text (GTK_EDITABLE (row), text ? text : "");
}

static void
save_field (YpPlanView   *self,
            EntryWidgets *w,
            const char   *field,
            const char   *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) current = yp_store_get (self->store, yp_schema_lookup ("plan_entry"),
                                              w->id, NULL);
  g_autofree char *old = current ? yp_record_dup_text (current, field) : NULL;

  if (g_strcmp0 (old ? old : "", value ? value : "") == 0)
    return;
  if (!yp_plan_set_entry_field (self->store, w->id, field, value, &error))
    show_error (self, error->message);
  else
    show_error (self, NULL);
}

/* Applied or left: the one field of that row is written. */
static void
commit_row (YpPlanView  *self,
            AdwEntryRow *row)
{
  EntryWidgets *w = entry_for_widget (self, GTK_WIDGET (row));
  g_autofree char *text = NULL;

  if (self->loading || w == NULL)
    return;
  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  if (row == w->text_row)
    {
      if (*text == '\0')
        {
          gtk_widget_add_css_class (GTK_WIDGET (row), "error");
          show_error (self, _("An entry cannot be empty. Write something, or remove the entry."));
          return;
        }
      save_field (self, w, "text", text);
    }
  else if (row == w->who_row)
    save_field (self, w, "responsible", text);
  else if (row == w->due_row)
    {
      g_autofree char *iso = *text ? yp_date_parse_user (text) : NULL;

      if (*text && iso == NULL)
        {
          gtk_widget_add_css_class (GTK_WIDGET (row), "error");
          show_error (self, _("Write the date as day.month.year, for example 23.11.2026."));
          return;
        }
      save_field (self, w, "due_on", iso);
    }
}

static void
on_entry_apply (AdwEntryRow *row,
                YpPlanView  *self)
{
  commit_row (self, row);
}

static void
on_entry_focus_leave (GtkEventControllerFocus *controller,
                      YpPlanView              *self)
{
  commit_row (self, ADW_ENTRY_ROW (gtk_event_controller_get_widget (
                                     GTK_EVENT_CONTROLLER (controller))));
}

static void
watch_focus (YpPlanView  *self,
             AdwEntryRow *row,
             GCallback    leave)
{
  GtkEventController *focus = gtk_event_controller_focus_new ();

  g_signal_connect (focus, "leave", leave, self);
  gtk_widget_add_controller (GTK_WIDGET (row), focus);
}

static void
on_hidden_toggled (GtkCheckButton *check,
                   YpPlanView     *self)
{
  EntryWidgets *w = entry_for_widget (self, GTK_WIDGET (check));

  if (!self->loading && w != NULL)
    save_field (self, w, "hidden_need", gtk_check_button_get_active (check) ? "1" : "0");
}

static void
on_status_selected (AdwComboRow *combo,
                    GParamSpec  *pspec,
                    YpPlanView  *self)
{
  EntryWidgets *w = entry_for_widget (self, GTK_WIDGET (combo));
  guint selected = adw_combo_row_get_selected (combo);

  if (!self->loading && w != NULL && selected < G_N_ELEMENTS (action_statuses) - 1)
    save_field (self, w, "action_status", action_statuses[selected]);
}

static void
on_remove_clicked (GtkButton  *button,
                   YpPlanView *self)
{
  EntryWidgets *w = entry_for_widget (self, GTK_WIDGET (button));
  g_autoptr(GError) error = NULL;

  if (w == NULL)
    return;
  if (!yp_plan_remove_entry (self->store, w->id, &error))
    show_error (self, error->message);
  refresh (self);
}

static GtkWidget *
remove_button (YpPlanView *self)
{
  GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Remove this entry"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Remove this entry"), -1);
  gtk_widget_add_css_class (button, "flat");
  g_signal_connect (button, "clicked", G_CALLBACK (on_remove_clicked), self);
  return button;
}

static AdwEntryRow *
new_entry_row (YpPlanView *self,
               const char *title)
{
  AdwEntryRow *row = ADW_ENTRY_ROW (adw_entry_row_new ());

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_entry_row_set_show_apply_button (row, TRUE);
  g_signal_connect (row, "apply", G_CALLBACK (on_entry_apply), self);
  watch_focus (self, row, G_CALLBACK (on_entry_focus_leave));
  return row;
}

static EntryWidgets *
create_entry_widgets (YpPlanView *self,
                      YpRecord   *entry,
                      int         section)
{
  static const char *titles[N_SECTIONS] = {
    N_("Goal in the client's own words"), N_("Resource or strength"), N_("Service need"),
    N_("What"),
  };
  EntryWidgets *w = g_new0 (EntryWidgets, 1);

  w->id = g_strdup (yp_record_get_id (entry));
  w->section = section;
  w->text_row = new_entry_row (self, _(titles[section]));
  if (section != SEC_ACTION)
    {
      adw_entry_row_add_suffix (w->text_row, remove_button (self));
      if (section == SEC_NEED)
        {
          w->hidden_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (_("Found late")));
          gtk_widget_set_tooltip_text (GTK_WIDGET (w->hidden_check),
                                       _("A hidden need: one that came up only later"));
          g_signal_connect (w->hidden_check, "toggled", G_CALLBACK (on_hidden_toggled), self);
          adw_entry_row_add_suffix (w->text_row, GTK_WIDGET (w->hidden_check));
        }
      w->top = GTK_WIDGET (w->text_row);
    }
  else
    {
      AdwExpanderRow *exp = ADW_EXPANDER_ROW (adw_expander_row_new ());
      g_autoptr(GtkStringList) statuses = gtk_string_list_new (NULL);

      w->top = GTK_WIDGET (exp);
      adw_expander_row_add_action (exp, remove_button (self));
      adw_expander_row_add_row (exp, GTK_WIDGET (w->text_row));
      w->who_row = new_entry_row (self, _("Who is responsible (a participant, the client or an "
                                          "organisation)"));
      adw_expander_row_add_row (exp, GTK_WIDGET (w->who_row));
      w->due_row = new_entry_row (self, _("By when (day.month.year)"));
      adw_expander_row_add_row (exp, GTK_WIDGET (w->due_row));
      gtk_string_list_append (statuses, C_("action status", "Planned"));
      gtk_string_list_append (statuses, C_("action status", "In progress"));
      gtk_string_list_append (statuses, C_("action status", "Done"));
      gtk_string_list_append (statuses, C_("action status", "Cancelled"));
      w->status_row = ADW_COMBO_ROW (adw_combo_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (w->status_row), _("Status"));
      adw_combo_row_set_model (w->status_row, G_LIST_MODEL (statuses));
      g_signal_connect (w->status_row, "notify::selected", G_CALLBACK (on_status_selected), self);
      adw_expander_row_add_row (exp, GTK_WIDGET (w->status_row));
    }
  return w;
}

static const char *
action_status_words (const char *status)
{
  if (g_strcmp0 (status, "in_progress") == 0)
    return C_("action status", "In progress");
  if (g_strcmp0 (status, "done") == 0)
    return C_("action status", "Done");
  if (g_strcmp0 (status, "cancelled") == 0)
    return C_("action status", "Cancelled");
  return C_("action status", "Planned");
}

static void
update_entry_widgets (YpPlanView   *self,
                      EntryWidgets *w,
                      YpRecord     *entry)
{
  const char *text = yp_record_get_string (entry, "text");

  set_text_unless_editing (w->text_row, text);
  if (w->hidden_check != NULL)
    gtk_check_button_set_active (w->hidden_check, yp_record_get_int (entry, "hidden_need") != 0);
  if (w->section == SEC_ACTION)
    {
      const char *due = yp_record_get_string (entry, "due_on");
      g_autofree char *due_fi = due ? yp_date_format_fi (due) : NULL;
      const char *status = yp_record_get_string (entry, "action_status");
      g_autoptr(GString) subtitle = g_string_new (action_status_words (status));

      set_text_unless_editing (w->who_row, yp_record_get_string (entry, "responsible"));
      set_text_unless_editing (w->due_row, due_fi);
      for (guint i = 0; action_statuses[i]; i++)
        if (g_strcmp0 (action_statuses[i], status) == 0)
          adw_combo_row_set_selected (w->status_row, i);
      if (!yp_record_is_null (entry, "responsible"))
        g_string_append_printf (subtitle, " · %s", yp_record_get_string (entry, "responsible"));
      if (due_fi != NULL)
        g_string_append_printf (subtitle, " · %s", due_fi);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (w->top), text);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (w->top), subtitle->str);
    }
}

/* ---- adding ----------------------------------------------------------------------------- */

static int
section_of_add_row (YpPlanView  *self,
                    AdwEntryRow *row)
{
  for (int i = 0; i < N_SECTIONS; i++)
    if (self->add_rows[i] == row)
      return i;
  return -1;
}

static void
commit_add_row (YpPlanView  *self,
                AdwEntryRow *row)
{
  int section = section_of_add_row (self, row);
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  g_autoptr(YpRecord) entry = NULL;
  g_autoptr(GError) error = NULL;

  if (section < 0 || self->client_id == NULL || *text == '\0')
    return;
  entry = yp_plan_add_entry (self->store, self->client_id, section_keys[section], text, &error);
  if (entry == NULL)
    {
      show_error (self, error->message);
      return;
    }
  show_error (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (row), "");
  refresh (self);
}

static void
on_add_apply (AdwEntryRow *row,
              YpPlanView  *self)
{
  commit_add_row (self, row);
}

static void
on_add_focus_leave (GtkEventControllerFocus *controller,
                    YpPlanView              *self)
{
  commit_add_row (self, ADW_ENTRY_ROW (gtk_event_controller_get_widget (
                                         GTK_EVENT_CONTROLLER (controller))));
}

static void
build_sections (YpPlanView *self)
{
  static const char *titles[N_SECTIONS] = {
    N_("Own Goals"), N_("Own Resources and Strengths"), N_("Service Needs"), N_("Actions"),
  };
  static const char *descriptions[N_SECTIONS] = {
    N_("What the client wants, in the client's own words."),
    N_("What already helps: people, skills, habits."),
    N_("Services the client needs. Mark a need found late as hidden."),
    N_("What is done, who is responsible and by when."),
  };
  static const char *add_titles[N_SECTIONS] = {
    N_("Add a goal"), N_("Add a resource"), N_("Add a service need"), N_("Add an action"),
  };

  for (int i = 0; i < N_SECTIONS; i++)
    {
      GtkWidget *group = adw_preferences_group_new ();
      GtkWidget *list = gtk_list_box_new ();

      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _(titles[i]));
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), _(descriptions[i]));
      gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
      gtk_widget_add_css_class (list, "boxed-list");
      gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _(titles[i]), -1);
      self->add_rows[i] = ADW_ENTRY_ROW (adw_entry_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->add_rows[i]), _(add_titles[i]));
      adw_entry_row_set_show_apply_button (self->add_rows[i], TRUE);
      adw_entry_row_add_prefix (self->add_rows[i], gtk_image_new_from_icon_name ("list-add-symbolic"));
      g_signal_connect (self->add_rows[i], "apply", G_CALLBACK (on_add_apply), self);
      watch_focus (self, self->add_rows[i], G_CALLBACK (on_add_focus_leave));
      gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (self->add_rows[i]));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), list);
      gtk_box_append (self->sections_box, group);
      self->section_lists[i] = GTK_LIST_BOX (list);
    }
}

/* ---- review date, versions ---------------------------------------------------------------- */

static void
commit_review (YpPlanView *self)
{
  g_autofree char *text = NULL;
  g_autofree char *iso = NULL;
  g_autoptr(YpRecord) client = NULL;
  g_autoptr(GError) error = NULL;

  if (self->loading || self->client_id == NULL)
    return;
  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->review_row))));
  if (*text && (iso = yp_date_parse_user (text)) == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->review_row), "error");
      show_error (self, _("Write the review date as day.month.year, for example 23.11.2026."));
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->review_row), "error");
  client = yp_store_get (self->store, yp_schema_lookup ("client"), self->client_id, NULL);
  if (client && g_strcmp0 (yp_record_get_string (client, "review_due"), iso) == 0)
    return;
  if (!yp_plan_set_review_date (self->store, self->client_id, iso, &error))
    show_error (self, error->message);
  else
    show_error (self, NULL);
  refresh (self);
}

static void
on_review_apply (AdwEntryRow *row,
                 YpPlanView  *self)
{
  commit_review (self);
}

static void
on_review_focus_leave (GtkEventControllerFocus *controller,
                       YpPlanView              *self)
{
  commit_review (self);
}

static const char *
method_words (const char *method)
{
  if (g_strcmp0 (method, "phone") == 0)
    return C_("agreed", "By phone");
  if (g_strcmp0 (method, "written") == 0)
    return C_("agreed", "In writing");
  return C_("agreed", "In person");
}

static guint
count_checked_versions (YpPlanView *self,
                        int        *first,
                        int        *second)
{
  guint n = 0;
  int i = 0;

  *first = *second = -1;
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->versions_list)); row;
       row = gtk_widget_get_next_sibling (row), i++)
    {
      GtkCheckButton *check = g_object_get_data (G_OBJECT (row), "yp-check");

      if (check != NULL && gtk_check_button_get_active (check))
        {
          if (n == 0)
            *first = i;
          else if (n == 1)
            *second = i;
          n++;
        }
    }
  return n;
}

static void
update_compare_action (YpPlanView *self)
{
  int a, b;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plan.compare",
                                 count_checked_versions (self, &a, &b) == 2);
}

static void
on_version_toggled (GtkCheckButton *check,
                    YpPlanView     *self)
{
  update_compare_action (self);
}

static void
fill_versions (YpPlanView *self)
{
  GtkWidget *child;
  g_autoptr(GHashTable) checked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* Keep which versions were ticked across a refresh. */
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->versions_list)); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkCheckButton *check = g_object_get_data (G_OBJECT (child), "yp-check");
      const char *id = g_object_get_data (G_OBJECT (child), "yp-version-id");

      if (check && id && gtk_check_button_get_active (check))
        g_hash_table_add (checked, g_strdup (id));
    }
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->versions_list))) != NULL)
    gtk_list_box_remove (self->versions_list, child);

  g_clear_pointer (&self->versions, g_ptr_array_unref);
  if (self->client_id != NULL)
    self->versions = yp_plan_list_versions (self->store, self->client_id, NULL);
  for (guint i = 0; self->versions && i < self->versions->len; i++)
    {
      YpRecord *v = self->versions->pdata[i];
      const char *at = yp_record_get_string (v, "agreed_at");
      g_autofree char *day = g_strndup (at ? at : "", 10);
      g_autofree char *day_fi = yp_date_format_fi (day);
      g_autofree char *title = g_strdup_printf ("%s · %s", day_fi,
                                                method_words (yp_record_get_string (v, "agreed_method")));
      g_autoptr(YpRecord) who = yp_store_get (self->store, yp_schema_lookup ("professional"),
                                              yp_record_get_string (v, "recorded_by"), NULL);
      g_autofree char *subtitle =
        /* Translators: who wrote down an agreed plan version */
        g_strdup_printf (_("Recorded by %s"), who ? yp_record_get_string (who, "name") : "?");
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      title, -1);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   g_hash_table_contains (checked, yp_record_get_id (v)));
      g_signal_connect (check, "toggled", G_CALLBACK (on_version_toggled), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      g_object_set_data (G_OBJECT (row), "yp-check", check);
      g_object_set_data_full (G_OBJECT (row), "yp-version-id", g_strdup (yp_record_get_id (v)),
                              g_free);
      gtk_list_box_append (self->versions_list, row);
    }
  update_compare_action (self);
}

static char *
describe_fields (GStrv fields)
{
  g_autoptr(GPtrArray) words = g_ptr_array_new ();

  for (guint i = 0; fields && fields[i]; i++)
    {
      const char *f = fields[i];

      if (g_str_equal (f, "text"))
        g_ptr_array_add (words, (gpointer) C_("changed field", "text"));
      else if (g_str_equal (f, "hidden_need"))
        g_ptr_array_add (words, (gpointer) C_("changed field", "found late"));
      else if (g_str_equal (f, "responsible"))
        g_ptr_array_add (words, (gpointer) C_("changed field", "who is responsible"));
      else if (g_str_equal (f, "due_on"))
        g_ptr_array_add (words, (gpointer) C_("changed field", "by when"));
      else if (g_str_equal (f, "action_status"))
        g_ptr_array_add (words, (gpointer) C_("changed field", "status"));
      else if (g_str_equal (f, "section"))
        g_ptr_array_add (words, (gpointer) C_("changed field", "section"));
    }
  g_ptr_array_add (words, NULL);
  return g_strjoinv (", ", (char **) words->pdata);
}

static void
compare_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  YpPlanView *self = YP_PLAN_VIEW (widget);
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;
  int newer, older;

  if (count_checked_versions (self, &newer, &older) != 2 || self->versions == NULL)
    return;
  /* The list is newest first. */
  changes = yp_plan_compare (yp_record_get_string (self->versions->pdata[older], "snapshot"),
                             yp_record_get_string (self->versions->pdata[newer], "snapshot"),
                             &error);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->changes_list))) != NULL)
    gtk_list_box_remove (self->changes_list, child);
  if (changes == NULL)
    {
      show_error (self, error->message);
      return;
    }
  for (guint i = 0; i < changes->len; i++)
    {
      YpPlanChange *c = changes->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *marker;
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;

      switch (c->kind)
        {
        case YP_PLAN_CHANGE_ADDED:
          /* Translators: a plan entry added between two versions */
          title = g_strdup_printf (_("Added: %s"), yp_record_get_string (c->new_entry, "text"));
          marker = gtk_label_new ("+");
          break;
        case YP_PLAN_CHANGE_REMOVED:
          title = g_strdup_printf (_("Removed: %s"), yp_record_get_string (c->old_entry, "text"));
          marker = gtk_label_new ("−");
          break;
        case YP_PLAN_CHANGE_CHANGED:
        default:
          {
            g_autofree char *what = describe_fields (c->fields);

            title = g_strdup_printf (_("Changed: %s"), yp_record_get_string (c->new_entry, "text"));
            if (g_strv_contains ((const char * const *) c->fields, "text"))
              /* Translators: what changed, then the text before the change */
              subtitle = g_strdup_printf (_("Changed %s · before: %s"), what,
                                          yp_record_get_string (c->old_entry, "text"));
            else
              subtitle = g_strdup_printf (_("Changed %s"), what);
            marker = gtk_label_new ("~");
          }
          break;
        }
      gtk_widget_add_css_class (marker, "title-3");
      gtk_accessible_update_state (GTK_ACCESSIBLE (marker), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      if (subtitle != NULL)
        {
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
          adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
        }
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), marker);
      gtk_list_box_append (self->changes_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->compare_group), TRUE);
}

/* ---- agreeing ------------------------------------------------------------------------------ */

static void
on_agree_date_changed (GtkEditable      *entry,
                       AdwMessageDialog *dialog)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  g_autofree char *iso = *text ? yp_date_parse_user (text) : NULL;

  /* The dialog cannot be answered with a date it would have to throw away. */
  adw_message_dialog_set_response_enabled (dialog, "agree", *text == '\0' || iso != NULL);
}

static void
on_agree_response (AdwMessageDialog *dialog,
                   const char       *response,
                   YpPlanView       *self)
{
  GtkEditable *date = g_object_get_data (G_OBJECT (dialog), "yp-date");
  GtkCheckButton **checks = g_object_get_data (G_OBJECT (dialog), "yp-methods");
  g_autofree char *text = NULL;
  g_autofree char *iso = NULL;
  g_autoptr(YpRecord) version = NULL;
  g_autoptr(GError) error = NULL;
  const char *method = methods[0];

  self->agree_dialog = NULL;
  if (g_strcmp0 (response, "agree") != 0 || self->client_id == NULL)
    return;
  for (int i = 0; i < 3; i++)
    if (gtk_check_button_get_active (checks[i]))
      method = methods[i];
  text = g_strstrip (g_strdup (gtk_editable_get_text (date)));
  iso = *text ? yp_date_parse_user (text) : NULL;
  version = yp_plan_agree (self->store, self->client_id, method, iso, &error);
  if (version == NULL)
    show_error (self, error->message);
  else
    show_error (self, NULL);
  refresh (self);
}

static void
agree_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  YpPlanView *self = YP_PLAN_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autoptr(YpRecord) client = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *box, *label, *entry;
  GtkCheckButton **checks = g_new0 (GtkCheckButton *, 3);
  static const char *labels[] = {
    NC_("agreed", "In person"), NC_("agreed", "By phone"), NC_("agreed", "In writing")
  };

  if (self->client_id == NULL)
    {
      g_free (checks);
      return;
    }
  client = yp_store_get (self->store, yp_schema_lookup ("client"), self->client_id, NULL);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                            : NULL,
                                                       _("Agreed with the Client?"),
                                                       _("The plan as it is now is kept as a "
                                                         "version that cannot be changed later.")));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  label = gtk_label_new (_("How was it agreed?"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), label);
  for (int i = 0; i < 3; i++)
    {
      checks[i] = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (
                                      g_dpgettext2 (NULL, "agreed", labels[i])));
      if (i > 0)
        gtk_check_button_set_group (checks[i], checks[0]);
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (checks[i]));
    }
  gtk_check_button_set_active (checks[0], TRUE);
  label = gtk_label_new (_("Next review (day.month.year)"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_top (label, 6);
  gtk_box_append (GTK_BOX (box), label);
  entry = gtk_entry_new ();
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Next review (day.month.year)"), -1);
  if (client && yp_record_get_string (client, "review_due"))
    {
      g_autofree char *d = yp_date_format_fi (yp_record_get_string (client, "review_due"));
      gtk_editable_set_text (GTK_EDITABLE (entry), d);
    }
  gtk_box_append (GTK_BOX (box), entry);
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"),
                                    "agree", _("_Save Agreed Version"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "agree", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "agree");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data (G_OBJECT (dialog), "yp-date", entry);
  g_object_set_data_full (G_OBJECT (dialog), "yp-methods", checks, g_free);
  g_signal_connect (entry, "changed", G_CALLBACK (on_agree_date_changed), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_agree_response), self, 0);
  self->agree_dialog = dialog;
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  YpPlanView *self = YP_PLAN_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWindow *parent = GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;

  if (self->client_id == NULL)
    return;
  if (g_str_equal (action_name, "plan.print"))
    yp_client_print_run (self->store, self->client_id, parent);
  else
    yp_client_print_choose_pdf (self->store, self->client_id, parent);
}

/* ---- refresh ------------------------------------------------------------------------------ */

static void
refresh (YpPlanView *self)
{
  g_autoptr(YpRecord) client = NULL;
  g_autoptr(YpRecord) responsible = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  GHashTableIter iter;
  EntryWidgets *w;
  guint counts[N_SECTIONS] = { 0 };
  const char *review;
  gboolean have = FALSE;

  if (self->client_id != NULL)
    client = yp_store_get (self->store, yp_schema_lookup ("client"), self->client_id, NULL);
  have = client != NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plan.agree", have);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plan.print", have);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plan.export", have);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sections_box), have);
  if (have)
    entries = yp_plan_list_entries (self->store, self->client_id, NULL);

  self->loading = TRUE;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &w))
    w->seen = FALSE;
  for (guint i = 0; entries && i < entries->len; i++)
    {
      YpRecord *entry = entries->pdata[i];
      int section = -1;

      for (int s = 0; s < N_SECTIONS; s++)
        if (g_strcmp0 (section_keys[s], yp_record_get_string (entry, "section")) == 0)
          section = s;
      if (section < 0)
        continue;
      w = g_hash_table_lookup (self->entries, yp_record_get_id (entry));
      if (w == NULL)
        {
          w = create_entry_widgets (self, entry, section);
          g_hash_table_insert (self->entries, w->id, w);
          gtk_list_box_insert (self->section_lists[section], w->top, (int) counts[section]);
        }
      w->seen = TRUE;
      counts[section]++;
      update_entry_widgets (self, w, entry);
    }
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &w))
    if (!w->seen)
      {
        gtk_list_box_remove (self->section_lists[w->section], w->top);
        g_hash_table_iter_remove (&iter);
      }

  if (client != NULL && !yp_record_is_null (client, "responsible_id"))
    responsible = yp_store_get (self->store, yp_schema_lookup ("professional"),
                                yp_record_get_string (client, "responsible_id"), NULL);
  adw_action_row_set_subtitle (self->responsible_row,
                               responsible ? yp_record_get_string (responsible, "name")
                                           : _("Not chosen yet: choose one in Basic details."));

  review = client ? yp_record_get_string (client, "review_due") : NULL;
  g_free (self->review_text);
  if (review == NULL)
    self->review_text = g_strdup (_("No review date set"));
  else
    {
      g_autofree char *d = yp_date_format_fi (review);

      if (yp_plan_review_is_overdue (review))
        self->review_text = g_strdup_printf (_("⚠ Review overdue since %s"), d);
      else
        self->review_text = g_strdup_printf (_("Next review %s"), d);
      if (!is_editing (GTK_WIDGET (self->review_row)))
        gtk_editable_set_text (GTK_EDITABLE (self->review_row), d);
    }
  if (review == NULL && !is_editing (GTK_WIDGET (self->review_row)))
    gtk_editable_set_text (GTK_EDITABLE (self->review_row), "");
  gtk_label_set_label (self->review_label, have ? self->review_text : "");
  if (yp_plan_review_is_overdue (review))
    gtk_widget_add_css_class (GTK_WIDGET (self->review_label), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->review_label), "warning");
  self->loading = FALSE;

  fill_versions (self);
}

static void
on_store_changed (YpStore    *store,
                  const char *table,
                  const char *id,
                  YpPlanView *self)
{
  if (self->client_id != NULL &&
      (g_str_equal (table, "plan_entries") || g_str_equal (table, "plan_versions") ||
       g_str_equal (table, "clients") || g_str_equal (table, "professionals")))
    refresh (self);
}

void
yp_plan_view_set_client_id (YpPlanView *self,
                            const char *client_id)
{
  GHashTableIter iter;
  EntryWidgets *w;
  GtkWidget *child;

  g_return_if_fail (YP_IS_PLAN_VIEW (self));

  if (g_strcmp0 (self->client_id, client_id) == 0)
    return;
  g_free (self->client_id);
  self->client_id = g_strdup (client_id);

  /* Nothing typed for one client may show up for another. */
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &w))
    {
      gtk_list_box_remove (self->section_lists[w->section], w->top);
      g_hash_table_iter_remove (&iter);
    }
  for (int i = 0; i < N_SECTIONS; i++)
    gtk_editable_set_text (GTK_EDITABLE (self->add_rows[i]), "");
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->versions_list))) != NULL)
    gtk_list_box_remove (self->versions_list, child);
  gtk_widget_set_visible (GTK_WIDGET (self->compare_group), FALSE);
  show_error (self, NULL);
  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ID]);
}

const char *
yp_plan_view_get_client_id (YpPlanView *self)
{
  g_return_val_if_fail (YP_IS_PLAN_VIEW (self), NULL);
  return self->client_id;
}

GtkListBox *
yp_plan_view_get_section_list (YpPlanView *self,
                               const char *section)
{
  g_return_val_if_fail (YP_IS_PLAN_VIEW (self), NULL);
  for (int i = 0; i < N_SECTIONS; i++)
    if (g_strcmp0 (section_keys[i], section) == 0)
      return self->section_lists[i];
  return NULL;
}

AdwMessageDialog *
yp_plan_view_get_agree_dialog (YpPlanView *self)
{
  g_return_val_if_fail (YP_IS_PLAN_VIEW (self), NULL);
  return self->agree_dialog;
}

GtkListBox *
yp_plan_view_get_versions_list (YpPlanView *self)
{
  g_return_val_if_fail (YP_IS_PLAN_VIEW (self), NULL);
  return self->versions_list;
}

GtkListBox *
yp_plan_view_get_changes_list (YpPlanView *self)
{
  g_return_val_if_fail (YP_IS_PLAN_VIEW (self), NULL);
  return self->changes_list;
}

const char *
yp_plan_view_get_review_text (YpPlanView *self)
{
  g_return_val_if_fail (YP_IS_PLAN_VIEW (self), NULL);
  return self->review_text;
}

static void
yp_plan_view_constructed (GObject *object)
{
  YpPlanView *self = YP_PLAN_VIEW (object);

  G_OBJECT_CLASS (yp_plan_view_parent_class)->constructed (object);
  if (self->store != NULL)
    self->changed_id = g_signal_connect (self->store, "changed",
                                         G_CALLBACK (on_store_changed), self);
  refresh (self);
}

static void
yp_plan_view_dispose (GObject *object)
{
  YpPlanView *self = YP_PLAN_VIEW (object);
  GtkWidget *child;

  if (self->agree_dialog != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->agree_dialog, self);
      gtk_window_destroy (GTK_WINDOW (self->agree_dialog));
      self->agree_dialog = NULL;
    }
  if (self->store != NULL && self->changed_id != 0)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_hash_table_remove_all (self->entries);
  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_PLAN_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->versions, g_ptr_array_unref);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (yp_plan_view_parent_class)->dispose (object);
}

static void
yp_plan_view_finalize (GObject *object)
{
  YpPlanView *self = YP_PLAN_VIEW (object);

  g_free (self->client_id);
  g_free (self->review_text);
  g_hash_table_unref (self->entries);

  G_OBJECT_CLASS (yp_plan_view_parent_class)->finalize (object);
}

static void
yp_plan_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  YpPlanView *self = YP_PLAN_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_CLIENT_ID: g_value_set_string (value, self->client_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_plan_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  YpPlanView *self = YP_PLAN_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    case PROP_CLIENT_ID: yp_plan_view_set_client_id (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_plan_view_class_init (YpPlanViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = yp_plan_view_constructed;
  object_class->dispose = yp_plan_view_dispose;
  object_class->finalize = yp_plan_view_finalize;
  object_class->get_property = yp_plan_view_get_property;
  object_class->set_property = yp_plan_view_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "plan.agree", NULL, agree_action);
  gtk_widget_class_install_action (widget_class, "plan.compare", NULL, compare_action);
  gtk_widget_class_install_action (widget_class, "plan.print", NULL, print_action);
  gtk_widget_class_install_action (widget_class, "plan.export", NULL, print_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "plan.print", NULL);

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/yp-plan-view.ui");
  gtk_widget_class_bind_template_child (widget_class, YpPlanView, review_label);
  gtk_widget_class_bind_template_child (widget_class, YpPlanView, error_label);
  gtk_widget_class_bind_template_child (widget_class, YpPlanView, sections_box);
  gtk_widget_class_bind_template_child (widget_class, YpPlanView, responsible_row);
  gtk_widget_class_bind_template_child (widget_class, YpPlanView, review_row);
  gtk_widget_class_bind_template_child (widget_class, YpPlanView, versions_list);
  gtk_widget_class_bind_template_child (widget_class, YpPlanView, compare_group);
  gtk_widget_class_bind_template_child (widget_class, YpPlanView, changes_list);
  gtk_widget_class_bind_template_callback (widget_class, on_review_apply);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
yp_plan_view_init (YpPlanView *self)
{
  GtkEventController *focus;

  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_widgets_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  build_sections (self);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect (focus, "leave", G_CALLBACK (on_review_focus_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self->review_row), focus);
}

GtkWidget *
yp_plan_view_new (YpStore *store)
{
  return g_object_new (YP_TYPE_PLAN_VIEW, "store", store, NULL);
}
