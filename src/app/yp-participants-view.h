/* yp-participants-view.h — the Participants page of a client's guidance space. */
#pragma once

#include <adwaita.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_TYPE_PARTICIPANTS_VIEW (yp_participants_view_get_type ())
G_DECLARE_FINAL_TYPE (YpParticipantsView, yp_participants_view, YP, PARTICIPANTS_VIEW, GtkWidget)

GtkWidget  *yp_participants_view_new           (YpStore *store);
void        yp_participants_view_set_client_id (YpParticipantsView *self,
                                                const char         *client_id);
const char *yp_participants_view_get_client_id (YpParticipantsView *self);
/* The dialog the page has open (invite, consent, declined, remove access), or NULL. */
GtkWindow  *yp_participants_view_get_dialog    (YpParticipantsView *self);

G_END_DECLS
