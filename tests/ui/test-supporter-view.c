/* test-supporter-view.c — the plan page as a third-sector supporter sees it, on a real
 * temporary database: their own action is there; the client's service needs, goals and other
 * workers' actions are not anywhere on the page. The same page for the owner shows them all. */
#include "config.h"

#include <adwaita.h>

#include "yp-participants.h"
#include "yp-plan-view.h"
#include "yp-plan.h"
#include "yp-test-util.h"
#include "yp-ui-test-util.h"

typedef struct
{
  char    *dir;
  char    *path;
  YpStore *store;
  char    *client_id;
  char    *liisa;
} Fixture;

static void
add (Fixture *f, const char *section, const char *text, const char *responsible)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) e = yp_plan_add_entry (f->store, f->client_id, section, text, &error);

  g_assert_no_error (error);
  if (responsible != NULL)
    g_assert_true (yp_plan_set_entry_field (f->store, yp_record_get_id (e), "responsible",
                                            responsible, &error));
  g_assert_no_error (error);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");
  g_autofree char *pid = NULL;

  f->store = yp_test_store_new (&f->dir);
  f->path = g_strdup (yp_store_get_path (f->store));
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_true (yp_store_insert (f->store, client, &error));
  g_assert_no_error (error);
  f->client_id = g_strdup (yp_record_get_id (client));
  f->liisa = yp_participants_add_expert (f->store, "Liisa Laine", NULL,
                                         "Lahden Mielenterveysseura", "third_sector", &error);
  g_assert_no_error (error);
  pid = yp_participants_invite (f->store, f->client_id, f->liisa, "supporter", &error);
  g_assert_no_error (error);
  g_assert_true (yp_participants_record_consent (f->store, pid, "in_person", NULL, NULL, NULL,
                                                 &error));
  g_assert_no_error (error);
  add (f, "goal", "Haluan jaksaa paremmin", NULL);
  add (f, "need", "Psykiatrinen hoito", NULL);
  add (f, "action", "Vertaistukiryhmä torstaisin", "Lahden Mielenterveysseura");
  add (f, "action", "Lääkityksen tarkistus", "Lahden terveysasema");
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->client_id);
  g_free (f->liisa);
}

static void
become (Fixture *f, const char *professional_id)
{
  g_autofree char *update = g_strdup_printf ("UPDATE local_state SET value = '%s'"
                                             " WHERE key = 'me'", professional_id);
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->store);
  g_free (yp_test_sql_text (f->path, update));
  f->store = yp_store_open (f->path, &error);
  g_assert_no_error (error);
}

/* Every text a user could read or edit on the page, "\n"-joined. */
static void
collect (GtkWidget *w, GString *out)
{
  if (!gtk_widget_get_visible (w))
    return;
  if (GTK_IS_LABEL (w))
    g_string_append_printf (out, "%s\n", gtk_label_get_text (GTK_LABEL (w)));
  else if (GTK_IS_EDITABLE (w) && !GTK_IS_TEXT (w))
    g_string_append_printf (out, "%s\n", gtk_editable_get_text (GTK_EDITABLE (w)));
  else if (GTK_IS_TEXT_VIEW (w))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (w));
      GtkTextIter a, b;
      g_autofree char *t = NULL;

      gtk_text_buffer_get_bounds (buffer, &a, &b);
      t = gtk_text_buffer_get_text (buffer, &a, &b, FALSE);
      g_string_append_printf (out, "%s\n", t);
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    collect (c, out);
}

static char *
page_text (Fixture *f)
{
  GtkWidget *view = yp_plan_view_new (f->store);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  g_autoptr(GString) out = g_string_new (NULL);

  gtk_window_set_default_size (window, 800, 900);
  gtk_window_set_child (window, view);
  gtk_window_present (window);
  yp_plan_view_set_client_id (YP_PLAN_VIEW (view), f->client_id);
  yp_ui_test_flush (100);
  collect (view, out);
  gtk_window_destroy (window);
  yp_ui_test_flush (100);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_owner_sees_all (Fixture *f, gconstpointer data)
{
  g_autofree char *text = page_text (f);

  g_assert_nonnull (strstr (text, "Psykiatrinen hoito"));
  g_assert_nonnull (strstr (text, "Haluan jaksaa paremmin"));
  g_assert_nonnull (strstr (text, "Lääkityksen tarkistus"));
  g_assert_nonnull (strstr (text, "Vertaistukiryhmä torstaisin"));
}

static void
test_supporter_sees_own_action_only (Fixture *f, gconstpointer data)
{
  g_autofree char *text = NULL;

  become (f, f->liisa);
  text = page_text (f);
  g_assert_nonnull (strstr (text, "Vertaistukiryhmä torstaisin"));
  if (strstr (text, "Psykiatrinen hoito") || strstr (text, "Haluan jaksaa paremmin")
      || strstr (text, "Lääkityksen tarkistus"))
    g_error ("The supporter's plan page shows more than their own actions:\n%s", text);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(name, func) g_test_add ("/supporter-view/" name, Fixture, NULL, setup, func, teardown)
  ADD ("owner-sees-all", test_owner_sees_all);
  ADD ("supporter-sees-own-action-only", test_supporter_sees_own_action_only);
  return g_test_run ();
}
