/* yp-client-editor.c — the client's basic details form. */
#define G_LOG_DOMAIN "yp-client-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-resources.h"
#include "yp-client-editor.h"
#include "yp-util.h"

/* Text fields: the record field behind each entry row. */
typedef enum
{
  TEXT_FIRST_NAME,
  TEXT_LAST_NAME,
  TEXT_BIRTH_DATE,
  TEXT_PHONE,
  TEXT_ADDRESS,
  N_TEXT
} TextField;

static const char * const text_field_names[N_TEXT] = {
  "first_name", "last_name", "birth_date", "phone", "address",
};

static const char * const language_values[] = { "fi", "sv", "en", NULL };
static const char * const status_values[] = { "active", "candidate", "ended", NULL };

struct _YpClientEditor
{
  GtkWidget      parent_instance;

  /* template */
  AdwEntryRow   *text_rows[N_TEXT];
  GtkLabel      *error_labels[N_TEXT];
  AdwComboRow   *language_row;
  AdwComboRow   *responsible_row;
  AdwComboRow   *status_row;
  GtkLabel      *save_error_label;

  /* owned */
  YpStore       *store;
  char          *client_id;
  GPtrArray     *professional_ids; /* index in responsible_row's model - 1 → id */
  GCancellable  *cancellable;
  GHashTable    *errors;           /* field name → message */

  gboolean       loading;          /* setting widgets from the record; do not save */
  gboolean       creating;         /* a new client's insert is under way */
};

G_DEFINE_FINAL_TYPE (YpClientEditor, yp_client_editor, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_STORE, PROP_CLIENT_ID, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static int
text_field_for_row (YpClientEditor *self,
                    AdwEntryRow    *row)
{
  for (int i = 0; i < N_TEXT; i++)
    if (self->text_rows[i] == row)
      return i;
  g_assert_not_reached ();
  return -1;
}

static void
show_field_error (YpClientEditor *self,
                  TextField       field,
                  const char     *message)
{
  GtkWidget *row = GTK_WIDGET (self->text_rows[field]);
  GtkLabel *label = self->error_labels[field];

  if (message != NULL)
    {
      g_hash_table_replace (self->errors, g_strdup (text_field_names[field]),
                            g_strdup (message));
      gtk_widget_add_css_class (row, "error");
      gtk_label_set_label (label, message);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
    }
  else
    {
      g_hash_table_remove (self->errors, text_field_names[field]);
      gtk_widget_remove_css_class (row, "error");
      gtk_label_set_label (label, "");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

/* Puts the text of @field into @record, in the stored form. FALSE, with the message shown,
 * when it does not validate. */
static gboolean
take_text_field (YpClientEditor *self,
                 TextField       field,
                 YpRecord       *record)
{
  const char *name = text_field_names[field];
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->text_rows[field]))));
  g_autoptr(GError) error = NULL;

  if (*text == '\0')
    yp_record_set_null (record, name);
  else if (field == TEXT_BIRTH_DATE)
    {
      g_autofree char *iso = yp_date_parse_user (text);

      if (iso == NULL)
        {
          show_field_error (self, field,
                            _("Write the birth date as day.month.year, for example 23.11.1950."));
          return FALSE;
        }
      yp_record_set_string (record, name, iso);
    }
  else
    yp_record_set_string (record, name, text);

  if (!yp_record_validate_field (record, name, &error))
    {
      show_field_error (self, field, error->message);
      return FALSE;
    }
  show_field_error (self, field, NULL);
  return TRUE;
}

static void
take_choices (YpClientEditor *self,
              YpRecord       *record)
{
  guint lang = adw_combo_row_get_selected (self->language_row);
  guint status = adw_combo_row_get_selected (self->status_row);
  guint responsible = adw_combo_row_get_selected (self->responsible_row);

  yp_record_set_string (record, "language",
                        language_values[MIN (lang, G_N_ELEMENTS (language_values) - 2)]);
  yp_record_set_string (record, "status",
                        status_values[MIN (status, G_N_ELEMENTS (status_values) - 2)]);
  if (responsible == 0 || responsible == GTK_INVALID_LIST_POSITION ||
      responsible > self->professional_ids->len)
    yp_record_set_null (record, "responsible_id");
  else
    yp_record_set_string (record, "responsible_id",
                          self->professional_ids->pdata[responsible - 1]);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(YpClientEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!yp_store_save_finish (YP_STORE (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* The text stays in the form; the user can save again. */
      if (self->creating)
        g_clear_pointer (&self->client_id, g_free);
      self->creating = FALSE;
      gtk_label_set_label (self->save_error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->save_error_label), TRUE);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->save_error_label), FALSE);
  self->creating = FALSE;
  g_signal_emit (self, signals[SIGNAL_SAVED], 0, self->client_id);
}

static void
save_record (YpClientEditor *self,
             YpRecord       *record,
             gboolean        is_new)
{
  yp_store_save_async (self->store, record, is_new, self->cancellable, on_saved,
                       g_object_ref (self));
}

