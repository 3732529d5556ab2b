/* Needs nothing newer than GLIBC_2.4: the manylinux_2_5 (manylinux1) baseline.
 * memcpy's default version on x86_64 is GLIBC_2.14, so bind the original 2.2.5 one
 * explicitly, the way projects targeting manylinux1 from a new glibc did. */
#include <stddef.h>

__asm__(".symver memcpy,memcpy@GLIBC_2.2.5");
void *memcpy(void *dest, const void *src, size_t n);
void *__memcpy_chk(void *dest, const void *src, size_t n, size_t destlen); /* GLIBC_2.3.4 */
void __stack_chk_fail(void);                                               /* GLIBC_2.4 */

void *PyInit_old(void) { return 0; }

void *old_copy(void *dest, const void *src, size_t n, size_t destlen)
{
    if (n > destlen)
        __stack_chk_fail();
    memcpy(dest, src, n);
    return __memcpy_chk(dest, src, n, destlen);
}
