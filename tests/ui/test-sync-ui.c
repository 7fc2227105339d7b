/* test-sync-ui.c — the sync indicator, the sign-in dialog and signing out, against the real
 * coordination server (yhteispolku-server on 127.0.0.1, port 0, a temporary database), the
 * real main window over a real temporary store with a real sync engine, and the session's
 * keyring. Skipped when the server is not built (YP_SERVER unset).
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>

#include "yp-conflicts-dialog.h"
#include "yp-credentials.h"
#include "yp-server-test-util.h"
#include "yp-sign-in-dialog.h"
#include "yp-sync-engine.h"
#include "yp-test-util.h"
#include "yp-ui-test-util.h"
#include "yp-window.h"

#define PASSWORD "salasana-1234"

typedef struct
{
  char         *dir;
  char         *server_db;
  GSubprocess  *server;
  char         *url;
  char         *store_dir;
  YpStore      *store;
  YpSyncEngine *engine;
  YpWindow     *window;
} Fixture;

static const char *server_bin;

/* ---- the server (tests/integration/yp-server-test-util.c) --------------------------------- */

#define run_admin(f, stdin_text, ...) \
  g_free (yp_server_test_admin ((f)->server_db, stdin_text, __VA_ARGS__))

static void
start_server (Fixture *f)
{
  guint port;

  f->server = yp_server_test_start (f->server_db, 0, &port);
  f->url = g_strdup_printf ("http://127.0.0.1:%u", port);
}

/* ---- fixture ------------------------------------------------------------------------------ */

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  if (server_bin == NULL)
    return;
  f->dir = g_dir_make_tmp ("yp-sync-ui-XXXXXX", &error);
  g_assert_no_error (error);
  f->server_db = g_build_filename (f->dir, "server.db", NULL);
  run_admin (f, NULL, "init", NULL);
  run_admin (f, PASSWORD "\n", "user", "add", "sari", "--name", "Sari Koskinen", NULL);
  start_server (f);

  f->store = yp_test_store_new (&f->store_dir);
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_no_error (error);
  f->engine = yp_sync_engine_new (f->store);
  /* No automatic syncs: the test says when to sync. */
  yp_sync_engine_set_intervals (f->engine, 3600 * 1000, 3600 * 1000);
  f->window = g_object_new (YP_TYPE_WINDOW, "store", f->store, "sync-engine", f->engine, NULL);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 700);
  gtk_window_present (GTK_WINDOW (f->window));
  yp_ui_test_flush (50);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (server_bin == NULL)
    return;
  /* Runs even when an assertion failed: the server and the token never outlive the test. */
  if (f->server != NULL)
    {
      g_subprocess_send_signal (f->server, SIGKILL);
      g_subprocess_wait (f->server, NULL, NULL);
      g_clear_object (&f->server);
    }
  yp_credentials_clear_token (f->url, "sari", NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (f->window));
  while (g_main_context_iteration (NULL, FALSE));
  g_clear_object (&f->engine);
  g_clear_object (&f->store);
  while (g_main_context_iteration (NULL, FALSE));
  yp_test_rm_rf (f->store_dir);
  yp_test_rm_rf (f->dir);
  g_free (f->store_dir);
  g_free (f->dir);
  g_free (f->server_db);
  g_free (f->url);
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* What the indicator says in words (its tooltip, which is also its accessible label). */
static char *
indicator_text (Fixture *f)
{
  GtkWidget *button = yp_ui_test_find_named (GTK_WIDGET (f->window), "sync");

  g_assert_nonnull (button);
  return g_strdup (gtk_widget_get_tooltip_text (button));
}

/* Runs the main loop until the indicator's text contains @prefix (at most 30 s). */
static void
wait_for_indicator (Fixture    *f,
                    const char *prefix)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  g_autofree char *text = NULL;

  for (;;)
    {
      g_free (text);
      text = indicator_text (f);
      if (strstr (text, prefix) != NULL || g_get_monotonic_time () > deadline)
        break;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  if (strstr (text, prefix) == NULL)
    g_error ("The sync indicator says \"%s\", expected it to say \"%s\"", text, prefix);
}

