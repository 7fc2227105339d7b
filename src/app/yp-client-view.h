/* yp-client-view.h — the right-hand pane: one client's guidance space and its pages. */
#pragma once

#include <adwaita.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_TYPE_CLIENT_VIEW (yp_client_view_get_type ())
G_DECLARE_FINAL_TYPE (YpClientView, yp_client_view, YP, CLIENT_VIEW, GtkWidget)

GtkWidget  *yp_client_view_new           (YpStore      *store);
/* Shows the client (and writes "viewed" to the access log), or the empty state for NULL. */
void        yp_client_view_set_client_id (YpClientView *self,
                                          const char   *client_id);
const char *yp_client_view_get_client_id (YpClientView *self);
/* A page of the guidance space by name ("stage-map", "plan", "participants", "follow-ups",
 * "messages"), built if it was not yet; NULL for an unknown name or before a client was
 * shown. */
GtkWidget  *yp_client_view_get_page      (YpClientView *self,
                                          const char   *name);
/* Shows a page ("details" or one of the above). */
void        yp_client_view_show_page     (YpClientView *self,
                                          const char   *name);
/* The basic details form (NULL until the first client is shown). */
GtkWidget  *yp_client_view_get_editor    (YpClientView *self);

G_END_DECLS
