/* yp-store.h — the local database: migrations, typed queries, outbox, audit.
 *
 * One YpStore owns the SQLite file. All methods are thread-safe; the _async variants run the
 * work in a GTask thread so the UI never waits for disk. No GTK here.
 */
#pragma once

#include <gio/gio.h>

#include "yp-record.h"

G_BEGIN_DECLS

#define YP_STORE_ERROR (yp_store_error_quark ())

typedef enum
{
  YP_STORE_ERROR_OPEN,       /* the file cannot be opened or is not a database */
  YP_STORE_ERROR_TOO_NEW,    /* made by a newer Yhteispolku */
  YP_STORE_ERROR_NOT_FOUND,  /* no such row */
  YP_STORE_ERROR_CONFLICT,   /* unique id already used */
  YP_STORE_ERROR_NO_PROFILE, /* the local professional profile is not set yet */
  YP_STORE_ERROR_DISK,       /* SQLite could not write (full disk, I/O error) */
  YP_STORE_ERROR_FAILED,
} YpStoreError;

GQuark yp_store_error_quark (void);

typedef enum
{
  YP_CLIENT_FILTER_TODAY,      /* the worklist: a follow-up due today or overdue, a consent
                                * waiting or a plan review due; not ended */
  YP_CLIENT_FILTER_MINE,       /* I am the responsible worker */
  YP_CLIENT_FILTER_ALL,        /* every client that is not ended */
  YP_CLIENT_FILTER_CANDIDATES, /* status = candidate */
  YP_CLIENT_FILTER_ENDED,      /* status = ended */
} YpClientFilter;

typedef enum
{
  YP_CLIENT_SORT_NAME,           /* last name, first name */
  YP_CLIENT_SORT_NEXT_FOLLOW_UP, /* soonest first, none last */
  YP_CLIENT_SORT_LAST_CHANGE,    /* most recent first */
} YpClientSort;

#define YP_TYPE_STORE (yp_store_get_type ())
G_DECLARE_FINAL_TYPE (YpStore, yp_store, YP, STORE, GObject)

/* The default database path: $XDG_DATA_HOME/yhteispolku/yhteispolku.db (inside Flatpak that
 * is the app's own data dir). */
char       *yp_store_default_path     (void);

/* Opens (creating if needed) and migrates to YP_SCHEMA_VERSION. */
YpStore    *yp_store_open             (const char *path,
                                       GError    **error);
/* Opens without migrating past @version; for migration tests only. */
YpStore    *yp_store_open_at_version  (const char *path,
                                       guint       version,
                                       GError    **error);
const char *yp_store_get_path         (YpStore *self);
guint       yp_store_get_schema_version (YpStore *self);

/* The signed-in/local professional, or NULL before the first-run profile is saved. */
YpRecord   *yp_store_dup_me           (YpStore *self);
const char *yp_store_get_me_id        (YpStore *self);
/* Saves the local profile: a professional and its organisation (found or created). */
gboolean    yp_store_set_profile      (YpStore    *self,
                                       const char *name,
                                       const char *title,
                                       const char *organization,
                                       GError    **error);

/* Inserts a new row: fills id (if unset), client_id (clients: = id), updated_at/by, validates,
 * and writes the row and its outbox entry in one transaction. */
gboolean    yp_store_insert           (YpStore   *self,
                                       YpRecord  *record,
                                       GError   **error);
/* Updates the set fields of the row with record's id. Only fields whose value changes are
 * written and go to the outbox (with their old and new values), in one transaction. */
gboolean    yp_store_update           (YpStore   *self,
                                       YpRecord  *record,
                                       GError   **error);
YpRecord   *yp_store_get              (YpStore        *self,
                                       const YpEntity *entity,
                                       const char     *id,
                                       GError        **error);
/* Rows of @entity for a client, oldest first. */
GPtrArray  *yp_store_list_for_client  (YpStore        *self,
                                       const YpEntity *entity,
                                       const char     *client_id,
                                       GError        **error);
/* Directory rows (organisations, professionals) ordered by name. */
GPtrArray  *yp_store_list_directory   (YpStore        *self,
                                       const YpEntity *entity,
                                       GError        **error);

