/* yp-bench — start-up, memory and search-as-you-type figures over 100 000 fictional clients.
 *
 * Prints only "name value" lines on stdout; progress and problems go to stderr. Run it
 * through build-aux/bench, which builds a release tree and provides Xvfb and a session bus.
 *
 *   yp-bench --app PATH --empty-window PATH [--runs N] [--clients N]
 *            [--reuse-database DIR] [--skip-search]
 *
 * While iterating on start-up, --reuse-database keeps the generated database in DIR (made on
 * the first run, reused after) and --skip-search leaves out the search timings; build-aux/bench
 * uses neither.
 */
#define G_LOG_DOMAIN "yp-bench"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "yp-client-list.h"
#include "yp-store.h"

#define RUN_TIMEOUT_MS 60000
#define READY_TIMEOUT_MS 10000

/* Realistic search-box input: names and their prefixes as they are typed, phone numbers,
 * towns, streets and two-word searches, with Finnish and Swedish letters. */
static const char * const queries[] = {
  "v", "vi", "vir", "virt", "virtanen", "mäk", "mäkelä", "lahti", "040", "040 1",
  "ni", "nie", "aino", "aino vir", "kauppakatu", "ö", "åker", "heinola", "sjö", "pekka la",
};
#define QUERY_ROUNDS 3

static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile of @n values (sorts them in place). */
static double
percentile (double *values,
            guint   n,
            double  p)
{
  guint rank;

  g_assert (n > 0);
  qsort (values, n, sizeof (double), compare_doubles);
  rank = (guint) ceil (p / 100.0 * n);
  rank = CLAMP (rank, 1, n);
  return values[rank - 1];
}

/* ---- search as you type, in process ---------------------------------------------------- */

