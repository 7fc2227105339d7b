/* yp-client-row.c — one row of the client list.
 *
 * Attention is never colour alone: every badge is words, and the row's accessible label says
 * all of it in one sentence.
 */
#define G_LOG_DOMAIN "yp-client-row"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-resources.h"
#include "yp-client-row.h"
#include "yp-util.h"

struct _YpClientRow
{
  GtkWidget        parent_instance;

  /* template */
  GtkLabel        *name_label;
  GtkLabel        *stage_label;
  GtkLabel        *attention_label;
  GtkLabel        *demo_label;

  /* owned */
  YpClientSummary *summary;
  char            *attention;
};

G_DEFINE_FINAL_TYPE (YpClientRow, yp_client_row, GTK_TYPE_WIDGET)

static char *
describe_attention (YpClientSummary *summary)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  const char *follow_up = yp_client_summary_get_next_follow_up (summary);
  guint pending = yp_client_summary_get_pending_changes (summary);

  if (g_strcmp0 (yp_client_summary_get_status (summary), "ended") == 0)
    g_ptr_array_add (parts, g_strdup (_("Client relationship ended")));
  else if (g_strcmp0 (yp_client_summary_get_status (summary), "candidate") == 0)
    g_ptr_array_add (parts, g_strdup (_("Candidate: meets the criteria")));

  if (follow_up != NULL && g_strcmp0 (yp_client_summary_get_status (summary), "ended") != 0)
    {
      g_autofree char *today = yp_today_iso ();
      g_autofree char *date = yp_date_format_fi (follow_up);
      int cmp = g_strcmp0 (follow_up, today);

      if (cmp < 0)
        g_ptr_array_add (parts, g_strdup_printf (_("Follow-up overdue since %s"), date));
      else if (cmp == 0)
        g_ptr_array_add (parts, g_strdup (_("Follow-up today")));
      else
        g_ptr_array_add (parts, g_strdup_printf (_("Next follow-up %s"), date));
    }

  if (pending > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u change waiting to sync",
                                                       "%u changes waiting to sync", pending),
                                             pending));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}

void
yp_client_row_set_summary (YpClientRow     *self,
                           YpClientSummary *summary)
{
  g_return_if_fail (YP_IS_CLIENT_ROW (self));
  g_return_if_fail (summary == NULL || YP_IS_CLIENT_SUMMARY (summary));

  if (!g_set_object (&self->summary, summary))
    return;

  g_clear_pointer (&self->attention, g_free);
  if (summary == NULL)
    {
      gtk_label_set_label (self->name_label, "");
      gtk_label_set_label (self->stage_label, "");
      gtk_label_set_label (self->attention_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->demo_label), FALSE);
      return;
    }

  {
    int stage = yp_client_summary_get_stage (summary);
    g_autofree char *stage_text = NULL;
    g_autofree char *stage_a11y = NULL;
    g_autofree char *a11y = NULL;
    gboolean due = yp_client_summary_get_follow_up_due (summary) &&
                   g_strcmp0 (yp_client_summary_get_status (summary), "ended") != 0;

    self->attention = describe_attention (summary);
    gtk_label_set_label (self->name_label, yp_client_summary_get_display_name (summary));
    if (stage > 0)
      {
        /* Translators: the client's current phase of the stage map, e.g. "4/7" */
        stage_text = g_strdup_printf (_("%d/7"), stage);
        stage_a11y = g_strdup_printf (_("Phase %d of 7"), stage);
      }
    gtk_label_set_label (self->stage_label, stage_text ? stage_text : "");
    gtk_widget_set_visible (GTK_WIDGET (self->stage_label), stage_text != NULL);
    gtk_label_set_label (self->attention_label, self->attention);
    gtk_widget_set_visible (GTK_WIDGET (self->attention_label), *self->attention != '\0');
    gtk_widget_set_visible (GTK_WIDGET (self->demo_label),
                            yp_client_summary_get_is_demo (summary));
    if (due)
      gtk_widget_add_css_class (GTK_WIDGET (self->attention_label), "warning");
    else
      gtk_widget_remove_css_class (GTK_WIDGET (self->attention_label), "warning");

    a11y = g_strjoin (". ", yp_client_summary_get_display_name (summary),
                      stage_a11y ? stage_a11y : "", self->attention, NULL);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  }
}

YpClientSummary *
yp_client_row_get_summary (YpClientRow *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_ROW (self), NULL);
  return self->summary;
}

const char *
yp_client_row_get_attention (YpClientRow *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_ROW (self), NULL);
  return self->attention ? self->attention : "";
}

static void
yp_client_row_dispose (GObject *object)
{
  YpClientRow *self = YP_CLIENT_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_CLIENT_ROW);
  /* The template's root box is not a bound child, so dispose_template leaves it. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->summary);
  g_clear_pointer (&self->attention, g_free);

  G_OBJECT_CLASS (yp_client_row_parent_class)->dispose (object);
}

static void
yp_client_row_class_init (YpClientRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = yp_client_row_dispose;

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/yp-client-row.ui");
  gtk_widget_class_bind_template_child (widget_class, YpClientRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, YpClientRow, stage_label);
  gtk_widget_class_bind_template_child (widget_class, YpClientRow, attention_label);
  gtk_widget_class_bind_template_child (widget_class, YpClientRow, demo_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "yp-client-row");
}

static void
yp_client_row_init (YpClientRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
yp_client_row_new (void)
{
  return g_object_new (YP_TYPE_CLIENT_ROW, NULL);
}
