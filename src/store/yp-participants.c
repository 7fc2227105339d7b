/* yp-participants.c — participants, consent and the visibility rule of a guidance space.
 *
 * Everything goes through the public store API, so every row written here has its outbox
 * entry and its "changed" signal like any other change. Each function checks all it can
 * before the first write, so a refusal leaves nothing half-done.
 */
#define G_LOG_DOMAIN "yp-participants"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "yp-participants.h"
#include "yp-util.h"

G_DEFINE_QUARK (yp-participants-error-quark, yp_participants_error)

static const char * const invitable_roles[] = { "member", "coordinator", "supporter", NULL };
static const char * const expert_sectors[] =
  { "health", "social", "employment", "education", "third_sector", NULL };

void
yp_participant_info_free (YpParticipantInfo *info)
{
  if (info == NULL)
    return;
  g_clear_pointer (&info->participant, yp_record_unref);
  g_free (info->name);
  g_free (info->title);
  g_free (info->organization);
  g_free (info->sector);
  g_free (info);
}

/* ---- words ----------------------------------------------------------------------------- */

const char *
yp_participants_sector_label (const char *sector)
{
  if (g_strcmp0 (sector, "health") == 0)
    return _("health services");
  if (g_strcmp0 (sector, "social") == 0)
    return _("social services");
  if (g_strcmp0 (sector, "employment") == 0)
    return _("employment services");
  if (g_strcmp0 (sector, "education") == 0)
    return _("education");
  if (g_strcmp0 (sector, "third_sector") == 0)
    return _("third sector");
  return NULL;
}

const char *
yp_participants_role_label (const char *role)
{
  if (g_strcmp0 (role, "owner") == 0)
    return _("Started the guidance space");
  if (g_strcmp0 (role, "coordinator") == 0)
    return _("Coordinator");
  if (g_strcmp0 (role, "supporter") == 0)
    return _("Third-sector supporter");
  return _("Member");
}

const char *
yp_participants_state_label (const char *state)
{
  if (g_strcmp0 (state, "invited") == 0)
    return _("Invited, waiting for the client's consent");
  if (g_strcmp0 (state, "active") == 0)
    return _("Joined");
  if (g_strcmp0 (state, "declined") == 0)
    return _("The client declined");
  if (g_strcmp0 (state, "revoked") == 0)
    return _("Access removed");
  return _("Proposed");
}

const char *
yp_participants_method_label (const char *method)
{
  if (g_strcmp0 (method, "phone") == 0)
    return _("By phone");
  if (g_strcmp0 (method, "written") == 0)
    return _("In writing");
  return _("In person");
}

char *
yp_participants_format_date (const char *datetime)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *iso = NULL;

  if (datetime == NULL || (dt = g_date_time_new_from_iso8601 (datetime, NULL)) == NULL)
    return NULL;
  local = g_date_time_to_local (dt);
  iso = g_date_time_format (local, "%Y-%m-%d");
  return yp_date_format_fi (iso);
}

char *
yp_participant_info_describe (const YpParticipantInfo *info)
{
  const char *sector;

  g_return_val_if_fail (info != NULL, NULL);

  sector = yp_participants_sector_label (info->sector);
  if (info->organization && sector)
    /* Translators: an expert as the client sees them: name (organisation, sector). */
    return g_strdup_printf (C_("expert", "%s (%s, %s)"), info->name, info->organization, sector);
  if (info->organization)
    return g_strdup_printf (C_("expert", "%s (%s)"), info->name, info->organization);
  return g_strdup (info->name);
}

/* ---- helpers --------------------------------------------------------------------------- */

static const YpEntity *
entity (const char *name)
{
  return yp_schema_lookup (name);
}