static gpointer
find_toplevel (GType type)
{
  g_autoptr(GList) windows = gtk_window_list_toplevels ();

  for (GList *l = windows; l; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

static YpSignInDialog *
open_sign_in (Fixture *f)
{
  YpSignInDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sign-in", NULL));
  yp_ui_test_flush (10);
  dialog = find_toplevel (YP_TYPE_SIGN_IN_DIALOG);
  g_assert_nonnull (dialog);
  return dialog;
}

static void
fill_in (YpSignInDialog *dialog,
         const char     *url,
         const char     *username,
         const char     *password)
{
  gtk_editable_set_text (yp_sign_in_dialog_get_server_entry (dialog), url);
  gtk_editable_set_text (yp_sign_in_dialog_get_username_entry (dialog), username);
  gtk_editable_set_text (yp_sign_in_dialog_get_password_entry (dialog), password);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "sign-in.sign-in", NULL));
}

static void
sign_in (Fixture *f)
{
  YpSignInDialog *dialog = open_sign_in (f);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  fill_in (dialog, f->url, "sari", PASSWORD);
  /* The dialog closes itself on success. */
  while (dialog != NULL && gtk_widget_get_visible (GTK_WIDGET (dialog))
         && yp_sign_in_dialog_get_error (dialog) == NULL
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (dialog != NULL)
    {
      g_assert_null (yp_sign_in_dialog_get_error (dialog));
      g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));
      g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
    }
  g_assert_true (yp_sync_engine_is_signed_in (f->engine));
}

/* ---- tests -------------------------------------------------------------------------------- */

static void
test_sign_in_sync_sign_out (Fixture *f, gconstpointer data)
{
  g_autofree char *before = NULL;
  g_autofree char *token = NULL;
  g_autoptr(YpRecord) client = NULL;
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *confirm;

  if (server_bin == NULL)
    {
      g_test_skip ("YP_SERVER is not set (the server is not built)");
      return;
    }
  before = indicator_text (f);
  g_assert_cmpstr (before, ==, "Not signed in: everything is saved on this computer");
  /* Before signing in there is nothing to sign out of: no question is asked. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sign-out", NULL);
  yp_ui_test_flush (10);
  g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));

  sign_in (f);
  wait_for_indicator (f, "Synced at ");
  token = yp_credentials_lookup_token (f->url, "sari", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);

  /* A local change waits to be sent, then "Sync Now" (Ctrl+Shift+S) sends it. */
  client = yp_test_client_new ("Aino", "Virtanen");
  g_assert_true (yp_store_insert (f->store, client, &error));
  g_assert_no_error (error);
  /* (The client and what goes with it: a few changes, said as a number.) */
  wait_for_indicator (f, "changes waiting to sync");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sync-now", NULL));
  wait_for_indicator (f, "Synced at ");
  g_assert_cmpuint (yp_store_count_outbox (f->store, NULL), ==, 0);

  /* Signing out asks first, then the token leaves the keyring. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sign-out", NULL));
  yp_ui_test_flush (10);
  confirm = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (confirm);
  g_assert_true (strstr (adw_message_dialog_get_body (confirm), "on this computer") != NULL);
  adw_message_dialog_response (confirm, "sign-out");
  wait_for_indicator (f, "Not signed in: everything is saved on this computer");
  /* The keyring is cleared when the server has been told (or could not be reached). */
  {
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    do
      {
        g_clear_pointer (&token, g_free);
        token = yp_credentials_lookup_token (f->url, "sari", NULL, &error);
        g_assert_no_error (error);
        for (guint i = 0; token != NULL && i < 20; i++)
          g_main_context_iteration (NULL, FALSE);
      }
    while (token != NULL && g_get_monotonic_time () < deadline);
  }
  g_assert_null (token);
  g_assert_false (yp_sync_engine_is_signed_in (f->engine));
  /* The client is still here. */
  g_assert_cmpuint (yp_store_count_clients (f->store), ==, 1);
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  YpSignInDialog *dialog;
  gint64 deadline;
  g_autofree char *text = NULL;

  if (server_bin == NULL)
    {
      g_test_skip ("YP_SERVER is not set (the server is not built)");
      return;
    }
  dialog = open_sign_in (f);
  fill_in (dialog, f->url, "sari", "väärä-salasana");
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (yp_sign_in_dialog_get_error (dialog) == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (yp_sign_in_dialog_get_error (dialog), ==,
                   "The user name or the password is wrong. Check them and try again.");
  /* Everything typed is kept, and the dialog stays open. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_cmpstr (gtk_editable_get_text (yp_sign_in_dialog_get_server_entry (dialog)), ==,
                   f->url);
  g_assert_cmpstr (gtk_editable_get_text (yp_sign_in_dialog_get_username_entry (dialog)), ==,
                   "sari");
  g_assert_cmpstr (gtk_editable_get_text (yp_sign_in_dialog_get_password_entry (dialog)), ==,
                   "väärä-salasana");
  g_assert_false (yp_sync_engine_is_signed_in (f->engine));
  text = indicator_text (f);
  g_assert_cmpstr (text, ==, "Not signed in: everything is saved on this computer");

  /* Correcting the password signs in from the same dialog. */
  gtk_editable_set_text (yp_sign_in_dialog_get_password_entry (dialog), PASSWORD);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "sign-in.sign-in", NULL));
  wait_for_indicator (f, "Synced at ");
  g_assert_true (yp_sync_engine_is_signed_in (f->engine));
}

