/* yp-messages-view.h — the Messages page of a client's guidance space.
 *
 * The conversation the signed-in professional may see (oldest first; attachments under their
 * message with an "Open" button), and a compose box: Send (button or Ctrl+Enter) and
 * "Attach a file…", which sends the file together with any text written. What is typed is
 * kept as a draft about half a second after the last key, and comes back when the client is
 * opened again. A failed send keeps the text and says why.
 */
#pragma once

#include <adwaita.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_TYPE_MESSAGES_VIEW (yp_messages_view_get_type ())
G_DECLARE_FINAL_TYPE (YpMessagesView, yp_messages_view, YP, MESSAGES_VIEW, GtkWidget)

GtkWidget  *yp_messages_view_new           (YpStore        *store);
/* Shows the messages of @client_id (NULL: none). */
void        yp_messages_view_set_client_id (YpMessagesView *self,
                                            const char     *client_id);
const char *yp_messages_view_get_client_id (YpMessagesView *self);
/* Sends @file with the text in the compose box (what the file chooser does on "Attach"). */
void        yp_messages_view_attach_file   (YpMessagesView *self,
                                            GFile          *file);
/* The error shown above the compose box, or NULL. */
const char *yp_messages_view_get_error     (YpMessagesView *self);
/* The note about the client's agreed history window, or NULL when none is shown. */
const char *yp_messages_view_get_history_note (YpMessagesView *self);

G_END_DECLS