static gboolean
str_in (const char * const *values,
        const char         *value)
{
  for (guint i = 0; values[i]; i++)
    if (g_strcmp0 (values[i], value) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_blank (const char *text)
{
  if (text == NULL)
    return TRUE;
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

static char *
strip_dup (const char *text)
{
  return text ? g_strstrip (g_strdup (text)) : NULL;
}

/* A local calendar day at @hour, as ISO 8601 UTC. */
static char *
local_day_to_utc (const char *date,
                  int         hour)
{
  unsigned y, m, d;
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) utc = NULL;

  if (!yp_date_is_valid (date) || sscanf (date, "%4u-%2u-%2u", &y, &m, &d) != 3)
    return NULL;
  local = g_date_time_new (tz, (int) y, (int) m, (int) d, hour, 0, 0);
  if (local == NULL)
    return NULL;
  utc = g_date_time_to_utc (local);
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

static YpParticipantInfo *
info_for (YpStore  *store,
          YpRecord *participant)
{
  YpParticipantInfo *info = g_new0 (YpParticipantInfo, 1);
  const char *pro_id = yp_record_get_string (participant, "professional_id");
  g_autoptr(YpRecord) pro = NULL;

  info->participant = yp_record_ref (participant);
  if (pro_id)
    pro = yp_store_get (store, entity ("professional"), pro_id, NULL);
  if (pro == NULL)
    {
      info->name = g_strdup (_("Unknown expert"));
      return info;
    }
  info->name = g_strdup (yp_record_get_string (pro, "name"));
  info->title = g_strdup (yp_record_get_string (pro, "title"));
  if (yp_record_get_string (pro, "organization_id"))
    {
      g_autoptr(YpRecord) org = yp_store_get (store, entity ("organization"),
                                              yp_record_get_string (pro, "organization_id"),
                                              NULL);
      if (org)
        {
          info->organization = g_strdup (yp_record_get_string (org, "name"));
          info->sector = g_strdup (yp_record_get_string (org, "sector"));
        }
    }
  return info;
}

static char *
describe_professional (YpStore    *store,
                       const char *professional_id)
{
  g_autoptr(YpRecord) fake = yp_record_new (entity ("participant"));
  g_autoptr(YpParticipantInfo) info = NULL;

  yp_record_set_string (fake, "professional_id", professional_id);
  info = info_for (store, fake);
  return yp_participant_info_describe (info);
}

static YpRecord *
get_participant (YpStore     *store,
                 const char  *participant_id,
                 GError     **error)
{
  YpRecord *p;

  if (participant_id == NULL
      || (p = yp_store_get (store, entity ("participant"), participant_id, NULL)) == NULL)
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_FOUND,
                   _("This participant is no longer on this device."));
      return NULL;
    }
  if (yp_record_get_int (p, "deleted") != 0)
    {
      yp_record_unref (p);
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_FOUND,
                   _("This participant is no longer on this device."));
      return NULL;
    }
  return p;
}

static gboolean
check_may_manage (YpStore     *store,
                  const char  *client_id,
                  const char  *refusal,
                  GError     **error)
{
  if (yp_store_get_me_id (store) == NULL)
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NO_PROFILE,
                   _("Save your own details first: the consent record needs to know who "
                     "recorded it."));
      return FALSE;
    }
  if (!yp_participants_can_manage (store, client_id))
    {
      g_set_error_literal (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_ALLOWED,
                           refusal);
      return FALSE;
    }
  return TRUE;
}

static gboolean
add_consent_event (YpStore     *store,
                   YpRecord    *participant,
                   const char  *event,
                   const char  *at,
                   const char  *method,
                   const char  *history_window,
                   const char  *history_from,
                   const char  *reason,
                   GError     **error)
{
  g_autoptr(YpRecord) e = yp_record_new (entity ("consent_event"));

  yp_record_set_string (e, "client_id", yp_record_get_client_id (participant));
  yp_record_set_string (e, "participant_id", yp_record_get_id (participant));
  yp_record_set_string (e, "event", event);
  yp_record_set_string (e, "at", at);
  yp_record_set_string (e, "recorded_by", yp_store_get_me_id (store));
  if (method)
    yp_record_set_string (e, "method", method);
  if (history_window)
    yp_record_set_string (e, "history_window", history_window);
  if (history_from)
    yp_record_set_string (e, "history_from", history_from);
  if (reason)
    yp_record_set_string (e, "reason", reason);
  return yp_store_insert (store, e, error);
}

static gboolean
notify (YpStore     *store,
        const char  *client_id,
        const char  *recipient_kind,
        const char  *recipient_id,
        const char  *kind,
        const char  *text,
        const char  *ref_id,
        GError     **error)
{
  g_autoptr(YpRecord) n = yp_record_new (entity ("notification"));
  g_autofree char *now = yp_now_iso8601 ();
  g_autofree char *clipped = NULL;

  /* The text names people and organisations the user typed: never let its length refuse the
   * whole change. */
  if (g_utf8_strlen (text, -1) > 1000)
    clipped = g_utf8_substring (text, 0, 1000);
  yp_record_set_string (n, "client_id", client_id);
  yp_record_set_string (n, "recipient_kind", recipient_kind);
  yp_record_set_string (n, "recipient_id", recipient_id);
  yp_record_set_string (n, "kind", kind);
  yp_record_set_string (n, "text", clipped ? clipped : text);
  yp_record_set_string (n, "ref_id", ref_id);
  yp_record_set_string (n, "created_at", now);
  return yp_store_insert (store, n, error);
}

/* ---- the directory --------------------------------------------------------------------- */

