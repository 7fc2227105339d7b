/* Records: JSON form, validation with stable codes and readable messages, helpers. */
#include "config.h"

#include <string.h>

#include "yp-record.h"
#include "yp-util.h"

static YpRecord *
valid_client (void)
{
  YpRecord *r = yp_record_new (yp_schema_lookup ("client"));
  g_autofree char *id = yp_uuid_new ();

  yp_record_set_string (r, "id", id);
  yp_record_set_string (r, "client_id", id);
  yp_record_set_string (r, "first_name", "Aino");
  yp_record_set_string (r, "last_name", "Mäkinen");
  yp_record_set_string (r, "language", "fi");
  yp_record_set_string (r, "status", "active");
  return r;
}

static void
test_json_roundtrip (void)
{
  g_autoptr(YpRecord) r = valid_client ();
  g_autoptr(YpRecord) back = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  yp_record_set_int (r, "stage", 4);
  yp_record_set_int (r, "is_demo", 1);
  yp_record_set_null (r, "phone");
  yp_record_set_string (r, "notes", "Asuu yksin, tytär käy viikonloppuisin. \"Lainaus\" ✓");
  yp_record_set_string (r, "sort_name", "local only");

  node = yp_record_to_json (r);
  text = json_to_string (node, FALSE);
  g_assert_nonnull (strstr (text, "\"stage\":4"));
  g_assert_nonnull (strstr (text, "\"is_demo\":true"));
  g_assert_nonnull (strstr (text, "\"phone\":null"));
  g_assert_null (strstr (text, "sort_name"));
  g_assert_null (strstr (text, "birth_date")); /* unset fields are not sent */

  back = yp_record_from_json (yp_schema_lookup ("client"), node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (yp_record_get_string (back, "notes"), ==, yp_record_get_string (r, "notes"));
  g_assert_cmpint (yp_record_get_int (back, "stage"), ==, 4);
  g_assert_cmpint (yp_record_get_int (back, "is_demo"), ==, 1);
  g_assert_true (yp_record_is_set (back, "phone"));
  g_assert_true (yp_record_is_null (back, "phone"));
  g_assert_false (yp_record_is_set (back, "birth_date"));
}

static void
expect_json_error (const char        *json,
                   YpValidationError  code,
                   const char        *message_part)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) r = NULL;

  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  r = yp_record_from_json (yp_schema_lookup ("client"), json_parser_get_root (parser), &error);
  g_assert_null (r);
  g_assert_error (error, YP_VALIDATION_ERROR, (int) code);
  if (message_part)
    g_assert_nonnull (strstr (error->message, message_part));
}

static void
test_json_rejects (void)
{
  expect_json_error ("[1,2]", YP_VALIDATION_ERROR_MALFORMED, NULL);
  expect_json_error ("{\"shoe_size\": 42}", YP_VALIDATION_ERROR_UNKNOWN_FIELD, "shoe_size");
  expect_json_error ("{\"sort_name\": \"x\"}", YP_VALIDATION_ERROR_UNKNOWN_FIELD, "sort_name");
  expect_json_error ("{\"stage\": \"4\"}", YP_VALIDATION_ERROR_TYPE, "stage");
  expect_json_error ("{\"stage\": 4.5}", YP_VALIDATION_ERROR_TYPE, "stage");
  expect_json_error ("{\"is_demo\": 1}", YP_VALIDATION_ERROR_TYPE, "is_demo");
  expect_json_error ("{\"first_name\": {\"a\": 1}}", YP_VALIDATION_ERROR_TYPE, "first_name");
  expect_json_error ("{\"language\": \"de\"}", YP_VALIDATION_ERROR_ENUM, "de");
  expect_json_error ("{\"stage\": 9}", YP_VALIDATION_ERROR_RANGE, NULL);
  expect_json_error ("{\"birth_date\": \"1950-02-30\"}", YP_VALIDATION_ERROR_FORMAT, NULL);
  expect_json_error ("{\"id\": \"6F1A3D1E-0000-4000-8000-000000000000\"}",
                     YP_VALIDATION_ERROR_FORMAT, NULL);
  expect_json_error ("{\"updated_at\": \"yesterday\"}", YP_VALIDATION_ERROR_FORMAT, NULL);
}

