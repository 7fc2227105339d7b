/* yp-messages-view.c — the Messages page: conversation, compose box, draft. */
#define G_LOG_DOMAIN "yp-messages-view"

#include "config.h"

#include <glib/gi18n.h>

#include "yp-messages.h"
#include "yp-messages-view.h"
#include "yp-resources.h"
#include "yp-util.h"

#define DRAFT_DELAY_MS 500

struct _YpMessagesView
{
  GtkWidget             parent_instance;

  /* template */
  GtkLabel             *history_note;
  GtkStack             *stack;
  GtkScrolledWindow    *scroller;
  GtkBox               *conversation;
  GtkLabel             *error_label;
  GtkTextView          *compose_view;

  /* owned */
  YpStore              *store;
  char                 *client_id;
  GCancellable         *cancellable;
  GHashTable           *attachments;   /* attachment id → YpRecord, for "Open" */
  GtkFileChooserNative *chooser;
  guint                 draft_source;
  YpMessagesVisibility  visibility;
  gboolean              loading;       /* setting the buffer ourselves: not typing */
  gboolean              sending;
  gboolean              stick_to_end;  /* keep the newest message in sight */
};

G_DEFINE_FINAL_TYPE (YpMessagesView, yp_messages_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_STORE, PROP_CLIENT_ID, N_PROPS };
static GParamSpec *properties[N_PROPS];

static GtkTextBuffer *
get_buffer (YpMessagesView *self)
{
  return gtk_text_view_get_buffer (self->compose_view);
}

static char *
dup_compose_text (YpMessagesView *self)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (get_buffer (self), &start, &end);
  return gtk_text_buffer_get_text (get_buffer (self), &start, &end, FALSE);
}

