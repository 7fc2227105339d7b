/* yp-record.c — one row of any entity, its JSON form and its validation. */
#define G_LOG_DOMAIN "yp-record"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "yp-record.h"
#include "yp-util.h"

typedef enum { VALUE_UNSET, VALUE_NULL, VALUE_SET } ValueState;

typedef struct
{
  ValueState state;
  char      *s;
  gsize      cap;  /* bytes allocated for s when the *_at setters may reuse it, else 0 */
  gint64     i;
} Value;

struct _YpRecord
{
  gatomicrefcount  ref_count;
  const YpEntity  *entity;
  Value           *values;
};

G_DEFINE_BOXED_TYPE (YpRecord, yp_record, yp_record_ref, yp_record_unref)
G_DEFINE_QUARK (yp-validation-error-quark, yp_validation_error)

const char *
yp_validation_error_code_name (YpValidationError code)
{
  switch (code)
    {
    case YP_VALIDATION_ERROR_REQUIRED: return "required";
    case YP_VALIDATION_ERROR_TYPE: return "wrong_type";
    case YP_VALIDATION_ERROR_ENUM: return "not_allowed";
    case YP_VALIDATION_ERROR_TOO_LONG: return "too_long";
    case YP_VALIDATION_ERROR_RANGE: return "out_of_range";
    case YP_VALIDATION_ERROR_FORMAT: return "bad_format";
    case YP_VALIDATION_ERROR_UNKNOWN_FIELD: return "unknown_field";
    case YP_VALIDATION_ERROR_MALFORMED: return "malformed";
    default: return "invalid";
    }
}

