/* yp-participants-view.c — the Participants page: who takes part, inviting an expert, the
 * client's consent or refusal, removing access, and the consent log in plain words.
 *
 * The page follows the store's "changed" signal and rebuilds its two short lists. The dialogs
 * keep what was typed when the store refuses something, and say why.
 */
#define G_LOG_DOMAIN "yp-participants-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "yp-client-print.h"
#include "yp-participants.h"
#include "yp-participants-view.h"
#include "yp-resources.h"
#include "yp-util.h"

static const char * const role_values[] = { "member", "coordinator", "supporter", NULL };
static const char * const sector_values[] =
  { "health", "social", "employment", "education", "third_sector", NULL };
static const char * const method_values[] = { "in_person", "phone", "written", NULL };

struct _YpParticipantsView
{
  GtkWidget        parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  GtkButton       *invite_button;
  GtkListBox      *participant_list;
  GtkListBox      *log_list;
  GtkWidget       *review_group;
  GtkListBox      *review_list;

  /* owned */
  YpStore         *store;
  char            *client_id;
  guint            refresh_id;

  /* borrowed: the open dialog, cleared by a weak pointer */
  GtkWindow       *dialog;
};

G_DEFINE_FINAL_TYPE (YpParticipantsView, yp_participants_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_STORE, PROP_CLIENT_ID, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void open_revoke_dialog (YpParticipantsView *self,
                                const char         *participant_id,
                                const char         *reason,
                                const char         *error_message);

/* ---- helpers --------------------------------------------------------------------------- */

static void
toast (YpParticipantsView *self,
       const char         *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static YpParticipantInfo *
find_info (YpParticipantsView *self,
           const char         *participant_id)
{
  g_autoptr(GPtrArray) infos = NULL;

  if (self->client_id == NULL || participant_id == NULL)
    return NULL;
  infos = yp_participants_list (self->store, self->client_id, NULL);
  for (guint i = 0; infos && i < infos->len; i++)
    {
      YpParticipantInfo *info = infos->pdata[i];

      if (g_strcmp0 (yp_record_get_id (info->participant), participant_id) == 0)
        return g_ptr_array_steal_index (infos, i);
    }
  return NULL;
}

static void
set_dialog (YpParticipantsView *self,
            GtkWindow          *dialog)
{
  if (self->dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->dialog), (gpointer *) &self->dialog);
  self->dialog = dialog;
  if (dialog != NULL)
    g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->dialog);
}

static GtkWindow *
parent_window (YpParticipantsView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static GtkWidget *
make_error_label (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "error");
  gtk_widget_set_visible (label, FALSE);
  return label;
}

/* The message is also the label's accessible description, so a screen reader reads it. */
static void
show_error_label (GtkWidget  *label,
                  const char *message)
{
  gtk_label_set_label (GTK_LABEL (label), message ? message : "");
  gtk_widget_set_visible (label, message != NULL);
  if (message != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (label),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
}

/* A modal window with Cancel and one suggested button in its header bar: unlike a message
 * dialog it stays open when saving fails, so nothing typed is lost. */
static GtkWindow *
make_form_window (YpParticipantsView *self,
                  const char         *title,
                  const char         *confirm_label,
                  GtkWidget          *content,
                  GtkWidget         **out_confirm)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *confirm = gtk_button_new_with_mnemonic (confirm_label);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent_window (self));
  gtk_window_set_default_size (GTK_WINDOW (window), 560, 640);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);

  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "window.close");
  gtk_widget_add_css_class (confirm, "suggested-action");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), confirm);
  gtk_box_append (GTK_BOX (box), header);

  gtk_widget_set_margin_top (content, 18);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);
  adw_window_set_content (ADW_WINDOW (window), box);

  /* Escape closes, as every dialog does. */
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (window, shortcuts);

  *out_confirm = confirm;
  set_dialog (self, GTK_WINDOW (window));
  return GTK_WINDOW (window);
}

static GtkWidget *
make_explanation (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  return label;
}

static GtkWidget *
make_combo_row (const char         *title,
                const char * const *items)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new ((const char * const *) items);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  return row;
}

static GtkWidget *
make_boxed_list (void)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  return list;
}

static char *
entry_text (GtkWidget *editable)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (editable))));
}

/* ---- invite ---------------------------------------------------------------------------- */

typedef struct
{
  YpParticipantsView *self;     /* borrowed: the dialog is destroyed with the page's window */
  GtkWidget          *search;
  GtkWidget          *list;
  GtkWidget          *add_row;
  GtkWidget          *name_row;
  GtkWidget          *title_row;
  GtkWidget          *org_row;
  GtkWidget          *sector_row;
  GtkWidget          *role_row;
  GtkWidget          *chosen_label;
  GtkWidget          *error_label;
  GtkWidget          *confirm;
  char               *new_expert_id; /* added in an earlier try that then failed to invite */
} InviteForm;

