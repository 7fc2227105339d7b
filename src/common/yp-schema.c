/* yp-schema.c — the one description of every synced entity. */
#define G_LOG_DOMAIN "yp-schema"

#include "config.h"

#include "yp-schema.h"

#define SYNC_FIELDS \
  { "id",         YP_FIELD_UUID,     YP_FIELD_FLAG_SYNC | YP_FIELD_FLAG_REQUIRED, 0, 0, 0, NULL, NULL, 1 }, \
  { "client_id",  YP_FIELD_UUID,     YP_FIELD_FLAG_SYNC, 0, 0, 0, NULL, NULL, 1 }, \
  { "rev",        YP_FIELD_INT,      YP_FIELD_FLAG_SYNC, 0, 0, 0, NULL, "0", 1 }, \
  { "updated_at", YP_FIELD_DATETIME, YP_FIELD_FLAG_SYNC, 0, 0, 0, NULL, NULL, 1 }, \
  { "updated_by", YP_FIELD_UUID,     YP_FIELD_FLAG_SYNC, 0, 0, 0, NULL, NULL, 1 }, \
  { "deleted",    YP_FIELD_BOOL,     YP_FIELD_FLAG_SYNC, 0, 0, 0, NULL, "0", 1 }

#define REQ YP_FIELD_FLAG_REQUIRED
#define F0  YP_FIELD_FLAG_NONE

static const char * const sectors[] =
  { "health", "social", "employment", "education", "third_sector", "other", NULL };
static const char * const languages[] = { "fi", "sv", "en", NULL };
static const char * const client_statuses[] = { "candidate", "active", "ended", NULL };
static const char * const end_reasons[] =
  { "goals_reached", "moved", "declined", "deceased", "other", NULL };
static const char * const roles[] = { "owner", "coordinator", "member", "supporter", NULL };
static const char * const participant_states[] =
  { "proposed", "invited", "active", "declined", "revoked", NULL };
static const char * const consent_methods[] = { "in_person", "phone", "written", NULL };
static const char * const history_windows[] = { "from_now", "from_date", "everything", NULL };
static const char * const stage_statuses[] = { "upcoming", "current", "done", "skipped", NULL };
static const char * const plan_sections[] = { "goal", "resource", "need", "action", NULL };
static const char * const action_statuses[] =
  { "planned", "in_progress", "done", "cancelled", NULL };
static const char * const follow_up_kinds[] = { "phone", "home_visit", "video", NULL };
static const char * const service_kinds[] =
  { "ward_episode", "er_visit", "outpatient", "social_service", "other", NULL };
static const char * const consent_events[] =
  { "proposed", "invited", "consented", "declined", "joined", "revoked", "role_changed", NULL };
static const char * const recipient_kinds[] = { "professional", "client", NULL };
static const char * const notification_kinds[] =
  { "invited", "consent_requested", "joined", "declined", "revoked", "message", "follow_up_due",
    NULL };
static const char * const mutation_ops[] = { "insert", "update", NULL };
static const char * const review_states[] = { "waiting", "reviewed", NULL };
static const char * const audit_actions[] =
  { "view", "create", "update", "delete", "print", "export", NULL };

static const YpField organization_fields[] = {
  SYNC_FIELDS,
  { "name",   YP_FIELD_TEXT, REQ | YP_FIELD_FLAG_SEARCH, 200, 0, 0, NULL, NULL, 1 },
  { "sector", YP_FIELD_ENUM, REQ, 0, 0, 0, sectors, "health", 1 },
};

static const YpField professional_fields[] = {
  SYNC_FIELDS,
  { "name",            YP_FIELD_TEXT, REQ | YP_FIELD_FLAG_SEARCH, 200, 0, 0, NULL, NULL, 1 },
  { "title",           YP_FIELD_TEXT, F0, 200, 0, 0, NULL, NULL, 1 },
  { "organization_id", YP_FIELD_UUID, F0, 0, 0, 0, NULL, NULL, 1 },
  { "email",           YP_FIELD_TEXT, F0, 254, 0, 0, NULL, NULL, 1 },
  { "phone",           YP_FIELD_TEXT, F0, 40, 0, 0, NULL, NULL, 1 },
};

