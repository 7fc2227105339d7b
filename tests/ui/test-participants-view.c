/* test-participants-view.c — the Participants page on a real temporary database, under Xvfb.
 *
 * Drives the page as a nurse would with the client beside her: invite an expert found in the
 * directory, record the client's consent by phone, see the expert as joined, remove access
 * with a reason, and read the consent log. With YP_SCREENSHOT_DIR set, each step also writes
 * a PNG of the page or the dialog to look at.
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "yp-participants.h"
#include "yp-participants-view.h"
#include "yp-test-util.h"
#include "yp-ui-test-util.h"
#include "yp-util.h"

typedef struct
{
  char               *dir;
  YpStore            *store;
  char               *client_id;
  char               *matti;
  GtkWindow          *window;
  YpParticipantsView *view;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpRecord) client = yp_test_client_new ("Aino", "Virtanen");

  f->store = yp_test_store_new (&f->dir);
  g_assert_true (yp_store_set_profile (f->store, "Sari Koskinen", "sairaanhoitaja",
                                       "Lahden terveysasema", &error));
  g_assert_true (yp_store_insert (f->store, client, &error));
  g_assert_no_error (error);
  f->client_id = g_strdup (yp_record_get_id (client));
  f->matti = yp_participants_add_expert (f->store, "Matti Virtanen", "sosiaalityöntekijä",
                                         "Lahden kaupunki", "social", &error);
  g_assert_no_error (error);
  g_free (yp_participants_add_expert (f->store, "Liisa Laine", NULL,
                                      "Lahden Mielenterveysseura", "third_sector", &error));
  g_assert_no_error (error);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 900, 800);
  f->view = YP_PARTICIPANTS_VIEW (yp_participants_view_new (f->store));
  gtk_window_set_child (f->window, GTK_WIDGET (f->view));
  yp_participants_view_set_client_id (f->view, f->client_id);
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
  g_free (f->matti);
}

/* Widgets are found as a screen reader would: by walking the tree for a type and a text. */
static GtkWidget *
find_widget (GtkWidget   *root,
             GType        type,
             const char  *text)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    {
      const char *t = NULL;

      if (ADW_IS_PREFERENCES_ROW (root))
        t = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root));
      else if (GTK_IS_BUTTON (root))
        t = gtk_button_get_label (GTK_BUTTON (root));
      else if (GTK_IS_LABEL (root))
        t = gtk_label_get_label (GTK_LABEL (root));
      if (text == NULL || (t && strstr (t, text) != NULL))
        return root;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The participant row of @name on the page. */
static GtkWidget *
participant_row (Fixture *f, const char *name)
{
  GtkWidget *row = find_widget (GTK_WIDGET (f->view), ADW_TYPE_ACTION_ROW, name);

  g_assert_nonnull (row);
  g_assert_nonnull (g_object_get_data (G_OBJECT (row), "participant-id"));
  return row;
}

static const char *
row_subtitle (GtkWidget *row)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

static void
collect_labels (GtkWidget *root, GString *out)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_visible (root))
    g_string_append_printf (out, "%s\n", gtk_label_get_label (GTK_LABEL (root)));
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    collect_labels (c, out);
}

