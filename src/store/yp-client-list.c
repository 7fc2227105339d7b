/* yp-client-list.c — a lazily loaded GListModel of YpClientSummary over the store. */
#define G_LOG_DOMAIN "yp-client-list"

#include "config.h"

#include "yp-client-list.h"
#include <string.h>

#include "yp-client-summary.h"

#define PAGE_SIZE 64
#define MAX_CACHED_PAGES 32

struct _YpClientList
{
  GObject        parent_instance;

  YpStore       *store;
  char          *search;
  YpClientFilter filter;
  YpClientSort   sort;

  GArray        *rows;       /* gint64 rowids in list order */
  GHashTable    *pages;      /* page index → GPtrArray of YpClientSummary (same order) */
  GCancellable  *cancellable;
  guint          reload_source;
  gboolean       loading;
  gboolean       pending_query;
  gboolean       load_now;     /* construct-only: first query on the calling thread */
  gboolean       constructed;  /* construct properties set no query before this */
};

static void yp_client_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (YpClientList, yp_client_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      yp_client_list_model_init))

enum { PROP_0, PROP_STORE, PROP_SEARCH, PROP_FILTER, PROP_SORT, PROP_LOADING, PROP_N_ITEMS,
       PROP_LOAD_NOW,
       N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_READY, N_SIGNALS };
static guint signals[N_SIGNALS];

static void start_query (YpClientList *self);

/* ---- GListModel ------------------------------------------------------------------------ */

static GType
yp_client_list_get_item_type (GListModel *model)
{
  return YP_TYPE_CLIENT_SUMMARY;
}

static guint
yp_client_list_get_n_items (GListModel *model)
{
  return YP_CLIENT_LIST (model)->rows->len;
}

static GPtrArray *
load_page (YpClientList *self,
           guint         page)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *items;
  guint start = page * PAGE_SIZE;
  guint n = MIN (PAGE_SIZE, self->rows->len - start);

  items = yp_store_load_client_summaries (self->store,
                                          &g_array_index (self->rows, gint64, start), n,
                                          &error);
  if (items == NULL)
    {
      g_warning ("Could not load clients: %s", error->message);
      items = g_ptr_array_new_with_free_func (g_object_unref);
    }
  /* Keep every position filled even if a row vanished since the query; a reload follows. */
  for (guint i = 0; i < n; i++)
    {
      gint64 rowid = g_array_index (self->rows, gint64, start + i);

      if (i >= items->len || yp_client_summary_get_rowid (items->pdata[i]) != rowid)
        g_ptr_array_insert (items, (int) i,
                            yp_client_summary_new (rowid, NULL, "", "", NULL, 0, NULL, NULL, 0,
                                                   FALSE));
    }
  g_ptr_array_set_size (items, n);
  return items;
}

static gpointer
yp_client_list_get_item (GListModel *model,
                         guint       position)
{
  YpClientList *self = YP_CLIENT_LIST (model);
  guint page = position / PAGE_SIZE;
  GPtrArray *items;

  if (position >= self->rows->len)
    return NULL;

  items = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  if (items == NULL)
    {
      if (g_hash_table_size (self->pages) >= MAX_CACHED_PAGES)
        g_hash_table_remove_all (self->pages);
      items = load_page (self, page);
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), items);
    }
  return g_object_ref (items->pdata[position % PAGE_SIZE]);
}

static void
yp_client_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = yp_client_list_get_item_type;
  iface->get_n_items = yp_client_list_get_n_items;
  iface->get_item = yp_client_list_get_item;
}

/* ---- results --------------------------------------------------------------------------- */

static gboolean
same_rows (GArray *a,
           GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (gint64)) == 0;
}

static gboolean
summary_equal (YpClientSummary *a,
               YpClientSummary *b)
{
  return g_strcmp0 (yp_client_summary_get_display_name (a),
                    yp_client_summary_get_display_name (b)) == 0
         && g_strcmp0 (yp_client_summary_get_status (a), yp_client_summary_get_status (b)) == 0
         && yp_client_summary_get_stage (a) == yp_client_summary_get_stage (b)
         && g_strcmp0 (yp_client_summary_get_next_follow_up (a),
                       yp_client_summary_get_next_follow_up (b)) == 0
         && g_strcmp0 (yp_client_summary_get_responsible_name (a),
                       yp_client_summary_get_responsible_name (b)) == 0
         && yp_client_summary_get_pending_changes (a)
            == yp_client_summary_get_pending_changes (b)
         && yp_client_summary_get_is_demo (a) == yp_client_summary_get_is_demo (b);
}

/* Same rows as before: refresh only the loaded pages and signal only the rows whose content
 * changed, so the list keeps its selection and scroll position. */
