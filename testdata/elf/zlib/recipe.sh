# ZLIB_* version needs from libz.so.1 (whitelisted everywhere).
CFLAGS='-Os -fno-lto -fPIC -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,--build-id=none'
SUFFIX=cpython-311-x86_64-linux-gnu.so

# shellcheck disable=SC2086 # the flag lists are meant to be split
gcc $CFLAGS $LDFLAGS -o "$OUT/zlib.$SUFFIX" zlib.c -lz
# shellcheck disable=SC2086
gcc $CFLAGS -DWITH_CRC32_Z $LDFLAGS -o "$OUT/zlib129.$SUFFIX" zlib.c -lz
