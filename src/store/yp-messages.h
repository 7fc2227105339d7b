/* yp-messages.h — messages and attachments inside a client's guidance space.
 *
 * Built on the public YpStore API. Messages and attachments are append-only rows; an
 * attachment's content is a blob stored once by its sha256 next to the database
 * (<dir of the database>/blobs/<sha256>). What a professional may see follows one rule, the
 * same one the participants flow uses (see yp_messages_participant_sees()). The text being
 * composed is kept per client in <dir of the database>/drafts/<client_id>.txt. No GTK here.
 */
#pragma once

#include <gio/gio.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_MESSAGES_ERROR (yp_messages_error_quark ())

typedef enum
{
  YP_MESSAGES_ERROR_EMPTY,           /* nothing to send */
  YP_MESSAGES_ERROR_TOO_LONG,        /* the text is over YP_MESSAGE_MAX_CHARS */
  YP_MESSAGES_ERROR_TOO_LARGE,       /* the file is over YP_ATTACHMENT_MAX_BYTES */
  YP_MESSAGES_ERROR_NOT_PARTICIPANT, /* the signed-in professional is not an active participant */
  YP_MESSAGES_ERROR_NO_PROFILE,      /* nobody is signed in */
  YP_MESSAGES_ERROR_NO_BLOB,         /* the attachment's content is not on this computer */
  YP_MESSAGES_ERROR_INVALID,         /* a bad id, sha256 or file */
} YpMessagesError;

#define YP_MESSAGE_MAX_CHARS    10000
#define YP_ATTACHMENT_MAX_BYTES (25 * 1024 * 1024)

GQuark      yp_messages_error_quark      (void);

/* What the signed-in professional sees of a client's messages. */
typedef enum
{
  YP_MESSAGES_VISIBLE_NONE,      /* not an active participant: nothing */
  YP_MESSAGES_VISIBLE_FROM_DATE, /* only items created at or after a point in time */
  YP_MESSAGES_VISIBLE_ALL,       /* history window "everything" */
} YpMessagesVisibility;

/* The rule: @participant admits an item created at @created_at iff the row is active, not
 * deleted, and (history_window = "everything" or created_at >= history_from). */
gboolean    yp_messages_participant_sees (const YpRecord *participant,
                                          const char     *created_at);
/* How much the signed-in professional sees of @client_id; with FROM_DATE, *out_from (if not
 * NULL) gets the earliest history_from (ISO 8601) of the professional's active rows. */
YpMessagesVisibility
            yp_messages_get_visibility   (YpStore    *store,
                                          const char *client_id,
                                          char      **out_from,
                                          GError    **error);

/* Sends a message from the signed-in professional (created_at = now), durable when this
 * returns, then notifies every other active participant and clears the client's draft.
 * Returns the inserted message. */
YpRecord   *yp_messages_send             (YpStore    *store,
                                          const char *client_id,
                                          const char *body,
                                          GError    **error);

/* Reads @file (refused over YP_ATTACHMENT_MAX_BYTES before it is read), stores its content
 * as a blob and inserts an attachment row for @client_id; @message_id may be NULL for a file
 * shared on its own. Returns the inserted attachment. Blocks: use the _async variant in UIs. */
YpRecord   *yp_messages_attach_file      (YpStore      *store,
                                          const char   *client_id,
                                          const char   *message_id,
                                          GFile        *file,
                                          GCancellable *cancellable,
                                          GError      **error);
void        yp_messages_attach_file_async  (YpStore            *store,
                                            const char         *client_id,
                                            const char         *message_id,
                                            GFile              *file,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
YpRecord   *yp_messages_attach_file_finish (YpStore      *store,
                                            GAsyncResult *result,
                                            GError      **error);

/* In a worker thread: the file (if any) is read and stored first, so a file that is refused
 * sends nothing; then the message (if @body is not blank) and the attachment row. @body may be
 * blank only with a file. */
void        yp_messages_post_async       (YpStore            *store,
                                          const char         *client_id,
                                          const char         *body,
                                          GFile              *file,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
gboolean    yp_messages_post_finish      (YpStore      *store,
                                          GAsyncResult *result,
                                          GError      **error);

/* Messages and attachments of @client_id that the signed-in professional may see, oldest
 * first (by created_at; ties keep the order they were written in). Items are YpRecords of
 * entity "message" or "attachment". */
GPtrArray  *yp_messages_list_visible     (YpStore    *store,
                                          const char *client_id,
                                          GError    **error);

/* <dir of the database>/blobs/<sha256>, or NULL when @sha256 is not 64 lower-case hex digits.
 * The file may not exist (not downloaded yet). */
char       *yp_messages_dup_blob_path    (YpStore    *store,
                                          const char *sha256);
/* Copies the attachment's blob to a cache file named as the original
 * ($XDG_CACHE_HOME/yhteispolku/attachments/<client_id>/<attachment id>/<file name>) so the
 * default application can open it. Returns that file. */
GFile      *yp_messages_export_to_cache  (YpStore        *store,
                                          const YpRecord *attachment,
                                          GError        **error);
void        yp_messages_export_to_cache_async  (YpStore            *store,
                                                const YpRecord     *attachment,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
GFile      *yp_messages_export_to_cache_finish (YpStore      *store,
                                                GAsyncResult *result,
                                                GError      **error);

/* The text being composed for @client_id: written atomically (and durably) to a small file,
 * so a crash loses nothing typed. Saving blank text removes the draft. */
gboolean    yp_messages_save_draft       (YpStore    *store,
                                          const char *client_id,
                                          const char *text,
                                          GError    **error);
/* The saved draft, or NULL when there is none. */
char       *yp_messages_load_draft       (YpStore    *store,
                                          const char *client_id);
gboolean    yp_messages_clear_draft      (YpStore    *store,
                                          const char *client_id,
                                          GError    **error);

G_END_DECLS