static void
invite_form_free (gpointer data)
{
  InviteForm *form = data;

  g_free (form->new_expert_id);
  g_free (form);
}

static const char *
row_professional_id (GtkListBoxRow *row)
{
  return row ? g_object_get_data (G_OBJECT (row), "professional-id") : NULL;
}

static void
update_invite_form (InviteForm *form)
{
  gboolean adding = adw_expander_row_get_expanded (ADW_EXPANDER_ROW (form->add_row));
  GtkListBoxRow *selected = gtk_list_box_get_selected_row (GTK_LIST_BOX (form->list));
  g_autofree char *chosen = NULL;

  if (adding)
    {
      g_autofree char *name = entry_text (form->name_row);
      g_autofree char *org = entry_text (form->org_row);
      guint sector = adw_combo_row_get_selected (ADW_COMBO_ROW (form->sector_row));

      if (*name && *org)
        chosen = g_strdup_printf (C_("expert", "%s (%s, %s)"), name, org,
                                  yp_participants_sector_label (sector_values[MIN (sector, 4)]));
    }
  else if (selected != NULL)
    chosen = g_strdup (g_object_get_data (G_OBJECT (selected), "description"));

  if (chosen)
    {
      g_autofree char *text =
        g_strdup_printf (_("Tell the client: you are inviting %s."), chosen);
      gtk_label_set_label (GTK_LABEL (form->chosen_label), text);
    }
  else
    gtk_label_set_label (GTK_LABEL (form->chosen_label),
                         _("Choose an expert from the directory, or add one who is missing."));
  gtk_widget_set_sensitive (form->confirm, chosen != NULL);
}

static gboolean
filter_directory_row (GtkListBoxRow *row,
                      gpointer       user_data)
{
  InviteForm *form = user_data;
  g_autofree char *needle = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (form->search)),
                                             -1);
  const char *haystack = g_object_get_data (G_OBJECT (row), "search-text");

  return *needle == '\0' || (haystack && strstr (haystack, needle) != NULL);
}

static void
on_invite_search_changed (GtkSearchEntry *entry,
                          InviteForm     *form)
{
  gtk_list_box_invalidate_filter (GTK_LIST_BOX (form->list));
}

static void
on_invite_form_changed (GObject    *object,
                        GParamSpec *pspec,
                        InviteForm *form)
{
  update_invite_form (form);
}

static void
on_invite_entry_changed (GtkEditable *editable,
                         InviteForm  *form)
{
  update_invite_form (form);
}

static void
on_invite_selected (GtkListBox    *list,
                    GtkListBoxRow *row,
                    InviteForm    *form)
{
  if (row != NULL)
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (form->add_row), FALSE);
  update_invite_form (form);
}

static void
on_invite_confirm (GtkButton  *button,
                   InviteForm *form)
{
  YpParticipantsView *self = form->self;
  GtkWindow *window = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (button)));
  g_autoptr(GError) error = NULL;
  g_autofree char *professional_id = NULL;
  g_autofree char *participant_id = NULL;
  g_autoptr(YpParticipantInfo) info = NULL;
  g_autofree char *who = NULL;
  g_autofree char *done = NULL;
  guint role = adw_combo_row_get_selected (ADW_COMBO_ROW (form->role_row));

  if (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (form->add_row)))
    {
      if (form->new_expert_id == NULL)
        {
          g_autofree char *name = entry_text (form->name_row);
          g_autofree char *title = entry_text (form->title_row);
          g_autofree char *org = entry_text (form->org_row);
          guint sector = adw_combo_row_get_selected (ADW_COMBO_ROW (form->sector_row));

          form->new_expert_id =
            yp_participants_add_expert (self->store, name, title, org,
                                        sector_values[MIN (sector, 4)], &error);
          if (form->new_expert_id == NULL)
            {
              show_error_label (form->error_label, error->message);
              return;
            }
        }
      professional_id = g_strdup (form->new_expert_id);
    }
  else
    professional_id =
      g_strdup (row_professional_id (gtk_list_box_get_selected_row (GTK_LIST_BOX (form->list))));

  participant_id = yp_participants_invite (self->store, self->client_id, professional_id,
                                           role_values[MIN (role, 2)], &error);
  if (participant_id == NULL)
    {
      show_error_label (form->error_label, error ? error->message
                                                 : _("Choose the expert to invite."));
      return;
    }
  info = find_info (self, participant_id);
  who = info ? yp_participant_info_describe (info) : g_strdup ("");
  done = g_strdup_printf (_("%s was invited. The expert and the client were notified."), who);
  toast (self, done);
  gtk_window_destroy (window);
}

