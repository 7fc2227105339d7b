/* yp-bench-sync — first sync and polling figures against the real server (issue 5).
 *
 * Starts yhteispolku-server on 127.0.0.1 with a temporary database, fills it through its own
 * API with N fictional clients (a client, its seven phases, three plan entries, a follow-up
 * and a message each; fill_server says in which order they are made), then measures a fresh
 * laptop's first sync through the app's real sync engine into a real store, compares it with
 * copying the same rows straight into SQLite in one transaction, and finally times no-change
 * syncs in a bounded loop. Prints "name value" lines.
 * The first sync is measured --first-syncs times (5), each a new laptop in a folder of its own
 * with its own plain copy right after it, and the figures are the medians (the ratio's lowest
 * and highest are printed too): on a shared two-core machine one run moves by ±10 %.
 * Needs a session bus with an unlocked keyring (build-aux/bench provides one). YP_BENCH_KEEP=1
 * keeps the run's folder (server database, laptop store) and says where, for profiling.
 */
#define G_LOG_DOMAIN "yp-bench-sync"

#include "config.h"

#include <glib/gstdio.h>
#include <unistd.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>

#include "yp-store.h"
#include "yp-sync-engine.h"
#include "yp-util.h"

#define PASSWORD "bench-password-123"
#define BATCH 500
#define POLL_MAX_REQUESTS 2000
#define POLL_MAX_SECONDS 10

static const char *server_bin;
static guint n_clients = 10000;

static char *
run_admin (const char *db, const char *stdin_text, const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_ptr_array_add (argv, (gpointer) server_bin);
  g_ptr_array_add (argv, (gpointer) "--database");
  g_ptr_array_add (argv, (gpointer) db);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                            &error);
  if (proc == NULL || !g_subprocess_communicate_utf8 (proc, stdin_text, NULL, &out, NULL, &error)
      || g_subprocess_get_exit_status (proc) != 0)
    g_error ("yhteispolku-server %s failed: %s", args[0], error ? error->message : "exit status");
  return g_strdup (g_strstrip (out));
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
start_server (const char *db, guint *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  GSubprocess *server;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server = g_subprocess_launcher_spawn (launcher, &error, server_bin, "--database", db,
                                        "--listen", "127.0.0.1", "--port", "0", "serve", NULL);
  if (server == NULL)
    g_error ("Could not start the server: %s", error->message);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  if (line == NULL)
    g_error ("The server did not say its port");
  *port = (guint) g_ascii_strtoull (line, NULL, 10);
  return server;
}

static JsonNode *
post_json (SoupSession *session, const char *url, const char *token, JsonBuilder *body)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (body);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body_bytes = NULL;
  JsonParser *parser;
  JsonNode *result;
  char *text;
  gsize len;

  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  body_bytes = g_bytes_new_take (text, len);
  soup_message_set_request_body_from_bytes (msg, "application/json", body_bytes);
  if (token)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  if (reply == NULL || soup_message_get_status (msg) >= 300)
    g_error ("POST %s: %u %s", url, soup_message_get_status (msg),
             reply ? (const char *) g_bytes_get_data (reply, NULL) : error->message);
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL),
                                   g_bytes_get_size (reply), &error))
    g_error ("Bad JSON from the server: %s", error->message);
  result = json_node_copy (json_parser_get_root (parser));
  g_object_unref (parser);
  return result;
}

static void
add_insert (JsonBuilder *b, const char *entity, const char *row_id, const char *client_id,
            const char * const *kv)
{
  g_autofree char *mid = yp_uuid_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "mutation_id"); json_builder_add_string_value (b, mid);
  json_builder_set_member_name (b, "entity"); json_builder_add_string_value (b, entity);
  json_builder_set_member_name (b, "row_id"); json_builder_add_string_value (b, row_id);
  json_builder_set_member_name (b, "client_id"); json_builder_add_string_value (b, client_id);
  json_builder_set_member_name (b, "base_rev"); json_builder_add_int_value (b, 0);
  json_builder_set_member_name (b, "op"); json_builder_add_string_value (b, "insert");
  json_builder_set_member_name (b, "fields");
  json_builder_begin_object (b);
  for (guint i = 0; kv[i]; i += 2)
    {
      json_builder_set_member_name (b, kv[i]);
      if (g_str_equal (kv[i], "position"))
        json_builder_add_int_value (b, g_ascii_strtoll (kv[i + 1], NULL, 10));
      else
        json_builder_add_string_value (b, kv[i + 1]);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
}

/* Mutations on their way to the server, BATCH to a push. */
typedef struct
{
  SoupSession *session;
  const char  *url;
  const char  *token;
  JsonBuilder *b;
  guint        n;
} Batch;

