/* yp-notifications.h — in-app notifications for the signed-in professional.
 *
 * Notification rows are written by the participants, messages and follow-up code (invited,
 * joined, new message …); this is how the professional reads them. No GTK here.
 */
#pragma once

#include "yp-store.h"

G_BEGIN_DECLS

/* The newest notifications addressed to the signed-in professional, newest first. */
GPtrArray *yp_notifications_list_mine     (YpStore     *store,
                                           guint        limit,
                                           GError     **error);
/* How many of them are unread. */
guint      yp_notifications_count_unread  (YpStore     *store);
/* Marks one as read (now). */
gboolean   yp_notifications_mark_read     (YpStore     *store,
                                           const char  *notification_id,
                                           GError     **error);
/* Marks every unread one as read. */
gboolean   yp_notifications_mark_all_read (YpStore     *store,
                                           GError     **error);

G_END_DECLS
