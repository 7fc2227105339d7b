/* Helpers shared by the widget tests. */
#pragma once

#include <gtk/gtk.h>

/* Runs the main loop until nothing is pending (at most @rounds passes). */
void yp_ui_test_flush      (guint       rounds);
/* With YP_SCREENSHOT_DIR set, writes <dir>/<name>-<LANGUAGE>.png of @widget, to look at what
 * a person would see; does nothing otherwise. */
void yp_ui_test_screenshot (GtkWidget  *widget,
                            const char *name);
/* The first widget of @type below @root (@root included), depth first; NULL if none. */
GtkWidget *yp_ui_test_find_type  (GtkWidget  *root,
                                  GType       type);
/* The first widget below @root whose name (its id in the template) is @name; NULL if none. */
GtkWidget *yp_ui_test_find_named (GtkWidget  *root,
                                  const char *name);
