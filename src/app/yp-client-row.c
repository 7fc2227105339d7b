/* yp-client-row.c — one row of the client list.
 *
 * Attention is never colour alone: every badge is words, and the row's accessible label says
 * all of it in one sentence.
 *
 * The row draws its text itself (one PangoLayout per piece, made when first drawn) instead of
 * holding labels. GtkListView keeps about 200 rows alive whatever the window shows, and with
 * four labels a row, building, styling and measuring those labels was most of the start-up
 * time (callgrind, see HACKING.md). Measuring this row needs only font metrics, and text is
 * shaped only for the rows that are drawn.
 */
#define G_LOG_DOMAIN "yp-client-row"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "yp-client-row.h"
#include "yp-util.h"

#define PAD_X       12
#define PAD_Y        8
#define LINE_GAP     2
#define BADGE_PAD_X  6
#define BADGE_GAP    6
#define CAPTION_SCALE 0.83

struct _YpClientRow
{
  GtkWidget        parent_instance;

  /* owned */
  YpClientSummary *summary;
  char            *name;
  char            *stage;       /* "4/7" or NULL */
  char            *attention;   /* "" when nothing needs attention */
  gboolean         is_demo;
  gboolean         due;         /* a follow-up is due today or overdue */

  /* made when first drawn; dropped when the text or the style changes */
  PangoLayout     *name_layout;
  PangoLayout     *stage_layout;
  PangoLayout     *demo_layout;
  PangoLayout     *attention_layout;
};

G_DEFINE_FINAL_TYPE (YpClientRow, yp_client_row, GTK_TYPE_WIDGET)

/* Today as 2026-11-23, asked from the clock at most once a second. GLib 2.74 reloads the
 * local time zone file on every g_date_time_new_now_local() when TZ is unset, and each row
 * needs today two or three times, so a screenful of rows read /etc/localtime about a hundred
 * times on the way to the first frame. */
static const char *
today_iso (void)
{
  static char today[16];
  static gint64 checked_at;
  gint64 now = g_get_monotonic_time ();

  if (today[0] == '\0' || now - checked_at >= G_USEC_PER_SEC)
    {
      g_autofree char *fresh = yp_today_iso ();

      g_strlcpy (today, fresh, sizeof today);
      checked_at = now;
    }
  return today;
}

/* The same tests as yp_client_summary_get_follow_up_due() and _get_review_overdue(), with
 * the cached date. */
static gboolean
follow_up_due (YpClientSummary *summary)
{
  const char *follow_up = yp_client_summary_get_next_follow_up (summary);

  return follow_up != NULL && strcmp (follow_up, today_iso ()) <= 0;
}

static gboolean
review_overdue (YpClientSummary *summary)
{
  const char *review_due = yp_client_summary_get_review_due (summary);

  return review_due != NULL && strcmp (review_due, today_iso ()) < 0;
}

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
      const char *today = today_iso ();
      g_autofree char *date = yp_date_format_fi (follow_up);
      int cmp = g_strcmp0 (follow_up, today);

      if (cmp < 0)
        g_ptr_array_add (parts, g_strdup_printf (_("Follow-up overdue since %s"), date));
      else if (cmp == 0)
        g_ptr_array_add (parts, g_strdup (_("Follow-up today")));
      else
        g_ptr_array_add (parts, g_strdup_printf (_("Next follow-up %s"), date));
    }

  if (review_overdue (summary) &&
      g_strcmp0 (yp_client_summary_get_status (summary), "ended") != 0)
    {
      g_autofree char *date = yp_date_format_fi (yp_client_summary_get_review_due (summary));

      /* Translators: the shared plan's review date has passed; %s is a date like 23.11.2026 */
      g_ptr_array_add (parts, g_strdup_printf (_("Plan review overdue since %s"), date));
    }

  if (pending > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u change waiting to sync",
                                                       "%u changes waiting to sync", pending),
                                             pending));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}

static void
drop_layouts (YpClientRow *self)
{
  g_clear_object (&self->name_layout);
  g_clear_object (&self->stage_layout);
  g_clear_object (&self->demo_layout);
  g_clear_object (&self->attention_layout);
}

static PangoFontDescription *
dup_font (GtkWidget *widget,
          gboolean   caption,
          gboolean   bold)
{
  PangoContext *context = gtk_widget_get_pango_context (widget);
  PangoFontDescription *font = pango_font_description_copy (pango_context_get_font_description (context));

  if (caption)
    {
      int size = pango_font_description_get_size (font);

      if (pango_font_description_get_size_is_absolute (font))
        pango_font_description_set_absolute_size (font, size * CAPTION_SCALE);
      else
        pango_font_description_set_size (font, (int) (size * CAPTION_SCALE));
    }
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  return font;
}

