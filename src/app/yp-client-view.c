/* yp-client-view.c — the client's header and the pages of the guidance space.
 *
 * Every page but the basic details is a widget with a "store" and a "client-id" property
 * (see the page table below). A page is built the first time it is shown, so opening a
 * client costs only the page the nurse is looking at; built pages follow the chosen client.
 */
#define G_LOG_DOMAIN "yp-client-view"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-resources.h"
#include "yp-client-editor.h"
#include "yp-client-view.h"
#include "yp-follow-ups-view.h"
#include "yp-messages-view.h"
#include "yp-participants-view.h"
#include "yp-participants.h"
#include "yp-plan-view.h"
#include "yp-stage-map-view.h"
#include "yp-util.h"

typedef struct
{
  const char *name;
  const char *title;      /* translatable, N_() */
  const char *icon_name;
  GtkWidget *(*create) (YpStore *store);
} PageInfo;

/* The pages after "details", in the order of ui.md (Alt+2 … Alt+6). */
static const PageInfo page_infos[] = {
  { "stage-map", N_("Stage map"), "mark-location-symbolic", yp_stage_map_view_new },
  { "plan", N_("Plan"), "view-list-bullet-symbolic", yp_plan_view_new },
  { "participants", N_("Participants"), "system-users-symbolic", yp_participants_view_new },
  { "follow-ups", N_("Follow-up"), "x-office-calendar-symbolic", yp_follow_ups_view_new },
  { "messages", N_("Messages"), "mail-unread-symbolic", yp_messages_view_new },
};

#define N_PAGES (G_N_ELEMENTS (page_infos))

struct _YpClientView
{
  GtkWidget       parent_instance;

  /* template */
  GtkStack       *content_stack;
  AdwViewSwitcherTitle *title;
  GtkButton      *back_button;

  /* borrowed: made with the first client (ensure_pages()) */
  AdwViewStack   *pages;
  AdwBin         *details_bin;

  /* owned */
  YpStore        *store;
  char           *client_id;
  YpClientEditor *editor;

  /* borrowed: the page bins in the view stack, and the page in each once built */
  AdwBin         *page_bins[N_PAGES + 1];
  GtkWidget      *page_widgets[N_PAGES + 1];

  gboolean        folded;
};

G_DEFINE_FINAL_TYPE (YpClientView, yp_client_view, GTK_TYPE_WIDGET)


