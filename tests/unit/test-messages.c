/* Messages, attachments and drafts on a real temporary store and real files: what is sent is
 * stored and durable, a file's content is kept once by its sha256, a too large file is refused
 * before anything is stored, a professional sees only what the client agreed to, and a draft
 * outlives the program. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "yp-messages.h"
#include "yp-test-util.h"
#include "yp-util.h"

typedef struct
{
  char    *dir;
  YpStore *store;
  char    *client_id;
  char    *files;     /* a folder for files to attach */
} Fixture;

/* Puts the signed-in professional's access to @client_id in the given state: updates every row
 * of mine (creating a client already makes me its owner) or inserts one. */
static void
set_my_access (YpStore    *store,
               const char *client_id,
               const char *state,
               const char *window,
               const char *from)
{
  const char *me = yp_store_get_me_id (store);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;

  rows = yp_store_list_for_client (store, yp_schema_lookup ("participant"), client_id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      YpRecord *p = rows->pdata[i];
      g_autoptr(YpRecord) change = NULL;

      if (g_strcmp0 (yp_record_get_string (p, "professional_id"), me) != 0)
        continue;
      found = TRUE;
      change = yp_record_new (yp_schema_lookup ("participant"));
      yp_record_set_string (change, "id", yp_record_get_id (p));
      yp_record_set_string (change, "state", state);
      yp_record_set_string (change, "history_window", window);
      yp_record_set_string (change, "history_from", from);
      g_assert_true (yp_store_update (store, change, &error));
      g_assert_no_error (error);
    }
  if (!found)
    {
      g_autoptr(YpRecord) p = yp_record_new (yp_schema_lookup ("participant"));

      yp_record_set_string (p, "client_id", client_id);
      yp_record_set_string (p, "professional_id", me);
      yp_record_set_string (p, "role", "owner");
      yp_record_set_string (p, "state", state);
      yp_record_set_string (p, "history_window", window);
      yp_record_set_string (p, "history_from", from);
      g_assert_true (yp_store_insert (store, p, &error));
      g_assert_no_error (error);
    }
}

/* Another professional in the directory, with a participant row in @state. */
static char *
add_other_participant (Fixture *f, const char *name, const char *state)
{
  g_autoptr(YpRecord) pro = yp_record_new (yp_schema_lookup ("professional"));
  g_autoptr(YpRecord) p = yp_record_new (yp_schema_lookup ("participant"));
  g_autoptr(GError) error = NULL;

  yp_record_set_string (pro, "name", name);
  g_assert_true (yp_store_insert (f->store, pro, &error));
  g_assert_no_error (error);
  yp_record_set_string (p, "client_id", f->client_id);
  yp_record_set_string (p, "professional_id", yp_record_get_id (pro));
  yp_record_set_string (p, "role", "member");
  yp_record_set_string (p, "state", state);
  yp_record_set_string (p, "history_window", "from_now");
  yp_record_set_string (p, "history_from", "2026-01-01T00:00:00Z");
  g_assert_true (yp_store_insert (f->store, p, &error));
  g_assert_no_error (error);
  return g_strdup (yp_record_get_id (pro));
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");
  g_autoptr(GError) error = NULL;

  f->store = yp_test_store_new (&f->dir);
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_no_error (error);
  g_assert_true (yp_store_insert (f->store, client, &error));
  g_assert_no_error (error);
  f->client_id = g_strdup (yp_record_get_id (client));
  set_my_access (f->store, f->client_id, "active", "everything", NULL);
  f->files = g_build_filename (f->dir, "files", NULL);
  g_assert_cmpint (g_mkdir (f->files, 0700), ==, 0);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->files);
  g_free (f->client_id);
}

static char *
sql (Fixture *f, const char *query)
{
  return yp_test_sql_text (yp_store_get_path (f->store), query);
}

static GFile *
write_file (Fixture *f, const char *name, const char *content)
{
  g_autofree char *path = g_build_filename (f->files, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, content, -1, &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static guint
count_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir && g_dir_read_name (dir))
    n++;
  return n;
}

static char *
blobs_dir (Fixture *f)
{
  return g_build_filename (f->dir, "blobs", NULL);
}

