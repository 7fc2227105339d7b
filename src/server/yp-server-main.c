/* yp-server-main.c — yhteispolku-server: the coordination server and its admin commands.
 *
 *   yhteispolku-server [--config FILE] [options] [serve]
 *   yhteispolku-server [--config FILE] init
 *   yhteispolku-server [--config FILE] user add NAME --name "Full Name" [--org ID] [--admin]
 *   yhteispolku-server [--config FILE] user passwd NAME
 *   yhteispolku-server [--config FILE] user disable NAME
 *   yhteispolku-server [--config FILE] org add "Name" [--sector health]
 *
 * Passwords are read from standard input (one line), never from the command line.
 * "serve" prints the port it listens on as the first line of standard output.
 */
#define G_LOG_DOMAIN "yp-server"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "yp-server.h"
#include "yp-server-store.h"

typedef struct
{
  char    *listen;
  int      port;
  char    *database;
  char    *tls_certificate;
  char    *tls_key;
  YpServerLimits limits;
} Config;

static void
config_clear (Config *config)
{
  g_free (config->listen);
  g_free (config->database);
  g_free (config->tls_certificate);
  g_free (config->tls_key);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Config, config_clear)

static void
replace_str (char       **slot,
             const char  *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

/* Reads [server] from the GKeyFile; keys that are missing keep their defaults. */
static gboolean
config_load (Config      *config,
             const char  *path,
             GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  static const char *group = "server";

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error))
    return FALSE;

#define STRING_KEY(key, member) \
  if (g_key_file_has_key (file, group, key, NULL)) \
    { \
      g_free (config->member); \
      config->member = g_key_file_get_string (file, group, key, NULL); \
    }
#define INT_KEY(key, member, min, max) \
  if (g_key_file_has_key (file, group, key, NULL)) \
    { \
      g_autoptr(GError) local = NULL; \
      gint64 v = g_key_file_get_int64 (file, group, key, &local); \
      if (local != NULL || v < (min) || v > (max)) \
        { \
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, \
                       _("%s: “%s” must be a number from %d to %d."), path, key, \
                       (int) (min), (int) (max)); \
          return FALSE; \
        } \
      config->member = v; \
    }

  STRING_KEY ("listen", listen);
  STRING_KEY ("database", database);
  STRING_KEY ("tls_certificate", tls_certificate);
  STRING_KEY ("tls_key", tls_key);
  INT_KEY ("port", port, 0, 65535);
  INT_KEY ("token_lifetime_hours", limits.token_lifetime, 1, 24 * 90);
  INT_KEY ("login_max_failures", limits.login_max_failures, 1, 1000);
  INT_KEY ("login_window_seconds", limits.login_window, 1, 86400);
  INT_KEY ("max_json_body_bytes", limits.max_json_body, 1024, 64 * 1024 * 1024);
#undef STRING_KEY
#undef INT_KEY
  return TRUE;
}