static gboolean
text_is_blank (const char *text)
{
  for (const char *p = text; p && *p; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

static void
update_actions (YpMessagesView *self)
{
  gboolean can_post = self->client_id != NULL && !self->sending &&
                      self->visibility != YP_MESSAGES_VISIBLE_NONE;
  g_autofree char *text = dup_compose_text (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "messages.send",
                                 can_post && !text_is_blank (text));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "messages.attach", can_post);
}

static void
show_error (YpMessagesView *self,
            const char     *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* ---- draft ----------------------------------------------------------------------------- */

static void
save_draft_now (YpMessagesView *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_clear_handle_id (&self->draft_source, g_source_remove);
  if (self->client_id == NULL)
    return;
  text = dup_compose_text (self);
  if (!yp_messages_save_draft (self->store, self->client_id, text, &error))
    show_error (self, error->message);
}

static gboolean
draft_timeout_cb (gpointer data)
{
  YpMessagesView *self = data;

  self->draft_source = 0;
  save_draft_now (self);
  return G_SOURCE_REMOVE;
}

static void
on_buffer_changed (GtkTextBuffer  *buffer,
                   YpMessagesView *self)
{
  update_actions (self);
  if (self->loading || self->client_id == NULL)
    return;
  g_clear_handle_id (&self->draft_source, g_source_remove);
  self->draft_source = g_timeout_add (DRAFT_DELAY_MS, draft_timeout_cb, self);
}

static void
set_compose_text (YpMessagesView *self,
                  const char     *text)
{
  self->loading = TRUE;
  gtk_text_buffer_set_text (get_buffer (self), text ? text : "", -1);
  self->loading = FALSE;
  update_actions (self);
}

/* ---- the conversation ------------------------------------------------------------------ */

/* 23.11.2026 14.05, in local time. */
static char *
format_when (const char *iso)
{
  g_autoptr(GDateTime) dt = iso ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *day = NULL;
  g_autofree char *date = NULL;
  g_autofree char *time = NULL;

  if (dt == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (dt);
  day = g_date_time_format (local, "%Y-%m-%d");
  date = yp_date_format_fi (day);
  time = g_date_time_format (local, "%H.%M");
  return g_strdup_printf ("%s %s", date ? date : "", time);
}

static const char *
author_name (YpMessagesView *self,
             GHashTable     *names,
             const char     *id)
{
  const char *name;

  if (id == NULL)
    return _("Unknown sender");
  if ((name = g_hash_table_lookup (names, id)) == NULL)
    {
      g_autoptr(YpRecord) pro = yp_store_get (self->store, yp_schema_lookup ("professional"),
                                              id, NULL);

      name = pro ? yp_record_get_string (pro, "name") : NULL;
      g_hash_table_insert (names, g_strdup (id), g_strdup (name ? name : _("Unknown sender")));
      name = g_hash_table_lookup (names, id);
    }
  return name;
}

static GtkWidget *
new_label (const char *text,
           const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  if (css_class)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

/* A card with the author and time; the caller adds the content. */
static GtkWidget *
new_card (YpMessagesView *self,
          GHashTable     *names,
          const char     *author_id,
          const char     *created_at)
{
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *author = new_label (author_name (self, names, author_id), "heading");
  g_autofree char *when = format_when (created_at);
  GtkWidget *time = new_label (when, "dim-label");

  gtk_widget_add_css_class (card, "card");
  gtk_widget_add_css_class (card, "yp-message");
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);
  gtk_widget_set_margin_top (header, 10);
  gtk_widget_set_hexpand (author, TRUE);
  gtk_label_set_wrap (GTK_LABEL (time), FALSE);
  gtk_widget_add_css_class (time, "numeric");
  gtk_box_append (GTK_BOX (header), author);
  gtk_box_append (GTK_BOX (header), time);
  gtk_box_append (GTK_BOX (card), header);
  return card;
}

static GtkWidget *
new_attachment_row (YpMessagesView *self,
                    YpRecord       *attachment)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name ("mail-attachment-symbolic");
  const char *file_name = yp_record_get_string (attachment, "file_name");
  GtkWidget *name = new_label (file_name, "yp-attachment-name");
  g_autofree char *size_text = g_format_size (yp_record_get_int (attachment, "size"));
  GtkWidget *size = new_label (size_text, "dim-label");
  GtkWidget *open = gtk_button_new_with_mnemonic (_("_Open"));
  g_autofree char *open_label = g_strdup_printf (_("Open %s"), file_name ? file_name : "");

  gtk_widget_set_margin_start (row, 12);
  gtk_widget_set_margin_end (row, 12);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_wrap (GTK_LABEL (size), FALSE);
  gtk_widget_set_valign (open, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (open), "messages.open-attachment");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (open), "s", yp_record_get_id (attachment));
  gtk_accessible_update_property (GTK_ACCESSIBLE (open), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  open_label, -1);
  gtk_box_append (GTK_BOX (row), icon);
  gtk_box_append (GTK_BOX (row), name);
  gtk_box_append (GTK_BOX (row), size);
  gtk_box_append (GTK_BOX (row), open);
  g_hash_table_replace (self->attachments, g_strdup (yp_record_get_id (attachment)),
                        yp_record_ref (attachment));
  return row;
}

static void
card_add_bottom_space (GtkWidget *card)
{
  GtkWidget *space = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  gtk_widget_set_size_request (space, -1, 4);
  gtk_box_append (GTK_BOX (card), space);
}

static void
clear_conversation (YpMessagesView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;
  GtkWidget *child;

  /* Focus must not stay in a widget that is going away (a selectable label holding it
   * makes GTK 4.8 use it after it is freed): it goes to the compose box. */
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->conversation)))
    gtk_widget_grab_focus (GTK_WIDGET (self->compose_view));
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->conversation))) != NULL)
    gtk_box_remove (self->conversation, child);
  g_hash_table_remove_all (self->attachments);
}

static void
show_history_note (YpMessagesView *self,
                   const char     *from)
{
  g_autoptr(GDateTime) dt = from ? g_date_time_new_from_iso8601 (from, NULL) : NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *day = NULL;
  g_autofree char *date = NULL;
  g_autofree char *note = NULL;

  if (dt != NULL)
    {
      local = g_date_time_to_local (dt);
      day = g_date_time_format (local, "%Y-%m-%d");
      date = yp_date_format_fi (day);
      note = g_strdup_printf (_("You see messages from %s on, as the client agreed."), date);
    }
  gtk_label_set_label (self->history_note, note ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->history_note), note != NULL);
}

