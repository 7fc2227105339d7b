/* yp-server-test-util.c — see yp-server-test-util.h. */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>

#include "yp-server-test-util.h"

static const char *
server_bin (void)
{
  const char *bin = g_getenv ("YP_SERVER");

  g_assert_nonnull (bin);
  return bin;
}

char *
yp_server_test_admin (const char *server_db,
                      const char *stdin_text,
                      ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  va_list ap;
  const char *arg;

  g_ptr_array_add (argv, (gpointer) server_bin ());
  g_ptr_array_add (argv, (gpointer) "--database");
  g_ptr_array_add (argv, (gpointer) server_db);
  va_start (ap, stdin_text);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, stdin_text, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  return g_strdup (g_strstrip (out));
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocess *
yp_server_test_start (const char *server_db,
                      guint       port,
                      guint      *out_port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  GSubprocess *server;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server = g_subprocess_launcher_spawn (launcher, &error, server_bin (), "--database",
                                        server_db, "--listen", "127.0.0.1", "--port",
                                        port_text, "serve", NULL);
  g_assert_no_error (error);
  /* The first line of stdout is the port it listens on. */
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  *out_port = (guint) g_ascii_strtoull (line, NULL, 10);
  g_assert_cmpuint (*out_port, >, 0);
  return server;
}

void
yp_test_wait_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      wait)
{
  YpTestWait *w = wait;

  w->result = g_object_ref (result);
  w->done = TRUE;
}

void
yp_test_wait (YpTestWait *w)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!w->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (w->done);
}

gboolean
yp_server_test_sync (YpSyncEngine  *engine,
                     GError       **error)
{
  YpTestWait w = { 0 };
  gboolean ok;

  yp_sync_engine_sync_async (engine, NULL, yp_test_wait_cb, &w);
  yp_test_wait (&w);
  ok = yp_sync_engine_sync_finish (engine, w.result, error);
  g_object_unref (w.result);
  return ok;
}

gboolean
yp_server_test_sign_in (YpSyncEngine  *engine,
                        const char    *url,
                        const char    *username,
                        const char    *password,
                        GError       **error)
{
  YpTestWait w = { 0 };
  gboolean ok;

  yp_sync_engine_sign_in_async (engine, url, username, password, NULL, yp_test_wait_cb, &w);
  yp_test_wait (&w);
  ok = yp_sync_engine_sign_in_finish (engine, w.result, error);
  g_object_unref (w.result);
  return ok;
}
