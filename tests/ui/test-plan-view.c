/* test-plan-view.c — the shared plan page on a real temporary database: entries are added and
 * edited field by field with no save button, a version is agreed through the dialog, two
 * versions are compared, and an overdue review shows on the page and in the client list. */
#include "config.h"

#include <adwaita.h>

#include "yp-client-summary.h"
#include "yp-plan-view.h"
#include "yp-plan.h"
#include "yp-test-util.h"
#include "yp-ui-test-util.h"

typedef struct
{
  char       *dir;
  YpStore    *store;
  char       *client_id;
  GtkWindow  *window;
  YpPlanView *view;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");

  f->store = yp_test_store_new (&f->dir);
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  yp_record_set_string (client, "responsible_id", yp_store_get_me_id (f->store));
  g_assert_true (yp_store_insert (f->store, client, &error));
  f->client_id = g_strdup (yp_record_get_id (client));
  f->view = YP_PLAN_VIEW (yp_plan_view_new (f->store));
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 800, 900);
  gtk_window_set_child (f->window, GTK_WIDGET (f->view));
  gtk_window_present (f->window);
  yp_plan_view_set_client_id (f->view, f->client_id);
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


static char *
sql (Fixture *f, const char *query)
{
  return yp_test_sql_text (yp_store_get_path (f->store), query);
}

static guint
n_rows (GtkListBox *list)
{
  guint n = 0;

  while (gtk_list_box_get_row_at_index (list, n) != NULL)
    n++;
  return n;
}

/* The @i-th row's widget of the first type found inside it, depth first. */
static GtkWidget *
find_in (GtkWidget *root, GType type, const char *title_prefix)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) &&
      (title_prefix == NULL ||
       g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title_prefix)))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_in (c, type, title_prefix);

      if (found)
        return found;
    }
  return NULL;
}

/* The entry's own remove button (the row has other buttons, e.g. apply). */
static GtkWidget *
find_remove_button (GtkWidget *root)
{
  if (GTK_IS_BUTTON (root) &&
      g_strcmp0 (gtk_widget_get_tooltip_text (root), "Remove this entry") == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_remove_button (c);

      if (found)
        return found;
    }
  return NULL;
}

/* Types @text into the section's "Add …" row (its last row) and applies it. */
static void
add_entry (Fixture *f, const char *section, const char *text)
{
  GtkListBox *list = yp_plan_view_get_section_list (f->view, section);
  GtkWidget *add = GTK_WIDGET (gtk_list_box_get_row_at_index (list, n_rows (list) - 1));

  g_assert_true (ADW_IS_ENTRY_ROW (add));
  g_assert_true (g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (add)),
                                   "Add "));
  gtk_editable_set_text (GTK_EDITABLE (add), text);
  g_signal_emit_by_name (add, "apply");
  yp_ui_test_flush (100);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (add)), ==, "");
}

static void
agree (Fixture *f, const char *method_label, const char *review)
{
  AdwMessageDialog *dialog;
  GtkWidget *check, *entry;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "plan.agree", NULL));
  dialog = yp_plan_view_get_agree_dialog (f->view);
  g_assert_nonnull (dialog);
  for (check = find_in (GTK_WIDGET (dialog), GTK_TYPE_CHECK_BUTTON, NULL); check;
       check = gtk_widget_get_next_sibling (check))
    if (GTK_IS_CHECK_BUTTON (check) &&
        g_strcmp0 (gtk_check_button_get_label (GTK_CHECK_BUTTON (check)), method_label) == 0)
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  entry = find_in (GTK_WIDGET (dialog), GTK_TYPE_ENTRY, NULL);
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "31.2.2026");
  /* A date that does not exist cannot be agreed: the button is off, the text stays. */
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "agree"));
  gtk_editable_set_text (GTK_EDITABLE (entry), review);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "agree"));
  adw_message_dialog_response (dialog, "agree");
  yp_ui_test_flush (100);
  g_assert_null (yp_plan_view_get_agree_dialog (f->view));
}

