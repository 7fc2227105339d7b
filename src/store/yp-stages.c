/* yp-stages.c — stage templates (data) and a client's phases on the stage map. */
#define G_LOG_DOMAIN "yp-stages"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "yp-core-data.h"
#include "yp-stages.h"
#include "yp-util.h"

#define TEMPLATE_PATH RESOURCE_PATH "/stage-templates/"

enum { LANG_FI, LANG_SV, LANG_EN, N_LANGS };
static const char * const lang_codes[N_LANGS] = { "fi", "sv", "en" };

typedef struct
{
  char *key;
  char *name[N_LANGS];
  char *client_text[N_LANGS];
  char *professional_note[N_LANGS];
} Phase;

struct _YpStageTemplate
{
  char   *id;
  char   *title[N_LANGS];
  GArray *phases; /* of Phase */
};

static int
lang_index (const char *lang)
{
  for (int i = 0; i < N_LANGS; i++)
    if (g_strcmp0 (lang, lang_codes[i]) == 0)
      return i;
  return LANG_FI;
}

static void
phase_clear (gpointer data)
{
  Phase *p = data;

  g_free (p->key);
  for (int i = 0; i < N_LANGS; i++)
    {
      g_free (p->name[i]);
      g_free (p->client_text[i]);
      g_free (p->professional_note[i]);
    }
}

void
yp_stage_template_free (YpStageTemplate *tmpl)
{
  if (tmpl == NULL)
    return;
  g_free (tmpl->id);
  for (int i = 0; i < N_LANGS; i++)
    g_free (tmpl->title[i]);
  g_array_unref (tmpl->phases);
  g_free (tmpl);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (YpStageTemplate, yp_stage_template_free)

/* Reads {"fi": …, "sv": …, "en": …} into @out; every language must be there and non-empty. */
static gboolean
read_texts (JsonObject  *parent,
            const char  *member,
            const char  *where,
            char       **out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (parent, member);
  JsonObject *texts;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    goto bad;
  texts = json_node_get_object (node);
  for (int i = 0; i < N_LANGS; i++)
    {
      const char *text = json_object_get_string_member_with_default (texts, lang_codes[i], "");

      if (*text == '\0')
        goto bad;
      out[i] = g_strdup (text);
    }
  return TRUE;

bad:
  g_set_error (error, YP_STORE_ERROR, YP_STORE_ERROR_FAILED,
               "Stage template: \"%s\" of %s needs a text in fi, sv and en", member, where);
  return FALSE;
}

YpStageTemplate *
yp_stage_template_parse (const char  *json,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(YpStageTemplate) tmpl = g_new0 (YpStageTemplate, 1);
  JsonObject *root;
  JsonArray *phases;

  g_return_val_if_fail (json != NULL, NULL);

  tmpl->phases = g_array_new (FALSE, TRUE, sizeof (Phase));
  g_array_set_clear_func (tmpl->phases, phase_clear);
  if (!json_parser_load_from_data (parser, json, -1, error))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto bad;
  root = json_node_get_object (json_parser_get_root (parser));
  tmpl->id = g_strdup (json_object_get_string_member_with_default (root, "id", ""));
  if (*tmpl->id == '\0' || !json_object_has_member (root, "phases") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "phases")))
    goto bad;
  if (!read_texts (root, "title", "the template", tmpl->title, error))
    return NULL;
  phases = json_object_get_array_member (root, "phases");
  /* stage.position is 1..50 in the schema. */
  if (json_array_get_length (phases) == 0 || json_array_get_length (phases) > 50)
    goto bad;
  for (guint i = 0; i < json_array_get_length (phases); i++)
    {
      JsonNode *node = json_array_get_element (phases, i);
      JsonObject *obj;
      Phase phase = { 0 };
      const char *key;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        goto bad;
      obj = json_node_get_object (node);
      key = json_object_get_string_member_with_default (obj, "key", "");
      if (*key == '\0' || strlen (key) > 100)
        goto bad;
      g_array_append_val (tmpl->phases, phase);
      g_array_index (tmpl->phases, Phase, tmpl->phases->len - 1).key = g_strdup (key);
      if (!read_texts (obj, "name", key,
                       g_array_index (tmpl->phases, Phase, tmpl->phases->len - 1).name, error) ||
          !read_texts (obj, "client_text", key,
                       g_array_index (tmpl->phases, Phase, tmpl->phases->len - 1).client_text,
                       error) ||
          !read_texts (obj, "professional_note", key,
                       g_array_index (tmpl->phases, Phase,
                                      tmpl->phases->len - 1).professional_note, error))
        return NULL;
    }
  return g_steal_pointer (&tmpl);

