/* yp-window.c — the main window.
 *
 * Left: the client list (search as you type, filters, sort). Right: the chosen client. An
 * AdwLeaflet folds them into one pane on a narrow window. The list is a lazily loaded
 * GListModel over SQLite (YpClientList): a GtkListView creates widgets only for the rows on
 * screen, and the model loads summaries a page at a time, so 100 000 clients cost one array
 * of row ids.
 */
#define G_LOG_DOMAIN "yp-window"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-resources.h"
#include "yp-client-row.h"
#include "yp-client-summary.h"
#include "yp-client-view.h"
#include "yp-conflicts-dialog.h"
#include "yp-new-client-dialog.h"
#include "yp-notifications.h"
#include "yp-util.h"
#include "yp-profile-view.h"
#include "yp-sign-in-dialog.h"
#include "yp-window.h"

#define N_DEMO_CLIENTS 40

struct _YpWindow
{
  AdwApplicationWindow parent_instance;

  /* template */
  GtkStack           *main_stack;
  AdwLeaflet         *leaflet;
  GtkSearchEntry     *search_entry;
  GtkStack           *list_stack;
  AdwStatusPage      *list_status;     /* NULL until the list is first empty */
  GtkWidget          *empty_actions;
  GtkListView        *list_view;
  GtkScrolledWindow  *list_scroller;
  GtkMenuButton      *main_menu_button;
  GtkMenuButton      *view_button;
  GMenuModel         *primary_menu;
  GMenuModel         *view_menu;
  GtkWidget          *sync_box;
  AdwBin             *profile_bin;
  AdwBin             *client_bin;
  AdwToastOverlay    *toast_overlay;
  GtkLabel           *sync_label;
  GtkImage           *sync_icon;
  GtkMenuButton      *notifications_button;
  GtkLabel           *notifications_count;
  GtkListBox         *notifications_list;   /* NULL until the popover is first opened */

  /* owned */
  YpStore            *store;
  guint               notifications_idle;
  YpClientList       *clients;
  GtkSliceListModel  *first_rows;      /* clients, cut to a screenful until the first frame */
  GtkSingleSelection *selection;
  GSettings          *settings;
  YpSyncEngine       *engine;          /* may be NULL (widget tests without sync) */

  guint               whole_list_idle;
  gulong              after_paint_id;
  GdkFrameClock      *after_paint_clock;

  /* borrowed */
  YpClientView       *client_view;
  const char         *list_state;      /* static string, see yp_window_get_list_state() */
  gboolean            lease_expired;   /* offline past the lease: client data hidden */
  guint               lease_timer_id;
};

G_DEFINE_FINAL_TYPE (YpWindow, yp_window, ADW_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_STORE, PROP_SYNC_ENGINE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_LIST_READY, N_SIGNALS };
static guint signals[N_SIGNALS];

static const struct { const char *key; YpClientFilter filter; const char *label; } filters[] = {
  { "today", YP_CLIENT_FILTER_TODAY, NC_("client filter", "Today") },
  { "mine", YP_CLIENT_FILTER_MINE, NC_("client filter", "Mine") },
  { "all", YP_CLIENT_FILTER_ALL, NC_("client filter", "All") },
  { "candidates", YP_CLIENT_FILTER_CANDIDATES, NC_("client filter", "Candidates") },
  { "ended", YP_CLIENT_FILTER_ENDED, NC_("client filter", "Ended") },
};

static const char * const sort_keys[] = { "name", "follow-up", "last-change", NULL };

static YpClientFilter
filter_from_key (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    if (g_strcmp0 (filters[i].key, key) == 0)
      return filters[i].filter;
  return YP_CLIENT_FILTER_MINE;
}

/* ---- the list ---------------------------------------------------------------------------- */

/* One status page for every empty state of the list (its words are set in update_list_state()),
 * made the first time the list is empty: a start-up with clients never shows it. */