static void
test_entries_agree_compare (Fixture *f, gconstpointer data)
{
  GtkListBox *goals = yp_plan_view_get_section_list (f->view, "goal");
  GtkListBox *needs = yp_plan_view_get_section_list (f->view, "need");
  GtkListBox *actions = yp_plan_view_get_section_list (f->view, "action");
  GtkListBox *versions = yp_plan_view_get_versions_list (f->view);
  GtkListBox *changes = yp_plan_view_get_changes_list (f->view);
  GtkWidget *goal_row, *need_row, *action_row, *who, *due, *hidden;
  g_autofree char *value = NULL;
  g_autofree char *count = NULL;

  g_assert_cmpuint (n_rows (goals), ==, 1); /* only the "Add a goal" row */
  add_entry (f, "goal", "Haluan käydä itse kaupassa");
  add_entry (f, "need", "Kotihoito");
  add_entry (f, "action", "Kauppakassipalvelu");
  g_assert_cmpuint (n_rows (goals), ==, 2);
  value = sql (f, "SELECT group_concat(section || ':' || text, '|') FROM"
                  " (SELECT * FROM plan_entries ORDER BY rowid)");
  g_assert_cmpstr (value, ==, "goal:Haluan käydä itse kaupassa|need:Kotihoito|"
                              "action:Kauppakassipalvelu");

  /* Edit a goal: written on apply, with its outbox entry. */
  goal_row = GTK_WIDGET (gtk_list_box_get_row_at_index (goals, 0));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (goal_row)), ==,
                   "Haluan käydä itse kaupassa");
  gtk_editable_set_text (GTK_EDITABLE (goal_row), "");
  g_signal_emit_by_name (goal_row, "apply");
  yp_ui_test_flush (100);
  /* An empty entry is refused and what is stored stays. */
  g_free (value);
  value = sql (f, "SELECT text FROM plan_entries WHERE section = 'goal'");
  g_assert_cmpstr (value, ==, "Haluan käydä itse kaupassa");
  gtk_editable_set_text (GTK_EDITABLE (goal_row), "Haluan käydä itse kaupassa kerran viikossa");
  g_signal_emit_by_name (goal_row, "apply");
  yp_ui_test_flush (100);
  g_free (value);
  value = sql (f, "SELECT text FROM plan_entries WHERE section = 'goal'");
  g_assert_cmpstr (value, ==, "Haluan käydä itse kaupassa kerran viikossa");
  count = sql (f, "SELECT count(*) FROM outbox WHERE entity = 'plan_entry' AND op = 'update'");
  g_assert_cmpstr (count, ==, "1");

  /* Agree the first version in person. */
  agree (f, "In person", "1.12.2026");
  g_assert_cmpuint (n_rows (versions), ==, 1);
  g_free (value);
  value = sql (f, "SELECT agreed_method || '|' || review_on FROM plan_versions");
  g_assert_cmpstr (value, ==, "in_person|2026-12-01");

  /* Mark the need as found late, fill in the action, add another goal. */
  need_row = GTK_WIDGET (gtk_list_box_get_row_at_index (needs, 0));
  hidden = find_in (need_row, GTK_TYPE_CHECK_BUTTON, NULL);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (hidden), TRUE);
  action_row = GTK_WIDGET (gtk_list_box_get_row_at_index (actions, 0));
  g_assert_true (ADW_IS_EXPANDER_ROW (action_row));
  who = find_in (action_row, ADW_TYPE_ENTRY_ROW, "Who is responsible");
  gtk_editable_set_text (GTK_EDITABLE (who), "Lahden Martat ry");
  g_signal_emit_by_name (who, "apply");
  due = find_in (action_row, ADW_TYPE_ENTRY_ROW, "By when");
  gtk_editable_set_text (GTK_EDITABLE (due), "ensi viikolla");
  g_signal_emit_by_name (due, "apply");
  /* Not a date: not saved, and the text stays for correcting. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (due)), ==, "ensi viikolla");
  gtk_editable_set_text (GTK_EDITABLE (due), "15.12.2026");
  g_signal_emit_by_name (due, "apply");
  adw_combo_row_set_selected (ADW_COMBO_ROW (find_in (action_row, ADW_TYPE_COMBO_ROW, NULL)), 1);
  yp_ui_test_flush (100);
  g_free (value);
  value = sql (f, "SELECT responsible || '|' || due_on || '|' || action_status"
                  " FROM plan_entries WHERE section = 'action'");
  g_assert_cmpstr (value, ==, "Lahden Martat ry|2026-12-15|in_progress");
  g_free (value);
  value = sql (f, "SELECT hidden_need FROM plan_entries WHERE section = 'need'");
  g_assert_cmpstr (value, ==, "1");
  /* The action's row says who, when and its status in words. */
  g_assert_nonnull (strstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (action_row)),
                            "In progress · Lahden Martat ry · 15.12.2026"));
  add_entry (f, "goal", "Haluan nukkua paremmin");

  agree (f, "By phone", "1.3.2027");
  g_assert_cmpuint (n_rows (versions), ==, 2);

  /* Compare the two: tick both. */
  /* With fewer than two ticked, Compare does nothing. */
  gtk_widget_activate_action (GTK_WIDGET (f->view), "plan.compare", NULL);
  yp_ui_test_flush (100);
  g_assert_cmpuint (n_rows (changes), ==, 0);
  for (guint i = 0; i < 2; i++)
    gtk_check_button_set_active (
      GTK_CHECK_BUTTON (find_in (GTK_WIDGET (gtk_list_box_get_row_at_index (versions, i)),
                                 GTK_TYPE_CHECK_BUTTON, NULL)), TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "plan.compare", NULL));
  yp_ui_test_flush (100);
  g_assert_cmpuint (n_rows (changes), ==, 3);
  {
    g_autoptr(GString) all = g_string_new (NULL);

    for (guint i = 0; i < 3; i++)
      g_string_append_printf (all, "%s\n", adw_preferences_row_get_title (
        ADW_PREFERENCES_ROW (gtk_list_box_get_row_at_index (changes, i))));
    /* In words, not colour: what was added and what changed. */
    g_assert_nonnull (strstr (all->str, "Added: Haluan nukkua paremmin"));
    g_assert_nonnull (strstr (all->str, "Changed: Kotihoito"));
    g_assert_nonnull (strstr (all->str, "Changed: Kauppakassipalvelu"));
  }

  yp_ui_test_screenshot (GTK_WIDGET (f->window), "plan-view");
  /* Removing an entry is a tombstone, and its row goes. */
  {
    GtkWidget *remove = find_remove_button (GTK_WIDGET (gtk_list_box_get_row_at_index (goals, 1)));

    g_assert_nonnull (remove);
    g_signal_emit_by_name (remove, "clicked");
  }
  yp_ui_test_flush (100);
  g_assert_cmpuint (n_rows (goals), ==, 2);
  g_free (value);
  value = sql (f, "SELECT count(*) FROM plan_entries WHERE deleted = 1");
  g_assert_cmpstr (value, ==, "1");
}

