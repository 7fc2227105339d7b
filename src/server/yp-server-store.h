/* yp-server-store.h — the coordination server's database: accounts, sessions, the synced
 * rows (tables made from the one schema description), mutations, blobs and the audit log.
 *
 * One connection, one writer: every request that writes runs in one BEGIN IMMEDIATE
 * transaction on the main thread, so the sequence number order is the commit order.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define YP_SERVER_ERROR (yp_server_error_quark ())

/* Stable codes: they go over the wire as strings (yp_server_error_code_name) with the HTTP
 * status of yp_server_error_http_status. docs/api.md lists them. */
typedef enum
{
  YP_SERVER_ERROR_BAD_REQUEST,            /* 400 bad_request */
  YP_SERVER_ERROR_MALFORMED_JSON,         /* 400 malformed_json */
  YP_SERVER_ERROR_TOO_DEEP,               /* 400 too_deep */
  YP_SERVER_ERROR_WRONG_TYPE,             /* 400 wrong_type */
  YP_SERVER_ERROR_UNKNOWN_FIELD,          /* 400 unknown_field */
  YP_SERVER_ERROR_INVALID_VALUE,          /* 400 invalid_value */
  YP_SERVER_ERROR_UNKNOWN_ENTITY,         /* 400 unknown_entity */
  YP_SERVER_ERROR_HASH_MISMATCH,          /* 400 hash_mismatch */
  YP_SERVER_ERROR_UNAUTHORIZED,           /* 401 unauthorized */
  YP_SERVER_ERROR_INVALID_CREDENTIALS,    /* 401 invalid_credentials */
  YP_SERVER_ERROR_FORBIDDEN,              /* 403 forbidden */
  YP_SERVER_ERROR_NOT_FOUND,              /* 404 not_found */
  YP_SERVER_ERROR_METHOD_NOT_ALLOWED,     /* 405 method_not_allowed */
  YP_SERVER_ERROR_EXISTS,                 /* 409 exists */
  YP_SERVER_ERROR_CURSOR_EXPIRED,         /* 410 cursor_expired */
  YP_SERVER_ERROR_LENGTH_REQUIRED,        /* 411 length_required */
  YP_SERVER_ERROR_TOO_LARGE,              /* 413 too_large */
  YP_SERVER_ERROR_UNSUPPORTED_MEDIA_TYPE, /* 415 unsupported_media_type */
  YP_SERVER_ERROR_RATE_LIMITED,           /* 429 rate_limited */
  YP_SERVER_ERROR_INTERNAL,               /* 500 internal */
} YpServerError;

GQuark      yp_server_error_quark       (void);
const char *yp_server_error_code_name   (YpServerError code);
guint       yp_server_error_http_status (YpServerError code);

/* Limits that the HTTP layer and the store share. */
#define YP_SERVER_MAX_MUTATIONS  500
#define YP_SERVER_MAX_BLOB_SIZE  26214400 /* the attachment "size" field's maximum */
#define YP_SERVER_DEFAULT_PAGE   500

#define YP_TYPE_SERVER_STORE (yp_server_store_get_type ())
G_DECLARE_FINAL_TYPE (YpServerStore, yp_server_store, YP, SERVER_STORE, GObject)

/* Opens (creating and migrating) the database at @path. */
YpServerStore *yp_server_store_open           (const char     *path,
                                               GError        **error);
const char    *yp_server_store_get_epoch      (YpServerStore  *self);

/* Administration (the admin CLI on the server host). */
char          *yp_server_store_add_org        (YpServerStore  *self,
                                               const char     *name,
                                               const char     *sector,
                                               GError        **error);
/* A professional account (a professionals row with the same id) or, with @is_admin, an
 * administrator account that has no professional row and sees no client data. Returns the
 * account id. */
char          *yp_server_store_add_user       (YpServerStore  *self,
                                               const char     *username,
                                               const char     *password,
                                               const char     *full_name,
                                               const char     *org_id,
                                               gboolean        is_admin,
                                               GError        **error);
gboolean       yp_server_store_set_password   (YpServerStore  *self,
                                               const char     *username,
                                               const char     *password,
                                               GError        **error);
/* Disables the account and ends its sessions. */
gboolean       yp_server_store_disable_user   (YpServerStore  *self,
                                               const char     *username,
                                               GError        **error);

/* Sessions, in three steps so that the slow part runs off the main loop:
 * the stored argon2id hash for @username (a dummy hash for an unknown name, so that a wrong
 * name costs the same time) and in @out_account_id the account, NULL when it is unknown or
 * disabled; the verification, which touches no database and may run in any thread; and the
 * session, whose token (64 hex digits, 256 random bits) is returned and only its hash stored.
 * The session is refused if the account was disabled in the meantime. */
