/* yp-net.h — libsoup and libsecret, loaded when sync first needs them.
 *
 * The app links neither: the 15 libraries they bring (libsoup, libsecret, krb5, libgcrypt,
 * libpsl…) cost ~3 ms of every start-up and ~2 MB, while a device that is not signed in never
 * syncs. The sync engine and yp-credentials.c call them through these tables instead, filled
 * from the libraries' stable sonames on first use, in a worker thread (see HACKING.md,
 * "Start-up"). The signatures come from the libraries' own headers, so the compiler checks
 * every call as if it were direct.
 */
#pragma once

#include <libsecret/secret.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  __typeof__ (soup_session_new)                        *session_new;
  __typeof__ (soup_session_set_timeout)                *session_set_timeout;
  __typeof__ (soup_session_set_idle_timeout)           *session_set_idle_timeout;
  __typeof__ (soup_session_send)                       *session_send;
  __typeof__ (soup_session_send_and_read)              *session_send_and_read;
  __typeof__ (soup_message_new)                        *message_new;
  __typeof__ (soup_message_get_status)                 *message_get_status;
  __typeof__ (soup_message_get_request_headers)        *message_get_request_headers;
  __typeof__ (soup_message_get_response_headers)       *message_get_response_headers;
  __typeof__ (soup_message_set_request_body_from_bytes) *message_set_request_body_from_bytes;
  __typeof__ (soup_message_headers_replace)            *message_headers_replace;
  __typeof__ (soup_message_headers_get_content_type)   *message_headers_get_content_type;
} YpSoup;

typedef struct
{
  __typeof__ (secret_password_store_sync)  *password_store_sync;
  __typeof__ (secret_password_lookup_sync) *password_lookup_sync;
  __typeof__ (secret_password_clear_sync)  *password_clear_sync;
} YpSecret;

/* Loads the library on the first call (any thread); NULL with @error if it is missing. */
const YpSoup   *yp_net_get_soup   (GError **error);
const YpSecret *yp_net_get_secret (GError **error);

G_END_DECLS