static void
refresh_in_place (YpClientList *self)
{
  g_autoptr(GList) keys = g_hash_table_get_keys (self->pages);

  for (GList *l = keys; l; l = l->next)
    {
      guint page = GPOINTER_TO_UINT (l->data);
      GPtrArray *old = g_hash_table_lookup (self->pages, l->data);
      g_autoptr(GPtrArray) fresh = load_page (self, page);

      for (guint i = 0; i < old->len && i < fresh->len; i++)
        if (!summary_equal (old->pdata[i], fresh->pdata[i]))
          {
            g_object_unref (old->pdata[i]);
            old->pdata[i] = g_object_ref (fresh->pdata[i]);
            g_list_model_items_changed (G_LIST_MODEL (self), page * PAGE_SIZE + i, 1, 1);
          }
    }
}

static void
set_loading (YpClientList *self,
             gboolean      loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* Puts a query's result into the model and says so. */
static void
apply_rows (YpClientList *self,
            GArray       *rows)
{
  guint old_n = self->rows->len;

  if (same_rows (self->rows, rows))
    refresh_in_place (self);
  else
    {
      g_array_unref (self->rows);
      self->rows = g_array_ref (rows);
      g_hash_table_remove_all (self->pages);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->rows->len);
      if (old_n != self->rows->len)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }

  if (self->pending_query)
    {
      start_query (self);
      return;
    }
  set_loading (self, FALSE);
  g_signal_emit (self, signals[SIGNAL_READY], 0);
}

static void
query_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(YpClientList) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;

  rows = yp_store_query_client_rows_finish (YP_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);

  if (rows == NULL)
    {
      g_warning ("Could not search clients: %s", error->message);
      rows = g_array_new (FALSE, FALSE, sizeof (gint64));
    }
  apply_rows (self, rows);
}

