/* A 16-byte atomic load: gcc on x86_64 does not inline cmpxchg16b for it and calls
 * __atomic_load_16 from libatomic.so.1 (LIBATOMIC_1.0). LIBATOMIC versions are listed from
 * manylinux_2_24 on; older policies have an empty LIBATOMIC list, so the verdict is
 * manylinux_2_24 although the GLIBC needs alone would allow manylinux_2_5. */
#include <stdio.h>

void *PyInit_atomic(void) { return 0; }

static unsigned __int128 counter;

unsigned __int128 atomic_read(void)
{
    unsigned __int128 v = __atomic_load_n(&counter, __ATOMIC_SEQ_CST);
    printf("%llu\n", (unsigned long long)v);
    return v;
}
