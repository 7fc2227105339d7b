/* yp-policy.c — the access policy of architecture.md "Access policy". */
#define G_LOG_DOMAIN "yp-policy"

#include "config.h"

#include <string.h>

#include "yp-policy.h"

void
yp_participation_free (YpParticipation *p)
{
  if (p == NULL)
    return;
  g_free (p->participant_id);
  g_free (p->role);
  g_free (p->state);
  g_free (p->history_window);
  g_free (p->history_from);
  g_free (p);
}

gboolean
yp_policy_is_active (const YpParticipation *p)
{
  return p != NULL && g_strcmp0 (p->state, "active") == 0;
}

gboolean
yp_policy_may_manage (const YpParticipation *p)
{
  return yp_policy_is_active (p) &&
         (g_strcmp0 (p->role, "owner") == 0 || g_strcmp0 (p->role, "coordinator") == 0);
}

gboolean
yp_policy_is_history_entity (const YpEntity *entity)
{
  return g_str_equal (entity->name, "message") || g_str_equal (entity->name, "attachment");
}

static gboolean
in_history_window (const YpParticipation *p,
                   const YpRecord        *row,
                   gint64                 created_seq)
{
  if (g_strcmp0 (p->history_window, "everything") == 0)
    return TRUE;
  if (g_strcmp0 (p->history_window, "from_date") == 0 && p->history_from != NULL)
    {
      const char *created_at = yp_record_get_string (row, "created_at");

      /* Both are YYYY-MM-DDTHH:MM:SSZ (validated), so they compare as text. The creation seq
       * still bounds it: nothing created before the join and before the date leaks. */
      return created_at != NULL && strcmp (created_at, p->history_from) >= 0;
    }
  /* from_now: filtered on the row's CREATION seq, so a later edit leaks nothing old. */
  return created_seq >= p->joined_seq;
}

gboolean
yp_policy_may_see (const YpParticipation *p,
                   const char            *account_id,
                   const YpRecord        *row,
                   gint64                 created_seq)
{
  const YpEntity *entity = yp_record_get_entity (row);

  /* The directory (organisations, professionals) is shared by every professional. */
  if (!entity->client_scoped)
    return TRUE;

  if (g_str_equal (entity->name, "notification"))
    {
      /* A notification reaches its recipient, also while only invited (the invitation
       * itself); client-facing ones reach the client's active participants. */
      if (g_strcmp0 (yp_record_get_string (row, "recipient_kind"), "professional") == 0)
        return g_strcmp0 (yp_record_get_string (row, "recipient_id"), account_id) == 0 &&
               p != NULL &&
               (yp_policy_is_active (p) || g_strcmp0 (p->state, "invited") == 0 ||
                g_strcmp0 (p->state, "proposed") == 0);
      return yp_policy_is_active (p);
    }

  if (!yp_policy_is_active (p))
    return FALSE;

  if (yp_policy_is_history_entity (entity))
    return in_history_window (p, row, created_seq);

  if (g_str_equal (entity->name, "audit_event"))
    return g_strcmp0 (yp_record_get_string (row, "actor_id"), account_id) == 0 ||
           yp_policy_may_manage (p);

  /* A removed participant's unsent changes are for the owner and coordinators to review. */
  if (g_str_equal (entity->name, "quarantined_change"))
    return yp_policy_may_manage (p);

  return TRUE;
}

gboolean
yp_policy_may_insert (const YpParticipation *p,
                      const YpEntity        *entity)
{
  if (!yp_policy_is_active (p))
    return FALSE;
  /* Only the server quarantines. */
  if (g_str_equal (entity->name, "quarantined_change"))
    return FALSE;
  if (g_str_equal (entity->name, "participant") || g_str_equal (entity->name, "consent_event"))
    return yp_policy_may_manage (p);
  if (g_strcmp0 (p->role, "supporter") == 0)
    return g_str_equal (entity->name, "message") || g_str_equal (entity->name, "attachment") ||
           g_str_equal (entity->name, "notification") ||
           g_str_equal (entity->name, "audit_event");
  return TRUE;
}

gboolean
yp_policy_may_update (const YpParticipation *p,
                      const YpEntity        *entity)
{
  if (!yp_policy_is_active (p))
    return FALSE;
  if (g_str_equal (entity->name, "participant") ||
      g_str_equal (entity->name, "quarantined_change"))
    return yp_policy_may_manage (p);
  if (g_strcmp0 (p->role, "supporter") == 0)
    return g_str_equal (entity->name, "notification");
  return TRUE;
}

gboolean
yp_policy_state_change_ok (const char *from,
                           const char *to)
{
  static const struct { const char *from, *to; } allowed[] = {
    { "proposed", "invited" },
    { "proposed", "active" },
    { "proposed", "declined" },
    { "proposed", "revoked" },
    { "invited",  "active" },   /* the client's consent */
    { "invited",  "declined" },
    { "invited",  "revoked" },
    { "active",   "revoked" },
    { "declined", "invited" },
    { "revoked",  "invited" },  /* invited again: a new consent is needed */
  };

  if (g_strcmp0 (from, to) == 0)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    if (g_strcmp0 (allowed[i].from, from) == 0 && g_strcmp0 (allowed[i].to, to) == 0)
      return TRUE;
  return FALSE;
}

const char * const *
yp_policy_row_fields (void)
{
  static const char * const fields[] =
    { "client_id", "recipient_kind", "recipient_id", "created_at", "actor_id", NULL };

  return fields;
}
