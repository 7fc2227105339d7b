/* yp-messages.c — messages, attachments and drafts of a client's guidance space.
 *
 * Everything goes through the public YpStore API, so the outbox, validation and the
 * "changed" signal work as for any row. Blobs and drafts are plain files next to the
 * database, each written to a temporary file and renamed into place, so a crash leaves either
 * the old file or the whole new one, never half of it.
 */
#define G_LOG_DOMAIN "yp-messages"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "yp-messages.h"
#include "yp-util.h"

#define READ_CHUNK     (64 * 1024)
#define SNIFF_BYTES    4096
#define MAX_NAME_CHARS 255

G_DEFINE_QUARK (yp-messages-error-quark, yp_messages_error)

/* ---- visibility ------------------------------------------------------------------------ */

static GDateTime *
parse_time (const char *iso)
{
  if (iso == NULL || *iso == '\0')
    return NULL;
  return g_date_time_new_from_iso8601 (iso, NULL);
}

gboolean
yp_messages_participant_sees (const YpRecord *participant,
                              const char     *created_at)
{
  g_autoptr(GDateTime) item = NULL;
  g_autoptr(GDateTime) from = NULL;

  g_return_val_if_fail (participant != NULL, FALSE);

  if (!g_str_equal (yp_record_get_entity (participant)->name, "participant"))
    return FALSE;
  if (yp_record_get_int (participant, "deleted") != 0)
    return FALSE;
  if (g_strcmp0 (yp_record_get_string (participant, "state"), "active") != 0)
    return FALSE;
  if (g_strcmp0 (yp_record_get_string (participant, "history_window"), "everything") == 0)
    return TRUE;
  /* No date to compare with: fail closed. */
  item = parse_time (created_at);
  from = parse_time (yp_record_get_string (participant, "history_from"));
  return item != NULL && from != NULL && g_date_time_compare (item, from) >= 0;
}

/* The signed-in professional's active, not deleted participant rows for @client_id. */
static GPtrArray *
list_my_active_rows (YpStore     *store,
                     const char  *client_id,
                     GError     **error)
{
  const char *me = yp_store_get_me_id (store);
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *mine = g_ptr_array_new_with_free_func ((GDestroyNotify) yp_record_unref);

  if (me == NULL)
    return mine;
  rows = yp_store_list_for_client (store, yp_schema_lookup ("participant"), client_id, error);
  if (rows == NULL)
    {
      g_ptr_array_unref (mine);
      return NULL;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      YpRecord *p = rows->pdata[i];

      if (g_strcmp0 (yp_record_get_string (p, "professional_id"), me) == 0 &&
          yp_record_get_int (p, "deleted") == 0 &&
          g_strcmp0 (yp_record_get_string (p, "state"), "active") == 0)
        g_ptr_array_add (mine, yp_record_ref (p));
    }
  return mine;
}

static gboolean
any_row_sees (GPtrArray  *rows,
              const char *created_at)
{
  for (guint i = 0; i < rows->len; i++)
    if (yp_messages_participant_sees (rows->pdata[i], created_at))
      return TRUE;
  return FALSE;
}

YpMessagesVisibility
yp_messages_get_visibility (YpStore    *store,
                            const char *client_id,
                            char      **out_from,
                            GError    **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GDateTime) earliest = NULL;
  const char *earliest_text = NULL;

  g_return_val_if_fail (YP_IS_STORE (store), YP_MESSAGES_VISIBLE_NONE);
  g_return_val_if_fail (client_id != NULL, YP_MESSAGES_VISIBLE_NONE);

  if (out_from)
    *out_from = NULL;
  if ((rows = list_my_active_rows (store, client_id, error)) == NULL)
    return YP_MESSAGES_VISIBLE_NONE;
  for (guint i = 0; i < rows->len; i++)
    {
      YpRecord *p = rows->pdata[i];
      const char *from_text = yp_record_get_string (p, "history_from");
      g_autoptr(GDateTime) from = NULL;

      if (g_strcmp0 (yp_record_get_string (p, "history_window"), "everything") == 0)
        return YP_MESSAGES_VISIBLE_ALL;
      if ((from = parse_time (from_text)) == NULL)
        continue;
      if (earliest == NULL || g_date_time_compare (from, earliest) < 0)
        {
          g_clear_pointer (&earliest, g_date_time_unref);
          earliest = g_steal_pointer (&from);
          earliest_text = from_text;
        }
    }
  if (earliest == NULL)
    return YP_MESSAGES_VISIBLE_NONE;
  if (out_from)
    *out_from = g_strdup (earliest_text);
  return YP_MESSAGES_VISIBLE_FROM_DATE;
}

