/* __rseq_offset is exported by the dynamic loader (ld-linux-x86-64.so.2), not libc, at
 * GLIBC_2.35. auditwheel skips the version needs of ld-linux* entirely, so it calls this
 * extension manylinux_2_5 although it cannot load on a glibc older than 2.35. */
#include <stddef.h>

extern const ptrdiff_t __rseq_offset;

void *PyInit_ldso(void) { return 0; }

ptrdiff_t ldso_rseq_offset(void) { return __rseq_offset; }