static void
ensure_list_status (YpWindow *self)
{
  GtkWidget *add, *demo;

  if (self->list_status != NULL)
    return;

  add = gtk_button_new_with_mnemonic (_("_Add the First Client"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (add), "win.new-client");
  gtk_widget_add_css_class (add, "suggested-action");
  gtk_widget_add_css_class (add, "pill");
  demo = gtk_button_new_with_mnemonic (_("Add _Demo Clients"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (demo), "win.add-demo-clients");
  gtk_widget_add_css_class (demo, "pill");

  self->empty_actions = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_halign (self->empty_actions, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (self->empty_actions), add);
  gtk_box_append (GTK_BOX (self->empty_actions), demo);

  self->list_status = ADW_STATUS_PAGE (adw_status_page_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->list_status), "compact");
  adw_status_page_set_child (self->list_status, self->empty_actions);
  gtk_stack_add_named (self->list_stack, GTK_WIDGET (self->list_status), "status");
}

static void
update_list_state (YpWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->clients));
  const char *search = yp_client_list_get_search (self->clients);

  if (self->lease_expired || n == 0)
    ensure_list_status (self);
  if (self->lease_expired)
    {
      self->list_state = "lease-expired";
      adw_status_page_set_icon_name (self->list_status, "network-offline-symbolic");
      adw_status_page_set_title (self->list_status, _("Sync to See Your Clients"));
      adw_status_page_set_description (
        self->list_status,
        _("This computer has not synced with the coordination server for more than 14 days, "
          "so client information stays hidden until it does. Nothing you wrote is lost: "
          "connect to the network and choose “Sync Now” in the main menu (Ctrl+Shift+S)."));
      n = 0;
    }
  else if (n > 0)
    self->list_state = "list";
  else if (yp_store_count_clients (self->store) == 0)
    {
      self->list_state = "empty";
      adw_status_page_set_icon_name (self->list_status, "system-users-symbolic");
      adw_status_page_set_title (self->list_status, _("No Clients Yet"));
      adw_status_page_set_description (self->list_status,
                                       _("Add your first client, or try the app with fictional "
                                         "demo clients."));
    }
  else if (search != NULL && *search != '\0')
    {
      self->list_state = "no-results";
      adw_status_page_set_icon_name (self->list_status, "edit-find-symbolic");
      adw_status_page_set_title (self->list_status, _("No Client Found"));
      adw_status_page_set_description (self->list_status,
                                       _("Check the spelling, or search by phone number or "
                                         "address. Other filters may have the client."));
    }
  else
    {
      self->list_state = "no-clients-here";
      adw_status_page_set_icon_name (self->list_status, "system-users-symbolic");
      adw_status_page_set_title (self->list_status, _("No Clients Here"));
      adw_status_page_set_description (self->list_status,
                                       _("No client is in this group. Choose another filter "
                                         "above."));
    }
  if (self->empty_actions != NULL)
    gtk_widget_set_visible (self->empty_actions, g_str_equal (self->list_state, "empty"));
  gtk_stack_set_visible_child_name (self->list_stack, n > 0 ? "list" : "status");
}

/* "14.05" today, "23.11.2026 14.05" on another day, in local time. */
static char *
format_sync_time (const char *iso)
{
  g_autoptr(GDateTime) utc = iso ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *day = NULL;
  g_autofree char *date = NULL;

  if (local == NULL)
    return NULL;
  if (g_date_time_get_year (local) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (now))
    return g_date_time_format (local, "%H.%M");
  day = g_date_time_format (local, "%Y-%m-%d");
  date = yp_date_format_fi (day);
  return g_strdup_printf ("%s %02d.%02d", date, g_date_time_get_hour (local),
                          g_date_time_get_minute (local));
}

/* The header's sync indicator: an icon and a short count, and the whole state in words in
 * the tooltip and the accessible label. */
static void
update_sync_label (YpWindow *self)
{
  YpSyncState state = self->engine ? yp_sync_engine_get_state (self->engine)
                                   : YP_SYNC_STATE_SIGNED_OUT;
  guint waiting = self->engine ? yp_sync_engine_get_n_waiting (self->engine) : 0;
  guint conflicts = self->engine ? yp_sync_engine_get_n_conflicts (self->engine) : 0;
  gboolean signed_in = self->engine != NULL && yp_sync_engine_is_signed_in (self->engine);
  const char *icon = "computer-symbolic";
  g_autofree char *count = NULL;
  g_autofree char *text = NULL;

  switch (state)
    {
    case YP_SYNC_STATE_SIGNED_OUT:
    default:
      text = g_strdup (_("Not signed in: everything is saved on this computer"));
      break;
    case YP_SYNC_STATE_SYNCING:
      icon = "emblem-synchronizing-symbolic";
      text = g_strdup (_("Syncing…"));
      break;
    case YP_SYNC_STATE_SYNCED:
      {
        g_autofree char *when =
          format_sync_time (yp_sync_engine_get_last_sync (self->engine));

        icon = "emblem-ok-symbolic";
        /* Translators: %s is a time such as 14.05, or a date and a time */
        text = when ? g_strdup_printf (_("Synced at %s"), when) : g_strdup (_("Synced"));
      }
      break;
    case YP_SYNC_STATE_OFFLINE:
      icon = "network-offline-symbolic";
      if (waiting > 0)
        {
          count = g_strdup_printf ("%u", waiting);
          text = g_strdup_printf (ngettext ("Offline: %u change waiting to sync",
                                            "Offline: %u changes waiting to sync", waiting),
                                  waiting);
        }
      else
        text = g_strdup (_("Offline: everything is saved on this computer"));
      break;
    case YP_SYNC_STATE_WAITING:
      icon = "document-send-symbolic";
      count = g_strdup_printf ("%u", waiting);
      text = g_strdup_printf (ngettext ("%u change waiting to sync",
                                        "%u changes waiting to sync", waiting), waiting);
      break;
    case YP_SYNC_STATE_CONFLICTS:
      icon = "dialog-warning-symbolic";
      count = g_strdup_printf ("%u", conflicts);
      text = g_strdup_printf (ngettext ("%u conflict to resolve",
                                        "%u conflicts to resolve", conflicts), conflicts);
      break;
    }

  gtk_image_set_from_icon_name (self->sync_icon, icon);
  gtk_label_set_label (self->sync_label, count ? count : "");
  gtk_widget_set_visible (GTK_WIDGET (self->sync_label), count != NULL);
  gtk_widget_set_tooltip_text (self->sync_box, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sync_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-in",
                                 self->engine != NULL && !signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sync-now", signed_in);
}

/* The offline lease (yp_sync_engine_is_lease_expired): past it, no client is listed or
 * shown until a sync succeeds; the data stays on disk and the outbox keeps every change. */
static void
update_lease (YpWindow *self)
{
  gboolean expired = self->engine != NULL && yp_sync_engine_is_lease_expired (self->engine);

  if (expired == self->lease_expired)
    return;
  self->lease_expired = expired;
  if (expired)
    yp_client_view_set_client_id (self->client_view, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->search_entry), !expired);
  update_list_state (self);
}

