/* libleaf.so.1: the bottom of the chain; needs only libc. */
#include <stdio.h>

int leaf_value(void) { return puts("leaf"); }
