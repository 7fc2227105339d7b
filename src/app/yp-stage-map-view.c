/* yp-stage-map-view.c — the client's phases as a path they can read.
 *
 * Each phase is one expander row: a marker (✓ done, ● current, ○ upcoming, – skipped) AND
 * the status in words, so nothing depends on colour; inside, the plain-language text for the
 * client, the note for professionals, the status and a free note. Rows are made once per
 * template and updated in place when the store changes, so a note being typed keeps its focus.
 * Until a phase is changed the client has no stage rows: the path is drawn from the client's
 * stage number and the rows are made on the first change (yp_stages_ensure).
 */
#define G_LOG_DOMAIN "yp-stage-map-view"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-client-print.h"
#include "yp-resources.h"
#include "yp-stage-map-view.h"
#include "yp-stages.h"
#include "yp-util.h"

static const char * const status_values[] = { "upcoming", "current", "done", "skipped", NULL };

typedef struct
{
  AdwExpanderRow *row;
  GtkLabel       *marker;
  AdwActionRow   *client_row;
  AdwActionRow   *pro_row;
  AdwComboRow    *status_row;
  AdwEntryRow    *note_row;
  char           *key;
  char           *description;
} PhaseRow;

struct _YpStageMapView
{
  GtkWidget     parent_instance;

  /* template */
  GtkLabel     *summary_label;
  GtkLabel     *error_label;
  GtkListBox   *phase_list;

  /* owned */
  YpStore      *store;
  char         *client_id;
  char         *template_id;
  GArray       *rows; /* PhaseRow */
  gulong        changed_id;
  gboolean      loading;
};

G_DEFINE_FINAL_TYPE (YpStageMapView, yp_stage_map_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_STORE, PROP_CLIENT_ID, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void refresh (YpStageMapView *self);

/* The UI language's code, for the template's texts on screen (the printout uses the
 * client's). */
static const char *
ui_language (void)
{
  /* Translators: the code of this translation's language: "fi" for Finnish, "sv" for Swedish.
   * It picks the language of the stage names shown on screen. */
  const char *code = C_("language code", "en");

  return (g_str_equal (code, "fi") || g_str_equal (code, "sv")) ? code : "en";
}

static const char *
status_words (const char *status)
{
  if (g_strcmp0 (status, "done") == 0)
    return C_("phase status", "done");
  if (g_strcmp0 (status, "current") == 0)
    return C_("phase status", "current");
  if (g_strcmp0 (status, "skipped") == 0)
    return C_("phase status", "skipped");
  return C_("phase status", "upcoming");
}

static const char *
status_marker (const char *status)
{
  if (g_strcmp0 (status, "done") == 0)
    return "✓";
  if (g_strcmp0 (status, "current") == 0)
    return "●";
  if (g_strcmp0 (status, "skipped") == 0)
    return "–";
  return "○";
}

static void
show_error (YpStageMapView *self,
            const GError   *error)
{
  gtk_label_set_label (self->error_label, error ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
}

static void
phase_row_clear (gpointer data)
{
  PhaseRow *r = data;

  g_free (r->key);
  g_free (r->description);
}

static PhaseRow *
phase_row_for_widget (YpStageMapView *self,
                      GtkWidget      *widget)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      PhaseRow *r = &g_array_index (self->rows, PhaseRow, i);

      if (widget == GTK_WIDGET (r->status_row) || widget == GTK_WIDGET (r->note_row))
        return r;
    }
  return NULL;
}

/* The stage row of phase @key, made (with the client's others) when it does not exist yet. */
static YpRecord *
dup_stage (YpStageMapView  *self,
           const char      *key,
           GError         **error)
{
  g_autoptr(GPtrArray) stages = yp_stages_ensure (self->store, self->client_id, NULL, error);

  for (guint i = 0; stages && i < stages->len; i++)
    if (g_strcmp0 (yp_record_get_string (stages->pdata[i], "phase_key"), key) == 0)
      return yp_record_ref (stages->pdata[i]);
  if (stages != NULL)
    g_set_error (error, YP_STORE_ERROR, YP_STORE_ERROR_NOT_FOUND,
                 _("The phase “%s” is not in this client's stage map."), key);
  return NULL;
}

