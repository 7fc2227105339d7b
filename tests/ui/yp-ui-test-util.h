/* Helpers shared by the widget tests. */
#pragma once

#include <gtk/gtk.h>

/* Runs the main loop until nothing is pending (at most @rounds passes). */
void yp_ui_test_flush      (guint       rounds);
/* With YP_SCREENSHOT_DIR set, writes <dir>/<name>-<LANGUAGE>.png of @widget, to look at what
 * a person would see; does nothing otherwise. */
void yp_ui_test_screenshot (GtkWidget  *widget,
                            const char *name);