static gboolean
lease_timer_cb (gpointer data)
{
  update_lease (data);
  return G_SOURCE_CONTINUE;
}

static void
on_engine_notify (YpSyncEngine *engine,
                  GParamSpec   *pspec,
                  YpWindow     *self)
{
  update_sync_label (self);
  if (g_str_equal (pspec->name, "last-sync"))
    update_lease (self);
}

/* GtkListView (GTK 4.8) builds, binds and measures about 200 rows from its first position
 * however few fit on screen (7 ms of the start-up with 100 000 clients). So until the first
 * frame is painted the view sees only as many clients as can fit on the tallest monitor; the
 * rest are added right after that frame. With overlay scrollbars (the default) the first frame
 * looks exactly the same. With classic scrollbars the slider would show the cut, so there
 * the whole list is shown at once. A row is as tall as yp_client_row_get_height_for() the list
 * view says (its font's line heights and the row's padding; the list's own CSS can only add),
 * and never less than MIN_ROW_HEIGHT. */
#define MIN_ROW_HEIGHT 24   /* a row is two lines of text and 16 px of padding: never less */

static guint
first_frame_rows (YpWindow *self)
{
  GtkSettings *settings = gtk_widget_get_settings (GTK_WIDGET (self));
  GListModel *monitors = gdk_display_get_monitors (gtk_widget_get_display (GTK_WIDGET (self)));
  gboolean overlay = FALSE;
  int height = 0;

  g_object_get (settings, "gtk-overlay-scrolling", &overlay, NULL);
  if (!overlay || !gtk_scrolled_window_get_overlay_scrolling (self->list_scroller))
    return G_MAXUINT;
  for (guint i = 0; i < g_list_model_get_n_items (monitors); i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);
      GdkRectangle geometry;

      gdk_monitor_get_geometry (monitor, &geometry);
      height = MAX (height, geometry.height);
    }
  if (height <= 0)
    return G_MAXUINT;
  return (guint) (height / MAX (MIN_ROW_HEIGHT,
                                yp_client_row_get_height_for (GTK_WIDGET (self->list_view))) + 1);
}

/* Stops waiting for the first frame. The clock may have dropped its handlers already (GDK
 * disposes of it with the window's surface). */
static void
forget_frame_clock (YpWindow *self)
{
  if (self->after_paint_clock != NULL && self->after_paint_id != 0 &&
      g_signal_handler_is_connected (self->after_paint_clock, self->after_paint_id))
    g_signal_handler_disconnect (self->after_paint_clock, self->after_paint_id);
  self->after_paint_id = 0;
  g_clear_object (&self->after_paint_clock);
}

static void
show_whole_list (YpWindow *self)
{
  g_clear_handle_id (&self->whole_list_idle, g_source_remove);
  g_clear_handle_id (&self->lease_timer_id, g_source_remove);
  forget_frame_clock (self);
  if (self->first_rows != NULL && gtk_slice_list_model_get_size (self->first_rows) != G_MAXUINT)
    gtk_slice_list_model_set_size (self->first_rows, G_MAXUINT);
}

static gboolean
show_whole_list_cb (gpointer data)
{
  YpWindow *self = data;

  self->whole_list_idle = 0;
  show_whole_list (self);
  return G_SOURCE_REMOVE;
}

static void
on_first_frame_painted (GdkFrameClock *clock,
                        YpWindow      *self)
{
  forget_frame_clock (self);
  /* Not inside the paint: right after it, before any input is handled. */
  if (self->whole_list_idle == 0)
    self->whole_list_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 30, show_whole_list_cb,
                                             self, NULL);
}

static void
yp_window_map (GtkWidget *widget)
{
  YpWindow *self = YP_WINDOW (widget);

  GTK_WIDGET_CLASS (yp_window_parent_class)->map (widget);
  if (self->first_rows != NULL && gtk_slice_list_model_get_size (self->first_rows) != G_MAXUINT
      && self->after_paint_clock == NULL && self->whole_list_idle == 0)
    {
      self->after_paint_clock = gtk_widget_get_frame_clock (widget);
      if (self->after_paint_clock == NULL)
        show_whole_list (self);
      else
        {
          g_object_ref (self->after_paint_clock);
          self->after_paint_id = g_signal_connect (self->after_paint_clock, "after-paint",
                                                   G_CALLBACK (on_first_frame_painted), self);
        }
    }
}