/* The visible items as "message:body" / "attachment:file_name", in order. */
static char *
visible (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = yp_messages_list_visible (f->store, f->client_id, &error);
  g_autoptr(GString) s = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_nonnull (items);
  for (guint i = 0; i < items->len; i++)
    {
      YpRecord *r = items->pdata[i];
      gboolean is_message = g_str_equal (yp_record_get_entity (r)->name, "message");

      g_string_append_printf (s, "%s%s:%s", s->len ? ", " : "",
                              yp_record_get_entity (r)->name,
                              yp_record_get_string (r, is_message ? "body" : "file_name"));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_send (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) message = NULL;
  g_autofree char *other = add_other_participant (f, "Pekka Laine", "active");
  g_autofree char *invited = add_other_participant (f, "Liisa Nieminen", "invited");
  g_autofree char *q = NULL, *body = NULL, *author = NULL, *shown = NULL;
  g_autofree char *n_notes = NULL, *recipient = NULL, *kind = NULL, *ref = NULL;
  g_autofree char *n_messages = NULL;

  message = yp_messages_send (f->store, f->client_id,
                              "  Kotikäynti sovittu torstaille klo 10.\n", &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  g_assert_cmpstr (yp_record_get_string (message, "author_id"), ==,
                   yp_store_get_me_id (f->store));
  g_assert_true (yp_datetime_is_valid (yp_record_get_string (message, "created_at")));

  /* On disk, read through another connection, as soon as the call returned. */
  q = g_strdup_printf ("SELECT body FROM messages WHERE id = '%s'", yp_record_get_id (message));
  body = sql (f, q);
  g_assert_cmpstr (body, ==, "Kotikäynti sovittu torstaille klo 10.");
  g_free (q);
  q = g_strdup_printf ("SELECT author_id FROM messages WHERE id = '%s'",
                       yp_record_get_id (message));
  author = sql (f, q);
  g_assert_cmpstr (author, ==, yp_store_get_me_id (f->store));
  shown = visible (f);
  g_assert_cmpstr (shown, ==, "message:Kotikäynti sovittu torstaille klo 10.");

  /* The one other active participant is notified; the invited one and I am not. */
  n_notes = sql (f, "SELECT count(*) FROM notifications WHERE kind = 'message'");
  g_assert_cmpstr (n_notes, ==, "1");
  recipient = sql (f, "SELECT recipient_id FROM notifications WHERE kind = 'message'");
  g_assert_cmpstr (recipient, ==, other);
  kind = sql (f, "SELECT recipient_kind FROM notifications WHERE kind = 'message'");
  g_assert_cmpstr (kind, ==, "professional");
  ref = sql (f, "SELECT ref_id FROM notifications WHERE kind = 'message'");
  g_assert_cmpstr (ref, ==, yp_record_get_id (message));
  g_assert_cmpstr (invited, !=, recipient);

  /* Blank or too long: refused with a clear message, nothing stored. */
  g_clear_pointer (&message, yp_record_unref);
  g_assert_null (yp_messages_send (f->store, f->client_id, " \n\t ", &error));
  g_assert_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_EMPTY);
  g_assert_cmpstr (error->message, ==, "Write a message first.");
  g_clear_error (&error);
  {
    g_autofree char *long_text = g_strnfill (YP_MESSAGE_MAX_CHARS + 1, 'a');
    g_autofree char *just_fits = g_strnfill (YP_MESSAGE_MAX_CHARS - 1, 'a');
    g_autoptr(YpRecord) ok = NULL;

    g_assert_null (yp_messages_send (f->store, f->client_id, long_text, &error));
    g_assert_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_TOO_LONG);
    g_assert_nonnull (strstr (error->message, "10001 characters"));
    g_clear_error (&error);
    /* 9 999 letters and "ä" (two bytes) is 10 000 characters: allowed. */
    just_fits = g_realloc (just_fits, YP_MESSAGE_MAX_CHARS + 2);
    strcpy (just_fits + YP_MESSAGE_MAX_CHARS - 1, "ä");
    ok = yp_messages_send (f->store, f->client_id, just_fits, &error);
    g_assert_no_error (error);
  }
  n_messages = sql (f, "SELECT count(*) FROM messages");
  g_assert_cmpstr (n_messages, ==, "2");
}

static void
test_send_needs_active_participant (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *n = NULL;

  set_my_access (f->store, f->client_id, "revoked", "everything", NULL);
  g_assert_null (yp_messages_send (f->store, f->client_id, "Hei", &error));
  g_assert_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_NOT_PARTICIPANT);
  n = sql (f, "SELECT count(*) FROM messages");
  g_assert_cmpstr (n, ==, "0");
}

