/* Exactly one version newer than the rest: arc4random@GLIBC_2.36 (everything else is
 * GLIBC_2.2.5), so a verdict has a single symbol version to blame. 2.36 is the glibc of
 * the machine that built the fixtures, i.e. the newest a native build can reach. */
#include <stdio.h>
#include <stdlib.h>

void *PyInit_toonew(void) { return 0; }

unsigned int toonew_random(void)
{
    puts("drawing");
    return arc4random();
}