static void
batch_flush (Batch *batch)
{
  g_autoptr(JsonNode) reply = NULL;

  if (batch->b == NULL)
    return;
  json_builder_end_array (batch->b);
  json_builder_end_object (batch->b);
  reply = post_json (batch->session, batch->url, batch->token, batch->b);
  g_clear_object (&batch->b);
  batch->n = 0;
}

static void
batch_add (Batch *batch, const char *entity, const char *row_id, const char *client_id,
           const char * const *kv)
{
  if (batch->b == NULL)
    {
      batch->b = json_builder_new ();
      json_builder_begin_object (batch->b);
      json_builder_set_member_name (batch->b, "cursor");
      json_builder_add_null_value (batch->b);
      json_builder_set_member_name (batch->b, "limit");
      json_builder_add_int_value (batch->b, 1);
      json_builder_set_member_name (batch->b, "mutations");
      json_builder_begin_array (batch->b);
    }
  add_insert (batch->b, entity, row_id, client_id, kv);
  if (++batch->n == BATCH)
    batch_flush (batch);
}

/* The clients in an order of their own (a fixed seed per @round). */
static guint *
shuffled (guint n, guint32 round)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (round);
  guint *order = g_new (guint, n);

  for (guint i = 0; i < n; i++)
    order[i] = i;
  for (guint i = n; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i), t = order[i - 1];

      order[i - 1] = order[j];
      order[j] = t;
    }
  return order;
}

/* Pushes the fictional clients as the owners' work would have, in batches; returns the row
 * count. A client comes with its stage map; its plan, follow-up and message come later, as
 * the work goes on, client after client in no particular order (as months of home visits
 * would): ids are time-ordered (yp_uuid_new), and rows made so are not in the id order in
 * which the server reads them client by client — the first sync's parts are built from data
 * as mixed as a real server's, not from rows made one client at a time. */
static guint
fill_server (SoupSession *session, const char *base, const char *token, const char *me)
{
  static const char *first[] = { "Aino", "Matti", "Helmi", "Väinö", "Bo", "Saara", "Onni" };
  static const char *last[] = { "Virtanen", "Mäkinen", "Lindqvist", "Nieminen", "Åkerlund" };
  static const char *phases[] = { "identification", "contact", "assessment", "plan",
                                  "implementation", "follow_up", "closing" };
  g_autofree char *url = g_strdup_printf ("%s/api/v1/sync", base);
  g_autofree char *now = yp_now_iso8601 ();
  g_auto(GStrv) cids = g_new0 (char *, n_clients + 1);
  Batch batch = { session, url, token, NULL, 0 };
  guint rows = 0;

  for (guint i = 0; i < n_clients; i++)
    {
      const char *kv[] = { "first_name", first[i % G_N_ELEMENTS (first)],
                           "last_name", last[(i / 7) % G_N_ELEMENTS (last)],
                           "language", "fi", "status", "active", "responsible_id", me, NULL };

      cids[i] = yp_uuid_new ();
      batch_add (&batch, "client", cids[i], cids[i], kv);
      rows++;
      for (guint p = 0; p < G_N_ELEMENTS (phases); p++)
        {
          g_autofree char *id = yp_uuid_new ();
          char pos[8];
          const char *stage[] = { "template", "default", "phase_key", phases[p],
                                  "position", pos, "status", p == 0 ? "current" : "upcoming",
                                  NULL };

          g_snprintf (pos, sizeof pos, "%u", p + 1);
          batch_add (&batch, "stage", id, cids[i], stage);
          rows++;
        }
    }
  for (guint round = 1; round <= 3; round++)
    {
      g_autofree guint *order = shuffled (n_clients, round);

      for (guint k = 0; k < n_clients; k++)
        {
          const char *cid = cids[order[k]];
          const char *goal[] = { "section", "goal", "text", "Haluan asua kotona", NULL };
          const char *res[] = { "section", "resource", "text", "Tytär käy viikoittain", NULL };
          const char *act[] = { "section", "action", "text", "Kotihoito aamuisin",
                                "action_status", "planned", NULL };
          const char *follow[] = { "kind", "phone", "due_on", "2026-12-01", NULL };
          const char *msg[] = { "author_id", me, "created_at", now,
                                "body", "Soitin asiakkaalle, kaikki hyvin.", NULL };
          g_autofree char *a = yp_uuid_new (), *b = NULL, *c = NULL;

          if (round == 1)
            {
              b = yp_uuid_new ();
              c = yp_uuid_new ();
              batch_add (&batch, "plan_entry", a, cid, goal);
              batch_add (&batch, "plan_entry", b, cid, res);
              batch_add (&batch, "plan_entry", c, cid, act);
              rows += 3;
            }
          else
            {
              batch_add (&batch, round == 2 ? "follow_up" : "message", a, cid,
                         round == 2 ? follow : msg);
              rows++;
            }
        }
    }
  batch_flush (&batch);
  return rows;
}

