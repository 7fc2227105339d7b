/* yp-conflicts-dialog.c — the changes that clashed with someone else's.
 *
 * One row per unresolved conflict: whose information and which field, what you wrote and
 * what the other professional wrote. "Keep Mine" sends yours again, "Use Theirs" keeps
 * theirs. Nothing is ever resolved without the user choosing.
 */
#define G_LOG_DOMAIN "yp-conflicts-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "yp-conflicts-dialog.h"
#include "yp-resources.h"
#include "yp-util.h"

struct _YpConflictsDialog
{
  AdwWindow parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  GtkListBox      *list;

  /* owned */
  YpStore         *store;
  guint            refresh_idle;
};

G_DEFINE_FINAL_TYPE (YpConflictsDialog, yp_conflicts_dialog, ADW_TYPE_WINDOW)

enum { PROP_0, PROP_STORE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static const struct { const char *field; const char *label; } field_labels[] = {
  { "first_name", N_("First name") },
  { "last_name", N_("Last name") },
  { "phone", N_("Phone") },
  { "address", N_("Address") },
  { "email", N_("Email") },
  { "status", N_("Status") },
  { "notes", N_("Notes") },
  { "text", N_("Text") },
  { "title", N_("Title") },
  { "due_date", N_("Date") },
};

static char *
field_label (const char *field)
{
  for (guint i = 0; i < G_N_ELEMENTS (field_labels); i++)
    if (g_strcmp0 (field_labels[i].field, field) == 0)
      return g_strdup (_(field_labels[i].label));
  return g_strdelimit (g_strdup (field), "_", ' ');
}

static char *
client_name (YpStore    *store,
             const char *client_id)
{
  g_autoptr(YpRecord) client = NULL;

  if (client_id != NULL && *client_id != '\0')
    client = yp_store_get (store, yp_schema_lookup ("client"), client_id, NULL);
  if (client == NULL)
    return g_strdup (_("Shared information"));
  return g_strdup_printf ("%s %s", yp_record_get_string (client, "first_name"),
                          yp_record_get_string (client, "last_name"));
}

static const char *
value_or_empty (const char *value)
{
  return value != NULL && *value != '\0' ? value : _("(empty)");
}

static GtkWidget *
conflict_row_new (YpConflictsDialog *self,
                  YpSyncConflict    *c)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *mine = gtk_button_new_with_mnemonic (_("_Keep Mine"));
  GtkWidget *theirs = gtk_button_new_with_mnemonic (_("_Use Theirs"));
  g_autofree char *name = client_name (self->store, c->client_id);
  g_autofree char *label = field_label (c->field);
  g_autofree char *title = g_strdup_printf ("%s · %s", name, label);
  g_autofree char *date = NULL;
  g_autofree char *yours = NULL;
  g_autofree char *other = NULL;
  g_autofree char *subtitle = NULL;

  if (c->server_at != NULL && strlen (c->server_at) >= 10)
    {
      g_autofree char *day = g_strndup (c->server_at, 10);

      date = yp_date_format_fi (day);
    }
  yours = g_strdup_printf (_("Yours: %s"), value_or_empty (c->local_value));
  /* Translators: "Alice Omistaja wrote: 040 123 (23.11.2026)" */
  other = g_strdup_printf (_("%s wrote: %s (%s)"),
                           c->server_by_name ? c->server_by_name : _("Another professional"),
                           value_or_empty (c->server_value), date ? date : "");
  subtitle = g_strdup_printf ("%s\n%s", yours, other);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (mine), "conflicts.keep-mine");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (mine), "x", c->id);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (theirs), "conflicts.use-theirs");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (theirs), "x", c->id);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), mine);
  gtk_box_append (GTK_BOX (box), theirs);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  return row;
}

static void
refresh (YpConflictsDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = yp_store_list_conflicts (self->store, NULL, &error);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  if (conflicts == NULL)
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }
  for (guint i = 0; i < conflicts->len; i++)
    gtk_list_box_append (self->list, conflict_row_new (self, conflicts->pdata[i]));
  gtk_stack_set_visible_child_name (self->stack, conflicts->len > 0 ? "list" : "empty");
}

static gboolean
refresh_cb (gpointer data)
{
  YpConflictsDialog *self = data;

  self->refresh_idle = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
on_store_changed (YpStore           *store,
                  const char        *table,
                  const char        *id,
                  YpConflictsDialog *self)
{
  if (self->refresh_idle == 0)
    self->refresh_idle = g_idle_add (refresh_cb, self);
}

static void
resolve (YpConflictsDialog *self,
         GVariant          *param,
         gboolean           keep_local)
{
  g_autoptr(GError) error = NULL;

  if (!yp_store_resolve_conflict (self->store, g_variant_get_int64 (param), keep_local,
                                  &error))
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
  refresh (self);
}

static void
keep_mine_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  resolve (YP_CONFLICTS_DIALOG (widget), param, TRUE);
}

static void
use_theirs_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  resolve (YP_CONFLICTS_DIALOG (widget), param, FALSE);
}

static void
yp_conflicts_dialog_constructed (GObject *object)
{
  YpConflictsDialog *self = YP_CONFLICTS_DIALOG (object);

  G_OBJECT_CLASS (yp_conflicts_dialog_parent_class)->constructed (object);
  g_signal_connect_object (self->store, "changed", G_CALLBACK (on_store_changed), self, 0);
  refresh (self);
}

static void
yp_conflicts_dialog_dispose (GObject *object)
{
  YpConflictsDialog *self = YP_CONFLICTS_DIALOG (object);

  g_clear_handle_id (&self->refresh_idle, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_CONFLICTS_DIALOG);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (yp_conflicts_dialog_parent_class)->dispose (object);
}

static void
yp_conflicts_dialog_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  YpConflictsDialog *self = YP_CONFLICTS_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_conflicts_dialog_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  YpConflictsDialog *self = YP_CONFLICTS_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_conflicts_dialog_class_init (YpConflictsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = yp_conflicts_dialog_constructed;
  object_class->dispose = yp_conflicts_dialog_dispose;
  object_class->get_property = yp_conflicts_dialog_get_property;
  object_class->set_property = yp_conflicts_dialog_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/yp-conflicts-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, YpConflictsDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, YpConflictsDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, YpConflictsDialog, list);

  gtk_widget_class_install_action (widget_class, "conflicts.keep-mine", "x", keep_mine_action);
  gtk_widget_class_install_action (widget_class, "conflicts.use-theirs", "x",
                                   use_theirs_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
yp_conflicts_dialog_init (YpConflictsDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
yp_conflicts_dialog_new (GtkWindow *parent,
                         YpStore   *store)
{
  return g_object_new (YP_TYPE_CONFLICTS_DIALOG, "transient-for", parent, "store", store, NULL);
}
