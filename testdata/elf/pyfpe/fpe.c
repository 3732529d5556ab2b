/* References to symbols of old interpreters that a wheel must not use.
 *  - fpe / fpenotype: PyFPE_jbuf, which CPython built with --with-fpectl exported until 3.7;
 *    auditwheel flags an undefined PyFPE_jbuf of type FUNC or NOTYPE (verdict linux). The
 *    symbol is unresolved at link time, so ld leaves it NOTYPE unless the assembler was told
 *    its type: fpe declares it a function with .type, fpenotype does not.
 *  - ucs2 (a Python 2 module, file foo.so, init function initfoo): an undefined FUNC
 *    PyUnicodeUCS2_AsUTF8String, the narrow-unicode ABI of a --enable-unicode=ucs2 build. */
#include <stdio.h>

#if defined(FPE_FUNC) || defined(FPE_NOTYPE)
#ifdef FPE_FUNC
__asm__(".type PyFPE_jbuf, @function");
#endif
extern char PyFPE_jbuf[];

void *PyInit_fpe(void) { return 0; }
void *PyInit_fpenotype(void) { return 0; }

int fpe_probe(void) { return puts(PyFPE_jbuf); }
#else
__asm__(".type PyUnicodeUCS2_AsUTF8String, @function");
void *PyUnicodeUCS2_AsUTF8String(void *unicode);

void initfoo(void) { puts("foo"); }

void *foo_encode(void *unicode) { return PyUnicodeUCS2_AsUTF8String(unicode); }
#endif
