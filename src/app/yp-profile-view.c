/* yp-profile-view.c — the first-run profile form. */
#define G_LOG_DOMAIN "yp-profile-view"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-resources.h"
#include "yp-profile-view.h"

struct _YpProfileView
{
  GtkWidget    parent_instance;

  /* template */
  AdwEntryRow *name_row;
  AdwEntryRow *title_row;
  AdwEntryRow *organization_row;
  GtkLabel    *error_label;
  GtkButton   *start_button;

  /* owned */
  YpStore     *store;
};

G_DEFINE_FINAL_TYPE (YpProfileView, yp_profile_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_STORE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_DONE, N_SIGNALS };
static guint signals[N_SIGNALS];

static char *
dup_stripped (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

gboolean
yp_profile_view_save (YpProfileView *self)
{
  g_autofree char *name = dup_stripped (self->name_row);
  g_autofree char *title = dup_stripped (self->title_row);
  g_autofree char *organization = dup_stripped (self->organization_row);
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (YP_IS_PROFILE_VIEW (self), FALSE);

  gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->organization_row), "error");
  if (*name == '\0' || *organization == '\0')
    {
      AdwEntryRow *missing = *name == '\0' ? self->name_row : self->organization_row;

      gtk_label_set_label (self->error_label,
                           *name == '\0' ? _("Write your name: other professionals and your "
                                             "clients will see it.")
                                         : _("Write the name of your organisation."));
      gtk_widget_add_css_class (GTK_WIDGET (missing), "error");
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (missing));
      return FALSE;
    }
  if (!yp_store_set_profile (self->store, name, *title ? title : NULL, organization, &error))
    {
      gtk_label_set_label (self->error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      return FALSE;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  g_signal_emit (self, signals[SIGNAL_DONE], 0);
  return TRUE;
}

static void
on_start_clicked (YpProfileView *self)
{
  yp_profile_view_save (self);
}

static void
yp_profile_view_dispose (GObject *object)
{
  YpProfileView *self = YP_PROFILE_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_PROFILE_VIEW);
  /* The template's root box is not a bound child, so dispose_template leaves it. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->store);

  G_OBJECT_CLASS (yp_profile_view_parent_class)->dispose (object);
}

static void
yp_profile_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  YpProfileView *self = YP_PROFILE_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_profile_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  YpProfileView *self = YP_PROFILE_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_profile_view_class_init (YpProfileViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = yp_profile_view_dispose;
  object_class->get_property = yp_profile_view_get_property;
  object_class->set_property = yp_profile_view_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/yp-profile-view.ui");
  gtk_widget_class_bind_template_child (widget_class, YpProfileView, name_row);
  gtk_widget_class_bind_template_child (widget_class, YpProfileView, title_row);
  gtk_widget_class_bind_template_child (widget_class, YpProfileView, organization_row);
  gtk_widget_class_bind_template_child (widget_class, YpProfileView, error_label);
  gtk_widget_class_bind_template_child (widget_class, YpProfileView, start_button);
  gtk_widget_class_bind_template_callback (widget_class, on_start_clicked);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
yp_profile_view_init (YpProfileView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
yp_profile_view_new (YpStore *store)
{
  return g_object_new (YP_TYPE_PROFILE_VIEW, "store", store, NULL);
}