bad:
  g_set_error (error, YP_STORE_ERROR, YP_STORE_ERROR_FAILED,
               "Stage template: needs an id, a title and 1 to 50 phases, each with a key");
  return NULL;
}

static void
ensure_resources (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      yp_core_data_register_resource ();
      g_once_init_leave (&done, 1);
    }
}

G_LOCK_DEFINE_STATIC (templates);
static GHashTable *templates; /* id → YpStageTemplate, kept for the life of the process */

const YpStageTemplate *
yp_stage_template_get (const char  *name,
                       GError     **error)
{
  YpStageTemplate *tmpl;

  if (name == NULL)
    name = "default";
  ensure_resources ();

  G_LOCK (templates);
  if (templates == NULL)
    templates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) yp_stage_template_free);
  tmpl = g_hash_table_lookup (templates, name);
  if (tmpl == NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *text = NULL;

      path = g_strconcat (TEMPLATE_PATH, name, ".json", NULL);
      bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      if (bytes == NULL)
        g_set_error (error, YP_STORE_ERROR, YP_STORE_ERROR_NOT_FOUND,
                     _("There is no stage template called “%s”."), name);
      else
        {
          text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
          tmpl = yp_stage_template_parse (text, error);
          if (tmpl != NULL)
            g_hash_table_insert (templates, g_strdup (name), tmpl);
        }
    }
  G_UNLOCK (templates);
  return tmpl;
}

const char *
yp_stage_template_get_id (const YpStageTemplate *tmpl)
{
  g_return_val_if_fail (tmpl != NULL, NULL);
  return tmpl->id;
}

const char *
yp_stage_template_get_title (const YpStageTemplate *tmpl,
                             const char            *lang)
{
  g_return_val_if_fail (tmpl != NULL, NULL);
  return tmpl->title[lang_index (lang)];
}

guint
yp_stage_template_get_n_phases (const YpStageTemplate *tmpl)
{
  g_return_val_if_fail (tmpl != NULL, 0);
  return tmpl->phases->len;
}

int
yp_stage_template_find (const YpStageTemplate *tmpl,
                        const char            *key)
{
  g_return_val_if_fail (tmpl != NULL, -1);
  for (guint i = 0; key && i < tmpl->phases->len; i++)
    if (g_str_equal (g_array_index (tmpl->phases, Phase, i).key, key))
      return (int) i;
  return -1;
}

#define PHASE(t, i) (&g_array_index ((t)->phases, Phase, (i)))

const char *
yp_stage_template_get_key (const YpStageTemplate *tmpl,
                           guint                  i)
{
  g_return_val_if_fail (tmpl != NULL && i < tmpl->phases->len, NULL);
  return PHASE (tmpl, i)->key;
}

const char *
yp_stage_template_get_name (const YpStageTemplate *tmpl,
                            guint                  i,
                            const char            *lang)
{
  g_return_val_if_fail (tmpl != NULL && i < tmpl->phases->len, NULL);
  return PHASE (tmpl, i)->name[lang_index (lang)];
}

const char *
yp_stage_template_get_client_text (const YpStageTemplate *tmpl,
                                   guint                  i,
                                   const char            *lang)
{
  g_return_val_if_fail (tmpl != NULL && i < tmpl->phases->len, NULL);
  return PHASE (tmpl, i)->client_text[lang_index (lang)];
}

