/* test-net.c — libsoup and libsecret are loaded when sync first needs them, not with the
 * program (sync/yp-net.h; HACKING.md, "Start-up"). This test links yp-core only, like the app. */
#define _GNU_SOURCE /* RTLD_NOLOAD */
#include "config.h"

#include <dlfcn.h>

#include "yp-net.h"

static gboolean
is_loaded (const char *soname)
{
  void *handle = dlopen (soname, RTLD_LAZY | RTLD_NOLOAD);

  if (handle == NULL)
    return FALSE;
  dlclose (handle);
  return TRUE;
}

static void
assert_all_set (gconstpointer table,
                gsize         size)
{
  const gpointer *pointers = table;

  for (gsize i = 0; i < size / sizeof (gpointer); i++)
    g_assert_nonnull (pointers[i]);
}

static void
test_soup (void)
{
  g_autoptr(GError) error = NULL;
  const YpSoup *soup;

  g_assert_false (is_loaded ("libsoup-3.0.so.0"));
  soup = yp_net_get_soup (&error);
  g_assert_no_error (error);
  g_assert_nonnull (soup);
  assert_all_set (soup, sizeof *soup);
  g_assert_true (is_loaded ("libsoup-3.0.so.0"));
  /* The same table every time. */
  g_assert_true (yp_net_get_soup (NULL) == soup);
}

static void
test_secret (void)
{
  g_autoptr(GError) error = NULL;
  const YpSecret *secret;

  g_assert_false (is_loaded ("libsecret-1.so.0"));
  secret = yp_net_get_secret (&error);
  g_assert_no_error (error);
  g_assert_nonnull (secret);
  assert_all_set (secret, sizeof *secret);
  g_assert_true (is_loaded ("libsecret-1.so.0"));
  g_assert_true (yp_net_get_secret (NULL) == secret);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/net/soup-loaded-when-needed", test_soup);
  g_test_add_func ("/net/secret-loaded-when-needed", test_secret);
  return g_test_run ();
}