static GtkWindow *
wait_for_dialog (Fixture *f)
{
  for (int i = 0; i < 100 && yp_participants_view_get_dialog (f->view) == NULL; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_nonnull (yp_participants_view_get_dialog (f->view));
  yp_ui_test_flush (100);
  return yp_participants_view_get_dialog (f->view);
}

static void
wait_dialog_gone (Fixture *f)
{
  for (int i = 0; i < 200 && yp_participants_view_get_dialog (f->view) != NULL; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  g_assert_null (yp_participants_view_get_dialog (f->view));
  yp_ui_test_flush (100);
}

static guint
visible_rows (GtkWidget *list)
{
  guint n = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (list); c; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LIST_BOX_ROW (c) && gtk_widget_get_child_visible (c))
      n++;
  return n;
}

static void
test_invite_consent_remove (Fixture *f, gconstpointer data)
{
  g_autofree char *today = yp_date_format_fi (yp_today_iso ());
  g_autofree char *since = g_strdup_printf ("since %s", today);
  g_autofree char *consent_line = NULL;
  g_autoptr(GString) labels = g_string_new (NULL);
  GtkWindow *dialog;
  GtkWidget *search, *list, *row, *button, *chosen, *method, *reason;
  const char *who = "Matti Virtanen (Lahden kaupunki, social services)";

  /* At first only Sari, who started the space. */
  row = participant_row (f, "Sari Koskinen");
  g_assert_nonnull (strstr (row_subtitle (row), "Started the guidance space · Joined"));
  g_assert_null (find_widget (GTK_WIDGET (f->view), ADW_TYPE_ACTION_ROW, "Matti Virtanen"));
  /* The owner cannot be removed: the button is there, insensitive, and says why. */
  button = find_widget (row, GTK_TYPE_BUTTON, "Remove Access");
  g_assert_nonnull (button);
  g_assert_false (gtk_widget_is_sensitive (button));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (button), "cannot be removed"));
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "start");

  /* Invite Matti from the directory, found by searching. */
  button = find_widget (GTK_WIDGET (f->view), GTK_TYPE_BUTTON, "Invite an Expert");
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  dialog = wait_for_dialog (f);
  search = find_widget (GTK_WIDGET (dialog), GTK_TYPE_SEARCH_ENTRY, NULL);
  list = find_widget (GTK_WIDGET (dialog), GTK_TYPE_LIST_BOX, NULL);
  g_assert_nonnull (search);
  g_assert_nonnull (list);
  /* The directory offers Matti and Liisa, not Sari who already takes part. */
  g_assert_cmpuint (visible_rows (list), ==, 2);
  g_assert_null (find_widget (list, ADW_TYPE_ACTION_ROW, "Sari Koskinen"));
  /* Nothing chosen yet: nothing to invite. */
  button = find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, "_Invite");
  g_assert_false (gtk_widget_is_sensitive (button));

  gtk_editable_set_text (GTK_EDITABLE (search), "lahden kaup");
  for (int i = 0; i < 200 && visible_rows (list) != 1; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  g_assert_cmpuint (visible_rows (list), ==, 1);
  row = find_widget (list, ADW_TYPE_ACTION_ROW, "Matti Virtanen");
  g_assert_nonnull (row);
  gtk_list_box_select_row (GTK_LIST_BOX (list), GTK_LIST_BOX_ROW (row));
  /* The dialog says who and from where, to tell the client. */
  chosen = find_widget (GTK_WIDGET (dialog), GTK_TYPE_LABEL, "Tell the client: you are inviting");
  g_assert_nonnull (chosen);
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (chosen)), who));
  g_assert_true (gtk_widget_is_sensitive (button));
  yp_ui_test_screenshot (GTK_WIDGET (dialog), "invite");
  g_signal_emit_by_name (button, "clicked");
  wait_dialog_gone (f);

  row = participant_row (f, "Matti Virtanen");
  g_assert_nonnull (strstr (row_subtitle (row), "Lahden kaupunki, social services"));
  g_assert_nonnull (strstr (row_subtitle (row), "Member · Invited, waiting for the client's "
                                                "consent"));
  g_assert_cmpstr (g_object_get_data (G_OBJECT (row), "state"), ==, "invited");
  g_assert_nonnull (find_widget (row, GTK_TYPE_BUTTON, "Declined"));
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "invited");

  /* The client agrees by phone, from now on. */
  button = find_widget (row, GTK_TYPE_BUTTON, "Record the Client's _Consent");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  dialog = wait_for_dialog (f);
  g_assert_nonnull (find_widget (GTK_WIDGET (dialog), GTK_TYPE_LABEL, who));
  method = find_widget (GTK_WIDGET (dialog), ADW_TYPE_COMBO_ROW, "How the client gave consent");
  g_assert_nonnull (method);
  adw_combo_row_set_selected (ADW_COMBO_ROW (method), 1);
  g_assert_true (gtk_check_button_get_active (
                   GTK_CHECK_BUTTON (find_widget (GTK_WIDGET (dialog), GTK_TYPE_CHECK_BUTTON,
                                                  NULL))));
  yp_ui_test_screenshot (GTK_WIDGET (dialog), "consent");
  g_signal_emit_by_name (find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, "_Record Consent"),
                         "clicked");
  wait_dialog_gone (f);

  row = participant_row (f, "Matti Virtanen");
  g_assert_cmpstr (g_object_get_data (G_OBJECT (row), "state"), ==, "active");
  g_assert_nonnull (strstr (row_subtitle (row), "Member · Joined"));
  g_assert_nonnull (strstr (row_subtitle (row), since));
  g_assert_true (yp_participants_is_active (f->store, f->client_id, f->matti));
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "joined");

  /* Remove access at the client's wish: a reason is required. */
  button = find_widget (row, GTK_TYPE_BUTTON, "Remove Access");
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  dialog = wait_for_dialog (f);
  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), who));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            "removed from the expert's device"));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                           "remove"));
  reason = find_widget (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, "Reason");
  g_assert_nonnull (reason);
  gtk_editable_set_text (GTK_EDITABLE (reason), "Asiakkaan toiveesta");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                          "remove"));
  yp_ui_test_screenshot (GTK_WIDGET (dialog), "remove");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "remove");
  wait_dialog_gone (f);

  row = participant_row (f, "Matti Virtanen");
  g_assert_cmpstr (g_object_get_data (G_OBJECT (row), "state"), ==, "revoked");
  g_assert_nonnull (strstr (row_subtitle (row), "Access removed"));
  g_assert_null (find_widget (row, GTK_TYPE_BUTTON, NULL));
  g_assert_false (yp_participants_may_see (f->store, f->client_id, f->matti, NULL));

  /* The consent log, in plain words, in order. */
  collect_labels (GTK_WIDGET (f->view), labels);
  consent_line = g_strdup_printf ("%s The client gave consent by phone: %s joined. Sees "
                                  "messages and attachments from %s onwards.", today, who, today);
  {
    const char *started = strstr (labels->str, "started the guidance space");
    const char *invited = strstr (labels->str, "invited Matti Virtanen (Lahden kaupunki, "
                                               "social services) to take part");
    const char *consented = strstr (labels->str, consent_line);
    const char *removed = strstr (labels->str, "no longer has access. Reason: Asiakkaan "
                                               "toiveesta");

    g_assert_nonnull (started);
    g_assert_nonnull (invited);
    g_assert_nonnull (consented);
    g_assert_nonnull (removed);
    g_assert_true (started < invited && invited < consented && consented < removed);
  }
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "removed");
}

