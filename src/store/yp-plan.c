/* yp-plan.c — the shared plan: entries, agreed versions and their comparison. */
#define G_LOG_DOMAIN "yp-plan"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-participants.h"
#include "yp-plan.h"
#include "yp-util.h"

/* What a version keeps of an entry; the sync bookkeeping is left out. */
static const char * const snapshot_fields[] = {
  "id", "section", "text", "hidden_need", "responsible", "due_on", "action_status", "position",
  NULL,
};
/* What a comparison looks at. */
static const char * const compared_fields[] = {
  "section", "text", "hidden_need", "responsible", "due_on", "action_status", NULL,
};
static const char * const sections[] = { "goal", "resource", "need", "action", NULL };

void
yp_plan_change_free (YpPlanChange *change)
{
  if (change == NULL)
    return;
  g_clear_pointer (&change->old_entry, yp_record_unref);
  g_clear_pointer (&change->new_entry, yp_record_unref);
  g_strfreev (change->fields);
  g_free (change);
}

static int
section_index (const char *section)
{
  for (int i = 0; sections[i]; i++)
    if (g_strcmp0 (sections[i], section) == 0)
      return i;
  return G_N_ELEMENTS (sections);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const YpRecord *ra = *(YpRecord **) a;
  const YpRecord *rb = *(YpRecord **) b;
  int sa = section_index (yp_record_get_string (ra, "section"));
  int sb = section_index (yp_record_get_string (rb, "section"));
  gint64 pa = yp_record_get_int (ra, "position");
  gint64 pb = yp_record_get_int (rb, "position");

  if (sa != sb)
    return sa - sb;
  return pa < pb ? -1 : pa > pb;
}

/* Every entry, whoever asks: for positions and the agreed snapshot. */
static GPtrArray *
list_all_entries (YpStore     *store,
                  const char  *client_id,
                  GError     **error)
{
  GPtrArray *rows;

  rows = yp_store_list_for_client (store, yp_schema_lookup ("plan_entry"), client_id, error);
  if (rows != NULL)
    g_ptr_array_sort (rows, compare_entries); /* stable: equal positions keep insert order */
  return rows;
}

/* A third-sector supporter sees only their own actions: no goals, strengths or service
 * needs (health details), no one else's actions. */
static void
keep_supporter_entries (YpStore   *store,
                        GPtrArray *rows)
{
  for (guint i = rows->len; i > 0; i--)
    if (!yp_participants_is_my_action (store, rows->pdata[i - 1]))
      g_ptr_array_remove_index (rows, i - 1);
}

GPtrArray *
yp_plan_list_entries (YpStore     *store,
                      const char  *client_id,
                      GError     **error)
{
  GPtrArray *rows;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  rows = list_all_entries (store, client_id, error);
  if (rows != NULL && yp_participants_is_supporter (store, client_id))
    keep_supporter_entries (store, rows);
  return rows;
}

/* A supporter may change only their own actions. */
static gboolean
check_may_change (YpStore     *store,
                  const char  *entry_id,
                  GError     **error)
{
  g_autoptr(YpRecord) entry = yp_store_get (store, yp_schema_lookup ("plan_entry"), entry_id,
                                            NULL);

  if (entry == NULL || !yp_participants_is_supporter (store, yp_record_get_client_id (entry))
      || yp_participants_is_my_action (store, entry))
    return TRUE;
  g_set_error (error, YP_PARTICIPANTS_ERROR, YP_PARTICIPANTS_ERROR_NOT_ALLOWED,
               _("As a supporter you can change only the actions you are responsible for."));
  return FALSE;
}

YpRecord *
yp_plan_add_entry (YpStore     *store,
                   const char  *client_id,
                   const char  *section,
                   const char  *text,
                   GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(YpRecord) entry = yp_record_new (yp_schema_lookup ("plan_entry"));
  gint64 position = 0;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL && section != NULL, NULL);

  if ((rows = list_all_entries (store, client_id, error)) == NULL)
    return NULL;
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (yp_record_get_string (rows->pdata[i], "section"), section) == 0)
      position = MAX (position, yp_record_get_int (rows->pdata[i], "position"));

  yp_record_set_string (entry, "client_id", client_id);
  yp_record_set_string (entry, "section", section);
  if (text != NULL && *text != '\0')
    yp_record_set_string (entry, "text", text);
  else
    yp_record_set_null (entry, "text");
  yp_record_set_int (entry, "position", position + 1);
  if (g_str_equal (section, "action"))
    yp_record_set_string (entry, "action_status", "planned");
  if (!yp_store_insert (store, entry, error))
    return NULL;
  return g_steal_pointer (&entry);
}

