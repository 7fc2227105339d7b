/* yp-server-test-util.h — the real yhteispolku-server for tests ($YP_SERVER): its admin
 * commands, the server on 127.0.0.1, and bounded waits for the sync engine's async calls.
 * Shared by the integration tests and the sync widget test. */
#pragma once

#include <gio/gio.h>

#include "yp-sync-engine.h"

/* Runs `yhteispolku-server --database @server_db ARGS… ` (NULL-terminated) with @stdin_text;
 * asserts it succeeded and returns its stripped stdout. */
char        *yp_server_test_admin   (const char *server_db,
                                     const char *stdin_text,
                                     ...) G_GNUC_NULL_TERMINATED;
/* Starts `serve` on 127.0.0.1 (@port 0: any free port), which dies with the test process;
 * @out_port gets the port it printed. */
GSubprocess *yp_server_test_start   (const char *server_db,
                                     guint       port,
                                     guint      *out_port);

/* An async call's result, waited for at most a minute on the default main context. */
typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} YpTestWait;

void         yp_test_wait_cb        (GObject      *source,
                                     GAsyncResult *result,
                                     gpointer      wait);
void         yp_test_wait           (YpTestWait   *wait);

/* One whole sync of @engine, waited for. */
gboolean     yp_server_test_sync    (YpSyncEngine *engine,
                                     GError      **error);
/* Signs @engine in and waits for it; the first sync it starts is still running. */
gboolean     yp_server_test_sign_in (YpSyncEngine *engine,
                                     const char   *url,
                                     const char   *username,
                                     const char   *password,
                                     GError      **error);
