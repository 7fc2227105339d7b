/* yp-credentials.h — the sign-in token in the system keyring (libsecret).
 *
 * The token never goes to a file or GSettings. Inside Flatpak libsecret talks to the Secret
 * portal by itself.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Stores (or replaces) the token for @username on @server in the default collection. */
gboolean  yp_credentials_store_token (const char    *server,
                                      const char    *username,
                                      const char    *token,
                                      GCancellable  *cancellable,
                                      GError       **error);
/* The stored token, or NULL (without an error) when there is none. */
char     *yp_credentials_lookup_token (const char    *server,
                                       const char    *username,
                                       GCancellable  *cancellable,
                                       GError       **error);
/* Removes the token (sign out). TRUE also when there was none. */
gboolean  yp_credentials_clear_token (const char    *server,
                                      const char    *username,
                                      GCancellable  *cancellable,
                                      GError       **error);

void      yp_credentials_store_token_async  (const char          *server,
                                             const char          *username,
                                             const char          *token,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean  yp_credentials_store_token_finish (GAsyncResult  *result,
                                             GError       **error);
void      yp_credentials_lookup_token_async (const char          *server,
                                             const char          *username,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
char     *yp_credentials_lookup_token_finish (GAsyncResult  *result,
                                              GError       **error);

G_END_DECLS
