/* yp-new-client-dialog.c — adding a client: the basic details form and "Add".
 *
 * The dialog closes only after the store has saved the client ("client-added" follows), so a
 * failed save (a full disk) leaves everything typed in place with the reason shown.
 */
#define G_LOG_DOMAIN "yp-new-client-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-resources.h"
#include "yp-client-editor.h"
#include "yp-new-client-dialog.h"

struct _YpNewClientDialog
{
  AdwWindow  parent_instance;

  /* template */
  AdwBin    *editor_bin;

  /* owned */
  YpStore   *store;

  /* borrowed */
  YpClientEditor *editor;
};

G_DEFINE_FINAL_TYPE (YpNewClientDialog, yp_new_client_dialog, ADW_TYPE_WINDOW)

enum { PROP_0, PROP_STORE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_CLIENT_ADDED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
on_editor_saved (YpClientEditor    *editor,
                 const char        *client_id,
                 YpNewClientDialog *self)
{
  g_signal_emit (self, signals[SIGNAL_CLIENT_ADDED], 0, client_id);
  gtk_window_close (GTK_WINDOW (self));
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  YpNewClientDialog *self = YP_NEW_CLIENT_DIALOG (widget);

  yp_client_editor_save (self->editor);
}

GtkWidget *
yp_new_client_dialog_get_editor (YpNewClientDialog *self)
{
  g_return_val_if_fail (YP_IS_NEW_CLIENT_DIALOG (self), NULL);
  return GTK_WIDGET (self->editor);
}

static void
yp_new_client_dialog_constructed (GObject *object)
{
  YpNewClientDialog *self = YP_NEW_CLIENT_DIALOG (object);

  G_OBJECT_CLASS (yp_new_client_dialog_parent_class)->constructed (object);

  self->editor = YP_CLIENT_EDITOR (yp_client_editor_new (self->store));
  adw_bin_set_child (self->editor_bin, GTK_WIDGET (self->editor));
  g_signal_connect_object (self->editor, "saved", G_CALLBACK (on_editor_saved), self, 0);
}

static void
yp_new_client_dialog_dispose (GObject *object)
{
  YpNewClientDialog *self = YP_NEW_CLIENT_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_NEW_CLIENT_DIALOG);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (yp_new_client_dialog_parent_class)->dispose (object);
}

static void
yp_new_client_dialog_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  YpNewClientDialog *self = YP_NEW_CLIENT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_new_client_dialog_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  YpNewClientDialog *self = YP_NEW_CLIENT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_new_client_dialog_class_init (YpNewClientDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = yp_new_client_dialog_constructed;
  object_class->dispose = yp_new_client_dialog_dispose;
  object_class->get_property = yp_new_client_dialog_get_property;
  object_class->set_property = yp_new_client_dialog_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* "client-added" (id): the new client is saved. */
  signals[SIGNAL_CLIENT_ADDED] =
    g_signal_new ("client-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/yp-new-client-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, YpNewClientDialog, editor_bin);
  gtk_widget_class_install_action (widget_class, "dialog.add", NULL, add_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "dialog.add", NULL);
}

static void
yp_new_client_dialog_init (YpNewClientDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
yp_new_client_dialog_new (GtkWindow *parent,
                          YpStore   *store)
{
  return g_object_new (YP_TYPE_NEW_CLIENT_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       "store", store,
                       NULL);
}
