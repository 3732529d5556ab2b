/* Symbol names that are not UTF-8. ELF names are bytes; a tool that decodes them as UTF-8
 * without a fallback fails on these. libodd.so.1 defines "weird\xffname" (0xff is never
 * valid UTF-8) and "caf\xe9" (Latin-1 e-acute), under the version ODD_1.0; the extension
 * odd... references "weird\xffname", so it also has a non-UTF-8 undefined symbol. */
#include <stdio.h>

int odd_weird(void) __asm__("weird\xffname");
int odd_cafe(void) __asm__("caf\xe9");

#ifdef BUILD_LIB
int odd_weird(void) { return puts("weird"); }
int odd_cafe(void) { return puts("cafe"); }
#else
void *PyInit_odd(void) { return 0; }
int odd_call(void) { return odd_weird(); }
#endif