char *
yp_participants_add_expert (YpStore     *store,
                            const char  *name,
                            const char  *title,
                            const char  *organization,
                            const char  *sector,
                            GError     **error)
{
  g_autofree char *clean_name = strip_dup (name);
  g_autofree char *clean_title = strip_dup (title);
  g_autofree char *clean_org = strip_dup (organization);
  g_autofree char *org_folded = NULL;
  g_autofree char *name_folded = NULL;
  g_autoptr(GPtrArray) orgs = NULL;
  g_autoptr(GPtrArray) pros = NULL;
  g_autoptr(YpRecord) org = NULL;
  g_autoptr(YpRecord) pro = NULL;
  const char *org_id = NULL;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);

  if (is_blank (clean_name))
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID,
                   _("Write the expert's name."));
      return NULL;
    }
  if (is_blank (clean_org))
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID,
                   _("Write the expert's organisation: the client needs to know where the "
                     "expert works."));
      return NULL;
    }
  if (!str_in (expert_sectors, sector))
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID,
                   _("Choose the sector the organisation works in."));
      return NULL;
    }

  org_folded = g_utf8_casefold (clean_org, -1);
  name_folded = g_utf8_casefold (clean_name, -1);
  orgs = yp_store_list_directory (store, entity ("organization"), error);
  if (orgs == NULL)
    return NULL;
  for (guint i = 0; i < orgs->len && org_id == NULL; i++)
    {
      g_autofree char *folded = g_utf8_casefold (yp_record_get_string (orgs->pdata[i], "name"),
                                                 -1);
      if (g_str_equal (folded, org_folded))
        org_id = yp_record_get_id (orgs->pdata[i]);
    }

  if (org_id != NULL)
    {
      pros = yp_store_list_directory (store, entity ("professional"), error);
      if (pros == NULL)
        return NULL;
      for (guint i = 0; i < pros->len; i++)
        {
          YpRecord *p = pros->pdata[i];
          g_autofree char *folded = g_utf8_casefold (yp_record_get_string (p, "name"), -1);

          if (g_str_equal (folded, name_folded)
              && g_strcmp0 (yp_record_get_string (p, "organization_id"), org_id) == 0)
            {
              g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_DUPLICATE,
                           _("%s from %s is already in the directory: choose them from the "
                             "list."), clean_name, clean_org);
              return NULL;
            }
        }
    }

  pro = yp_record_new (entity ("professional"));
  yp_record_set_string (pro, "name", clean_name);
  yp_record_set_string (pro, "title", is_blank (clean_title) ? NULL : clean_title);
  /* Check the expert before the organisation is written, so a refusal leaves nothing. */
  if (!yp_record_validate_field (pro, "name", error)
      || !yp_record_validate_field (pro, "title", error))
    return NULL;

  if (org_id == NULL)
    {
      org = yp_record_new (entity ("organization"));
      yp_record_set_string (org, "name", clean_org);
      yp_record_set_string (org, "sector", sector);
      if (!yp_record_validate_field (org, "name", error) || !yp_store_insert (store, org, error))
        return NULL;
      org_id = yp_record_get_id (org);
    }
  yp_record_set_string (pro, "organization_id", org_id);
  if (!yp_store_insert (store, pro, error))
    return NULL;
  return g_strdup (yp_record_get_id (pro));
}

/* ---- queries --------------------------------------------------------------------------- */

static GPtrArray *
list_participant_rows (YpStore     *store,
                       const char  *client_id,
                       GError     **error)
{
  return yp_store_list_for_client (store, entity ("participant"), client_id, error);
}

GPtrArray *
yp_participants_list (YpStore     *store,
                      const char  *client_id,
                      GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *result;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  if ((rows = list_participant_rows (store, client_id, error)) == NULL)
    return NULL;
  result = g_ptr_array_new_with_free_func ((GDestroyNotify) yp_participant_info_free);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (result, info_for (store, rows->pdata[i]));
  return result;
}

GPtrArray *
yp_participants_list_consent_log (YpStore     *store,
                                  const char  *client_id,
                                  GError     **error)
{
  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  /* Rows come in the order they were written, which is the order things happened here;
   * sorting by "at" would put a consent given yesterday but recorded today before the
   * invitation that asked for it. */
  return yp_store_list_for_client (store, entity ("consent_event"), client_id, error);
}

/* The one place that decides which of an expert's rows counts: the newest that is not ended
 * (after a removal the expert may be invited again, which makes a new row). */
static YpRecord *
find_current_row (GPtrArray  *rows,
                  const char *professional_id)
{
  YpRecord *found = NULL;

  for (guint i = 0; rows && i < rows->len; i++)
    {
      YpRecord *p = rows->pdata[i];
      const char *state = yp_record_get_string (p, "state");

      if (g_strcmp0 (yp_record_get_string (p, "professional_id"), professional_id) != 0
          || yp_record_get_int (p, "deleted") != 0)
        continue;
      if (g_strcmp0 (state, "declined") == 0 || g_strcmp0 (state, "revoked") == 0)
        continue;
      found = p;
    }
  return found;
}

YpRecord *
yp_participants_dup_mine (YpStore    *store,
                          const char *client_id)
{
  g_autoptr(GPtrArray) rows = NULL;
  const char *me = NULL;
  YpRecord *mine;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);

  me = yp_store_get_me_id (store);
  if (me == NULL || client_id == NULL)
    return NULL;
  rows = list_participant_rows (store, client_id, NULL);
  mine = find_current_row (rows, me);
  return mine ? yp_record_ref (mine) : NULL;
}

gboolean
yp_participants_can_manage (YpStore    *store,
                            const char *client_id)
{
  g_autoptr(YpRecord) mine = yp_participants_dup_mine (store, client_id);
  const char *role;

  if (mine == NULL || g_strcmp0 (yp_record_get_string (mine, "state"), "active") != 0)
    return FALSE;
  role = yp_record_get_string (mine, "role");
  return g_strcmp0 (role, "owner") == 0 || g_strcmp0 (role, "coordinator") == 0;
}