static PangoLayout *
make_layout (YpClientRow *self,
             const char  *text,
             gboolean     caption,
             gboolean     bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoFontDescription *font = dup_font (GTK_WIDGET (self), caption, bold);

  pango_layout_set_font_description (layout, font);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  pango_font_description_free (font);
  return layout;
}

/* Line heights from font metrics alone: no text is shaped to measure a row. Asking Pango for
 * metrics shapes sample text, so the answer is kept per font (all rows share one or two). */
static int
line_height (GtkWidget *widget,
             gboolean   caption)
{
  static GHashTable *cache = NULL;   /* PangoFontDescription → height in pixels */
  PangoFontDescription *font = dup_font (widget, caption, !caption);
  gpointer cached;
  int height;

  if (cache == NULL)
    cache = g_hash_table_new_full ((GHashFunc) pango_font_description_hash,
                                   (GEqualFunc) pango_font_description_equal,
                                   (GDestroyNotify) pango_font_description_free, NULL);
  if (g_hash_table_lookup_extended (cache, font, NULL, &cached))
    {
      pango_font_description_free (font);
      return GPOINTER_TO_INT (cached);
    }
  {
    PangoContext *context = gtk_widget_get_pango_context (widget);
    PangoFontMetrics *metrics = pango_context_get_metrics (context, font, NULL);

    height = pango_font_metrics_get_height (metrics);
    if (height <= 0)
      height = pango_font_metrics_get_ascent (metrics) + pango_font_metrics_get_descent (metrics);
    pango_font_metrics_unref (metrics);
  }
  height = PANGO_PIXELS_CEIL (height);
  g_hash_table_insert (cache, font, GINT_TO_POINTER (height));
  return height;
}

static void
yp_client_row_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* Names are ellipsized: any width will do. */
      *minimum = 2 * PAD_X;
      *natural = 300;
      return;
    }
  /* Every row has room for the attention line, so rows do not jump when it changes. */
  *minimum = *natural = yp_client_row_get_height_for (widget);
}

int
yp_client_row_get_height_for (GtkWidget *widget)
{
  g_return_val_if_fail (GTK_IS_WIDGET (widget), 0);
  return 2 * PAD_Y + line_height (widget, FALSE) + LINE_GAP + line_height (widget, TRUE);
}

static GdkRGBA
lookup_color (GtkWidget  *widget,
              const char *name,
              GdkRGBA     fallback)
{
  GdkRGBA color;

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, &color))
    color = fallback;
G_GNUC_END_IGNORE_DEPRECATIONS
  return color;
}

/* A pill-shaped badge ending at @right; returns its left edge. */
static int
draw_badge (GtkSnapshot   *snapshot,
            PangoLayout   *layout,
            int            right,
            int            center_y,
            const GdkRGBA *background,
            const GdkRGBA *foreground)
{
  int w, h;
  GskRoundedRect pill;
  graphene_rect_t bounds;

  pango_layout_get_pixel_size (layout, &w, &h);
  bounds = GRAPHENE_RECT_INIT (right - w - 2 * BADGE_PAD_X, center_y - h / 2.0,
                               w + 2 * BADGE_PAD_X, h);
  gsk_rounded_rect_init_from_rect (&pill, &bounds, h / 2.0);
  gtk_snapshot_push_rounded_clip (snapshot, &pill);
  gtk_snapshot_append_color (snapshot, background, &bounds);
  gtk_snapshot_pop (snapshot);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (bounds.origin.x + BADGE_PAD_X,
                                                          bounds.origin.y));
  gtk_snapshot_append_layout (snapshot, layout, foreground);
  gtk_snapshot_restore (snapshot);
  return (int) bounds.origin.x;
}

