/* Identical code linked with and without an executable stack (PT_GNU_STACK RWE vs RW). An
 * executable stack makes glibc >= 2.41 refuse to dlopen the extension ("cannot enable
 * executable stack as shared object requires"), the issue pypa/auditwheel#634 asks a check
 * for; auditwheel 6.8.1 does not look, so both get the same verdict. */
#include <stdio.h>

void *PyInit_execstack(void) { return 0; }
void *PyInit_noexecstack(void) { return 0; }

int stack_hello(void) { return puts("hello"); }
