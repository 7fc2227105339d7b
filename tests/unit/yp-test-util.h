/* Helpers shared by the data-layer and integration tests: temporary databases and folders. */
#pragma once

#include "yp-store.h"

/* A new store on a fresh temporary file; the folder is removed by yp_test_cleanup(). */
YpStore  *yp_test_store_new        (char **out_dir);
/* Removes a temporary folder made by the helpers, recursively. */
void      yp_test_rm_rf            (const char *dir);
/* A client record with the given names (not yet inserted). */
YpRecord *yp_test_client_new       (const char *first_name,
                                    const char *last_name);
/* Runs the main loop until *flag is TRUE or @timeout_ms passes; FALSE on time-out. */
gboolean  yp_test_wait_for         (gboolean *flag,
                                    guint     timeout_ms);
/* How many times @needle occurs in @data, byte by byte: in a file (0 if it cannot be read),
 * or in every file under a folder. The "no trace stays" checks use these. */
guint     yp_test_count_in_bytes   (const char *data,
                                    gsize       n,
                                    const char *needle);
guint     yp_test_count_in_file    (const char *path,
                                    const char *needle);
guint     yp_test_count_in_tree    (const char *dir,
                                    const char *needle);
/* Runs one SQL statement on a separate connection to the same file and returns the first
 * column of the first row as text (or NULL). */
char     *yp_test_sql_text         (const char *path,
                                    const char *sql);