static void
test_server_unreachable (Fixture *f, gconstpointer data)
{
  YpSignInDialog *dialog;
  gint64 deadline;
  const char *error_text;

  if (server_bin == NULL)
    {
      g_test_skip ("YP_SERVER is not set (the server is not built)");
      return;
    }
  /* Nothing listens on the server's port once it is stopped. */
  g_subprocess_send_signal (f->server, SIGKILL);
  g_subprocess_wait (f->server, NULL, NULL);
  g_clear_object (&f->server);
  dialog = open_sign_in (f);
  fill_in (dialog, f->url, "sari", PASSWORD);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (yp_sign_in_dialog_get_error (dialog) == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  error_text = yp_sign_in_dialog_get_error (dialog);
  g_assert_nonnull (error_text);
  g_assert_true (g_str_has_prefix (error_text, "The server could not be reached."));
  g_assert_cmpstr (gtk_editable_get_text (yp_sign_in_dialog_get_username_entry (dialog)), ==,
                   "sari");
  g_assert_false (yp_sync_engine_is_signed_in (f->engine));
}

/* ---- conflicts (no server needed: the store is told what the server answered) ------------- */

static GtkWidget *
find_action_row (GtkWidget *root)
{
  if (ADW_IS_ACTION_ROW (root))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_action_row (c);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static char *
days_ago (int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, -days);

  return g_date_time_format (then, "%Y-%m-%dT%H:%M:%SZ");
}

/* A laptop that has not synced for over 14 days hides its clients until it syncs again; the
 * data stays on disk. */
static void
test_offline_lease (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(YpStore) store = yp_test_store_new (&dir);
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");
  g_autoptr(YpSyncEngine) engine = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;
  g_autofree char *old = days_ago (20);
  g_autofree char *recent = days_ago (13);
  YpWindow *window;

  g_assert_false (yp_sync_lease_expired (NULL, now));
  g_assert_false (yp_sync_lease_expired (recent, now));
  g_assert_true (yp_sync_lease_expired (old, now));

  g_assert_true (yp_store_set_profile (store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_true (yp_store_insert (store, client, &error));
  g_assert_true (yp_store_set_local_state (store, "sync_last", old, &error));
  g_assert_no_error (error);
  engine = yp_sync_engine_new (store);
  window = g_object_new (YP_TYPE_WINDOW, "store", store, "sync-engine", engine, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  yp_ui_test_flush (50);

  g_assert_cmpstr (yp_window_get_list_state (window), ==, "lease-expired");
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (yp_window_get_search_entry (window))));
  yp_window_show_client (window, yp_record_get_id (client));
  g_assert_null (yp_window_get_client_id (window));
  yp_ui_test_screenshot (GTK_WIDGET (window), "lease-expired");

  /* A successful sync renews the lease and the clients are back. */
  g_assert_true (yp_store_set_local_state (store, "sync_last", recent, &error));
  g_object_notify (G_OBJECT (engine), "last-sync");
  yp_ui_test_flush (50);
  g_assert_cmpstr (yp_window_get_list_state (window), !=, "lease-expired");
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (yp_window_get_search_entry (window))));
  yp_window_show_client (window, yp_record_get_id (client));
  g_assert_cmpstr (yp_window_get_client_id (window), ==, yp_record_get_id (client));

  gtk_window_destroy (GTK_WINDOW (window));
  yp_ui_test_flush (20);
  yp_test_rm_rf (dir);
}