gboolean
yp_plan_set_entry_field (YpStore     *store,
                         const char  *entry_id,
                         const char  *field,
                         const char  *value,
                         GError     **error)
{
  g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("plan_entry"));

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);
  g_return_val_if_fail (entry_id != NULL && field != NULL, FALSE);

  if (!check_may_change (store, entry_id, error))
    return FALSE;
  yp_record_set_string (change, "id", entry_id);
  if (value == NULL || *value == '\0')
    yp_record_set_null (change, field);
  else if (!yp_record_set_from_text (change, field, value, error))
    return FALSE;
  return yp_store_update (store, change, error);
}

gboolean
yp_plan_remove_entry (YpStore     *store,
                      const char  *entry_id,
                      GError     **error)
{
  g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("plan_entry"));

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);
  g_return_val_if_fail (entry_id != NULL, FALSE);

  if (!check_may_change (store, entry_id, error))
    return FALSE;
  yp_record_set_string (change, "id", entry_id);
  yp_record_set_int (change, "deleted", 1);
  return yp_store_update (store, change, error);
}

gboolean
yp_plan_set_review_date (YpStore     *store,
                         const char  *client_id,
                         const char  *review_on,
                         GError     **error)
{
  g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("client"));

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);
  g_return_val_if_fail (client_id != NULL, FALSE);

  yp_record_set_string (change, "id", client_id);
  if (review_on == NULL || *review_on == '\0')
    yp_record_set_null (change, "review_due");
  else
    yp_record_set_string (change, "review_due", review_on);
  return yp_store_update (store, change, error);
}

static char *
make_snapshot (GPtrArray *entries)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "entries");
  json_builder_begin_array (builder);
  for (guint i = 0; i < entries->len; i++)
    {
      g_autoptr(YpRecord) kept = yp_record_new (yp_schema_lookup ("plan_entry"));

      for (guint f = 0; snapshot_fields[f]; f++)
        {
          g_autofree char *text = yp_record_dup_text (entries->pdata[i], snapshot_fields[f]);

          if (!yp_record_is_null (entries->pdata[i], snapshot_fields[f]))
            yp_record_set_from_text (kept, snapshot_fields[f], text, NULL);
        }
      json_builder_add_value (builder, yp_record_to_json (kept));
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

YpRecord *
yp_plan_agree (YpStore     *store,
               const char  *client_id,
               const char  *method,
               const char  *review_on,
               GError     **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(YpRecord) version = yp_record_new (yp_schema_lookup ("plan_version"));
  g_autofree char *snapshot = NULL;
  g_autofree char *now = yp_now_iso8601 ();

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL && method != NULL, NULL);

  if (yp_store_get_me_id (store) == NULL)
    {
      g_set_error (error, YP_STORE_ERROR, YP_STORE_ERROR_NO_PROFILE,
                   _("Save your own name first: an agreed plan records who recorded it."));
      return NULL;
    }
  if (review_on != NULL && *review_on != '\0' && !yp_date_is_valid (review_on))
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT,
                   _("Write the review date as day.month.year, for example 23.11.2026."));
      return NULL;
    }
  if ((entries = list_all_entries (store, client_id, error)) == NULL)
    return NULL;
  snapshot = make_snapshot (entries);

  yp_record_set_string (version, "client_id", client_id);
  yp_record_set_string (version, "agreed_at", now);
  yp_record_set_string (version, "agreed_method", method);
  yp_record_set_string (version, "recorded_by", yp_store_get_me_id (store));
  if (review_on != NULL && *review_on != '\0')
    yp_record_set_string (version, "review_on", review_on);
  yp_record_set_string (version, "snapshot", snapshot);
  if (!yp_store_insert (store, version, error))
    return NULL;
  if (!yp_plan_set_review_date (store, client_id, review_on, error))
    return NULL;
  return g_steal_pointer (&version);
}