/* Plain-language names of fields for messages a nurse reads. */
const char *
yp_field_label (const char *name)
{
  static const struct { const char *name; const char *label; } labels[] = {
    { "first_name", N_("First name") },
    { "last_name", N_("Last name") },
    { "birth_date", N_("Birth date") },
    { "phone", N_("Phone number") },
    { "address", N_("Address") },
    { "language", N_("Preferred language") },
    { "responsible_id", N_("Responsible worker") },
    { "status", N_("Status") },
    { "notes", N_("Notes") },
    { "name", N_("Name") },
    { "title", N_("Title") },
    { "email", N_("Email") },
    { "sector", N_("Sector") },
    { "organization_id", N_("Organisation") },
    { "next_follow_up", N_("Next follow-up") },
    { "review_due", N_("Next review") },
    { "body", N_("Message") },
    { "text", N_("Text") },
    { "due_on", N_("Date") },
    { "end_summary", N_("Closing summary") },
    { "ended_on", N_("End date") },
    { "reason", N_("Reason") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (labels[i].name, name))
      return _(labels[i].label);
  return name;
}

YpRecord *
yp_record_new (const YpEntity *entity)
{
  YpRecord *self;

  g_return_val_if_fail (entity != NULL, NULL);

  self = g_new0 (YpRecord, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->entity = entity;
  self->values = g_new0 (Value, entity->n_fields);
  return self;
}

YpRecord *
yp_record_ref (YpRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
yp_record_unref (YpRecord *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  for (guint i = 0; i < self->entity->n_fields; i++)
    g_free (self->values[i].s);
  g_free (self->values);
  g_free (self);
}

YpRecord *
yp_record_copy (const YpRecord *self)
{
  YpRecord *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = yp_record_new (self->entity);
  for (guint i = 0; i < self->entity->n_fields; i++)
    {
      copy->values[i] = self->values[i];
      copy->values[i].s = g_strdup (self->values[i].s);
      copy->values[i].cap = 0;
    }
  return copy;
}

const YpEntity *
yp_record_get_entity (const YpRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->entity;
}

static Value *
lookup (const YpRecord *self,
        const char     *field,
        const YpField **out_field)
{
  int i = yp_entity_field_index (self->entity, field);

  if (i < 0)
    {
      g_critical ("Entity %s has no field %s", self->entity->name, field);
      return NULL;
    }
  if (out_field)
    *out_field = &self->entity->fields[i];
  return &self->values[i];
}

static gboolean
is_int_type (YpFieldType type)
{
  return type == YP_FIELD_INT || type == YP_FIELD_BOOL;
}

gboolean
yp_record_is_set (const YpRecord *self,
                  const char     *field)
{
  Value *v;

  g_return_val_if_fail (self != NULL, FALSE);
  v = lookup (self, field, NULL);
  return v != NULL && v->state != VALUE_UNSET;
}

gboolean
yp_record_is_null (const YpRecord *self,
                   const char     *field)
{
  Value *v;

  g_return_val_if_fail (self != NULL, TRUE);
  v = lookup (self, field, NULL);
  return v == NULL || v->state != VALUE_SET;
}

void
yp_record_unset (YpRecord   *self,
                 const char *field)
{
  Value *v;

  g_return_if_fail (self != NULL);
  if ((v = lookup (self, field, NULL)) == NULL)
    return;
  g_clear_pointer (&v->s, g_free);
  v->cap = 0;
  v->i = 0;
  v->state = VALUE_UNSET;
}

void
yp_record_set_null (YpRecord   *self,
                    const char *field)
{
  Value *v;

  g_return_if_fail (self != NULL);
  if ((v = lookup (self, field, NULL)) == NULL)
    return;
  g_clear_pointer (&v->s, g_free);
  v->cap = 0;
  v->i = 0;
  v->state = VALUE_NULL;
}

void
yp_record_set_string (YpRecord   *self,
                      const char *field,
                      const char *value)
{
  const YpField *f = NULL;
  Value *v;

  g_return_if_fail (self != NULL);
  if ((v = lookup (self, field, &f)) == NULL)
    return;
  g_return_if_fail (!is_int_type (f->type));
  if (value == NULL)
    {
      yp_record_set_null (self, field);
      return;
    }
  g_free (v->s);
  v->s = g_strdup (value);
  v->cap = 0;
  v->state = VALUE_SET;
}

void
yp_record_set_int (YpRecord   *self,
                   const char *field,
                   gint64      value)
{
  const YpField *f = NULL;
  Value *v;

  g_return_if_fail (self != NULL);
  if ((v = lookup (self, field, &f)) == NULL)
    return;
  g_return_if_fail (is_int_type (f->type));
  v->i = value;
  v->state = VALUE_SET;
}

/* By field index, for filling one record row after row (the snapshot's validation): no name
 * lookup, and a text's buffer is reused when it is large enough. */
void
yp_record_set_null_at (YpRecord *self,
                       guint     index)
{
  Value *v;

  g_return_if_fail (self != NULL && index < self->entity->n_fields);
  v = &self->values[index];
  v->state = VALUE_NULL;
  v->i = 0;
  if (v->s != NULL)
    v->s[0] = '\0';
}

void
yp_record_set_string_at (YpRecord   *self,
                         guint       index,
                         const char *value,
                         gsize       length)
{
  Value *v;

  g_return_if_fail (self != NULL && index < self->entity->n_fields);
  g_return_if_fail (!is_int_type (self->entity->fields[index].type));
  g_return_if_fail (value != NULL);
  v = &self->values[index];
  if (v->s == NULL || v->cap < length + 1)
    {
      g_free (v->s);
      v->cap = MAX (length + 1, 64);
      v->s = g_malloc (v->cap);
    }
  memcpy (v->s, value, length);
  v->s[length] = '\0';
  v->state = VALUE_SET;
}

void
yp_record_set_int_at (YpRecord *self,
                      guint     index,
                      gint64    value)
{
  g_return_if_fail (self != NULL && index < self->entity->n_fields);
  g_return_if_fail (is_int_type (self->entity->fields[index].type));
  self->values[index].i = value;
  self->values[index].state = VALUE_SET;
}

const char *
yp_record_get_string (const YpRecord *self,
                      const char     *field)
{
  Value *v;

  g_return_val_if_fail (self != NULL, NULL);
  v = lookup (self, field, NULL);
  return (v && v->state == VALUE_SET) ? v->s : NULL;
}

gint64
yp_record_get_int (const YpRecord *self,
                   const char     *field)
{
  Value *v;

  g_return_val_if_fail (self != NULL, 0);
  v = lookup (self, field, NULL);
  return (v && v->state == VALUE_SET) ? v->i : 0;
}

char *
yp_record_dup_text (const YpRecord *self,
                    const char     *field)
{
  const YpField *f = NULL;
  Value *v;

  g_return_val_if_fail (self != NULL, NULL);
  if ((v = lookup (self, field, &f)) == NULL || v->state != VALUE_SET)
    return g_strdup ("");
  if (is_int_type (f->type))
    return g_strdup_printf ("%" G_GINT64_FORMAT, v->i);
  return g_strdup (v->s);
}

gboolean
yp_record_set_from_text (YpRecord   *self,
                         const char *field,
                         const char *text,
                         GError    **error)
{
  const YpField *f = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  if (lookup (self, field, &f) == NULL)
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_UNKNOWN_FIELD,
                   _("Unknown field “%s”."), field);
      return FALSE;
    }
  if (text == NULL)
    {
      yp_record_set_null (self, field);
      return TRUE;
    }
  if (is_int_type (f->type))
    {
      gint64 n;

      if (*text == '\0')
        {
          yp_record_set_null (self, field);
          return TRUE;
        }
      if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &n, NULL))
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_TYPE,
                       _("%s must be a whole number."), yp_field_label (field));
          return FALSE;
        }
      yp_record_set_int (self, field, n);
      return TRUE;
    }
  yp_record_set_string (self, field, text);
  return TRUE;
}

