/* yp-sync-engine.h — offline-first sync with the coordination server (docs/api.md).
 *
 * One sync at a time: push the outbox, then pull pages until "more" is false; each page is
 * applied together with its cursor in one transaction (yp_store_apply_pull_page). All network
 * and disk work runs in a worker thread; the main thread only sees state changes. The token
 * lives in the keyring (yp-credentials.h); the server address and user name in the store's
 * local state. No GTK here.
 */
#pragma once

#include <gio/gio.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_SYNC_ERROR (yp_sync_error_quark ())

typedef enum
{
  YP_SYNC_ERROR_OFFLINE,             /* the server could not be reached */
  YP_SYNC_ERROR_INVALID_CREDENTIALS, /* wrong user name or password */
  YP_SYNC_ERROR_RATE_LIMITED,        /* too many sign-in attempts */
  YP_SYNC_ERROR_UNAUTHORIZED,        /* the sign-in has expired: sign in again */
  YP_SYNC_ERROR_NOT_SIGNED_IN,
  YP_SYNC_ERROR_SERVER,              /* the server refused the request */
  YP_SYNC_ERROR_INVALID_URL,
} YpSyncError;

GQuark yp_sync_error_quark (void);

typedef enum
{
  YP_SYNC_STATE_SIGNED_OUT,
  YP_SYNC_STATE_OFFLINE,
  YP_SYNC_STATE_SYNCING,
  YP_SYNC_STATE_SYNCED,
  YP_SYNC_STATE_WAITING,   /* signed in, local changes not sent yet */
  YP_SYNC_STATE_CONFLICTS, /* conflicts wait for the user */
} YpSyncState;

GType yp_sync_state_get_type (void) G_GNUC_CONST;
#define YP_TYPE_SYNC_STATE (yp_sync_state_get_type ())

#define YP_TYPE_SYNC_ENGINE (yp_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (YpSyncEngine, yp_sync_engine, YP, SYNC_ENGINE, GObject)

YpSyncEngine *yp_sync_engine_new            (YpStore *store);
/* Starts automatic sync (on start, after local changes, periodically, when the network comes
 * back) if this device is signed in; when it is not, does nothing at all. */
void          yp_sync_engine_start          (YpSyncEngine *self);
/* Intervals for tests: debounce after a local change and the periodic sync, in ms. */
void          yp_sync_engine_set_intervals  (YpSyncEngine *self,
                                             guint         debounce_ms,
                                             guint         periodic_ms);

YpSyncState   yp_sync_engine_get_state      (YpSyncEngine *self);
guint         yp_sync_engine_get_n_waiting  (YpSyncEngine *self);
guint         yp_sync_engine_get_n_conflicts (YpSyncEngine *self);
/* ISO 8601 time of the last successful sync, or NULL. */
const char   *yp_sync_engine_get_last_sync  (YpSyncEngine *self);
/* The offline lease (architecture.md): a device that has synced shows its clients for
 * YP_SYNC_LEASE_DAYS after its last successful sync; past that they stay hidden until it
 * syncs again, so a laptop left offline (or lost) does not show client data for ever. */
#define YP_SYNC_LEASE_DAYS 14
gboolean      yp_sync_lease_expired         (const char   *last_sync,
                                             GDateTime    *now);
gboolean      yp_sync_engine_is_lease_expired (YpSyncEngine *self);
gboolean      yp_sync_engine_is_signed_in   (YpSyncEngine *self);
const char   *yp_sync_engine_get_server_url (YpSyncEngine *self);
const char   *yp_sync_engine_get_username   (YpSyncEngine *self);
/* The last sync error for the user, or NULL. */
const char   *yp_sync_engine_get_last_error (YpSyncEngine *self);

/* POST /api/v1/session; the token goes to the keyring; then a first sync starts. */
void          yp_sync_engine_sign_in_async  (YpSyncEngine        *self,
                                             const char          *url,
                                             const char          *username,
                                             const char          *password,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean      yp_sync_engine_sign_in_finish (YpSyncEngine  *self,
                                             GAsyncResult  *result,
                                             GError       **error);
/* DELETE /api/v1/session (best effort) and the token leaves the keyring. */
void          yp_sync_engine_sign_out_async (YpSyncEngine        *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean      yp_sync_engine_sign_out_finish (YpSyncEngine  *self,
                                              GAsyncResult  *result,
                                              GError       **error);
/* One sync (push, then pull); a call during a running sync waits for the next one. */
void          yp_sync_engine_sync_async     (YpSyncEngine        *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean      yp_sync_engine_sync_finish    (YpSyncEngine  *self,
                                             GAsyncResult  *result,
                                             GError       **error);

/* Signals: "client-purged" (client id, client's name or NULL, number of unsent changes the
 * server quarantined for the owner's review): the server said this device may no longer see
 * the client, and everything of it was deleted here. */

G_END_DECLS