static void
test_conflicts_dialog (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(YpStore) store = yp_test_store_new (&dir);
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");
  g_autoptr(YpRecord) change = NULL;
  g_autoptr(YpRecord) after = NULL;
  g_autoptr(JsonArray) outbox = NULL;
  g_autoptr(JsonArray) results = json_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  JsonObject *mutation = NULL;
  JsonObject *result = json_object_new ();
  JsonObject *fields = json_object_new ();
  JsonObject *phone = json_object_new ();
  GtkWidget *dialog;
  GtkWidget *row;
  gint64 id;

  g_assert_true (yp_store_set_profile (store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  yp_record_set_string (client, "phone", "040 111 2222");
  g_assert_true (yp_store_insert (store, client, &error));
  g_assert_no_error (error);
  change = yp_record_new (yp_schema_lookup ("client"));
  yp_record_set_string (change, "id", yp_record_get_id (client));
  yp_record_set_string (change, "phone", "040 999 8888");
  g_assert_true (yp_store_update (store, change, &error));
  g_assert_no_error (error);

  /* The server answers the phone change with a conflict: someone wrote 050 333 4444. */
  outbox = yp_store_read_outbox (store, 100, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (outbox); i++)
    {
      JsonObject *m = json_array_get_object_element (outbox, i);

      if (g_strcmp0 (json_object_get_string_member (m, "entity"), "client") == 0)
        mutation = m;
    }
  g_assert_nonnull (mutation);
  json_object_set_string_member (phone, "mine", "040 999 8888");
  json_object_set_string_member (phone, "theirs", "050 333 4444");
  json_object_set_object_member (fields, "phone", phone);
  json_object_set_string_member (result, "mutation_id",
                                 json_object_get_string_member (mutation, "mutation_id"));
  json_object_set_string_member (result, "status", "conflict");
  json_object_set_int_member (result, "rev", 2);
  json_object_set_object_member (result, "conflicts", fields);
  json_array_add_object_element (results, result);
  g_assert_true (yp_store_apply_results (store, outbox, results, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (yp_store_count_conflicts (store), ==, 1);

  dialog = yp_conflicts_dialog_new (NULL, store);
  gtk_window_present (GTK_WINDOW (dialog));
  yp_ui_test_flush (10);
  row = find_action_row (dialog);
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==,
                   "Aino Virtanen · Phone");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                            "Yours: 040 999 8888"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                            "wrote: 050 333 4444"));
  /* Nothing was decided for the user: the row shows theirs until she chooses. */
  g_assert_cmpuint (yp_store_count_conflicts (store), ==, 1);

  conflicts = yp_store_list_conflicts (store, NULL, &error);
  g_assert_no_error (error);
  id = ((YpSyncConflict *) conflicts->pdata[0])->id;
  g_assert_true (gtk_widget_activate_action (dialog, "conflicts.keep-mine", "x", id));
  yp_ui_test_flush (10);
  g_assert_cmpuint (yp_store_count_conflicts (store), ==, 0);
  after = yp_store_get (store, yp_schema_lookup ("client"), yp_record_get_id (client), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (yp_record_get_string (after, "phone"), ==, "040 999 8888");
  g_assert_null (find_action_row (dialog));

  gtk_window_destroy (GTK_WINDOW (dialog));
  while (g_main_context_iteration (NULL, FALSE));
  g_clear_object (&store);
  yp_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  server_bin = g_getenv ("YP_SERVER");

  g_test_add ("/sync-ui/sign-in-sync-sign-out", Fixture, NULL, setup,
              test_sign_in_sync_sign_out, teardown);
  g_test_add ("/sync-ui/wrong-password", Fixture, NULL, setup, test_wrong_password, teardown);
  g_test_add ("/sync-ui/server-unreachable", Fixture, NULL, setup, test_server_unreachable,
              teardown);
  g_test_add_func ("/sync-ui/conflicts-dialog", test_conflicts_dialog);
  g_test_add_func ("/sync-ui/offline-lease", test_offline_lease);
  return g_test_run ();
}
