/* yp-sign-in-dialog.c — signing in to a coordination server.
 *
 * The dialog asks for the server address, the user name and the password, and hands them to
 * the sync engine. A mistake is shown inside the dialog in plain words and everything typed
 * stays in place. The dialog itself writes nothing anywhere: the engine keeps the token in
 * the keyring and the address and user name in the store.
 */
#define G_LOG_DOMAIN "yp-sign-in-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-resources.h"
#include "yp-sign-in-dialog.h"

struct _YpSignInDialog
{
  AdwWindow parent_instance;

  /* template */
  GtkWidget    *sign_in_button;
  GtkSpinner   *spinner;
  GtkLabel     *error_label;
  AdwEntryRow  *server_row;
  AdwEntryRow  *username_row;
  AdwEntryRow  *password_row;

  /* owned */
  YpSyncEngine *engine;
  GCancellable *cancellable;
  gboolean      busy;
};

G_DEFINE_FINAL_TYPE (YpSignInDialog, yp_sign_in_dialog, ADW_TYPE_WINDOW)

enum { PROP_0, PROP_ENGINE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_SIGNED_IN, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean
row_filled (AdwEntryRow *row)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  return *text != '\0';
}

static void
update_actions (YpSignInDialog *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.sign-in",
                                 !self->busy && row_filled (self->server_row)
                                 && row_filled (self->username_row)
                                 && *gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
}

static void
set_busy (YpSignInDialog *self,
          gboolean        busy)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  /* The rows stay editable (making a focused entry insensitive loses its focus); the
   * values were already handed over, and "Sign In" waits for the answer. */
  update_actions (self);
}

static void
show_error (YpSignInDialog *self,
            const char     *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static const char *
error_to_words (const GError *error)
{
  if (error->domain != YP_SYNC_ERROR)
    return error->message;
  switch ((YpSyncError) error->code)
    {
    case YP_SYNC_ERROR_INVALID_CREDENTIALS:
      return _("The user name or the password is wrong. Check them and try again.");
    case YP_SYNC_ERROR_OFFLINE:
      return _("The server could not be reached. Check the server address and that this "
               "computer is connected to the network.");
    case YP_SYNC_ERROR_RATE_LIMITED:
      return _("Too many sign-in attempts. Wait a few minutes and try again.");
    case YP_SYNC_ERROR_INVALID_URL:
      return _("The server address is not valid. It begins with https://, for example "
               "https://palvelin.example.fi.");
    case YP_SYNC_ERROR_UNAUTHORIZED:
    case YP_SYNC_ERROR_NOT_SIGNED_IN:
    case YP_SYNC_ERROR_SERVER:
    default:
      return error->message;
    }
}

static void
on_signed_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(YpSignInDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!yp_sync_engine_sign_in_finish (YP_SYNC_ENGINE (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      show_error (self, error_to_words (error));
      if (g_error_matches (error, YP_SYNC_ERROR, YP_SYNC_ERROR_INVALID_CREDENTIALS))
        gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      else if (g_error_matches (error, YP_SYNC_ERROR, YP_SYNC_ERROR_OFFLINE)
               || g_error_matches (error, YP_SYNC_ERROR, YP_SYNC_ERROR_INVALID_URL))
        gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
      return;
    }
  set_busy (self, FALSE);
  g_signal_emit (self, signals[SIGNAL_SIGNED_IN], 0,
                 yp_sync_engine_get_server_url (self->engine));
  gtk_window_close (GTK_WINDOW (self));
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  YpSignInDialog *self = YP_SIGN_IN_DIALOG (widget);
  g_autofree char *url = NULL;
  g_autofree char *username = NULL;

  if (self->busy || self->engine == NULL)
    return;
  url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  username = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row))));
  show_error (self, NULL);
  set_busy (self, TRUE);
  yp_sync_engine_sign_in_async (self->engine, url, username,
                                gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                                self->cancellable, on_signed_in, g_object_ref (self));
}

static void
on_changed (YpSignInDialog *self)
{
  update_actions (self);
}

static void
on_entry_activated (YpSignInDialog *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "sign-in.sign-in", NULL);
}

const char *
yp_sign_in_dialog_get_error (YpSignInDialog *self)
{
  g_return_val_if_fail (YP_IS_SIGN_IN_DIALOG (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_label (self->error_label);
}

GtkEditable *
yp_sign_in_dialog_get_server_entry (YpSignInDialog *self)
{
  g_return_val_if_fail (YP_IS_SIGN_IN_DIALOG (self), NULL);
  return GTK_EDITABLE (self->server_row);
}

GtkEditable *
yp_sign_in_dialog_get_username_entry (YpSignInDialog *self)
{
  g_return_val_if_fail (YP_IS_SIGN_IN_DIALOG (self), NULL);
  return GTK_EDITABLE (self->username_row);
}

GtkEditable *
yp_sign_in_dialog_get_password_entry (YpSignInDialog *self)
{
  g_return_val_if_fail (YP_IS_SIGN_IN_DIALOG (self), NULL);
  return GTK_EDITABLE (self->password_row);
}

static void
yp_sign_in_dialog_constructed (GObject *object)
{
  YpSignInDialog *self = YP_SIGN_IN_DIALOG (object);

  G_OBJECT_CLASS (yp_sign_in_dialog_parent_class)->constructed (object);

  /* After an expired sign-in the address and user name are known: only the password is
   * asked again. */
  if (self->engine != NULL)
    {
      const char *url = yp_sync_engine_get_server_url (self->engine);
      const char *username = yp_sync_engine_get_username (self->engine);

      if (url != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->server_row), url);
      if (username != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->username_row), username);
    }
  update_actions (self);
}

static void
yp_sign_in_dialog_dispose (GObject *object)
{
  YpSignInDialog *self = YP_SIGN_IN_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_SIGN_IN_DIALOG);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (yp_sign_in_dialog_parent_class)->dispose (object);
}

static void
yp_sign_in_dialog_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  YpSignInDialog *self = YP_SIGN_IN_DIALOG (object);

  switch (prop_id)
    {
    case PROP_ENGINE: g_value_set_object (value, self->engine); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_sign_in_dialog_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  YpSignInDialog *self = YP_SIGN_IN_DIALOG (object);

  switch (prop_id)
    {
    case PROP_ENGINE: self->engine = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_sign_in_dialog_class_init (YpSignInDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = yp_sign_in_dialog_constructed;
  object_class->dispose = yp_sign_in_dialog_dispose;
  object_class->get_property = yp_sign_in_dialog_get_property;
  object_class->set_property = yp_sign_in_dialog_set_property;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, YP_TYPE_SYNC_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_SIGNED_IN] =
    g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/yp-sign-in-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, YpSignInDialog, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, YpSignInDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, YpSignInDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, YpSignInDialog, server_row);
  gtk_widget_class_bind_template_child (widget_class, YpSignInDialog, username_row);
  gtk_widget_class_bind_template_child (widget_class, YpSignInDialog, password_row);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);

  gtk_widget_class_install_action (widget_class, "sign-in.sign-in", NULL, sign_in_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
yp_sign_in_dialog_init (YpSignInDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
yp_sign_in_dialog_new (GtkWindow    *parent,
                       YpSyncEngine *engine)
{
  return g_object_new (YP_TYPE_SIGN_IN_DIALOG, "transient-for", parent, "engine", engine,
                       NULL);
}
