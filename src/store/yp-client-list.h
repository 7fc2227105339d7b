/* yp-client-list.h — a lazily loaded GListModel of YpClientSummary over the store.
 *
 * Setting search, filter or sort runs the query in a thread (stale queries are cancelled);
 * items are loaded in pages from SQLite when first asked for, so 100 000 clients cost one
 * array of rowids, not 100 000 objects.
 */
#pragma once

#include <gio/gio.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_TYPE_CLIENT_LIST (yp_client_list_get_type ())
G_DECLARE_FINAL_TYPE (YpClientList, yp_client_list, YP, CLIENT_LIST, GObject)

YpClientList  *yp_client_list_new        (YpStore *store);
/* A list whose first result is in the model when this returns (yp_client_list_load_now()):
 * for a window's first frame, once the store's list index is warm. */
YpClientList  *yp_client_list_new_loaded (YpStore        *store,
                                          YpClientFilter  filter,
                                          YpClientSort    sort);
YpStore       *yp_client_list_get_store  (YpClientList *self);
const char    *yp_client_list_get_search (YpClientList *self);
void           yp_client_list_set_search (YpClientList *self, const char *search);
YpClientFilter yp_client_list_get_filter (YpClientList *self);
void           yp_client_list_set_filter (YpClientList *self, YpClientFilter filter);
YpClientSort   yp_client_list_get_sort   (YpClientList *self);
void           yp_client_list_set_sort   (YpClientList *self, YpClientSort sort);
/* Runs the query now, on this thread, instead of in a worker: for a window's first frame,
 * when the store's list index is already warm (a filter pass of a few milliseconds). */
void           yp_client_list_load_now   (YpClientList *self);
/* Re-runs the query (after a change in the store). */
void           yp_client_list_reload     (YpClientList *self);
/* TRUE while a query is running ("loading" property). */
gboolean       yp_client_list_get_loading (YpClientList *self);
/* Position of the client with @id, or G_MAXUINT. */
guint          yp_client_list_find       (YpClientList *self, const char *id);

/* Signal "ready": emitted on the main context after each query's result is in the model. */

G_END_DECLS
