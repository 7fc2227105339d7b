/* yp-new-client-dialog.h — a modal window to add a client. */
#pragma once

#include <adwaita.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_TYPE_NEW_CLIENT_DIALOG (yp_new_client_dialog_get_type ())
G_DECLARE_FINAL_TYPE (YpNewClientDialog, yp_new_client_dialog, YP, NEW_CLIENT_DIALOG, AdwWindow)

GtkWidget *yp_new_client_dialog_new    (GtkWindow *parent,
                                        YpStore   *store);
/* The form inside, for tests. */
GtkWidget *yp_new_client_dialog_get_editor (YpNewClientDialog *self);

G_END_DECLS