/* Structured logs: fields to the journal under systemd, "key=value" lines on stderr
 * otherwise. Debug lines only with G_MESSAGES_DEBUG. */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  g_autoptr(GString) line = NULL;
  const char *level_name;

  if (g_log_writer_is_journald (fileno (stderr)) &&
      g_log_writer_journald (level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;
  if ((level & G_LOG_LEVEL_DEBUG) && g_getenv ("G_MESSAGES_DEBUG") == NULL)
    return G_LOG_WRITER_HANDLED;

  level_name = (level & G_LOG_LEVEL_ERROR) ? "error"
               : (level & G_LOG_LEVEL_CRITICAL) ? "critical"
               : (level & G_LOG_LEVEL_WARNING) ? "warning"
               : (level & G_LOG_LEVEL_MESSAGE) ? "notice"
               : (level & G_LOG_LEVEL_INFO) ? "info" : "debug";
  line = g_string_new (NULL);
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autofree char *ts = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
    g_string_append_printf (line, "ts=%s level=%s", ts, level_name);
  }
  for (gsize i = 0; i < n_fields; i++)
    {
      const char *key = fields[i].key;
      const char *value = fields[i].value;

      if (fields[i].length != -1 || value == NULL)
        continue;
      if (g_str_equal (key, "GLIB_DOMAIN"))
        key = "domain";
      else if (g_str_equal (key, "MESSAGE"))
        key = "msg";
      else if (g_str_has_prefix (key, "YP_"))
        key += 3;
      else
        continue;
      {
        g_autofree char *lower = g_ascii_strdown (key, -1);
        g_autofree char *escaped = g_strescape (value, NULL);
        g_string_append_printf (line, " %s=\"%s\"", lower, escaped);
      }
    }
  g_string_append_c (line, '\n');
  fputs (line->str, stderr);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

/* One line from stdin, without echo on a terminal. */
static char *
read_password (const char *prompt)
{
  struct termios old, quiet;
  gboolean tty = isatty (STDIN_FILENO);
  char buffer[1100];
  char *line;

  if (tty)
    {
      fprintf (stderr, "%s", prompt);
      tcgetattr (STDIN_FILENO, &old);
      quiet = old;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSANOW, &quiet);
    }
  line = fgets (buffer, sizeof buffer, stdin);
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &old);
      fputc ('\n', stderr);
    }
  if (line == NULL)
    return NULL;
  buffer[strcspn (buffer, "\r\n")] = '\0';
  return g_strdup (buffer);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static int
serve (Config *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpServerStore) store = NULL;
  g_autoptr(YpServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  gboolean tls = config->tls_certificate != NULL && config->tls_key != NULL;
  guint port = 0;

  if ((config->tls_certificate == NULL) != (config->tls_key == NULL))
    {
      g_printerr (_("Give both a TLS certificate and its key, or neither.\n"));
      return 2;
    }
  /* Refuse before opening anything: no plain HTTP on a non-loopback address. */
  if (!yp_server_address_allowed (config->listen, tls, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if ((store = yp_server_store_open (config->database, &error)) == NULL)
    {
      g_printerr (_("Cannot open the database: %s\n"), error->message);
      return 1;
    }
  server = yp_server_new (store, &config->limits);
  if (!yp_server_listen (server, config->listen, (guint) config->port, config->tls_certificate,
                         config->tls_key, &port, &error))
    {
      g_printerr (_("Cannot listen on %s port %d: %s\n"), config->listen, config->port,
                  error->message);
      return 1;
    }
  /* The first line of stdout is the port, for tests and scripts (port 0 = any free one). */
  g_print ("%u\n", port);
  fflush (stdout);
  {
    g_autofree char *port_text = g_strdup_printf ("%u", port);
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      "YP_EVENT", "listening",
                      "YP_ADDRESS", config->listen,
                      "YP_PORT", port_text,
                      "YP_TLS", tls ? "yes" : "no",
                      "MESSAGE", "Listening on %s:%u (%s)", config->listen, port,
                      tls ? "HTTPS" : "HTTP");
  }

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_main_loop_run (loop);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "YP_EVENT", "stopping",
                    "MESSAGE", "Stopping");
  return 0;
}

