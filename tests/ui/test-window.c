/* test-window.c — the real main window on a real temporary database, under Xvfb.
 *
 * Drives the window as a nurse would, through its actions and widgets, and checks what she
 * would see: the list after typing in the search box, the first-run profile, a new client
 * with a mistake in it, an edit that is saved field by field, the access log.
 * With YP_SCREENSHOT_DIR set, each step also writes a PNG of the window to look at.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>
#include <glib/gstdio.h>

#include "yp-client-editor.h"
#include "yp-client-summary.h"
#include "yp-client-view.h"
#include "yp-new-client-dialog.h"
#include "yp-notifications.h"
#include "yp-participants.h"
#include "yp-test-util.h"
#include "yp-ui-test-util.h"
#include "yp-window.h"

typedef struct
{
  char     *dir;
  YpStore  *store;
  YpWindow *window;
} Fixture;

static void
add_client (Fixture *f, const char *first, const char *last, const char *status, gboolean mine)
{
  g_autoptr(YpRecord) c = yp_test_client_new (first, last);
  g_autoptr(GError) error = NULL;

  yp_record_set_string (c, "status", status);
  yp_record_set_string (c, "phone", "040 555 0101");
  yp_record_set_string (c, "address", "Vesijärvenkatu 11, Lahti");
  if (mine)
    yp_record_set_string (c, "responsible_id", yp_store_get_me_id (f->store));
  g_assert_true (yp_store_insert (f->store, c, &error));
  g_assert_no_error (error);
}

static void
on_list_ready (YpWindow *window, gboolean *flag)
{
  *flag = TRUE;
}

/* Runs the main loop until the window's list has answered the latest query (at once when no
 * query is running: the window's first result is in place before it is shown). */
static void
wait_for_list (Fixture *f)
{
  gboolean ready = !yp_client_list_get_loading (yp_window_get_client_list (f->window));
  gulong id = g_signal_connect (f->window, "list-ready", G_CALLBACK (on_list_ready), &ready);

  if (!yp_test_wait_for (&ready, 5000))
    g_error ("The client list did not answer within 5 s");
  g_signal_handler_disconnect (f->window, id);
  /* Let the list view create and draw its rows. */
  while (g_main_context_iteration (NULL, FALSE));
}

/* The entry row whose title starts with @title (the English UI), found as a screen reader
 * would: by walking the widget tree. */
static GtkWidget *
find_entry_row (GtkWidget  *root,
                const char *title)
{
  if (ADW_IS_ENTRY_ROW (root) &&
      g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_entry_row (c, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  /* Settings live in memory for the whole test program: start each test from the defaults. */
  {
    g_autoptr(GSettings) settings = g_settings_new (BASE_ID);

    g_settings_reset (settings, "client-filter");
    g_settings_reset (settings, "client-sort");
  }
  f->store = yp_test_store_new (&f->dir);
  if (data == NULL)
    {
      g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                           "Lahden terveysasema", &error));
      add_client (f, "Aino", "Virtanen", "active", TRUE);
      add_client (f, "Bertil", "Lindqvist", "active", TRUE);
      add_client (f, "Aila", "Mäkinen", "candidate", TRUE);
      add_client (f, "Matti", "Makkonen", "active", FALSE);
      add_client (f, "Olli", "Öhman", "ended", TRUE);
    }
  f->window = yp_window_new (NULL, f->store);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 700);
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  while (g_main_context_iteration (NULL, FALSE));
  g_clear_object (&f->store);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
}