static GtkWidget *
make_directory_row (YpRecord *professional,
                    YpStore  *store)
{
  g_autoptr(YpRecord) fake = yp_record_new (yp_schema_lookup ("participant"));
  g_autoptr(GPtrArray) rows = NULL;
  GtkWidget *row = adw_action_row_new ();
  const char *title = yp_record_get_string (professional, "title");
  const char *org_id = yp_record_get_string (professional, "organization_id");
  g_autoptr(YpRecord) org = org_id ? yp_store_get (store, yp_schema_lookup ("organization"),
                                                   org_id, NULL) : NULL;
  YpParticipantInfo info = { 0 };
  g_autofree char *description = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *search = NULL;
  const char *sector;

  info.name = (char *) yp_record_get_string (professional, "name");
  info.organization = org ? (char *) yp_record_get_string (org, "name") : NULL;
  info.sector = org ? (char *) yp_record_get_string (org, "sector") : NULL;
  description = yp_participant_info_describe (&info);
  sector = yp_participants_sector_label (info.sector);
  subtitle = g_strjoin (" · ", title ? title : "",
                        info.organization ? info.organization : "", sector ? sector : "", NULL);
  search = g_utf8_casefold (description, -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), info.name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  g_object_set_data_full (G_OBJECT (row), "professional-id",
                          g_strdup (yp_record_get_id (professional)), g_free);
  g_object_set_data_full (G_OBJECT (row), "description", g_steal_pointer (&description), g_free);
  g_object_set_data_full (G_OBJECT (row), "search-text", g_steal_pointer (&search), g_free);
  return row;
}

static void
open_invite_dialog (YpParticipantsView *self)
{
  static const char *roles[4];
  static const char *sectors[6];
  InviteForm *form = g_new0 (InviteForm, 1);
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *add_group = adw_preferences_group_new ();
  GtkWidget *role_group = make_boxed_list ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWindow *window;
  g_autoptr(GPtrArray) pros = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GHashTable) taking_part = g_hash_table_new (g_str_hash, g_str_equal);

  roles[0] = _("Member");
  roles[1] = _("Coordinator");
  roles[2] = _("Third-sector supporter");
  for (guint i = 0; i < 5; i++)
    sectors[i] = yp_participants_sector_label (sector_values[i]);

  form->self = self;
  gtk_box_append (GTK_BOX (content),
                  make_explanation (_("Invite an expert only if the client agrees. Tell the "
                                      "client who you are inviting and from which "
                                      "organisation: the expert joins when the client has "
                                      "given consent.")));

  form->search = gtk_search_entry_new ();
  g_object_set (form->search, "placeholder-text", _("Search the directory by name or "
                                                    "organisation"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (form->search),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search the directory"), -1);
  g_signal_connect (form->search, "search-changed", G_CALLBACK (on_invite_search_changed), form);
  gtk_box_append (GTK_BOX (content), form->search);

  form->list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (form->list), GTK_SELECTION_SINGLE);
  gtk_widget_add_css_class (form->list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (form->list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Directory"), -1);
  gtk_list_box_set_filter_func (GTK_LIST_BOX (form->list), filter_directory_row, form, NULL);
  gtk_list_box_set_placeholder (GTK_LIST_BOX (form->list),
                                make_explanation (_("No one in the directory matches. Add the "
                                                    "expert below.")));
  /* Who already takes part or waits for consent is not offered again; nor am I. */
  infos = yp_participants_list (self->store, self->client_id, NULL);
  for (guint i = 0; infos && i < infos->len; i++)
    {
      YpParticipantInfo *info = infos->pdata[i];
      const char *state = yp_record_get_string (info->participant, "state");

      if (g_strcmp0 (state, "active") == 0 || g_strcmp0 (state, "invited") == 0)
        g_hash_table_add (taking_part,
                          (gpointer) yp_record_get_string (info->participant, "professional_id"));
    }
  pros = yp_store_list_directory (self->store, yp_schema_lookup ("professional"), NULL);
  for (guint i = 0; pros && i < pros->len; i++)
    if (!g_hash_table_contains (taking_part, yp_record_get_id (pros->pdata[i])))
      gtk_list_box_append (GTK_LIST_BOX (form->list), make_directory_row (pros->pdata[i],
                                                                          self->store));
  g_signal_connect (form->list, "row-selected", G_CALLBACK (on_invite_selected), form);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 260);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), form->list);
  gtk_box_append (GTK_BOX (content), scroller);

  form->add_row = adw_expander_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (form->add_row),
                                 _("Add an expert who is not in the directory"));
  form->name_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (form->name_row), _("Name"));
  form->title_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (form->title_row),
                                 _("Title (optional)"));
  form->org_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (form->org_row), _("Organisation"));
  form->sector_row = make_combo_row (_("Sector"), sectors);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (form->add_row), form->name_row);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (form->add_row), form->title_row);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (form->add_row), form->org_row);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (form->add_row), form->sector_row);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (add_group), form->add_row);
  gtk_box_append (GTK_BOX (content), add_group);
  g_signal_connect (form->add_row, "notify::expanded", G_CALLBACK (on_invite_form_changed), form);
  g_signal_connect (form->name_row, "changed", G_CALLBACK (on_invite_entry_changed), form);
  g_signal_connect (form->org_row, "changed", G_CALLBACK (on_invite_entry_changed), form);
  g_signal_connect (form->sector_row, "notify::selected", G_CALLBACK (on_invite_form_changed),
                    form);

  form->role_row = make_combo_row (_("Takes part as"), roles);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (form->role_row),
                               _("A coordinator may also invite others and record consent."));
  gtk_list_box_append (GTK_LIST_BOX (role_group), form->role_row);
  gtk_box_append (GTK_BOX (content), role_group);

  form->chosen_label = make_explanation (NULL);
  gtk_widget_add_css_class (form->chosen_label, "heading");
  gtk_box_append (GTK_BOX (content), form->chosen_label);
  form->error_label = make_error_label ();
  gtk_box_append (GTK_BOX (content), form->error_label);

  window = make_form_window (self, _("Invite an Expert"), _("_Invite"), content, &form->confirm);
  g_object_set_data_full (G_OBJECT (window), "form", form, invite_form_free);
  g_signal_connect (form->confirm, "clicked", G_CALLBACK (on_invite_confirm), form);
  update_invite_form (form);
  gtk_window_present (window);
  gtk_widget_grab_focus (form->search);
}

