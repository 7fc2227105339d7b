/* yp-client-print.h — the stage map and the current plan, and the consent log, printed for
 * the client in the client's own language (not the UI's). */
#pragma once

#include <gtk/gtk.h>

#include "yp-store.h"

G_BEGIN_DECLS

/* Writes the printout as an A4 PDF to @path and logs an "export" audit event. */
gboolean yp_client_print_export_pdf (YpStore    *store,
                                     const char *client_id,
                                     const char *path,
                                     GError    **error);
/* Opens the print dialog (GtkPrintOperation) for the same pages; logs a "print" audit event
 * once the pages went to the printer. */
void     yp_client_print_run        (YpStore    *store,
                                     const char *client_id,
                                     GtkWindow  *parent);
/* Asks where to save (GtkFileChooserNative) and exports the PDF there; a failure is shown in
 * a dialog that says nothing was saved. */
void     yp_client_print_choose_pdf (YpStore    *store,
                                     const char *client_id,
                                     GtkWindow  *parent);
/* The printout's text in reading order, one block per line ("\n"-joined); for tests and the
 * on-screen preview. */
char    *yp_client_print_dup_text   (YpStore    *store,
                                     const char *client_id,
                                     GError    **error);

/* The same four for the client's consent log: who was invited (name and organisation), when
 * and how the client agreed or declined, from when each expert may see messages, and access
 * removed with the reason; in the client's language. */
gboolean yp_client_print_consent_export_pdf (YpStore    *store,
                                             const char *client_id,
                                             const char *path,
                                             GError    **error);
void     yp_client_print_consent_run        (YpStore    *store,
                                             const char *client_id,
                                             GtkWindow  *parent);
void     yp_client_print_consent_choose_pdf (YpStore    *store,
                                             const char *client_id,
                                             GtkWindow  *parent);
char    *yp_client_print_consent_dup_text   (YpStore    *store,
                                             const char *client_id,
                                             GError    **error);

G_END_DECLS