static char *
list_names (Fixture *f)
{
  GListModel *model = G_LIST_MODEL (yp_window_get_client_list (f->window));
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(YpClientSummary) c = g_list_model_get_item (model, i);

      g_string_append_printf (s, "%s%s", s->len ? ", " : "",
                              yp_client_summary_get_display_name (c));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Replacing the text clears it first, and GtkSearchEntry reports a cleared entry at once: wait
 * for the answer to the text itself. */
static void
type_search (Fixture *f, const char *text)
{
  YpClientList *clients = yp_window_get_client_list (f->window);

  gtk_editable_set_text (yp_window_get_search_entry (f->window), text);
  for (int i = 0; i < 500 && g_strcmp0 (yp_client_list_get_search (clients) ?: "", text) != 0; i++)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (yp_client_list_get_search (clients) ?: "", ==, text);
  wait_for_list (f);
}

static void
assert_list (Fixture *f, const char *expected)
{
  g_autofree char *names = list_names (f);

  g_assert_cmpstr (names, ==, expected);
}

static void
test_search_as_you_type (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *views = NULL;
  g_autofree char *db = g_build_filename (f->dir, "yhteispolku.db", NULL);

  /* No waiting: the list is there on the window's first frame. */
  g_assert_false (yp_client_list_get_loading (yp_window_get_client_list (f->window)));
  g_assert_cmpstr (yp_window_get_page (f->window), ==, "main");
  /* "Mine" is the first view: my current clients, by last name (a before ä). */
  assert_list (f, "Bertil Lindqvist, Aila Mäkinen, Aino Virtanen");
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "list");

  g_action_group_activate_action (G_ACTION_GROUP (f->window), "filter",
                                  g_variant_new_string ("all"));
  wait_for_list (f);
  assert_list (f, "Bertil Lindqvist, Matti Makkonen, Aila Mäkinen, Aino Virtanen");

  type_search (f, "m");
  assert_list (f, "Matti Makkonen, Aila Mäkinen");
  type_search (f, "mä");
  assert_list (f, "Aila Mäkinen");
  type_search (f, "vesijärvenk");
  assert_list (f, "Bertil Lindqvist, Matti Makkonen, Aila Mäkinen, Aino Virtanen");
  type_search (f, "zz");
  assert_list (f, "");
  g_assert_cmpstr (yp_window_get_list_state (f->window), ==, "no-results");
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "no-results");

  type_search (f, "vir");
  assert_list (f, "Aino Virtanen");
  g_assert_cmpstr (yp_window_get_list_state (f->window), ==, "list");

  /* Enter opens the first match, and opening a client is written to the access log. */
  g_signal_emit_by_name (yp_window_get_search_entry (f->window), "activate");
  g_assert_nonnull (yp_window_get_client_id (f->window));
  views = yp_test_sql_text (db, "SELECT count(*) FROM audit_events WHERE action = 'view'"
                                " AND client_id = (SELECT id FROM clients"
                                " WHERE last_name = 'Virtanen')");
  g_assert_cmpstr (views, ==, "1");
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "client");

  g_action_group_activate_action (G_ACTION_GROUP (f->window), "filter",
                                  g_variant_new_string ("ended"));
  type_search (f, "");
  assert_list (f, "Olli Öhman");
}

