/* yp-client-view.c — the client's header and pages.
 *
 * The pages of the guidance space (stage map, plan, participants, follow-ups, messages) are
 * added to the view stack as they are built; the basic details page is the first.
 */
#define G_LOG_DOMAIN "yp-client-view"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-resources.h"
#include "yp-client-editor.h"
#include "yp-client-view.h"
#include "yp-util.h"

struct _YpClientView
{
  GtkWidget       parent_instance;

  /* template */
  GtkStack       *content_stack;
  AdwWindowTitle *title;
  AdwViewStack   *pages;
  AdwBin         *details_bin;
  GtkButton      *back_button;

  /* owned */
  YpStore        *store;
  char           *client_id;
  YpClientEditor *editor;

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
  adw_window_title_set_title (self->title, name);

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
  adw_window_title_set_subtitle (self->title, subtitle->str);
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
      /* Built when the first client is opened: a start-up shows only the list. */
      self->editor = YP_CLIENT_EDITOR (yp_client_editor_new (self->store));
      adw_bin_set_child (self->details_bin, GTK_WIDGET (self->editor));
    }

  if (client_id != NULL)
    {
      /* Finnish law: who saw which client's data, and when. */
      if (!yp_store_log_client_view (self->store, client_id, &error))
        g_warning ("Could not write the access log: %s", error->message);
      yp_client_editor_set_client_id (self->editor, client_id);
      update_header (self);
      gtk_stack_set_visible_child_name (self->content_stack, "client");
      adw_view_stack_set_visible_child_name (self->pages, "details");
    }
  else
    {
      adw_window_title_set_title (self->title, "");
      adw_window_title_set_subtitle (self->title, "");
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
  gtk_widget_class_bind_template_child (widget_class, YpClientView, pages);
  gtk_widget_class_bind_template_child (widget_class, YpClientView, details_bin);
  gtk_widget_class_bind_template_child (widget_class, YpClientView, back_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
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