static const YpField client_fields[] = {
  SYNC_FIELDS,
  { "first_name",     YP_FIELD_TEXT, REQ | YP_FIELD_FLAG_SEARCH, 100, 0, 0, NULL, NULL, 1 },
  { "last_name",      YP_FIELD_TEXT, REQ | YP_FIELD_FLAG_SEARCH, 100, 0, 0, NULL, NULL, 1 },
  { "birth_date",     YP_FIELD_DATE, F0, 0, 0, 0, NULL, NULL, 1 },
  { "phone",          YP_FIELD_TEXT, YP_FIELD_FLAG_SEARCH, 40, 0, 0, NULL, NULL, 1 },
  { "address",        YP_FIELD_TEXT, YP_FIELD_FLAG_SEARCH, 300, 0, 0, NULL, NULL, 1 },
  { "language",       YP_FIELD_ENUM, REQ, 0, 0, 0, languages, "fi", 1 },
  { "responsible_id", YP_FIELD_UUID, F0, 0, 0, 0, NULL, NULL, 1 },
  { "status",         YP_FIELD_ENUM, REQ, 0, 0, 0, client_statuses, "active", 1 },
  { "stage",          YP_FIELD_INT,  F0, 0, 0, 7, NULL, "0", 1 },
  { "next_follow_up", YP_FIELD_DATE, F0, 0, 0, 0, NULL, NULL, 1 },
  { "notes",          YP_FIELD_TEXT, F0, 4000, 0, 0, NULL, NULL, 1 },
  { "end_reason",     YP_FIELD_ENUM, F0, 0, 0, 0, end_reasons, NULL, 1 },
  { "review_due",     YP_FIELD_DATE, F0, 0, 0, 0, NULL, NULL, 2 },
  { "is_demo",        YP_FIELD_BOOL, F0, 0, 0, 0, NULL, "0", 2 },
  /* Derived by the store from the name for ordering; never sent. */
  { "sort_name",      YP_FIELD_TEXT, YP_FIELD_FLAG_LOCAL, 0, 0, 0, NULL, NULL, 2 },
  { "ended_on",       YP_FIELD_DATE, F0, 0, 0, 0, NULL, NULL, 3 },
  { "end_summary",    YP_FIELD_TEXT, F0, 4000, 0, 0, NULL, NULL, 3 },
};

static const YpField participant_fields[] = {
  SYNC_FIELDS,
  { "professional_id", YP_FIELD_UUID, REQ, 0, 0, 0, NULL, NULL, 1 },
  { "role",            YP_FIELD_ENUM, REQ, 0, 0, 0, roles, "member", 1 },
  { "state",           YP_FIELD_ENUM, REQ, 0, 0, 0, participant_states, "proposed", 1 },
  { "invited_by",      YP_FIELD_UUID, F0, 0, 0, 0, NULL, NULL, 1 },
  { "consent_at",      YP_FIELD_DATETIME, F0, 0, 0, 0, NULL, NULL, 1 },
  { "consent_method",  YP_FIELD_ENUM, F0, 0, 0, 0, consent_methods, NULL, 1 },
  { "consent_by",      YP_FIELD_UUID, F0, 0, 0, 0, NULL, NULL, 1 },
  { "history_window",  YP_FIELD_ENUM, F0, 0, 0, 0, history_windows, "from_now", 1 },
  { "history_from",    YP_FIELD_DATETIME, F0, 0, 0, 0, NULL, NULL, 1 },
  { "joined_seq",      YP_FIELD_INT,  F0, 0, 0, 0, NULL, NULL, 1 },
  { "revoked_at",      YP_FIELD_DATETIME, F0, 0, 0, 0, NULL, NULL, 1 },
  { "revoke_reason",   YP_FIELD_TEXT, F0, 1000, 0, 0, NULL, NULL, 1 },
};

