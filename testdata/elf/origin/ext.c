/* The extension that loads libdemo.so.1 through its run path: $ORIGIN/../demo.libs (or the
 * ${ORIGIN} spelling in extbrace), which from demo/ext....so is the wheel's demo.libs/. */
#include <stddef.h>
#include <stdio.h>

int demo_answer(char *dest, const char *src, size_t n);

void *PyInit_ext(void) { return 0; }
void *PyInit_extbrace(void) { return 0; }

int ext_answer(char *dest, const char *src, size_t n)
{
    puts("asking libdemo");
    return demo_answer(dest, src, n);
}