gboolean
yp_record_field_equal (const YpRecord *a,
                       const YpRecord *b,
                       const char     *field)
{
  Value *va, *vb;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  g_return_val_if_fail (a->entity == b->entity, FALSE);
  va = lookup (a, field, NULL);
  vb = lookup (b, field, NULL);
  if (va == NULL || vb == NULL)
    return FALSE;
  if ((va->state == VALUE_SET) != (vb->state == VALUE_SET))
    return FALSE;
  if (va->state != VALUE_SET)
    return TRUE;
  return va->i == vb->i && g_strcmp0 (va->s, vb->s) == 0;
}

const char *
yp_record_get_id (const YpRecord *self)
{
  return yp_record_get_string (self, "id");
}

const char *
yp_record_get_client_id (const YpRecord *self)
{
  return yp_record_get_string (self, "client_id");
}

static gboolean
is_blank (const char *s)
{
  for (const char *p = s; *p; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;
  return TRUE;
}

static gboolean
is_phone_like (const char *s)
{
  guint digits = 0;

  for (const char *p = s; *p; p++)
    {
      if (g_ascii_isdigit (*p))
        digits++;
      else if (!strchr ("+- ()", *p))
        return FALSE;
    }
  return digits >= 5;
}

static gboolean
is_hex64 (const char *s)
{
  guint n = 0;

  for (const char *p = s; *p; p++, n++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return n == 64;
}

static gboolean
validate_value (const YpEntity *entity,
                const YpField  *f,
                const Value    *v,
                gboolean        check_required,
                GError        **error)
{
  /* The plain-words name (yp_field_label) is looked up and translated only for a message:
   * validation runs over every field of every row of a first sync. */
  const char *end = NULL;

  if (f->flags & YP_FIELD_FLAG_LOCAL)
    return TRUE;

  if (v->state != VALUE_SET || (v->s != NULL && is_blank (v->s)))
    {
      if (check_required && (f->flags & YP_FIELD_FLAG_REQUIRED))
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_REQUIRED,
                       _("%s is required."), yp_field_label (f->name));
          return FALSE;
        }
      return TRUE;
    }

  switch (f->type)
    {
    case YP_FIELD_TEXT:
      if (!g_utf8_validate (v->s, -1, &end))
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_MALFORMED,
                       _("%s is not valid text."), yp_field_label (f->name));
          return FALSE;
        }
      /* No more characters than bytes: only a long text needs counting. */
      if (f->max_length > 0 && (gsize) (end - v->s) > f->max_length
          && g_utf8_strlen (v->s, -1) > f->max_length)
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_TOO_LONG,
                       _("%s is too long: at most %u characters."), yp_field_label (f->name),
                       f->max_length);
          return FALSE;
        }
      if (g_str_equal (f->name, "phone") && !is_phone_like (v->s))
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT,
                       _("%s may contain only digits, spaces, + and -, and at least 5 digits."),
                       yp_field_label (f->name));
          return FALSE;
        }
      if (g_str_equal (f->name, "email") && strchr (v->s, '@') == NULL)
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT,
                       _("%s must be an email address, such as name@example.fi."),
                       yp_field_label (f->name));
          return FALSE;
        }
      if (g_str_equal (f->name, "sha256") && !is_hex64 (v->s))
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT,
                       _("%s must be 64 lower-case hexadecimal digits."), f->name);
          return FALSE;
        }
      break;

    case YP_FIELD_INT:
      if (f->min < f->max && (v->i < f->min || v->i > f->max))
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_RANGE,
                       _("%s must be between %lld and %lld."),
                       yp_field_label (f->name), (long long) f->min, (long long) f->max);
          return FALSE;
        }
      break;

    case YP_FIELD_BOOL:
      if (v->i != 0 && v->i != 1)
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_TYPE,
                       _("%s must be true or false."), yp_field_label (f->name));
          return FALSE;
        }
      break;

    case YP_FIELD_DATE:
      if (!yp_date_is_valid (v->s))
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT,
                       _("%s is not a valid date. Write it as 23.11.1950."),
                       yp_field_label (f->name));
          return FALSE;
        }
      if (g_str_equal (f->name, "birth_date"))
        {
          g_autofree char *today = yp_today_iso ();

          if (strcmp (v->s, today) > 0)
            {
              g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_RANGE,
                           _("%s cannot be in the future."), yp_field_label (f->name));
              return FALSE;
            }
          if (strcmp (v->s, "1880-01-01") < 0)
            {
              g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_RANGE,
                           _("%s is too far in the past."), yp_field_label (f->name));
              return FALSE;
            }
        }
      break;

    case YP_FIELD_DATETIME:
      if (!yp_datetime_is_valid (v->s))
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT,
                       _("%s is not a valid date and time."), yp_field_label (f->name));
          return FALSE;
        }
      break;

    case YP_FIELD_UUID:
      if (!yp_uuid_is_valid (v->s))
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT,
                       _("%s is not a valid identifier."), yp_field_label (f->name));
          return FALSE;
        }
      break;

    case YP_FIELD_ENUM:
      if (!g_strv_contains ((const char * const *) f->enum_values, v->s))
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_ENUM,
                       _("%s has a value that is not allowed: “%s”."),
                       yp_field_label (f->name), v->s);
          return FALSE;
        }
      break;

    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