typedef struct
{
  YpRecord *record;
  gint64    key;   /* created_at in µs since the epoch */
  guint     order; /* position as read: keeps ties in the order they were written */
} Item;

static int
compare_items (gconstpointer a,
               gconstpointer b)
{
  const Item *x = a;
  const Item *y = b;

  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static gint64
time_key (const char *iso)
{
  g_autoptr(GDateTime) dt = parse_time (iso);

  if (dt == NULL)
    return G_MININT64;
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

GPtrArray *
yp_messages_list_visible (YpStore    *store,
                          const char *client_id,
                          GError    **error)
{
  static const char * const entity_names[] = { "message", "attachment" };
  g_autoptr(GPtrArray) mine = NULL;
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (Item));
  GPtrArray *result;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  if ((mine = list_my_active_rows (store, client_id, error)) == NULL)
    return NULL;
  result = g_ptr_array_new_with_free_func ((GDestroyNotify) yp_record_unref);
  if (mine->len == 0)
    return result;

  for (guint e = 0; e < G_N_ELEMENTS (entity_names); e++)
    {
      g_autoptr(GPtrArray) rows =
        yp_store_list_for_client (store, yp_schema_lookup (entity_names[e]), client_id, error);

      if (rows == NULL)
        {
          for (guint i = 0; i < items->len; i++)
            yp_record_unref (g_array_index (items, Item, i).record);
          g_ptr_array_unref (result);
          return NULL;
        }
      for (guint i = 0; i < rows->len; i++)
        {
          YpRecord *r = rows->pdata[i];
          const char *created_at = yp_record_get_string (r, "created_at");
          Item item = { NULL, 0, items->len };

          if (yp_record_get_int (r, "deleted") != 0 || !any_row_sees (mine, created_at))
            continue;
          item.record = yp_record_ref (r);
          item.key = time_key (created_at);
          g_array_append_val (items, item);
        }
    }
  g_array_sort (items, compare_items);
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (result, g_array_index (items, Item, i).record);
  return result;
}

/* ---- sending --------------------------------------------------------------------------- */

static gboolean
check_can_post (YpStore     *store,
                const char  *client_id,
                GError     **error)
{
  if (!yp_uuid_is_valid (client_id))
    {
      g_set_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_INVALID,
                   _("No client is chosen."));
      return FALSE;
    }
  if (yp_store_get_me_id (store) == NULL)
    {
      g_set_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_NO_PROFILE,
                   _("Save your own details first: a message needs a sender."));
      return FALSE;
    }
  if (yp_messages_get_visibility (store, client_id, NULL, error) == YP_MESSAGES_VISIBLE_NONE)
    {
      if (error && *error)
        return FALSE;
      g_set_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_NOT_PARTICIPANT,
                   _("Only active participants of the client’s guidance space can send "
                     "messages and files."));
      return FALSE;
    }
  return TRUE;
}

static void
notify_other_participants (YpStore        *store,
                           const YpRecord *message)
{
  const char *me = yp_store_get_me_id (store);
  const char *client_id = yp_record_get_client_id (message);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(YpRecord) me_record = yp_store_dup_me (store);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  rows = yp_store_list_for_client (store, yp_schema_lookup ("participant"), client_id, &error);
  if (rows == NULL)
    {
      g_warning ("Could not list participants to notify: %s", error->message);
      return;
    }
  text = g_strdup_printf (_("New message from %s"),
                          me_record ? yp_record_get_string (me_record, "name") : "");
  for (guint i = 0; i < rows->len; i++)
    {
      YpRecord *p = rows->pdata[i];
      const char *who = yp_record_get_string (p, "professional_id");
      g_autoptr(YpRecord) note = NULL;

      if (who == NULL || g_strcmp0 (who, me) == 0 || g_hash_table_contains (done, who) ||
          yp_record_get_int (p, "deleted") != 0 ||
          g_strcmp0 (yp_record_get_string (p, "state"), "active") != 0)
        continue;
      g_hash_table_add (done, (gpointer) who);
      note = yp_record_new (yp_schema_lookup ("notification"));
      yp_record_set_string (note, "client_id", client_id);
      yp_record_set_string (note, "recipient_kind", "professional");
      yp_record_set_string (note, "recipient_id", who);
      yp_record_set_string (note, "kind", "message");
      yp_record_set_string (note, "text", text);
      yp_record_set_string (note, "ref_id", yp_record_get_id (message));
      yp_record_set_string (note, "created_at", yp_record_get_string (message, "created_at"));
      /* The message itself is already saved; a missing notification must not undo it. */
      if (!yp_store_insert (store, note, &error))
        {
          g_warning ("Could not notify a participant of a new message: %s", error->message);
          g_clear_error (&error);
        }
    }
}