/* Insert-or-update in a worker thread; the callback runs in the caller's main context. */
void        yp_store_save_async       (YpStore            *self,
                                       YpRecord           *record,
                                       gboolean            is_new,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
gboolean    yp_store_save_finish      (YpStore      *self,
                                       GAsyncResult *result,
                                       GError      **error);

/* Writes an audit event "this professional viewed this client" (append-only, synced). */
gboolean    yp_store_log_client_view  (YpStore    *self,
                                       const char *client_id,
                                       GError    **error);

/* Outbox: pending mutations, all or for one client. */
guint       yp_store_count_outbox     (YpStore    *self,
                                       const char *client_id);
guint       yp_store_count_clients    (YpStore    *self);

/* Fictional demo clients (marked is_demo); they are never sent to a server. */
gboolean    yp_store_add_demo_clients (YpStore  *self,
                                       guint     n,
                                       GError  **error);

/* The client list: the rowids of matching clients in order (search is a prefix search on
 * every word of the name, phone and address; NULL or "" matches all). */
GArray     *yp_store_query_client_rows (YpStore       *self,
                                        const char    *search,
                                        YpClientFilter filter,
                                        YpClientSort   sort,
                                        GError       **error);
void        yp_store_query_client_rows_async  (YpStore            *self,
                                               const char         *search,
                                               YpClientFilter      filter,
                                               YpClientSort        sort,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
GArray     *yp_store_query_client_rows_finish (YpStore      *self,
                                               GAsyncResult *result,
                                               GError      **error);
/* Loads list summaries (YpClientSummary) for @n rowids, in the given order. */
GPtrArray  *yp_store_load_client_summaries (YpStore      *self,
                                            const gint64 *rowids,
                                            guint         n,
                                            GError      **error);

/* The rowid of the client with @id, or 0. */
gint64      yp_store_lookup_client_rowid (YpStore    *self,
                                          const char *id);

/* ---- sync (used by the sync engine; no network here) -----------------------------------
 *
 * The owner participant row and its "joined" consent event that yp_store_insert() writes with
 * a new client stay in the outbox (they record what happened here) but are never pushed: the
 * server creates the owner participant itself when it applies the client's insert.
 * yp_store_read_outbox() leaves them out, and acknowledging the client's insert removes them.
 * When the server's owner row arrives, it replaces the local one (same client and
 * professional, never synced) and the local consent event is pointed at it. */

/* Up to @limit pending mutations, oldest first, as JSON objects in the form of
 * POST /api/v1/sync (docs/api.md). Returns a JsonArray (never NULL without an error). */
JsonArray  *yp_store_read_outbox      (YpStore    *self,
                                       guint       limit,
                                       GError    **error);
/* The same, only the mutations of the clients in @client_ids (a JsonArray of ids): what must
 * reach the server's quarantine before those clients are purged. */
JsonArray  *yp_store_read_outbox_for_clients (YpStore    *self,
                                              JsonArray  *client_ids,
                                              guint       limit,
                                              GError    **error);
/* Purges not yet acknowledged to the server (client ids; yp_store_apply_pull_page records
 * them with the purge), and forgetting the ones @sent once the server has them. */
GStrv       yp_store_dup_purge_acks   (YpStore            *self);
gboolean    yp_store_clear_purge_acks (YpStore            *self,
                                       const char * const *sent,
                                       GError            **error);
/* The case-set hash (yp_case_set_add) of the clients held as the server gave them (rev > 0),
 * 64 hex digits; cached until the clients table changes. */
char       *yp_store_dup_case_set_hash (YpStore   *self,
                                        GError   **error);
/* Compares the server's list of the clients this user may see with the ones held here:
 * @out_extra (new JsonArray) gets the held ones the server did not list (a missed
 * revocation: purge them), @out_missing the number listed but not held (missed rows). */
gboolean    yp_store_compare_case_set (YpStore     *self,
                                       JsonArray   *server_ids,
                                       JsonArray  **out_extra,
                                       guint       *out_missing,
                                       GError     **error);
/* Removes the outbox entries with these mutation ids (acknowledged by the server). */
gboolean    yp_store_ack_mutations    (YpStore            *self,
                                       const char * const *mutation_ids,
                                       GError            **error);
/* Handles the server's per-mutation results: applied → acknowledged; conflict → one conflict
 * row per field (mine and theirs) and acknowledged; rejected → kept in the rejected list for
 * the user and acknowledged. @mutations is what was sent (to know entity and row). */
gboolean    yp_store_apply_results    (YpStore    *self,
                                       JsonArray  *mutations,
                                       JsonArray  *results,
                                       GError    **error);
/* Applies one pulled page: every change (insert or update by id, with its rev; never into the
 * outbox; fields with a pending local change keep the local value), deletes every row of the
 * clients in @purge (nullable; see yp_store_purge_client) and saves @cursor, all in one
 * transaction, so a purge instruction is never lost behind a saved cursor. */
gboolean    yp_store_apply_pull_page  (YpStore    *self,
                                       JsonArray  *changes,
                                       JsonArray  *purge,
                                       const char *cursor,
                                       GError    **error);
/* Local, never synced settings (server URL, user name, cursor); NULL when unset. */
char       *yp_store_dup_local_state  (YpStore    *self,
                                       const char *key);
gboolean    yp_store_set_local_state  (YpStore    *self,
                                       const char *key,
                                       const char *value,
                                       GError    **error);
/* After sign-in: the professional of this device is the server account @account_id. If the
 * local profile had another id, every reference to it (rows and outbox) is moved over. */
gboolean    yp_store_adopt_account    (YpStore    *self,
                                       const char *account_id,
                                       GError    **error);

typedef struct
{
  gint64  id;
  char   *entity;        /* wire name */
  char   *row_id;
  char   *client_id;
  char   *field;
  char   *local_value;   /* text form, "" for empty */
  char   *server_value;
  char   *server_by;     /* the professional's id, or NULL until the row is pulled */
  char   *server_by_name;/* the professional's name when known */
  char   *server_at;     /* ISO 8601 */
} YpSyncConflict;

void        yp_sync_conflict_free     (YpSyncConflict *conflict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (YpSyncConflict, yp_sync_conflict_free)

/* Unresolved conflicts (all clients when @client_id is NULL), oldest first. */
GPtrArray  *yp_store_list_conflicts   (YpStore    *self,
                                       const char *client_id,
                                       GError    **error);
guint       yp_store_count_conflicts  (YpStore    *self);
/* Resolves one conflict: keeping the local value is a normal update (it goes to the outbox);
 * keeping the server's value changes nothing. The conflict is removed either way. */
gboolean    yp_store_resolve_conflict (YpStore    *self,
                                       gint64      conflict_id,
                                       gboolean    keep_local,
                                       GError    **error);
/* Mutations the server refused (for the user to see). */
guint       yp_store_count_rejected   (YpStore    *self);

/* Deletes every row of @client_id in every client-scoped table, its outbox entries and
 * conflicts, then runs FTS optimize and wal_checkpoint(TRUNCATE) (secure_delete is on), and
 * unlinks its attachment blobs (those no other client refers to), cached copies and draft. */
gboolean    yp_store_purge_client     (YpStore    *self,
                                       const char *client_id,
                                       GError    **error);

/* Emitted (in the main context the store was opened in) after any committed change:
 * "changed" (entity table name, id). */

/* Rows of @entity (any client) whose @field equals @value (NULL: is empty), tombstones left
 * out, ordered by @order_field, at most @limit (0: all). Both names must be fields of @entity. */
GPtrArray  *yp_store_list_where       (YpStore         *self,
                                       const YpEntity  *entity,
                                       const char      *field,
                                       const char      *value,
                                       const char      *order_field,
                                       gboolean         descending,
                                       guint            limit,
                                       GError         **error);

/* Open follow-ups due on or before @today (YYYY-MM-DD) assigned to @assignee_id, of clients
 * that are not ended, soonest first: the worklist. */
GPtrArray  *yp_store_list_follow_ups_due (YpStore     *self,
                                          const char  *assignee_id,
                                          const char  *today,
                                          GError     **error);

/* The first sync from a server snapshot, streamed (GET /api/v1/snapshot): a header part, then
 * one part per table, each a SQLite database. Every part is attached read-only and checked as
 * hostile input (structure, schema, every row through yp_record_validate; one bad row refuses
 * the part). Each table part is upserted by id (higher rev wins; rows with unsent changes are
 * kept) in a transaction of its own, committed only if every check passed, that holds the
 * store's writer lock only while that part is checked and copied, never while the network is
 * awaited; "changed" is emitted per table.
 * Parts taken stay taken if the stream breaks off (they are rows of one consistent snapshot,
 * and the paged pull that follows upserts over them); the cursor is saved only by
 * yp_snapshot_import_finish, once every announced table came. */
typedef struct _YpSnapshotImport YpSnapshotImport;

YpSnapshotImport *yp_store_snapshot_import_new (YpStore *store);
/* Imports the part in the file at @path (absolute; deleted whether taken or not): the header
 * first, then the tables in any order, each exactly once. After a refusal the import takes
 * nothing more. */
gboolean          yp_snapshot_import_part      (YpSnapshotImport  *self,
                                                const char        *path,
                                                GError           **error);
/* The same for a part held in memory (opened read-only with sqlite3_deserialize over @part's
 * bytes, never written or kept). */
gboolean          yp_snapshot_import_part_bytes (YpSnapshotImport  *self,
                                                 GBytes            *part,
                                                 GError           **error);
/* After the stream's end marker: checks that every table came and saves the cursor. */
gboolean          yp_snapshot_import_finish    (YpSnapshotImport  *self,
                                                GError           **error);
void              yp_snapshot_import_free      (YpSnapshotImport  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (YpSnapshotImport, yp_snapshot_import_free)

G_END_DECLS
