/* yp-profile-view.h — first run: who is using this device (name, title, organisation). */
#pragma once

#include <adwaita.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_TYPE_PROFILE_VIEW (yp_profile_view_get_type ())
G_DECLARE_FINAL_TYPE (YpProfileView, yp_profile_view, YP, PROFILE_VIEW, GtkWidget)

GtkWidget *yp_profile_view_new (YpStore *store);
/* Saves the profile from the form; "done" follows. FALSE with the reason shown. */
gboolean   yp_profile_view_save (YpProfileView *self);

G_END_DECLS
