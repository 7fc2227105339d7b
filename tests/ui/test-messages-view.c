/* test-messages-view.c — the real Messages page on a real temporary database, under Xvfb.
 *
 * Types and sends as a nurse would (through the page's actions), and checks what she sees: the
 * message in the conversation and an empty compose box; a half-written message that is back
 * when the client is opened again; only the messages the client agreed to show her; a file
 * that is too large refused without losing her text.
 */
#include "config.h"

#include <adwaita.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "yp-messages.h"
#include "yp-messages-view.h"
#include "yp-test-util.h"
#include "yp-ui-test-util.h"

typedef struct
{
  char           *dir;
  YpStore        *store;
  char           *client_id;
  GtkWindow      *window;
  YpMessagesView *view;
} Fixture;

static void
set_my_access (Fixture *f, const char *window, const char *from)
{
  const char *me = yp_store_get_me_id (f->store);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;

  rows = yp_store_list_for_client (f->store, yp_schema_lookup ("participant"), f->client_id,
                                   &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      g_autoptr(YpRecord) change = NULL;

      if (g_strcmp0 (yp_record_get_string (rows->pdata[i], "professional_id"), me) != 0)
        continue;
      found = TRUE;
      change = yp_record_new (yp_schema_lookup ("participant"));
      yp_record_set_string (change, "id", yp_record_get_id (rows->pdata[i]));
      yp_record_set_string (change, "state", "active");
      yp_record_set_string (change, "history_window", window);
      yp_record_set_string (change, "history_from", from);
      g_assert_true (yp_store_update (f->store, change, &error));
      g_assert_no_error (error);
    }
  if (!found)
    {
      g_autoptr(YpRecord) p = yp_record_new (yp_schema_lookup ("participant"));

      yp_record_set_string (p, "client_id", f->client_id);
      yp_record_set_string (p, "professional_id", me);
      yp_record_set_string (p, "role", "owner");
      yp_record_set_string (p, "state", "active");
      yp_record_set_string (p, "history_window", window);
      yp_record_set_string (p, "history_from", from);
      g_assert_true (yp_store_insert (f->store, p, &error));
      g_assert_no_error (error);
    }
}

static void
show_view (Fixture *f)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  f->view = YP_MESSAGES_VIEW (yp_messages_view_new (f->store));
  yp_messages_view_set_client_id (f->view, f->client_id);
  gtk_window_set_child (f->window, GTK_WIDGET (f->view));
  gtk_window_set_default_size (f->window, 800, 600);
  gtk_window_present (f->window);
  while (g_main_context_iteration (NULL, FALSE));
}

static void
close_view (Fixture *f)
{
  if (f->window == NULL)
    return;
  gtk_window_destroy (f->window);
  f->window = NULL;
  f->view = NULL;
  while (g_main_context_iteration (NULL, FALSE));
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");
  g_autoptr(GError) error = NULL;

  f->store = yp_test_store_new (&f->dir);
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_true (yp_store_insert (f->store, client, &error));
  g_assert_no_error (error);
  f->client_id = g_strdup (yp_record_get_id (client));
  set_my_access (f, "everything", NULL);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  close_view (f);
  g_clear_object (&f->store);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->client_id);
}

/* ---- looking at the page as a person would --------------------------------------------- */

static GtkWidget *
find_type (GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_type (c, type);

      if (found)
        return found;
    }
  return NULL;
}

static void
collect_labels (GtkWidget *root, const char *css_class, GString *out)
{
  if (GTK_IS_LABEL (root) && gtk_widget_has_css_class (root, css_class) &&
      gtk_widget_is_drawable (root))
    g_string_append_printf (out, "%s%s", out->len ? " | " : "",
                            gtk_label_get_label (GTK_LABEL (root)));
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    collect_labels (c, css_class, out);
}

/* The message texts on screen, oldest first, joined by " | ". */
static char *
shown (Fixture *f, const char *css_class)
{
  GString *s = g_string_new (NULL);

  collect_labels (GTK_WIDGET (f->view), css_class, s);
  return g_string_free (s, FALSE);
}

static GtkTextBuffer *
compose_buffer (Fixture *f)
{
  GtkWidget *text_view = find_type (GTK_WIDGET (f->view), GTK_TYPE_TEXT_VIEW);

  g_assert_nonnull (text_view);
  return gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view));
}

static char *
compose_text (Fixture *f)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (compose_buffer (f), &start, &end);
  return gtk_text_buffer_get_text (compose_buffer (f), &start, &end, FALSE);
}

static void
type_text (Fixture *f, const char *text)
{
  gtk_text_buffer_insert_at_cursor (compose_buffer (f), text, -1);
}

static const char *
page_name (Fixture *f)
{
  GtkWidget *stack = find_type (GTK_WIDGET (f->view), GTK_TYPE_STACK);

  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

static GtkWidget *
find_class (GtkWidget *root, GType type, const char *css_class)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && gtk_widget_has_css_class (root, css_class))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_class (c, type, css_class);

      if (found)
        return found;
    }
  return NULL;
}