GPtrArray *
yp_plan_list_versions (YpStore     *store,
                       const char  *client_id,
                       GError     **error)
{
  GPtrArray *rows;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  rows = yp_store_list_for_client (store, yp_schema_lookup ("plan_version"), client_id, error);
  /* A supporter sees each agreed version with only their own actions in it. */
  if (rows != NULL && yp_participants_is_supporter (store, client_id))
    for (guint i = 0; i < rows->len; i++)
      {
        g_autoptr(GPtrArray) entries = yp_plan_snapshot_entries (
          yp_record_get_string (rows->pdata[i], "snapshot"), NULL);
        g_autofree char *snapshot = NULL;

        if (entries == NULL)
          entries = g_ptr_array_new_with_free_func ((GDestroyNotify) yp_record_unref);
        keep_supporter_entries (store, entries);
        snapshot = make_snapshot (entries);
        yp_record_set_string (rows->pdata[i], "snapshot", snapshot);
      }
  /* Oldest first (insert order) → newest first. */
  for (guint i = 0; rows != NULL && i < rows->len / 2; i++)
    {
      gpointer tmp = rows->pdata[i];

      rows->pdata[i] = rows->pdata[rows->len - 1 - i];
      rows->pdata[rows->len - 1 - i] = tmp;
    }
  return rows;
}

GPtrArray *
yp_plan_snapshot_entries (const char  *snapshot,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) yp_record_unref);
  JsonNode *root;
  JsonNode *entries;

  g_return_val_if_fail (snapshot != NULL, NULL);

  if (!json_parser_load_from_data (parser, snapshot, -1, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root) ||
      (entries = json_object_get_member (json_node_get_object (root), "entries")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (entries))
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_MALFORMED,
                   "A plan version's snapshot has no entries");
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (entries)); i++)
    {
      YpRecord *entry = yp_record_from_json (yp_schema_lookup ("plan_entry"),
                                             json_array_get_element (json_node_get_array (entries),
                                                                     i),
                                             error);

      if (entry == NULL)
        return NULL;
      g_ptr_array_add (rows, entry);
    }
  g_ptr_array_sort (rows, compare_entries);
  return g_steal_pointer (&rows);
}

static YpRecord *
find_entry (GPtrArray  *rows,
            const char *id)
{
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (yp_record_get_id (rows->pdata[i]), id) == 0)
      return rows->pdata[i];
  return NULL;
}

GPtrArray *
yp_plan_compare (const char  *older_snapshot,
                 const char  *newer_snapshot,
                 GError     **error)
{
  g_autoptr(GPtrArray) older = NULL;
  g_autoptr(GPtrArray) newer = NULL;
  g_autoptr(GPtrArray) changes =
    g_ptr_array_new_with_free_func ((GDestroyNotify) yp_plan_change_free);

  if ((older = yp_plan_snapshot_entries (older_snapshot, error)) == NULL ||
      (newer = yp_plan_snapshot_entries (newer_snapshot, error)) == NULL)
    return NULL;

  for (guint i = 0; i < newer->len; i++)
    {
      YpRecord *now = newer->pdata[i];
      YpRecord *before = find_entry (older, yp_record_get_id (now));
      g_autoptr(GStrvBuilder) fields = g_strv_builder_new ();
      YpPlanChange *change;
      gboolean differs = FALSE;

      if (before != NULL)
        for (guint f = 0; compared_fields[f]; f++)
          if (!yp_record_field_equal (before, now, compared_fields[f]))
            {
              g_strv_builder_add (fields, compared_fields[f]);
              differs = TRUE;
            }
      if (before != NULL && !differs)
        continue;
      change = g_new0 (YpPlanChange, 1);
      change->kind = before ? YP_PLAN_CHANGE_CHANGED : YP_PLAN_CHANGE_ADDED;
      change->old_entry = before ? yp_record_ref (before) : NULL;
      change->new_entry = yp_record_ref (now);
      change->fields = g_strv_builder_end (fields);
      g_ptr_array_add (changes, change);
    }
  for (guint i = 0; i < older->len; i++)
    {
      YpRecord *before = older->pdata[i];
      YpPlanChange *change;

      if (find_entry (newer, yp_record_get_id (before)) != NULL)
        continue;
      change = g_new0 (YpPlanChange, 1);
      change->kind = YP_PLAN_CHANGE_REMOVED;
      change->old_entry = yp_record_ref (before);
      change->fields = g_new0 (char *, 1);
      g_ptr_array_add (changes, change);
    }
  return g_steal_pointer (&changes);
}

gboolean
yp_plan_review_is_overdue (const char *review_due)
{
  g_autofree char *today = NULL;

  if (review_due == NULL || *review_due == '\0')
    return FALSE;
  today = yp_today_iso ();
  return g_strcmp0 (review_due, today) < 0;
}
