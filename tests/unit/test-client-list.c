/* The client list as the sidebar sees it: a GListModel over a real store on a temporary
 * file, searched as you type, filtered, sorted, following saves, and lazy with many clients. */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "yp-client-list.h"
#include "yp-client-summary.h"
#include "yp-test-util.h"

#define WAIT_MS 10000

typedef struct
{
  char         *dir;
  YpStore      *store;
  YpClientList *list;
  char         *colleague_id;
  GHashTable   *ids;        /* last name → id */
  gboolean      ready;
  guint         n_changed;  /* items-changed emissions */
  guint         last_removed, last_added;
} Fixture;

typedef struct
{
  const char *first, *last, *phone, *address, *status, *follow_up;
  gboolean    mine;
} Client;

static const Client clients[] = {
  { "Aino",    "Virtanen", "040 123 4567", "Kauppakatu 3, Lahti",       "active",    "2026-03-01", TRUE },
  { "Väinö",   "Mäkinen",  "050 765 4321", "Rautatienkatu 12, Heinola", "active",    NULL,         TRUE },
  { "Helmi",   "Ämmälä",   "044 111 2222", "Koulukatu 5, Lahti",        "active",    "2026-02-01", TRUE },
  { "Åsa",     "Åkerlund", "045 333 4444", "Storgatan 8, Porvoo",       "candidate", NULL,         TRUE },
  { "Pentti",  "Öhman",    "040 555 6666", "Puistotie 1, Hollola",      "active",    NULL,         FALSE },
  { "Anneli",  "Laine",    "050 777 8888", "Mäntytie 2, Lahti",         "ended",     NULL,         TRUE },
};

static void
on_ready (YpClientList *list, Fixture *f)
{
  f->ready = TRUE;
}

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added, Fixture *f)
{
  f->n_changed++;
  f->last_removed = removed;
  f->last_added = added;
}

/* Runs the main loop until the list has taken in its latest query; a missing signal fails the
 * test after WAIT_MS instead of hanging it. */
static void
wait_ready (Fixture *f)
{
  if (!yp_test_wait_for (&f->ready, WAIT_MS))
    g_error ("The client list did not emit \"ready\" within %d ms", WAIT_MS);
  f->ready = FALSE;
  g_assert_false (yp_client_list_get_loading (f->list));
}

static void
make_list (Fixture *f)
{
  f->list = yp_client_list_new (f->store);
  g_signal_connect (f->list, "ready", G_CALLBACK (on_ready), f);
  g_signal_connect (f->list, "items-changed", G_CALLBACK (on_items_changed), f);
  g_assert_true (yp_client_list_get_loading (f->list));
  wait_ready (f);
}

static void
setup_empty (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->store = yp_test_store_new (&f->dir);
  f->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_no_error (error);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) colleague = yp_record_new (yp_schema_lookup ("professional"));

  setup_empty (f, data);
  yp_record_set_string (colleague, "name", "Kalle Kollega");
  g_assert_true (yp_store_insert (f->store, colleague, &error));
  g_assert_no_error (error);
  f->colleague_id = g_strdup (yp_record_get_id (colleague));

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      const Client *c = &clients[i];
      g_autoptr(YpRecord) r = yp_test_client_new (c->first, c->last);

      yp_record_set_string (r, "phone", c->phone);
      yp_record_set_string (r, "address", c->address);
      yp_record_set_string (r, "status", c->status);
      yp_record_set_string (r, "next_follow_up", c->follow_up);
      yp_record_set_string (r, "responsible_id",
                            c->mine ? yp_store_get_me_id (f->store) : f->colleague_id);
      g_assert_true (yp_store_insert (f->store, r, &error));
      g_assert_no_error (error);
      g_hash_table_insert (f->ids, g_strdup (c->last), g_strdup (yp_record_get_id (r)));
    }
  make_list (f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->list);
  g_clear_object (&f->store);
  /* Let queued "changed" emissions and cancelled queries finish before the files go. */
  while (g_main_context_iteration (NULL, FALSE));
  g_clear_pointer (&f->ids, g_hash_table_unref);
  g_free (f->colleague_id);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* The list's rows as "Last" names joined by commas: what the user reads top to bottom. */
