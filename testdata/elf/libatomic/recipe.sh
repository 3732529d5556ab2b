# LIBATOMIC_* version needs from libatomic.so.1 (whitelisted everywhere).
CFLAGS='-Os -fno-lto -fPIC -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,--build-id=none'

# shellcheck disable=SC2086 # the flag lists are meant to be split
gcc $CFLAGS $LDFLAGS -o "$OUT/atomic.cpython-311-x86_64-linux-gnu.so" atomic.c -latomic