enum { PROP_0, PROP_STORE, PROP_CLIENT_ID, PROP_FOLDED, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
update_header (YpClientView *self)
{
  g_autoptr(YpRecord) client = NULL;
  g_autoptr(YpRecord) responsible = NULL;
  g_autoptr(GString) subtitle = g_string_new (NULL);
  g_autofree char *name = NULL;
  const char *responsible_id;
  gint64 stage;

  if (self->client_id == NULL)
    return;
  client = yp_store_get (self->store, yp_schema_lookup ("client"), self->client_id, NULL);
  if (client == NULL)
    return;

  name = g_strdup_printf ("%s %s", yp_record_get_string (client, "first_name"),
                          yp_record_get_string (client, "last_name"));
  adw_view_switcher_title_set_title (self->title, name);

  responsible_id = yp_record_get_string (client, "responsible_id");
  if (responsible_id != NULL)
    responsible = yp_store_get (self->store, yp_schema_lookup ("professional"), responsible_id,
                                NULL);
  if (responsible != NULL)
    /* Translators: in the client's header, e.g. "responsible worker: Sari Koskinen" */
    g_string_append_printf (subtitle, _("responsible worker: %s"),
                            yp_record_get_string (responsible, "name"));
  stage = yp_record_get_int (client, "stage");
  if (stage > 0)
    {
      if (subtitle->len > 0)
        g_string_append (subtitle, " · ");
      g_string_append_printf (subtitle, _("Phase %d/7"), (int) stage);
    }
  adw_view_switcher_title_set_subtitle (self->title, subtitle->str);
}

/* A third-sector supporter sees only the pages their role allows (the store enforces the same
 * rule on what those pages list). */
static void
update_page_visibility (YpClientView *self)
{
  const char *visible = adw_view_stack_get_visible_child_name (self->pages);
  GtkWidget *details = adw_view_stack_get_child_by_name (self->pages, "details");

  adw_view_stack_page_set_visible (adw_view_stack_get_page (self->pages, details),
                                   yp_participants_may_use_page (self->store, self->client_id,
                                                                 "details"));
  for (guint i = 0; i < N_PAGES; i++)
    if (self->page_bins[i] != NULL)
      adw_view_stack_page_set_visible (adw_view_stack_get_page (self->pages,
                                                                GTK_WIDGET (self->page_bins[i])),
                                       yp_participants_may_use_page (self->store, self->client_id,
                                                                     page_infos[i].name));
  if (visible != NULL && !yp_participants_may_use_page (self->store, self->client_id, visible))
    adw_view_stack_set_visible_child_name (self->pages, "stage-map");
}

static void
on_store_changed (YpStore      *store,
                  const char   *table,
                  const char   *id,
                  YpClientView *self)
{
  if (self->client_id != NULL && g_strcmp0 (id, self->client_id) == 0)
    update_header (self);
}

static void on_visible_page_changed (AdwViewStack *pages,
                                     GParamSpec   *pspec,
                                     YpClientView *self);

/* The "client" page of the content stack: the view stack with the basic details (and the
 * other pages, added by yp_client_view_set_client_id()), and the switcher bar under it. Made
 * when first needed: until a client is chosen the pane shows only its status page, and an
 * AdwViewSwitcherTitle with a stack measures its page buttons, in a font of their own, even
 * while it shows no switcher. */
static void
ensure_pages (YpClientView *self)
{
  GtkWidget *box, *scroller, *clamp, *bar;
  AdwViewStackPage *page;

  if (self->pages != NULL)
    return;

  self->details_bin = ADW_BIN (adw_bin_new ());
  clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 720);
  gtk_widget_set_margin_top (clamp, 24);
  gtk_widget_set_margin_bottom (clamp, 24);
  gtk_widget_set_margin_start (clamp, 12);
  gtk_widget_set_margin_end (clamp, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), GTK_WIDGET (self->details_bin));
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);

  self->pages = ADW_VIEW_STACK (adw_view_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->pages), TRUE);
  page = adw_view_stack_add_titled (self->pages, scroller, "details", _("Basic details"));
  adw_view_stack_page_set_icon_name (page, "contact-new-symbolic");

  bar = adw_view_switcher_bar_new ();
  adw_view_switcher_bar_set_stack (ADW_VIEW_SWITCHER_BAR (bar), self->pages);
  g_object_bind_property (self->title, "title-visible", bar, "reveal", G_BINDING_SYNC_CREATE);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->pages));
  gtk_box_append (GTK_BOX (box), bar);
  gtk_stack_add_named (self->content_stack, box, "client");
  adw_view_switcher_title_set_stack (self->title, self->pages);
  g_signal_connect_object (self->pages, "notify::visible-child-name",
                           G_CALLBACK (on_visible_page_changed), self, 0);
}

void
yp_client_view_set_client_id (YpClientView *self,
                              const char   *client_id)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (YP_IS_CLIENT_VIEW (self));

  if (g_strcmp0 (client_id, self->client_id) == 0)
    return;
  g_free (self->client_id);
  self->client_id = g_strdup (client_id);

  if (client_id != NULL && self->editor == NULL)
    {
      /* Built when the first client is opened: a start-up shows only the list. The other
       * pages get an empty bin each now, and their content when first shown. */
      ensure_pages (self);
      self->editor = YP_CLIENT_EDITOR (yp_client_editor_new (self->store));
      adw_bin_set_child (self->details_bin, GTK_WIDGET (self->editor));
      for (guint i = 0; i < N_PAGES; i++)
        {
          AdwViewStackPage *page;

          self->page_bins[i] = ADW_BIN (adw_bin_new ());
          page = adw_view_stack_add_titled (self->pages, GTK_WIDGET (self->page_bins[i]),
                                            page_infos[i].name, _(page_infos[i].title));
          adw_view_stack_page_set_icon_name (page, page_infos[i].icon_name);
        }
    }

  if (client_id != NULL)
    {
      /* Finnish law: who saw which client's data, and when. */
      if (!yp_store_log_client_view (self->store, client_id, &error))
        g_warning ("Could not write the access log: %s", error->message);
      yp_client_editor_set_client_id (self->editor, client_id);
      for (guint i = 0; i < N_PAGES; i++)
        if (self->page_widgets[i] != NULL)
          g_object_set (self->page_widgets[i], "client-id", client_id, NULL);
      update_header (self);
      update_page_visibility (self);
      /* The page stays: a nurse going through her follow-ups keeps seeing follow-ups. */
      gtk_stack_set_visible_child_name (self->content_stack, "client");
    }
  else
    {
      adw_view_switcher_title_set_title (self->title, "");
      adw_view_switcher_title_set_subtitle (self->title, "");
      gtk_stack_set_visible_child_name (self->content_stack, "empty");
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ID]);
}

