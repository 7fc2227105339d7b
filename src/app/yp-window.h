/* yp-window.h — the main window: the client list beside the chosen client. */
#pragma once

#include <adwaita.h>

#include "yp-client-list.h"
#include "yp-store.h"

G_BEGIN_DECLS

#define YP_TYPE_WINDOW (yp_window_get_type ())
G_DECLARE_FINAL_TYPE (YpWindow, yp_window, YP, WINDOW, AdwApplicationWindow)

YpWindow     *yp_window_new             (GtkApplication *application,
                                         YpStore        *store);
/* The list model behind the client list, for tests. */
YpClientList *yp_window_get_client_list (YpWindow       *self);
GtkEditable  *yp_window_get_search_entry (YpWindow      *self);
/* Opens the client (as activating its row does). */
void          yp_window_show_client     (YpWindow       *self,
                                         const char     *client_id);
const char   *yp_window_get_client_id   (YpWindow       *self);
/* The right-hand pane (YpClientView). */
GtkWidget    *yp_window_get_client_view (YpWindow       *self);
/* Which page the window shows: "profile" (first run) or "main"; and the list's state:
 * "list", "empty", "no-results" or "no-clients-here". */
const char   *yp_window_get_page        (YpWindow       *self);
const char   *yp_window_get_list_state  (YpWindow       *self);

/* Signal "list-ready": the client list has its first result (emitted once per query). */

G_END_DECLS