/* The body as it will be stored (trimmed), or NULL with an error. */
static char *
take_body (const char  *body,
           GError     **error)
{
  g_autofree char *text = NULL;
  glong n;

  if (body == NULL || !g_utf8_validate (body, -1, NULL))
    {
      g_set_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_EMPTY, _("Write a message first."));
      return NULL;
    }
  text = g_strstrip (g_strdup (body));
  if (*text == '\0')
    {
      g_set_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_EMPTY, _("Write a message first."));
      return NULL;
    }
  n = g_utf8_strlen (text, -1);
  if (n > YP_MESSAGE_MAX_CHARS)
    {
      g_set_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_TOO_LONG,
                   _("The message is %ld characters long; a message can be at most 10 000 "
                     "characters. Split it into two messages."), n);
      return NULL;
    }
  return g_steal_pointer (&text);
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

static YpRecord *
send_checked (YpStore     *store,
              const char  *client_id,
              const char  *body,
              GError     **error)
{
  g_autoptr(YpRecord) message = NULL;
  g_autoptr(GError) draft_error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *now = NULL;

  if ((text = take_body (body, error)) == NULL)
    return NULL;
  now = yp_now_iso8601 ();
  message = yp_record_new (yp_schema_lookup ("message"));
  yp_record_set_string (message, "client_id", client_id);
  yp_record_set_string (message, "author_id", yp_store_get_me_id (store));
  yp_record_set_string (message, "created_at", now);
  yp_record_set_string (message, "body", text);
  /* One insert: the row and its outbox entry commit together (synchronous=FULL). */
  if (!yp_store_insert (store, message, error))
    return NULL;
  notify_other_participants (store, message);
  if (!yp_messages_clear_draft (store, client_id, &draft_error))
    g_warning ("Could not remove the sent draft: %s", draft_error->message);
  return g_steal_pointer (&message);
}

YpRecord *
yp_messages_send (YpStore    *store,
                  const char *client_id,
                  const char *body,
                  GError    **error)
{
  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_can_post (store, client_id, error))
    return NULL;
  return send_checked (store, client_id, body, error);
}

/* ---- blobs ----------------------------------------------------------------------------- */

static char *
dup_data_dir (YpStore *store)
{
  return g_path_get_dirname (yp_store_get_path (store));
}

static gboolean
sha256_is_valid (const char *sha256)
{
  if (sha256 == NULL || strlen (sha256) != 64)
    return FALSE;
  for (const char *p = sha256; *p; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

char *
yp_messages_dup_blob_path (YpStore    *store,
                           const char *sha256)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);

  if (!sha256_is_valid (sha256))
    return NULL;
  dir = dup_data_dir (store);
  return g_build_filename (dir, "blobs", sha256, NULL);
}

static void
set_too_large (GError **error,
               goffset  size)
{
  /* Rounded up, so a file just over the limit never reads as "25.0 MB". */
  guint64 tenths = ((guint64) size * 10 + 1024 * 1024 - 1) / (1024 * 1024);

  g_set_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_TOO_LARGE,
               _("The file is %.1f MB; attachments can be at most 25 MB."), tenths / 10.0);
}

static gboolean
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *file_name)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("“%s” could not be saved on this computer: %s. Nothing was attached."),
               file_name, g_strerror (saved_errno));
  return FALSE;
}

static void
sync_dir (const char *path)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* At most MAX_NAME_CHARS characters, keeping a short extension. */
static char *
fit_file_name (const char *name)
{
  const char *dot = strrchr (name, '.');
  glong n = g_utf8_strlen (name, -1);
  glong ext = dot ? g_utf8_strlen (dot, -1) : 0;
  g_autofree char *stem = NULL;

  if (n <= MAX_NAME_CHARS)
    return g_strdup (name);
  if (ext > 16 || dot == name)
    return g_utf8_substring (name, 0, MAX_NAME_CHARS);
  stem = g_utf8_substring (name, 0, MAX_NAME_CHARS - ext);
  return g_strconcat (stem, dot, NULL);
}

