/* The same code built for several x86-64 micro-architecture levels. What matters is the
 * GNU_PROPERTY_X86_ISA_1_NEEDED property that `ld -z x86-64-vN` writes into
 * .note.gnu.property (bit 1 baseline, 2 v2, 4 v3, 8 v4): auditwheel 6.3+ reads it and refuses
 * a plain x86_64 tag for anything above the baseline. The popcount and the float loop give
 * -march something to use (popcnt is v2, FMA/AVX2 v3, AVX-512 v4). */
#include <stdio.h>

void *PyInit_isabase(void) { return 0; }
void *PyInit_isav2(void) { return 0; }
void *PyInit_isav3(void) { return 0; }
void *PyInit_isav4(void) { return 0; }

int isa_bits(unsigned long long x) { return printf("%d\n", __builtin_popcountll(x)); }

void isa_axpy(float *y, const float *x, float a, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}