static const YpField stage_fields[] = {
  SYNC_FIELDS,
  { "template",   YP_FIELD_TEXT, REQ, 100, 0, 0, NULL, "default", 1 },
  { "phase_key",  YP_FIELD_TEXT, REQ, 100, 0, 0, NULL, NULL, 1 },
  { "position",   YP_FIELD_INT,  REQ, 0, 1, 50, NULL, NULL, 1 },
  { "status",     YP_FIELD_ENUM, REQ, 0, 0, 0, stage_statuses, "upcoming", 1 },
  { "started_on", YP_FIELD_DATE, F0, 0, 0, 0, NULL, NULL, 1 },
  { "done_on",    YP_FIELD_DATE, F0, 0, 0, 0, NULL, NULL, 1 },
  { "note",       YP_FIELD_TEXT, F0, 4000, 0, 0, NULL, NULL, 1 },
};

static const YpField plan_entry_fields[] = {
  SYNC_FIELDS,
  { "section",        YP_FIELD_ENUM, REQ, 0, 0, 0, plan_sections, NULL, 1 },
  { "text",           YP_FIELD_TEXT, REQ, 4000, 0, 0, NULL, NULL, 1 },
  { "hidden_need",    YP_FIELD_BOOL, F0, 0, 0, 0, NULL, "0", 1 },
  { "responsible",    YP_FIELD_TEXT, F0, 200, 0, 0, NULL, NULL, 1 },
  { "due_on",         YP_FIELD_DATE, F0, 0, 0, 0, NULL, NULL, 1 },
  { "action_status",  YP_FIELD_ENUM, F0, 0, 0, 0, action_statuses, NULL, 1 },
  { "position",       YP_FIELD_INT,  F0, 0, 0, 0, NULL, "0", 1 },
};

static const YpField plan_version_fields[] = {
  SYNC_FIELDS,
  { "agreed_at",     YP_FIELD_DATETIME, REQ, 0, 0, 0, NULL, NULL, 1 },
  { "agreed_method", YP_FIELD_ENUM, REQ, 0, 0, 0, consent_methods, NULL, 1 },
  { "recorded_by",   YP_FIELD_UUID, REQ, 0, 0, 0, NULL, NULL, 1 },
  { "review_on",     YP_FIELD_DATE, F0, 0, 0, 0, NULL, NULL, 1 },
  { "snapshot",      YP_FIELD_TEXT, REQ, 0, 0, 0, NULL, NULL, 1 },
};

static const YpField follow_up_fields[] = {
  SYNC_FIELDS,
  { "kind",        YP_FIELD_ENUM, REQ, 0, 0, 0, follow_up_kinds, "phone", 1 },
  { "due_on",      YP_FIELD_DATE, REQ, 0, 0, 0, NULL, NULL, 1 },
  { "assignee_id", YP_FIELD_UUID, F0, 0, 0, 0, NULL, NULL, 1 },
  { "done_at",     YP_FIELD_DATETIME, F0, 0, 0, 0, NULL, NULL, 1 },
  { "coping",      YP_FIELD_INT,  F0, 0, 1, 5, NULL, NULL, 1 },
  { "notes",       YP_FIELD_TEXT, F0, 4000, 0, 0, NULL, NULL, 1 },
  { "next_step",   YP_FIELD_TEXT, F0, 1000, 0, 0, NULL, NULL, 1 },
  { "nps",         YP_FIELD_INT,  F0, 0, 0, 10, NULL, NULL, 1 },
  { "who5_1",      YP_FIELD_INT,  F0, 0, 0, 5, NULL, NULL, 1 },
  { "who5_2",      YP_FIELD_INT,  F0, 0, 0, 5, NULL, NULL, 1 },
  { "who5_3",      YP_FIELD_INT,  F0, 0, 0, 5, NULL, NULL, 1 },
  { "who5_4",      YP_FIELD_INT,  F0, 0, 0, 5, NULL, NULL, 1 },
  { "who5_5",      YP_FIELD_INT,  F0, 0, 0, 5, NULL, NULL, 1 },
};

