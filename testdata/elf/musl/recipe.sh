# musl-linked objects (x86_64).
#  - muslgcc...: what Debian's musl-gcc produces, DT_NEEDED libc.so (Debian's musl libc.so
#    has no SONAME, so the linker records the file name it was given).
#  - ext... and helper: what an Alpine toolchain produces, DT_NEEDED libc.musl-x86_64.so.1
#    (Alpine's libc SONAME, which the musllinux whitelist entry libc.so is rewritten to),
#    and for the executable PT_INTERP /lib/ld-musl-x86_64.so.1.
CFLAGS='-Os -fno-lto -fPIC -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-s -Wl,-z,noseparate-code -Wl,--build-id=none'
SUFFIX=cpython-311-x86_64-linux-musl.so
MUSL_LIBC=/usr/lib/x86_64-linux-musl/libc.so

# shellcheck disable=SC2086 # the flag lists are meant to be split
musl-gcc $CFLAGS -shared $LDFLAGS -o "$OUT/muslgcc.$SUFFIX" ext.c

# Give the linker musl's libc under Alpine's name: with no SONAME to copy, ld records the
# name the library was found under, so DT_NEEDED becomes libc.musl-x86_64.so.1.
ln -s "$MUSL_LIBC" "$SCRATCH/libc.musl-x86_64.so.1"
# shellcheck disable=SC2086
musl-gcc $CFLAGS -shared $LDFLAGS -nodefaultlibs -o "$OUT/ext.$SUFFIX" ext.c \
    -L"$SCRATCH" -l:libc.musl-x86_64.so.1 -lgcc
# musl-gcc's specs already set the interpreter to /lib/ld-musl-x86_64.so.1.
# shellcheck disable=SC2086
musl-gcc $CFLAGS $LDFLAGS -nodefaultlibs -o "$OUT/helper" helper.c \
    -L"$SCRATCH" -l:libc.musl-x86_64.so.1 -lgcc
