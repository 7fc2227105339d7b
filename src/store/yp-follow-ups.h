/* yp-follow-ups.h — follow-up calls and home visits, the worklist, ending the relationship.
 *
 * Built on the public YpStore API (plus read-only queries on the same file). After every
 * schedule, record or end, the client's next_follow_up is the earliest due date of its open
 * follow-ups (NULL when none, or when the relationship has ended), so the client list can sort
 * and badge by it. Messages are translated and say what to do. No GTK here.
 */
#pragma once

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_WHO5_N_ITEMS 5

/* What was found in one contact. Unanswered numbers are -1. */
typedef struct
{
  const char *done_at;            /* ISO 8601 date and time; NULL = now */
  int         coping;             /* 1–5, required */
  const char *notes;              /* may be NULL */
  const char *next_step;          /* may be NULL */
  int         nps;                /* 0–10, or -1 when not asked */
  int         who5[YP_WHO5_N_ITEMS]; /* 0–5 each, or all -1 when not asked */
} YpFollowUpContact;

/* Fills @contact with "nothing answered" (numbers -1, texts NULL). */
void        yp_follow_up_contact_init   (YpFollowUpContact *contact);

/* Plain-language labels (translated). */
const char *yp_follow_up_kind_label     (const char *kind);
/* 1 "Not coping at home" … 5 "Copes well"; NULL outside 1–5. */
const char *yp_follow_up_coping_label   (int coping);
/* The NPS question asked at the end of a contact. */
const char *yp_follow_up_nps_question   (void);
/* The WHO-5 statements (@item 0–4) and answers (@value 0–5), official wordings. */
const char *yp_who5_intro               (void);
const char *yp_who5_item                (guint item);
const char *yp_who5_answer_label        (int value);
/* Reasons for ending (goals_reached, moved, declined, deceased, other). */
const char *yp_end_reason_label         (const char *reason);
const char * const *yp_end_reasons      (void);
const char * const *yp_follow_up_kinds  (void);

/* The WHO-5 score 0–100 (raw sum × 4). All five unanswered: TRUE with *score = -1. Some
 * answered and some not, or a value outside 0–5: FALSE with a message. */
gboolean    yp_who5_score               (const int  answers[YP_WHO5_N_ITEMS],
                                         int       *score,
                                         GError   **error);
/* The WHO-5 score of a recorded follow-up, or -1. */
int         yp_follow_up_get_who5_score (const YpRecord *follow_up);
/* "Overdue by 3 days", "Due today", "Due tomorrow", "Due in 5 days" (@today NULL = today). */
char       *yp_follow_up_describe_due   (const char *due_on,
                                         const char *today);

/* Schedules a follow-up for a client. @assignee_id NULL = the signed-in professional.
 * Returns the new follow-up. */
YpRecord   *yp_follow_ups_schedule      (YpStore    *store,
                                         const char *client_id,
                                         const char *kind,
                                         const char *due_on,
                                         const char *assignee_id,
                                         GError    **error);
/* Records a contact on a scheduled follow-up; everything is checked before anything is saved. */
gboolean    yp_follow_ups_record        (YpStore                 *store,
                                         const char              *follow_up_id,
                                         const YpFollowUpContact *contact,
                                         GError                 **error);
/* Sets the client's next_follow_up from its open follow-ups (called by the functions above;
 * public for changes that arrive by other ways, such as sync). */
gboolean    yp_follow_ups_refresh_next  (YpStore    *store,
                                         const char *client_id,
                                         GError    **error);
/* The client's follow-ups: open ones by due date first, then done ones, newest first. */
GPtrArray  *yp_follow_ups_list          (YpStore    *store,
                                         const char *client_id,
                                         GError    **error);
/* The worklist: open follow-ups due on or before @today (NULL = today) assigned to
 * @assignee_id (NULL = the signed-in professional), of clients that are not ended, oldest
 * first. */
GPtrArray  *yp_follow_ups_list_due      (YpStore    *store,
                                         const char *assignee_id,
                                         const char *today,
                                         GError    **error);
guint       yp_follow_ups_count_due     (YpStore    *store,
                                         const char *assignee_id,
                                         const char *today);
/* Ends the client relationship: status "ended", ended_on today, the reason and the closing
 * summary (required); next_follow_up is cleared. */
gboolean    yp_follow_ups_end_relationship (YpStore    *store,
                                            const char *client_id,
                                            const char *reason,
                                            const char *summary,
                                            GError    **error);

G_END_DECLS