static void
test_validation_messages (void)
{
  g_autoptr(YpRecord) r = valid_client ();
  g_autoptr(GError) error = NULL;
  g_autofree char *long_name = g_strnfill (101, 'a');

  g_assert_true (yp_record_validate (r, &error));
  g_assert_no_error (error);

  yp_record_set_string (r, "first_name", "   ");
  g_assert_false (yp_record_validate_field (r, "first_name", &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_REQUIRED);
  g_assert_cmpstr (error->message, ==, "First name is required.");
  g_clear_error (&error);

  yp_record_set_string (r, "first_name", long_name);
  g_assert_false (yp_record_validate (r, &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_TOO_LONG);
  g_assert_nonnull (strstr (error->message, "100"));
  g_clear_error (&error);
  /* Characters, not bytes: 100 × ä is 200 bytes and still fine. */
  {
    GString *s = g_string_new (NULL);
    for (int i = 0; i < 100; i++)
      g_string_append (s, "ä");
    yp_record_set_string (r, "first_name", s->str);
    g_string_free (s, TRUE);
  }
  g_assert_true (yp_record_validate_field (r, "first_name", NULL));

  yp_record_set_string (r, "phone", "040-123 4567");
  g_assert_true (yp_record_validate_field (r, "phone", NULL));
  yp_record_set_string (r, "phone", "call me");
  g_assert_false (yp_record_validate_field (r, "phone", &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "Phone number"));
  g_clear_error (&error);

  yp_record_set_string (r, "birth_date", "2999-01-01");
  g_assert_false (yp_record_validate_field (r, "birth_date", &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_RANGE);
  g_assert_cmpstr (error->message, ==, "Birth date cannot be in the future.");
  g_clear_error (&error);

  g_assert_cmpstr (yp_validation_error_code_name (YP_VALIDATION_ERROR_REQUIRED), ==, "required");
  g_assert_cmpstr (yp_validation_error_code_name (YP_VALIDATION_ERROR_TOO_LONG), ==, "too_long");
}

static void
test_text_helpers (void)
{
  g_autoptr(YpRecord) r = valid_client ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (yp_record_set_from_text (r, "stage", "3", &error));
  g_assert_cmpint (yp_record_get_int (r, "stage"), ==, 3);
  g_assert_false (yp_record_set_from_text (r, "stage", "kolme", &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_TYPE);
  g_assert_cmpint (yp_record_get_int (r, "stage"), ==, 3);
  text = yp_record_dup_text (r, "stage");
  g_assert_cmpstr (text, ==, "3");
}

static void
test_dates_and_sorting (void)
{
  g_autofree char *a = yp_date_parse_user ("23.11.1950");
  g_autofree char *b = yp_date_parse_user (" 1950-11-23 ");
  g_autofree char *c = yp_date_parse_user ("31.2.2020");
  g_autofree char *d = yp_date_parse_user ("23.11.");
  g_autofree char *fi = yp_date_format_fi ("2026-11-03");
  g_autofree char *k1 = yp_fold_for_sort ("Zetterberg Anna");
  g_autofree char *k2 = yp_fold_for_sort ("Åkerlund Bo");
  g_autofree char *k3 = yp_fold_for_sort ("Ärling Eva");
  g_autofree char *k4 = yp_fold_for_sort ("Öhman Olli");
  g_autofree char *k5 = yp_fold_for_sort ("ahonen  aino");
  g_autofree char *k6 = yp_fold_for_sort ("Ahonen Aino");

  g_assert_cmpstr (a, ==, "1950-11-23");
  g_assert_cmpstr (b, ==, "1950-11-23");
  g_assert_null (c);
  g_assert_null (d);
  g_assert_cmpstr (fi, ==, "3.11.2026");
  /* Finnish and Swedish order: z < å < ä < ö. */
  g_assert_cmpint (strcmp (k1, k2), <, 0);
  g_assert_cmpint (strcmp (k2, k3), <, 0);
  g_assert_cmpint (strcmp (k3, k4), <, 0);
  g_assert_cmpstr (k5, ==, k6);
  g_assert_true (yp_uuid_is_valid ("6f1a3d1e-0000-4000-8000-000000000000"));
  g_assert_false (yp_uuid_is_valid ("6f1a3d1e"));
}

/* yp_datetime_is_valid answers YYYY-MM-DDTHH:MM:SSZ without GLib: it must agree with what it
 * was before, GLib's parser behind a length and "T" check, on every such value, in the
 * calendar or not (30 February, 24:00, leap years), and on other forms. */
static gboolean
glib_takes (const char *text)
{
  g_autoptr(GDateTime) dt = NULL;

  if (strlen (text) < 20 || text[10] != 'T')
    return FALSE;
  dt = g_date_time_new_from_iso8601 (text, NULL);
  return dt != NULL;
}

static void
test_datetime_fast_path (void)
{
  static const int years[] = { 1, 1900, 2000, 2023, 2024, 2100, 9999 };
  static const char * const times[] = { "00:00:00", "23:59:59", "12:30:45", "24:00:00",
                                        "23:60:00", "23:59:60", "99:99:99" };
  static const char * const others[] = {
    "2026-11-24T10:00:00+02:00", "2026-11-24T10:00:00.5Z", "2026-11-24 10:00:00Z",
    "2026-11-24T10:00:00z", "0000-01-01T00:00:00Z", "2026-1-24T10:00:00Z", "2026-11-24T10:00:00",
    "2026-11-24T10:00Z", "２026-11-24T10:00:00Z", "2026-11-24T1a:00:00Z",
  };

  for (guint y = 0; y < G_N_ELEMENTS (years); y++)
    for (int m = 0; m <= 13; m++)
      for (int d = 0; d <= 32; d++)
        for (guint t = 0; t < G_N_ELEMENTS (times); t++)
          {
            g_autofree char *text = g_strdup_printf ("%04d-%02d-%02dT%sZ", years[y], m, d,
                                                     times[t]);

            if (yp_datetime_is_valid (text) != glib_takes (text))
              g_error ("%s: %d", text, yp_datetime_is_valid (text));
          }
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    g_assert_cmpint (yp_datetime_is_valid (others[i]), ==, glib_takes (others[i]));
  g_assert_false (yp_datetime_is_valid ("2026-02-30T10:00:00Z"));
  g_assert_true (yp_datetime_is_valid ("2024-02-29T10:00:00Z"));
  g_assert_false (yp_date_is_valid ("2026-02-30"));
  g_assert_true (yp_date_is_valid ("2024-02-29"));
  g_assert_false (yp_date_is_valid ("2024-0a-29"));
}

/* yp_uuid_is_valid checks by hand what it used to ask GLib: g_uuid_string_is_valid and no
 * upper case. It must agree on random ids, on every position of one replaced by each ASCII
 * character and by a byte of a UTF-8 sequence, and on ids cut short or run long. */
static gboolean
glib_uuid_takes (const char *text)
{
  if (!g_uuid_string_is_valid (text))
    return FALSE;
  for (const char *p = text; *p; p++)
    if (g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

static void
test_uuid_fast_path (void)
{
  static const char * const others[] = {
    "", "6f1a3d1e", "6f1a3d1e-0000-4000-8000-000000000000 ", " 6f1a3d1e-0000-4000-8000-000000000000",
    "6f1a3d1e00000-4000-8000-000000000000", "{6f1a3d1e-0000-4000-8000-000000000000}",
    "6F1A3D1E-0000-4000-8000-000000000000", "6f1a3d1e-0000-4000-8000-00000000000",
    "6f1a3d1e-0000-4000-8000-0000000000000", "6f1a3d1e-0000-4000-8000-00000000000\xc3\xa4",
  };
  char text[38];

  for (guint n = 0; n < 50; n++)
    {
      g_autofree char *id = g_uuid_string_random ();

      g_assert_true (yp_uuid_is_valid (id));
      g_assert_true (glib_uuid_takes (id));
    }
  for (guint pos = 0; pos < 36; pos++)
    for (int c = 1; c < 256; c++)
      {
        g_strlcpy (text, "6f1a3d1e-09af-4000-8000-000000000000", sizeof text);
        text[pos] = (char) c;
        if (yp_uuid_is_valid (text) != glib_uuid_takes (text))
          g_error ("%s (position %u): %d", text, pos, yp_uuid_is_valid (text));
      }
  for (guint len = 0; len <= 37; len++)
    {
      g_strlcpy (text, "6f1a3d1e-09af-4000-8000-0000000000001", sizeof text);
      text[len] = '\0';
      g_assert_cmpint (yp_uuid_is_valid (text), ==, glib_uuid_takes (text));
    }
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    g_assert_cmpint (yp_uuid_is_valid (others[i]), ==, glib_uuid_takes (others[i]));
  g_assert_false (yp_uuid_is_valid (NULL));
  g_assert_false (yp_uuid_is_valid ("6F1A3D1E-0000-4000-8000-000000000000"));
}

/* New ids are version 7: valid in our form, each later than the one before as text (also
 * from several threads at once, and never the same twice), and carrying the time they were
 * made. */
static gpointer
make_ids (gpointer data)
{
  GPtrArray *ids = data;

  for (guint i = 0; i < 2000; i++)
    g_ptr_array_add (ids, yp_uuid_new ());
  return NULL;
}

static void
test_uuid_time_ordered (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *per_thread[4];
  GThread *threads[4];
  gint64 before = g_get_real_time () / 1000, after;

  make_ids (ids);
  after = g_get_real_time () / 1000;
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = ids->pdata[i];
      g_autofree char *hex = g_strndup (id, 8);
      g_autofree char *ms_text = g_strconcat (hex, id + 9, NULL);
      gint64 ms;

      g_assert_true (yp_uuid_is_valid (id));
      g_assert_true (glib_uuid_takes (id));
      g_assert_cmpint (id[14], ==, '7');
      g_assert_nonnull (strchr ("89ab", id[19]));
      ms_text[12] = '\0';
      ms = (gint64) g_ascii_strtoull (ms_text, NULL, 16);
      g_assert_cmpint (ms, >=, before);
      /* Ids made faster than one a microsecond run ahead of the clock by a microsecond each
       * (the time never repeats): at most the 2 ms of these 2 000, and a few made before. */
      g_assert_cmpint (ms, <=, after + 1 + ids->len / 1000 + 2);
      if (i > 0)
        g_assert_cmpstr (ids->pdata[i - 1], <, id);
    }

  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    {
      per_thread[t] = g_ptr_array_new_with_free_func (g_free);
      threads[t] = g_thread_new ("ids", make_ids, per_thread[t]);
    }
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    {
      g_thread_join (threads[t]);
      for (guint i = 0; i < per_thread[t]->len; i++)
        {
          if (i > 0)
            g_assert_cmpstr (per_thread[t]->pdata[i - 1], <, per_thread[t]->pdata[i]);
          g_assert_true (g_hash_table_add (seen, per_thread[t]->pdata[i]));
        }
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 4 * 2000);
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_ptr_array_unref (per_thread[t]);
}

/* The setters by index fill a record as the setters by name do, reusing text buffers. */
static void
test_set_at (void)
{
  const YpEntity *entity = yp_schema_lookup ("client");
  g_autoptr(YpRecord) r = valid_client ();
  int first = yp_entity_field_index (entity, "first_name");
  int stage = yp_entity_field_index (entity, "stage");
  g_autoptr(GError) error = NULL;

  yp_record_set_string_at (r, (guint) first, "Helmixyz", 5);
  g_assert_cmpstr (yp_record_get_string (r, "first_name"), ==, "Helmi");
  yp_record_set_string_at (r, (guint) first, "Aino", 4);
  g_assert_cmpstr (yp_record_get_string (r, "first_name"), ==, "Aino");
  yp_record_set_int_at (r, (guint) stage, 9);
  g_assert_false (yp_record_validate (r, &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_RANGE);
  g_clear_error (&error);
  yp_record_set_null_at (r, (guint) stage);
  yp_record_set_null_at (r, (guint) first);
  g_assert_true (yp_record_is_null (r, "first_name"));
  g_assert_null (yp_record_get_string (r, "first_name"));
  g_assert_false (yp_record_validate (r, &error));
  g_assert_error (error, YP_VALIDATION_ERROR, YP_VALIDATION_ERROR_REQUIRED);
  g_clear_error (&error);
  yp_record_set_string_at (r, (guint) first, "Onni", 4);
  g_assert_true (yp_record_validate (r, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/record/json-roundtrip", test_json_roundtrip);
  g_test_add_func ("/record/json-rejects", test_json_rejects);
  g_test_add_func ("/record/validation", test_validation_messages);
  g_test_add_func ("/record/text", test_text_helpers);
  g_test_add_func ("/record/dates-sorting", test_dates_and_sorting);
  g_test_add_func ("/record/datetime-fast-path", test_datetime_fast_path);
  g_test_add_func ("/record/uuid-fast-path", test_uuid_fast_path);
  g_test_add_func ("/record/uuid-time-ordered", test_uuid_time_ordered);
  g_test_add_func ("/record/set-at", test_set_at);
  return g_test_run ();
}
