/* yp-util.h — small helpers shared by the app, the store and the server. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new random (v4) UUID, lower case. */
char     *yp_uuid_new          (void);
gboolean  yp_uuid_is_valid     (const char *text);
/* Now, as ISO 8601 UTC with second precision: 2026-11-23T08:15:00Z. */
char     *yp_now_iso8601       (void);
/* Today in local time as YYYY-MM-DD. */
char     *yp_today_iso         (void);
gboolean  yp_date_is_valid     (const char *text);      /* YYYY-MM-DD, a real date */
gboolean  yp_datetime_is_valid (const char *text);      /* ISO 8601 with zone */
/* YYYY-MM-DD → 23.11.2026 (Finnish format, used in all three languages). */
char     *yp_date_format_fi    (const char *iso_date);
/* 23.11.2026 or 2026-11-23 → 2026-11-23; NULL if neither. */
char     *yp_date_parse_user   (const char *text);
/* Lower-cased, accents kept (ä, ö, å matter in Finnish sorting), spaces folded. */
char     *yp_fold_for_sort     (const char *text);

/* The case-set hash (architecture.md "Revocation"): the XOR of the SHA-256 of every client id
 * in a set, so the app and the server can tell cheaply whether they agree on which clients
 * this device holds. Start from zeroes, add each id once; the order does not matter. */
#define YP_CASE_SET_SIZE 32
void      yp_case_set_add      (guint8      acc[YP_CASE_SET_SIZE],
                                const char *client_id);
char     *yp_case_set_to_hex   (const guint8 acc[YP_CASE_SET_SIZE]);

G_END_DECLS