void
yp_client_list_load_now (YpClientList *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;

  g_return_if_fail (YP_IS_CLIENT_LIST (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->pending_query = FALSE;
  rows = yp_store_query_client_rows (self->store, self->search, self->filter, self->sort,
                                     &error);
  if (rows == NULL)
    {
      g_warning ("Could not search clients: %s", error->message);
      rows = g_array_new (FALSE, FALSE, sizeof (gint64));
    }
  apply_rows (self, rows);
}

static void
start_query (YpClientList *self)
{
  /* A newer keystroke makes the running query pointless. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->pending_query = FALSE;
  self->cancellable = g_cancellable_new ();
  set_loading (self, TRUE);
  yp_store_query_client_rows_async (self->store, self->search, self->filter, self->sort,
                                    self->cancellable, query_done_cb, g_object_ref (self));
}

static gboolean
reload_idle_cb (gpointer data)
{
  YpClientList *self = data;

  self->reload_source = 0;
  /* Changes arrive in bursts (a save writes a row and an audit event): one query after the
   * running one is enough. */
  if (self->cancellable != NULL)
    self->pending_query = TRUE;
  else
    start_query (self);
  return G_SOURCE_REMOVE;
}

static void
on_store_changed (YpStore      *store,
                  const char   *table,
                  const char   *id,
                  YpClientList *self)
{
  if (self->reload_source == 0)
    self->reload_source = g_idle_add (reload_idle_cb, self);
}

/* ---- GObject --------------------------------------------------------------------------- */

static void
yp_client_list_dispose (GObject *object)
{
  YpClientList *self = YP_CLIENT_LIST (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->store)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (yp_client_list_parent_class)->dispose (object);
}

static void
yp_client_list_finalize (GObject *object)
{
  YpClientList *self = YP_CLIENT_LIST (object);

  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->search, g_free);
  G_OBJECT_CLASS (yp_client_list_parent_class)->finalize (object);
}

static void
yp_client_list_constructed (GObject *object)
{
  YpClientList *self = YP_CLIENT_LIST (object);

  G_OBJECT_CLASS (yp_client_list_parent_class)->constructed (object);
  g_signal_connect_object (self->store, "changed", G_CALLBACK (on_store_changed), self, 0);
  self->constructed = TRUE;
  if (self->load_now)
    yp_client_list_load_now (self);
  else
    start_query (self);
}

static void
yp_client_list_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  YpClientList *self = YP_CLIENT_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_SEARCH: g_value_set_string (value, self->search); break;
    case PROP_FILTER: g_value_set_int (value, self->filter); break;
    case PROP_SORT: g_value_set_int (value, self->sort); break;
    case PROP_LOADING: g_value_set_boolean (value, self->loading); break;
    case PROP_N_ITEMS: g_value_set_uint (value, self->rows->len); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_client_list_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  YpClientList *self = YP_CLIENT_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    case PROP_SEARCH: yp_client_list_set_search (self, g_value_get_string (value)); break;
    case PROP_FILTER: yp_client_list_set_filter (self, g_value_get_int (value)); break;
    case PROP_SORT: yp_client_list_set_sort (self, g_value_get_int (value)); break;
    case PROP_LOAD_NOW: self->load_now = g_value_get_boolean (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_client_list_class_init (YpClientListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                   G_PARAM_STATIC_STRINGS;

  object_class->dispose = yp_client_list_dispose;
  object_class->finalize = yp_client_list_finalize;
  object_class->constructed = yp_client_list_constructed;
  object_class->get_property = yp_client_list_get_property;
  object_class->set_property = yp_client_list_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH] = g_param_spec_string ("search", NULL, NULL, NULL, rw);
  /* Plain ints (YpClientFilter / YpClientSort) keep the data layer free of enum GTypes. */
  properties[PROP_FILTER] = g_param_spec_int ("filter", NULL, NULL, 0, YP_CLIENT_FILTER_ENDED,
                                              YP_CLIENT_FILTER_MINE, rw);
  properties[PROP_SORT] = g_param_spec_int ("sort", NULL, NULL, 0, YP_CLIENT_SORT_LAST_CHANGE,
                                            YP_CLIENT_SORT_NAME, rw);
  properties[PROP_LOAD_NOW] =
    g_param_spec_boolean ("load-now", NULL, NULL, FALSE,
                          G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * YpClientList::ready:
   *
   * Emitted when the result of the latest search, filter or sort is in the model.
   */
  signals[SIGNAL_READY] = g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
yp_client_list_init (YpClientList *self)
{
  self->rows = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  self->filter = YP_CLIENT_FILTER_MINE;
  self->sort = YP_CLIENT_SORT_NAME;
}

YpClientList *
yp_client_list_new (YpStore *store)
{
  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  return g_object_new (YP_TYPE_CLIENT_LIST, "store", store, NULL);
}

YpClientList *
yp_client_list_new_loaded (YpStore        *store,
                           YpClientFilter  filter,
                           YpClientSort    sort)
{
  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  return g_object_new (YP_TYPE_CLIENT_LIST, "store", store, "filter", filter, "sort", sort,
                       "load-now", TRUE, NULL);
}

YpStore *
yp_client_list_get_store (YpClientList *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_LIST (self), NULL);
  return self->store;
}

const char *
yp_client_list_get_search (YpClientList *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_LIST (self), NULL);
  return self->search;
}

void
yp_client_list_set_search (YpClientList *self,
                           const char   *search)
{
  g_return_if_fail (YP_IS_CLIENT_LIST (self));

  if (g_strcmp0 (self->search, search) == 0)
    return;
  g_free (self->search);
  self->search = g_strdup (search);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);
  if (self->constructed)
    start_query (self);
}

YpClientFilter
yp_client_list_get_filter (YpClientList *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_LIST (self), YP_CLIENT_FILTER_MINE);
  return self->filter;
}

void
yp_client_list_set_filter (YpClientList   *self,
                           YpClientFilter  filter)
{
  g_return_if_fail (YP_IS_CLIENT_LIST (self));

  if (self->filter == filter)
    return;
  self->filter = filter;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
  if (self->constructed)
    start_query (self);
}

YpClientSort
yp_client_list_get_sort (YpClientList *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_LIST (self), YP_CLIENT_SORT_NAME);
  return self->sort;
}

void
yp_client_list_set_sort (YpClientList *self,
                         YpClientSort  sort)
{
  g_return_if_fail (YP_IS_CLIENT_LIST (self));

  if (self->sort == sort)
    return;
  self->sort = sort;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT]);
  if (self->constructed)
    start_query (self);
}

void
yp_client_list_reload (YpClientList *self)
{
  g_return_if_fail (YP_IS_CLIENT_LIST (self));
  start_query (self);
}

gboolean
yp_client_list_get_loading (YpClientList *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_LIST (self), FALSE);
  return self->loading;
}

guint
yp_client_list_find (YpClientList *self,
                     const char   *id)
{
  gint64 rowid;

  g_return_val_if_fail (YP_IS_CLIENT_LIST (self), G_MAXUINT);
  g_return_val_if_fail (id != NULL, G_MAXUINT);

  rowid = yp_store_lookup_client_rowid (self->store, id);
  if (rowid == 0)
    return G_MAXUINT;
  for (guint i = 0; i < self->rows->len; i++)
    if (g_array_index (self->rows, gint64, i) == rowid)
      return i;
  return G_MAXUINT;
}
