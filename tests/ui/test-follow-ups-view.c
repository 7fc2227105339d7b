/* test-follow-ups-view.c — the real follow-ups page on a real temporary database, under Xvfb.
 *
 * Drives the page as a nurse would: schedules a call (first with a wrong date, which must not
 * empty the form), records the contact with WHO-5 and checks the score shown while answering,
 * and ends the client relationship through the confirmation dialog.
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "yp-follow-ups.h"
#include "yp-follow-ups-view.h"
#include "yp-test-util.h"
#include "yp-ui-test-util.h"
#include "yp-util.h"

typedef struct
{
  char      *dir;
  YpStore   *store;
  char      *client_id;
  GtkWindow *window;
  GtkWidget *view;
} Fixture;

typedef gboolean (*Match) (GtkWidget *widget, gconstpointer data);

static GtkWidget *
find (GtkWidget *root, Match match, gconstpointer data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find (c, match, data);

      if (found)
        return found;
    }
  return NULL;
}

static gboolean
is_row_titled (GtkWidget *w, gconstpointer title)
{
  return ADW_IS_PREFERENCES_ROW (w)
         && g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w)) ?: "",
                              title);
}

static gboolean
is_button_labelled (GtkWidget *w, gconstpointer label)
{
  return GTK_IS_BUTTON (w) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (w)), label) == 0;
}

static gboolean
is_visible_error (GtkWidget *w, gconstpointer unused)
{
  return GTK_IS_LABEL (w) && gtk_widget_has_css_class (w, "error") && gtk_widget_get_visible (w);
}

static gboolean
is_text_view (GtkWidget *w, gconstpointer unused)
{
  return GTK_IS_TEXT_VIEW (w);
}

static gboolean
is_action_row_with_subtitle (GtkWidget *w, gconstpointer text)
{
  return ADW_IS_ACTION_ROW (w)
         && strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (w)) ?: "", text) != NULL;
}

/* A shown toplevel: a dialog with @title, or (title NULL) a message dialog. */
static GtkWidget *
find_dialog (const char *title)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (!gtk_widget_get_visible (GTK_WIDGET (w)))
        continue;
      if (title == NULL ? ADW_IS_MESSAGE_DIALOG (w)
                        : g_strcmp0 (gtk_window_get_title (w), title) == 0)
        return GTK_WIDGET (w);
    }
  return NULL;
}

static void
click (GtkWidget *root, const char *label)
{
  GtkWidget *button = find (root, is_button_labelled, label);

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  yp_ui_test_flush (100);
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
  f->client_id = g_strdup (yp_record_get_id (client));

  f->view = yp_follow_ups_view_new (f->store);
  yp_follow_ups_view_set_client_id (YP_FOLLOW_UPS_VIEW (f->view), f->client_id);
  f->window = GTK_WINDOW (adw_window_new ());
  adw_window_set_content (ADW_WINDOW (f->window), f->view);
  gtk_window_set_default_size (f->window, 800, 700);
  gtk_window_present (f->window);
  yp_ui_test_flush (100);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (f->window);
  yp_ui_test_flush (100);
  g_clear_object (&f->store);
  yp_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->client_id);
}