/* Existing client: one field at a time, when applied. */
static void
on_text_row_apply (AdwEntryRow    *row,
                   YpClientEditor *self)
{
  int field = text_field_for_row (self, row);
  g_autoptr(YpRecord) record = NULL;

  if (self->loading || self->creating || self->client_id == NULL)
    return;
  record = yp_record_new (yp_schema_lookup ("client"));
  yp_record_set_string (record, "id", self->client_id);
  if (take_text_field (self, field, record))
    save_record (self, record, FALSE);
}

/* An entry row whose text was changed and not applied is applied when the focus leaves it,
 * so a nurse who clicks elsewhere does not lose what she typed. */
static void
on_text_row_changed (GtkEditable    *editable,
                     YpClientEditor *self)
{
  int field = text_field_for_row (self, ADW_ENTRY_ROW (editable));

  /* Typing clears an earlier message: the next check happens on apply. */
  if (!self->loading && g_hash_table_contains (self->errors, text_field_names[field]))
    show_field_error (self, field, NULL);
}

static void
on_focus_leave (GtkEventControllerFocus *controller,
                YpClientEditor          *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  int field = text_field_for_row (self, ADW_ENTRY_ROW (row));
  g_autoptr(YpRecord) current = NULL;
  g_autoptr(YpRecord) record = NULL;

  if (self->client_id == NULL || self->loading || self->creating)
    return;
  current = yp_store_get (self->store, yp_schema_lookup ("client"), self->client_id, NULL);
  record = yp_record_new (yp_schema_lookup ("client"));
  yp_record_set_string (record, "id", self->client_id);
  if (!take_text_field (self, field, record))
    return;
  if (current != NULL && yp_record_field_equal (current, record, text_field_names[field]))
    return;
  save_record (self, record, FALSE);
}

static void
on_choice_changed (AdwComboRow    *row,
                   GParamSpec     *pspec,
                   YpClientEditor *self)
{
  g_autoptr(YpRecord) record = NULL;

  if (self->loading || self->creating || self->client_id == NULL)
    return;
  record = yp_record_new (yp_schema_lookup ("client"));
  yp_record_set_string (record, "id", self->client_id);
  take_choices (self, record);
  save_record (self, record, FALSE);
}

static guint
index_of (const char * const *values,
          const char         *value,
          guint               fallback)
{
  for (guint i = 0; values[i]; i++)
    if (g_strcmp0 (values[i], value) == 0)
      return i;
  return fallback;
}

static void
load_professionals (YpClientEditor *self)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  g_ptr_array_set_size (self->professional_ids, 0);
  gtk_string_list_append (names, _("Not chosen"));
  rows = yp_store_list_directory (self->store, yp_schema_lookup ("professional"), NULL);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      YpRecord *p = rows->pdata[i];

      gtk_string_list_append (names, yp_record_get_string (p, "name"));
      g_ptr_array_add (self->professional_ids, g_strdup (yp_record_get_id (p)));
    }
  adw_combo_row_set_model (self->responsible_row, G_LIST_MODEL (names));
}

static guint
professional_position (YpClientEditor *self,
                       const char     *id)
{
  for (guint i = 0; id && i < self->professional_ids->len; i++)
    if (g_str_equal (self->professional_ids->pdata[i], id))
      return i + 1;
  return 0;
}

void
yp_client_editor_set_client_id (YpClientEditor *self,
                                const char     *client_id)
{
  g_autoptr(YpRecord) record = NULL;

  g_return_if_fail (YP_IS_CLIENT_EDITOR (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  g_free (self->client_id);
  self->client_id = g_strdup (client_id);

  if (client_id != NULL)
    record = yp_store_get (self->store, yp_schema_lookup ("client"), client_id, NULL);

  self->loading = TRUE;
  load_professionals (self);
  for (int i = 0; i < N_TEXT; i++)
    {
      const char *value = record ? yp_record_get_string (record, text_field_names[i]) : NULL;
      g_autofree char *shown = NULL;

      if (i == TEXT_BIRTH_DATE && value != NULL)
        shown = yp_date_format_fi (value);
      gtk_editable_set_text (GTK_EDITABLE (self->text_rows[i]),
                             shown ? shown : value ? value : "");
      adw_entry_row_set_show_apply_button (self->text_rows[i], client_id != NULL);
      show_field_error (self, i, NULL);
    }
  adw_combo_row_set_selected (self->language_row,
                              index_of (language_values,
                                        record ? yp_record_get_string (record, "language") : NULL,
                                        0));
  adw_combo_row_set_selected (self->status_row,
                              index_of (status_values,
                                        record ? yp_record_get_string (record, "status") : NULL,
                                        0));
  adw_combo_row_set_selected (self->responsible_row,
                              record ? professional_position (self, yp_record_get_string (record, "responsible_id"))
                                     : professional_position (self, yp_store_get_me_id (self->store)));
  gtk_widget_set_visible (GTK_WIDGET (self->save_error_label), FALSE);
  self->loading = FALSE;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ID]);
}

