/* An aarch64 extension, for the "ELF of another architecture than the root" error. */
#include <stdio.h>

void *PyInit_armext(void)
{
    puts("arm64");
    return 0;
}
