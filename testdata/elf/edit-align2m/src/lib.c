/* A library linked with a 2 MiB maximum page size, like older binutils defaults on x86_64 and
 * libgfortran/libquadmath in manylinux wheels. */
#include <stdlib.h>
int align_value(void) { return abs(-21) * 2; }