static void
reload (YpMessagesView *self)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) message_cards = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *from = NULL;

  clear_conversation (self);
  if (self->client_id == NULL)
    {
      self->visibility = YP_MESSAGES_VISIBLE_NONE;
      show_history_note (self, NULL);
      gtk_stack_set_visible_child_name (self->stack, "none");
      update_actions (self);
      return;
    }

  self->visibility = yp_messages_get_visibility (self->store, self->client_id, &from, &error);
  if (error == NULL && self->visibility != YP_MESSAGES_VISIBLE_NONE)
    items = yp_messages_list_visible (self->store, self->client_id, &error);
  if (error != NULL)
    show_error (self, error->message);
  show_history_note (self, self->visibility == YP_MESSAGES_VISIBLE_FROM_DATE ? from : NULL);

  for (guint i = 0; items && i < items->len; i++)
    {
      YpRecord *r = items->pdata[i];
      GtkWidget *card;

      if (g_str_equal (yp_record_get_entity (r)->name, "message"))
        {
          GtkWidget *body = new_label (yp_record_get_string (r, "body"), "yp-message-body");

          card = new_card (self, names, yp_record_get_string (r, "author_id"),
                           yp_record_get_string (r, "created_at"));
          gtk_label_set_selectable (GTK_LABEL (body), TRUE);
          gtk_widget_set_margin_start (body, 12);
          gtk_widget_set_margin_end (body, 12);
          gtk_box_append (GTK_BOX (card), body);
          card_add_bottom_space (card);
          g_hash_table_insert (message_cards, (gpointer) yp_record_get_id (r), card);
          gtk_box_append (self->conversation, card);
          continue;
        }

      /* An attachment goes under its message when that is shown; otherwise on its own, from
       * whoever shared it (attachments are never edited, so that is its creator). */
      card = g_hash_table_lookup (message_cards, yp_record_get_string (r, "message_id") ?: "");
      if (card != NULL)
        {
          GtkWidget *space = gtk_widget_get_last_child (card);

          gtk_box_insert_child_after (GTK_BOX (card), new_attachment_row (self, r),
                                      gtk_widget_get_prev_sibling (space));
          continue;
        }
      card = new_card (self, names, yp_record_get_string (r, "updated_by"),
                       yp_record_get_string (r, "created_at"));
      gtk_box_append (GTK_BOX (card), new_attachment_row (self, r));
      card_add_bottom_space (card);
      gtk_box_append (self->conversation, card);
    }

  if (self->visibility == YP_MESSAGES_VISIBLE_NONE)
    gtk_stack_set_visible_child_name (self->stack, "none");
  else if (items == NULL || items->len == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else
    gtk_stack_set_visible_child_name (self->stack, "list");
  self->stick_to_end = TRUE;
  update_actions (self);
}

static void
on_vadjustment_changed (GtkAdjustment  *adjustment,
                        YpMessagesView *self)
{
  if (self->stick_to_end)
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                          gtk_adjustment_get_page_size (adjustment));
}

static void
on_vadjustment_value_changed (GtkAdjustment  *adjustment,
                              YpMessagesView *self)
{
  self->stick_to_end = gtk_adjustment_get_value (adjustment) >=
                       gtk_adjustment_get_upper (adjustment) -
                       gtk_adjustment_get_page_size (adjustment) - 1;
}

static void
on_store_changed (YpStore        *store,
                  const char     *table,
                  const char     *id,
                  YpMessagesView *self)
{
  static const char * const tables[] =
    { "messages", "attachments", "participants", "professionals", NULL };

  if (self->client_id != NULL && table != NULL && g_strv_contains (tables, table))
    reload (self);
}

/* ---- sending --------------------------------------------------------------------------- */

typedef struct
{
  YpMessagesView *self;
  char           *text;
} PostContext;