static void
yp_client_row_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  YpClientRow *self = YP_CLIENT_ROW (widget);
  int width = gtk_widget_get_width (widget);
  int name_h = line_height (GTK_WIDGET (self), FALSE);
  int right = width - PAD_X;
  GdkRGBA fg, badge_bg, stage_bg, dim, warning;

  if (self->name == NULL)
    return;

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
G_GNUC_END_IGNORE_DEPRECATIONS
  badge_bg = fg;
  badge_bg.alpha *= 0.1f;
  dim = fg;
  dim.alpha *= 0.55f;
  stage_bg = lookup_color (widget, "accent_bg_color", (GdkRGBA) { 0.21f, 0.52f, 0.89f, 1 });
  stage_bg.alpha = 0.15f;
  warning = lookup_color (widget, "warning_color", (GdkRGBA) { 0.61f, 0.43f, 0, 1 });

  if (self->stage != NULL)
    {
      if (self->stage_layout == NULL)
        self->stage_layout = make_layout (self, self->stage, TRUE, FALSE);
      right = draw_badge (snapshot, self->stage_layout, right, PAD_Y + name_h / 2, &stage_bg,
                          &fg) - BADGE_GAP;
    }
  if (self->is_demo)
    {
      if (self->demo_layout == NULL)
        self->demo_layout = make_layout (self, C_("badge", "demo"), TRUE, FALSE);
      right = draw_badge (snapshot, self->demo_layout, right, PAD_Y + name_h / 2, &badge_bg,
                          &fg) - BADGE_GAP;
    }

  if (self->name_layout == NULL)
    self->name_layout = make_layout (self, self->name, FALSE, TRUE);
  pango_layout_set_width (self->name_layout, MAX (0, right - PAD_X) * PANGO_SCALE);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (PAD_X, PAD_Y));
  gtk_snapshot_append_layout (snapshot, self->name_layout, &fg);
  gtk_snapshot_restore (snapshot);

  if (self->attention != NULL && *self->attention != '\0')
    {
      if (self->attention_layout == NULL)
        self->attention_layout = make_layout (self, self->attention, TRUE, FALSE);
      pango_layout_set_width (self->attention_layout, MAX (0, width - 2 * PAD_X) * PANGO_SCALE);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (PAD_X, PAD_Y + name_h + LINE_GAP));
      gtk_snapshot_append_layout (snapshot, self->attention_layout, self->due ? &warning : &dim);
      gtk_snapshot_restore (snapshot);
    }
}

static void
yp_client_row_css_changed (GtkWidget         *widget,
                           GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (yp_client_row_parent_class)->css_changed (widget, change);
  /* Font or colour may have changed (e.g. the row was selected, or the text scale). */
  drop_layouts (YP_CLIENT_ROW (widget));
  gtk_widget_queue_resize (widget);
}

void
yp_client_row_set_summary (YpClientRow     *self,
                           YpClientSummary *summary)
{
  g_return_if_fail (YP_IS_CLIENT_ROW (self));
  g_return_if_fail (summary == NULL || YP_IS_CLIENT_SUMMARY (summary));

  if (!g_set_object (&self->summary, summary))
    return;

  drop_layouts (self);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->stage, g_free);
  g_clear_pointer (&self->attention, g_free);
  self->is_demo = FALSE;
  self->due = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (summary == NULL)
    return;

  {
    int stage = yp_client_summary_get_stage (summary);
    g_autofree char *stage_a11y = NULL;
    g_autofree char *a11y = NULL;

    self->name = g_strdup (yp_client_summary_get_display_name (summary));
    self->attention = describe_attention (summary);
    self->is_demo = yp_client_summary_get_is_demo (summary);
    self->due = follow_up_due (summary) &&
                g_strcmp0 (yp_client_summary_get_status (summary), "ended") != 0;
    if (stage > 0)
      {
        /* Translators: the client's current phase of the stage map, e.g. "4/7" */
        self->stage = g_strdup_printf (_("%d/7"), stage);
        stage_a11y = g_strdup_printf (_("Phase %d of 7"), stage);
      }

    a11y = g_strjoin (". ", self->name, stage_a11y ? stage_a11y : "", self->attention, NULL);
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
yp_client_row_finalize (GObject *object)
{
  YpClientRow *self = YP_CLIENT_ROW (object);

  drop_layouts (self);
  g_clear_object (&self->summary);
  g_free (self->name);
  g_free (self->stage);
  g_free (self->attention);

  G_OBJECT_CLASS (yp_client_row_parent_class)->finalize (object);
}

static void
yp_client_row_class_init (YpClientRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = yp_client_row_finalize;
  widget_class->measure = yp_client_row_measure;
  widget_class->snapshot = yp_client_row_snapshot;
  widget_class->css_changed = yp_client_row_css_changed;
  gtk_widget_class_set_css_name (widget_class, "yp-client-row");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LIST_ITEM);
}

static void
yp_client_row_init (YpClientRow *self)
{
}

GtkWidget *
yp_client_row_new (void)
{
  return g_object_new (YP_TYPE_CLIENT_ROW, NULL);
}
