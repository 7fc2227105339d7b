/* yp-credentials.c — the sign-in token in the system keyring. */
#define G_LOG_DOMAIN "yp-credentials"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-credentials.h"
#include "yp-net.h"

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
  const YpSecret *secret = yp_net_get_secret (error);
  g_autofree char *label = NULL;

  g_return_val_if_fail (server != NULL && username != NULL && token != NULL, FALSE);

  if (secret == NULL)
    return FALSE;
  /* TRANSLATORS: the keyring entry's name; %s are the user name and the server address */
  label = g_strdup_printf (_("Yhteispolku sign-in for %s at %s"), username, server);
  return secret->password_store_sync (token_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                                      cancellable, error,
                                      "server", server, "username", username, NULL);
}

char *
yp_credentials_lookup_token (const char    *server,
                             const char    *username,
                             GCancellable  *cancellable,
                             GError       **error)
{
  const YpSecret *secret = yp_net_get_secret (error);

  g_return_val_if_fail (server != NULL && username != NULL, NULL);

  if (secret == NULL)
    return NULL;
  return secret->password_lookup_sync (token_schema (), cancellable, error,
                                       "server", server, "username", username, NULL);
}

gboolean
yp_credentials_clear_token (const char    *server,
                            const char    *username,
                            GCancellable  *cancellable,
                            GError       **error)
{
  const YpSecret *secret = yp_net_get_secret (error);
  GError *local_error = NULL;

  g_return_val_if_fail (server != NULL && username != NULL, FALSE);

  if (secret == NULL)
    return FALSE;
  secret->password_clear_sync (token_schema (), cancellable, &local_error,
                               "server", server, "username", username, NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/* The asynchronous calls run the synchronous ones in a worker thread, so libsecret is also
 * loaded there (yp-net.h), never on the way to the window's first frame. */
typedef struct
{
  char *server;
  char *username;
  char *token;
} TokenJob;

static void
token_job_free (gpointer data)
{
  TokenJob *job = data;

  g_free (job->server);
  g_free (job->username);
  g_free (job->token);
  g_free (job);
}

static GTask *
token_task_new (const char          *server,
                const char          *username,
                const char          *token,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                gpointer             source_tag)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  TokenJob *job = g_new0 (TokenJob, 1);

  job->server = g_strdup (server);
  job->username = g_strdup (username);
  job->token = g_strdup (token);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, token_job_free);
  return task;
}

static void
store_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  TokenJob *job = task_data;
  GError *error = NULL;

  if (yp_credentials_store_token (job->server, job->username, job->token, cancellable, &error))
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
  g_autoptr(GTask) task = token_task_new (server, username, token, cancellable, callback,
                                          user_data, yp_credentials_store_token_async);

  g_task_run_in_thread (task, store_thread);
}

gboolean
yp_credentials_store_token_finish (GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  TokenJob *job = task_data;
  GError *error = NULL;
  char *token = yp_credentials_lookup_token (job->server, job->username, cancellable, &error);

  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, g_free);
}

void
yp_credentials_lookup_token_async (const char          *server,
                                   const char          *username,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = token_task_new (server, username, NULL, cancellable, callback,
                                          user_data, yp_credentials_lookup_token_async);

  g_task_run_in_thread (task, lookup_thread);
}

char *
yp_credentials_lookup_token_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
