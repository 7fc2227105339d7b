/* yp-follow-ups-view.h — the client's follow-up calls and home visits, and ending the
 * client relationship. */
#pragma once

#include <adwaita.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_TYPE_FOLLOW_UPS_VIEW (yp_follow_ups_view_get_type ())
G_DECLARE_FINAL_TYPE (YpFollowUpsView, yp_follow_ups_view, YP, FOLLOW_UPS_VIEW, GtkWidget)

/* A page over @store; it follows the store's "changed" signal. */
GtkWidget  *yp_follow_ups_view_new           (YpStore *store);
/* The client shown (NULL: none). Also the "client-id" property. */
void        yp_follow_ups_view_set_client_id (YpFollowUpsView *self,
                                              const char      *client_id);
const char *yp_follow_ups_view_get_client_id (YpFollowUpsView *self);

G_END_DECLS
