/* yp-application.c — command line, opening the store, windows, app-wide actions.
 *
 * The store is opened here and handed to each window as a construct property: nothing below
 * reaches for the application to find data.
 */
#define G_LOG_DOMAIN "yp-application"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-application.h"
#include "yp-follow-ups.h"
#include "yp-resources.h"
#include "yp-store.h"
#include "yp-sync-engine.h"
#include "yp-window.h"

struct _YpApplication
{
  AdwApplication parent_instance;

  YpStore      *store;
  YpSyncEngine *engine;
  GError   *open_error;
  /* The store is opened in a thread of its own (see open_store()); store and open_error are
   * set, under open_lock, before opened is. */
  GThread  *opener;
  GMutex    open_lock;
  GCond     open_cond;
  gboolean  opened;
  char     *database;
  gboolean  exit_after_first_frame;
  gboolean  follow_ups_notified;
};

G_DEFINE_FINAL_TYPE (YpApplication, yp_application, ADW_TYPE_APPLICATION)

static char *
dup_database_path (YpApplication *self)
{
  return self->database ? g_strdup (self->database) : yp_store_default_path ();
}

static int
fill_demo_data (YpApplication *self,
                gint           n)
{
  g_autofree char *path = dup_database_path (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(YpStore) store = NULL;

  if (n <= 0)
    {
      g_printerr (_("--demo-data needs a number of clients greater than zero.\n"));
      return 2;
    }
  store = yp_store_open (path, &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (yp_store_get_me_id (store) == NULL &&
      !yp_store_set_profile (store, _("Demo Nurse"), _("Nurse"), _("Demo Health Station"),
                             &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (!yp_store_add_demo_clients (store, (guint) n, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_print (_("Added %d demo clients to %s\n"), n, path);
  return 0;
}

static int
yp_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  YpApplication *self = YP_APPLICATION (app);
  gint demo = 0;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }
  g_variant_dict_lookup (options, "database", "^ay", &self->database);
  self->exit_after_first_frame = g_variant_dict_contains (options, "exit-after-first-frame");

  if (g_variant_dict_lookup (options, "demo-data", "i", &demo))
    return fill_demo_data (self, demo);

  /* A window over another database file, or a measured start, must not be handed to an
   * instance that is already running. */
  if (self->database != NULL || self->exit_after_first_frame)
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);

  return -1;
}

static void
on_open_failed_response (AdwMessageDialog *dialog,
                         const char       *response,
                         GApplication     *app)
{
  g_application_release (app);
}

static void
show_open_error (YpApplication *self,
                 const GError  *error)
{
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (NULL,
                                                       _("The client database could not be opened"),
                                                       error->message));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
  g_application_hold (G_APPLICATION (self));
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_failed_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_first_frame_after_paint (GdkFrameClock *clock,
                            GApplication  *app)
{
  g_signal_handlers_disconnect_by_func (clock, on_first_frame_after_paint, app);
  g_application_quit (app);
}

static void
on_window_list_ready (YpWindow      *window,
                      YpApplication *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));

  g_signal_handlers_disconnect_by_func (window, on_window_list_ready, self);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_first_frame_after_paint), self);
  gtk_widget_queue_draw (GTK_WIDGET (window));
}

/* Once per run, after the first window is up: "3 follow-up calls are due today", opening the
 * Today list when clicked. */
static gboolean
notify_follow_ups_due_cb (gpointer user_data)
{
  YpApplication *self = YP_APPLICATION (user_data);
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  guint n;

  if (self->store == NULL || yp_store_get_me_id (self->store) == NULL)
    return G_SOURCE_REMOVE;
  n = yp_follow_ups_count_due (self->store, NULL, NULL);
  if (n == 0)
    return G_SOURCE_REMOVE;
  title = g_strdup_printf (ngettext ("%u follow-up call is due today",
                                     "%u follow-up calls are due today", n), n);
  notification = g_notification_new (title);
  g_notification_set_body (notification, _("Open the Today list to see whom to contact."));
  g_notification_set_default_action (notification, "app.show-today");
  g_application_send_notification (G_APPLICATION (self), "follow-ups-due", notification);
  return G_SOURCE_REMOVE;
}