/* ---- consent --------------------------------------------------------------------------- */

typedef struct
{
  YpParticipantsView *self;
  char               *participant_id;
  GtkWidget          *method_row;
  GtkWidget          *date_row;
  GtkWidget          *window_checks[3];
  GtkWidget          *from_date_row;
  GtkWidget          *error_label;
} ConsentForm;

static const char * const history_values[] = { "from_now", "from_date", "everything" };

static void
consent_form_free (gpointer data)
{
  ConsentForm *form = data;

  g_free (form->participant_id);
  g_free (form);
}

static void
on_history_toggled (GtkCheckButton *check,
                    ConsentForm    *form)
{
  gtk_widget_set_sensitive (form->from_date_row,
                            gtk_check_button_get_active (GTK_CHECK_BUTTON (form->window_checks[1])));
}

static void
on_consent_confirm (GtkButton   *button,
                    ConsentForm *form)
{
  YpParticipantsView *self = form->self;
  GtkWindow *window = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (button)));
  g_autoptr(GError) error = NULL;
  g_autofree char *date_text = entry_text (form->date_row);
  g_autofree char *from_text = entry_text (form->from_date_row);
  g_autofree char *date = NULL;
  g_autofree char *from = NULL;
  g_autofree char *done = NULL;
  g_autoptr(YpParticipantInfo) info = NULL;
  g_autofree char *who = NULL;
  guint method = adw_combo_row_get_selected (ADW_COMBO_ROW (form->method_row));
  const char *history = history_values[0];

  for (guint i = 0; i < 3; i++)
    if (gtk_check_button_get_active (GTK_CHECK_BUTTON (form->window_checks[i])))
      history = history_values[i];

  if (*date_text && (date = yp_date_parse_user (date_text)) == NULL)
    {
      show_error_label (form->error_label,
                        _("Write the date of the consent as day.month.year, for example "
                          "23.11.2026."));
      gtk_widget_grab_focus (form->date_row);
      return;
    }
  if (g_str_equal (history, "from_date") && (from = yp_date_parse_user (from_text)) == NULL)
    {
      show_error_label (form->error_label,
                        _("Write the date from which the expert may see messages as "
                          "day.month.year, for example 1.11.2026."));
      gtk_widget_grab_focus (form->from_date_row);
      return;
    }

  info = find_info (self, form->participant_id);
  if (!yp_participants_record_consent (self->store, form->participant_id,
                                       method_values[MIN (method, 2)], date, history, from,
                                       &error))
    {
      show_error_label (form->error_label, error->message);
      return;
    }
  who = info ? yp_participant_info_describe (info) : g_strdup ("");
  done = g_strdup_printf (_("%s joined the guidance space. Everyone taking part was notified."),
                          who);
  toast (self, done);
  gtk_window_destroy (window);
}

static GtkWidget *
make_history_row (ConsentForm *form,
                  guint        index,
                  const char  *title,
                  const char  *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  if (index > 0)
    gtk_check_button_set_group (GTK_CHECK_BUTTON (check),
                                GTK_CHECK_BUTTON (form->window_checks[0]));
  form->window_checks[index] = check;
  g_signal_connect (check, "toggled", G_CALLBACK (on_history_toggled), form);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  return row;
}