static void
test_attach (Fixture *f, gconstpointer data)
{
  const char *content = "Lausunto: asiakas pärjää kotona tuettuna.\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) message = yp_messages_send (f->store, f->client_id, "Lausunto liitteenä",
                                                  &error);
  g_autoptr(GFile) file = write_file (f, "lausunto.txt", content);
  g_autoptr(YpRecord) attachment = NULL;
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, content, -1);
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *shown = NULL;
  gsize len;

  g_assert_no_error (error);
  attachment = yp_messages_attach_file (f->store, f->client_id, yp_record_get_id (message),
                                        file, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (attachment);
  g_assert_cmpstr (yp_record_get_string (attachment, "file_name"), ==, "lausunto.txt");
  g_assert_cmpstr (yp_record_get_string (attachment, "mime_type"), ==, "text/plain");
  g_assert_cmpstr (yp_record_get_string (attachment, "sha256"), ==, sha);
  g_assert_cmpstr (yp_record_get_string (attachment, "message_id"), ==,
                   yp_record_get_id (message));
  g_assert_cmpint (yp_record_get_int (attachment, "size"), ==, strlen (content));

  /* The blob is at blobs/<sha256> with the same bytes. */
  path = yp_messages_dup_blob_path (f->store, sha);
  expected = g_build_filename (f->dir, "blobs", sha, NULL);
  g_assert_cmpstr (path, ==, expected);
  g_assert_true (g_file_get_contents (path, &stored, &len, NULL));
  g_assert_cmpmem (stored, len, content, strlen (content));

  shown = visible (f);
  g_assert_cmpstr (shown, ==, "message:Lausunto liitteenä, attachment:lausunto.txt");

  /* Bad hashes never become paths. */
  g_assert_null (yp_messages_dup_blob_path (f->store, "../../etc/passwd"));
  g_assert_null (yp_messages_dup_blob_path (f->store, NULL));
}

static void
test_same_content_one_blob (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) a = write_file (f, "hoitosuunnitelma.pdf", "%PDF-1.4 sama sisältö");
  g_autoptr(GFile) b = write_file (f, "kopio.pdf", "%PDF-1.4 sama sisältö");
  g_autoptr(YpRecord) first = NULL;
  g_autoptr(YpRecord) second = NULL;
  g_autofree char *blobs = blobs_dir (f);
  g_autofree char *n = NULL;

  first = yp_messages_attach_file (f->store, f->client_id, NULL, a, NULL, &error);
  g_assert_no_error (error);
  second = yp_messages_attach_file (f->store, f->client_id, NULL, b, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (yp_record_get_string (first, "sha256"), ==,
                   yp_record_get_string (second, "sha256"));
  g_assert_cmpstr (yp_record_get_string (second, "file_name"), ==, "kopio.pdf");
  /* One blob, no temporary leftovers; two rows. */
  g_assert_cmpuint (count_dir (blobs), ==, 1);
  n = sql (f, "SELECT count(*) FROM attachments");
  g_assert_cmpstr (n, ==, "2");
}

static void
keep_result_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_too_large_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->files, "magneettikuvat.zip", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *blobs = blobs_dir (f);
  g_autofree char *n = NULL, *n_messages = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  int fd;

  /* 26 MiB, sparse: nothing of it needs to be read to refuse it. */
  fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 26 * 1024 * 1024), ==, 0);
  close (fd);

  g_assert_null (yp_messages_attach_file (f->store, f->client_id, NULL, file, NULL, &error));
  g_assert_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_TOO_LARGE);
  g_assert_cmpstr (error->message, ==, "The file is 26.0 MB; attachments can be at most 25 MB.");
  g_clear_error (&error);
  n = sql (f, "SELECT count(*) FROM attachments");
  g_assert_cmpstr (n, ==, "0");
  g_assert_cmpuint (count_dir (blobs), ==, 0);

  /* Posting text with it: the file is refused first, so the text is not sent either. */
  yp_messages_post_async (f->store, f->client_id, "Kuvat liitteenä", file, NULL,
                          keep_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (yp_messages_post_finish (f->store, result, &error));
  g_assert_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_TOO_LARGE);
  n_messages = sql (f, "SELECT count(*) FROM messages");
  g_assert_cmpstr (n_messages, ==, "0");
}

