# External libraries, not in the wheel and without a run path.
CFLAGS='-Os -fno-lto -fPIC -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,--build-id=none'
SUFFIX=cpython-311-x86_64-linux-gnu.so

# The stub lives in $SCRATCH and is deleted, so nothing can ever resolve libfoo_missing.so.1.
# shellcheck disable=SC2086 # the flag lists are meant to be split
gcc $CFLAGS $LDFLAGS -Wl,-soname,libfoo_missing.so.1 -Wl,--version-script,foo_missing.map \
    -o "$SCRATCH/libfoo_missing.so.1" foo_missing.c
# shellcheck disable=SC2086
gcc $CFLAGS $LDFLAGS -o "$OUT/missing.$SUFFIX" ext.c -L"$SCRATCH" -l:libfoo_missing.so.1 -lm

# shellcheck disable=SC2086
gcc $CFLAGS -DWITH_FFI $LDFLAGS -o "$OUT/ffi.$SUFFIX" ext.c -lffi -lm
