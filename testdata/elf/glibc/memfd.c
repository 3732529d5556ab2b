/* memfd_create appeared in glibc 2.27: the extension lands in manylinux_2_27. */
#define _GNU_SOURCE
#include <sys/mman.h>

void *PyInit_memfd(void) { return 0; }

int memfd_open(void) { return memfd_create("wheelfix", 0); }
