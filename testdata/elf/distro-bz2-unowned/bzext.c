/* An extension linking libbz2 (shlibs only, no symbols file) and the unowned libfoo.so.1
 * (distro-metadata.md §1.5). */
#include <bzlib.h>
#include <stdio.h>

int foo_answer(void);

void *PyInit_bzext(void)
{
    printf("%s %d\n", BZ2_bzlibVersion(), foo_answer());
    return 0;
}