gboolean
yp_record_validate_field (const YpRecord *self,
                          const char     *field,
                          GError        **error)
{
  const YpField *f = NULL;
  Value *v;

  g_return_val_if_fail (self != NULL, FALSE);
  if ((v = lookup (self, field, &f)) == NULL)
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_UNKNOWN_FIELD,
                   _("Unknown field “%s”."), field);
      return FALSE;
    }
  return validate_value (self->entity, f, v, TRUE, error);
}

gboolean
yp_record_validate (const YpRecord *self,
                    GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < self->entity->n_fields; i++)
    if (!validate_value (self->entity, &self->entity->fields[i], &self->values[i], TRUE, error))
      return FALSE;
  return TRUE;
}

JsonNode *
yp_record_to_json (const YpRecord *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  for (guint i = 0; i < self->entity->n_fields; i++)
    {
      const YpField *f = &self->entity->fields[i];
      const Value *v = &self->values[i];

      if (v->state == VALUE_UNSET || (f->flags & YP_FIELD_FLAG_LOCAL))
        continue;
      json_builder_set_member_name (builder, f->name);
      if (v->state == VALUE_NULL)
        json_builder_add_null_value (builder);
      else if (f->type == YP_FIELD_INT)
        json_builder_add_int_value (builder, v->i);
      else if (f->type == YP_FIELD_BOOL)
        json_builder_add_boolean_value (builder, v->i != 0);
      else
        json_builder_add_string_value (builder, v->s);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

YpRecord *
yp_record_from_json (const YpEntity *entity,
                     JsonNode       *node,
                     GError        **error)
{
  g_autoptr(YpRecord) record = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *object;

  g_return_val_if_fail (entity != NULL, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_MALFORMED,
                   _("A %s record must be a JSON object."), entity->name);
      return NULL;
    }
  object = json_node_get_object (node);
  record = yp_record_new (entity);
  members = json_object_get_members (object);
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      JsonNode *member = json_object_get_member (object, name);
      int index = yp_entity_field_index (entity, name);
      const YpField *f;

      if (index < 0 || (entity->fields[index].flags & YP_FIELD_FLAG_LOCAL))
        {
          g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_UNKNOWN_FIELD,
                       _("A %s record has no field “%s”."), entity->name, name);
          return NULL;
        }
      f = &entity->fields[index];
      if (JSON_NODE_HOLDS_NULL (member))
        {
          yp_record_set_null (record, name);
          continue;
        }
      if (!JSON_NODE_HOLDS_VALUE (member))
        goto wrong_type;
      switch (f->type)
        {
        case YP_FIELD_INT:
          if (json_node_get_value_type (member) != G_TYPE_INT64)
            goto wrong_type;
          yp_record_set_int (record, name, json_node_get_int (member));
          break;
        case YP_FIELD_BOOL:
          if (json_node_get_value_type (member) != G_TYPE_BOOLEAN)
            goto wrong_type;
          yp_record_set_int (record, name, json_node_get_boolean (member) ? 1 : 0);
          break;
        default:
          if (json_node_get_value_type (member) != G_TYPE_STRING)
            goto wrong_type;
          yp_record_set_string (record, name, json_node_get_string (member));
          break;
        }
      if (!validate_value (entity, f, &record->values[index], FALSE, error))
        return NULL;
      continue;

    wrong_type:
      g_set_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_TYPE,
                   _("Field “%s” of a %s record must be of type %s."),
                   name, entity->name, yp_field_type_name (f->type));
      return NULL;
    }
  return g_steal_pointer (&record);
}
