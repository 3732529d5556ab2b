/* _Float16 arithmetic without AVX512-FP16 calls the soft-float helpers __extendhfsf2 and
 * __truncsfhf2, exported by libgcc_s.so.1 at GCC_12.0.0: the GCC prefix alone decides the
 * verdict (manylinux_2_35, the first policy listing GCC_12.0.0). */
#include <stdio.h>

void *PyInit_half(void) { return 0; }

float half_scale(_Float16 h, float k)
{
    float r = (float)(_Float16)((float)h * k);
    printf("%g\n", (double)r);
    return r;
}
