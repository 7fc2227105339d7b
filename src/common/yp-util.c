/* yp-util.c — UUIDs, dates and sort keys. */
#define G_LOG_DOMAIN "yp-util"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "yp-util.h"

/* A new id: a time-ordered UUID (version 7, RFC 9562) in our lower-case wire form. The first
 * 48 bits are the Unix time in milliseconds and the next 12 (after the version) the fraction
 * of that millisecond (the RFC's "increased clock precision", method 3), then the variant and
 * 62 random bits. Ids made one after the other sort as text in the order they were made (a
 * process never hands out the same or an earlier time twice, even if the clock steps back),
 * so every id index, here and on the server, takes a new row near its end instead of at a
 * random place: the server built the stages of a 10 000-client first sync in ~70 ms instead
 * of ~120, and took pushes twice as fast (HACKING.md, "Sync figures"). The creation time an
 * id shows is no more than the row's own timestamps and the server's audit log already tell
 * whoever may see it. Ids made before (random, version 4) stay valid: nothing reads the
 * version. */
char *
yp_uuid_new (void)
{
  static gint64 last_us;
  G_LOCK_DEFINE_STATIC (last_us);
  gint64 us = g_get_real_time ();
  guint64 ms;
  guint fraction;
  guint32 r1 = g_random_int (), r2 = g_random_int ();

  G_LOCK (last_us);
  if (us <= last_us)
    us = last_us + 1;
  last_us = us;
  G_UNLOCK (last_us);
  ms = (guint64) us / 1000;
  /* 0 … 4095: distinct for each microsecond of the millisecond. */
  fraction = (guint) (((guint64) us % 1000) * 4096 / 1000);
  return g_strdup_printf ("%08x-%04x-%04x-%04x-%04x%08x",
                          (guint32) (ms >> 16), (guint) (ms & 0xffff),
                          0x7000u | fraction,
                          0x8000u | (r1 >> 18),
                          (guint) (r1 & 0xffff), r2);
}

/* The form g_uuid_string_is_valid takes (8-4-4-4-12 hex digits), in lower case only: our wire
 * form, so ids compare as plain strings. Checked here by table because it runs for every id
 * of every row a first sync takes (several per row): GLib's check, a hex-digit function call
 * per character, was a fifth of the import's CPU time, and a range test per character still
 * ~60 ns an id, its branch mispredicted at random between digits and letters; a table lookup
 * takes the same branch for every character of a valid id. */
static const guint8 uuid_char_class[256] = {
  ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
  ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
  ['-'] = 2,
};

gboolean
yp_uuid_is_valid (const char *text)
{
  static const char form[36] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  const guchar *p = (const guchar *) text;
  guint bad = 0;

  if (text == NULL)
    return FALSE;
  /* Stops at a NUL; any other wrong character only sets a bit of @bad, so that no branch
   * depends on which hex digit came. */
  for (guint i = 0; i < 36; i++)
    {
      bad |= uuid_char_class[p[i]] ^ (form[i] == '-' ? 2u : 1u);
      if (p[i] == '\0')
        return FALSE;
    }
  return bad == 0 && p[36] == '\0';
}

char *
yp_now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

char *
yp_today_iso (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%Y-%m-%d");
}

/* Digits at @text[0 .. n - 1] as a number; -1 if any is not a digit. */
static int
fixed_digits (const char *text,
              guint       n)
{
  int value = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return -1;
      value = value * 10 + (text[i] - '0');
    }
  return value;
}

gboolean
yp_date_is_valid (const char *text)
{
  int y, m, d;

  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  y = fixed_digits (text, 4);
  m = fixed_digits (text + 5, 2);
  d = fixed_digits (text + 8, 2);
  if (y < 0 || m < 0 || d < 0)
    return FALSE;
  return y >= 1 && g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y);
}

