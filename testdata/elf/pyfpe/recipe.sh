# PyFPE_jbuf and UCS2 references (interpreter ABIs auditwheel rejects).
CFLAGS='-Os -fno-lto -fPIC -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,--build-id=none'
SUFFIX=cpython-311-x86_64-linux-gnu.so

# shellcheck disable=SC2086 # the flag lists are meant to be split
gcc $CFLAGS -DFPE_FUNC $LDFLAGS -o "$OUT/fpe.$SUFFIX" fpe.c
# shellcheck disable=SC2086
gcc $CFLAGS -DFPE_NOTYPE $LDFLAGS -o "$OUT/fpenotype.$SUFFIX" fpe.c
# Python 2 extensions had no ABI suffix: the module foo is foo.so.
# shellcheck disable=SC2086
gcc $CFLAGS $LDFLAGS -o "$OUT/foo.so" fpe.c
