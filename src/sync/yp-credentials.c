/* yp-credentials.c — the sign-in token in the system keyring. */
#define G_LOG_DOMAIN "yp-credentials"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "yp-credentials.h"

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    BASE_ID ".Token", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

gboolean
yp_credentials_store_token (const char    *server,
                            const char    *username,
                            const char    *token,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autofree char *label = NULL;

  g_return_val_if_fail (server != NULL && username != NULL && token != NULL, FALSE);

  /* TRANSLATORS: the keyring entry's name; %s are the user name and the server address */
  label = g_strdup_printf (_("Yhteispolku sign-in for %s at %s"), username, server);
  return secret_password_store_sync (token_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                                     cancellable, error,
                                     "server", server, "username", username, NULL);
}

char *
yp_credentials_lookup_token (const char    *server,
                             const char    *username,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_return_val_if_fail (server != NULL && username != NULL, NULL);

  return secret_password_lookup_sync (token_schema (), cancellable, error,
                                      "server", server, "username", username, NULL);
}

gboolean
yp_credentials_clear_token (const char    *server,
                            const char    *username,
                            GCancellable  *cancellable,
                            GError       **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (server != NULL && username != NULL, FALSE);

  secret_password_clear_sync (token_schema (), cancellable, &local_error,
                              "server", server, "username", username, NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static void
store_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
yp_credentials_store_token_async (const char          *server,
                                  const char          *username,
                                  const char          *token,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *label = g_strdup_printf (_("Yhteispolku sign-in for %s at %s"),
                                            username, server);

  g_task_set_source_tag (task, yp_credentials_store_token_async);
  secret_password_store (token_schema (), SECRET_COLLECTION_DEFAULT, label, token, cancellable,
                         store_done_cb, task, "server", server, "username", username, NULL);
}

gboolean
yp_credentials_store_token_finish (GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *token = secret_password_lookup_finish (result, &error);

  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, (GDestroyNotify) secret_password_free);
}

void
yp_credentials_lookup_token_async (const char          *server,
                                   const char          *username,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, yp_credentials_lookup_token_async);
  secret_password_lookup (token_schema (), cancellable, lookup_done_cb, task,
                          "server", server, "username", username, NULL);
}

char *
yp_credentials_lookup_token_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
