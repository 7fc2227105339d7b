/* yp-policy.h — who may see and change what; the server enforces it on every request.
 *
 * Pure functions over a professional's participation in one client (read from the database
 * for each request, never from token claims). No SQL here.
 */
#pragma once

#include "yp-record.h"

G_BEGIN_DECLS

/* One professional's current participant row for one client. */
typedef struct
{
  char   *participant_id;
  char   *role;            /* owner, coordinator, member, supporter */
  char   *state;           /* proposed, invited, active, declined, revoked */
  char   *history_window;  /* from_now, from_date, everything */
  char   *history_from;    /* ISO 8601, for from_date */
  gint64  joined_seq;      /* the seq at which consent activated the participant */
  gint64  rev;
} YpParticipation;

void      yp_participation_free         (YpParticipation *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (YpParticipation, yp_participation_free)

gboolean  yp_policy_is_active           (const YpParticipation *p);
/* Owner or coordinator, active: may invite, record consent, remove. */
gboolean  yp_policy_may_manage          (const YpParticipation *p);
/* Whether @account_id may see @row (of any entity); @p is the account's participation in
 * the row's client (NULL if none); @created_seq is the row's creation seq. Messages and
 * attachments created before the participant's history window are never visible. */
gboolean  yp_policy_may_see             (const YpParticipation *p,
                                         const char            *account_id,
                                         const YpRecord        *row,
                                         gint64                 created_seq);
/* Whether an active participant in @p's role may insert / update rows of @entity. */
gboolean  yp_policy_may_insert          (const YpParticipation *p,
                                         const YpEntity        *entity);
gboolean  yp_policy_may_update          (const YpParticipation *p,
                                         const YpEntity        *entity);
/* The allowed participant state changes (invited → active is the client's consent). */
gboolean  yp_policy_state_change_ok     (const char *from,
                                         const char *to);
/* Messages and attachments: filtered by the history window. */
gboolean  yp_policy_is_history_entity   (const YpEntity *entity);
/* The fields of a row that yp_policy_may_see reads (besides its entity), NULL-terminated: a
 * caller that does not build whole records (the snapshot) fills just these. Keep in step. */
const char * const *yp_policy_row_fields (void);

G_END_DECLS
