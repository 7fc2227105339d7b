/* yp-sign-in-dialog.h — signing in to a coordination server. */
#pragma once

#include <adwaita.h>

#include "yp-sync-engine.h"

G_BEGIN_DECLS

#define YP_TYPE_SIGN_IN_DIALOG (yp_sign_in_dialog_get_type ())
G_DECLARE_FINAL_TYPE (YpSignInDialog, yp_sign_in_dialog, YP, SIGN_IN_DIALOG, AdwWindow)

/* A modal dialog over @parent. Emits "signed-in" (server address) and closes on success. */
GtkWidget  *yp_sign_in_dialog_new       (GtkWindow    *parent,
                                         YpSyncEngine *engine);
/* The message shown in the dialog (for tests), or NULL when there is none. */
const char *yp_sign_in_dialog_get_error (YpSignInDialog *self);
GtkEditable *yp_sign_in_dialog_get_server_entry   (YpSignInDialog *self);
GtkEditable *yp_sign_in_dialog_get_username_entry (YpSignInDialog *self);
GtkEditable *yp_sign_in_dialog_get_password_entry (YpSignInDialog *self);

G_END_DECLS
