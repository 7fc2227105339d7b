/* The sign-in token in a real keyring (gnome-keyring through libsecret, as build-aux/test
 * starts it): stored, found, replaced, cleared, and never handed to the wrong account. */
#include "config.h"

#include <libsecret/secret.h>
#include <unistd.h>

#include "yp-credentials.h"
#include "yp-test-util.h"

#define WAIT_MS 15000

/* Each test run uses its own server names so a leftover entry cannot make a test pass. */
static char *server_a;
static char *server_b;

/* How many keyring entries the app has for this account (the schema is the app's own). */
static guint
count_entries (const char *server, const char *username)
{
  static const SecretSchema schema = {
    BASE_ID ".Token", SECRET_SCHEMA_NONE,
    { { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 } },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };
  g_autoptr(GError) error = NULL;
  GList *items = secret_password_search_sync (&schema, SECRET_SEARCH_ALL, NULL, &error,
                                              "server", server, "username", username, NULL);
  guint n = g_list_length (items);

  g_assert_no_error (error);
  g_list_free_full (items, g_object_unref);
  return n;
}

static void
test_store_lookup_replace_clear (void)
{
  g_autoptr(GError) error = NULL;
  char *token;

  token = yp_credentials_lookup_token (server_a, "sari.koskinen", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (token);

  g_assert_true (yp_credentials_store_token (server_a, "sari.koskinen", "tok-1-AbC", NULL,
                                             &error));
  g_assert_no_error (error);
  token = yp_credentials_lookup_token (server_a, "sari.koskinen", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "tok-1-AbC");
  secret_password_free (token);

  /* Signing in again replaces the token; there is still only one. */
  g_assert_true (yp_credentials_store_token (server_a, "sari.koskinen", "tok-2-äö", NULL,
                                             &error));
  g_assert_no_error (error);
  token = yp_credentials_lookup_token (server_a, "sari.koskinen", NULL, &error);
  g_assert_cmpstr (token, ==, "tok-2-äö");
  secret_password_free (token);
  g_assert_cmpuint (count_entries (server_a, "sari.koskinen"), ==, 1);

  /* Signing out. */
  g_assert_true (yp_credentials_clear_token (server_a, "sari.koskinen", NULL, &error));
  g_assert_no_error (error);
  token = yp_credentials_lookup_token (server_a, "sari.koskinen", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (token);
  g_assert_cmpuint (count_entries (server_a, "sari.koskinen"), ==, 0);

  /* Signing out twice is not an error. */
  g_assert_true (yp_credentials_clear_token (server_a, "sari.koskinen", NULL, &error));
  g_assert_no_error (error);
}

static void
test_accounts_do_not_mix (void)
{
  g_autoptr(GError) error = NULL;
  struct { const char *server, *user, *token; } accounts[] = {
    { server_a, "sari.koskinen", "token-sari-a" },
    { server_a, "kalle.kollega", "token-kalle-a" },
    { server_b, "sari.koskinen", "token-sari-b" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (accounts); i++)
    {
      g_assert_true (yp_credentials_store_token (accounts[i].server, accounts[i].user,
                                                 accounts[i].token, NULL, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (accounts); i++)
    {
      char *token = yp_credentials_lookup_token (accounts[i].server, accounts[i].user, NULL,
                                                 &error);
      g_assert_no_error (error);
      g_assert_cmpstr (token, ==, accounts[i].token);
      secret_password_free (token);
    }

  /* A user name that is a prefix of another, or another server, finds nothing. */
  g_assert_null (yp_credentials_lookup_token (server_a, "sari", NULL, &error));
  g_assert_no_error (error);
  g_assert_null (yp_credentials_lookup_token (server_b, "kalle.kollega", NULL, &error));
  g_assert_no_error (error);

  /* Signing out of one account leaves the others signed in. */
  g_assert_true (yp_credentials_clear_token (server_a, "sari.koskinen", NULL, &error));
  g_assert_null (yp_credentials_lookup_token (server_a, "sari.koskinen", NULL, &error));
  for (guint i = 1; i < G_N_ELEMENTS (accounts); i++)
    {
      char *token = yp_credentials_lookup_token (accounts[i].server, accounts[i].user, NULL,
                                                 &error);
      g_assert_cmpstr (token, ==, accounts[i].token);
      secret_password_free (token);
      g_assert_true (yp_credentials_clear_token (accounts[i].server, accounts[i].user, NULL,
                                                 &error));
    }
  g_assert_no_error (error);
}

typedef struct
{
  GAsyncResult *result;
  gboolean      done;
} AsyncWait;

static void
async_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncWait *w = user_data;

  w->result = g_object_ref (result);
  w->done = TRUE;
}

static GAsyncResult *
wait_async (AsyncWait *w)
{
  if (!yp_test_wait_for (&w->done, WAIT_MS))
    g_error ("The keyring did not answer within %d ms", WAIT_MS);
  w->done = FALSE;
  return w->result;
}

static void
test_async (void)
{
  g_autoptr(GError) error = NULL;
  AsyncWait w = { NULL, FALSE };
  g_autoptr(GAsyncResult) result = NULL;
  char *token;

  yp_credentials_store_token_async (server_b, "aino.async", "async-token-1", NULL,
                                    async_done_cb, &w);
  result = wait_async (&w);
  g_assert_true (yp_credentials_store_token_finish (result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  yp_credentials_lookup_token_async (server_b, "aino.async", NULL, async_done_cb, &w);
  result = wait_async (&w);
  token = yp_credentials_lookup_token_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "async-token-1");
  secret_password_free (token);
  g_clear_object (&result);

  /* The async and sync paths see the same entry. */
  yp_credentials_store_token_async (server_b, "aino.async", "async-token-2", NULL,
                                    async_done_cb, &w);
  result = wait_async (&w);
  g_assert_true (yp_credentials_store_token_finish (result, &error));
  g_clear_object (&result);
  token = yp_credentials_lookup_token (server_b, "aino.async", NULL, &error);
  g_assert_cmpstr (token, ==, "async-token-2");
  secret_password_free (token);

  g_assert_true (yp_credentials_clear_token (server_b, "aino.async", NULL, &error));
  yp_credentials_lookup_token_async (server_b, "aino.async", NULL, async_done_cb, &w);
  result = wait_async (&w);
  token = yp_credentials_lookup_token_finish (result, &error);
  g_assert_no_error (error);
  g_assert_null (token);
  g_clear_object (&result);

  /* A lookup cancelled before it starts reports the cancellation, not "no token". */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    g_cancellable_cancel (cancellable);
    yp_credentials_lookup_token_async (server_b, "aino.async", cancellable, async_done_cb, &w);
    result = wait_async (&w);
    token = yp_credentials_lookup_token_finish (result, &error);
    g_assert_null (token);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

/* The Secret Service must already be running: if it were started on demand, gnome-keyring
 * would create a locked "login" keyring and wait for a password prompt nobody answers. */
static char *
check_secret_service (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  if (bus == NULL)
    return g_strdup_printf ("there is no session D-Bus (%s)", error->message);
  /* gnome-keyring-daemon forks and takes its bus name a moment later: give it 5 s. */
  for (guint attempt = 0; !has_owner && attempt < 50; attempt++)
    {
      if (attempt > 0)
        g_usleep (100 * 1000);
      g_clear_pointer (&reply, g_variant_unref);
      reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus",
                                           "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                           "NameHasOwner",
                                           g_variant_new ("(s)", "org.freedesktop.secrets"),
                                           G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                           5000, NULL, &error);
      if (reply == NULL)
        return g_strdup_printf ("the session bus did not answer (%s)", error->message);
      g_variant_get (reply, "(b)", &has_owner);
    }
  if (!has_owner)
    return g_strdup ("no Secret Service (org.freedesktop.secrets) is running on the session "
                     "bus");
  return NULL;
}

static void
test_keyring_missing (gconstpointer data)
{
  g_test_fail_printf ("The credentials test needs a running, unlocked keyring: %s. Run the "
                      "tests with build-aux/test, which starts them in a private D-Bus "
                      "session with gnome-keyring unlocked.", (const char *) data);
}

int
main (int argc, char **argv)
{
  g_autofree char *problem = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  server_a = g_strdup_printf ("https://yhteispolku.lahti.example:8443/%d", getpid ());
  server_b = g_strdup_printf ("https://yhteispolku.heinola.example/%d", getpid ());

  problem = check_secret_service ();
  if (problem != NULL)
    {
      g_printerr ("test-credentials: %s; run it through build-aux/test (its keyring "
                  "session).\n", problem);
      g_test_add_data_func ("/credentials/keyring-available", problem, test_keyring_missing);
    }
  else
    {
      g_test_add_func ("/credentials/store-lookup-replace-clear",
                       test_store_lookup_replace_clear);
      g_test_add_func ("/credentials/accounts-do-not-mix", test_accounts_do_not_mix);
      g_test_add_func ("/credentials/async", test_async);
    }
  status = g_test_run ();
  g_free (server_a);
  g_free (server_b);
  return status;
}