const char *
yp_client_view_get_client_id (YpClientView *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_VIEW (self), NULL);
  return self->client_id;
}

static int
page_index (const char *name)
{
  for (guint i = 0; i < N_PAGES; i++)
    if (g_strcmp0 (page_infos[i].name, name) == 0)
      return (int) i;
  return -1;
}

static void
ensure_page (YpClientView *self,
             int           i)
{
  if (i < 0 || self->page_widgets[i] != NULL || self->page_bins[i] == NULL)
    return;
  self->page_widgets[i] = page_infos[i].create (self->store);
  adw_bin_set_child (self->page_bins[i], self->page_widgets[i]);
  if (self->client_id != NULL)
    g_object_set (self->page_widgets[i], "client-id", self->client_id, NULL);
}

static void
on_visible_page_changed (AdwViewStack *pages,
                         GParamSpec   *pspec,
                         YpClientView *self)
{
  ensure_page (self, page_index (adw_view_stack_get_visible_child_name (pages)));
}

GtkWidget *
yp_client_view_get_page (YpClientView *self,
                         const char   *name)
{
  int i;

  g_return_val_if_fail (YP_IS_CLIENT_VIEW (self), NULL);

  i = page_index (name);
  if (i < 0)
    return NULL;
  ensure_page (self, i);
  return self->page_widgets[i];
}

void
yp_client_view_show_page (YpClientView *self,
                          const char   *name)
{
  g_return_if_fail (YP_IS_CLIENT_VIEW (self));
  ensure_pages (self);
  adw_view_stack_set_visible_child_name (self->pages, name);
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  YpClientView *self = YP_CLIENT_VIEW (widget);
  const char *name = g_variant_get_string (param, NULL);

  if (self->client_id != NULL)
    yp_client_view_show_page (self, name);
}

GtkWidget *
yp_client_view_get_editor (YpClientView *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_VIEW (self), NULL);
  return GTK_WIDGET (self->editor);
}

static void
yp_client_view_constructed (GObject *object)
{
  YpClientView *self = YP_CLIENT_VIEW (object);

  G_OBJECT_CLASS (yp_client_view_parent_class)->constructed (object);

  g_signal_connect_object (self->store, "changed", G_CALLBACK (on_store_changed), self, 0);
}

static void
yp_client_view_dispose (GObject *object)
{
  YpClientView *self = YP_CLIENT_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_CLIENT_VIEW);
  /* The template's root box is not a bound child, so dispose_template leaves it. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->store);
  g_clear_pointer (&self->client_id, g_free);

  G_OBJECT_CLASS (yp_client_view_parent_class)->dispose (object);
}

static void
yp_client_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  YpClientView *self = YP_CLIENT_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_CLIENT_ID: g_value_set_string (value, self->client_id); break;
    case PROP_FOLDED: g_value_set_boolean (value, self->folded); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_client_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  YpClientView *self = YP_CLIENT_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    case PROP_CLIENT_ID: yp_client_view_set_client_id (self, g_value_get_string (value)); break;
    case PROP_FOLDED:
      self->folded = g_value_get_boolean (value);
      gtk_widget_set_visible (GTK_WIDGET (self->back_button), self->folded);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_client_view_class_init (YpClientViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = yp_client_view_constructed;
  object_class->dispose = yp_client_view_dispose;
  object_class->get_property = yp_client_view_get_property;
  object_class->set_property = yp_client_view_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Set by the window from its leaflet: a back button is shown when the panes are folded. */
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/yp-client-view.ui");
  gtk_widget_class_bind_template_child (widget_class, YpClientView, content_stack);
  gtk_widget_class_bind_template_child (widget_class, YpClientView, title);
  gtk_widget_class_bind_template_child (widget_class, YpClientView, back_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_install_action (widget_class, "client.show-page", "s", show_page_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK,
                                       "client.show-page", "s", "details");
  for (guint i = 0; i < N_PAGES && i < 5; i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2 + i, GDK_ALT_MASK,
                                         "client.show-page", "s", page_infos[i].name);
}

static void
yp_client_view_init (YpClientView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
yp_client_view_new (YpStore *store)
{
  return g_object_new (YP_TYPE_CLIENT_VIEW, "store", store, NULL);
}