static int
admin (Config       *config,
       int           argc,
       char        **argv,
       const char   *full_name,
       const char   *org_id,
       const char   *sector,
       gboolean      is_admin)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(YpServerStore) store = NULL;
  const char *what = argv[0];
  const char *verb = argc > 1 ? argv[1] : NULL;
  const char *name = argc > 2 ? argv[2] : NULL;

  if ((store = yp_server_store_open (config->database, &error)) == NULL)
    {
      g_printerr (_("Cannot open the database: %s\n"), error->message);
      return 1;
    }

  if (g_str_equal (what, "init") && argc == 1)
    {
      g_print (_("The database %s is ready (epoch %s).\n"), config->database,
               yp_server_store_get_epoch (store));
      return 0;
    }
  if (g_str_equal (what, "org") && g_strcmp0 (verb, "add") == 0 && argc == 3)
    {
      g_autofree char *id = yp_server_store_add_org (store, name, sector, &error);

      if (id == NULL)
        goto failed;
      g_print ("%s\n", id);
      return 0;
    }
  if (g_str_equal (what, "user") && argc == 3)
    {
      if (g_str_equal (verb, "add") || g_str_equal (verb, "passwd"))
        {
          g_autofree char *password = read_password (_("Password: "));
          g_autofree char *id = NULL;

          if (password == NULL)
            {
              g_printerr (_("No password was given on standard input.\n"));
              return 2;
            }
          if (g_str_equal (verb, "passwd"))
            {
              if (!yp_server_store_set_password (store, name, password, &error))
                goto failed;
              g_print (_("The password of %s was changed and the user's sessions ended.\n"),
                       name);
              return 0;
            }
          id = yp_server_store_add_user (store, name, password, full_name, org_id, is_admin,
                                         &error);
          if (id == NULL)
            goto failed;
          /* Only the id, so that scripts can use it. */
          g_print ("%s\n", id);
          return 0;
        }
      if (g_str_equal (verb, "disable"))
        {
          if (!yp_server_store_disable_user (store, name, &error))
            goto failed;
          g_print (_("%s can no longer sign in.\n"), name);
          return 0;
        }
    }
  g_printerr (_("Unknown command. Run “yhteispolku-server --help”.\n"));
  return 2;

failed:
  g_printerr ("%s\n", error->message);
  return 1;
}

int
main (int    argc,
      char **argv)
{
  g_auto(Config) config = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *database = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *full_name = NULL;
  g_autofree char *org_id = NULL;
  g_autofree char *sector = NULL;
  gboolean is_admin = FALSE;
  int port = -1;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      N_("Configuration file (GKeyFile, group [server])"), N_("FILE") },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      N_("IP address to listen on (default 127.0.0.1)"), N_("ADDRESS") },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("Port (0 = any free port)"), N_("PORT") },
    { "database", 'd', 0, G_OPTION_ARG_FILENAME, &database, N_("SQLite database path"),
      N_("FILE") },
    { "tls-certificate", 0, 0, G_OPTION_ARG_FILENAME, &cert, N_("TLS certificate (PEM)"),
      N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &key, N_("TLS private key (PEM)"), N_("FILE") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &full_name,
      N_("user add: the professional's full name"), N_("NAME") },
    { "org", 0, 0, G_OPTION_ARG_STRING, &org_id, N_("user add: organisation id"), N_("ID") },
    { "admin", 0, 0, G_OPTION_ARG_NONE, &is_admin,
      N_("user add: an administrator account (manages accounts, sees no client data)"), NULL },
    { "sector", 0, 0, G_OPTION_ARG_STRING, &sector,
      N_("org add: health, social, employment, education, third_sector or other"),
      N_("SECTOR") },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_log_set_writer_func (log_writer, NULL, NULL);

  config.listen = g_strdup ("127.0.0.1");
  config.port = 8080;
  config.database = g_strdup ("/var/lib/yhteispolku-server/server.db");
  config.limits.token_lifetime = 12;
  config.limits.login_max_failures = 5;
  config.limits.login_window = 300;
  config.limits.max_json_body = 4 * 1024 * 1024;

  context = g_option_context_new (_("[serve | init | user add|passwd|disable NAME |"
                                    " org add NAME]"));
  g_option_context_set_summary (context,
                                _("The Yhteispolku coordination server. Admin commands run on"
                                  " the server host; passwords are read from standard input."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  if (config_path && !config_load (&config, config_path, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  config.limits.token_lifetime *= 3600;
  /* Flags win over the file. */
  if (listen)
    replace_str (&config.listen, listen);
  if (port >= 0)
    config.port = port;
  if (database)
    replace_str (&config.database, database);
  if (cert)
    replace_str (&config.tls_certificate, cert);
  if (key)
    replace_str (&config.tls_key, key);
  if (config.port < 0 || config.port > 65535)
    {
      g_printerr (_("The port must be from 0 to 65535.\n"));
      return 2;
    }

  if (argc < 2 || g_str_equal (argv[1], "serve"))
    return serve (&config);
  return admin (&config, argc - 1, argv + 1, full_name, org_id, sector, is_admin);
}
