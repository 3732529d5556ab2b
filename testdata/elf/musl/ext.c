/* A musl extension: PyInit_ plus a libc call. musl has no symbol versioning, so the only
 * facts that identify it are DT_NEEDED (and PT_INTERP for executables). */
#include <stdio.h>
#include <string.h>

void *PyInit_ext(void) { return 0; }
void *PyInit_muslgcc(void) { return 0; }

int ext_greet(char *dest, const char *src, size_t n)
{
    memcpy(dest, src, n);
    return puts(dest);
}
