/* A table of pointers needs relative relocations; linked with -z pack-relative-relocs they
 * become DT_RELR, and ld adds a verneed on the marker version GLIBC_ABI_DT_RELR, which
 * glibc only provides since 2.36 (policies list it from manylinux_2_36). */
#include <stdio.h>

static const char *const names[] = {"alpha", "beta", "gamma", "delta", "epsilon"};

void *PyInit_relr(void) { return 0; }

int relr_print(unsigned int i) { return puts(names[i % 5]); }
