/* yp-plan.h — the shared plan: entries, agreed versions and their comparison. No GTK. */
#pragma once

#include "yp-store.h"

G_BEGIN_DECLS

typedef enum
{
  YP_PLAN_CHANGE_ADDED,
  YP_PLAN_CHANGE_REMOVED,
  YP_PLAN_CHANGE_CHANGED,
} YpPlanChangeKind;

/* One difference between two plan versions. old/new are plan_entry records (NULL for an
 * added entry's old and a removed entry's new); fields names what changed. */
typedef struct
{
  YpPlanChangeKind kind;
  YpRecord        *old_entry;
  YpRecord        *new_entry;
  GStrv            fields;
} YpPlanChange;

void yp_plan_change_free (YpPlanChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (YpPlanChange, yp_plan_change_free)

/* The client's plan entries, by section (goal, resource, need, action), then position. */
GPtrArray *yp_plan_list_entries   (YpStore    *store,
                                   const char *client_id,
                                   GError    **error);
/* Adds an entry at the end of its section; an action starts "planned". Returns the new row. */
YpRecord  *yp_plan_add_entry      (YpStore    *store,
                                   const char *client_id,
                                   const char *section,
                                   const char *text,
                                   GError    **error);
/* Sets one field of an entry from text ("" clears an optional field; the date as
 * YYYY-MM-DD; hidden_need as "0"/"1"). An ordinary store write with its outbox entry. */
gboolean   yp_plan_set_entry_field (YpStore    *store,
                                    const char *entry_id,
                                    const char *field,
                                    const char *value,
                                    GError    **error);
/* Removes an entry (a tombstone that syncs). */
gboolean   yp_plan_remove_entry   (YpStore    *store,
                                   const char *entry_id,
                                   GError    **error);
/* Sets the client's next review date (YYYY-MM-DD, NULL clears). */
gboolean   yp_plan_set_review_date (YpStore    *store,
                                    const char *client_id,
                                    const char *review_on,
                                    GError    **error);

/* "Agreed with the client": an immutable plan_version with the current entries as a JSON
 * snapshot, how it was agreed (in_person, phone, written), by me, now; the client's
 * review_due becomes @review_on. Needs the local profile. Returns the version. */
YpRecord  *yp_plan_agree          (YpStore    *store,
                                   const char *client_id,
                                   const char *method,
                                   const char *review_on,
                                   GError    **error);
/* The client's agreed versions, newest first. */
GPtrArray *yp_plan_list_versions  (YpStore    *store,
                                   const char *client_id,
                                   GError    **error);
/* The plan_entry records of a version's snapshot, in plan order. */
GPtrArray *yp_plan_snapshot_entries (const char *snapshot,
                                     GError    **error);
/* What changed from @older to @newer (snapshots): YpPlanChange, in the newer plan's order,
 * removed entries last. */
GPtrArray *yp_plan_compare        (const char *older_snapshot,
                                   const char *newer_snapshot,
                                   GError    **error);

/* TRUE when @review_due (YYYY-MM-DD) is before today. */
gboolean   yp_plan_review_is_overdue (const char *review_due);

G_END_DECLS