const char *
yp_client_editor_get_client_id (YpClientEditor *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_EDITOR (self), NULL);
  return self->client_id;
}

gboolean
yp_client_editor_save (YpClientEditor *self)
{
  g_autoptr(YpRecord) record = NULL;
  g_autofree char *id = NULL;
  gboolean ok = TRUE;
  int first_bad = -1;

  g_return_val_if_fail (YP_IS_CLIENT_EDITOR (self), FALSE);

  if (self->creating || self->client_id != NULL)
    return FALSE;

  record = yp_record_new (yp_schema_lookup ("client"));
  for (int i = 0; i < N_TEXT; i++)
    if (!take_text_field (self, i, record))
      {
        ok = FALSE;
        if (first_bad < 0)
          first_bad = i;
      }
  take_choices (self, record);
  if (!ok)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->text_rows[first_bad]));
      return FALSE;
    }

  /* The id is made here so the "saved" signal can name the new client. */
  id = yp_uuid_new ();
  yp_record_set_string (record, "id", id);
  g_free (self->client_id);
  self->client_id = g_steal_pointer (&id);
  self->creating = TRUE;
  save_record (self, record, TRUE);
  return TRUE;
}

const char *
yp_client_editor_get_field_error (YpClientEditor *self,
                                  const char     *field)
{
  g_return_val_if_fail (YP_IS_CLIENT_EDITOR (self), NULL);
  return g_hash_table_lookup (self->errors, field);
}

static void
yp_client_editor_constructed (GObject *object)
{
  YpClientEditor *self = YP_CLIENT_EDITOR (object);

  G_OBJECT_CLASS (yp_client_editor_parent_class)->constructed (object);
  yp_client_editor_set_client_id (self, NULL);
}

static void
yp_client_editor_dispose (GObject *object)
{
  YpClientEditor *self = YP_CLIENT_EDITOR (object);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_CLIENT_EDITOR);
  /* The template's root box is not a bound child, so dispose_template leaves it. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (yp_client_editor_parent_class)->dispose (object);
}

static void
yp_client_editor_finalize (GObject *object)
{
  YpClientEditor *self = YP_CLIENT_EDITOR (object);

  g_free (self->client_id);
  g_ptr_array_unref (self->professional_ids);
  g_hash_table_unref (self->errors);

  G_OBJECT_CLASS (yp_client_editor_parent_class)->finalize (object);
}

static void
yp_client_editor_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  YpClientEditor *self = YP_CLIENT_EDITOR (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_CLIENT_ID: g_value_set_string (value, self->client_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_client_editor_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  YpClientEditor *self = YP_CLIENT_EDITOR (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    case PROP_CLIENT_ID: yp_client_editor_set_client_id (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_client_editor_class_init (YpClientEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = yp_client_editor_constructed;
  object_class->dispose = yp_client_editor_dispose;
  object_class->finalize = yp_client_editor_finalize;
  object_class->get_property = yp_client_editor_get_property;
  object_class->set_property = yp_client_editor_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* "saved" (client id): a change was written to the store. */
  signals[SIGNAL_SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/yp-client-editor.ui");
#define ROW(i, name) \
  gtk_widget_class_bind_template_child_full (widget_class, name "_row", FALSE, \
                                             G_STRUCT_OFFSET (YpClientEditor, text_rows[i])); \
  gtk_widget_class_bind_template_child_full (widget_class, name "_error", FALSE, \
                                             G_STRUCT_OFFSET (YpClientEditor, error_labels[i]))
  ROW (TEXT_FIRST_NAME, "first_name");
  ROW (TEXT_LAST_NAME, "last_name");
  ROW (TEXT_BIRTH_DATE, "birth_date");
  ROW (TEXT_PHONE, "phone");
  ROW (TEXT_ADDRESS, "address");
#undef ROW
  gtk_widget_class_bind_template_child (widget_class, YpClientEditor, language_row);
  gtk_widget_class_bind_template_child (widget_class, YpClientEditor, responsible_row);
  gtk_widget_class_bind_template_child (widget_class, YpClientEditor, status_row);
  gtk_widget_class_bind_template_child (widget_class, YpClientEditor, save_error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_text_row_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_text_row_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_choice_changed);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
yp_client_editor_init (YpClientEditor *self)
{
  self->professional_ids = g_ptr_array_new_with_free_func (g_free);
  self->errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gtk_widget_init_template (GTK_WIDGET (self));

  for (int i = 0; i < N_TEXT; i++)
    {
      GtkEventController *focus = gtk_event_controller_focus_new ();

      g_signal_connect (focus, "leave", G_CALLBACK (on_focus_leave), self);
      gtk_widget_add_controller (GTK_WIDGET (self->text_rows[i]), focus);
    }
}

GtkWidget *
yp_client_editor_new (YpStore *store)
{
  return g_object_new (YP_TYPE_CLIENT_EDITOR, "store", store, NULL);
}
