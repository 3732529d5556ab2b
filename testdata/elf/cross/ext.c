/* One tiny extension per target architecture: a PyInit_ext and a couple of libc calls, so
 * each output has a DT_NEEDED libc.so.6 and a GLIBC_* version need at that architecture's
 * baseline (the oldest version its glibc port has). */
#include <stdio.h>
#include <string.h>

void *PyInit_ext(void) { return 0; }

int ext_greet(char *dest, const char *src, size_t n)
{
    memcpy(dest, src, n);
    return puts(dest);
}