static void
on_ready (YpClientList *list,
          gboolean     *ready)
{
  *ready = TRUE;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wait_ready (gboolean *ready)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (READY_TIMEOUT_MS, timeout_cb, &timed_out);

  while (!*ready && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *ready;
}

static gboolean
bench_search (YpStore *store,
              double  *p50,
              double  *p95)
{
  g_autoptr(YpClientList) list = yp_client_list_new (store);
  double samples[G_N_ELEMENTS (queries) * QUERY_ROUNDS];
  guint n = 0;
  gboolean ready = FALSE;

  g_signal_connect (list, "ready", G_CALLBACK (on_ready), &ready);
  if (!wait_ready (&ready))
    {
      g_printerr ("yp-bench: the client list never became ready\n");
      return FALSE;
    }
  g_printerr ("yp-bench: the list shows %u clients; timing %u searches\n",
              g_list_model_get_n_items (G_LIST_MODEL (list)),
              (guint) G_N_ELEMENTS (samples));

  for (guint round = 0; round < QUERY_ROUNDS; round++)
    for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
      {
        double start;

        ready = FALSE;
        start = now_ms ();
        yp_client_list_set_search (list, queries[q]);
        if (!wait_ready (&ready))
          {
            g_printerr ("yp-bench: no \"ready\" within %d ms after searching \"%s\"\n",
                        READY_TIMEOUT_MS, queries[q]);
            return FALSE;
          }
        samples[n++] = now_ms () - start;
      }

  *p50 = percentile (samples, n, 50);
  *p95 = percentile (samples, n, 95);
  return TRUE;
}

/* ---- start-up of a child process ------------------------------------------------------- */

typedef struct
{
  double wall_ms;
  long   maxrss_kb;
} RunResult;

/* Runs @argv to its exit: wall time from fork to exit, and the child's peak RSS. */
static gboolean
run_child (char * const *argv,
           RunResult    *result)
{
  struct rusage usage;
  double start = now_ms ();
  int status = 0;
  pid_t pid, done;

  pid = fork ();
  if (pid < 0)
    {
      g_printerr ("yp-bench: fork failed: %s\n", g_strerror (errno));
      return FALSE;
    }
  if (pid == 0)
    {
      /* Our stdout is for figures only. */
      dup2 (STDERR_FILENO, STDOUT_FILENO);
      execv (argv[0], argv);
      _exit (127);
    }

  while ((done = wait4 (pid, &status, WNOHANG, &usage)) == 0)
    {
      if (now_ms () - start > RUN_TIMEOUT_MS)
        {
          kill (pid, SIGKILL);
          wait4 (pid, &status, 0, &usage);
          g_printerr ("yp-bench: %s did not exit within %d s\n", argv[0],
                      RUN_TIMEOUT_MS / 1000);
          return FALSE;
        }
      g_usleep (1000);
    }
  result->wall_ms = now_ms () - start;
  result->maxrss_kb = usage.ru_maxrss;
  if (done < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_printerr ("yp-bench: %s failed (status %d)\n", argv[0], status);
      return FALSE;
    }
  return TRUE;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_rmdir (path);
}

/* ---- main ------------------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  g_autofree char *app = NULL;
  g_autofree char *empty = NULL;
  int runs = 7;
  int n_clients = 100000;
  g_autofree char *reuse = NULL;
  gboolean skip_search = FALSE;
  GOptionEntry entries[] = {
    { "app", 0, 0, G_OPTION_ARG_FILENAME, &app, "The yhteispolku binary", "PATH" },
    { "empty-window", 0, 0, G_OPTION_ARG_FILENAME, &empty, "The baseline binary", "PATH" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Start-ups measured per program (≥ 7)", "N" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &n_clients, "Fictional clients in the database",
      "N" },
    { "reuse-database", 0, 0, G_OPTION_ARG_FILENAME, &reuse,
      "Keep the database in DIR and reuse it on the next run (for iterating)", "DIR" },
    { "skip-search", 0, 0, G_OPTION_ARG_NONE, &skip_search,
      "Do not time searches (for iterating on start-up)", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— Yhteispolku benchmarks");
  g_autoptr(GError) error = NULL;
  g_autoptr(YpStore) store = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db = NULL;
  g_autofree char *db_arg = NULL;
  double p50 = 0, p95 = 0, t0;
  gboolean have_app;
  g_autofree double *app_ms = NULL, *empty_ms = NULL, *app_kb = NULL, *empty_kb = NULL;
  double app_med, empty_med, app_kb_med, empty_kb_med;
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("yp-bench: %s\n", error->message);
      return 2;
    }
  if (empty == NULL || runs < 1 || n_clients < 1)
    {
      g_printerr ("yp-bench: --empty-window is required (and --app for start-up)\n");
      return 2;
    }
  if (!g_file_test (empty, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("yp-bench: the baseline %s is missing; build it first\n", empty);
      return 1;
    }
  have_app = app != NULL && g_file_test (app, G_FILE_TEST_IS_EXECUTABLE);

  /* The data is made here, in this run, and removed at the end (unless --reuse-database). */
  if (reuse != NULL)
    {
      if (g_mkdir_with_parents (reuse, 0700) != 0)
        {
          g_printerr ("yp-bench: could not make %s: %s\n", reuse, g_strerror (errno));
          return 1;
        }
      dir = g_strdup (reuse);
    }
  else
    dir = g_dir_make_tmp ("yp-bench-XXXXXX", &error);
  if (dir == NULL)
    {
      g_printerr ("yp-bench: %s\n", error->message);
      return 1;
    }
  db = g_build_filename (dir, "yhteispolku.db", NULL);
  if (reuse != NULL && g_file_test (db, G_FILE_TEST_EXISTS))
    {
      store = yp_store_open (db, &error);
      if (store == NULL)
        {
          g_printerr ("yp-bench: could not open %s: %s\n", db, error->message);
          return 1;
        }
      g_printerr ("yp-bench: reusing %s (%u clients)\n", db, yp_store_count_clients (store));
    }
  else
    {
      t0 = now_ms ();
      store = yp_store_open (db, &error);
      if (store == NULL
          || !yp_store_set_profile (store, "Sari Koskinen", "sairaanhoitaja",
                                    "Lahden terveysasema", &error)
          || !yp_store_add_demo_clients (store, (guint) n_clients, &error))
        {
          g_printerr ("yp-bench: could not make the database: %s\n", error->message);
          status = 1;
          goto out;
        }
      g_printerr ("yp-bench: %d fictional clients written in %.0f ms\n", n_clients,
                  now_ms () - t0);
    }

  if (!skip_search)
    {
      if (!bench_search (store, &p50, &p95))
        {
          status = 1;
          goto out;
        }
      g_print ("search_p50_ms %.2f\n", p50);
      g_print ("search_p95_ms %.2f\n", p95);
    }
  g_clear_object (&store);

  /* Start-ups, alternating so that drift (thermal, caches, other load) hits both alike;
   * one unmeasured warm-up each first. */
  db_arg = g_strdup_printf ("--database=%s", db);
  {
    char *app_argv[] = { app, db_arg, (char *) "--exit-after-first-frame", NULL };
    char *empty_argv[] = { empty, NULL };
    RunResult r;

    app_ms = g_new0 (double, runs);
    app_kb = g_new0 (double, runs);
    empty_ms = g_new0 (double, runs);
    empty_kb = g_new0 (double, runs);

    if (!run_child (empty_argv, &r) || (have_app && !run_child (app_argv, &r)))
      {
        status = 1;
        goto out;
      }
    for (int i = 0; i < runs; i++)
      {
        if (!run_child (empty_argv, &r))
          {
            status = 1;
            goto out;
          }
        empty_ms[i] = r.wall_ms;
        empty_kb[i] = r.maxrss_kb;
        if (!have_app)
          continue;
        if (!run_child (app_argv, &r))
          {
            status = 1;
            goto out;
          }
        app_ms[i] = r.wall_ms;
        app_kb[i] = r.maxrss_kb;
      }
  }

  empty_med = median (empty_ms, runs);
  empty_kb_med = median (empty_kb, runs);
  g_print ("startup_ms_empty_window %.1f\n", empty_med);
  g_print ("peak_rss_kb_empty_window %.0f\n", empty_kb_med);
  if (!have_app)
    {
      g_printerr ("yp-bench: the app binary %s does not exist yet, so there are no start-up "
                  "figures for it (startup_ratio_vs_empty_window, "
                  "peak_rss_ratio_vs_empty_window)\n", app ? app : "(no --app given)");
      status = 1;
      goto out;
    }
  app_med = median (app_ms, runs);
  app_kb_med = median (app_kb, runs);
  g_print ("startup_ms_app %.1f\n", app_med);
  g_print ("startup_ratio_vs_empty_window %.2f\n", app_med / empty_med);
  g_print ("peak_rss_kb_app %.0f\n", app_kb_med);
  g_print ("peak_rss_ratio_vs_empty_window %.2f\n", app_kb_med / empty_kb_med);

out:
  g_clear_object (&store);
  /* Let queued "changed" emissions drop their store references before the files go. */
  while (g_main_context_iteration (NULL, FALSE));
  if (reuse == NULL)
    remove_tree (dir);
  return status;
}
