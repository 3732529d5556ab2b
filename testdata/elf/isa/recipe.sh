# x86-64 ISA levels recorded as GNU_PROPERTY_X86_ISA_1_NEEDED (binutils >= 2.35 `-z x86-64-vN`).
CFLAGS='-Os -fno-lto -fPIC -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,--build-id=none'
SUFFIX=cpython-311-x86_64-linux-gnu.so

# isabase: the note exists but says "baseline" only, which auditwheel treats as no
# requirement (it clears bit 1 before looking). ld 2.40 aborts with an internal error in
# _bfd_x86_elf_merge_gnu_properties when -z x86-64-baseline meets the default start files
# and libgcc, so link with -nostdlib and name libc alone (no crt boilerplate in the output).
# shellcheck disable=SC2086 # the flag lists are meant to be split
gcc $CFLAGS -march=x86-64 $LDFLAGS -nostdlib -Wl,-z,x86-64-baseline \
    -o "$OUT/isabase.$SUFFIX" isa.c -lc
for level in v2 v3 v4; do
    # shellcheck disable=SC2086
    gcc $CFLAGS -march="x86-64-$level" $LDFLAGS -Wl,-z,"x86-64-$level" -o "$OUT/isa$level.$SUFFIX" isa.c
done
