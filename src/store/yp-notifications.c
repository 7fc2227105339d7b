/* yp-notifications.c — the signed-in professional's notifications. */
#define G_LOG_DOMAIN "yp-notifications"

#include "config.h"

#include "yp-notifications.h"
#include "yp-util.h"

#define MAX_UNREAD_COUNTED 200

GPtrArray *
yp_notifications_list_mine (YpStore  *store,
                            guint     limit,
                            GError  **error)
{
  const char *me = yp_store_get_me_id (store);
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *mine;

  g_return_val_if_fail (YP_IS_STORE (store), NULL);

  mine = g_ptr_array_new_with_free_func ((GDestroyNotify) yp_record_unref);
  if (me == NULL)
    return mine;
  rows = yp_store_list_where (store, yp_schema_lookup ("notification"), "recipient_id", me,
                              "created_at", TRUE, limit, error);
  if (rows == NULL)
    {
      g_ptr_array_unref (mine);
      return NULL;
    }
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (yp_record_get_string (rows->pdata[i], "recipient_kind"), "professional") == 0)
      g_ptr_array_add (mine, yp_record_ref (rows->pdata[i]));
  return mine;
}

guint
yp_notifications_count_unread (YpStore *store)
{
  g_autoptr(GPtrArray) rows = yp_notifications_list_mine (store, MAX_UNREAD_COUNTED, NULL);
  guint n = 0;

  for (guint i = 0; rows && i < rows->len; i++)
    if (yp_record_is_null (rows->pdata[i], "read_at"))
      n++;
  return n;
}

gboolean
yp_notifications_mark_read (YpStore     *store,
                            const char  *notification_id,
                            GError     **error)
{
  g_autoptr(YpRecord) change = yp_record_new (yp_schema_lookup ("notification"));
  g_autofree char *now = yp_now_iso8601 ();

  g_return_val_if_fail (YP_IS_STORE (store), FALSE);
  g_return_val_if_fail (notification_id != NULL, FALSE);

  yp_record_set_string (change, "id", notification_id);
  yp_record_set_string (change, "read_at", now);
  return yp_store_update (store, change, error);
}

gboolean
yp_notifications_mark_all_read (YpStore  *store,
                                GError  **error)
{
  g_autoptr(GPtrArray) rows = yp_notifications_list_mine (store, 0, error);

  if (rows == NULL)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    if (yp_record_is_null (rows->pdata[i], "read_at") &&
        !yp_notifications_mark_read (store, yp_record_get_id (rows->pdata[i]), error))
      return FALSE;
  return TRUE;
}