static void
open_consent_dialog (YpParticipantsView *self,
                     const char         *participant_id)
{
  static const char *methods[4];
  g_autoptr(YpParticipantInfo) info = find_info (self, participant_id);
  ConsentForm *form;
  GtkWidget *content, *first, *window_list, *window_group;
  GtkWidget *confirm;
  GtkWindow *window;
  g_autofree char *who = NULL;
  g_autofree char *intro = NULL;
  g_autofree char *today = yp_today_iso ();
  g_autofree char *today_fi = yp_date_format_fi (today);

  if (info == NULL)
    return;
  methods[0] = yp_participants_method_label ("in_person");
  methods[1] = yp_participants_method_label ("phone");
  methods[2] = yp_participants_method_label ("written");

  form = g_new0 (ConsentForm, 1);
  form->self = self;
  form->participant_id = g_strdup (participant_id);
  who = yp_participant_info_describe (info);
  intro = g_strdup_printf (_("The client agrees that %s takes part in the guidance. The expert "
                             "joins when you save this, and everyone taking part is told."),
                           who);

  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_box_append (GTK_BOX (content), make_explanation (intro));

  first = make_boxed_list ();
  form->method_row = make_combo_row (_("How the client gave consent"), methods);
  form->date_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (form->date_row),
                                 _("Date of consent (day.month.year)"));
  gtk_editable_set_text (GTK_EDITABLE (form->date_row), today_fi);
  gtk_list_box_append (GTK_LIST_BOX (first), form->method_row);
  gtk_list_box_append (GTK_LIST_BOX (first), form->date_row);
  gtk_box_append (GTK_BOX (content), first);

  window_group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (window_group),
                                   _("Which earlier messages may the expert see?"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (window_group),
                                         _("Ask the client. Messages and attachments written "
                                           "before this are not shown to the expert."));
  window_list = make_boxed_list ();
  gtk_list_box_append (GTK_LIST_BOX (window_list),
                       make_history_row (form, 0, _("From now on"),
                                         _("The expert sees only what is written after "
                                           "joining.")));
  gtk_list_box_append (GTK_LIST_BOX (window_list),
                       make_history_row (form, 1, _("From a date the client chooses"),
                                         _("The expert sees what was written on or after that "
                                           "day.")));
  form->from_date_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (form->from_date_row),
                                 _("Sees messages from (day.month.year)"));
  gtk_list_box_append (GTK_LIST_BOX (window_list), form->from_date_row);
  gtk_list_box_append (GTK_LIST_BOX (window_list),
                       make_history_row (form, 2, _("Everything"),
                                         _("The expert also sees all earlier messages and "
                                           "attachments.")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (window_group), window_list);
  gtk_box_append (GTK_BOX (content), window_group);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (form->window_checks[0]), TRUE);
  gtk_widget_set_sensitive (form->from_date_row, FALSE);

  form->error_label = make_error_label ();
  gtk_box_append (GTK_BOX (content), form->error_label);

  window = make_form_window (self, _("Record the Client's Consent"), _("_Record Consent"),
                             content, &confirm);
  g_object_set_data_full (G_OBJECT (window), "form", form, consent_form_free);
  g_signal_connect (confirm, "clicked", G_CALLBACK (on_consent_confirm), form);
  gtk_window_present (window);
}

/* ---- declined and remove access -------------------------------------------------------- */

static void
on_declined_response (AdwMessageDialog   *dialog,
                      const char         *response,
                      YpParticipantsView *self)
{
  const char *pid = g_object_get_data (G_OBJECT (dialog), "participant-id");
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "declined") != 0)
    return;
  if (!yp_participants_record_declined (self->store, pid, &error))
    toast (self, error->message);
  else
    toast (self, _("Recorded: the client did not give consent."));
  if (gtk_widget_get_visible (GTK_WIDGET (dialog)))
    gtk_window_close (GTK_WINDOW (dialog));
}

static void
open_declined_dialog (YpParticipantsView *self,
                      const char         *participant_id)
{
  g_autoptr(YpParticipantInfo) info = find_info (self, participant_id);
  g_autofree char *who = NULL;
  GtkWidget *dialog;

  if (info == NULL)
    return;
  who = yp_participant_info_describe (info);
  dialog = adw_message_dialog_new (parent_window (self), _("The Client Declined?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("%s will not join the guidance space. The invitation ends, "
                                    "and the expert is told that the client did not give "
                                    "consent."), who);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "declined", _("_The Client Declined"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "declined",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "participant-id", g_strdup (participant_id),
                          g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_declined_response), self, 0);
  set_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_reason_changed (GtkEditable      *editable,
                   AdwMessageDialog *dialog)
{
  g_autofree char *text = entry_text (GTK_WIDGET (editable));

  adw_message_dialog_set_response_enabled (dialog, "remove", *text != '\0');
}

static void
on_revoke_response (AdwMessageDialog   *dialog,
                    const char         *response,
                    YpParticipantsView *self)
{
  g_autofree char *pid = g_strdup (g_object_get_data (G_OBJECT (dialog), "participant-id"));
  GtkWidget *reason_row = g_object_get_data (G_OBJECT (dialog), "reason-row");
  g_autofree char *reason = entry_text (reason_row);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_strcmp0 (response, "remove") != 0)
    return;
  ok = yp_participants_revoke (self->store, pid, reason, &error);
  if (gtk_widget_get_visible (GTK_WIDGET (dialog)))
    gtk_window_close (GTK_WINDOW (dialog));
  if (!ok)
    {
      /* A message dialog closes on any answer: ask again with the reason kept. */
      open_revoke_dialog (self, pid, reason, error->message);
      return;
    }
  toast (self, _("Access removed. The expert no longer sees this guidance space."));
}

