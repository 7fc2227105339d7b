/* test-startup.c — what the start-up shortcuts must not change, on a real window and a real
 * temporary database under Xvfb.
 *
 * The window gives its list view only a screenful of clients until the first frame is painted
 * and builds its menus when they are first opened (see HACKING.md, "Start-up"). A nurse must
 * not notice either: the first frame's list is full, every client is there right after it,
 * and the menus open with all their items.
 */
#include "config.h"

#include <adwaita.h>

#include "yp-client-row.h"
#include "yp-client-summary.h"
#include "yp-test-util.h"
#include "yp-ui-test-util.h"
#include "yp-window.h"

#define N_CLIENTS 400

typedef struct
{
  char     *dir;
  YpStore  *store;
  YpWindow *window;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new (BASE_ID);

  /* All clients, so that the list is as long as the database. */
  g_settings_set_string (settings, "client-filter", "all");
  g_settings_reset (settings, "client-sort");
  f->store = yp_test_store_new (&f->dir);
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_no_error (error);
  g_assert_true (yp_store_add_demo_clients (f->store, N_CLIENTS, &error));
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GSettings) settings = g_settings_new (BASE_ID);

  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  while (g_main_context_iteration (NULL, FALSE));
  g_settings_reset (settings, "client-filter");
  g_clear_object (&f->store);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
}

static GtkMenuButton *
find_menu_button (GtkWidget  *root,
                  const char *icon_name)
{
  if (GTK_IS_MENU_BUTTON (root) &&
      g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (root)), icon_name) == 0)
    return GTK_MENU_BUTTON (root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkMenuButton *found = find_menu_button (c, icon_name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GListModel *
list_view_model (Fixture *f)
{
  GtkWidget *view = yp_ui_test_find_type (GTK_WIDGET (f->window), GTK_TYPE_LIST_VIEW);

  g_assert_nonnull (view);
  return G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (view)));
}

typedef struct
{
  Fixture  *f;
  gboolean  painted;
  guint     rows_in_first_frame;
  int       rows_bottom;      /* lowest row edge drawn in the first frame, list coordinates */
  int       list_height;
} FirstFrame;

static void
count_rows (GtkWidget  *widget,
            GtkWidget  *list,
            FirstFrame *ff)
{
  if (YP_IS_CLIENT_ROW (widget) && gtk_widget_get_mapped (widget))
    {
      graphene_rect_t bounds;

      ff->rows_in_first_frame++;
      if (gtk_widget_compute_bounds (widget, list, &bounds))
        ff->rows_bottom = MAX (ff->rows_bottom, (int) (bounds.origin.y + bounds.size.height));
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    count_rows (c, list, ff);
}

static void
on_after_paint (GdkFrameClock *clock,
                FirstFrame    *ff)
{
  GtkWidget *list = yp_ui_test_find_type (GTK_WIDGET (ff->f->window), GTK_TYPE_LIST_VIEW);

  g_signal_handlers_disconnect_by_func (clock, on_after_paint, ff);
  ff->list_height = gtk_widget_get_height (list);
  count_rows (list, list, ff);
  ff->painted = TRUE;
}

/* Presents the window (a new one unless the test made it) and waits for its first frame, noting what that frame showed. */
static void
present_and_wait_for_first_frame (Fixture    *f,
                                  FirstFrame *ff)
{
  if (f->window == NULL)
    f->window = yp_window_new (NULL, f->store);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 700);
  ff->f = f;
  gtk_window_present (GTK_WINDOW (f->window));
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (f->window)), "after-paint",
                    G_CALLBACK (on_after_paint), ff);
  if (!yp_test_wait_for (&ff->painted, 5000))
    g_error ("The window painted no frame within 5 s");
}

/* The first frame shows a full list (rows down to the bottom edge), and right after it every
 * client can be reached: the view has them all, and opening the last one selects it. */
