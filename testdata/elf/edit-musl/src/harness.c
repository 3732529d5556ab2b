/* The dlopen harness: harness LIB... SYMBOL
 * dlopens every LIB with RTLD_NOW | RTLD_GLOBAL in order, calls `int SYMBOL(void)` from the
 * last one and prints its result. Exit status 0 only when everything loaded and resolved. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: harness LIB... SYMBOL\n");
        return 2;
    }
    void *handle = NULL;
    for (int i = 1; i < argc - 1; i++) {
        handle = dlopen(argv[i], RTLD_NOW | RTLD_GLOBAL);
        if (handle == NULL) {
            fprintf(stderr, "dlopen: %s\n", dlerror());
            return 1;
        }
    }
    int (*symbol)(void) = (int (*)(void))dlsym(handle, argv[argc - 1]);
    if (symbol == NULL) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 1;
    }
    printf("%d\n", symbol());
    return 0;
}
