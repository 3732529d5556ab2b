/* exec-nopie: a non-PIE executable (ET_EXEC) needing libext.so; prints ext_value() (48). */
#include <stdio.h>
int ext_value(void);
int main(void) {
    printf("%d\n", ext_value());
    return 0;
}
