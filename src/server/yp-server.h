/* yp-server.h — the HTTP API (/api/v1) of the coordination server on libsoup 3. */
#pragma once

#include <gio/gio.h>

#include "yp-server-store.h"

G_BEGIN_DECLS

typedef struct
{
  gint64 token_lifetime;      /* seconds a session token is valid */
  guint  login_max_failures;  /* failed sign-ins per user name within the window → 429 */
  guint  login_window;        /* seconds */
  gsize  max_json_body;       /* bytes of a JSON request body */
} YpServerLimits;

#define YP_TYPE_SERVER (yp_server_get_type ())
G_DECLARE_FINAL_TYPE (YpServer, yp_server, YP, SERVER, GObject)

YpServer *yp_server_new    (YpServerStore         *store,
                            const YpServerLimits  *limits);
/* Listens on @address (an IP literal) and @port (0 = any free port). Plain HTTP only on a
 * loopback address unless @tls_certificate and @tls_key are given. */
gboolean  yp_server_listen (YpServer    *self,
                            const char  *address,
                            guint        port,
                            const char  *tls_certificate,
                            const char  *tls_key,
                            guint       *out_port,
                            GError     **error);
/* The check yp_server_listen makes, for the CLI to refuse early. */
gboolean  yp_server_address_allowed (const char  *address,
                                     gboolean     tls,
                                     GError     **error);

G_END_DECLS