static void
on_clients_ready (YpClientList *clients,
                  YpWindow     *self)
{
  show_whole_list (self);
  update_list_state (self);
  /* Keep the open client selected when the list is re-queried. */
  if (yp_window_get_client_id (self) != NULL)
    {
      guint pos = yp_client_list_find (clients, yp_window_get_client_id (self));

      if (pos != G_MAXUINT)
        gtk_single_selection_set_selected (self->selection, pos);
    }
  g_signal_emit (self, signals[SIGNAL_LIST_READY], 0);
}

static void queue_notifications_count (YpWindow *self);

static void
on_store_changed (YpStore    *store,
                  const char *table,
                  const char *id,
                  YpWindow   *self)
{
  update_sync_label (self);
  if (g_strcmp0 (table, "notifications") == 0)
    queue_notifications_count (self);
}

static void
on_search_changed (GtkSearchEntry *entry,
                   YpWindow       *self)
{
  yp_client_list_set_search (self->clients, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
on_search_stop (GtkSearchEntry *entry,
                YpWindow       *self)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

/* Enter in the search box opens the first match; Down moves into the list. */
static void
on_search_activate (GtkSearchEntry *entry,
                    YpWindow       *self)
{
  g_autoptr(YpClientSummary) first = NULL;

  show_whole_list (self);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->clients)) == 0)
    return;
  first = g_list_model_get_item (G_LIST_MODEL (self->clients), 0);
  gtk_single_selection_set_selected (self->selection, 0);
  yp_window_show_client (self, yp_client_summary_get_id (first));
}

static gboolean
on_search_key_pressed (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       YpWindow              *self)
{
  if (keyval == GDK_KEY_Down &&
      g_list_model_get_n_items (G_LIST_MODEL (self->clients)) > 0)
    {
      show_whole_list (self);
      gtk_widget_child_focus (GTK_WIDGET (self->list_view), GTK_DIR_TAB_FORWARD);
      return TRUE;
    }
  return FALSE;
}

static void
on_list_activate (GtkListView *list_view,
                  guint        position,
                  YpWindow    *self)
{
  g_autoptr(YpClientSummary) summary = g_list_model_get_item (G_LIST_MODEL (self->clients),
                                                              position);

  if (summary != NULL)
    yp_window_show_client (self, yp_client_summary_get_id (summary));
}

/* Choosing a row (click, or moving with the arrow keys) shows that client at once, as in
 * GNOME Contacts; Enter also moves to the client pane when the window is folded. */
static void
on_selection_changed (GtkSelectionModel *model,
                      guint              position,
                      guint              n_items,
                      YpWindow          *self)
{
  YpClientSummary *summary = gtk_single_selection_get_selected_item (self->selection);

  if (summary != NULL && !self->lease_expired &&
      g_strcmp0 (yp_client_summary_get_id (summary), yp_window_get_client_id (self)) != 0)
    yp_client_view_set_client_id (self->client_view, yp_client_summary_get_id (summary));
}

static void
on_row_setup (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  gtk_list_item_set_child (item, yp_client_row_new ());
}

static void
on_row_bind (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  yp_client_row_set_summary (YP_CLIENT_ROW (gtk_list_item_get_child (item)),
                             gtk_list_item_get_item (item));
}

static void
on_row_unbind (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  yp_client_row_set_summary (YP_CLIENT_ROW (gtk_list_item_get_child (item)), NULL);
}

/* A menu button's popover menu is built from its model (a widget per item, every action
 * looked up) when it is first opened rather than with the window: the button looks and acts
 * the same, and F10 still opens the main menu. */
static void
on_menu_button_create_popup (GtkMenuButton *button,
                             gpointer       menu_model)
{
  if (gtk_menu_button_get_popover (button) == NULL)
    gtk_menu_button_set_menu_model (button, menu_model);
}

static void
use_menu_when_opened (GtkMenuButton *button,
                      GMenuModel    *model)
{
  gtk_menu_button_set_create_popup_func (button, on_menu_button_create_popup,
                                         g_object_ref (model), g_object_unref);
}

/* ---- notifications ----------------------------------------------------------------------- */