static char *
shown (Fixture *f)
{
  GListModel *model = G_LIST_MODEL (f->list);
  GString *s = g_string_new (NULL);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);
      const char *name;

      g_assert_true (YP_IS_CLIENT_SUMMARY (item));
      name = yp_client_summary_get_display_name (YP_CLIENT_SUMMARY (item));
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", name);
    }
  g_assert_null (g_list_model_get_item (model, n));
  return g_string_free (s, FALSE);
}

static void
search (Fixture *f, const char *text)
{
  yp_client_list_set_search (f->list, text);
  g_assert_cmpstr (yp_client_list_get_search (f->list), ==, text);
  wait_ready (f);
}

static void
test_ready_matches_store (Fixture *f, gconstpointer data)
{
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *names = shown (f);
  guint n_items = 0;

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (f->list)) == YP_TYPE_CLIENT_SUMMARY);
  g_assert_true (yp_client_list_get_store (f->list) == f->store);
  /* By default: my clients who have not ended, by last name in Finnish order (Å < Ä < Ö). */
  g_assert_cmpint (yp_client_list_get_filter (f->list), ==, YP_CLIENT_FILTER_MINE);
  g_assert_cmpint (yp_client_list_get_sort (f->list), ==, YP_CLIENT_SORT_NAME);
  g_assert_cmpstr (names, ==, "Väinö Mäkinen, Aino Virtanen, Åsa Åkerlund, Helmi Ämmälä");

  rows = yp_store_query_client_rows (f->store, NULL, YP_CLIENT_FILTER_MINE,
                                     YP_CLIENT_SORT_NAME, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, rows->len);
  g_object_get (f->list, "n-items", &n_items, NULL);
  g_assert_cmpuint (n_items, ==, 4);
  /* The first query filled the empty model with one items-changed. */
  g_assert_cmpuint (f->n_changed, ==, 1);
  g_assert_cmpuint (f->last_removed, ==, 0);
  g_assert_cmpuint (f->last_added, ==, 4);

  /* What a row shows besides the name. */
  {
    g_autoptr(YpClientSummary) first = g_list_model_get_item (G_LIST_MODEL (f->list), 0);
    g_autoptr(YpClientSummary) third = g_list_model_get_item (G_LIST_MODEL (f->list), 2);
    g_autoptr(YpClientSummary) second = g_list_model_get_item (G_LIST_MODEL (f->list), 1);

    g_assert_cmpstr (yp_client_summary_get_id (first), ==,
                     g_hash_table_lookup (f->ids, "Mäkinen"));
    g_assert_cmpstr (yp_client_summary_get_responsible_name (first), ==, "Sari Koskinen");
    g_assert_cmpstr (yp_client_summary_get_status (third), ==, "candidate");
    g_assert_cmpstr (yp_client_summary_get_next_follow_up (second), ==, "2026-03-01");
    /* The client, and its creator's owner participant row and "joined" consent event, which
     * are written with it. */
    g_assert_cmpuint (yp_client_summary_get_pending_changes (second), ==, 3);
    g_assert_false (yp_client_summary_get_is_demo (second));
  }
}