gboolean
yp_participants_is_supporter (YpStore    *store,
                              const char *client_id)
{
  g_autoptr(YpRecord) mine = NULL;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);

  mine = yp_participants_dup_mine (store, client_id);
  return mine != NULL && g_strcmp0 (yp_record_get_string (mine, "state"), "active") == 0
         && yp_record_get_int (mine, "deleted") == 0
         && g_strcmp0 (yp_record_get_string (mine, "role"), "supporter") == 0;
}

gboolean
yp_participants_may_use_page (YpStore    *store,
                              const char *client_id,
                              const char *page)
{
  static const char * const supporter_pages[] = { "stage-map", "plan", "messages", NULL };

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);
  g_return_val_if_fail (page != NULL, FALSE);

  if (!yp_participants_is_supporter (store, client_id))
    return TRUE;
  return g_strv_contains (supporter_pages, page);
}

static gboolean
same_words (const char *a,
            const char *b)
{
  g_autofree char *x = NULL, *y = NULL, *fx = NULL, *fy = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  x = g_strstrip (g_strdup (a));
  y = g_strstrip (g_strdup (b));
  if (*x == '\0')
    return FALSE;
  fx = g_utf8_casefold (x, -1);
  fy = g_utf8_casefold (y, -1);
  return g_utf8_collate (fx, fy) == 0;
}

gboolean
yp_participants_is_my_action (YpStore        *store,
                              const YpRecord *entry)
{
  g_autoptr(YpRecord) me = NULL;
  g_autoptr(YpRecord) org = NULL;
  const char *responsible;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);
  g_return_val_if_fail (entry != NULL, FALSE);

  if (g_strcmp0 (yp_record_get_string (entry, "section"), "action") != 0)
    return FALSE;
  responsible = yp_record_get_string (entry, "responsible");
  if (responsible == NULL || yp_store_get_me_id (store) == NULL
      || (me = yp_store_get (store, entity ("professional"), yp_store_get_me_id (store),
                             NULL)) == NULL)
    return FALSE;
  if (same_words (responsible, yp_record_get_string (me, "name")))
    return TRUE;
  if (!yp_record_is_null (me, "organization_id"))
    org = yp_store_get (store, entity ("organization"),
                        yp_record_get_string (me, "organization_id"), NULL);
  return org != NULL && same_words (responsible, yp_record_get_string (org, "name"));
}

YpRecord *
yp_participants_dup_client (YpStore     *store,
                            const char  *client_id,
                            GError     **error)
{
  static const char * const health_fields[] =
    { "notes", "next_follow_up", "end_reason", "end_summary", NULL };
  YpRecord *client;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  if ((client = yp_store_get (store, entity ("client"), client_id, error)) == NULL)
    return NULL;
  if (yp_participants_is_supporter (store, client_id))
    for (guint i = 0; health_fields[i]; i++)
      yp_record_set_null (client, health_fields[i]);
  return client;
}

gboolean
yp_participants_is_active (YpStore    *store,
                           const char *client_id,
                           const char *professional_id)
{
  g_autoptr(GPtrArray) rows = NULL;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);

  if (client_id == NULL || professional_id == NULL)
    return FALSE;
  rows = list_participant_rows (store, client_id, NULL);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      YpRecord *p = rows->pdata[i];

      if (g_strcmp0 (yp_record_get_string (p, "professional_id"), professional_id) == 0
          && g_strcmp0 (yp_record_get_string (p, "state"), "active") == 0
          && yp_record_get_int (p, "deleted") == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
yp_participants_may_see (YpStore    *store,
                         const char *client_id,
                         const char *professional_id,
                         const char *created_at)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GDateTime) created = NULL;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);

  if (client_id == NULL || professional_id == NULL)
    return FALSE;
  if (created_at != NULL)
    created = g_date_time_new_from_iso8601 (created_at, NULL);
  rows = list_participant_rows (store, client_id, NULL);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      YpRecord *p = rows->pdata[i];
      const char *from;
      g_autoptr(GDateTime) from_dt = NULL;

      if (g_strcmp0 (yp_record_get_string (p, "professional_id"), professional_id) != 0
          || g_strcmp0 (yp_record_get_string (p, "state"), "active") != 0
          || yp_record_get_int (p, "deleted") != 0)
        continue;
      if (g_strcmp0 (yp_record_get_string (p, "history_window"), "everything") == 0)
        return TRUE;
      from = yp_record_get_string (p, "history_from");
      if (created == NULL || from == NULL
          || (from_dt = g_date_time_new_from_iso8601 (from, NULL)) == NULL)
        continue;
      if (g_date_time_compare (created, from_dt) >= 0)
        return TRUE;
    }
  return FALSE;
}

/* ---- the flow -------------------------------------------------------------------------- */