static gboolean
update_notifications_count_cb (gpointer data)
{
  YpWindow *self = data;
  guint unread = yp_notifications_count_unread (self->store);
  g_autofree char *count = g_strdup_printf ("%u", unread);
  g_autofree char *label = NULL;

  self->notifications_idle = 0;
  gtk_label_set_label (self->notifications_count, count);
  gtk_widget_set_visible (GTK_WIDGET (self->notifications_count), unread > 0);
  label = unread > 0 ? g_strdup_printf (ngettext ("Notifications, %u unread",
                                                  "Notifications, %u unread", unread), unread)
                     : g_strdup (_("Notifications"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->notifications_button), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->notifications_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  return G_SOURCE_REMOVE;
}

/* Counted after the first frame and after changes, never on the way to the first frame. */
static void
queue_notifications_count (YpWindow *self)
{
  if (self->notifications_idle == 0)
    self->notifications_idle = g_idle_add_full (G_PRIORITY_LOW, update_notifications_count_cb,
                                                self, NULL);
}

static void
on_notifications_show (YpWindow *self)
{
  g_autoptr(GPtrArray) rows = NULL;
  GtkWidget *child;

  if (self->notifications_list == NULL)
    return;
  rows = yp_notifications_list_mine (self->store, 50, NULL);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->notifications_list))) != NULL)
    gtk_list_box_remove (self->notifications_list, child);

  if (rows == NULL || rows->len == 0)
    {
      GtkWidget *empty = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (empty), _("No notifications"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (empty), FALSE);
      gtk_list_box_append (self->notifications_list, empty);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      YpRecord *n = rows->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      gboolean unread = yp_record_is_null (n, "read_at");
      g_autoptr(YpRecord) client = yp_store_get (self->store, yp_schema_lookup ("client"),
                                                 yp_record_get_client_id (n), NULL);
      g_autofree char *when = NULL;
      g_autofree char *subtitle = NULL;
      g_autofree char *date = g_strndup (yp_record_get_string (n, "created_at"), 10);

      when = yp_date_format_fi (date);
      subtitle = client ? g_strdup_printf ("%s %s · %s", yp_record_get_string (client, "first_name"),
                                           yp_record_get_string (client, "last_name"), when)
                        : g_strdup (when);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), yp_record_get_string (n, "text"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 3);
      if (unread)
        {
          /* Unread is said in words too, not only shown by the dot. */
          GtkWidget *dot = gtk_label_new (C_("notification", "new"));

          gtk_widget_add_css_class (dot, "yp-badge");
          gtk_widget_add_css_class (dot, "caption");
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), dot);
        }
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "notification-id",
                              g_strdup (yp_record_get_id (n)), g_free);
      g_object_set_data_full (G_OBJECT (row), "client-id",
                              g_strdup (yp_record_get_client_id (n)), g_free);
      gtk_list_box_append (self->notifications_list, row);
    }
}

static void
on_notification_activated (GtkListBox    *list,
                           GtkListBoxRow *row,
                           YpWindow      *self)
{
  const char *id = g_object_get_data (G_OBJECT (row), "notification-id");
  g_autofree char *client_id = g_strdup (g_object_get_data (G_OBJECT (row), "client-id"));
  g_autoptr(GError) error = NULL;

  if (id == NULL)
    return;
  if (!yp_notifications_mark_read (self->store, id, &error))
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
  gtk_menu_button_popdown (self->notifications_button);
  if (client_id != NULL)
    yp_window_show_client (self, client_id);
}

/* The notifications popover is made when first opened, like the menus: the window starts
 * without its widgets (a heading, a scrolled list and a button), and it is filled each time
 * it is shown. */
static void
on_notifications_create_popup (GtkMenuButton *button,
                               gpointer       user_data)
{
  YpWindow *self = user_data;
  GtkWidget *popover, *box, *heading, *scroller, *mark;

  if (gtk_menu_button_get_popover (button) != NULL)
    return;

  heading = gtk_label_new (_("Notifications"));
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");

  self->notifications_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->notifications_list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->notifications_list), "boxed-list");
  g_signal_connect (self->notifications_list, "row-activated",
                    G_CALLBACK (on_notification_activated), self);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 420);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller),
                                 GTK_WIDGET (self->notifications_list));

  mark = gtk_button_new_with_mnemonic (_("_Mark All as Read"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (mark), "win.mark-notifications-read");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_size_request (box, 360, -1);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), scroller);
  gtk_box_append (GTK_BOX (box), mark);

  popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  g_signal_connect_swapped (popover, "show", G_CALLBACK (on_notifications_show), self);
  gtk_menu_button_set_popover (button, popover);
}

static void
mark_notifications_read_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  YpWindow *self = YP_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!yp_notifications_mark_all_read (self->store, &error))
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
  on_notifications_show (self);
}

/* ---- actions ----------------------------------------------------------------------------- */

/* The view button names the group on show, so the list is never a mystery. */
static void
update_view_button (YpWindow   *self,
                    const char *filter_key)
{
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    if (g_str_equal (filters[i].key, filter_key))
      gtk_menu_button_set_label (self->view_button,
                                 g_dpgettext2 (NULL, "client filter", filters[i].label));
}

static void
filter_state_changed (YpWindow *self,
                      GVariant *state)
{
  const char *key = g_variant_get_string (state, NULL);

  yp_client_list_set_filter (self->clients, filter_from_key (key));
  update_view_button (self, key);
  if (self->settings)
    g_settings_set_string (self->settings, "client-filter", key);
}

static void
change_sort (GSimpleAction *action,
             GVariant      *value,
             gpointer       user_data)
{
  YpWindow *self = YP_WINDOW (user_data);
  const char *key = g_variant_get_string (value, NULL);

  for (guint i = 0; sort_keys[i]; i++)
    if (g_str_equal (sort_keys[i], key))
      {
        g_simple_action_set_state (action, value);
        yp_client_list_set_sort (self->clients, (YpClientSort) i);
        if (self->settings)
          g_settings_set_string (self->settings, "client-sort", key);
      }
}

static void
change_filter (GSimpleAction *action,
               GVariant      *value,
               gpointer       user_data)
{
  g_simple_action_set_state (action, value);
  filter_state_changed (YP_WINDOW (user_data), value);
}

static void
on_client_added (YpNewClientDialog *dialog,
                 const char        *client_id,
                 YpWindow          *self)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Client added")));
  yp_window_show_client (self, client_id);
}