static gboolean
send_button_sensitive (Fixture *f)
{
  GtkWidget *button = find_class (GTK_WIDGET (f->view), GTK_TYPE_BUTTON, "suggested-action");

  g_assert_nonnull (button);
  return gtk_widget_is_sensitive (button);
}

typedef gboolean (*Predicate) (Fixture *f, gconstpointer data);

static gboolean
wait_until (Fixture *f, Predicate predicate, gconstpointer data)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!predicate (f, data) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  while (g_main_context_iteration (NULL, FALSE));
  return predicate (f, data);
}

static gboolean
shows_messages (Fixture *f, gconstpointer expected)
{
  g_autofree char *s = shown (f, "yp-message-body");

  return g_strcmp0 (s, expected) == 0;
}

static gboolean
compose_is (Fixture *f, gconstpointer expected)
{
  g_autofree char *text = compose_text (f);

  return g_strcmp0 (text, expected) == 0;
}

static gboolean
shows_attachments (Fixture *f, gconstpointer expected)
{
  g_autofree char *s = shown (f, "yp-attachment-name");

  return g_strcmp0 (s, expected) == 0;
}

static gboolean
shows_error (Fixture *f, gconstpointer data)
{
  return yp_messages_view_get_error (f->view) != NULL;
}

static gboolean
draft_is (Fixture *f, gconstpointer expected)
{
  g_autofree char *draft = yp_messages_load_draft (f->store, f->client_id);

  return g_strcmp0 (draft, expected) == 0;
}

static void
add_item_at (Fixture *f, const char *body, const char *when)
{
  g_autoptr(YpRecord) m = yp_record_new (yp_schema_lookup ("message"));
  g_autoptr(GError) error = NULL;

  yp_record_set_string (m, "client_id", f->client_id);
  yp_record_set_string (m, "author_id", yp_store_get_me_id (f->store));
  yp_record_set_string (m, "created_at", when);
  yp_record_set_string (m, "body", body);
  g_assert_true (yp_store_insert (f->store, m, &error));
  g_assert_no_error (error);
}

/* ---- tests ----------------------------------------------------------------------------- */

static void
test_send (Fixture *f, gconstpointer data)
{
  g_autofree char *authors = NULL;
  g_autofree char *left = NULL;
  g_autofree char *n = NULL;

  show_view (f);
  g_assert_cmpstr (page_name (f), ==, "empty");
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "empty");
  /* Nothing typed: Send is greyed out and does nothing. */
  g_assert_false (send_button_sensitive (f));
  gtk_widget_activate_action (GTK_WIDGET (f->view), "messages.send", NULL);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpstr (page_name (f), ==, "empty");

  type_text (f, "Kotikäynti sovittu torstaille.\nOtan verenpaineen mukaan.");
  g_assert_true (send_button_sensitive (f));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "messages.send", NULL));
  g_assert_true (wait_until (f, shows_messages,
                             "Kotikäynti sovittu torstaille.\nOtan verenpaineen mukaan."));
  g_assert_cmpstr (page_name (f), ==, "list");
  authors = shown (f, "heading");
  g_assert_true (g_str_has_prefix (authors, "Sari Koskinen"));
  g_assert_true (wait_until (f, compose_is, ""));
  left = compose_text (f);
  g_assert_cmpstr (left, ==, "");
  g_assert_null (yp_messages_load_draft (f->store, f->client_id));
  g_assert_null (yp_messages_view_get_error (f->view));
  n = yp_test_sql_text (yp_store_get_path (f->store), "SELECT count(*) FROM messages");
  g_assert_cmpstr (n, ==, "1");

  /* A second one goes below the first. */
  type_text (f, "Soitto sovittu.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "messages.send", NULL));
  g_assert_true (wait_until (f, shows_messages,
                             "Kotikäynti sovittu torstaille.\nOtan verenpaineen mukaan. | "
                             "Soitto sovittu."));
}

static void
test_draft_restored (Fixture *f, gconstpointer data)
{
  g_autofree char *back = NULL;

  show_view (f);
  type_text (f, "Hei Pekka, asiakas toivoo");
  /* Saved about half a second after the last key, without sending. */
  g_assert_true (wait_until (f, draft_is, "Hei Pekka, asiakas toivoo"));

  close_view (f);
  show_view (f);
  back = compose_text (f);
  g_assert_cmpstr (back, ==, "Hei Pekka, asiakas toivoo");
  g_assert_cmpstr (page_name (f), ==, "empty");
}

static void
test_draft_saved_on_close (Fixture *f, gconstpointer data)
{
  g_autofree char *back = NULL;

  show_view (f);
  type_text (f, "Kirjoitettu juuri ennen sulkemista");
  /* Closed at once, before the delay: the text is still kept. */
  close_view (f);
  show_view (f);
  back = compose_text (f);
  g_assert_cmpstr (back, ==, "Kirjoitettu juuri ennen sulkemista");
}