static void
test_review_overdue (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GPtrArray) summaries = NULL;
  GtkWidget *review_row;

  g_assert_cmpstr (yp_plan_view_get_review_text (f->view), ==, "No review date set");
  review_row = find_in (GTK_WIDGET (f->view), ADW_TYPE_ENTRY_ROW, "Next review");
  g_assert_nonnull (review_row);
  gtk_editable_set_text (GTK_EDITABLE (review_row), "31.1.2020");
  g_signal_emit_by_name (review_row, "apply");
  yp_ui_test_flush (100);
  g_assert_cmpstr (yp_plan_view_get_review_text (f->view), ==,
                   "⚠ Review overdue since 31.1.2020");

  /* The client list's summary says the same. */
  rows = yp_store_query_client_rows (f->store, NULL, YP_CLIENT_FILTER_ALL, YP_CLIENT_SORT_NAME,
                                     &error);
  summaries = yp_store_load_client_summaries (f->store, (gint64 *) rows->data, rows->len, &error);
  g_assert_true (yp_client_summary_get_review_overdue (summaries->pdata[0]));

  gtk_editable_set_text (GTK_EDITABLE (review_row), "1.1.2999");
  g_signal_emit_by_name (review_row, "apply");
  yp_ui_test_flush (100);
  g_assert_cmpstr (yp_plan_view_get_review_text (f->view), ==, "Next review 1.1.2999");
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(name, func) g_test_add ("/plan-view/" name, Fixture, NULL, setup, func, teardown)
  ADD ("entries-agree-compare", test_entries_agree_compare);
  ADD ("review-overdue", test_review_overdue);
  return g_test_run ();
}
