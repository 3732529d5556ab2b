# Three extension modules importing CPython symbols: only stable-ABI ones from 3.2 (`good`),
# a private non-stable-ABI one (`nonstable`, `_PyObject_GC_Malloc`), and stable-ABI ones
# added in 3.10 and 3.12 (`newer`). Undefined symbols are allowed in shared objects.
CFLAGS='-Os -fno-lto -fPIC -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,-z,noexecstack -Wl,--build-id=none'

# shellcheck disable=SC2086 # the flag lists are meant to be split
gcc $CFLAGS $LDFLAGS -DMODULE_INIT=PyInit_good -o "$OUT/good.abi3.so" ext.c
# shellcheck disable=SC2086
gcc $CFLAGS $LDFLAGS -DMODULE_INIT=PyInit_nonstable -DUSE_NONSTABLE -o "$OUT/nonstable.abi3.so" ext.c
# shellcheck disable=SC2086
gcc $CFLAGS $LDFLAGS -DMODULE_INIT=PyInit_newer -DUSE_NEWER -o "$OUT/newer.abi3.so" ext.c
