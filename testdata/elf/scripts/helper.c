/* A helper program of the kind a wheel ships in <name>.data/scripts/: an ELF executable
 * with PT_INTERP, not an extension. Like any ELF in a wheel it is audited; a normally linked
 * executable needs __libc_start_main@GLIBC_2.34 (the glibc 2.34 libpthread merge moved it),
 * so it alone makes the wheel manylinux_2_34. */
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argc;
    return puts(argv[0]) < 0;
}
