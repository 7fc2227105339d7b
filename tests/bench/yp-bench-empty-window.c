/* yp-bench-empty-window — the baseline for start-up figures: a bare AdwApplicationWindow of
 * the app's default size that quits right after its first frame is painted, exactly as
 * `yhteispolku --exit-after-first-frame` does. */
#define G_LOG_DOMAIN "yp-bench-empty-window"

#include "config.h"

#include <adwaita.h>

static void
on_after_paint (GdkFrameClock *clock,
                GApplication  *app)
{
  g_signal_handlers_disconnect_by_func (clock, on_after_paint, app);
  g_application_quit (app);
}

static void
on_activate (GtkApplication *app)
{
  GtkWidget *window = adw_application_window_new (app);
  GdkFrameClock *clock;

  gtk_window_set_title (GTK_WINDOW (window), "Yhteispolku");
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  clock = gtk_widget_get_frame_clock (window);
  g_assert (clock != NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), app);
}

int
main (int argc, char **argv)
{
  g_autoptr(AdwApplication) app =
    adw_application_new ("fi.yhteispolku.BenchEmptyWindow", G_APPLICATION_NON_UNIQUE);

  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