gboolean
yp_datetime_is_valid (const char *text)
{
  g_autoptr(GDateTime) dt = NULL;
  int y, mo, d, h, mi, s;

  if (text == NULL || strlen (text) < 20 || text[10] != 'T')
    return FALSE;
  /* What the app and the server write, YYYY-MM-DDTHH:MM:SSZ, without a GDateTime: GLib takes
   * exactly these when the date is in the calendar and the time on the clock. Anything else
   * (other zones, fractions, or a value out of range) is GLib's to judge. */
  if (strlen (text) == 20 && text[4] == '-' && text[7] == '-' && text[13] == ':'
      && text[16] == ':' && text[19] == 'Z')
    {
      y = fixed_digits (text, 4);
      mo = fixed_digits (text + 5, 2);
      d = fixed_digits (text + 8, 2);
      h = fixed_digits (text + 11, 2);
      mi = fixed_digits (text + 14, 2);
      s = fixed_digits (text + 17, 2);
      if (y >= 1 && mo >= 1 && d >= 1 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59
          && s >= 0 && s <= 59
          && g_date_valid_dmy ((GDateDay) d, (GDateMonth) mo, (GDateYear) y))
        return TRUE;
    }
  dt = g_date_time_new_from_iso8601 (text, NULL);
  return dt != NULL;
}

char *
yp_date_format_fi (const char *iso_date)
{
  unsigned y, m, d;

  if (!yp_date_is_valid (iso_date))
    return NULL;
  sscanf (iso_date, "%4u-%2u-%2u", &y, &m, &d);
  return g_strdup_printf ("%u.%u.%u", d, m, y);
}

char *
yp_date_parse_user (const char *text)
{
  g_autofree char *stripped = NULL;
  unsigned y, m, d;
  int consumed = 0;

  if (text == NULL)
    return NULL;
  stripped = g_strstrip (g_strdup (text));
  if (yp_date_is_valid (stripped))
    return g_steal_pointer (&stripped);
  if (sscanf (stripped, "%2u.%2u.%4u%n", &d, &m, &y, &consumed) == 3
      && consumed == (int) strlen (stripped)
      && y >= 1000 && g_date_valid_dmy (d, m, y))
    return g_strdup_printf ("%04u-%02u-%02u", y, m, d);
  return NULL;
}

/* Finnish and Swedish put å, ä, ö after z; other accented letters sort with their base
 * letter (é as e, ü as y as in Finnish). The key is plain bytes, so SQLite's default BINARY
 * collation orders it right without a custom collation on every connection. */
char *
yp_fold_for_sort (const char *text)
{
  g_autofree char *folded = NULL;
  GString *key;
  gboolean space = FALSE;

  if (text == NULL)
    return g_strdup ("");
  folded = g_utf8_casefold (text, -1);
  key = g_string_sized_new (strlen (folded));
  for (const char *p = folded; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          space = key->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (key, ' ');
      space = FALSE;
      switch (c)
        {
        case 0xE5: g_string_append_c (key, '{'); break; /* å */
        case 0xE4: g_string_append_c (key, '|'); break; /* ä */
        case 0xE6: g_string_append_c (key, '|'); break; /* æ */
        case 0xF6: g_string_append_c (key, '}'); break; /* ö */
        case 0xF8: g_string_append_c (key, '}'); break; /* ø */
        case 0xFC: g_string_append_c (key, 'y'); break; /* ü */
        default:
          if (c < 0x80)
            g_string_append_c (key, (char) c);
          else
            {
              char buf[8];
              g_autofree char *ascii = NULL;

              buf[g_unichar_to_utf8 (c, buf)] = '\0';
              ascii = g_str_to_ascii (buf, "C");
              g_string_append (key, ascii);
            }
        }
    }
  return g_string_free (key, FALSE);
}

void
yp_case_set_add (guint8      acc[YP_CASE_SET_SIZE],
                 const char *client_id)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[YP_CASE_SET_SIZE];
  gsize len = sizeof digest;

  g_checksum_update (sum, (const guchar *) client_id, -1);
  g_checksum_get_digest (sum, digest, &len);
  for (guint i = 0; i < YP_CASE_SET_SIZE; i++)
    acc[i] ^= digest[i];
}

char *
yp_case_set_to_hex (const guint8 acc[YP_CASE_SET_SIZE])
{
  static const char digits[] = "0123456789abcdef";
  char *hex = g_malloc (YP_CASE_SET_SIZE * 2 + 1);

  for (guint i = 0; i < YP_CASE_SET_SIZE; i++)
    {
      hex[2 * i] = digits[acc[i] >> 4];
      hex[2 * i + 1] = digits[acc[i] & 0xf];
    }
  hex[YP_CASE_SET_SIZE * 2] = '\0';
  return hex;
}
