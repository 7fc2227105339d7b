/* yp-client-row.h — one row of the client list: name, phase, what needs attention. */
#pragma once

#include <gtk/gtk.h>

#include "yp-client-summary.h"

G_BEGIN_DECLS

#define YP_TYPE_CLIENT_ROW (yp_client_row_get_type ())
G_DECLARE_FINAL_TYPE (YpClientRow, yp_client_row, YP, CLIENT_ROW, GtkWidget)

GtkWidget       *yp_client_row_new         (void);
/* Shows @summary (NULL clears the row, for recycled list items). */
void             yp_client_row_set_summary (YpClientRow     *self,
                                            YpClientSummary *summary);
YpClientSummary *yp_client_row_get_summary (YpClientRow     *self);
/* The height of a row in @widget's font (rows measure themselves with it): for a list view,
 * the height of its rows before any is made. */
int              yp_client_row_get_height_for (GtkWidget    *widget);
/* The attention line as shown, for tests. */
const char      *yp_client_row_get_attention (YpClientRow   *self);

G_END_DECLS
