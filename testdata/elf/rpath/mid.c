/* libmid.so.1: needs libleaf.so.1 and has no run path of its own, so whether libleaf is
 * found depends on who loaded libmid: a DT_RPATH on the extension applies to libmid's lookups
 * too (ld.so walks the RPATHs of the whole loader chain), a DT_RUNPATH does not. */
#include <stdio.h>

int leaf_value(void);

int mid_value(void) { return leaf_value() + puts("mid"); }