static void
open_revoke_dialog (YpParticipantsView *self,
                    const char         *participant_id,
                    const char         *reason,
                    const char         *error_message)
{
  g_autoptr(YpParticipantInfo) info = find_info (self, participant_id);
  g_autofree char *who = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog, *list, *reason_row;

  if (info == NULL)
    return;
  who = yp_participant_info_describe (info);
  body = g_strdup_printf (_("At the client's wish, %s will no longer have access to this "
                            "guidance space: no messages, attachments or plans. Everything "
                            "about this client is removed from the expert's device at its "
                            "next sync. The expert can take part again only with a new "
                            "invitation and the client's consent."), who);
  if (error_message != NULL)
    {
      g_autofree char *with_error = g_strdup_printf ("%s\n\n%s", error_message, body);
      g_free (body);
      body = g_steal_pointer (&with_error);
    }
  dialog = adw_message_dialog_new (parent_window (self), _("Remove Access?"), body);
  list = make_boxed_list ();
  reason_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (reason_row), _("Reason (required)"));
  gtk_editable_set_text (GTK_EDITABLE (reason_row), reason ? reason : "");
  gtk_list_box_append (GTK_LIST_BOX (list), reason_row);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove Access"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "participant-id", g_strdup (participant_id),
                          g_free);
  g_object_set_data (G_OBJECT (dialog), "reason-row", reason_row);
  g_signal_connect (reason_row, "changed", G_CALLBACK (on_reason_changed), dialog);
  on_reason_changed (GTK_EDITABLE (reason_row), ADW_MESSAGE_DIALOG (dialog));
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_revoke_response), self, 0);
  set_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (reason_row);
}

/* ---- actions --------------------------------------------------------------------------- */

static void
invite_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  YpParticipantsView *self = YP_PARTICIPANTS_VIEW (widget);

  if (self->client_id != NULL && yp_participants_can_manage (self->store, self->client_id))
    open_invite_dialog (self);
}

static void
consent_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  open_consent_dialog (YP_PARTICIPANTS_VIEW (widget), g_variant_get_string (parameter, NULL));
}

static void
declined_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  open_declined_dialog (YP_PARTICIPANTS_VIEW (widget), g_variant_get_string (parameter, NULL));
}

static void
remove_access_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  open_revoke_dialog (YP_PARTICIPANTS_VIEW (widget), g_variant_get_string (parameter, NULL),
                      NULL, NULL);
}

static void
print_log_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  YpParticipantsView *self = YP_PARTICIPANTS_VIEW (widget);

  if (self->client_id != NULL)
    yp_client_print_consent_run (self->store, self->client_id, parent_window (self));
}

static void
export_log_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  YpParticipantsView *self = YP_PARTICIPANTS_VIEW (widget);

  if (self->client_id != NULL)
    yp_client_print_consent_choose_pdf (self->store, self->client_id, parent_window (self));
}

/* ---- the lists ------------------------------------------------------------------------- */

static GtkWidget *
make_row_button (const char *label,
                 const char *action,
                 const char *participant_id,
                 const char *css_class,
                 const char *refusal)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (css_class)
    gtk_widget_add_css_class (button, css_class);
  /* A refused button has no action: the action would make it sensitive again. GTK 4 shows
   * the tooltip of an insensitive widget, so the reason is a hover away. */
  if (refusal)
    {
      gtk_widget_set_sensitive (button, FALSE);
      gtk_widget_set_tooltip_text (button, refusal);
      return button;
    }
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", participant_id);
  return button;
}