static void
new_client_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  YpWindow *self = YP_WINDOW (widget);
  GtkWidget *dialog;

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "main") != 0)
    return;
  dialog = yp_new_client_dialog_new (GTK_WINDOW (self), self->store);
  g_signal_connect_object (dialog, "client-added", G_CALLBACK (on_client_added), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  YpWindow *self = YP_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* The shortcuts window is built when first asked for, not with every main window (which is
 * what GtkApplication does with gtk/help-overlay.ui). */
static void
show_shortcuts_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource (RESOURCE_PATH "/yp-shortcuts-window.ui");
  GtkWindow *shortcuts = GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay"));

  gtk_window_set_transient_for (shortcuts, GTK_WINDOW (widget));
  gtk_window_present (shortcuts);
}

static void
show_list_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  YpWindow *self = YP_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
add_demo_clients_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  YpWindow *self = YP_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!yp_store_add_demo_clients (self->store, N_DEMO_CLIENTS, &error))
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }
  /* Demo clients are fictional and never leave this computer; show them all at once. */
  g_action_group_activate_action (G_ACTION_GROUP (self), "filter", g_variant_new_string ("all"));
  adw_toast_overlay_add_toast (self->toast_overlay,
                               adw_toast_new (_("Demo clients added. They are fictional and "
                                                "stay on this computer.")));
}

/* ---- sync ------------------------------------------------------------------------------- */

