/* libuser.so: versioned dependencies on two own libraries, libgomp (OMP_1.0, like a grafted
 * libgomp or libgfortran) and libc: four .gnu.version_r records. user_value() returns 42. */
#include <omp.h>
#include <string.h>
int vdep_one(void);
int vdep_two(void);
int vdep2_value(void);
int user_value(void) {
    int threads = omp_get_max_threads() > 0 ? 1 : 0;
    return vdep_one() + vdep_two() + vdep2_value() + threads + (int)strlen("12345678");
}
