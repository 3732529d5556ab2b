# PT_GNU_STACK with and without PF_X.
CFLAGS='-Os -fno-lto -fPIC -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,--build-id=none'
SUFFIX=cpython-311-x86_64-linux-gnu.so

# -z execstack is what a stray assembly file without .note.GNU-stack causes implicitly;
# asking explicitly keeps ld from warning about it.
# shellcheck disable=SC2086 # the flag lists are meant to be split
gcc $CFLAGS $LDFLAGS -Wl,-z,execstack -o "$OUT/execstack.$SUFFIX" stack.c
# shellcheck disable=SC2086
gcc $CFLAGS $LDFLAGS -Wl,-z,noexecstack -o "$OUT/noexecstack.$SUFFIX" stack.c