typedef struct { gboolean done; GAsyncResult *result; } Wait;

static void
wait_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  w->result = g_object_ref (result);
  w->done = TRUE;
}

static void
wait_for (Wait *w)
{
  gint64 deadline = g_get_monotonic_time () + 600 * G_USEC_PER_SEC;

  while (!w->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (!w->done)
    g_error ("Timed out");
}

static void
engine_sync (YpSyncEngine *engine)
{
  Wait w = { 0 };
  g_autoptr(GError) error = NULL;

  yp_sync_engine_sync_async (engine, NULL, wait_cb, &w);
  wait_for (&w);
  if (!yp_sync_engine_sync_finish (engine, w.result, &error))
    g_error ("Sync failed: %s", error->message);
  g_object_unref (w.result);
}

static const char *scoped_tables[] = {
  "clients", "participants", "stages", "plan_entries", "follow_ups", "messages",
  "consent_events", "notifications", NULL,
};

static guint
count_rows (const char *db_path)
{
  sqlite3 *db;
  guint total = 0;

  sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL);
  for (guint i = 0; scoped_tables[i]; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", scoped_tables[i]);
      sqlite3_stmt *st;

      if (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step (st) == SQLITE_ROW)
        total += (guint) sqlite3_column_int64 (st, 0);
      sqlite3_finalize (st);
    }
  sqlite3_close (db);
  return total;
}

/* The same rows inserted straight into a fresh store's tables in one transaction. */
static double
sqlite_copy_seconds (const char *from, const char *to)
{
  g_autoptr(YpStore) fresh = yp_store_open (to, NULL);
  sqlite3 *db;
  gint64 t0;
  char *attach = sqlite3_mprintf ("ATTACH %Q AS src", from);

  g_clear_object (&fresh);
  sqlite3_open (to, &db);
  sqlite3_exec (db, "PRAGMA synchronous=FULL; PRAGMA journal_mode=WAL", NULL, NULL, NULL);
  sqlite3_exec (db, attach, NULL, NULL, NULL);
  sqlite3_free (attach);
  t0 = g_get_monotonic_time ();
  sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  for (guint i = 0; scoped_tables[i]; i++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO main.%s SELECT * FROM src.%s",
                                              scoped_tables[i], scoped_tables[i]);
      char *err = NULL;

      if (sqlite3_exec (db, sql, NULL, NULL, &err) != SQLITE_OK)
        g_error ("%s: %s", sql, err);
    }
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  {
    double s = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
    sqlite3_close (db);
    return s;
  }
}

static gint
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* The median of @values (sorted in place). */
static double
median (GArray *values)
{
  guint n = values->len;

  g_array_sort (values, compare_doubles);
  return n % 2 ? g_array_index (values, double, n / 2)
               : (g_array_index (values, double, n / 2 - 1)
                  + g_array_index (values, double, n / 2)) / 2;
}