static void
test_add_missing_expert_keeps_text (Fixture *f, gconstpointer data)
{
  GtkWindow *dialog;
  GtkWidget *expander, *name, *org, *button, *error;

  gtk_widget_activate_action (GTK_WIDGET (f->view), "participants.invite", NULL);
  dialog = wait_for_dialog (f);
  expander = find_widget (GTK_WIDGET (dialog), ADW_TYPE_EXPANDER_ROW, "not in the directory");
  g_assert_nonnull (expander);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), TRUE);
  name = find_widget (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, "Name");
  org = find_widget (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, "Organisation");
  button = find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, "_Invite");

  /* Matti is already in the directory: the dialog says so and keeps what was typed. */
  gtk_editable_set_text (GTK_EDITABLE (name), "Matti Virtanen");
  gtk_editable_set_text (GTK_EDITABLE (org), "Lahden kaupunki");
  g_signal_emit_by_name (button, "clicked");
  yp_ui_test_flush (100);
  g_assert_nonnull (yp_participants_view_get_dialog (f->view));
  error = find_widget (GTK_WIDGET (dialog), GTK_TYPE_LABEL, "already in the directory");
  g_assert_nonnull (error);
  g_assert_true (gtk_widget_get_visible (error));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (name)), ==, "Matti Virtanen");

  /* A new expert of a new third-sector organisation is added and invited at once. */
  gtk_editable_set_text (GTK_EDITABLE (name), "Outi Aalto");
  gtk_editable_set_text (GTK_EDITABLE (org), "Päijät-Hämeen Omaiset ry");
  adw_combo_row_set_selected (ADW_COMBO_ROW (find_widget (GTK_WIDGET (dialog),
                                                          ADW_TYPE_COMBO_ROW, "Sector")), 4);
  adw_combo_row_set_selected (ADW_COMBO_ROW (find_widget (GTK_WIDGET (dialog),
                                                          ADW_TYPE_COMBO_ROW, "Takes part as")),
                              2);
  g_assert_nonnull (find_widget (GTK_WIDGET (dialog), GTK_TYPE_LABEL,
                                 "Outi Aalto (Päijät-Hämeen Omaiset ry, third sector)"));
  g_signal_emit_by_name (button, "clicked");
  wait_dialog_gone (f);
  g_assert_nonnull (strstr (row_subtitle (participant_row (f, "Outi Aalto")),
                            "Third-sector supporter · Invited"));
}