static void
test_first_run_profile (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "yhteispolku.db", NULL);
  g_autofree char *name = NULL;

  g_assert_cmpstr (yp_window_get_page (f->window), ==, "profile");
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "first-run");
  /* Ctrl+N does nothing before the profile exists. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-client", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_window_get_toplevels ()), ==, 1);

  g_assert_null (yp_store_get_me_id (f->store));
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", NULL, "Lahden terveysasema",
                                       NULL));
  name = yp_test_sql_text (db, "SELECT name FROM professionals");
  g_assert_cmpstr (name, ==, "Sari Koskinen");
}

static void
on_client_added (YpNewClientDialog *dialog, const char *id, char **out)
{
  *out = g_strdup (id);
}

static void
test_new_client_keeps_text_on_error (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "yhteispolku.db", NULL);
  g_autofree char *added = NULL;
  g_autofree char *birth = NULL;
  GListModel *toplevels = gtk_window_get_toplevels ();
  YpNewClientDialog *dialog = NULL;
  GtkWidget *editor;
  GtkWidget *first, *last, *date;

  wait_for_list (f);
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-client", NULL);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (YP_IS_NEW_CLIENT_DIALOG (w))
        dialog = YP_NEW_CLIENT_DIALOG (w);
    }
  g_assert_nonnull (dialog);
  g_signal_connect (dialog, "client-added", G_CALLBACK (on_client_added), &added);
  editor = yp_new_client_dialog_get_editor (dialog);

  first = find_entry_row (editor, "First name");
  last = find_entry_row (editor, "Last name");
  date = find_entry_row (editor, "Birth date");
  g_assert_nonnull (first);
  g_assert_nonnull (last);
  g_assert_nonnull (date);

  gtk_editable_set_text (GTK_EDITABLE (first), "Helmi");
  gtk_editable_set_text (GTK_EDITABLE (date), "31.2.1950");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.add", NULL);
  /* Both mistakes are named, nothing typed is cleared, nothing is saved. */
  g_assert_nonnull (yp_client_editor_get_field_error (YP_CLIENT_EDITOR (editor), "last_name"));
  g_assert_nonnull (yp_client_editor_get_field_error (YP_CLIENT_EDITOR (editor), "birth_date"));
  g_assert_null (yp_client_editor_get_field_error (YP_CLIENT_EDITOR (editor), "first_name"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (first)), ==, "Helmi");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (date)), ==, "31.2.1950");
  g_assert_true (gtk_widget_has_css_class (last, "error"));
  yp_ui_test_screenshot (GTK_WIDGET (dialog), "new-client-error");
  g_assert_null (added);

  gtk_editable_set_text (GTK_EDITABLE (last), "Nieminen");
  gtk_editable_set_text (GTK_EDITABLE (date), "28.2.1950");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.add", NULL);
  for (int i = 0; i < 500 && added == NULL; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  g_assert_nonnull (added);

  birth = yp_test_sql_text (db, "SELECT birth_date || ' ' || (responsible_id IS NOT NULL)"
                                " FROM clients WHERE last_name = 'Nieminen'");
  g_assert_cmpstr (birth, ==, "1950-02-28 1");
  /* The list follows the store: wait for it to pick up the change. */
  for (int i = 0; i < 500 && yp_client_list_find (yp_window_get_client_list (f->window), added) == G_MAXUINT; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  wait_for_list (f);
  /* The new client is mine, so it is in the list and open. */
  g_assert_cmpstr (yp_window_get_client_id (f->window), ==, added);
  assert_list (f, "Bertil Lindqvist, Aila Mäkinen, Helmi Nieminen, Aino Virtanen");
}

static void
test_edit_saves_each_field (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "yhteispolku.db", NULL);
  g_autofree char *id = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *outbox = NULL;
  YpClientEditor *editor;
  GtkWidget *phone_row;

  wait_for_list (f);
  id = yp_test_sql_text (db, "SELECT id FROM clients WHERE last_name = 'Virtanen'");
  yp_window_show_client (f->window, id);
  editor = YP_CLIENT_EDITOR (yp_client_view_get_editor (
             YP_CLIENT_VIEW (yp_window_get_client_view (f->window))));

  phone_row = find_entry_row (GTK_WIDGET (editor), "Phone number");
  g_assert_nonnull (phone_row);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (phone_row)), ==, "040 555 0101");

  gtk_editable_set_text (GTK_EDITABLE (phone_row), "soita");
  g_signal_emit_by_name (phone_row, "apply");
  g_assert_nonnull (yp_client_editor_get_field_error (editor, "phone"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (phone_row)), ==, "soita");
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "edit-error");

  gtk_editable_set_text (GTK_EDITABLE (phone_row), "044 123 4567");
  g_signal_emit_by_name (phone_row, "apply");
  for (int i = 0; i < 200; i++)
    {
      g_free (phone);
      phone = yp_test_sql_text (db, "SELECT phone FROM clients WHERE last_name = 'Virtanen'");
      if (g_strcmp0 (phone, "044 123 4567") == 0)
        break;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  g_assert_cmpstr (phone, ==, "044 123 4567");
  outbox = yp_test_sql_text (db, "SELECT count(*) FROM outbox WHERE entity = 'client'"
                                 " AND row_id = (SELECT id FROM clients"
                                 " WHERE last_name = 'Virtanen')");
  /* The insert, then this one change. */
  g_assert_cmpstr (outbox, ==, "2");
}

/* Every page of the guidance space is there for the chosen client, built when first shown,
 * and follows the client when another is chosen; Alt+N switches pages. */