const char *
yp_stage_template_get_professional_note (const YpStageTemplate *tmpl,
                                         guint                  i,
                                         const char            *lang)
{
  g_return_val_if_fail (tmpl != NULL && i < tmpl->phases->len, NULL);
  return PHASE (tmpl, i)->professional_note[lang_index (lang)];
}

/* ---- a client's phases ----------------------------------------------------------------- */

static int
compare_position (gconstpointer a,
                  gconstpointer b)
{
  const YpRecord *ra = *(YpRecord **) a;
  const YpRecord *rb = *(YpRecord **) b;
  gint64 pa = yp_record_get_int (ra, "position");
  gint64 pb = yp_record_get_int (rb, "position");

  return pa < pb ? -1 : pa > pb;
}

GPtrArray *
yp_stages_list (YpStore     *store,
                const char  *client_id,
                GError     **error)
{
  GPtrArray *rows;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  rows = yp_store_list_for_client (store, yp_schema_lookup ("stage"), client_id, error);
  if (rows != NULL)
    g_ptr_array_sort (rows, compare_position);
  return rows;
}

static gboolean
set_client_stage (YpStore     *store,
                  const char  *client_id,
                  gint64       position,
                  GError     **error)
{
  g_autoptr(YpRecord) client = yp_record_new (yp_schema_lookup ("client"));

  yp_record_set_string (client, "id", client_id);
  yp_record_set_int (client, "stage", CLAMP (position, 0, 7));
  return yp_store_update (store, client, error);
}

GPtrArray *
yp_stages_ensure (YpStore     *store,
                  const char  *client_id,
                  const char  *template_name,
                  GError     **error)
{
  const YpStageTemplate *tmpl;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(YpRecord) client = NULL;
  g_autofree char *today = yp_today_iso ();
  gint64 current;
  gboolean made = FALSE;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  if ((client = yp_store_get (store, yp_schema_lookup ("client"), client_id, error)) == NULL)
    return NULL;
  if ((rows = yp_stages_list (store, client_id, error)) == NULL)
    return NULL;
  /* A client already on the map keeps its model. */
  if (rows->len > 0)
    template_name = yp_record_get_string (rows->pdata[0], "template");
  if ((tmpl = yp_stage_template_get (template_name, error)) == NULL)
    return NULL;
  if (rows->len >= yp_stage_template_get_n_phases (tmpl))
    return g_steal_pointer (&rows);

  current = yp_record_get_int (client, "stage");
  if (current < 1)
    current = 1;
  for (guint i = 0; i < yp_stage_template_get_n_phases (tmpl); i++)
    {
      const char *key = yp_stage_template_get_key (tmpl, i);
      g_autoptr(YpRecord) stage = NULL;
      gint64 position = i + 1;
      gboolean exists = FALSE;

      for (guint j = 0; j < rows->len && !exists; j++)
        exists = g_strcmp0 (yp_record_get_string (rows->pdata[j], "phase_key"), key) == 0;
      if (exists)
        continue;
      stage = yp_record_new (yp_schema_lookup ("stage"));
      yp_record_set_string (stage, "client_id", client_id);
      yp_record_set_string (stage, "template", yp_stage_template_get_id (tmpl));
      yp_record_set_string (stage, "phase_key", key);
      yp_record_set_int (stage, "position", position);
      if (position < current)
        yp_record_set_string (stage, "status", "done");
      else if (position == current)
        {
          yp_record_set_string (stage, "status", "current");
          yp_record_set_string (stage, "started_on", today);
        }
      else
        yp_record_set_string (stage, "status", "upcoming");
      if (!yp_store_insert (store, stage, error))
        return NULL;
      made = TRUE;
    }
  if (made && yp_record_get_int (client, "stage") != current &&
      !set_client_stage (store, client_id, current, error))
    return NULL;
  g_clear_pointer (&rows, g_ptr_array_unref);
  return yp_stages_list (store, client_id, error);
}