static void
test_member_may_not_manage (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = yp_participants_invite (f->store, f->client_id, f->matti, "member",
                                                 &error);
  g_autofree char *path = g_strdup (yp_store_get_path (f->store));
  g_autofree char *become = g_strdup_printf ("UPDATE local_state SET value = '%s'"
                                             " WHERE key = 'me'", f->matti);
  g_autoptr(YpStore) as_matti = NULL;
  GtkWidget *view, *button;

  g_assert_true (yp_participants_record_consent (f->store, pid, "phone", NULL, NULL, NULL,
                                                 &error));
  g_assert_no_error (error);
  g_free (yp_test_sql_text (path, become));
  as_matti = yp_store_open (path, &error);
  g_assert_no_error (error);

  view = yp_participants_view_new (as_matti);
  gtk_window_set_child (f->window, view);
  yp_participants_view_set_client_id (YP_PARTICIPANTS_VIEW (view), f->client_id);
  yp_ui_test_flush (100);
  button = find_widget (view, GTK_TYPE_BUTTON, "Invite an Expert");
  g_assert_false (gtk_widget_is_sensitive (button));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (button), "coordinator"));
  button = find_widget (view, GTK_TYPE_BUTTON, "Remove Access");
  g_assert_false (gtk_widget_is_sensitive (button));
  g_assert_nonnull (gtk_widget_get_tooltip_text (button));
  gtk_window_set_child (f->window, NULL);
  yp_ui_test_flush (100);
}

/* A change Matti wrote after his access ended reaches the owner (as a pull page would bring
 * it): it is shown in full under "Changes Waiting for Review", and "Mark as Reviewed" takes
 * it away and records who reviewed it. */
static void
test_review_quarantined (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = yp_uuid_new ();
  g_autofree char *row_id = yp_uuid_new ();
  g_autofree char *now = yp_now_iso8601 ();
  g_autofree char *json = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) shown = g_string_new (NULL);
  g_autoptr(YpRecord) after = NULL;
  GtkWidget *group, *button;
  guint outbox;

  group = find_widget (GTK_WIDGET (f->view), ADW_TYPE_PREFERENCES_GROUP, NULL);
  g_assert_null (find_widget (GTK_WIDGET (f->view), GTK_TYPE_BUTTON, "Mark as"));

  json = g_strdup_printf (
    "[{\"entity\": \"quarantined_change\", \"row\": {\"id\": \"%s\", \"client_id\": \"%s\","
    " \"rev\": 50, \"updated_at\": \"%s\", \"updated_by\": \"%s\", \"deleted\": false,"
    " \"author_id\": \"%s\", \"entity\": \"message\", \"row_id\": \"%s\", \"op\": \"insert\","
    " \"fields\": \"{\\\"author_id\\\": \\\"%s\\\", \\\"body\\\": \\\"Kotikäynnillä kaikki hyvin\\\"}\","
    " \"created_at\": \"%s\", \"state\": \"waiting\", \"reviewed_by\": null,"
    " \"reviewed_at\": null}}]",
    id, f->client_id, now, f->matti, f->matti, row_id, f->matti, now);
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  g_assert_true (yp_store_apply_pull_page (f->store,
                                           json_node_get_array (json_parser_get_root (parser)),
                                           NULL, NULL, &error));
  g_assert_no_error (error);
  yp_ui_test_flush (200);

  button = find_widget (GTK_WIDGET (f->view), GTK_TYPE_BUTTON, "Mark as");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  group = gtk_widget_get_ancestor (button, ADW_TYPE_PREFERENCES_GROUP);
  g_assert_true (gtk_widget_get_visible (group));
  collect_labels (group, shown);
  g_assert_nonnull (strstr (shown->str, "Changes Waiting for Review"));
  g_assert_nonnull (strstr (shown->str, "Matti Virtanen"));
  g_assert_nonnull (strstr (shown->str, "a new message"));
  g_assert_nonnull (strstr (shown->str, "Message: Kotikäynnillä kaikki hyvin"));
  yp_ui_test_screenshot (GTK_WIDGET (f->window), "participants-review");

  outbox = yp_store_count_outbox (f->store, f->client_id);
  g_signal_emit_by_name (button, "clicked");
  yp_ui_test_flush (200);
  g_assert_false (gtk_widget_get_visible (group));
  after = yp_store_get (f->store, yp_schema_lookup ("quarantined_change"), id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (yp_record_get_string (after, "state"), ==, "reviewed");
  g_assert_cmpstr (yp_record_get_string (after, "reviewed_by"), ==,
                   yp_store_get_me_id (f->store));
  g_assert_cmpuint (yp_store_count_outbox (f->store, f->client_id), ==, outbox + 1);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(name, func) g_test_add ("/participants-view/" name, Fixture, NULL, setup, func, teardown)
  ADD ("invite-consent-remove", test_invite_consent_remove);
  ADD ("add-missing-expert", test_add_missing_expert_keeps_text);
  ADD ("member-may-not-manage", test_member_may_not_manage);
  ADD ("review-quarantined", test_review_quarantined);
  return g_test_run ();
}