static void
test_search_as_you_type (Fixture *f, gconstpointer data)
{
  g_autofree char *v = NULL, *vi = NULL, *vir = NULL, *a = NULL, *ae = NULL, *o = NULL;
  g_autofree char *phone = NULL, *town = NULL, *two = NULL, *none = NULL, *all = NULL;
  guint before;

  yp_client_list_set_filter (f->list, YP_CLIENT_FILTER_ALL);
  wait_ready (f);
  all = shown (f);
  g_assert_cmpstr (all, ==,
                   "Väinö Mäkinen, Aino Virtanen, Åsa Åkerlund, Helmi Ämmälä, Pentti Öhman");

  before = f->n_changed;
  yp_client_list_set_search (f->list, "v");
  g_assert_true (yp_client_list_get_loading (f->list));
  wait_ready (f);
  v = shown (f);
  g_assert_cmpstr (v, ==, "Väinö Mäkinen, Aino Virtanen");
  g_assert_cmpuint (f->n_changed, ==, before + 1);
  g_assert_cmpuint (f->last_removed, ==, 5);
  g_assert_cmpuint (f->last_added, ==, 2);

  search (f, "vi");
  vi = shown (f);
  g_assert_cmpstr (vi, ==, "Aino Virtanen");
  search (f, "vir");
  vir = shown (f);
  g_assert_cmpstr (vir, ==, "Aino Virtanen");

  /* ä is a letter of its own in Finnish, not an a with dots. */
  search (f, "a");
  a = shown (f);
  g_assert_cmpstr (a, ==, "Aino Virtanen");
  search (f, "ä");
  ae = shown (f);
  g_assert_cmpstr (ae, ==, "Helmi Ämmälä");
  search (f, "Ö");
  o = shown (f);
  g_assert_cmpstr (o, ==, "Pentti Öhman");

  /* Phone numbers and address words, and every word must match. */
  search (f, "044 111");
  phone = shown (f);
  g_assert_cmpstr (phone, ==, "Helmi Ämmälä");
  search (f, "lahti");
  town = shown (f);
  g_assert_cmpstr (town, ==, "Aino Virtanen, Helmi Ämmälä");
  search (f, "aino lah");
  two = shown (f);
  g_assert_cmpstr (two, ==, "Aino Virtanen");
  /* FTS syntax typed by a person is just text. */
  search (f, "\"vir* OR NOT");
  none = shown (f);
  g_assert_cmpstr (none, ==, "");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, 0);

  search (f, "");
  g_free (all);
  all = shown (f);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, 5);
}

/* Typing fast: only the last text counts, and exactly one "ready" ends the burst. */
static void
test_fast_typing (Fixture *f, gconstpointer data)
{
  g_autofree char *names = NULL;

  yp_client_list_set_search (f->list, "m");
  yp_client_list_set_search (f->list, "mä");
  yp_client_list_set_search (f->list, "mäk");
  wait_ready (f);
  names = shown (f);
  g_assert_cmpstr (names, ==, "Väinö Mäkinen");
  /* No stale result arrives afterwards. */
  g_assert_false (yp_test_wait_for (&f->ready, 300));
  names = (g_free (names), shown (f));
  g_assert_cmpstr (names, ==, "Väinö Mäkinen");
}

static void
test_filter_and_sort (Fixture *f, gconstpointer data)
{
  g_autofree char *cand = NULL, *ended = NULL, *follow = NULL, *change = NULL;

  yp_client_list_set_filter (f->list, YP_CLIENT_FILTER_CANDIDATES);
  g_assert_cmpint (yp_client_list_get_filter (f->list), ==, YP_CLIENT_FILTER_CANDIDATES);
  wait_ready (f);
  cand = shown (f);
  g_assert_cmpstr (cand, ==, "Åsa Åkerlund");

  yp_client_list_set_filter (f->list, YP_CLIENT_FILTER_ENDED);
  wait_ready (f);
  ended = shown (f);
  g_assert_cmpstr (ended, ==, "Anneli Laine");

  /* Soonest follow-up first, those without one last (by name). */
  yp_client_list_set_filter (f->list, YP_CLIENT_FILTER_ALL);
  wait_ready (f);
  yp_client_list_set_sort (f->list, YP_CLIENT_SORT_NEXT_FOLLOW_UP);
  g_assert_cmpint (yp_client_list_get_sort (f->list), ==, YP_CLIENT_SORT_NEXT_FOLLOW_UP);
  wait_ready (f);
  follow = shown (f);
  g_assert_cmpstr (follow, ==,
                   "Helmi Ämmälä, Aino Virtanen, Väinö Mäkinen, Åsa Åkerlund, Pentti Öhman");

  /* Most recently changed first: the last one saved is on top. */
  yp_client_list_set_sort (f->list, YP_CLIENT_SORT_LAST_CHANGE);
  wait_ready (f);
  change = shown (f);
  g_assert_true (g_str_has_prefix (change, "Pentti Öhman, "));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, 5);

  /* The same properties through GObject, as a view binds them. */
  g_object_set (f->list, "sort", YP_CLIENT_SORT_NAME, "search", "ö", NULL);
  wait_ready (f);
  g_free (change);
  change = shown (f);
  g_assert_cmpstr (change, ==, "Pentti Öhman");
}

