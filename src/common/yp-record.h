/* yp-record.h — one row of any entity, its JSON form and its validation. */
#pragma once

#include <json-glib/json-glib.h>

#include "yp-schema.h"

G_BEGIN_DECLS

#define YP_VALIDATION_ERROR (yp_validation_error_quark ())

/* Stable codes: they go over the wire as strings (see yp_validation_error_code_name). */
typedef enum
{
  YP_VALIDATION_ERROR_REQUIRED,      /* "required" */
  YP_VALIDATION_ERROR_TYPE,          /* "wrong_type" */
  YP_VALIDATION_ERROR_ENUM,          /* "not_allowed" */
  YP_VALIDATION_ERROR_TOO_LONG,      /* "too_long" */
  YP_VALIDATION_ERROR_RANGE,         /* "out_of_range" */
  YP_VALIDATION_ERROR_FORMAT,        /* "bad_format" */
  YP_VALIDATION_ERROR_UNKNOWN_FIELD, /* "unknown_field" */
  YP_VALIDATION_ERROR_MALFORMED,     /* "malformed" */
} YpValidationError;

GQuark      yp_validation_error_quark     (void);
const char *yp_validation_error_code_name (YpValidationError code);

typedef struct _YpRecord YpRecord;

#define YP_TYPE_RECORD (yp_record_get_type ())
GType           yp_record_get_type     (void) G_GNUC_CONST;

YpRecord       *yp_record_new          (const YpEntity *entity);
YpRecord       *yp_record_ref          (YpRecord *record);
void            yp_record_unref        (YpRecord *record);
YpRecord       *yp_record_copy         (const YpRecord *record);
const YpEntity *yp_record_get_entity   (const YpRecord *record);

/* A field is "set" once any setter ran on it; an unset field is left alone by an update. */
gboolean        yp_record_is_set       (const YpRecord *record, const char *field);
gboolean        yp_record_is_null      (const YpRecord *record, const char *field);
void            yp_record_unset        (YpRecord *record, const char *field);
void            yp_record_set_null     (YpRecord *record, const char *field);
/* For TEXT, DATE, DATETIME, ENUM and UUID. NULL stores null. */
void            yp_record_set_string   (YpRecord *record, const char *field, const char *value);
/* For INT and BOOL. */
void            yp_record_set_int      (YpRecord *record, const char *field, gint64 value);
/* The same by the field's index in the entity (yp_entity_field_index); a text is @length
 * bytes (no NUL among them). */
void            yp_record_set_null_at  (YpRecord *record, guint index);
void            yp_record_set_string_at (YpRecord   *record,
                                         guint       index,
                                         const char *value,
                                         gsize       length);
void            yp_record_set_int_at   (YpRecord *record, guint index, gint64 value);
const char     *yp_record_get_string   (const YpRecord *record, const char *field);
gint64          yp_record_get_int      (const YpRecord *record, const char *field);
/* The value as text whatever the type ("" for null): for diffs, logs and the outbox. */
char           *yp_record_dup_text     (const YpRecord *record, const char *field);
/* Sets a field from text, parsing INT/BOOL; FALSE with an error if it does not parse. */
gboolean        yp_record_set_from_text (YpRecord   *record,
                                         const char *field,
                                         const char *text,
                                         GError    **error);
gboolean        yp_record_field_equal  (const YpRecord *a, const YpRecord *b, const char *field);

/* Shorthands for the sync columns. */
const char     *yp_record_get_id       (const YpRecord *record);
const char     *yp_record_get_client_id (const YpRecord *record);

/* Validation of one field (for inline messages) and of the whole record. The message is
 * translated and names the field in plain words. */
gboolean        yp_record_validate_field (const YpRecord *record,
                                          const char     *field,
                                          GError        **error);
gboolean        yp_record_validate     (const YpRecord *record, GError **error);

/* JSON wire form: an object with the set fields only; ints as numbers, bools as booleans,
 * null as null. from_json rejects unknown fields, wrong types and malformed values. */
JsonNode       *yp_record_to_json      (const YpRecord *record);
YpRecord       *yp_record_from_json    (const YpEntity *entity,
                                        JsonNode       *node,
                                        GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (YpRecord, yp_record_unref)

/* The plain-language, translated name of a field ("Phone number" for phone), or @name
 * itself when it has none. */
const char *yp_field_label (const char *name);

G_END_DECLS
