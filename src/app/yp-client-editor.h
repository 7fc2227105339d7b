/* yp-client-editor.h — the client's basic details as a form, for a new or an existing client.
 *
 * For an existing client each field is saved on its own when applied (Enter or the apply
 * button), so nothing depends on a "Save" that can be forgotten. For a new client,
 * yp_client_editor_save() validates everything and inserts. A field that does not validate
 * keeps its text and shows the reason next to it.
 */
#pragma once

#include <adwaita.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_TYPE_CLIENT_EDITOR (yp_client_editor_get_type ())
G_DECLARE_FINAL_TYPE (YpClientEditor, yp_client_editor, YP, CLIENT_EDITOR, GtkWidget)

GtkWidget  *yp_client_editor_new           (YpStore        *store);
/* Shows the client with @client_id for editing, or an empty form for a new client (NULL). */
void        yp_client_editor_set_client_id (YpClientEditor *self,
                                            const char     *client_id);
const char *yp_client_editor_get_client_id (YpClientEditor *self);
/* New client: validates every field and saves; the "saved" signal follows on success.
 * FALSE when a field is not valid (its message is shown; nothing typed is cleared). */
gboolean    yp_client_editor_save          (YpClientEditor *self);
/* The message shown next to @field, or NULL: for tests. */
const char *yp_client_editor_get_field_error (YpClientEditor *self,
                                              const char     *field);

G_END_DECLS
