/* yp-stage-map-view.h — the client's phases as a path they can read. */
#pragma once

#include <adwaita.h>

#include "yp-store.h"

G_BEGIN_DECLS

#define YP_TYPE_STAGE_MAP_VIEW (yp_stage_map_view_get_type ())
G_DECLARE_FINAL_TYPE (YpStageMapView, yp_stage_map_view, YP, STAGE_MAP_VIEW, GtkWidget)

GtkWidget  *yp_stage_map_view_new             (YpStore *store);
void        yp_stage_map_view_set_client_id   (YpStageMapView *self,
                                               const char     *client_id);
const char *yp_stage_map_view_get_client_id   (YpStageMapView *self);
/* What a screen reader says for phase @i (0-based): name and status, e.g. "Phase 3 of 7:
 * Holistic assessment, current". NULL past the last phase. */
const char *yp_stage_map_view_get_phase_description (YpStageMapView *self,
                                                     guint           i);
/* The phase rows (AdwExpanderRow), for tests and keyboard focus. */
GtkWidget  *yp_stage_map_view_get_phase_row   (YpStageMapView *self,
                                               guint           i);

G_END_DECLS