static gboolean
update_stage (YpStore     *store,
              YpRecord    *stage,
              const char  *status,
              const char  *today,
              GError     **error)
{
  g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("stage"));

  yp_record_set_string (change, "id", yp_record_get_id (stage));
  yp_record_set_string (change, "status", status);
  if (g_str_equal (status, "done"))
    yp_record_set_string (change, "done_on", today);
  else if (g_str_equal (status, "current"))
    {
      if (yp_record_is_null (stage, "started_on"))
        yp_record_set_string (change, "started_on", today);
      yp_record_set_null (change, "done_on");
    }
  else
    yp_record_set_null (change, "done_on");
  return yp_store_update (store, change, error);
}

gboolean
yp_stages_advance (YpStore     *store,
                   const char  *client_id,
                   GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *today = yp_today_iso ();
  int current = -1, next = -1;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);
  g_return_val_if_fail (client_id != NULL, FALSE);

  if ((rows = yp_stages_ensure (store, client_id, NULL, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (yp_record_get_string (rows->pdata[i], "status"), "current") == 0)
      current = (int) i;
  for (guint i = current < 0 ? 0 : (guint) current + 1; i < rows->len && next < 0; i++)
    if (g_strcmp0 (yp_record_get_string (rows->pdata[i], "status"), "upcoming") == 0)
      next = (int) i;
  if (current < 0 && next < 0)
    {
      g_set_error (error, YP_STORE_ERROR, YP_STORE_ERROR_FAILED,
                   _("Every phase is already done or skipped."));
      return FALSE;
    }
  /* Each write is its own transaction and its own outbox entry; the next phase is made
   * current first, so a crash in between leaves two current phases, never none. */
  if (next >= 0 && !update_stage (store, rows->pdata[next], "current", today, error))
    return FALSE;
  if (current >= 0 && !update_stage (store, rows->pdata[current], "done", today, error))
    return FALSE;
  return set_client_stage (store, client_id,
                           yp_record_get_int (rows->pdata[next >= 0 ? next : current],
                                              "position"),
                           error);
}

gboolean
yp_stages_set_status (YpStore     *store,
                      const char  *stage_id,
                      const char  *status,
                      GError     **error)
{
  g_autoptr(YpRecord) stage = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *today = yp_today_iso ();
  const char *client_id;
  gint64 position;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);
  g_return_val_if_fail (stage_id != NULL && status != NULL, FALSE);

  if ((stage = yp_store_get (store, yp_schema_lookup ("stage"), stage_id, error)) == NULL)
    return FALSE;
  if (g_strcmp0 (yp_record_get_string (stage, "status"), status) == 0)
    return TRUE;
  client_id = yp_record_get_client_id (stage);
  position = yp_record_get_int (stage, "position");
  if (!update_stage (store, stage, status, today, error))
    return FALSE;
  if (!g_str_equal (status, "current"))
    {
      /* The client's stage number names the current phase; without one it stays. */
      return TRUE;
    }
  if ((rows = yp_stages_list (store, client_id, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      YpRecord *other = rows->pdata[i];

      if (g_str_equal (yp_record_get_id (other), stage_id) ||
          g_strcmp0 (yp_record_get_string (other, "status"), "current") != 0)
        continue;
      if (!update_stage (store, other,
                         yp_record_get_int (other, "position") < position ? "done" : "upcoming",
                         today, error))
        return FALSE;
    }
  return set_client_stage (store, client_id, position, error);
}

gboolean
yp_stages_set_note (YpStore     *store,
                    const char  *stage_id,
                    const char  *note,
                    GError     **error)
{
  g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("stage"));

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);
  g_return_val_if_fail (stage_id != NULL, FALSE);

  yp_record_set_string (change, "id", stage_id);
  if (note == NULL || *note == '\0')
    yp_record_set_null (change, "note");
  else
    yp_record_set_string (change, "note", note);
  return yp_store_update (store, change, error);
}