static const YpField message_fields[] = {
  SYNC_FIELDS,
  { "author_id",  YP_FIELD_UUID, REQ, 0, 0, 0, NULL, NULL, 1 },
  { "created_at", YP_FIELD_DATETIME, REQ, 0, 0, 0, NULL, NULL, 1 },
  { "body",       YP_FIELD_TEXT, REQ, 10000, 0, 0, NULL, NULL, 1 },
};

static const YpField attachment_fields[] = {
  SYNC_FIELDS,
  { "message_id", YP_FIELD_UUID, F0, 0, 0, 0, NULL, NULL, 1 },
  { "file_name",  YP_FIELD_TEXT, REQ, 255, 0, 0, NULL, NULL, 1 },
  { "mime_type",  YP_FIELD_TEXT, F0, 255, 0, 0, NULL, NULL, 1 },
  { "size",       YP_FIELD_INT,  REQ, 0, 0, 26214400, NULL, NULL, 1 },
  { "sha256",     YP_FIELD_TEXT, REQ, 64, 0, 0, NULL, NULL, 1 },
  { "created_at", YP_FIELD_DATETIME, REQ, 0, 0, 0, NULL, NULL, 1 },
};

static const YpField service_event_fields[] = {
  SYNC_FIELDS,
  { "kind",        YP_FIELD_ENUM, REQ, 0, 0, 0, service_kinds, NULL, 1 },
  { "occurred_on", YP_FIELD_DATE, REQ, 0, 0, 0, NULL, NULL, 1 },
  { "source",      YP_FIELD_TEXT, F0, 200, 0, 0, NULL, NULL, 1 },
  { "note",        YP_FIELD_TEXT, F0, 1000, 0, 0, NULL, NULL, 1 },
};

static const YpField audit_event_fields[] = {
  SYNC_FIELDS,
  { "actor_id",  YP_FIELD_UUID, REQ, 0, 0, 0, NULL, NULL, 1 },
  { "action",    YP_FIELD_ENUM, REQ, 0, 0, 0, audit_actions, NULL, 1 },
  { "entity",    YP_FIELD_TEXT, REQ, 64, 0, 0, NULL, NULL, 1 },
  { "entity_id", YP_FIELD_UUID, F0, 0, 0, 0, NULL, NULL, 1 },
  { "at",        YP_FIELD_DATETIME, REQ, 0, 0, 0, NULL, NULL, 1 },
};

/* Every consent event (proposed, invited, consented with its history window, declined, joined,
 * revoked): append-only, shown to the client in plain language. */
static const YpField consent_event_fields[] = {
  SYNC_FIELDS,
  { "participant_id", YP_FIELD_UUID, REQ, 0, 0, 0, NULL, NULL, 3 },
  { "event",          YP_FIELD_ENUM, REQ, 0, 0, 0, consent_events, NULL, 3 },
  { "method",         YP_FIELD_ENUM, F0, 0, 0, 0, consent_methods, NULL, 3 },
  { "history_window", YP_FIELD_ENUM, F0, 0, 0, 0, history_windows, NULL, 3 },
  { "history_from",   YP_FIELD_DATETIME, F0, 0, 0, 0, NULL, NULL, 3 },
  { "reason",         YP_FIELD_TEXT, F0, 1000, 0, 0, NULL, NULL, 3 },
  { "at",             YP_FIELD_DATETIME, REQ, 0, 0, 0, NULL, NULL, 3 },
  { "recorded_by",    YP_FIELD_UUID, REQ, 0, 0, 0, NULL, NULL, 3 },
};

/* In-app notifications (invited, joined, new message, follow-up due); the server delivers
 * them to other devices once sync exists. */
