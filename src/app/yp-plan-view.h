/* yp-plan-view.h — the shared plan, made with the client. */
#pragma once

#include <adwaita.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_TYPE_PLAN_VIEW (yp_plan_view_get_type ())
G_DECLARE_FINAL_TYPE (YpPlanView, yp_plan_view, YP, PLAN_VIEW, GtkWidget)

GtkWidget        *yp_plan_view_new               (YpStore *store);
void              yp_plan_view_set_client_id     (YpPlanView *self,
                                                  const char *client_id);
const char       *yp_plan_view_get_client_id     (YpPlanView *self);
/* The list of a section's rows (goal, resource, need, action); its last row adds an entry. */
GtkListBox       *yp_plan_view_get_section_list  (YpPlanView *self,
                                                  const char *section);
/* The open "Agreed with the client" dialog, or NULL. */
AdwMessageDialog *yp_plan_view_get_agree_dialog  (YpPlanView *self);
GtkListBox       *yp_plan_view_get_versions_list (YpPlanView *self);
GtkListBox       *yp_plan_view_get_changes_list  (YpPlanView *self);
/* The review line as shown, e.g. "Review overdue since 1.2.2026". */
const char       *yp_plan_view_get_review_text   (YpPlanView *self);

G_END_DECLS