static void
test_history_window (Fixture *f, gconstpointer data)
{
  const char *note;

  add_item_at (f, "Vanha viesti ennen liittymistä", "2026-01-10T09:00:00Z");
  add_item_at (f, "Uusi viesti", "2026-03-01T09:00:00Z");
  /* Noon UTC: the same calendar day in any time zone the test may run in. */
  set_my_access (f, "from_date", "2026-02-01T12:00:00Z");
  show_view (f);

  g_assert_true (wait_until (f, shows_messages, "Uusi viesti"));
  note = yp_messages_view_get_history_note (f->view);
  g_assert_cmpstr (note, ==, "You see messages from 1.2.2026 on, as the client agreed.");
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "history");

  /* The client agrees to show everything: the old message appears, the note goes. */
  set_my_access (f, "everything", NULL);
  g_assert_true (wait_until (f, shows_messages, "Vanha viesti ennen liittymistä | Uusi viesti"));
  g_assert_null (yp_messages_view_get_history_note (f->view));
}

static void
test_not_participant (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *s = NULL;
  g_autofree char *n = NULL;

  add_item_at (f, "Salainen", "2026-01-10T09:00:00Z");
  rows = yp_store_list_for_client (f->store, yp_schema_lookup ("participant"), f->client_id,
                                   NULL);
  for (guint i = 0; i < rows->len; i++)
    {
      g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("participant"));

      yp_record_set_string (change, "id", yp_record_get_id (rows->pdata[i]));
      yp_record_set_string (change, "state", "revoked");
      g_assert_true (yp_store_update (f->store, change, NULL));
    }
  show_view (f);
  g_assert_cmpstr (page_name (f), ==, "none");
  s = shown (f, "yp-message-body");
  g_assert_cmpstr (s, ==, "");
  type_text (f, "Ei pitäisi lähteä");
  g_assert_false (send_button_sensitive (f));
  gtk_widget_activate_action (GTK_WIDGET (f->view), "messages.send", NULL);
  /* Give a (wrong) worker thread time to write, then check nothing was. */
  g_usleep (200000);
  while (g_main_context_iteration (NULL, FALSE));
  n = yp_test_sql_text (yp_store_get_path (f->store), "SELECT count(*) FROM messages");
  g_assert_cmpstr (n, ==, "1");
}

static void
test_attach (Fixture *f, gconstpointer data)
{
  g_autofree char *big = g_build_filename (f->dir, "kuvat.zip", NULL);
  g_autofree char *small = g_build_filename (f->dir, "lausunto.txt", NULL);
  g_autoptr(GFile) big_file = g_file_new_for_path (big);
  g_autoptr(GFile) small_file = g_file_new_for_path (small);
  g_autofree char *kept = NULL;
  g_autofree char *names = NULL;
  g_autofree char *n = NULL;
  int fd;

  fd = g_open (big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (ftruncate (fd, 26 * 1024 * 1024), ==, 0);
  close (fd);
  g_assert_true (g_file_set_contents (small, "Lausunto", -1, NULL));

  show_view (f);
  type_text (f, "Lausunto liitteenä");
  yp_messages_view_attach_file (f->view, big_file);
  g_assert_true (wait_until (f, shows_error, NULL));
  g_assert_cmpstr (yp_messages_view_get_error (f->view), ==,
                   "The file is 26.0 MB; attachments can be at most 25 MB.");
  kept = compose_text (f);
  g_assert_cmpstr (kept, ==, "Lausunto liitteenä");
  n = yp_test_sql_text (yp_store_get_path (f->store), "SELECT count(*) FROM messages");
  g_assert_cmpstr (n, ==, "0");

  /* A file that fits goes with the text, shown under it with its name. */
  yp_messages_view_attach_file (f->view, small_file);
  g_assert_true (wait_until (f, shows_attachments, "lausunto.txt"));
  g_assert_true (shows_messages (f, "Lausunto liitteenä"));
  names = shown (f, "yp-attachment-name");
  g_assert_cmpstr (names, ==, "lausunto.txt");
  /* The attachment is under its message, in the same card, with its size and "Open". */
  {
    GtkWidget *body = find_class (GTK_WIDGET (f->view), GTK_TYPE_LABEL, "yp-message-body");
    GtkWidget *card = gtk_widget_get_parent (body);
    GtkWidget *name = find_class (card, GTK_TYPE_LABEL, "yp-attachment-name");
    GtkWidget *open = gtk_widget_get_last_child (gtk_widget_get_parent (name));

    g_assert_true (GTK_IS_BUTTON (open));
    g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (open)), ==, "_Open");
    g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (open)), ==,
                     "messages.open-attachment");
  }
  g_assert_null (yp_messages_view_get_error (f->view));
  type_text (f, "Seuraava viesti kesken");
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "attach");
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(name, func) g_test_add ("/messages-view/" name, Fixture, NULL, setup, func, teardown)
  ADD ("send", test_send);
  ADD ("draft-restored", test_draft_restored);
  ADD ("draft-saved-on-close", test_draft_saved_on_close);
  ADD ("history-window", test_history_window);
  ADD ("not-participant", test_not_participant);
  ADD ("attach", test_attach);
#undef ADD
  return g_test_run ();
}
