/* A musl executable, as a wheel would ship in .data/scripts/. */
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argc;
    return puts(argv[0]) < 0;
}