static void
post_context_free (PostContext *ctx)
{
  g_object_unref (ctx->self);
  g_free (ctx->text);
  g_free (ctx);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PostContext, post_context_free)

static void
on_posted (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PostContext) ctx = user_data;
  YpMessagesView *self = ctx->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *now = NULL;

  if (!yp_messages_post_finish (YP_STORE (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->sending = FALSE;
  if (error != NULL)
    {
      /* The text stays in the box (and in the draft): nothing typed is lost. */
      show_error (self, error->message);
      update_actions (self);
      return;
    }
  show_error (self, NULL);
  now = dup_compose_text (self);
  if (g_strcmp0 (now, ctx->text) == 0)
    {
      g_clear_handle_id (&self->draft_source, g_source_remove);
      set_compose_text (self, "");
      yp_messages_clear_draft (self->store, self->client_id, NULL);
    }
  else
    save_draft_now (self); /* typed more while it was being sent */
  update_actions (self);
}

static void
post (YpMessagesView *self,
      GFile          *file)
{
  PostContext *ctx;

  if (self->client_id == NULL || self->sending ||
      self->visibility == YP_MESSAGES_VISIBLE_NONE)
    return;
  ctx = g_new0 (PostContext, 1);
  ctx->self = g_object_ref (self);
  ctx->text = dup_compose_text (self);
  /* The draft on disk matches the box before anything leaves it. */
  save_draft_now (self);
  self->sending = TRUE;
  update_actions (self);
  yp_messages_post_async (self->store, self->client_id, ctx->text, file, self->cancellable,
                          on_posted, ctx);
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  YpMessagesView *self = YP_MESSAGES_VIEW (widget);
  g_autofree char *text = dup_compose_text (self);

  if (!text_is_blank (text))
    post (self, NULL);
}

void
yp_messages_view_attach_file (YpMessagesView *self,
                              GFile          *file)
{
  g_return_if_fail (YP_IS_MESSAGES_VIEW (self));
  g_return_if_fail (G_IS_FILE (file));

  post (self, file);
}

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     YpMessagesView  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        post (self, file);
    }
  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
}

static void
attach_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  YpMessagesView *self = YP_MESSAGES_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Attach a File"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Attach"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_exported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(YpMessagesView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = yp_messages_export_to_cache_finish (YP_STORE (source), result, &error);
  g_autofree char *uri = NULL;
  GtkRoot *root;

  if (file == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }
  uri = g_file_get_uri (file);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

static void
open_attachment_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  YpMessagesView *self = YP_MESSAGES_VIEW (widget);
  YpRecord *attachment = g_hash_table_lookup (self->attachments,
                                              g_variant_get_string (parameter, NULL));

  if (attachment == NULL)
    return;
  yp_messages_export_to_cache_async (self->store, attachment, self->cancellable, on_exported,
                                     g_object_ref (self));
}

/* ---- public ---------------------------------------------------------------------------- */

void
yp_messages_view_set_client_id (YpMessagesView *self,
                                const char     *client_id)
{
  g_autofree char *draft = NULL;

  g_return_if_fail (YP_IS_MESSAGES_VIEW (self));

  if (g_strcmp0 (client_id, self->client_id) == 0 && client_id != NULL)
    return;
  /* What was typed for the previous client is saved before switching. */
  if (self->draft_source != 0)
    save_draft_now (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->sending = FALSE;

  g_free (self->client_id);
  self->client_id = g_strdup (client_id);
  show_error (self, NULL);
  if (client_id != NULL)
    draft = yp_messages_load_draft (self->store, client_id);
  set_compose_text (self, draft);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ID]);
}

const char *
yp_messages_view_get_client_id (YpMessagesView *self)
{
  g_return_val_if_fail (YP_IS_MESSAGES_VIEW (self), NULL);
  return self->client_id;
}