static void
test_schedule (Fixture *f, gconstpointer data)
{
  GtkWidget *dialog, *date_row;
  g_autofree char *today = yp_today_iso ();
  g_autofree char *today_fi = yp_date_format_fi (today);
  g_autoptr(GPtrArray) list = NULL;

  g_assert_true (gtk_widget_activate_action (f->view, "follow-ups.schedule", NULL));
  yp_ui_test_flush (100);
  dialog = find_dialog ("Schedule a Follow-up");
  g_assert_nonnull (dialog);
  date_row = find (dialog, is_row_titled, "Date");
  g_assert_nonnull (date_row);

  /* A wrong date: a message, the dialog stays, and the text is still there. */
  gtk_editable_set_text (GTK_EDITABLE (date_row), "31.2.2026");
  adw_combo_row_set_selected (ADW_COMBO_ROW (find (dialog, is_row_titled, "Kind")), 1);
  click (dialog, "_Schedule");
  g_assert_true (gtk_widget_get_visible (dialog));
  g_assert_nonnull (find (dialog, is_visible_error, NULL));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (date_row)), ==, "31.2.2026");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (find (dialog, is_row_titled,
                                                                     "Kind"))), ==, 1);

  gtk_editable_set_text (GTK_EDITABLE (date_row), today_fi);
  click (dialog, "_Schedule");
  g_assert_false (gtk_widget_get_visible (dialog));

  list = yp_follow_ups_list (f->store, f->client_id, NULL);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (yp_record_get_string (list->pdata[0], "kind"), ==, "home_visit");
  g_assert_cmpstr (yp_record_get_string (list->pdata[0], "due_on"), ==, today);
  g_assert_cmpstr (yp_record_get_string (list->pdata[0], "assignee_id"), ==,
                   yp_store_get_me_id (f->store));
  yp_ui_test_flush (100);
  /* The page shows it: the home visit, today, who makes it. */
  g_assert_nonnull (find (f->view, is_action_row_with_subtitle, "Due today"));
  g_assert_nonnull (find (f->view, is_action_row_with_subtitle, "Sari Koskinen"));
}

static void
test_record_with_who5 (Fixture *f, gconstpointer data)
{
  static const int answers[5] = { 3, 4, 2, 5, 1 }; /* 15 × 4 = 60 */
  g_autofree char *yesterday = NULL;
  g_autoptr(YpRecord) fu = NULL;
  g_autoptr(YpRecord) saved = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog, *score_row;

  {
    g_autoptr(GDateTime) now = g_date_time_new_now_local ();
    g_autoptr(GDateTime) dt = g_date_time_add_days (now, -1);

    yesterday = g_date_time_format (dt, "%Y-%m-%d");
  }
  fu = yp_follow_ups_schedule (f->store, f->client_id, "phone", yesterday, NULL, &error);
  g_assert_no_error (error);
  yp_ui_test_flush (100);
  g_assert_nonnull (find (f->view, is_action_row_with_subtitle, "Overdue by 1 day"));

  g_assert_true (gtk_widget_activate_action (f->view, "follow-ups.record", "s",
                                             yp_record_get_id (fu)));
  yp_ui_test_flush (100);
  dialog = find_dialog ("Record the Contact");
  g_assert_nonnull (dialog);
  score_row = find (dialog, is_row_titled, "Wellbeing score");
  g_assert_nonnull (score_row);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (score_row)), ==,
                   "Not answered");

  adw_combo_row_set_selected (ADW_COMBO_ROW (find (dialog, is_row_titled, "Coping at home")), 4);
  gtk_editable_set_text (GTK_EDITABLE (find (dialog, is_row_titled, "Next step")),
                         "Kotikäynti kahden viikon päästä");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (find (dialog, is_text_view,
                                                                           NULL))),
                            "Pärjää, mutta yöt ovat levottomia.", -1);
  adw_combo_row_set_selected (ADW_COMBO_ROW (find (dialog, is_row_titled, "Answer from 0")),
                              10);  /* "9" */
  /* Positions: 0 not answered, then 5 down to 0. Four answers first. */
  for (guint i = 0; i < 4; i++)
    adw_combo_row_set_selected (ADW_COMBO_ROW (find (dialog, is_row_titled, yp_who5_item (i))),
                                6 - answers[i]);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (score_row)),
                            "4 of 5"));

  /* Saving with four answers: a clear message, nothing lost, nothing saved. */
  click (dialog, "_Save");
  g_assert_true (gtk_widget_get_visible (dialog));
  g_assert_nonnull (find (dialog, is_visible_error, NULL));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (find (dialog, is_row_titled,
                                                                     "Coping at home"))), ==, 4);
  saved = yp_store_get (f->store, yp_schema_lookup ("follow_up"), yp_record_get_id (fu), NULL);
  g_assert_true (yp_record_is_null (saved, "done_at"));
  g_clear_pointer (&saved, yp_record_unref);

  adw_combo_row_set_selected (ADW_COMBO_ROW (find (dialog, is_row_titled, yp_who5_item (4))),
                              6 - answers[4]);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (score_row)), ==, "60 / 100");
  yp_ui_test_screenshot (dialog, "record-dialog");

  click (dialog, "_Save");
  g_assert_false (gtk_widget_get_visible (dialog));
  saved = yp_store_get (f->store, yp_schema_lookup ("follow_up"), yp_record_get_id (fu), NULL);
  g_assert_nonnull (yp_record_get_string (saved, "done_at"));
  g_assert_cmpint (yp_record_get_int (saved, "coping"), ==, 4);
  g_assert_cmpint (yp_record_get_int (saved, "nps"), ==, 9);
  g_assert_cmpint (yp_follow_up_get_who5_score (saved), ==, 60);
  g_assert_cmpstr (yp_record_get_string (saved, "notes"), ==,
                   "Pärjää, mutta yöt ovat levottomia.");
  yp_ui_test_flush (100);
  g_assert_nonnull (find (f->view, is_action_row_with_subtitle, "wellbeing 60/100"));
  g_assert_null (find (f->view, is_action_row_with_subtitle, "Overdue"));
  yp_ui_test_screenshot (f->view, "page");
}

