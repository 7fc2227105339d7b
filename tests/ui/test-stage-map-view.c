/* test-stage-map-view.c — the stage map page on a real temporary database: the path shows
 * each phase's name and status in words, advancing is one action (and a key), notes and
 * statuses are saved as they are made. */
#include "config.h"

#include <adwaita.h>

#include "yp-stage-map-view.h"
#include "yp-stages.h"
#include "yp-test-util.h"
#include "yp-ui-test-util.h"

typedef struct
{
  char           *dir;
  YpStore        *store;
  char           *client_id;
  GtkWindow      *window;
  YpStageMapView *view;
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
  f->client_id = g_strdup (yp_record_get_id (client));
  f->view = YP_STAGE_MAP_VIEW (yp_stage_map_view_new (f->store));
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 800, 900);
  gtk_window_set_child (f->window, GTK_WIDGET (f->view));
  gtk_window_present (f->window);
  yp_stage_map_view_set_client_id (f->view, f->client_id);
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

static void
test_path_and_advance (Fixture *f, gconstpointer data)
{
  g_autofree char *stage = NULL;
  g_autofree char *rows = NULL;
  GtkWidget *row;

  /* Seven phases, each an element that says its name and status. */
  g_assert_cmpstr (yp_stage_map_view_get_phase_description (f->view, 0), ==,
                   "Phase 1 of 7: Identification, current");
  g_assert_cmpstr (yp_stage_map_view_get_phase_description (f->view, 2), ==,
                   "Phase 3 of 7: Holistic assessment, upcoming");
  g_assert_cmpstr (yp_stage_map_view_get_phase_description (f->view, 6), ==,
                   "Phase 7 of 7: Closing, upcoming");
  g_assert_null (yp_stage_map_view_get_phase_description (f->view, 7));
  row = yp_stage_map_view_get_phase_row (f->view, 0);
  g_assert_true (gtk_widget_get_focusable (row) || gtk_widget_get_first_child (row) != NULL);
  g_assert_true (g_str_has_prefix (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)),
                                   "Phase 1 of 7 · current"));
  /* Looking does not write: rows are made on the first change. */
  rows = sql (f, "SELECT count(*) FROM stages");
  g_assert_cmpstr (rows, ==, "0");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "stage-map.advance", NULL));
  yp_ui_test_flush (100);
  g_assert_cmpstr (yp_stage_map_view_get_phase_description (f->view, 0), ==,
                   "Phase 1 of 7: Identification, done");
  g_assert_cmpstr (yp_stage_map_view_get_phase_description (f->view, 1), ==,
                   "Phase 2 of 7: Contact and consent, current");
  /* Who and when, in words. */
  g_assert_nonnull (strstr (adw_expander_row_get_subtitle (
                              ADW_EXPANDER_ROW (yp_stage_map_view_get_phase_row (f->view, 0))),
                            "Sari Koskinen"));
  stage = sql (f, "SELECT stage FROM clients");
  g_assert_cmpstr (stage, ==, "2");

  yp_ui_test_screenshot (GTK_WIDGET (f->window), "stage-map-view");
  /* Ctrl+Enter inside the page advances too. */
  gtk_widget_grab_focus (yp_stage_map_view_get_phase_row (f->view, 1));
  {
    GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));
    GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (f->window));

    g_assert_nonnull (focus);
    g_assert_true (gtk_widget_is_ancestor (focus, GTK_WIDGET (f->view)));
    (void) display;
    g_assert_true (gtk_widget_activate_action (focus, "stage-map.advance", NULL));
  }
  yp_ui_test_flush (100);
  g_assert_cmpstr (yp_stage_map_view_get_phase_description (f->view, 2), ==,
                   "Phase 3 of 7: Holistic assessment, current");
}

static void
test_status_and_note (Fixture *f, gconstpointer data)
{
  GtkWidget *row = yp_stage_map_view_get_phase_row (f->view, 1);
  AdwComboRow *status = NULL;
  AdwEntryRow *note = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *outbox = NULL;
  g_autofree char *stage = NULL;
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  /* Find the phase's status and note rows as a keyboard user would reach them: inside it. */
  g_ptr_array_add (stack, row);
  while (stack->len > 0)
    {
      GtkWidget *w = g_ptr_array_steal_index (stack, stack->len - 1);

      if (ADW_IS_COMBO_ROW (w))
        status = ADW_COMBO_ROW (w);
      else if (ADW_IS_ENTRY_ROW (w))
        note = ADW_ENTRY_ROW (w);
      for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
        g_ptr_array_add (stack, c);
    }
  g_assert_nonnull (status);
  g_assert_nonnull (note);

  adw_combo_row_set_selected (status, 1); /* Current */
  yp_ui_test_flush (100);
  g_assert_cmpstr (yp_stage_map_view_get_phase_description (f->view, 0), ==,
                   "Phase 1 of 7: Identification, done");
  g_assert_cmpstr (yp_stage_map_view_get_phase_description (f->view, 1), ==,
                   "Phase 2 of 7: Contact and consent, current");
  stage = sql (f, "SELECT stage FROM clients");
  g_assert_cmpstr (stage, ==, "2");

  gtk_editable_set_text (GTK_EDITABLE (note), "Suostumus puhelimessa 3.3.");
  g_signal_emit_by_name (note, "apply");
  yp_ui_test_flush (100);
  /* Saved at once, with its outbox entry: nothing waits for a save button. */
  saved = sql (f, "SELECT note FROM stages WHERE phase_key = 'contact_consent'");
  g_assert_cmpstr (saved, ==, "Suostumus puhelimessa 3.3.");
  outbox = sql (f, "SELECT count(*) FROM outbox WHERE entity = 'stage' AND fields LIKE"
                   " '%Suostumus puhelimessa%'");
  g_assert_cmpstr (outbox, ==, "1");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (note)), ==, "Suostumus puhelimessa 3.3.");
}

static void
test_last_phase (Fixture *f, gconstpointer data)
{
  for (int i = 0; i < 7; i++)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "stage-map.advance", NULL));
  yp_ui_test_flush (100);
  g_assert_cmpstr (yp_stage_map_view_get_phase_description (f->view, 6), ==,
                   "Phase 7 of 7: Closing, done");
  /* Nothing left to advance: the action is off, so the button is greyed out. */
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (f->view), "stage-map.advance", NULL) &&
                  yp_stages_advance (f->store, f->client_id, NULL));
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(name, func) g_test_add ("/stage-map-view/" name, Fixture, NULL, setup, func, teardown)
  ADD ("path-and-advance", test_path_and_advance);
  ADD ("status-and-note", test_status_and_note);
  ADD ("last-phase", test_last_phase);
  return g_test_run ();
}