static void
test_follows_store_changes (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) added = yp_test_client_new ("Virpi", "Virtanen");
  g_autoptr(YpRecord) renamed = yp_record_new (yp_schema_lookup ("client"));
  g_autoptr(YpRecord) staged = yp_record_new (yp_schema_lookup ("client"));
  g_autoptr(YpClientSummary) before = NULL;
  g_autoptr(YpClientSummary) after = NULL;
  g_autofree char *names = NULL;
  const char *aino = g_hash_table_lookup (f->ids, "Virtanen");
  guint changes;

  search (f, "vir");
  g_assert_cmpuint (yp_client_list_find (f->list, aino), ==, 0);
  g_assert_cmpuint (yp_client_list_find (f->list, g_hash_table_lookup (f->ids, "Ämmälä")), ==,
                    G_MAXUINT);

  /* A new client saved elsewhere in the app appears without anyone asking. */
  yp_record_set_string (added, "responsible_id", yp_store_get_me_id (f->store));
  g_assert_true (yp_store_insert (f->store, added, &error));
  g_assert_no_error (error);
  wait_ready (f);
  names = shown (f);
  g_assert_cmpstr (names, ==, "Aino Virtanen, Virpi Virtanen");
  g_assert_cmpuint (yp_client_list_find (f->list, yp_record_get_id (added)), ==, 1);

  /* A change that keeps the same rows updates the row in place (one items-changed for it). */
  before = g_list_model_get_item (G_LIST_MODEL (f->list), 0);
  g_assert_cmpint (yp_client_summary_get_stage (before), ==, 0);
  changes = f->n_changed;
  yp_record_set_string (staged, "id", aino);
  yp_record_set_int (staged, "stage", 4);
  g_assert_true (yp_store_update (f->store, staged, &error));
  g_assert_no_error (error);
  wait_ready (f);
  after = g_list_model_get_item (G_LIST_MODEL (f->list), 0);
  g_assert_cmpint (yp_client_summary_get_stage (after), ==, 4);
  /* Insert (with the owner participant and its consent event) + this update. */
  g_assert_cmpuint (yp_client_summary_get_pending_changes (after), ==, 4);
  g_assert_cmpuint (f->n_changed, ==, changes + 1);
  g_assert_cmpuint (f->last_removed, ==, 1);
  g_assert_cmpuint (f->last_added, ==, 1);

  /* Renamed so the search no longer matches: she leaves the list. */
  yp_record_set_string (renamed, "id", aino);
  yp_record_set_string (renamed, "last_name", "Aaltonen");
  g_assert_true (yp_store_update (f->store, renamed, &error));
  g_assert_no_error (error);
  wait_ready (f);
  g_free (names);
  names = shown (f);
  g_assert_cmpstr (names, ==, "Virpi Virtanen");
  g_assert_cmpuint (yp_client_list_find (f->list, aino), ==, G_MAXUINT);

  /* And found under the new name, first in name order. */
  search (f, "");
  g_free (names);
  names = shown (f);
  g_assert_cmpstr (names,
                   ==, "Aino Aaltonen, Väinö Mäkinen, Virpi Virtanen, Åsa Åkerlund, Helmi Ämmälä");
  g_assert_cmpuint (yp_client_list_find (f->list, aino), ==, 0);

  /* An explicit reload with nothing changed keeps the rows and says so with "ready". */
  changes = f->n_changed;
  yp_client_list_reload (f->list);
  wait_ready (f);
  g_assert_cmpuint (f->n_changed, ==, changes);
}

