/* yp-participants.h — who takes part in a client's guidance space, with the client's consent.
 *
 * The seed 000 flow: an owner or coordinator invites an expert, the client gives (or refuses)
 * consent, the expert joins and sees history only from the window the client chose, and the
 * client may have access removed at any time. Built on the public YpStore API; no GTK here.
 */
#pragma once

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_PARTICIPANTS_ERROR (yp_participants_error_quark ())

typedef enum
{
  YP_PARTICIPANTS_ERROR_NO_PROFILE,  /* the signed-in professional is not known yet */
  YP_PARTICIPANTS_ERROR_NOT_ALLOWED, /* only the owner or a coordinator may do this */
  YP_PARTICIPANTS_ERROR_INVALID,     /* missing or wrong input */
  YP_PARTICIPANTS_ERROR_STATE,       /* not possible in the participant's current state */
  YP_PARTICIPANTS_ERROR_DUPLICATE,   /* already in the directory or already taking part */
  YP_PARTICIPANTS_ERROR_NOT_FOUND,
} YpParticipantsError;

GQuark yp_participants_error_quark (void);

/* One participant with the directory details the page and the client need to see. */
typedef struct
{
  YpRecord *participant;
  char     *name;
  char     *title;        /* nullable */
  char     *organization; /* nullable */
  char     *sector;       /* nullable: health, social, employment, education, third_sector */
} YpParticipantInfo;

void        yp_participant_info_free (YpParticipantInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (YpParticipantInfo, yp_participant_info_free)

/* Adds an expert who is missing from the directory; the organisation is found by name or
 * created with @sector. Returns the new professional's id. */
char       *yp_participants_add_expert      (YpStore    *store,
                                             const char *name,
                                             const char *title,
                                             const char *organization,
                                             const char *sector,
                                             GError    **error);
/* Invites @professional_id (role member, coordinator or supporter) into the client's space:
 * the participant, an "invited" consent event and notifications for the expert and the
 * client. Only the owner or a coordinator may invite. Returns the participant id. */
char       *yp_participants_invite          (YpStore    *store,
                                             const char *client_id,
                                             const char *professional_id,
                                             const char *role,
                                             GError    **error);
/* The client consented: @method in_person/phone/written, @consent_date YYYY-MM-DD (NULL =
 * today), @history_window from_now/from_date/everything (NULL = from_now), @history_from_date
 * YYYY-MM-DD for from_date. The expert joins and every active participant is notified. */
gboolean    yp_participants_record_consent  (YpStore    *store,
                                             const char *participant_id,
                                             const char *method,
                                             const char *consent_date,
                                             const char *history_window,
                                             const char *history_from_date,
                                             GError    **error);
/* The client did not consent: the invitation ends. */
gboolean    yp_participants_record_declined (YpStore    *store,
                                             const char *participant_id,
                                             GError    **error);
/* Removes the participant's access at the client's wish; @reason is required. The owner
 * cannot be removed. */
gboolean    yp_participants_revoke          (YpStore    *store,
                                             const char *participant_id,
                                             const char *reason,
                                             GError    **error);

/* Participants of a client (YpParticipantInfo), in the order they were added. */
GPtrArray  *yp_participants_list            (YpStore    *store,
                                             const char *client_id,
                                             GError    **error);
/* The client's consent events (YpRecord), oldest first. */
GPtrArray  *yp_participants_list_consent_log (YpStore    *store,
                                              const char *client_id,
                                              GError    **error);
/* The consent log as plain-language sentences for the client (char *), oldest first. */
GPtrArray  *yp_participants_describe_log    (YpStore    *store,
                                             const char *client_id,
                                             GError    **error);
/* The signed-in professional's current participant row for the client, or NULL. */
YpRecord   *yp_participants_dup_mine        (YpStore    *store,
                                             const char *client_id);
/* Whether the signed-in professional may invite, record consent and remove access. */
gboolean    yp_participants_can_manage      (YpStore    *store,
                                             const char *client_id);

/* @professional_id is an active participant of the client. */
gboolean    yp_participants_is_active       (YpStore    *store,
                                             const char *client_id,
                                             const char *professional_id);
/* The visibility rule for messages and attachments: an active, not deleted participant row,
 * and history_window "everything" or @created_at >= history_from. */
gboolean    yp_participants_may_see         (YpStore    *store,
                                             const char *client_id,
                                             const char *professional_id,
                                             const char *created_at);

/* The third-sector supporter rule ("sees the stage map, their own actions and messages, not
 * health details"). The signed-in professional's current, active row for the client has the
 * role "supporter". */
gboolean    yp_participants_is_supporter    (YpStore    *store,
                                             const char *client_id);
/* Whether the signed-in professional may use the client's page @page ("details",
 * "stage-map", "plan", "participants", "follow-ups", "messages"): a supporter only
 * "stage-map", "plan" (their own actions) and "messages"; everyone else every page. */
gboolean    yp_participants_may_use_page    (YpStore    *store,
                                             const char *client_id,
                                             const char *page);
/* @entry (a plan_entry) is an action whose responsible is the signed-in professional's name
 * or organisation (compared case-insensitively, surrounding spaces ignored). */
gboolean    yp_participants_is_my_action    (YpStore        *store,
                                             const YpRecord *entry);
/* The client's record as the signed-in professional may see it: for a supporter the
 * health-related details (notes, next follow-up, how and why the relationship ended) are
 * empty. */
YpRecord   *yp_participants_dup_client      (YpStore    *store,
                                             const char *client_id,
                                             GError    **error);

/* Changes a professional made to this client after their access ended and before their
 * laptop knew: the server kept them (quarantined_change rows) instead of applying them, for
 * the owner and coordinators to read. The waiting ones, oldest first; empty for others. */
GPtrArray  *yp_participants_list_quarantined (YpStore        *store,
                                              const char     *client_id,
                                              GError        **error);
/* "Bertta Kutsuttu, 24.11.2026: a new message" */
char       *yp_participants_quarantined_title (YpStore        *store,
                                               const YpRecord *change);
/* What was written, one "Field: value" line each, in plain words. */
char       *yp_participants_quarantined_text  (const YpRecord *change);
/* The owner or a coordinator has read it (and copied what matters into the client's data). */
gboolean    yp_participants_mark_reviewed     (YpStore        *store,
                                               const char     *change_id,
                                               GError        **error);

/* Plain words for the client: "Matti Virtanen (Lahden kaupunki, social services)". */
char       *yp_participant_info_describe    (const YpParticipantInfo *info);
const char *yp_participants_sector_label    (const char *sector);
const char *yp_participants_role_label      (const char *role);
const char *yp_participants_state_label     (const char *state);
const char *yp_participants_method_label    (const char *method);
/* An ISO 8601 UTC time as the local date 23.11.2026. */
char       *yp_participants_format_date     (const char *datetime);

G_END_DECLS