static void
show_today_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       user_data)
{
  GApplication *app = G_APPLICATION (user_data);
  GtkWindow *window;

  g_application_activate (app);
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window != NULL)
    {
      g_action_group_activate_action (G_ACTION_GROUP (window), "filter",
                                      g_variant_new_string ("today"));
      gtk_window_present (window);
    }
}

static void wait_for_store (YpApplication *self);

static void
yp_application_activate (GApplication *app)
{
  YpApplication *self = YP_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }

  wait_for_store (self);

  if (self->store == NULL)
    {
      show_open_error (self, self->open_error);
      return;
    }

  /* One sync engine for the store. It does nothing at all until this device is signed in,
   * so start-up is the same as without sync. */
  if (self->engine == NULL)
    self->engine = yp_sync_engine_new (self->store);
  window = g_object_new (YP_TYPE_WINDOW, "application", app, "store", self->store,
                         "sync-engine", self->engine, NULL);
  gtk_window_present (window);
  yp_sync_engine_start (self->engine);
  if (!self->follow_ups_notified)
    {
      self->follow_ups_notified = TRUE;
      g_idle_add_full (G_PRIORITY_LOW, notify_follow_ups_due_cb, g_object_ref (self),
                       g_object_unref);
    }
  if (self->exit_after_first_frame)
    {
      if (yp_client_list_get_loading (yp_window_get_client_list (YP_WINDOW (window))))
        g_signal_connect (window, "list-ready", G_CALLBACK (on_window_list_ready), self);
      else
        on_window_list_ready (YP_WINDOW (window), self);
    }
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  static const char *developers[] = { "Yhteispolku developers", NULL };
  GtkApplication *app = user_data;
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Yhteispolku"),
                        "application-icon", APP_ID,
                        "developer-name", _("Yhteispolku developers"),
                        "version", PACKAGE_VERSION,
                        "website", "https://yhteispolku.fi",
                        "comments", _("Multi-professional guidance and case management, "
                                      "made with the client."),
                        "developers", developers,
                        "translator-credits", _("translator-credits"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

typedef struct
{
  YpApplication *app;
  char          *path;
} OpenData;

static gpointer
open_store_thread (gpointer user_data)
{
  OpenData *data = user_data;
  GError *error = NULL;
  g_autoptr(YpStore) store = NULL;
  YpApplication *self = data->app;

  /* The store emits ::changed in the thread-default context of the thread that opens it. This
   * thread pushes none, so that is the global default context: the main loop's, as the
   * windows need. */
  store = yp_store_open (data->path, &error);

  g_free (data->path);
  g_free (data);
  g_mutex_lock (&self->open_lock);
  self->store = store ? g_object_ref (store) : NULL;
  self->open_error = error;
  self->opened = TRUE;
  g_cond_signal (&self->open_cond);
  g_mutex_unlock (&self->open_lock);

  /* The window's first query is then a quick filter pass instead of a scan of every client. */
  if (store != NULL)
    {
      g_autoptr(GArray) rows = yp_store_query_client_rows (store, NULL, YP_CLIENT_FILTER_ALL,
                                                           YP_CLIENT_SORT_NAME, NULL);
    }
  return NULL;
}

/* Opens the store and then warms its client-list index in a thread of its own while GTK
 * starts up on this one; activate waits for the opening only (wait_for_store()). A failure
 * is shown when the window would open. */
static void
open_store (YpApplication *self)
{
  OpenData *data = g_new0 (OpenData, 1);

  data->app = self;
  data->path = dup_database_path (self);
  self->opener = g_thread_new ("yp-open-store", open_store_thread, data);
}

static void
wait_for_store (YpApplication *self)
{
  g_mutex_lock (&self->open_lock);
  while (self->opener != NULL && !self->opened)
    g_cond_wait (&self->open_cond, &self->open_lock);
  g_mutex_unlock (&self->open_lock);
}

static void
warm_icons_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  /* The first frame's largest icon (the empty client pane's status page, drawn from an SVG)
   * and one small one; the small one is what makes the theme scan happen here. */
  static const struct { const char *name; int size; } icons[] = {
    { "system-users-symbolic", 128 },
    { "list-add-symbolic", 16 },
  };
  GtkIconTheme *theme = task_data;

  for (guint i = 0; i < G_N_ELEMENTS (icons); i++)
    {
      g_autoptr(GtkIconPaintable) icon =
        gtk_icon_theme_lookup_icon (theme, icons[i].name, NULL, icons[i].size, 1,
                                    gtk_widget_get_default_direction (),
                                    GTK_ICON_LOOKUP_PRELOAD);
    }
  g_task_return_boolean (task, TRUE);
}

