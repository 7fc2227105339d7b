/* yp-resources.h — the app's GResource (templates, style, shortcuts).
 *
 * Registered by hand rather than by a constructor: the resource lives in a static library,
 * and a linker drops an object file nothing refers to. Every widget with a template calls
 * this from class_init, so tests that build one widget work too.
 */
#pragma once

void yp_resources_ensure (void);
