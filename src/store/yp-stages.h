/* yp-stages.h — stage templates (data) and a client's phases on the stage map. No GTK. */
#pragma once

#include "yp-store.h"

G_BEGIN_DECLS

/* A care model's phases, read from data/stage-templates/<name>.json (a GResource of the core
 * library): adding a care model is a data file, not code. Texts come in fi, sv and en because
 * they follow the client's language, not the UI's. */
typedef struct _YpStageTemplate YpStageTemplate;

/* The template @name ("default"), parsed once and kept; NULL with an error if missing. */
const YpStageTemplate *yp_stage_template_get          (const char *name,
                                                       GError    **error);
/* Parses a template from JSON text (for tests and future imports); free with _free. */
YpStageTemplate       *yp_stage_template_parse        (const char *json,
                                                       GError    **error);
void                   yp_stage_template_free         (YpStageTemplate *tmpl);
const char            *yp_stage_template_get_id       (const YpStageTemplate *tmpl);
/* The care model's name in @lang (fi, sv or en; others fall back to fi). */
const char            *yp_stage_template_get_title    (const YpStageTemplate *tmpl,
                                                       const char            *lang);
guint                  yp_stage_template_get_n_phases (const YpStageTemplate *tmpl);
/* Index of the phase with @key, or -1. */
int                    yp_stage_template_find         (const YpStageTemplate *tmpl,
                                                       const char            *key);
const char            *yp_stage_template_get_key      (const YpStageTemplate *tmpl,
                                                       guint                  i);
const char            *yp_stage_template_get_name     (const YpStageTemplate *tmpl,
                                                       guint                  i,
                                                       const char            *lang);
const char            *yp_stage_template_get_client_text (const YpStageTemplate *tmpl,
                                                          guint                  i,
                                                          const char            *lang);
const char            *yp_stage_template_get_professional_note (const YpStageTemplate *tmpl,
                                                                guint                  i,
                                                                const char            *lang);

/* The client's stage rows (YpRecord "stage"), in phase order. Made from @template_name (NULL:
 * "default") on first use: phases before the client's current stage number are done, that
 * one is current (the first one when the client has none yet), the rest upcoming. A row lost
 * half-way (a crash between inserts) is made again the next time. */
GPtrArray *yp_stages_ensure      (YpStore    *store,
                                  const char *client_id,
                                  const char *template_name,
                                  GError    **error);
/* The client's stage rows as they are (none made), in phase order. */
GPtrArray *yp_stages_list        (YpStore    *store,
                                  const char *client_id,
                                  GError    **error);
/* One action: the current phase becomes done (done_on today), the next upcoming one current
 * (started_on today), client.stage follows. The last phase is only marked done. FALSE with
 * an error when every phase is already done or skipped. */
gboolean   yp_stages_advance     (YpStore    *store,
                                  const char *client_id,
                                  GError    **error);
/* Sets one phase's status (upcoming, current, done, skipped). Making a phase current makes an
 * earlier current one done and a later one upcoming; client.stage follows. */
gboolean   yp_stages_set_status  (YpStore    *store,
                                  const char *stage_id,
                                  const char *status,
                                  GError    **error);
/* The phase's free note; NULL or "" clears it. */
gboolean   yp_stages_set_note    (YpStore    *store,
                                  const char *stage_id,
                                  const char *note,
                                  GError    **error);

G_END_DECLS