static void
on_dialog_signed_in (YpSignInDialog *dialog,
                     const char     *server,
                     YpWindow       *self)
{
  g_autofree char *text = g_strdup_printf (_("Signed in to %s"), server);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
  update_sync_label (self);
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  YpWindow *self = YP_WINDOW (widget);
  GtkWidget *dialog;

  if (self->engine == NULL)
    return;
  dialog = yp_sign_in_dialog_new (GTK_WINDOW (self), self->engine);
  g_signal_connect_object (dialog, "signed-in", G_CALLBACK (on_dialog_signed_in), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_signed_out (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(YpWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!yp_sync_engine_sign_out_finish (YP_SYNC_ENGINE (source), result, &error))
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
  else
    adw_toast_overlay_add_toast (self->toast_overlay,
                                 adw_toast_new (_("Signed out. Everything stays saved on this "
                                                  "computer.")));
  update_sync_label (self);
}

static void
on_sign_out_response (AdwMessageDialog *dialog,
                      const char       *response,
                      YpWindow         *self)
{
  if (g_strcmp0 (response, "sign-out") == 0 && self->engine != NULL)
    yp_sync_engine_sign_out_async (self->engine, NULL, on_signed_out, g_object_ref (self));
}

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  YpWindow *self = YP_WINDOW (widget);
  AdwMessageDialog *dialog;
  guint waiting;
  g_autofree char *body = NULL;

  if (self->engine == NULL || !yp_sync_engine_is_signed_in (self->engine))
    return;
  waiting = yp_sync_engine_get_n_waiting (self->engine);
  if (waiting > 0)
    body = g_strdup_printf (ngettext ("%u change has not been sent to the server yet. It stays "
                                      "on this computer and is sent when you sign in again.",
                                      "%u changes have not been sent to the server yet. They "
                                      "stay on this computer and are sent when you sign in "
                                      "again.", waiting), waiting);
  else
    body = g_strdup (_("Everything stays saved on this computer. Changes you make while "
                       "signed out are sent when you sign in again."));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Sign Out?"), body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"),
                                    "sign-out", _("_Sign Out"), NULL);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_sign_out_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_synced (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(YpWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Being offline is shown by the indicator; anything else is said once in a toast. */
  if (!yp_sync_engine_sync_finish (YP_SYNC_ENGINE (source), result, &error)
      && !g_error_matches (error, YP_SYNC_ERROR, YP_SYNC_ERROR_OFFLINE)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
  update_sync_label (self);
}

static void
sync_now_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  YpWindow *self = YP_WINDOW (widget);

  if (self->engine == NULL)
    return;
  if (!yp_sync_engine_is_signed_in (self->engine))
    {
      sign_in_action (widget, NULL, NULL);
      return;
    }
  yp_sync_engine_sync_async (self->engine, NULL, on_synced, g_object_ref (self));
}

/* Clicking the indicator does the one thing its state asks for. */
static void
sync_status_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  YpWindow *self = YP_WINDOW (widget);
  GtkWidget *dialog;

  if (self->engine == NULL)
    return;
  if (yp_sync_engine_is_signed_in (self->engine)
      && yp_store_count_conflicts (self->store) > 0)
    {
      dialog = yp_conflicts_dialog_new (GTK_WINDOW (self), self->store);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  sync_now_action (widget, NULL, NULL);
}

static void
on_client_purged (YpSyncEngine *engine,
                  const char   *client_id,
                  const char   *name,
                  guint         n_quarantined,
                  YpWindow     *self)
{
  AdwMessageDialog *dialog;
  g_autoptr(GString) body = g_string_new (NULL);

  if (g_strcmp0 (client_id, yp_window_get_client_id (self)) == 0)
    yp_client_view_set_client_id (self->client_view, NULL);
  yp_client_list_reload (self->clients);

  if (name != NULL && *name != '\0')
    g_string_printf (body, _("%s no longer shares their information with you, so everything "
                             "about them was removed from this computer."), name);
  else
    g_string_assign (body, _("A client no longer shares their information with you, so "
                             "everything about them was removed from this computer."));
  /* Nothing typed is lost: what was not yet sent went to the server for review. */
  if (n_quarantined > 0)
    {
      g_string_append (body, "\n\n");
      g_string_append_printf (body,
                              ngettext ("%u change you had not yet sent was kept on the server "
                                        "for the people coordinating the client's care to "
                                        "review.",
                                        "%u changes you had not yet sent were kept on the "
                                        "server for the people coordinating the client's care "
                                        "to review.", n_quarantined), n_quarantined);
    }
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                       _("Access to a Client Was Removed"),
                                                       body->str));
  adw_message_dialog_add_response (dialog, "close", _("_OK"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- showing a client -------------------------------------------------------------------- */

void
yp_window_show_client (YpWindow   *self,
                       const char *client_id)
{
  g_return_if_fail (YP_IS_WINDOW (self));

  if (self->lease_expired)
    return;
  show_whole_list (self);
  yp_client_view_set_client_id (self->client_view, client_id);
  if (client_id != NULL)
    {
      guint pos = yp_client_list_find (self->clients, client_id);

      if (pos != G_MAXUINT)
        gtk_single_selection_set_selected (self->selection, pos);
      adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
    }
}

const char *
yp_window_get_client_id (YpWindow *self)
{
  g_return_val_if_fail (YP_IS_WINDOW (self), NULL);
  return yp_client_view_get_client_id (self->client_view);
}

GtkWidget *
yp_window_get_client_view (YpWindow *self)
{
  g_return_val_if_fail (YP_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->client_view);
}

const char *
yp_window_get_page (YpWindow *self)
{
  g_return_val_if_fail (YP_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->main_stack);
}

const char *
yp_window_get_list_state (YpWindow *self)
{
  g_return_val_if_fail (YP_IS_WINDOW (self), NULL);
  return self->list_state;
}

YpClientList *
yp_window_get_client_list (YpWindow *self)
{
  g_return_val_if_fail (YP_IS_WINDOW (self), NULL);
  return self->clients;
}

GtkEditable *
yp_window_get_search_entry (YpWindow *self)
{
  g_return_val_if_fail (YP_IS_WINDOW (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

static void
show_main (YpWindow *self)
{
  gtk_stack_set_visible_child_name (self->main_stack, "main");
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
on_profile_done (YpProfileView *view,
                 YpWindow      *self)
{
  yp_client_list_reload (self->clients);
  show_main (self);
}

/* ---- life cycle -------------------------------------------------------------------------- */

static GSettings *
settings_new_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* Without the schema (an uninstalled build started by hand) the window still works; it
   * just does not remember its size and filter. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, BASE_ID, TRUE);
  if (schema == NULL)
    {
      g_message ("GSettings schema %s is not installed; settings will not be kept", BASE_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
yp_window_constructed (GObject *object)
{
  YpWindow *self = YP_WINDOW (object);
  g_autofree char *filter = NULL;
  g_autofree char *sort = NULL;
  GAction *filter_action;
  GtkWidget *profile;

  G_OBJECT_CLASS (yp_window_parent_class)->constructed (object);

  if (DEVELOPMENT)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  use_menu_when_opened (self->main_menu_button, self->primary_menu);
  use_menu_when_opened (self->view_button, self->view_menu);
  gtk_menu_button_set_create_popup_func (self->notifications_button,
                                         on_notifications_create_popup, self, NULL);

  self->settings = settings_new_if_installed ();
  filter = self->settings ? g_settings_get_string (self->settings, "client-filter")
                          : g_strdup ("mine");
  sort = self->settings ? g_settings_get_string (self->settings, "client-sort")
                        : g_strdup ("name");
  if (self->settings)
    {
      g_settings_bind (self->settings, "window-width", self, "default-width",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-height", self, "default-height",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-maximized", self, "maximized",
                       G_SETTINGS_BIND_DEFAULT);
    }

  self->client_view = YP_CLIENT_VIEW (yp_client_view_new (self->store));
  adw_bin_set_child (self->client_bin, GTK_WIDGET (self->client_view));
  g_object_bind_property (self->leaflet, "folded", self->client_view, "folded",
                          G_BINDING_SYNC_CREATE);

  /* The list model and its view. */
  /* The first result is in the model before the window is shown, so the first frame already
   * has the list (the application warmed the store's list index while GTK started). */
  {
    YpClientSort sort_order = YP_CLIENT_SORT_NAME;

    for (guint i = 0; sort_keys[i]; i++)
      if (g_str_equal (sort_keys[i], sort))
        sort_order = (YpClientSort) i;
    self->clients = yp_client_list_new_loaded (self->store, filter_from_key (filter), sort_order);
  }
  g_signal_connect_object (self->clients, "ready", G_CALLBACK (on_clients_ready), self, 0);
  self->first_rows = gtk_slice_list_model_new (g_object_ref (G_LIST_MODEL (self->clients)), 0,
                                               first_frame_rows (self));
  /* Not autoselecting from the start: selecting row 0 would load it for nothing. */
  self->selection = g_object_new (GTK_TYPE_SINGLE_SELECTION, "autoselect", FALSE,
                                  "can-unselect", TRUE, "model", self->first_rows, NULL);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  update_list_state (self);
  g_signal_connect_object (self->selection, "selection-changed",
                           G_CALLBACK (on_selection_changed), self, 0);

  {
    static const GActionEntry entries[] = {
      { "filter", NULL, "s", "'mine'", change_filter },
      { "sort", NULL, "s", "'name'", change_sort },
    };
    g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  }
  filter_action = g_action_map_lookup_action (G_ACTION_MAP (self), "filter");
  g_simple_action_set_state (G_SIMPLE_ACTION (filter_action), g_variant_new_string (filter));
  g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                                          "sort")),
                             g_variant_new_string (sort));
  update_view_button (self, filter);

  g_signal_connect_object (self->store, "changed", G_CALLBACK (on_store_changed), self, 0);
  if (self->engine != NULL)
    {
      g_signal_connect_object (self->engine, "notify", G_CALLBACK (on_engine_notify), self, 0);
      g_signal_connect_object (self->engine, "client-purged", G_CALLBACK (on_client_purged),
                               self, 0);
    }
  update_sync_label (self);
  queue_notifications_count (self);
  update_lease (self);
  self->lease_timer_id = g_timeout_add_seconds (3600, lease_timer_cb, self);

  /* The first-run form is built only when it is needed. */
  if (yp_store_get_me_id (self->store) == NULL)
    {
      profile = yp_profile_view_new (self->store);
      adw_bin_set_child (self->profile_bin, profile);
      g_signal_connect_object (profile, "done", G_CALLBACK (on_profile_done), self, 0);
      gtk_stack_set_visible_child_name (self->main_stack, "profile");
    }
  else
    show_main (self);
}

static void
yp_window_dispose (GObject *object)
{
  YpWindow *self = YP_WINDOW (object);

  g_clear_handle_id (&self->notifications_idle, g_source_remove);
  g_clear_handle_id (&self->whole_list_idle, g_source_remove);
  forget_frame_clock (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->first_rows);
  g_clear_object (&self->clients);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (yp_window_parent_class)->dispose (object);
}

static void
yp_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  YpWindow *self = YP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_SYNC_ENGINE: g_value_set_object (value, self->engine); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  YpWindow *self = YP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    case PROP_SYNC_ENGINE: self->engine = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_window_class_init (YpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = yp_window_constructed;
  object_class->dispose = yp_window_dispose;
  object_class->get_property = yp_window_get_property;
  object_class->set_property = yp_window_set_property;
  widget_class->map = yp_window_map;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SYNC_ENGINE] =
    g_param_spec_object ("sync-engine", NULL, NULL, YP_TYPE_SYNC_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_LIST_READY] =
    g_signal_new ("list-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  g_type_ensure (YP_TYPE_CLIENT_ROW);

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/yp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, YpWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, list_scroller);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, view_button);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, main_menu_button);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, primary_menu);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, view_menu);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, sync_box);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, profile_bin);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, client_bin);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, sync_label);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, sync_icon);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, notifications_button);
  gtk_widget_class_bind_template_child (widget_class, YpWindow, notifications_count);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_stop);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_list_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_row_setup);
  gtk_widget_class_bind_template_callback (widget_class, on_row_bind);
  gtk_widget_class_bind_template_callback (widget_class, on_row_unbind);
  gtk_widget_class_bind_template_callback (widget_class, on_search_key_pressed);

  gtk_widget_class_install_action (widget_class, "win.new-client", NULL, new_client_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.show-list", NULL, show_list_action);
  gtk_widget_class_install_action (widget_class, "win.mark-notifications-read", NULL,
                                   mark_notifications_read_action);
  gtk_widget_class_install_action (widget_class, "win.show-help-overlay", NULL,
                                   show_shortcuts_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_question, GDK_CONTROL_MASK,
                                       "win.show-help-overlay", NULL);
  gtk_widget_class_install_action (widget_class, "win.add-demo-clients", NULL,
                                   add_demo_clients_action);
  gtk_widget_class_install_action (widget_class, "win.sign-in", NULL, sign_in_action);
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "win.sync-now", NULL, sync_now_action);
  gtk_widget_class_install_action (widget_class, "win.sync-status", NULL, sync_status_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_S,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.sync-now", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.new-client", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK,
                                       "win.filter", "s", "today");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK,
                                       "win.filter", "s", "mine");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_CONTROL_MASK,
                                       "win.filter", "s", "all");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_CONTROL_MASK,
                                       "win.filter", "s", "candidates");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_5, GDK_CONTROL_MASK,
                                       "win.filter", "s", "ended");
}

static void
yp_window_init (YpWindow *self)
{
  self->list_state = "list";
  gtk_widget_init_template (GTK_WIDGET (self));
}

YpWindow *
yp_window_new (GtkApplication *application,
               YpStore        *store)
{
  return g_object_new (YP_TYPE_WINDOW, "application", application, "store", store, NULL);
}