static const YpField notification_fields[] = {
  SYNC_FIELDS,
  { "recipient_kind", YP_FIELD_ENUM, REQ, 0, 0, 0, recipient_kinds, "professional", 3 },
  { "recipient_id",   YP_FIELD_UUID, F0, 0, 0, 0, NULL, NULL, 3 },
  { "kind",           YP_FIELD_ENUM, REQ, 0, 0, 0, notification_kinds, NULL, 3 },
  { "text",           YP_FIELD_TEXT, REQ, 1000, 0, 0, NULL, NULL, 3 },
  { "ref_id",         YP_FIELD_UUID, F0, 0, 0, 0, NULL, NULL, 3 },
  { "created_at",     YP_FIELD_DATETIME, REQ, 0, 0, 0, NULL, NULL, 3 },
  { "read_at",        YP_FIELD_DATETIME, F0, 0, 0, 0, NULL, NULL, 3 },
};

/* Changes a professional made offline to a client they no longer have access to (removed or
 * the consent withdrawn before the laptop synced). The server keeps them here instead of
 * applying them, for the client's owner and coordinators to review: the duty to document stays
 * and nothing typed is lost. Written only by the server; the owner marks them reviewed. */
static const YpField quarantined_change_fields[] = {
  SYNC_FIELDS,
  { "author_id",   YP_FIELD_UUID, REQ, 0, 0, 0, NULL, NULL, 4 },
  { "entity",      YP_FIELD_TEXT, REQ, 64, 0, 0, NULL, NULL, 4 },
  { "row_id",      YP_FIELD_UUID, F0, 0, 0, 0, NULL, NULL, 4 },
  { "op",          YP_FIELD_ENUM, REQ, 0, 0, 0, mutation_ops, NULL, 4 },
  { "fields",      YP_FIELD_TEXT, REQ, 0, 0, 0, NULL, NULL, 4 },
  { "created_at",  YP_FIELD_DATETIME, REQ, 0, 0, 0, NULL, NULL, 4 },
  { "state",       YP_FIELD_ENUM, REQ, 0, 0, 0, review_states, "waiting", 4 },
  { "reviewed_by", YP_FIELD_UUID, F0, 0, 0, 0, NULL, NULL, 4 },
  { "reviewed_at", YP_FIELD_DATETIME, F0, 0, 0, 0, NULL, NULL, 4 },
};

#define ENTITY(wire, table, merge, scoped, fields) \
  { wire, table, merge, scoped, fields, G_N_ELEMENTS (fields), 1 }
#define ENTITY_SINCE(since, wire, table, merge, scoped, fields) \
  { wire, table, merge, scoped, fields, G_N_ELEMENTS (fields), since }

static const YpEntity entities[] = {
  ENTITY ("organization",  "organizations",  YP_MERGE_FIELDS, FALSE, organization_fields),
  ENTITY ("professional",  "professionals",  YP_MERGE_FIELDS, FALSE, professional_fields),
  ENTITY ("client",        "clients",        YP_MERGE_FIELDS, TRUE,  client_fields),
  ENTITY ("participant",   "participants",   YP_MERGE_FIELDS, TRUE,  participant_fields),
  ENTITY ("stage",         "stages",         YP_MERGE_FIELDS, TRUE,  stage_fields),
  ENTITY ("plan_entry",    "plan_entries",   YP_MERGE_FIELDS, TRUE,  plan_entry_fields),
  ENTITY ("plan_version",  "plan_versions",  YP_MERGE_APPEND_ONLY, TRUE, plan_version_fields),
  ENTITY ("follow_up",     "follow_ups",     YP_MERGE_FIELDS, TRUE,  follow_up_fields),
  ENTITY ("message",       "messages",       YP_MERGE_APPEND_ONLY, TRUE, message_fields),
  ENTITY ("attachment",    "attachments",    YP_MERGE_APPEND_ONLY, TRUE, attachment_fields),
  ENTITY ("service_event", "service_events", YP_MERGE_APPEND_ONLY, TRUE, service_event_fields),
  ENTITY ("audit_event",   "audit_events",   YP_MERGE_APPEND_ONLY, TRUE, audit_event_fields),
  ENTITY_SINCE (3, "consent_event", "consent_events", YP_MERGE_APPEND_ONLY, TRUE,
                consent_event_fields),
  ENTITY_SINCE (3, "notification", "notifications", YP_MERGE_FIELDS, TRUE, notification_fields),
  ENTITY_SINCE (4, "quarantined_change", "quarantined_changes", YP_MERGE_FIELDS, TRUE,
                quarantined_change_fields),
};