char *
yp_participants_invite (YpStore     *store,
                        const char  *client_id,
                        const char  *professional_id,
                        const char  *role,
                        GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(YpRecord) client = NULL;
  g_autoptr(YpRecord) pro = NULL;
  g_autoptr(YpRecord) p = NULL;
  g_autofree char *now = yp_now_iso8601 ();
  g_autofree char *who = NULL;
  g_autofree char *inviter = NULL;
  g_autofree char *to_expert = NULL;
  g_autofree char *to_client = NULL;
  YpRecord *existing;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  if (!check_may_manage (store, client_id,
                         _("Only the professional who started this guidance space or a "
                           "coordinator may invite experts."), error))
    return NULL;
  client = yp_store_get (store, entity ("client"), client_id, NULL);
  if (client == NULL)
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_FOUND,
                   _("This client is no longer on this device."));
      return NULL;
    }
  if (professional_id == NULL
      || (pro = yp_store_get (store, entity ("professional"), professional_id, NULL)) == NULL)
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID,
                   _("Choose the expert to invite from the directory, or add them first."));
      return NULL;
    }
  if (role == NULL)
    role = "member";
  if (!str_in (invitable_roles, role))
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID,
                   _("An expert can be invited as a member, a coordinator or a third-sector "
                     "supporter."));
      return NULL;
    }

  who = describe_professional (store, professional_id);
  rows = list_participant_rows (store, client_id, error);
  if (rows == NULL)
    return NULL;
  existing = find_current_row (rows, professional_id);
  if (existing != NULL)
    {
      if (g_strcmp0 (yp_record_get_string (existing, "state"), "active") == 0)
        g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_DUPLICATE,
                     _("%s already takes part in this guidance space."), who);
      else
        g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_DUPLICATE,
                     _("%s has already been invited and is waiting for the client's consent."),
                     who);
      return NULL;
    }

  p = yp_record_new (entity ("participant"));
  yp_record_set_string (p, "client_id", client_id);
  yp_record_set_string (p, "professional_id", professional_id);
  yp_record_set_string (p, "role", role);
  yp_record_set_string (p, "state", "invited");
  yp_record_set_string (p, "invited_by", yp_store_get_me_id (store));
  if (!yp_store_insert (store, p, error))
    return NULL;

  inviter = describe_professional (store, yp_store_get_me_id (store));
  /* The expert is not told who the client is until the client has consented. */
  to_expert = g_strdup_printf (_("%s invited you to take part in a client's guidance. You "
                                 "will see the guidance space once the client has given "
                                 "consent."), inviter);
  to_client = g_strdup_printf (_("%s has been invited to take part in your guidance. They join "
                                 "only if you give your consent."), who);
  if (!add_consent_event (store, p, "invited", now, NULL, NULL, NULL, NULL, error)
      || !notify (store, client_id, "professional", professional_id, "invited", to_expert,
                  yp_record_get_id (p), error)
      || !notify (store, client_id, "client", client_id, "consent_requested", to_client,
                  yp_record_get_id (p), error))
    return NULL;
  return g_strdup (yp_record_get_id (p));
}

static YpRecord *
get_invited (YpStore     *store,
             const char  *participant_id,
             const char  *refusal,
             GError     **error)
{
  g_autoptr(YpRecord) p = get_participant (store, participant_id, error);

  if (p == NULL || !check_may_manage (store, yp_record_get_client_id (p), refusal, error))
    return NULL;
  if (g_strcmp0 (yp_record_get_string (p, "state"), "invited") != 0
      && g_strcmp0 (yp_record_get_string (p, "state"), "proposed") != 0)
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_STATE,
                   _("The client's answer has already been recorded for this invitation."));
      return NULL;
    }
  return g_steal_pointer (&p);
}

