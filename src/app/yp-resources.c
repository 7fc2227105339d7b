/* yp-resources.c — registers the app's GResource once. */
#define G_LOG_DOMAIN "yp-resources"

#include "config.h"

#include <gio/gio.h>

#include "yp-resources.h"
#include "yp-resources-data.h"

void
yp_resources_ensure (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      yp_register_resource ();
      g_once_init_leave (&done, 1);
    }
}
