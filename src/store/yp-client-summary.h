/* yp-client-summary.h — what one row of the client list shows. Immutable. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define YP_TYPE_CLIENT_SUMMARY (yp_client_summary_get_type ())
G_DECLARE_FINAL_TYPE (YpClientSummary, yp_client_summary, YP, CLIENT_SUMMARY, GObject)

YpClientSummary *yp_client_summary_new (gint64      rowid,
                                        const char *id,
                                        const char *first_name,
                                        const char *last_name,
                                        const char *status,
                                        int         stage,
                                        const char *next_follow_up,
                                        const char *responsible_name,
                                        guint       pending_changes,
                                        gboolean    is_demo);

gint64       yp_client_summary_get_rowid            (YpClientSummary *self);
const char  *yp_client_summary_get_id               (YpClientSummary *self);
/* "Etunimi Sukunimi" */
const char  *yp_client_summary_get_display_name     (YpClientSummary *self);
const char  *yp_client_summary_get_status           (YpClientSummary *self);
/* Current phase 1..7, 0 when not started. */
int          yp_client_summary_get_stage            (YpClientSummary *self);
/* YYYY-MM-DD or NULL */
const char  *yp_client_summary_get_next_follow_up   (YpClientSummary *self);
const char  *yp_client_summary_get_responsible_name (YpClientSummary *self);
guint        yp_client_summary_get_pending_changes  (YpClientSummary *self);
gboolean     yp_client_summary_get_is_demo          (YpClientSummary *self);
/* Follow-up date is today or earlier. */
gboolean     yp_client_summary_get_follow_up_due    (YpClientSummary *self);
/* The shared plan's next review date, YYYY-MM-DD or NULL; set once by the store when it
 * loads the summary. */
void         yp_client_summary_set_review_due       (YpClientSummary *self,
                                                     const char      *review_due);
const char  *yp_client_summary_get_review_due       (YpClientSummary *self);
/* The review date has passed (before today). */
gboolean     yp_client_summary_get_review_overdue   (YpClientSummary *self);

G_END_DECLS