static const YpEntity *entity_ptrs[G_N_ELEMENTS (entities) + 1];

const YpEntity * const *
yp_schema_get_entities (guint *n_entities)
{
  static gsize init = 0;

  if (g_once_init_enter (&init))
    {
      for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
        entity_ptrs[i] = &entities[i];
      g_once_init_leave (&init, 1);
    }
  if (n_entities)
    *n_entities = G_N_ELEMENTS (entities);
  return entity_ptrs;
}

const YpEntity *
yp_schema_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    if (g_str_equal (entities[i].name, name) || g_str_equal (entities[i].table, name))
      return &entities[i];
  return NULL;
}

int
yp_entity_field_index (const YpEntity *entity,
                       const char     *name)
{
  g_return_val_if_fail (entity != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);

  for (guint i = 0; i < entity->n_fields; i++)
    if (g_str_equal (entity->fields[i].name, name))
      return (int) i;
  return -1;
}

const YpField *
yp_entity_get_field (const YpEntity *entity,
                     const char     *name)
{
  int i = yp_entity_field_index (entity, name);

  return i < 0 ? NULL : &entity->fields[i];
}

const char *
yp_field_type_name (YpFieldType type)
{
  switch (type)
    {
    case YP_FIELD_TEXT: return "text";
    case YP_FIELD_INT: return "integer";
    case YP_FIELD_BOOL: return "boolean";
    case YP_FIELD_DATE: return "date";
    case YP_FIELD_DATETIME: return "datetime";
    case YP_FIELD_ENUM: return "enum";
    case YP_FIELD_UUID: return "uuid";
    default: g_assert_not_reached ();
    }
}

static const char *
sql_type (YpFieldType type)
{
  return (type == YP_FIELD_INT || type == YP_FIELD_BOOL) ? "INTEGER" : "TEXT";
}

static void
append_column (GString       *sql,
               const YpField *field)
{
  g_string_append_printf (sql, "%s %s", field->name, sql_type (field->type));
  if (g_str_equal (field->name, "id"))
    g_string_append (sql, " NOT NULL UNIQUE");
  else if (field->default_value != NULL)
    {
      if (field->type == YP_FIELD_INT || field->type == YP_FIELD_BOOL)
        g_string_append_printf (sql, " NOT NULL DEFAULT %s", field->default_value);
      else
        g_string_append_printf (sql, " DEFAULT '%s'", field->default_value);
    }
}

char *
yp_entity_create_sql (const YpEntity *entity,
                      guint           version)
{
  GString *sql;
  gboolean first = TRUE;

  g_return_val_if_fail (entity != NULL, NULL);

  sql = g_string_new (NULL);
  g_string_append_printf (sql, "CREATE TABLE %s (", entity->table);
  for (guint i = 0; i < entity->n_fields; i++)
    {
      const YpField *field = &entity->fields[i];

      if (field->since > version)
        continue;
      if (!first)
        g_string_append (sql, ", ");
      first = FALSE;
      append_column (sql, field);
    }
  g_string_append (sql, ")");
  return g_string_free (sql, FALSE);
}

char *
yp_field_add_column_sql (const YpEntity *entity,
                         const YpField  *field)
{
  GString *sql;

  g_return_val_if_fail (entity != NULL, NULL);
  g_return_val_if_fail (field != NULL, NULL);

  sql = g_string_new (NULL);
  g_string_append_printf (sql, "ALTER TABLE %s ADD COLUMN ", entity->table);
  append_column (sql, field);
  return g_string_free (sql, FALSE);
}