const char *
yp_messages_view_get_error (YpMessagesView *self)
{
  g_return_val_if_fail (YP_IS_MESSAGES_VIEW (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_label (self->error_label);
}

const char *
yp_messages_view_get_history_note (YpMessagesView *self)
{
  g_return_val_if_fail (YP_IS_MESSAGES_VIEW (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->history_note)))
    return NULL;
  return gtk_label_get_label (self->history_note);
}

/* ---- GObject --------------------------------------------------------------------------- */

static void
yp_messages_view_constructed (GObject *object)
{
  YpMessagesView *self = YP_MESSAGES_VIEW (object);

  G_OBJECT_CLASS (yp_messages_view_parent_class)->constructed (object);
  g_signal_connect_object (self->store, "changed", G_CALLBACK (on_store_changed), self, 0);
  reload (self);
}

/* Opening the page puts the cursor in the compose box, rather than leaving GTK to focus (and
 * select) the first message's text. */
static void
yp_messages_view_map (GtkWidget *widget)
{
  YpMessagesView *self = YP_MESSAGES_VIEW (widget);

  GTK_WIDGET_CLASS (yp_messages_view_parent_class)->map (widget);
  if (self->visibility != YP_MESSAGES_VISIBLE_NONE)
    gtk_widget_grab_focus (GTK_WIDGET (self->compose_view));
}

static void
yp_messages_view_dispose (GObject *object)
{
  YpMessagesView *self = YP_MESSAGES_VIEW (object);
  GtkWidget *child;

  /* A pending draft is written, not dropped. */
  if (self->draft_source != 0 && self->store != NULL)
    save_draft_now (self);
  g_clear_handle_id (&self->draft_source, g_source_remove);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), YP_TYPE_MESSAGES_VIEW);
  /* The template's root box is not a bound child, so dispose_template leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (yp_messages_view_parent_class)->dispose (object);
}

static void
yp_messages_view_finalize (GObject *object)
{
  YpMessagesView *self = YP_MESSAGES_VIEW (object);

  g_free (self->client_id);
  g_hash_table_unref (self->attachments);

  G_OBJECT_CLASS (yp_messages_view_parent_class)->finalize (object);
}

static void
yp_messages_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  YpMessagesView *self = YP_MESSAGES_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_CLIENT_ID: g_value_set_string (value, self->client_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_messages_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  YpMessagesView *self = YP_MESSAGES_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    case PROP_CLIENT_ID: yp_messages_view_set_client_id (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
yp_messages_view_class_init (YpMessagesViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = yp_messages_view_constructed;
  object_class->dispose = yp_messages_view_dispose;
  object_class->finalize = yp_messages_view_finalize;
  object_class->get_property = yp_messages_view_get_property;
  object_class->set_property = yp_messages_view_set_property;
  widget_class->map = yp_messages_view_map;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, YP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "messages.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "messages.attach", NULL, attach_action);
  gtk_widget_class_install_action (widget_class, "messages.open-attachment", "s",
                                   open_attachment_action);

  yp_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/yp-messages-view.ui");
  gtk_widget_class_bind_template_child (widget_class, YpMessagesView, history_note);
  gtk_widget_class_bind_template_child (widget_class, YpMessagesView, stack);
  gtk_widget_class_bind_template_child (widget_class, YpMessagesView, scroller);
  gtk_widget_class_bind_template_child (widget_class, YpMessagesView, conversation);
  gtk_widget_class_bind_template_child (widget_class, YpMessagesView, error_label);
  gtk_widget_class_bind_template_child (widget_class, YpMessagesView, compose_view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
yp_messages_view_init (YpMessagesView *self)
{
  GtkAdjustment *vadjustment;

  self->attachments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) yp_record_unref);
  self->cancellable = g_cancellable_new ();
  self->stick_to_end = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (get_buffer (self), "changed", G_CALLBACK (on_buffer_changed), self);
  vadjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect (vadjustment, "changed", G_CALLBACK (on_vadjustment_changed), self);
  g_signal_connect (vadjustment, "value-changed", G_CALLBACK (on_vadjustment_value_changed),
                    self);
}

GtkWidget *
yp_messages_view_new (YpStore *store)
{
  g_return_val_if_fail (YP_IS_STORE (store), NULL);
  return g_object_new (YP_TYPE_MESSAGES_VIEW, "store", store, NULL);
}