static GtkWidget *
make_participant_row (YpParticipantInfo *info,
                      const char        *refusal)
{
  YpRecord *p = info->participant;
  const char *state = yp_record_get_string (p, "state");
  const char *role = yp_record_get_string (p, "role");
  const char *pid = yp_record_get_id (p);
  const char *sector = yp_participants_sector_label (info->sector);
  GtkWidget *row = adw_action_row_new ();
  g_autoptr(GString) line1 = g_string_new (NULL);
  g_autoptr(GString) line2 = g_string_new (NULL);
  g_autofree char *subtitle = NULL;

  if (info->title)
    g_string_append (line1, info->title);
  if (info->organization)
    g_string_append_printf (line1, "%s%s", line1->len ? " · " : "", info->organization);
  if (sector)
    g_string_append_printf (line1, "%s%s", line1->len ? ", " : "", sector);
  g_string_append_printf (line2, "%s · %s", yp_participants_role_label (role),
                          yp_participants_state_label (state));
  if (g_strcmp0 (state, "active") == 0)
    {
      g_autofree char *date = yp_participants_format_date (yp_record_get_string (p,
                                                                                 "consent_at"));
      if (date)
        {
          g_string_append (line2, " · ");
          g_string_append_printf (line2, _("since %s"), date);
        }
    }
  else if (g_strcmp0 (state, "revoked") == 0)
    {
      g_autofree char *date = yp_participants_format_date (yp_record_get_string (p,
                                                                                 "revoked_at"));
      if (date)
        g_string_append_printf (line2, " · %s", date);
    }
  subtitle = g_strdup_printf ("%s\n%s", line1->str, line2->str);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), info->name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  g_object_set_data_full (G_OBJECT (row), "participant-id", g_strdup (pid), g_free);
  g_object_set_data_full (G_OBJECT (row), "state", g_strdup (state), g_free);

  if (g_strcmp0 (state, "invited") == 0)
    {
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 make_row_button (_("The Client _Declined"),
                                                  "participants.declined", pid, NULL, refusal));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 make_row_button (_("Record the Client's _Consent…"),
                                                  "participants.consent", pid,
                                                  "suggested-action", refusal));
    }
  else if (g_strcmp0 (state, "active") == 0)
    {
      const char *why = refusal;

      if (g_strcmp0 (role, "owner") == 0)
        why = _("The professional who started the guidance space cannot be removed.");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 make_row_button (_("_Remove Access…"),
                                                  "participants.remove-access", pid,
                                                  "destructive-action", why));
    }
  return row;
}

/* A change the server kept instead of applying: who, when, what, in full, and "Mark as
 * Reviewed" once the owner has read it and copied what matters. */
static GtkWidget *
make_review_row (YpStore  *store,
                 YpRecord *change)
{
  g_autofree char *title = yp_participants_quarantined_title (store, change);
  g_autofree char *text = yp_participants_quarantined_text (change);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *body = gtk_label_new (text);
  GtkWidget *button = make_row_button (_("Mark as _Reviewed"), "participants.mark-reviewed",
                                       yp_record_get_id (change), NULL, NULL);

  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_wrap (GTK_LABEL (body), TRUE);
  gtk_label_set_xalign (GTK_LABEL (body), 0);
  gtk_label_set_selectable (GTK_LABEL (body), TRUE);
  gtk_box_append (GTK_BOX (labels), heading);
  gtk_box_append (GTK_BOX (labels), body);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_box_append (GTK_BOX (box), button);
  gtk_widget_set_tooltip_text (button, _("You have read this change and copied what matters "
                                         "into the client's information"));
  return box;
}

static void
mark_reviewed_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  YpParticipantsView *self = YP_PARTICIPANTS_VIEW (widget);
  g_autoptr(GError) error = NULL;

  if (!yp_participants_mark_reviewed (self->store, g_variant_get_string (param, NULL), &error))
    toast (self, error->message);
}

static GtkWidget *
make_log_row (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_margin_top (label, 10);
  gtk_widget_set_margin_bottom (label, 10);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  return label;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    {
      if (GTK_IS_LIST_BOX_ROW (child))
        gtk_list_box_remove (list, child);
      else
        break;
    }
}

static void
refresh (YpParticipantsView *self)
{
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GPtrArray) waiting = NULL;
  gboolean can_manage = FALSE;
  const char *refusal = NULL;

  clear_list (self->participant_list);
  clear_list (self->log_list);
  clear_list (self->review_list);

  if (self->client_id != NULL)
    {
      can_manage = yp_participants_can_manage (self->store, self->client_id);
      infos = yp_participants_list (self->store, self->client_id, NULL);
      lines = yp_participants_describe_log (self->store, self->client_id, NULL);
      waiting = yp_participants_list_quarantined (self->store, self->client_id, NULL);
    }
  if (!can_manage)
    refusal = yp_store_get_me_id (self->store) == NULL
              ? _("Save your own details first.")
              : _("Only the professional who started this guidance space or a coordinator can "
                  "do this.");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "participants.invite", can_manage);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "participants.print-log",
                                 self->client_id != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "participants.export-log",
                                 self->client_id != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->invite_button),
                               can_manage ? _("Propose another expert to the client") : refusal);

  for (guint i = 0; infos && i < infos->len; i++)
    gtk_list_box_append (self->participant_list, make_participant_row (infos->pdata[i], refusal));
  for (guint i = 0; lines && i < lines->len; i++)
    gtk_list_box_append (self->log_list, make_log_row (lines->pdata[i]));
  for (guint i = 0; waiting && i < waiting->len; i++)
    gtk_list_box_append (self->review_list, make_review_row (self->store, waiting->pdata[i]));
  gtk_widget_set_visible (self->review_group, waiting != NULL && waiting->len > 0);
}

