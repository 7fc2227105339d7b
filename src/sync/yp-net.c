/* yp-net.c — libsoup and libsecret, loaded when first needed (see yp-net.h). */
#define G_LOG_DOMAIN "yp-net"

#include "config.h"

#include <gmodule.h>

#include "yp-net.h"

#define SOUP_SONAME "libsoup-3.0.so.0"
#define SECRET_SONAME "libsecret-1.so.0"

typedef struct
{
  const char *name;
  gsize       offset;
} Symbol;

/* Opens @soname for good and fills @table (a struct of function pointers) from @symbols. */
static gboolean
load (const char    *soname,
      const Symbol  *symbols,
      guint          n_symbols,
      gpointer       table,
      char         **message)
{
  GModule *module = g_module_open (soname, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

  if (module == NULL)
    {
      *message = g_strdup (g_module_error ());
      return FALSE;
    }
  g_module_make_resident (module);
  for (guint i = 0; i < n_symbols; i++)
    if (!g_module_symbol (module, symbols[i].name,
                          (gpointer *) ((char *) table + symbols[i].offset)))
      {
        *message = g_strdup_printf ("%s: %s", soname, g_module_error ());
        return FALSE;
      }
  return TRUE;
}

#define SYM(Type, field, name) { name, G_STRUCT_OFFSET (Type, field) }

const YpSoup *
yp_net_get_soup (GError **error)
{
  static const Symbol symbols[] = {
    SYM (YpSoup, session_new, "soup_session_new"),
    SYM (YpSoup, session_set_timeout, "soup_session_set_timeout"),
    SYM (YpSoup, session_set_idle_timeout, "soup_session_set_idle_timeout"),
    SYM (YpSoup, session_send, "soup_session_send"),
    SYM (YpSoup, session_send_and_read, "soup_session_send_and_read"),
    SYM (YpSoup, message_new, "soup_message_new"),
    SYM (YpSoup, message_get_status, "soup_message_get_status"),
    SYM (YpSoup, message_get_request_headers, "soup_message_get_request_headers"),
    SYM (YpSoup, message_get_response_headers, "soup_message_get_response_headers"),
    SYM (YpSoup, message_set_request_body_from_bytes,
         "soup_message_set_request_body_from_bytes"),
    SYM (YpSoup, message_headers_replace, "soup_message_headers_replace"),
    SYM (YpSoup, message_headers_get_content_type, "soup_message_headers_get_content_type"),
  };
  static YpSoup table;
  static char *message;
  static gsize loaded;

  if (g_once_init_enter (&loaded))
    {
      if (!load (SOUP_SONAME, symbols, G_N_ELEMENTS (symbols), &table, &message))
        g_warning ("Sync is not available: %s", message);
      g_once_init_leave (&loaded, 1);
    }
  if (message != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, message);
      return NULL;
    }
  return &table;
}

const YpSecret *
yp_net_get_secret (GError **error)
{
  static const Symbol symbols[] = {
    SYM (YpSecret, password_store_sync, "secret_password_store_sync"),
    SYM (YpSecret, password_lookup_sync, "secret_password_lookup_sync"),
    SYM (YpSecret, password_clear_sync, "secret_password_clear_sync"),
  };
  static YpSecret table;
  static char *message;
  static gsize loaded;

  if (g_once_init_enter (&loaded))
    {
      if (!load (SECRET_SONAME, symbols, G_N_ELEMENTS (symbols), &table, &message))
        g_warning ("The keyring is not available: %s", message);
      g_once_init_leave (&loaded, 1);
    }
  if (message != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, message);
      return NULL;
    }
  return &table;
}
