# Blacklisted symbols, strong and weak, on x86_64 and aarch64, and a blacklisted zlib internal.
CFLAGS='-Os -fno-lto -fPIC -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,--build-id=none'
X86=cpython-311-x86_64-linux-gnu.so
ARM=cpython-311-aarch64-linux-gnu.so

# x86_64: link against the stub libc so the blacklisted reference is unversioned and only
# the blacklist (not the symbol versions) keeps the extension out of manylinux_2_5..2_17.
# -nostdlib drops crt files too, which only removes the __cxa_finalize boilerplate.
# shellcheck disable=SC2086 # the flag lists are meant to be split
gcc $CFLAGS $LDFLAGS -nostdlib -Wl,-soname,libc.so.6 -Wl,--version-script,stub_libc.map \
    -o "$SCRATCH/libc.so.6" stub_libc.c
# shellcheck disable=SC2086
gcc $CFLAGS $LDFLAGS -nostdlib -o "$OUT/blk.$X86" blk.c "$SCRATCH/libc.so.6"
# shellcheck disable=SC2086
gcc $CFLAGS -DWEAK_REF $LDFLAGS -nostdlib -o "$OUT/blkweak.$X86" blk.c "$SCRATCH/libc.so.6"

# aarch64: the real case. manylinux_2_17_aarch64 allows GLIBC_2.18 (aarch64 glibc started
# at 2.17 and 2.18 followed quickly) but blacklists the 2.18-only symbols, so the symbol
# versions say manylinux_2_17 and the blacklist says manylinux_2_24. max-page-size keeps
# the 64 KiB default alignment from padding the file.
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $CFLAGS -DPIN_GLIBC_2_18 $LDFLAGS -Wl,-z,max-page-size=4096 \
    -o "$OUT/blk.$ARM" blk.c
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $CFLAGS -DPIN_GLIBC_2_18 -DWEAK_REF $LDFLAGS -Wl,-z,max-page-size=4096 \
    -o "$OUT/blkweak.$ARM" blk.c

# shellcheck disable=SC2086
gcc $CFLAGS $LDFLAGS -o "$OUT/zblk.$X86" zblk.c -lz
