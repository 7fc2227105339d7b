/* yp-schema.h — every synced entity, described once.
 *
 * The local store (CREATE TABLE and migrations), the server store, the JSON wire format and
 * validation are all driven by these tables, so adding a field is one edit here.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The schema version the description below corresponds to. Fields and entities carry the
 * version they were added in ("since"), which is what migrations are made from. */
#define YP_SCHEMA_VERSION 4

typedef enum
{
  YP_FIELD_TEXT,
  YP_FIELD_INT,
  YP_FIELD_BOOL,
  YP_FIELD_DATE,      /* YYYY-MM-DD */
  YP_FIELD_DATETIME,  /* ISO 8601 UTC, YYYY-MM-DDTHH:MM:SSZ */
  YP_FIELD_ENUM,      /* one of enum_values */
  YP_FIELD_UUID,      /* lower-case RFC 4122 string */
} YpFieldType;

typedef enum
{
  YP_FIELD_FLAG_NONE     = 0,
  YP_FIELD_FLAG_REQUIRED = 1 << 0, /* must be present and non-empty */
  YP_FIELD_FLAG_SYNC     = 1 << 1, /* one of the sync columns every entity has */
  YP_FIELD_FLAG_SEARCH   = 1 << 2, /* indexed for search as you type */
  YP_FIELD_FLAG_LOCAL    = 1 << 3, /* kept on this device only, never sent */
} YpFieldFlags;

typedef enum
{
  YP_MERGE_FIELDS,      /* field-level three-way merge, conflicts shown to the user */
  YP_MERGE_APPEND_ONLY, /* never edited: a correction is a new record */
} YpMergeRule;

typedef struct
{
  const char          *name;
  YpFieldType          type;
  YpFieldFlags         flags;
  guint                max_length;   /* characters, 0 = no limit (TEXT) */
  gint64               min, max;     /* INT range when min < max */
  const char * const  *enum_values;  /* NULL-terminated, ENUM only */
  const char          *default_value;/* SQL/JSON default as text, or NULL */
  guint                since;        /* schema version that added it */
} YpField;

typedef struct
{
  const char    *name;       /* wire name, e.g. "client" */
  const char    *table;      /* SQL table, e.g. "clients" */
  YpMergeRule    merge;
  gboolean       client_scoped; /* FALSE for directory rows (client_id empty) */
  const YpField *fields;     /* sync columns first, then the entity's own */
  guint          n_fields;
  guint          since;
} YpEntity;

const YpEntity * const *yp_schema_get_entities (guint *n_entities);
/* Looks an entity up by wire name or table name. */
const YpEntity         *yp_schema_lookup       (const char *name);
const YpField          *yp_entity_get_field    (const YpEntity *entity,
                                                const char     *name);
int                     yp_entity_field_index  (const YpEntity *entity,
                                                const char     *name);
/* CREATE TABLE statement for the entity as of schema version @version. */
char                   *yp_entity_create_sql   (const YpEntity *entity,
                                                guint           version);
/* ALTER TABLE ... ADD COLUMN statement for a field added after its entity. */
char                   *yp_field_add_column_sql (const YpEntity *entity,
                                                 const YpField  *field);
const char             *yp_field_type_name     (YpFieldType type);

G_END_DECLS