static void
save_note (YpStageMapView *self,
           PhaseRow       *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) stage = NULL;
  g_autofree char *text = NULL;

  if (self->loading || self->client_id == NULL)
    return;
  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (r->note_row))));
  if ((stage = dup_stage (self, r->key, &error)) == NULL ||
      (g_strcmp0 (yp_record_get_string (stage, "note") ?: "", text) != 0 &&
       !yp_stages_set_note (self->store, yp_record_get_id (stage), text, &error)))
    {
      /* What was typed stays in the row. */
      show_error (self, error);
      return;
    }
  show_error (self, NULL);
}

static void
on_note_apply (AdwEntryRow    *row,
               YpStageMapView *self)
{
  PhaseRow *r = phase_row_for_widget (self, GTK_WIDGET (row));

  if (r != NULL)
    save_note (self, r);
}

static void
on_note_focus_leave (GtkEventControllerFocus *controller,
                     YpStageMapView          *self)
{
  on_note_apply (ADW_ENTRY_ROW (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller))),
                 self);
}

static void
on_status_selected (AdwComboRow    *combo,
                    GParamSpec     *pspec,
                    YpStageMapView *self)
{
  PhaseRow *r = phase_row_for_widget (self, GTK_WIDGET (combo));
  guint selected = adw_combo_row_get_selected (combo);
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) stage = NULL;

  if (self->loading || r == NULL || self->client_id == NULL || selected >= 4)
    return;
  if ((stage = dup_stage (self, r->key, &error)) == NULL ||
      !yp_stages_set_status (self->store, yp_record_get_id (stage), status_values[selected],
                             &error))
    show_error (self, error);
  else
    show_error (self, NULL);
  refresh (self);
}

static void
build_rows (YpStageMapView        *self,
            const YpStageTemplate *tmpl)
{
  const char *lang = ui_language ();
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->phase_list))) != NULL)
    gtk_list_box_remove (self->phase_list, child);
  g_array_set_size (self->rows, 0);
  g_free (self->template_id);
  self->template_id = tmpl ? g_strdup (yp_stage_template_get_id (tmpl)) : NULL;
  if (tmpl == NULL)
    return;

  for (guint i = 0; i < yp_stage_template_get_n_phases (tmpl); i++)
    {
      PhaseRow r = { 0 };
      g_autoptr(GtkStringList) statuses = gtk_string_list_new (NULL);
      GtkEventController *focus;

      r.key = g_strdup (yp_stage_template_get_key (tmpl, i));
      r.row = ADW_EXPANDER_ROW (adw_expander_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (r.row),
                                     yp_stage_template_get_name (tmpl, i, lang));
      r.marker = GTK_LABEL (gtk_label_new (NULL));
      gtk_widget_add_css_class (GTK_WIDGET (r.marker), "title-2");
      gtk_widget_set_size_request (GTK_WIDGET (r.marker), 32, -1);
      /* The status is in the row's label; the glyph would only be read out as a symbol. */
      gtk_accessible_update_state (GTK_ACCESSIBLE (r.marker), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE,
                                   -1);
      adw_expander_row_add_prefix (r.row, GTK_WIDGET (r.marker));

      r.client_row = ADW_ACTION_ROW (adw_action_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (r.client_row), _("For the client"));
      adw_action_row_set_subtitle (r.client_row,
                                   yp_stage_template_get_client_text (tmpl, i, lang));
      adw_action_row_set_subtitle_lines (r.client_row, 0);
      adw_expander_row_add_row (r.row, GTK_WIDGET (r.client_row));

      r.pro_row = ADW_ACTION_ROW (adw_action_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (r.pro_row), _("For professionals"));
      adw_action_row_set_subtitle (r.pro_row,
                                   yp_stage_template_get_professional_note (tmpl, i, lang));
      adw_action_row_set_subtitle_lines (r.pro_row, 0);
      adw_expander_row_add_row (r.row, GTK_WIDGET (r.pro_row));

      gtk_string_list_append (statuses, C_("phase status", "Upcoming"));
      gtk_string_list_append (statuses, C_("phase status", "Current"));
      gtk_string_list_append (statuses, C_("phase status", "Done"));
      gtk_string_list_append (statuses, C_("phase status", "Skipped"));
      r.status_row = ADW_COMBO_ROW (adw_combo_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (r.status_row), _("Status"));
      adw_combo_row_set_model (r.status_row, G_LIST_MODEL (statuses));
      g_signal_connect (r.status_row, "notify::selected", G_CALLBACK (on_status_selected), self);
      adw_expander_row_add_row (r.row, GTK_WIDGET (r.status_row));

      r.note_row = ADW_ENTRY_ROW (adw_entry_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (r.note_row), _("Note"));
      adw_entry_row_set_show_apply_button (r.note_row, TRUE);
      g_signal_connect (r.note_row, "apply", G_CALLBACK (on_note_apply), self);
      focus = gtk_event_controller_focus_new ();
      g_signal_connect (focus, "leave", G_CALLBACK (on_note_focus_leave), self);
      gtk_widget_add_controller (GTK_WIDGET (r.note_row), focus);
      adw_expander_row_add_row (r.row, GTK_WIDGET (r.note_row));

      gtk_list_box_append (self->phase_list, GTK_WIDGET (r.row));
      g_array_append_val (self->rows, r);
    }
}

