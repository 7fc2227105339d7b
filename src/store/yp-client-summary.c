/* yp-client-summary.c — what one row of the client list shows. */
#define G_LOG_DOMAIN "yp-client-summary"

#include "config.h"

#include "yp-client-summary.h"
#include "yp-util.h"

struct _YpClientSummary
{
  GObject  parent_instance;

  gint64   rowid;
  char    *id;
  char    *display_name;
  char    *status;
  int      stage;
  char    *next_follow_up;
  char    *responsible_name;
  guint    pending_changes;
  gboolean is_demo;
  char    *review_due;
};

G_DEFINE_FINAL_TYPE (YpClientSummary, yp_client_summary, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_DISPLAY_NAME,
  PROP_STATUS,
  PROP_STAGE,
  PROP_NEXT_FOLLOW_UP,
  PROP_RESPONSIBLE_NAME,
  PROP_PENDING_CHANGES,
  PROP_IS_DEMO,
  PROP_FOLLOW_UP_DUE,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

static void
yp_client_summary_finalize (GObject *object)
{
  YpClientSummary *self = YP_CLIENT_SUMMARY (object);

  g_free (self->id);
  g_free (self->display_name);
  g_free (self->status);
  g_free (self->next_follow_up);
  g_free (self->responsible_name);
  g_free (self->review_due);
  G_OBJECT_CLASS (yp_client_summary_parent_class)->finalize (object);
}

static void
yp_client_summary_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  YpClientSummary *self = YP_CLIENT_SUMMARY (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_DISPLAY_NAME: g_value_set_string (value, self->display_name); break;
    case PROP_STATUS: g_value_set_string (value, self->status); break;
    case PROP_STAGE: g_value_set_int (value, self->stage); break;
    case PROP_NEXT_FOLLOW_UP: g_value_set_string (value, self->next_follow_up); break;
    case PROP_RESPONSIBLE_NAME: g_value_set_string (value, self->responsible_name); break;
    case PROP_PENDING_CHANGES: g_value_set_uint (value, self->pending_changes); break;
    case PROP_IS_DEMO: g_value_set_boolean (value, self->is_demo); break;
    case PROP_FOLLOW_UP_DUE:
      g_value_set_boolean (value, yp_client_summary_get_follow_up_due (self));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_client_summary_class_init (YpClientSummaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = yp_client_summary_finalize;
  object_class->get_property = yp_client_summary_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, ro);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, ro);
  properties[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, ro);
  properties[PROP_STAGE] = g_param_spec_int ("stage", NULL, NULL, 0, 7, 0, ro);
  properties[PROP_NEXT_FOLLOW_UP] = g_param_spec_string ("next-follow-up", NULL, NULL, NULL, ro);
  properties[PROP_RESPONSIBLE_NAME] =
    g_param_spec_string ("responsible-name", NULL, NULL, NULL, ro);
  properties[PROP_PENDING_CHANGES] =
    g_param_spec_uint ("pending-changes", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_IS_DEMO] = g_param_spec_boolean ("is-demo", NULL, NULL, FALSE, ro);
  properties[PROP_FOLLOW_UP_DUE] = g_param_spec_boolean ("follow-up-due", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
yp_client_summary_init (YpClientSummary *self)
{
}

YpClientSummary *
yp_client_summary_new (gint64      rowid,
                       const char *id,
                       const char *first_name,
                       const char *last_name,
                       const char *status,
                       int         stage,
                       const char *next_follow_up,
                       const char *responsible_name,
                       guint       pending_changes,
                       gboolean    is_demo)
{
  YpClientSummary *self = g_object_new (YP_TYPE_CLIENT_SUMMARY, NULL);

  self->rowid = rowid;
  self->id = g_strdup (id);
  self->display_name = g_strdup_printf ("%s %s", first_name ? first_name : "",
                                        last_name ? last_name : "");
  g_strstrip (self->display_name);
  self->status = g_strdup (status);
  self->stage = CLAMP (stage, 0, 7);
  self->next_follow_up = g_strdup (next_follow_up);
  self->responsible_name = g_strdup (responsible_name);
  self->pending_changes = pending_changes;
  self->is_demo = is_demo;
  return self;
}

gint64
yp_client_summary_get_rowid (YpClientSummary *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_SUMMARY (self), 0);
  return self->rowid;
}

const char *
yp_client_summary_get_id (YpClientSummary *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_SUMMARY (self), NULL);
  return self->id;
}

const char *
yp_client_summary_get_display_name (YpClientSummary *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_SUMMARY (self), NULL);
  return self->display_name;
}

const char *
yp_client_summary_get_status (YpClientSummary *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_SUMMARY (self), NULL);
  return self->status;
}

int
yp_client_summary_get_stage (YpClientSummary *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_SUMMARY (self), 0);
  return self->stage;
}

const char *
yp_client_summary_get_next_follow_up (YpClientSummary *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_SUMMARY (self), NULL);
  return self->next_follow_up;
}

const char *
yp_client_summary_get_responsible_name (YpClientSummary *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_SUMMARY (self), NULL);
  return self->responsible_name;
}

guint
yp_client_summary_get_pending_changes (YpClientSummary *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_SUMMARY (self), 0);
  return self->pending_changes;
}

gboolean
yp_client_summary_get_is_demo (YpClientSummary *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_SUMMARY (self), FALSE);
  return self->is_demo;
}

gboolean
yp_client_summary_get_follow_up_due (YpClientSummary *self)
{
  g_autofree char *today = NULL;

  g_return_val_if_fail (YP_IS_CLIENT_SUMMARY (self), FALSE);
  if (self->next_follow_up == NULL)
    return FALSE;
  today = yp_today_iso ();
  return g_strcmp0 (self->next_follow_up, today) <= 0;
}

void
yp_client_summary_set_review_due (YpClientSummary *self,
                                  const char      *review_due)
{
  g_return_if_fail (YP_IS_CLIENT_SUMMARY (self));
  g_free (self->review_due);
  self->review_due = g_strdup (review_due);
}

const char *
yp_client_summary_get_review_due (YpClientSummary *self)
{
  g_return_val_if_fail (YP_IS_CLIENT_SUMMARY (self), NULL);
  return self->review_due;
}

gboolean
yp_client_summary_get_review_overdue (YpClientSummary *self)
{
  g_autofree char *today = NULL;

  g_return_val_if_fail (YP_IS_CLIENT_SUMMARY (self), FALSE);
  if (self->review_due == NULL)
    return FALSE;
  today = yp_today_iso ();
  return g_strcmp0 (self->review_due, today) < 0;
}