gboolean
yp_participants_record_consent (YpStore     *store,
                                const char  *participant_id,
                                const char  *method,
                                const char  *consent_date,
                                const char  *history_window,
                                const char  *history_from_date,
                                GError     **error)
{
  g_autoptr(YpRecord) p = NULL;
  g_autoptr(YpRecord) change = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *now = yp_now_iso8601 ();
  g_autofree char *today = yp_today_iso ();
  g_autofree char *consent_at = NULL;
  g_autofree char *history_from = NULL;
  g_autofree char *who = NULL;
  g_autofree char *text = NULL;
  const char *client_id;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);

  if ((p = get_invited (store, participant_id,
                        _("Only the professional who started this guidance space or a "
                          "coordinator may record the client's consent."), error)) == NULL)
    return FALSE;
  client_id = yp_record_get_client_id (p);

  if (method == NULL || !str_in ((const char * const[]) { "in_person", "phone", "written", NULL },
                                 method))
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID,
                   _("Choose how the client gave consent: in person, by phone or in writing."));
      return FALSE;
    }
  if (consent_date == NULL || g_strcmp0 (consent_date, today) == 0)
    consent_at = g_strdup (now);
  else if (!yp_date_is_valid (consent_date))
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID,
                   _("Write the date of the consent as day.month.year, for example 23.11.2026."));
      return FALSE;
    }
  else if (strcmp (consent_date, today) > 0)
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID,
                   _("The date of the consent cannot be in the future."));
      return FALSE;
    }
  else
    consent_at = local_day_to_utc (consent_date, 12);

  if (history_window == NULL)
    history_window = "from_now";
  if (g_str_equal (history_window, "from_now"))
    history_from = g_strdup (now);
  else if (g_str_equal (history_window, "from_date"))
    {
      if (!yp_date_is_valid (history_from_date))
        {
          g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID,
                       _("Write the date from which the expert may see messages as "
                         "day.month.year, for example 1.11.2026."));
          return FALSE;
        }
      if (strcmp (history_from_date, today) > 0)
        {
          g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID,
                       _("The date from which the expert may see messages cannot be in the "
                         "future."));
          return FALSE;
        }
      history_from = local_day_to_utc (history_from_date, 0);
    }
  else if (!g_str_equal (history_window, "everything"))
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID,
                   _("Choose which earlier messages the expert may see."));
      return FALSE;
    }

  change = yp_record_new (entity ("participant"));
  yp_record_set_string (change, "id", yp_record_get_id (p));
  yp_record_set_string (change, "state", "active");
  yp_record_set_string (change, "consent_at", consent_at);
  yp_record_set_string (change, "consent_method", method);
  yp_record_set_string (change, "consent_by", yp_store_get_me_id (store));
  yp_record_set_string (change, "history_window", history_window);
  yp_record_set_string (change, "history_from", history_from);
  if (!yp_store_update (store, change, error)
      || !add_consent_event (store, p, "consented", consent_at, method, history_window,
                             history_from, NULL, error)
      || !add_consent_event (store, p, "joined", now, NULL, NULL, NULL, NULL, error))
    return FALSE;

  /* Everyone taking part, the newcomer included, hears who joined. */
  who = describe_professional (store, yp_record_get_string (p, "professional_id"));
  text = g_strdup_printf (_("%s joined the guidance space with the client's consent."), who);
  rows = list_participant_rows (store, client_id, error);
  if (rows == NULL)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      YpRecord *r = rows->pdata[i];

      if (g_strcmp0 (yp_record_get_string (r, "state"), "active") == 0
          && !notify (store, client_id, "professional",
                      yp_record_get_string (r, "professional_id"), "joined", text,
                      yp_record_get_id (p), error))
        return FALSE;
    }
  return TRUE;
}

gboolean
yp_participants_record_declined (YpStore     *store,
                                 const char  *participant_id,
                                 GError     **error)
{
  g_autoptr(YpRecord) p = NULL;
  g_autoptr(YpRecord) change = NULL;
  g_autofree char *now = yp_now_iso8601 ();
  g_autofree char *who = NULL;
  g_autofree char *text = NULL;
  const char *inviter;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);

  if ((p = get_invited (store, participant_id,
                        _("Only the professional who started this guidance space or a "
                          "coordinator may record the client's answer."), error)) == NULL)
    return FALSE;
  change = yp_record_new (entity ("participant"));
  yp_record_set_string (change, "id", yp_record_get_id (p));
  yp_record_set_string (change, "state", "declined");
  if (!yp_store_update (store, change, error)
      || !add_consent_event (store, p, "declined", now, NULL, NULL, NULL, NULL, error))
    return FALSE;

  text = g_strdup (_("The client did not give consent, so the invitation to take part in the "
                     "client's guidance has ended."));
  if (!notify (store, yp_record_get_client_id (p), "professional",
               yp_record_get_string (p, "professional_id"), "declined", text,
               yp_record_get_id (p), error))
    return FALSE;
  inviter = yp_record_get_string (p, "invited_by");
  if (inviter != NULL && g_strcmp0 (inviter, yp_record_get_string (p, "professional_id")) != 0)
    {
      who = describe_professional (store, yp_record_get_string (p, "professional_id"));
      g_free (text);
      text = g_strdup_printf (_("The client did not give consent to %s taking part."), who);
      if (!notify (store, yp_record_get_client_id (p), "professional", inviter, "declined",
                   text, yp_record_get_id (p), error))
        return FALSE;
    }
  return TRUE;
}

gboolean
yp_participants_revoke (YpStore     *store,
                        const char  *participant_id,
                        const char  *reason,
                        GError     **error)
{
  g_autoptr(YpRecord) p = NULL;
  g_autoptr(YpRecord) change = NULL;
  g_autofree char *now = yp_now_iso8601 ();
  g_autofree char *clean = strip_dup (reason);
  const char *state;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);

  if ((p = get_participant (store, participant_id, error)) == NULL
      || !check_may_manage (store, yp_record_get_client_id (p),
                            _("Only the professional who started this guidance space or a "
                              "coordinator may remove access."), error))
    return FALSE;
  if (g_strcmp0 (yp_record_get_string (p, "role"), "owner") == 0)
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_ALLOWED,
                   _("The professional who started the guidance space cannot be removed: "
                     "another responsible worker has to take over first."));
      return FALSE;
    }
  state = yp_record_get_string (p, "state");
  if (g_strcmp0 (state, "active") != 0 && g_strcmp0 (state, "invited") != 0)
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_STATE,
                   _("This expert has no access to remove."));
      return FALSE;
    }
  if (is_blank (clean))
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_INVALID,
                   _("Write why access is removed, for example “At the client's wish”."));
      return FALSE;
    }

  change = yp_record_new (entity ("participant"));
  yp_record_set_string (change, "id", yp_record_get_id (p));
  yp_record_set_string (change, "state", "revoked");
  yp_record_set_string (change, "revoked_at", now);
  yp_record_set_string (change, "revoke_reason", clean);
  if (!yp_record_validate_field (change, "revoke_reason", error))
    return FALSE;
  if (!yp_store_update (store, change, error)
      || !add_consent_event (store, p, "revoked", now, NULL, NULL, NULL, clean, error))
    return FALSE;
  return notify (store, yp_record_get_client_id (p), "professional",
                 yp_record_get_string (p, "professional_id"), "revoked",
                 _("At the client's wish, your access to a client's guidance space was "
                   "removed."),
                 yp_record_get_id (p), error);
}