static char *
professional_name (YpStageMapView *self,
                   const char     *id)
{
  g_autoptr(YpRecord) p = NULL;

  if (id == NULL)
    return NULL;
  p = yp_store_get (self->store, yp_schema_lookup ("professional"), id, NULL);
  return p ? g_strdup (yp_record_get_string (p, "name")) : NULL;
}

static void
refresh (YpStageMapView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) client = NULL;
  g_autoptr(GPtrArray) stages = NULL;
  const YpStageTemplate *tmpl;
  gint64 client_stage = 0;
  guint n;
  int current = -1;
  gboolean can_advance = FALSE;

  if (self->client_id != NULL)
    client = yp_store_get (self->store, yp_schema_lookup ("client"), self->client_id, NULL);
  if (client == NULL)
    {
      build_rows (self, NULL);
      gtk_label_set_label (self->summary_label, "");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "stage-map.advance", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "stage-map.print", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "stage-map.export", FALSE);
      return;
    }
  client_stage = yp_record_get_int (client, "stage");
  stages = yp_stages_list (self->store, self->client_id, &error);
  tmpl = yp_stage_template_get (stages && stages->len
                                  ? yp_record_get_string (stages->pdata[0], "template") : NULL,
                                &error);
  if (tmpl == NULL)
    {
      show_error (self, error);
      return;
    }
  if (g_strcmp0 (self->template_id, yp_stage_template_get_id (tmpl)) != 0)
    build_rows (self, tmpl);

  self->loading = TRUE;
  n = self->rows->len;
  for (guint i = 0; i < n; i++)
    {
      PhaseRow *r = &g_array_index (self->rows, PhaseRow, i);
      YpRecord *stage = NULL;
      const char *status;
      g_autoptr(GString) subtitle = g_string_new (NULL);
      g_autofree char *who = NULL;
      const char *date = NULL;

      for (guint j = 0; stages && j < stages->len; j++)
        if (g_strcmp0 (yp_record_get_string (stages->pdata[j], "phase_key"), r->key) == 0)
          stage = stages->pdata[j];
      if (stage != NULL)
        status = yp_record_get_string (stage, "status");
      else
        {
          /* Not on the map yet: drawn from the client's stage number. */
          gint64 at = MAX (client_stage, 1);

          status = (gint64) i + 1 < at ? "done" : (gint64) i + 1 == at ? "current" : "upcoming";
        }
      if (g_strcmp0 (status, "current") == 0)
        current = (int) i;
      if (g_strcmp0 (status, "upcoming") == 0 || g_strcmp0 (status, "current") == 0)
        can_advance = TRUE;

      /* Translators: "Phase 3 of 7 · current" */
      g_string_printf (subtitle, _("Phase %u of %u · %s"), i + 1, n, status_words (status));
      if (stage != NULL)
        {
          if (g_strcmp0 (status, "done") == 0)
            date = yp_record_get_string (stage, "done_on");
          else if (g_strcmp0 (status, "current") == 0)
            date = yp_record_get_string (stage, "started_on");
          who = professional_name (self, yp_record_get_string (stage, "updated_by"));
        }
      if (date != NULL)
        {
          g_autofree char *d = yp_date_format_fi (date);

          g_string_append_printf (subtitle, " · %s", d);
        }
      if (who != NULL && g_strcmp0 (status, "upcoming") != 0)
        g_string_append_printf (subtitle, " · %s", who);
      adw_expander_row_set_subtitle (r->row, subtitle->str);
      gtk_label_set_label (r->marker, status_marker (status));
      if (g_strcmp0 (status, "upcoming") == 0 || g_strcmp0 (status, "skipped") == 0)
        gtk_widget_add_css_class (GTK_WIDGET (r->marker), "dim-label");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (r->marker), "dim-label");
      if (g_strcmp0 (status, "current") == 0)
        gtk_widget_add_css_class (GTK_WIDGET (r->marker), "accent");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (r->marker), "accent");

      g_free (r->description);
      /* Translators: what a screen reader says for a phase: "Phase 3 of 7: Holistic
       * assessment, current" */
      r->description = g_strdup_printf (_("Phase %u of %u: %s, %s"), i + 1, n,
                                        adw_preferences_row_get_title (ADW_PREFERENCES_ROW (r->row)),
                                        status_words (status));
      gtk_accessible_update_property (GTK_ACCESSIBLE (r->row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      r->description, -1);
      for (guint s = 0; status_values[s]; s++)
        if (g_strcmp0 (status_values[s], status) == 0)
          adw_combo_row_set_selected (r->status_row, s);
      /* A note being typed is not overwritten. */
      if (!gtk_widget_has_focus (GTK_WIDGET (r->note_row)) &&
          gtk_widget_get_focus_child (GTK_WIDGET (r->note_row)) == NULL)
        gtk_editable_set_text (GTK_EDITABLE (r->note_row),
                               stage && yp_record_get_string (stage, "note")
                                 ? yp_record_get_string (stage, "note") : "");
    }
  self->loading = FALSE;

  if (current >= 0)
    {
      g_autofree char *text =
        /* Translators: "Phase 3 of 7: Holistic assessment" */
        g_strdup_printf (_("Phase %d of %u: %s"), current + 1, n,
                         adw_preferences_row_get_title (
                           ADW_PREFERENCES_ROW (g_array_index (self->rows, PhaseRow,
                                                               current).row)));
      gtk_label_set_label (self->summary_label, text);
    }
  else
    gtk_label_set_label (self->summary_label, can_advance ? _("Not started")
                                                          : _("Every phase is done"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stage-map.advance", can_advance);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stage-map.print", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stage-map.export", TRUE);
}

static void
on_store_changed (YpStore        *store,
                  const char     *table,
                  const char     *id,
                  YpStageMapView *self)
{
  if (self->client_id != NULL &&
      (g_str_equal (table, "stages") || g_str_equal (table, "clients") ||
       g_str_equal (table, "professionals")))
    refresh (self);
}

static void
advance_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  YpStageMapView *self = YP_STAGE_MAP_VIEW (widget);
  g_autoptr(GError) error = NULL;

  if (self->client_id == NULL)
    return;
  show_error (self, yp_stages_advance (self->store, self->client_id, &error) ? NULL : error);
  refresh (self);
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  YpStageMapView *self = YP_STAGE_MAP_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->client_id == NULL)
    return;
  if (g_str_equal (action_name, "stage-map.print"))
    yp_client_print_run (self->store, self->client_id, GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                            : NULL);
  else
    yp_client_print_choose_pdf (self->store, self->client_id,
                                GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL);
}

