/* test-seed-000.c — the participants flow of seed 000, walked through the real pages on one
 * real temporary database, as each professional's laptop would show it.
 *
 * Sari (owner) writes to the guidance space and shares a file; she invites Matti (name and
 * organisation shown) → Matti and the client are notified → the client consents by phone,
 * "from now on" → Matti has joined and Sari is told → on Matti's laptop the messages page shows
 * only what was written after the consent, not the earlier message or file → the client
 * removes Matti's access → on Matti's laptop nothing of the space is visible.
 * "Matti's laptop" is the same database opened with Matti as the signed-in professional; with
 * sync, his real laptop gets the same rows (tests/integration/test-sync.c).
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "yp-messages-view.h"
#include "yp-messages.h"
#include "yp-notifications.h"
#include "yp-participants-view.h"
#include "yp-participants.h"
#include "yp-test-util.h"
#include "yp-ui-test-util.h"

typedef struct
{
  char      *dir;
  char      *path;
  YpStore   *store;
  GtkWindow *window;
  char      *client_id;
} Fixture;

/* Any label below @root whose text contains @text (what a screen reader would find). */
static gboolean
shows_text (GtkWidget *root, const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_visible (root) &&
      strstr (gtk_label_get_text (GTK_LABEL (root)), text) != NULL)
    return TRUE;
  if (ADW_IS_PREFERENCES_ROW (root) &&
      strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), text) != NULL)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    if (gtk_widget_get_visible (c) && shows_text (c, text))
      return TRUE;
  return FALSE;
}

static GtkWidget *
show_page (Fixture *f, GtkWidget *(*create) (YpStore *))
{
  GtkWidget *page = create (f->store);

  if (f->window == NULL)
    {
      f->window = GTK_WINDOW (gtk_window_new ());
      gtk_window_set_default_size (f->window, 900, 800);
    }
  gtk_window_set_child (f->window, page);
  g_object_set (page, "client-id", f->client_id, NULL);
  gtk_window_present (f->window);
  yp_ui_test_flush (50);
  return page;
}

/* Reopens the database with @professional_id as the signed-in professional. */
static void
become (Fixture *f, const char *professional_id)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE local_state SET value = '%s' WHERE key = 'me'",
                                          professional_id);
  g_autoptr(GError) error = NULL;

  gtk_window_set_child (f->window, NULL);
  g_clear_object (&f->store);
  g_free (yp_test_sql_text (f->path, sql));
  f->store = yp_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (yp_store_get_me_id (f->store), ==, professional_id);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");

  f->store = yp_test_store_new (&f->dir);
  f->path = g_strdup (yp_store_get_path (f->store));
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_true (yp_store_insert (f->store, client, &error));
  f->client_id = g_strdup (yp_record_get_id (client));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->window)
    gtk_window_destroy (f->window);
  yp_ui_test_flush (20);
  g_clear_object (&f->store);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->client_id);
}

static void
test_seed_000 (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) early = NULL, late = NULL, file_row = NULL;
  g_autofree char *sari = g_strdup (yp_store_get_me_id (f->store));
  g_autofree char *matti = NULL, *participant = NULL, *file_path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GPtrArray) notices = NULL;
  GtkWidget *page;

  /* Before anyone else is invited: a message and a shared file. */
  early = yp_messages_send (f->store, f->client_id, "Aikaisempi viesti: sairaalajakso 3.11.",
                            &error);
  g_assert_no_error (error);
  file_path = g_build_filename (f->dir, "epikriisi.txt", NULL);
  g_assert_true (g_file_set_contents (file_path, "Epikriisi: ei jaeta myöhemmin liittyville.",
                                      -1, NULL));
  file = g_file_new_for_path (file_path);
  file_row = yp_messages_attach_file (f->store, f->client_id, NULL, file, NULL, &error);
  g_assert_no_error (error);
  /* Timestamps have second precision: the consent must come in a later second. */
  g_usleep (1100 * 1000);

  /* Invite: the page shows who (name and organisation) is proposed. */
  matti = yp_participants_add_expert (f->store, "Matti Laine", "sosiaaliohjaaja",
                                      "Lahden kaupunki", "social", &error);
  g_assert_no_error (error);
  participant = yp_participants_invite (f->store, f->client_id, matti, "member", &error);
  g_assert_no_error (error);
  page = show_page (f, yp_participants_view_new);
  g_assert_true (shows_text (page, "Matti Laine"));
  g_assert_true (shows_text (page, "Lahden kaupunki"));

  /* Notified: the expert, and the client (to be told by the professional). */
  notices = yp_store_list_for_client (f->store, yp_schema_lookup ("notification"),
                                      f->client_id, &error);
  {
    gboolean expert = FALSE, client = FALSE;

    for (guint i = 0; i < notices->len; i++)
      {
        YpRecord *n = notices->pdata[i];

        if (g_strcmp0 (yp_record_get_string (n, "recipient_id"), matti) == 0)
          expert = TRUE;
        if (g_strcmp0 (yp_record_get_string (n, "recipient_kind"), "client") == 0 &&
            strstr (yp_record_get_string (n, "text"), "Lahden kaupunki") != NULL)
          client = TRUE;
      }
    g_assert_true (expert);
    g_assert_true (client);
  }

  /* The client consents by phone, from now on: Matti joins, Sari is told. */
  g_assert_true (yp_participants_record_consent (f->store, participant, "phone", NULL,
                                                 "from_now", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (yp_notifications_count_unread (f->store), >=, 1);
  page = show_page (f, yp_participants_view_new);
  g_assert_true (shows_text (page, "Matti Laine"));
  g_usleep (1100 * 1000);
  late = yp_messages_send (f->store, f->client_id, "Uusi viesti: kotikäynti perjantaina.",
                           &error);
  g_assert_no_error (error);

  /* Matti's laptop: only what came after the consent. */
  become (f, matti);
  page = show_page (f, yp_messages_view_new);
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "seed-000-late-joiner");
  g_assert_true (shows_text (page, "Uusi viesti: kotikäynti perjantaina."));
  g_assert_false (shows_text (page, "Aikaisempi viesti"));
  g_assert_false (shows_text (page, "epikriisi.txt"));
  g_assert_nonnull (yp_messages_view_get_history_note (YP_MESSAGES_VIEW (page)));

  /* The client removes Matti's access (recorded on Sari's laptop). */
  become (f, sari);
  g_assert_true (yp_participants_revoke (f->store, participant, "Asiakkaan toive", &error));
  g_assert_no_error (error);

  /* Matti's laptop: nothing of the space. */
  become (f, matti);
  page = show_page (f, yp_messages_view_new);
  g_assert_false (shows_text (page, "Uusi viesti"));
  g_assert_false (shows_text (page, "Aikaisempi viesti"));
  g_assert_false (yp_participants_is_active (f->store, f->client_id, matti));
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add ("/seed-000/walk", Fixture, NULL, setup, test_seed_000, teardown);
  return g_test_run ();
}
