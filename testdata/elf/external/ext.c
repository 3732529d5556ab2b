/* Extensions that need libraries from outside the wheel, with no run path:
 *  - missing: libfoo_missing.so.1, which exists nowhere (the stub it was linked against is
 *    thrown away), so it can be neither found nor grafted;
 *  - ffi: libffi.so.8, a real Debian 12 library that no policy whitelists, so auditwheel show
 *    reports it as external (verdict linux) and repair would graft it. Its LIBFFI_* version
 *    needs have a prefix no policy tracks, and are ignored. libm is whitelisted. */
#include <math.h>
#include <stdio.h>

#ifdef WITH_FFI
#include <ffi.h>
#else
int foo_missing(int);
#endif

void *PyInit_missing(void) { return 0; }
void *PyInit_ffi(void) { return 0; }

int ext_call(double x)
{
    printf("%g\n", cos(x));
#ifdef WITH_FFI
    ffi_cif cif;
    return (int)ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &ffi_type_void, 0);
#else
    return foo_missing((int)x);
#endif
}