typedef struct
{
  char   *file_name;
  char   *mime_type;
  gint64  size;
  char   *sha256;
} BlobInfo;

static void
blob_info_clear (BlobInfo *info)
{
  g_clear_pointer (&info->file_name, g_free);
  g_clear_pointer (&info->mime_type, g_free);
  g_clear_pointer (&info->sha256, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BlobInfo, blob_info_clear)

/* Reads @file into <data dir>/blobs/<sha256>: the size is checked before anything is read;
 * the content goes to a temporary file in the same folder, is flushed to disk and renamed,
 * and an existing blob with the same content is left as it is. */
static gboolean
store_blob (YpStore       *store,
            GFile         *file,
            GCancellable  *cancellable,
            BlobInfo      *out,
            GError       **error)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  g_autofree char *data_dir = dup_data_dir (store);
  g_autofree char *blobs = g_build_filename (data_dir, "blobs", NULL);
  g_autofree char *tmp = NULL;
  g_autofree char *final = NULL;
  g_autofree guint8 *buf = NULL;
  g_autofree char *name = NULL;
  g_autofree char *content_type = NULL;
  guint8 sniff[SNIFF_BYTES];
  gsize sniffed = 0;
  goffset total = 0;
  int fd = -1;

  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                            G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NONE, cancellable, error);
  if (info == NULL)
    return FALSE;
  name = g_strdup (g_file_info_get_display_name (info));
  if (name == NULL || *name == '\0')
    {
      g_free (name);
      name = g_strdup (_("attachment"));
    }
  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_set_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_INVALID,
                   _("“%s” is a folder. Choose a file."), name);
      return FALSE;
    }
  if (g_file_info_get_size (info) > YP_ATTACHMENT_MAX_BYTES)
    {
      set_too_large (error, g_file_info_get_size (info));
      return FALSE;
    }

  if ((in = g_file_read (file, cancellable, error)) == NULL)
    return FALSE;
  if (g_mkdir_with_parents (blobs, 0700) != 0)
    return set_errno_error (error, errno, name);
  tmp = g_build_filename (blobs, ".incoming-XXXXXX", NULL);
  if ((fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600)) < 0)
    return set_errno_error (error, errno, name);

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  buf = g_malloc (READ_CHUNK);
  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), buf, READ_CHUNK, cancellable, error);

      if (n < 0)
        goto fail;
      if (n == 0)
        break;
      total += n;
      /* The file may have grown since its size was read. */
      if (total > YP_ATTACHMENT_MAX_BYTES)
        {
          set_too_large (error, total);
          goto fail;
        }
      if (sniffed < SNIFF_BYTES)
        {
          gsize k = MIN ((gsize) n, SNIFF_BYTES - sniffed);

          memcpy (sniff + sniffed, buf, k);
          sniffed += k;
        }
      g_checksum_update (checksum, buf, n);
      if (!write_all (fd, buf, (gsize) n))
        {
          set_errno_error (error, errno, name);
          goto fail;
        }
    }
  if (fsync (fd) != 0)
    {
      set_errno_error (error, errno, name);
      goto fail;
    }
  close (fd);
  fd = -1;

  out->sha256 = g_strdup (g_checksum_get_string (checksum));
  final = g_build_filename (blobs, out->sha256, NULL);
  if (g_file_test (final, G_FILE_TEST_EXISTS))
    g_unlink (tmp);
  else if (g_rename (tmp, final) != 0)
    {
      set_errno_error (error, errno, name);
      goto fail;
    }
  sync_dir (blobs);

  content_type = g_content_type_guess (name, sniff, sniffed, NULL);
  out->mime_type = g_content_type_get_mime_type (content_type);
  if (out->mime_type == NULL)
    out->mime_type = g_strdup ("application/octet-stream");
  out->file_name = fit_file_name (name);
  out->size = total;
  return TRUE;

fail:
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  blob_info_clear (out);
  return FALSE;
}

static YpRecord *
insert_attachment (YpStore         *store,
                   const char      *client_id,
                   const char      *message_id,
                   const BlobInfo  *blob,
                   GError         **error)
{
  g_autoptr(YpRecord) attachment = yp_record_new (yp_schema_lookup ("attachment"));
  g_autofree char *now = yp_now_iso8601 ();

  yp_record_set_string (attachment, "client_id", client_id);
  if (message_id != NULL)
    yp_record_set_string (attachment, "message_id", message_id);
  yp_record_set_string (attachment, "file_name", blob->file_name);
  yp_record_set_string (attachment, "mime_type", blob->mime_type);
  yp_record_set_int (attachment, "size", blob->size);
  yp_record_set_string (attachment, "sha256", blob->sha256);
  yp_record_set_string (attachment, "created_at", now);
  if (!yp_store_insert (store, attachment, error))
    return NULL;
  return g_steal_pointer (&attachment);
}