/* The run's files (its server database alone is over 100 MB) go with it. */
static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("yp-bench-sync-XXXXXX", &error);
  g_autofree char *server_db = g_build_filename (dir, "server.db", NULL);
  g_autofree char *me = NULL, *ignored = NULL, *base = NULL, *session_url = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(YpStore) store = NULL;
  g_autoptr(YpSyncEngine) engine = NULL;
  const char *token;
  guint port, pushed, pulled = 0, polls = 0, n_first = 5;
  gint64 t0;
  double poll_s;
  g_autoptr(GArray) firsts = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) copies = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ratios = g_array_new (FALSE, FALSE, sizeof (double));

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--server") && i + 1 < argc)
      server_bin = argv[++i];
    else if (g_str_equal (argv[i], "--clients") && i + 1 < argc)
      n_clients = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
    else if (g_str_equal (argv[i], "--first-syncs") && i + 1 < argc)
      {
        /* Not inside MAX (), which would evaluate argv[++i] twice. */
        guint n = (guint) g_ascii_strtoull (argv[++i], NULL, 10);

        n_first = MAX (1, n);
      }
  if (server_bin == NULL)
    g_error ("usage: yp-bench-sync --server PATH [--clients N] [--first-syncs N]");

  {
    const char *init[] = { "init", NULL };
    const char *add[] = { "user", "add", "alice", "--name", "Alice Omistaja", NULL };

    ignored = run_admin (server_db, NULL, init);
    me = run_admin (server_db, PASSWORD "\n", add);
  }
  server = start_server (server_db, &port);
  base = g_strdup_printf ("http://127.0.0.1:%u", port);
  session_url = g_strdup_printf ("%s/api/v1/session", base);

  /* The owner's pushes, straight through the API. */
  {
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) reply = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "username"); json_builder_add_string_value (b, "alice");
    json_builder_set_member_name (b, "password"); json_builder_add_string_value (b, PASSWORD);
    json_builder_end_object (b);
    reply = post_json (session, session_url, NULL, b);
    token = json_object_get_string_member (json_node_get_object (reply), "token");
    t0 = g_get_monotonic_time ();
    pushed = fill_server (session, base, token, me);
    g_print ("push_rows_per_s %.0f\n",
             pushed / ((g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC));
  }

  /* A fresh laptop signs in as the same professional: the first sync pulls everything. Then
   * the same rows copied straight into a fresh store. Each time in new folders. */
  for (guint run = 0; run < n_first; run++)
    {
      g_autofree char *laptop = g_strdup_printf ("laptop-%u", run);
      g_autofree char *plain = g_strdup_printf ("plain-%u", run);
      g_autofree char *b_db = g_build_filename (dir, laptop, "yhteispolku.db", NULL);
      g_autofree char *c_db = g_build_filename (dir, plain, "yhteispolku.db", NULL);
      double first_s, copy_s;
      guint rows;

      g_clear_object (&engine);
      g_clear_object (&store);
      /* What the runs before wrote is on disk before this one starts, so that the kernel's
       * writeback of it does not land in this run's fsyncs. */
      sync ();
      store = yp_store_open (b_db, &error);
      if (store == NULL)
        g_error ("%s", error->message);
      engine = yp_sync_engine_new (store);
      yp_sync_engine_set_intervals (engine, 3600 * 1000, 3600 * 1000);
      t0 = g_get_monotonic_time ();
      {
        Wait w = { 0 };

        yp_sync_engine_sign_in_async (engine, base, "alice", PASSWORD, NULL, wait_cb, &w);
        wait_for (&w);
        if (!yp_sync_engine_sign_in_finish (engine, w.result, &error))
          g_error ("Sign-in failed: %s", error->message);
        g_object_unref (w.result);
      }
      engine_sync (engine);
      first_s = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
      rows = count_rows (b_db);
      if (run > 0 && rows != pulled)
        g_error ("First sync %u took %u rows, the first one %u", run + 1, rows, pulled);
      pulled = rows;
      sync ();
      copy_s = sqlite_copy_seconds (b_db, c_db);
      g_printerr ("first sync %u: %.3f s, plain copy %.3f s, ratio %.3f\n", run + 1, first_s,
                  copy_s, copy_s / first_s);
      g_array_append_val (firsts, first_s);
      g_array_append_val (copies, copy_s);
      g_array_append_val (ratios, (double) { copy_s / first_s });
      /* The laptop of the last run goes on to the polls. */
      if (!g_getenv ("YP_BENCH_KEEP"))
        {
          g_autofree char *plain_dir = g_path_get_dirname (c_db);

          remove_tree (plain_dir);
          if (run + 1 < n_first)
            {
              g_autofree char *laptop_dir = g_path_get_dirname (b_db);

              g_clear_object (&engine);
              g_clear_object (&store);
              remove_tree (laptop_dir);
            }
        }
    }
  g_array_sort (ratios, compare_doubles);

  g_print ("first_sync_clients %u\n", n_clients);
  g_print ("first_sync_rows %u\n", pulled);
  g_print ("first_sync_runs %u\n", n_first);
  g_print ("first_sync_seconds %.2f\n", median (firsts));
  g_print ("first_sync_rows_per_s %.0f\n", pulled / median (firsts));
  g_print ("sqlite_insert_rows_per_s %.0f\n", pulled / median (copies));
  g_print ("first_sync_ratio_vs_sqlite_insert %.3f\n", median (ratios));
  g_print ("first_sync_ratio_lowest %.3f\n", g_array_index (ratios, double, 0));
  g_print ("first_sync_ratio_highest %.3f\n", g_array_index (ratios, double, ratios->len - 1));

  /* No-change syncs, one after another, bounded in count and time. */
  t0 = g_get_monotonic_time ();
  while (polls < POLL_MAX_REQUESTS &&
         g_get_monotonic_time () - t0 < POLL_MAX_SECONDS * G_USEC_PER_SEC)
    {
      engine_sync (engine);
      polls++;
    }
  poll_s = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  g_print ("poll_requests_per_s %.0f\n", polls / poll_s);

  g_subprocess_send_signal (server, SIGKILL);
  g_subprocess_wait (server, NULL, NULL);
  g_clear_object (&engine);
  g_clear_object (&store);
  if (g_getenv ("YP_BENCH_KEEP"))
    g_printerr ("kept %s\n", dir);
  else
    remove_tree (dir);
  return 0;
}