/* The first icon a window looks up waits for GTK to scan the icon theme (index files and
 * directories), about 5 ms on the main thread, in the middle of the first layout. GTK allows
 * lookups from other threads once the theme exists, so the scan (and the loading of the one
 * SVG icon the first frame shows) happens in a worker while the window is being built. */
static void
warm_icon_theme (void)
{
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GTask) task = NULL;

  if (display == NULL)
    return;
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_task_data (task, g_object_ref (gtk_icon_theme_get_for_display (display)),
                        g_object_unref);
  g_task_run_in_thread (task, warm_icons_thread);
}

/* The app's style sheet, as AdwApplication would load it from a resource base path. The app
 * has none (yp_application_new()): with one, GtkApplication adds its icons folder to the icon
 * theme after GTK has started scanning the theme in a thread, which throws that scan away, and
 * the first icon lookup scans everything again (60 M instructions, one more thread competing
 * with the window for two cores). The app has no icons, menus or help overlay there. */
static void
load_style (void)
{
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GtkCssProvider) provider = NULL;

  if (display == NULL)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, RESOURCE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
yp_application_startup (GApplication *app)
{
  static const GActionEntry actions[] = {
    { "about", about_action },
    { "quit", quit_action },
    { "show-today", show_today_action },
  };
  static const char *quit_accels[] = { "<Control>q", NULL };

  open_store (YP_APPLICATION (app));
  G_APPLICATION_CLASS (yp_application_parent_class)->startup (app);
  load_style ();
  warm_icon_theme ();

  g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
}

static void
yp_application_finalize (GObject *object)
{
  YpApplication *self = YP_APPLICATION (object);

  g_clear_pointer (&self->opener, g_thread_join);
  g_mutex_clear (&self->open_lock);
  g_cond_clear (&self->open_cond);
  g_clear_object (&self->engine);
  g_clear_object (&self->store);
  g_clear_error (&self->open_error);
  g_clear_pointer (&self->database, g_free);

  G_OBJECT_CLASS (yp_application_parent_class)->finalize (object);
}

static void
yp_application_class_init (YpApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  /* Before the window templates and load_style() need them. */
  yp_resources_ensure ();

  object_class->finalize = yp_application_finalize;
  app_class->handle_local_options = yp_application_handle_local_options;
  app_class->startup = yp_application_startup;
  app_class->activate = yp_application_activate;
}

static void
yp_application_init (YpApplication *self)
{
  static const GOptionEntry entries[] = {
    { "database", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Use this database file instead of the default one"), N_("FILE") },
    { "demo-data", 0, 0, G_OPTION_ARG_INT, NULL,
      N_("Add this many fictional demo clients to the database and exit"), N_("N") },
    { "exit-after-first-frame", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
      "Quit after the first frame that shows the client list (for benchmarks)", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
    { NULL }
  };

  g_mutex_init (&self->open_lock);
  g_cond_init (&self->open_cond);
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

YpApplication *
yp_application_new (void)
{
  YpApplication *app = g_object_new (YP_TYPE_APPLICATION,
                                     "application-id", APP_ID,
                                     "flags", G_APPLICATION_DEFAULT_FLAGS,
                                     NULL);

  /* GApplication derives one from the application id otherwise: see load_style(). */
  g_application_set_resource_base_path (G_APPLICATION (app), NULL);
  return app;
}