/* ---- the consent log in plain words ---------------------------------------------------- */

static char *
history_sentence (const char *window,
                  const char *from)
{
  g_autofree char *date = NULL;

  if (g_strcmp0 (window, "everything") == 0)
    return g_strdup (_("Sees all messages and attachments, earlier ones too."));
  date = yp_participants_format_date (from);
  if (date == NULL)
    return NULL;
  return g_strdup_printf (_("Sees messages and attachments from %s onwards."), date);
}

static char *
consent_sentence (const char *method,
                  const char *who)
{
  if (g_strcmp0 (method, "phone") == 0)
    return g_strdup_printf (_("The client gave consent by phone: %s joined."), who);
  if (g_strcmp0 (method, "written") == 0)
    return g_strdup_printf (_("The client gave consent in writing: %s joined."), who);
  return g_strdup_printf (_("The client gave consent in person: %s joined."), who);
}

GPtrArray *
yp_participants_describe_log (YpStore     *store,
                              const char  *client_id,
                              GError     **error)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GHashTable) who = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GPtrArray *lines;
  const char *previous_consented = NULL;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  if ((events = yp_participants_list_consent_log (store, client_id, error)) == NULL)
    return NULL;
  lines = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < events->len; i++)
    {
      YpRecord *e = events->pdata[i];
      const char *event = yp_record_get_string (e, "event");
      const char *pid = yp_record_get_string (e, "participant_id");
      const char *name;
      g_autofree char *date = yp_participants_format_date (yp_record_get_string (e, "at"));
      g_autofree char *sentence = NULL;

      if (!g_hash_table_contains (who, pid))
        {
          g_autoptr(YpRecord) p = yp_store_get (store, entity ("participant"), pid, NULL);

          g_hash_table_insert (who, g_strdup (pid),
                               p ? describe_professional (store,
                                                          yp_record_get_string (p, "professional_id"))
                                 : g_strdup (_("Unknown expert")));
        }
      name = g_hash_table_lookup (who, pid);

      if (g_strcmp0 (event, "joined") == 0 && g_strcmp0 (previous_consented, pid) == 0)
        {
          /* Said already by the consent sentence just before. */
          previous_consented = NULL;
          continue;
        }
      previous_consented = NULL;

      if (g_strcmp0 (event, "invited") == 0)
        {
          g_autofree char *inviter = describe_professional (store,
                                                            yp_record_get_string (e, "recorded_by"));
          sentence = g_strdup_printf (_("%s invited %s to take part. The client was asked for "
                                        "consent."), inviter, name);
        }
      else if (g_strcmp0 (event, "consented") == 0)
        {
          g_autofree char *consent = consent_sentence (yp_record_get_string (e, "method"), name);
          g_autofree char *history = history_sentence (yp_record_get_string (e, "history_window"),
                                                       yp_record_get_string (e, "history_from"));

          sentence = history ? g_strdup_printf ("%s %s", consent, history)
                             : g_steal_pointer (&consent);
          previous_consented = pid;
        }
      else if (g_strcmp0 (event, "joined") == 0)
        {
          g_autoptr(YpRecord) p = yp_store_get (store, entity ("participant"), pid, NULL);

          if (p && g_strcmp0 (yp_record_get_string (p, "role"), "owner") == 0)
            sentence = g_strdup_printf (_("%s started the guidance space with the client."),
                                        name);
          else
            sentence = g_strdup_printf (_("%s joined."), name);
        }
      else if (g_strcmp0 (event, "declined") == 0)
        sentence = g_strdup_printf (_("The client did not give consent to %s taking part."), name);
      else if (g_strcmp0 (event, "revoked") == 0)
        sentence = g_strdup_printf (_("At the client's wish, %s no longer has access. Reason: %s"),
                                    name, yp_record_get_string (e, "reason") ?: "");
      else
        continue;

      g_ptr_array_add (lines, g_strdup_printf ("%s %s", date ? date : "", sentence));
    }
  return lines;
}

/* ---- quarantined changes ---------------------------------------------------------------- */

static int
compare_created (gconstpointer a,
                 gconstpointer b)
{
  const YpRecord *x = *(YpRecord * const *) a;
  const YpRecord *y = *(YpRecord * const *) b;

  return g_strcmp0 (yp_record_get_string (x, "created_at"),
                    yp_record_get_string (y, "created_at"));
}

