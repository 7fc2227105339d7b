/* main.c — the only file outside the internal libraries. */
#define G_LOG_DOMAIN "yhteispolku"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "yp-application.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(YpApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* build-aux/run points this at the catalogues in the build tree. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("YP_LOCALEDIR") ? g_getenv ("YP_LOCALEDIR")
                                                             : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = yp_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