char          *yp_server_store_dup_password_hash (YpServerStore  *self,
                                                  const char     *username,
                                                  char          **out_account_id);
gboolean       yp_server_verify_password      (const char     *stored_hash,
                                               const char     *password);
char          *yp_server_store_open_session   (YpServerStore  *self,
                                               const char     *account_id,
                                               gint64          lifetime_seconds,
                                               char          **out_expires_at,
                                               GError        **error);
/* The account id of a valid, unexpired session, or NULL. @out_is_admin may be NULL. */
char          *yp_server_store_check_token    (YpServerStore  *self,
                                               const char     *token,
                                               gboolean       *out_is_admin);
gboolean       yp_server_store_sign_out       (YpServerStore  *self,
                                               const char     *token,
                                               GError        **error);

/* POST /api/v1/sync for @account_id: @request is the parsed body (checked here: any wrong
 * shape or type fails with a YP_SERVER_ERROR or YP_VALIDATION_ERROR and changes nothing).
 * Returns the response object. */
JsonNode      *yp_server_store_sync           (YpServerStore  *self,
                                               const char     *account_id,
                                               JsonNode       *request,
                                               GError        **error);

/* Blobs by sha256, each authorised through an attachment row @account_id may see. */
gboolean       yp_server_store_put_blob       (YpServerStore  *self,
                                               const char     *account_id,
                                               const char     *sha256,
                                               GBytes         *data,
                                               gboolean       *out_created,
                                               GError        **error);
GBytes        *yp_server_store_get_blob       (YpServerStore  *self,
                                               const char     *account_id,
                                               const char     *sha256,
                                               GError        **error);

/* Failed sign-ins per key ("user:<name>", "ip:<address>"): @count in the window that began at
 * @window_start (Unix seconds). Saved so that a restart keeps the rate limit; a count of 0
 * forgets the key. Loading calls @func for every window that began at or after @since and
 * drops the older ones. */
typedef void (*YpServerFailuresFunc) (const char *key,
                                      guint       count,
                                      gint64      window_start,
                                      gpointer    data);

void           yp_server_store_save_failures  (YpServerStore        *self,
                                               const char           *key,
                                               guint                 count,
                                               gint64                window_start);
void           yp_server_store_load_failures  (YpServerStore        *self,
                                               gint64                since,
                                               YpServerFailuresFunc  func,
                                               gpointer              data);

/* Appends to the audit log outside a sync (sign-in, sign-out, refusals). */
void           yp_server_store_audit          (YpServerStore  *self,
                                               const char     *account_id,
                                               const char     *action,
                                               const char     *entity,
                                               const char     *row_id,
                                               const char     *client_id,
                                               const char     *detail);

/* GET /api/v1/snapshot for @account_id, as a sequence of parts (docs/api.md): a header (the
 * one-row "snapshot" table with the cursor), then one SQLite database per table of the schema
 * (the app's own table layout) holding every row of it the account may see at the header's
 * seq, by the same policy as a pull. Each part is built in memory (an attached ':memory:'
 * database, one INSERT ... SELECT with the policy as a SQL function) and serialized: no file.
 *
 * yp_server_snapshot_new opens a connection of the snapshot's own and reads the seq and the
 * account's participations; from then on the snapshot may be used from any one thread at a
 * time. yp_server_snapshot_next_part returns the next part, with the client ids in it that
 * no earlier part held (to audit before the part leaves, yp_server_store_audit_snapshot, on
 * the store's own thread), or NULL when there is none left or on @error. */
typedef struct _YpServerSnapshot YpServerSnapshot;

YpServerSnapshot *yp_server_snapshot_new      (YpServerStore     *store,
                                               const char        *account_id,
                                               GError           **error);
GBytes        *yp_server_snapshot_next_part   (YpServerSnapshot  *snap,
                                               GPtrArray        **out_new_clients,
                                               GError           **error);
gint64         yp_server_snapshot_get_seq     (YpServerSnapshot  *snap);
void           yp_server_snapshot_free        (YpServerSnapshot  *snap);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (YpServerSnapshot, yp_server_snapshot_free)

/* One "read_snapshot" entry per client in @client_ids (detail "seq <seq>"), committed. */
gboolean       yp_server_store_audit_snapshot (YpServerStore     *self,
                                               const char        *account_id,
                                               gint64             seq,
                                               GPtrArray         *client_ids,
                                               GError           **error);
/* Works out @account_id's case set now, if it is not known yet, so that the sync that follows
 * a snapshot finds it ready (it is kept while no participant row changes). */
void           yp_server_store_prepare_case_set (YpServerStore  *self,
                                                 const char     *account_id);

G_END_DECLS