static gboolean
check_message_of_client (YpStore     *store,
                         const char  *client_id,
                         const char  *message_id,
                         GError     **error)
{
  g_autoptr(YpRecord) message = NULL;

  if (message_id == NULL)
    return TRUE;
  if (yp_uuid_is_valid (message_id))
    message = yp_store_get (store, yp_schema_lookup ("message"), message_id, NULL);
  if (message == NULL || g_strcmp0 (yp_record_get_client_id (message), client_id) != 0)
    {
      g_set_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_INVALID,
                   _("The message to attach the file to was not found."));
      return FALSE;
    }
  return TRUE;
}

YpRecord *
yp_messages_attach_file (YpStore      *store,
                         const char   *client_id,
                         const char   *message_id,
                         GFile        *file,
                         GCancellable *cancellable,
                         GError      **error)
{
  g_auto(BlobInfo) blob = { NULL, };

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_can_post (store, client_id, error) ||
      !check_message_of_client (store, client_id, message_id, error) ||
      !store_blob (store, file, cancellable, &blob, error))
    return NULL;
  return insert_attachment (store, client_id, message_id, &blob, error);
}

typedef struct
{
  char  *client_id;
  char  *message_id;
  char  *body;
  GFile *file;
} PostData;

static void
post_data_free (gpointer data)
{
  PostData *d = data;

  g_free (d->client_id);
  g_free (d->message_id);
  g_free (d->body);
  g_clear_object (&d->file);
  g_free (d);
}

static void
attach_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PostData *d = task_data;
  GError *error = NULL;
  YpRecord *attachment;

  attachment = yp_messages_attach_file (source_object, d->client_id, d->message_id, d->file,
                                        cancellable, &error);
  if (attachment == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, attachment, (GDestroyNotify) yp_record_unref);
}

void
yp_messages_attach_file_async (YpStore            *store,
                               const char         *client_id,
                               const char         *message_id,
                               GFile              *file,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  PostData *d;

  g_return_if_fail (YP_IS_STORE (store));
  g_return_if_fail (G_IS_FILE (file));

  d = g_new0 (PostData, 1);
  d->client_id = g_strdup (client_id);
  d->message_id = g_strdup (message_id);
  d->file = g_object_ref (file);
  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, yp_messages_attach_file_async);
  g_task_set_task_data (task, d, post_data_free);
  g_task_run_in_thread (task, attach_thread);
}