static void
test_many_clients_lazy (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(YpClientSummary) first = NULL;
  g_autoptr(YpClientSummary) last = NULL;
  g_autoptr(YpClientSummary) middle = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *ignored = NULL;
  guint n, mid;

  g_assert_true (yp_store_add_demo_clients (f->store, 20000, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (yp_store_count_clients (f->store), ==, 20000);
  make_list (f);

  rows = yp_store_query_client_rows (f->store, NULL, YP_CLIENT_FILTER_MINE,
                                     YP_CLIENT_SORT_NAME, &error);
  n = g_list_model_get_n_items (G_LIST_MODEL (f->list));
  g_assert_cmpuint (n, ==, rows->len);
  /* Two in three demo clients are mine, some of them ended. */
  g_assert_cmpuint (n, >, 10000);
  g_assert_cmpuint (n, <, 15000);

  first = g_list_model_get_item (G_LIST_MODEL (f->list), 0);
  last = g_list_model_get_item (G_LIST_MODEL (f->list), n - 1);
  g_assert_cmpint (yp_client_summary_get_rowid (first), ==, g_array_index (rows, gint64, 0));
  g_assert_cmpint (yp_client_summary_get_rowid (last), ==, g_array_index (rows, gint64, n - 1));
  g_assert_true (yp_client_summary_get_is_demo (first));
  g_assert_cmpuint (yp_client_summary_get_pending_changes (first), ==, 0);

  /* Summaries are made when a row is first asked for, not when the query ran: a row in the
   * middle changed behind the store's back (no "changed") shows its new name when it is
   * first scrolled to. Had all the summaries been built up front, it would show the old. */
  mid = n / 2;
  sql = g_strdup_printf ("UPDATE clients SET first_name = 'Myöhemmin' WHERE rowid = %"
                         G_GINT64_FORMAT, g_array_index (rows, gint64, mid));
  ignored = yp_test_sql_text (yp_store_get_path (f->store), sql);
  middle = g_list_model_get_item (G_LIST_MODEL (f->list), mid);
  g_assert_true (g_str_has_prefix (yp_client_summary_get_display_name (middle), "Myöhemmin "));

  /* Search narrows 20 000 to the right few at once. */
  search (f, "nieminen");
  g_clear_pointer (&rows, g_array_unref);
  rows = yp_store_query_client_rows (f->store, "nieminen", YP_CLIENT_FILTER_MINE,
                                     YP_CLIENT_SORT_NAME, &error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, rows->len);
  g_assert_cmpuint (rows->len, >, 0);
  g_assert_cmpuint (rows->len, <, n / 10);
  for (guint i = 0; i < rows->len; i += 1 + rows->len / 20)
    {
      g_autoptr(YpClientSummary) s = g_list_model_get_item (G_LIST_MODEL (f->list), i);

      g_assert_nonnull (strstr (yp_client_summary_get_display_name (s), " Nieminen"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func, set_up) \
  g_test_add ("/client-list/" name, Fixture, NULL, set_up, func, teardown)
  ADD ("ready", test_ready_matches_store, setup);
  ADD ("search-as-you-type", test_search_as_you_type, setup);
  ADD ("fast-typing", test_fast_typing, setup);
  ADD ("filter-sort", test_filter_and_sort, setup);
  ADD ("follows-store", test_follows_store_changes, setup);
  ADD ("many-clients-lazy", test_many_clients_lazy, setup_empty);
  return g_test_run ();
}