void
yp_stage_map_view_set_client_id (YpStageMapView *self,
                                 const char     *client_id)
{
  g_return_if_fail (YP_IS_STAGE_MAP_VIEW (self));

  if (g_strcmp0 (self->client_id, client_id) == 0)
    return;
  g_free (self->client_id);
  self->client_id = g_strdup (client_id);
  show_error (self, NULL);
  /* Rows are remade for another client: notes typed for the last one must not carry over. */
  build_rows (self, NULL);
  refresh (self);
  for (guint i = 0; i < self->rows->len; i++)
    {
      PhaseRow *r = &g_array_index (self->rows, PhaseRow, i);

      adw_expander_row_set_expanded (r->row,
                                     gtk_label_get_label (r->marker) != NULL &&
                                     g_str_equal (gtk_label_get_label (r->marker), "●"));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ID]);
}

const char *
yp_stage_map_view_get_client_id (YpStageMapView *self)
{
  g_return_val_if_fail (YP_IS_STAGE_MAP_VIEW (self), NULL);
  return self->client_id;
}

const char *
yp_stage_map_view_get_phase_description (YpStageMapView *self,
                                         guint           i)
{
  g_return_val_if_fail (YP_IS_STAGE_MAP_VIEW (self), NULL);
  return i < self->rows->len ? g_array_index (self->rows, PhaseRow, i).description : NULL;
}