/* Inserts a message and an attachment created at @when, as if synced from elsewhere. */
static void
add_old_items (Fixture *f, const char *body, const char *file_name, const char *when)
{
  g_autoptr(YpRecord) m = yp_record_new (yp_schema_lookup ("message"));
  g_autoptr(YpRecord) a = yp_record_new (yp_schema_lookup ("attachment"));
  g_autoptr(GError) error = NULL;

  yp_record_set_string (m, "client_id", f->client_id);
  yp_record_set_string (m, "author_id", yp_store_get_me_id (f->store));
  yp_record_set_string (m, "created_at", when);
  yp_record_set_string (m, "body", body);
  g_assert_true (yp_store_insert (f->store, m, &error));
  g_assert_no_error (error);
  yp_record_set_string (a, "client_id", f->client_id);
  yp_record_set_string (a, "message_id", yp_record_get_id (m));
  yp_record_set_string (a, "file_name", file_name);
  yp_record_set_int (a, "size", 10);
  yp_record_set_string (a, "sha256",
                        "0000000000000000000000000000000000000000000000000000000000000000");
  yp_record_set_string (a, "created_at", when);
  g_assert_true (yp_store_insert (f->store, a, &error));
  g_assert_no_error (error);
}

static void
assert_visible (Fixture *f, const char *expected)
{
  g_autofree char *shown = visible (f);

  g_assert_cmpstr (shown, ==, expected);
}

static void
test_visibility (Fixture *f, gconstpointer data)
{
  g_autofree char *from = NULL;
  g_autoptr(GError) error = NULL;

  /* Written out of order: the list is by creation time, not by when rows arrived. */
  add_old_items (f, "uusi", "uusi.pdf", "2026-03-01T09:00:00Z");
  add_old_items (f, "vanha", "vanha.pdf", "2026-01-10T09:00:00Z");
  add_old_items (f, "rajalla", "rajalla.pdf", "2026-02-01T00:00:00Z");

  assert_visible (f, "message:vanha, attachment:vanha.pdf, message:rajalla, "
                     "attachment:rajalla.pdf, message:uusi, attachment:uusi.pdf");
  g_assert_cmpint (yp_messages_get_visibility (f->store, f->client_id, NULL, NULL), ==,
                   YP_MESSAGES_VISIBLE_ALL);

  /* History from 1.2.2026 (in another zone, same instant): that moment on, inclusive. */
  set_my_access (f->store, f->client_id, "active", "from_date", "2026-02-01T02:00:00+02:00");
  assert_visible (f, "message:rajalla, attachment:rajalla.pdf, message:uusi, "
                     "attachment:uusi.pdf");
  g_assert_cmpint (yp_messages_get_visibility (f->store, f->client_id, &from, &error), ==,
                   YP_MESSAGES_VISIBLE_FROM_DATE);
  g_assert_no_error (error);
  g_assert_cmpstr (from, ==, "2026-02-01T02:00:00+02:00");

  /* "from_now" is compared the same way. */
  set_my_access (f->store, f->client_id, "active", "from_now", "2026-02-15T00:00:00Z");
  assert_visible (f, "message:uusi, attachment:uusi.pdf");

  /* A window without a date shows nothing rather than everything. */
  set_my_access (f->store, f->client_id, "active", "from_date", NULL);
  assert_visible (f, "");

  set_my_access (f->store, f->client_id, "active", "everything", NULL);
  assert_visible (f, "message:vanha, attachment:vanha.pdf, message:rajalla, "
                     "attachment:rajalla.pdf, message:uusi, attachment:uusi.pdf");

  /* Not active: nothing at all, whatever the window says. */
  set_my_access (f->store, f->client_id, "revoked", "everything", NULL);
  assert_visible (f, "");
  g_assert_cmpint (yp_messages_get_visibility (f->store, f->client_id, NULL, NULL), ==,
                   YP_MESSAGES_VISIBLE_NONE);
  set_my_access (f->store, f->client_id, "invited", "everything", NULL);
  assert_visible (f, "");
  set_my_access (f->store, f->client_id, "proposed", "everything", NULL);
  assert_visible (f, "");
}

static void
test_visibility_deleted_row (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  add_old_items (f, "vanha", "vanha.pdf", "2026-01-10T09:00:00Z");
  assert_visible (f, "message:vanha, attachment:vanha.pdf");
  rows = yp_store_list_for_client (f->store, yp_schema_lookup ("participant"), f->client_id,
                                   &error);
  for (guint i = 0; i < rows->len; i++)
    {
      g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("participant"));

      yp_record_set_string (change, "id", yp_record_get_id (rows->pdata[i]));
      yp_record_set_int (change, "deleted", 1);
      g_assert_true (yp_store_update (f->store, change, &error));
    }
  assert_visible (f, "");
}