YpRecord *
yp_messages_attach_file_finish (YpStore      *store,
                                GAsyncResult *result,
                                GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
post_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  YpStore *store = source_object;
  PostData *d = task_data;
  g_auto(BlobInfo) blob = { NULL, };
  g_autoptr(YpRecord) message = NULL;
  g_autoptr(YpRecord) attachment = NULL;
  GError *error = NULL;

  if (d->file == NULL && is_blank (d->body))
    {
      g_task_return_new_error (task, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_EMPTY,
                               _("Write a message first."));
      return;
    }
  if (!check_can_post (store, d->client_id, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* The file first: when it is refused, nothing has been sent and the text stays. */
  if (d->file != NULL && !store_blob (store, d->file, cancellable, &blob, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!is_blank (d->body) &&
      (message = send_checked (store, d->client_id, d->body, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (d->file != NULL &&
      (attachment = insert_attachment (store, d->client_id,
                                       message ? yp_record_get_id (message) : NULL,
                                       &blob, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
yp_messages_post_async (YpStore            *store,
                        const char         *client_id,
                        const char         *body,
                        GFile              *file,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  PostData *d;

  g_return_if_fail (YP_IS_STORE (store));
  g_return_if_fail (file == NULL || G_IS_FILE (file));

  d = g_new0 (PostData, 1);
  d->client_id = g_strdup (client_id);
  d->body = g_strdup (body);
  d->file = file ? g_object_ref (file) : NULL;
  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, yp_messages_post_async);
  g_task_set_task_data (task, d, post_data_free);
  /* A post is never abandoned half-way: cancelling only drops the callback. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, post_thread);
}

gboolean
yp_messages_post_finish (YpStore      *store,
                         GAsyncResult *result,
                         GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- opening an attachment ------------------------------------------------------------- */

/* A stored file name as one safe path component. */
static char *
safe_file_name (const char *name)
{
  g_autofree char *base = NULL;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    return g_strdup (_("attachment"));
  base = g_strdup (name);
  g_strdelimit (base, "/\\", '_');
  g_strstrip (base);
  if (*base == '\0' || g_str_equal (base, ".") || g_str_equal (base, ".."))
    return g_strdup (_("attachment"));
  return g_steal_pointer (&base);
}

GFile *
yp_messages_export_to_cache (YpStore        *store,
                             const YpRecord *attachment,
                             GError        **error)
{
  const char *id;
  const char *client_id;
  const char *file_name;
  g_autofree char *blob_path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GFile) source = NULL;
  g_autoptr(GFile) dest = NULL;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  g_return_val_if_fail (attachment != NULL, NULL);

  id = yp_record_get_id (attachment);
  client_id = yp_record_get_client_id (attachment);
  file_name = yp_record_get_string (attachment, "file_name");
  blob_path = yp_messages_dup_blob_path (store, yp_record_get_string (attachment, "sha256"));
  if (blob_path == NULL || !yp_uuid_is_valid (id) || !yp_uuid_is_valid (client_id))
    {
      g_set_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_INVALID,
                   _("The file “%s” cannot be opened: its details are damaged."),
                   file_name ? file_name : "");
      return NULL;
    }
  if (!g_file_test (blob_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_NO_BLOB,
                   _("The file “%s” is not on this computer yet. It is fetched at the next "
                     "sync."), file_name ? file_name : "");
      return NULL;
    }
  /* Per client, so revoking access can remove these copies too. */
  dir = g_build_filename (g_get_user_cache_dir (), "yhteispolku", "attachments", client_id, id,
                          NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("The file “%s” cannot be opened: %s"), file_name ? file_name : "",
                   g_strerror (saved));
      return NULL;
    }
  name = safe_file_name (file_name);
  source = g_file_new_for_path (blob_path);
  dest = g_file_new_build_filename (dir, name, NULL);
  if (!g_file_copy (source, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error))
    return NULL;
  return g_steal_pointer (&dest);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  GFile *file = yp_messages_export_to_cache (source_object, task_data, &error);

  if (file == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, file, g_object_unref);
}

void
yp_messages_export_to_cache_async (YpStore            *store,
                                   const YpRecord     *attachment,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (YP_IS_STORE (store));
  g_return_if_fail (attachment != NULL);

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, yp_messages_export_to_cache_async);
  g_task_set_task_data (task, yp_record_copy (attachment), (GDestroyNotify) yp_record_unref);
  g_task_run_in_thread (task, export_thread);
}

GFile *
yp_messages_export_to_cache_finish (YpStore      *store,
                                    GAsyncResult *result,
                                    GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- drafts ---------------------------------------------------------------------------- */

static char *
dup_draft_path (YpStore    *store,
                const char *client_id)
{
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;

  /* The id becomes a file name: only a well-formed UUID may. */
  if (!yp_uuid_is_valid (client_id))
    return NULL;
  dir = dup_data_dir (store);
  name = g_strconcat (client_id, ".txt", NULL);
  return g_build_filename (dir, "drafts", name, NULL);
}

gboolean
yp_messages_save_draft (YpStore    *store,
                        const char *client_id,
                        const char *text,
                        GError    **error)
{
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);

  if (is_blank (text))
    return yp_messages_clear_draft (store, client_id, error);
  if ((path = dup_draft_path (store, client_id)) == NULL)
    {
      g_set_error (error, YP_MESSAGES_ERROR, YP_MESSAGES_ERROR_INVALID, _("No client is chosen."));
      return FALSE;
    }
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("The unsent message could not be saved: %s"), g_strerror (saved));
      return FALSE;
    }
  return g_file_set_contents_full (path, text, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

char *
yp_messages_load_draft (YpStore    *store,
                        const char *client_id)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);

  if ((path = dup_draft_path (store, client_id)) == NULL ||
      !g_file_get_contents (path, &text, NULL, NULL) ||
      !g_utf8_validate (text, -1, NULL) || *text == '\0')
    return NULL;
  return g_steal_pointer (&text);
}

gboolean
yp_messages_clear_draft (YpStore    *store,
                         const char *client_id,
                         GError    **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);

  if ((path = dup_draft_path (store, client_id)) == NULL)
    return TRUE;
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("The sent message’s draft could not be removed: %s"), g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