GPtrArray *
yp_participants_list_quarantined (YpStore     *store,
                                  const char  *client_id,
                                  GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *waiting;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);

  waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) yp_record_unref);
  if (client_id == NULL || !yp_participants_can_manage (store, client_id))
    return waiting;
  rows = yp_store_list_for_client (store, entity ("quarantined_change"), client_id, error);
  if (rows == NULL)
    {
      g_ptr_array_unref (waiting);
      return NULL;
    }
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (yp_record_get_string (rows->pdata[i], "state"), "waiting") == 0 &&
        yp_record_get_int (rows->pdata[i], "deleted") == 0)
      g_ptr_array_add (waiting, yp_record_ref (rows->pdata[i]));
  g_ptr_array_sort (waiting, compare_created);
  return waiting;
}

static const char *
quarantined_what (const YpRecord *change)
{
  const char *e = yp_record_get_string (change, "entity");
  gboolean insert = g_strcmp0 (yp_record_get_string (change, "op"), "insert") == 0;

  if (g_strcmp0 (e, "message") == 0)
    return _("a new message");
  if (g_strcmp0 (e, "attachment") == 0)
    return _("a new attachment");
  if (g_strcmp0 (e, "client") == 0)
    return _("changes to the client's details");
  if (g_strcmp0 (e, "plan_entry") == 0)
    return insert ? _("a new entry in the plan") : _("changes to the plan");
  if (g_strcmp0 (e, "follow_up") == 0)
    return insert ? _("a new follow-up") : _("changes to a follow-up");
  if (g_strcmp0 (e, "stage") == 0)
    return _("changes to the stage map");
  return insert ? _("a new entry") : _("changes");
}

char *
yp_participants_quarantined_title (YpStore        *store,
                                   const YpRecord *change)
{
  g_autofree char *who = describe_professional (store, yp_record_get_string (change,
                                                                             "author_id"));
  g_autofree char *when = yp_participants_format_date (yp_record_get_string (change,
                                                                            "created_at"));

  /* Translators: "Bertta Kutsuttu (Lahden kaupunki), 24.11.2026: a new message" */
  return g_strdup_printf (_("%s, %s: %s"), who ? who : _("A former participant"),
                          when ? when : "", quarantined_what (change));
}

static char *
json_value_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup (_("(empty)"));
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
      if (type == G_TYPE_INT64)
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      if (type == G_TYPE_BOOLEAN)
        return g_strdup (json_node_get_boolean (node) ? _("yes") : _("no"));
    }
  return json_to_string (node, FALSE);
}

char *
yp_participants_quarantined_text (const YpRecord *change)
{
  const YpEntity *e = yp_schema_lookup (yp_record_get_string (change, "entity"));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean update = g_strcmp0 (yp_record_get_string (change, "op"), "update") == 0;
  JsonObject *fields;
  g_autoptr(GList) names = NULL;

  if (!json_parser_load_from_data (parser, yp_record_get_string (change, "fields"), -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return g_strdup (yp_record_get_string (change, "fields"));
  fields = json_node_get_object (json_parser_get_root (parser));
  names = json_object_get_members (fields);
  for (GList *l = names; l; l = l->next)
    {
      const char *name = l->data;
      const YpField *f = e ? yp_entity_get_field (e, name) : NULL;
      JsonNode *node = json_object_get_member (fields, name);
      g_autofree char *value = NULL;

      /* Ids and bookkeeping say nothing to a reader. */
      if (f == NULL || f->type == YP_FIELD_UUID || g_str_equal (name, "created_at") ||
          g_str_equal (name, "deleted"))
        continue;
      if (update && JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *pair = json_node_get_object (node);
          g_autofree char *was = json_value_text (json_object_get_member (pair, "old"));

          value = json_value_text (json_object_get_member (pair, "new"));
          if (text->len > 0)
            g_string_append_c (text, '\n');
          /* Translators: "Notes: Home visit went well (was: Calls on Mondays)" */
          g_string_append_printf (text, _("%s: %s (was: %s)"), yp_field_label (name), value,
                                  was);
          continue;
        }
      value = json_value_text (node);
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, _("%s: %s"), yp_field_label (name), value);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

gboolean
yp_participants_mark_reviewed (YpStore     *store,
                               const char  *change_id,
                               GError     **error)
{
  g_autoptr(YpRecord) q = NULL;
  g_autoptr(YpRecord) change = NULL;
  g_autofree char *now = yp_now_iso8601 ();

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);

  if (change_id == NULL ||
      (q = yp_store_get (store, entity ("quarantined_change"), change_id, NULL)) == NULL)
    {
      g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_FOUND,
                   _("This change is no longer on this device."));
      return FALSE;
    }
  if (!check_may_manage (store, yp_record_get_client_id (q),
                         _("Only the professional who started this guidance space or a "
                           "coordinator can review these changes."), error))
    return FALSE;
  change = yp_record_new (entity ("quarantined_change"));
  yp_record_set_string (change, "id", change_id);
  yp_record_set_string (change, "state", "reviewed");
  yp_record_set_string (change, "reviewed_by", yp_store_get_me_id (store));
  yp_record_set_string (change, "reviewed_at", now);
  return yp_store_update (store, change, error);
}