static void
test_participant_sees_rule (Fixture *f, gconstpointer data)
{
  g_autoptr(YpRecord) p = yp_record_new (yp_schema_lookup ("participant"));

  yp_record_set_int (p, "deleted", 0);
  yp_record_set_string (p, "state", "active");
  yp_record_set_string (p, "history_window", "from_date");
  yp_record_set_string (p, "history_from", "2026-11-23T08:00:00Z");
  g_assert_false (yp_messages_participant_sees (p, "2026-11-23T07:59:59Z"));
  g_assert_true (yp_messages_participant_sees (p, "2026-11-23T08:00:00Z"));
  g_assert_true (yp_messages_participant_sees (p, "2026-11-24T08:00:00Z"));
  g_assert_false (yp_messages_participant_sees (p, NULL));
  g_assert_false (yp_messages_participant_sees (p, "not a date"));
  yp_record_set_string (p, "history_window", "everything");
  g_assert_true (yp_messages_participant_sees (p, "2020-01-01T00:00:00Z"));
  yp_record_set_string (p, "state", "declined");
  g_assert_false (yp_messages_participant_sees (p, "2027-01-01T00:00:00Z"));
}

static void
test_export_to_cache (Fixture *f, gconstpointer data)
{
  const char *content = "WHO-5: 18/25";
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = write_file (f, "mittaukset.txt", content);
  g_autoptr(YpRecord) attachment = NULL;
  g_autoptr(GFile) copy = NULL;
  g_autofree char *name = NULL;
  g_autofree char *copied = NULL;

  attachment = yp_messages_attach_file (f->store, f->client_id, NULL, file, NULL, &error);
  g_assert_no_error (error);
  copy = yp_messages_export_to_cache (f->store, attachment, &error);
  g_assert_no_error (error);
  name = g_file_get_basename (copy);
  g_assert_cmpstr (name, ==, "mittaukset.txt");
  g_assert_true (g_file_load_contents (copy, NULL, &copied, NULL, NULL, NULL));
  g_assert_cmpstr (copied, ==, content);

  /* Content not on this computer: a plain message, no crash. */
  yp_record_set_string (attachment, "sha256",
                        "1111111111111111111111111111111111111111111111111111111111111111");
  g_clear_object (&copy);
  copy = yp_messages_export_to_cache (f->store, attachment, &error);
  g_assert_null (copy);
  g_assert_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_NO_BLOB);
}

static void
test_draft_survives_reopen (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup (yp_store_get_path (f->store));
  g_autofree char *draft = NULL;
  g_autofree char *after = NULL;
  g_autoptr(YpRecord) message = NULL;

  g_assert_null (yp_messages_load_draft (f->store, f->client_id));
  g_assert_true (yp_messages_save_draft (f->store, f->client_id,
                                         "Hei Pekka, asiakas toivoo soittoa", &error));
  g_assert_no_error (error);

  /* As after a crash: a new store on the same file. */
  g_clear_object (&f->store);
  f->store = yp_store_open (path, &error);
  g_assert_no_error (error);
  draft = yp_messages_load_draft (f->store, f->client_id);
  g_assert_cmpstr (draft, ==, "Hei Pekka, asiakas toivoo soittoa");

  /* Sending clears it. */
  message = yp_messages_send (f->store, f->client_id, draft, &error);
  g_assert_no_error (error);
  after = yp_messages_load_draft (f->store, f->client_id);
  g_assert_null (after);

  /* Blank text is no draft; a bad id is refused, never a path. */
  g_assert_true (yp_messages_save_draft (f->store, f->client_id, "x", NULL));
  g_assert_true (yp_messages_save_draft (f->store, f->client_id, "  \n", NULL));
  g_assert_null (yp_messages_load_draft (f->store, f->client_id));
  g_assert_false (yp_messages_save_draft (f->store, "../../evil", "x", &error));
  g_assert_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_autofree char *cache = g_dir_make_tmp ("yp-test-cache-XXXXXX", NULL);
  int rc;

  /* Opened attachments go to the cache: keep them in a folder of our own. */
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/messages/send", test_send);
  ADD ("/messages/send-needs-active-participant", test_send_needs_active_participant);
  ADD ("/messages/attach", test_attach);
  ADD ("/messages/same-content-one-blob", test_same_content_one_blob);
  ADD ("/messages/too-large-refused", test_too_large_refused);
  ADD ("/messages/visibility", test_visibility);
  ADD ("/messages/visibility-deleted-row", test_visibility_deleted_row);
  ADD ("/messages/participant-sees-rule", test_participant_sees_rule);
  ADD ("/messages/export-to-cache", test_export_to_cache);
  ADD ("/messages/draft-survives-reopen", test_draft_survives_reopen);
#undef ADD

  rc = g_test_run ();
  yp_test_rm_rf (cache);
  return rc;
}