static void
test_guidance_space_pages (Fixture *f, gconstpointer data)
{
  static const char *pages[] = {
    "stage-map", "plan", "participants", "follow-ups", "messages",
  };
  g_autofree char *db = g_build_filename (f->dir, "yhteispolku.db", NULL);
  g_autofree char *aino = yp_test_sql_text (db, "SELECT id FROM clients WHERE last_name = 'Virtanen'");
  g_autofree char *bertil = yp_test_sql_text (db, "SELECT id FROM clients WHERE last_name = 'Lindqvist'");
  YpClientView *view = YP_CLIENT_VIEW (yp_window_get_client_view (f->window));

  yp_window_show_client (f->window, aino);
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "page-details");
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autofree char *shown = NULL;
      g_autofree char *shot = g_strdup_printf ("page-%s", pages[i]);
      GtkWidget *page;

      /* Alt+2 … Alt+6, as the shortcuts window says. */
      gtk_widget_activate_action (GTK_WIDGET (view), "client.show-page", "s", pages[i]);
      page = yp_client_view_get_page (view, pages[i]);
      g_assert_nonnull (page);
      g_assert_true (gtk_widget_get_mapped (page));
      g_object_get (page, "client-id", &shown, NULL);
      g_assert_cmpstr (shown, ==, aino);
      yp_ui_test_screenshot (GTK_WIDGET (f->window), shot);
    }

  /* Choosing another client: every built page follows, the page stays. */
  yp_window_show_client (f->window, bertil);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autofree char *shown = NULL;

      g_object_get (yp_client_view_get_page (view, pages[i]), "client-id", &shown, NULL);
      g_assert_cmpstr (shown, ==, bertil);
    }
  g_assert_true (gtk_widget_get_mapped (yp_client_view_get_page (view, "messages")));
}

/* An expert joins one of my clients: I am told in the header, the notification names the
 * client, opening it shows the client and it is no longer unread. */
static void
test_notifications (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "yhteispolku.db", NULL);
  g_autofree char *aino = yp_test_sql_text (db, "SELECT id FROM clients WHERE last_name = 'Virtanen'");
  g_autofree char *expert = NULL;
  g_autofree char *participant = NULL;
  g_autoptr(GError) error = NULL;
  GtkMenuButton *button;
  GtkListBox *list;
  GtkWidget *row;
  guint unread;

  g_assert_cmpuint (yp_notifications_count_unread (f->store), ==, 0);
  expert = yp_participants_add_expert (f->store, "Matti Laine", "sosiaaliohjaaja",
                                       "Lahden kaupunki", "social", &error);
  g_assert_no_error (error);
  participant = yp_participants_invite (f->store, aino, expert, "member", &error);
  g_assert_no_error (error);
  g_assert_true (yp_participants_record_consent (f->store, participant, "phone", NULL,
                                                 "from_now", NULL, &error));
  g_assert_no_error (error);
  unread = yp_notifications_count_unread (f->store);
  g_assert_cmpuint (unread, >=, 1);
  yp_ui_test_flush (50);

  button = GTK_MENU_BUTTON (yp_ui_test_find_named (GTK_WIDGET (f->window), "notifications"));
  g_assert_nonnull (button);
  g_assert_true (strstr (gtk_widget_get_tooltip_text (GTK_WIDGET (button)), "unread") != NULL);
  gtk_menu_button_popup (button);
  yp_ui_test_flush (20);
  list = GTK_LIST_BOX (yp_ui_test_find_type (GTK_WIDGET (gtk_menu_button_get_popover (button)),
                                            GTK_TYPE_LIST_BOX));
  row = GTK_WIDGET (gtk_list_box_get_row_at_index (list, 0));
  g_assert_nonnull (row);
  g_assert_true (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Aino Virtanen"));
  yp_ui_test_screenshot (GTK_WIDGET (gtk_menu_button_get_popover (button)), "notifications");

  g_signal_emit_by_name (list, "row-activated", row);
  g_assert_cmpstr (yp_window_get_client_id (f->window), ==, aino);
  g_assert_cmpuint (yp_notifications_count_unread (f->store), ==, unread - 1);
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.mark-notifications-read", NULL);
  g_assert_cmpuint (yp_notifications_count_unread (f->store), ==, 0);
  yp_ui_test_flush (50);
  g_assert_false (strstr (gtk_widget_get_tooltip_text (GTK_WIDGET (button)), "unread") != NULL);
}

