/* libdemo.so.1: a helper library shipped inside the wheel (in demo.libs/, the directory
 * auditwheel's repair creates), with a version definition DEMO_1.0 like a real vendored
 * library. Its own memcpy need (GLIBC_2.14) is newer than the extension's, so the verdict
 * shows that version needs of libraries inside the wheel count too. */
#include <string.h>

int demo_answer(char *dest, const char *src, size_t n)
{
    memcpy(dest, src, n);
    return 42;
}
