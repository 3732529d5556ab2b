/* An undefined reference to pthread_getattr_default_np, which every manylinux policy before
 * manylinux_2_24 blacklists for libc.so.6. With -DWEAK_REF the reference is weak instead,
 * and auditwheel (since 6.6.0) ignores weak references when checking blacklists.
 * One source for both: it defines the PyInit_ of either file name. */
#include <pthread.h>
#include <stdio.h>

#ifdef PIN_GLIBC_2_18
/* Bind the original GLIBC_2.18 version (the symbol moved to GLIBC_2.34 when libpthread was
 * merged into libc), as a binary built on an older glibc would. */
__asm__(".symver pthread_getattr_default_np,pthread_getattr_default_np@GLIBC_2.18");
#endif
#ifdef WEAK_REF
#pragma weak pthread_getattr_default_np
#endif
int pthread_getattr_default_np(pthread_attr_t *attr);

void *PyInit_blk(void) { return 0; }
void *PyInit_blkweak(void) { return 0; }

int blk_default_attr(pthread_attr_t *attr)
{
    puts("default attributes");
    return pthread_getattr_default_np(attr);
}