static gboolean
page_visible (YpClientView *view, const char *name)
{
  AdwViewStack *pages = ADW_VIEW_STACK (yp_ui_test_find_type (GTK_WIDGET (view),
                                                             ADW_TYPE_VIEW_STACK));
  GtkWidget *child = adw_view_stack_get_child_by_name (pages, name);

  g_assert_nonnull (child);
  return adw_view_stack_page_get_visible (adw_view_stack_get_page (pages, child));
}

/* A third-sector supporter opening the client sees only the stage map, the plan and the
 * messages; the owner sees every page. */
static void
test_supporter_pages (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "yhteispolku.db", NULL);
  g_autofree char *aino = yp_test_sql_text (db, "SELECT id FROM clients WHERE last_name = 'Virtanen'");
  g_autofree char *liisa = NULL, *participant = NULL, *become = NULL;
  g_autoptr(GError) error = NULL;
  YpClientView *view;

  liisa = yp_participants_add_expert (f->store, "Liisa Järvinen", "vapaaehtoistyön ohjaaja",
                                      "Lahden Martat ry", "third_sector", &error);
  g_assert_no_error (error);
  participant = yp_participants_invite (f->store, aino, liisa, "supporter", &error);
  g_assert_no_error (error);
  g_assert_true (yp_participants_record_consent (f->store, participant, "in_person", NULL,
                                                 "from_now", NULL, &error));
  yp_window_show_client (f->window, aino);
  view = YP_CLIENT_VIEW (yp_window_get_client_view (f->window));
  g_assert_true (page_visible (view, "details"));
  g_assert_true (page_visible (view, "follow-ups"));

  /* The same database as Liisa's laptop would have it: she is the signed-in professional. */
  gtk_window_destroy (GTK_WINDOW (f->window));
  yp_ui_test_flush (20);
  g_clear_object (&f->store);
  become = g_strdup_printf ("UPDATE local_state SET value = '%s' WHERE key = 'me'", liisa);
  g_free (yp_test_sql_text (db, become));
  f->store = yp_store_open (db, &error);
  g_assert_no_error (error);
  f->window = yp_window_new (NULL, f->store);
  gtk_window_present (GTK_WINDOW (f->window));
  yp_window_show_client (f->window, aino);
  view = YP_CLIENT_VIEW (yp_window_get_client_view (f->window));
  g_assert_false (page_visible (view, "details"));
  g_assert_false (page_visible (view, "participants"));
  g_assert_false (page_visible (view, "follow-ups"));
  g_assert_true (page_visible (view, "stage-map"));
  g_assert_true (page_visible (view, "plan"));
  g_assert_true (page_visible (view, "messages"));
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* For looking at the pages in Finnish or Swedish: YP_LOCALEDIR=<dir with fi/LC_MESSAGES>. */
  if (g_getenv ("YP_LOCALEDIR") != NULL)
    {
      /* gtk_test_init() leaves the C locale, in which gettext ignores LANGUAGE. */
      setlocale (LC_ALL, "C.UTF-8");
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("YP_LOCALEDIR"));
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);
    }

#define ADD(name, data, func) g_test_add ("/window/" name, Fixture, data, setup, func, teardown)
  ADD ("search-as-you-type", NULL, test_search_as_you_type);
  ADD ("first-run-profile", "empty", test_first_run_profile);
  ADD ("new-client-keeps-text", NULL, test_new_client_keeps_text_on_error);
  ADD ("edit-saves-each-field", NULL, test_edit_saves_each_field);
  ADD ("guidance-space-pages", NULL, test_guidance_space_pages);
  ADD ("notifications", NULL, test_notifications);
  ADD ("supporter-pages", NULL, test_supporter_pages);
  return g_test_run ();
}