static void
test_end_relationship (Fixture *f, gconstpointer data)
{
  GtkWidget *dialog, *confirm, *summary;
  g_autoptr(YpRecord) client = NULL;
  g_autoptr(GArray) ended = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gtk_widget_activate_action (f->view, "follow-ups.end", NULL));
  yp_ui_test_flush (100);
  dialog = find_dialog ("End the Client Relationship");
  g_assert_nonnull (dialog);
  adw_combo_row_set_selected (ADW_COMBO_ROW (find (dialog, is_row_titled, "Reason")), 1);

  /* Without a summary: a message, and the dialog keeps the chosen reason. */
  click (dialog, "_End…");
  g_assert_nonnull (find (dialog, is_visible_error, NULL));
  g_assert_null (find_dialog (NULL));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (find (dialog, is_row_titled,
                                                                     "Reason"))), ==, 1);

  summary = find (dialog, is_text_view, NULL);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (summary)),
                            "Muutti tyttären luo Ouluun; palvelut siirtyvät sinne.", -1);
  click (dialog, "_End…");
  confirm = find_dialog (NULL);
  g_assert_nonnull (confirm);
  /* The confirmation says exactly what happens. */
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (confirm)),
                            "Aino Virtanen moves to the Ended list"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (confirm), "end");
  yp_ui_test_flush (100);
  g_assert_false (gtk_widget_get_visible (dialog));

  client = yp_store_get (f->store, yp_schema_lookup ("client"), f->client_id, NULL);
  g_assert_cmpstr (yp_record_get_string (client, "status"), ==, "ended");
  g_assert_cmpstr (yp_record_get_string (client, "end_reason"), ==, "moved");
  g_assert_cmpstr (yp_record_get_string (client, "end_summary"), ==,
                   "Muutti tyttären luo Ouluun; palvelut siirtyvät sinne.");
  ended = yp_store_query_client_rows (f->store, NULL, YP_CLIENT_FILTER_ENDED,
                                      YP_CLIENT_SORT_NAME, &error);
  g_assert_cmpuint (ended->len, ==, 1);
  /* The page says so and offers no more scheduling. */
  g_assert_false (gtk_widget_activate_action (f->view, "follow-ups.schedule", NULL)
                  && find_dialog ("Schedule a Follow-up") != NULL);
  g_assert_nonnull (find (f->view, is_row_titled, "Nothing scheduled: the client relationship"));
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/follow-ups-view/schedule", test_schedule);
  ADD ("/follow-ups-view/record-with-who5", test_record_with_who5);
  ADD ("/follow-ups-view/end-relationship", test_end_relationship);
#undef ADD

  return g_test_run ();
}