static void
test_long_list (Fixture *f, gconstpointer data)
{
  YpClientList *clients;
  GListModel *model;
  FirstFrame ff = { 0 };
  g_autoptr(YpClientSummary) last = NULL;
  guint n;

  present_and_wait_for_first_frame (f, &ff);
  clients = yp_window_get_client_list (f->window);
  /* "All" leaves out the ended client relationships among the demo clients. */
  n = g_list_model_get_n_items (G_LIST_MODEL (clients));
  g_assert_cmpuint (n, >, 300);
  g_assert_cmpuint (ff.rows_in_first_frame, >, 3);
  g_assert_cmpint (ff.list_height, >, 300);
  g_assert_cmpint (ff.rows_bottom, >=, ff.list_height);

  yp_ui_test_flush (5);
  model = list_view_model (f);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);

  last = g_list_model_get_item (G_LIST_MODEL (clients), n - 1);
  yp_window_show_client (f->window, yp_client_summary_get_id (last));
  g_assert_cmpuint (gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (model)), ==, n - 1);
  g_assert_cmpstr (yp_window_get_client_id (f->window), ==, yp_client_summary_get_id (last));
}

/* With classic scrollbars (overlay scrolling off) the slider would show a cut list, so the
 * view has every client from the start. In a process of its own: GTK 4.8 passes a change of
 * this setting on to scrolled windows already destroyed. */
static void
test_classic_scrollbars (Fixture *f, gconstpointer data)
{
  FirstFrame ff = { 0 };
  guint n;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  g_object_set (gtk_settings_get_default (), "gtk-overlay-scrolling", FALSE, NULL);
  f->window = yp_window_new (NULL, f->store);
  n = g_list_model_get_n_items (G_LIST_MODEL (yp_window_get_client_list (f->window)));
  g_assert_cmpuint (n, >, 300);
  g_assert_cmpuint (g_list_model_get_n_items (list_view_model (f)), ==, n);
  present_and_wait_for_first_frame (f, &ff);
  g_assert_cmpuint (g_list_model_get_n_items (list_view_model (f)), ==, n);
}

static guint
count_menu_items (GMenuModel *model)
{
  guint n = 0;

  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (model, i, G_MENU_LINK_SECTION);

      n += section ? count_menu_items (section) : 1;
    }
  return n;
}

/* The main menu and the list's view menu open with all their items though they are built
 * only then, and choosing from the view menu still changes the list. */
static void
test_menus_on_first_open (Fixture *f, gconstpointer data)
{
  FirstFrame ff = { 0 };
  GtkMenuButton *main_menu;
  GtkWidget *popover;
  GtkMenuButton *view_button = NULL;

  present_and_wait_for_first_frame (f, &ff);
  main_menu = find_menu_button (GTK_WIDGET (f->window), "open-menu-symbolic");
  g_assert_nonnull (main_menu);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (main_menu)));
  g_assert_true (gtk_menu_button_get_primary (main_menu));

  gtk_menu_button_popup (main_menu);
  yp_ui_test_flush (5);
  popover = GTK_WIDGET (gtk_menu_button_get_popover (main_menu));
  g_assert_true (GTK_IS_POPOVER_MENU (popover));
  g_assert_true (gtk_widget_get_visible (popover));
  /* Demo clients, sign in (sync now and sign out are hidden while signed out), shortcuts,
   * about. */
  g_assert_cmpuint (count_menu_items (gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover))),
                    ==, 6);
  gtk_menu_button_popdown (main_menu);

  /* The view button shows its label; its menu has the five groups and three orders. */
  for (GtkWidget *w = yp_ui_test_find_type (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_ENTRY); w;
       w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_MENU_BUTTON (w))
      view_button = GTK_MENU_BUTTON (w);
  g_assert_nonnull (view_button);
  g_assert_cmpstr (gtk_menu_button_get_label (view_button), ==, "All");
  gtk_menu_button_popup (view_button);
  yp_ui_test_flush (5);
  popover = GTK_WIDGET (gtk_menu_button_get_popover (view_button));
  g_assert_true (GTK_IS_POPOVER_MENU (popover));
  g_assert_cmpuint (count_menu_items (gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover))),
                    ==, 8);
  gtk_menu_button_popdown (view_button);

  g_action_group_activate_action (G_ACTION_GROUP (f->window), "filter",
                                  g_variant_new_string ("ended"));
  g_assert_cmpstr (gtk_menu_button_get_label (view_button), ==, "Ended");
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(name, func) g_test_add ("/startup/" name, Fixture, NULL, setup, func, teardown)
  ADD ("long-list", test_long_list);
  ADD ("menus-on-first-open", test_menus_on_first_open);
  ADD ("classic-scrollbars", test_classic_scrollbars);
  return g_test_run ();
}