GtkWidget *
yp_stage_map_view_get_phase_row (YpStageMapView *self,
                                 guint           i)
{
  g_return_val_if_fail (YP_IS_STAGE_MAP_VIEW (self), NULL);
  return i < self->rows->len ? GTK_WIDGET (g_array_index (self->rows, PhaseRow, i).row) : NULL;
}

static void
yp_stage_map_view_constructed (GObject *object)
{
  YpStageMapView *self = YP_STAGE_MAP_VIEW (object);

  G_OBJECT_CLASS (yp_stage_map_view_parent_class)->constructed (object);
  if (self->store != NULL)
    self->changed_id = g_signal_connect (self->store, "changed",
                                         G_CALLBACK (on_store_changed), self);
  refresh (self);
}

static void
yp_stage_map_view_dispose (GObject *object)
{
  YpStageMapView *self = YP_STAGE_MAP_VIEW (object);
  GtkWidget *child;

  if (self->store != NULL && self->changed_id != 0)
    g_clear_signal_handler (&self->changed_id, self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_STAGE_MAP_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (yp_stage_map_view_parent_class)->dispose (object);
}

static void
yp_stage_map_view_finalize (GObject *object)
{
  YpStageMapView *self = YP_STAGE_MAP_VIEW (object);

  g_free (self->client_id);
  g_free (self->template_id);
  g_array_unref (self->rows);

  G_OBJECT_CLASS (yp_stage_map_view_parent_class)->finalize (object);
}

static void
yp_stage_map_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  YpStageMapView *self = YP_STAGE_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_CLIENT_ID: g_value_set_string (value, self->client_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_stage_map_view_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  YpStageMapView *self = YP_STAGE_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    case PROP_CLIENT_ID: yp_stage_map_view_set_client_id (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_stage_map_view_class_init (YpStageMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = yp_stage_map_view_constructed;
  object_class->dispose = yp_stage_map_view_dispose;
  object_class->finalize = yp_stage_map_view_finalize;
  object_class->get_property = yp_stage_map_view_get_property;
  object_class->set_property = yp_stage_map_view_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "stage-map.advance", NULL, advance_action);
  gtk_widget_class_install_action (widget_class, "stage-map.print", NULL, print_action);
  gtk_widget_class_install_action (widget_class, "stage-map.export", NULL, print_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "stage-map.advance", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "stage-map.advance", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "stage-map.print", NULL);

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/yp-stage-map-view.ui");
  gtk_widget_class_bind_template_child (widget_class, YpStageMapView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, YpStageMapView, error_label);
  gtk_widget_class_bind_template_child (widget_class, YpStageMapView, phase_list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
yp_stage_map_view_init (YpStageMapView *self)
{
  self->rows = g_array_new (FALSE, TRUE, sizeof (PhaseRow));
  g_array_set_clear_func (self->rows, phase_row_clear);
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
yp_stage_map_view_new (YpStore *store)
{
  return g_object_new (YP_TYPE_STAGE_MAP_VIEW, "store", store, NULL);
}
