/* yp-conflicts-dialog.h — the changes that clashed with someone else's, for the user to decide. */
#pragma once

#include <adwaita.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_TYPE_CONFLICTS_DIALOG (yp_conflicts_dialog_get_type ())
G_DECLARE_FINAL_TYPE (YpConflictsDialog, yp_conflicts_dialog, YP, CONFLICTS_DIALOG, AdwWindow)

GtkWidget *yp_conflicts_dialog_new (GtkWindow *parent,
                                    YpStore   *store);

/* Actions "conflicts.keep-mine" and "conflicts.use-theirs" take the conflict's id ("x"). */

G_END_DECLS