static gboolean
refresh_idle_cb (gpointer data)
{
  YpParticipantsView *self = data;

  self->refresh_id = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
on_store_changed (YpStore            *store,
                  const char         *table,
                  const char         *id,
                  YpParticipantsView *self)
{
  static const char * const watched[] =
    { "participants", "consent_events", "professionals", "organizations", "clients",
      "quarantined_changes", NULL };

  if (self->client_id == NULL || !g_strv_contains (watched, table))
    return;
  /* One change of the flow writes several rows: rebuild once, after them. */
  if (self->refresh_id == 0)
    self->refresh_id = g_idle_add (refresh_idle_cb, self);
}

/* ---- public ---------------------------------------------------------------------------- */

void
yp_participants_view_set_client_id (YpParticipantsView *self,
                                    const char         *client_id)
{
  g_return_if_fail (YP_IS_PARTICIPANTS_VIEW (self));

  if (g_strcmp0 (self->client_id, client_id) == 0)
    return;
  g_free (self->client_id);
  self->client_id = g_strdup (client_id);
  if (self->dialog != NULL)
    gtk_window_destroy (self->dialog);
  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ID]);
}

const char *
yp_participants_view_get_client_id (YpParticipantsView *self)
{
  g_return_val_if_fail (YP_IS_PARTICIPANTS_VIEW (self), NULL);
  return self->client_id;
}

GtkWindow *
yp_participants_view_get_dialog (YpParticipantsView *self)
{
  g_return_val_if_fail (YP_IS_PARTICIPANTS_VIEW (self), NULL);
  return self->dialog;
}

GtkWidget *
yp_participants_view_new (YpStore *store)
{
  return g_object_new (YP_TYPE_PARTICIPANTS_VIEW, "store", store, NULL);
}

/* ---- GObject --------------------------------------------------------------------------- */

static void
yp_participants_view_constructed (GObject *object)
{
  YpParticipantsView *self = YP_PARTICIPANTS_VIEW (object);

  G_OBJECT_CLASS (yp_participants_view_parent_class)->constructed (object);
  g_signal_connect_object (self->store, "changed", G_CALLBACK (on_store_changed), self, 0);
  refresh (self);
}

static void
yp_participants_view_dispose (GObject *object)
{
  YpParticipantsView *self = YP_PARTICIPANTS_VIEW (object);
  GtkWidget *child;

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->dialog != NULL)
    {
      GtkWindow *dialog = self->dialog;

      set_dialog (self, NULL);
      gtk_window_destroy (dialog);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_PARTICIPANTS_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (yp_participants_view_parent_class)->dispose (object);
}

static void
yp_participants_view_finalize (GObject *object)
{
  YpParticipantsView *self = YP_PARTICIPANTS_VIEW (object);

  g_free (self->client_id);

  G_OBJECT_CLASS (yp_participants_view_parent_class)->finalize (object);
}

static void
yp_participants_view_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  YpParticipantsView *self = YP_PARTICIPANTS_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_CLIENT_ID: g_value_set_string (value, self->client_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_participants_view_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  YpParticipantsView *self = YP_PARTICIPANTS_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    case PROP_CLIENT_ID:
      yp_participants_view_set_client_id (self, g_value_get_string (value));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_participants_view_class_init (YpParticipantsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = yp_participants_view_constructed;
  object_class->dispose = yp_participants_view_dispose;
  object_class->finalize = yp_participants_view_finalize;
  object_class->get_property = yp_participants_view_get_property;
  object_class->set_property = yp_participants_view_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "participants.invite", NULL, invite_action);
  gtk_widget_class_install_action (widget_class, "participants.print-log", NULL,
                                   print_log_action);
  gtk_widget_class_install_action (widget_class, "participants.export-log", NULL,
                                   export_log_action);
  gtk_widget_class_install_action (widget_class, "participants.consent", "s", consent_action);
  gtk_widget_class_install_action (widget_class, "participants.mark-reviewed", "s",
                                   mark_reviewed_action);
  gtk_widget_class_install_action (widget_class, "participants.declined", "s",
                                   declined_action);
  gtk_widget_class_install_action (widget_class, "participants.remove-access", "s",
                                   remove_access_action);

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/yp-participants-view.ui");
  gtk_widget_class_bind_template_child (widget_class, YpParticipantsView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, YpParticipantsView, invite_button);
  gtk_widget_class_bind_template_child (widget_class, YpParticipantsView, participant_list);
  gtk_widget_class_bind_template_child (widget_class, YpParticipantsView, log_list);
  gtk_widget_class_bind_template_child (widget_class, YpParticipantsView, review_group);
  gtk_widget_class_bind_template_child (widget_class, YpParticipantsView, review_list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
yp_participants_view_init (YpParticipantsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_list_box_set_placeholder (self->participant_list,
                                make_log_row (_("No one takes part yet.")));
  gtk_list_box_set_placeholder (self->log_list,
                                make_log_row (_("Nothing has been recorded yet.")));
}
