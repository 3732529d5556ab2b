# The edit-basic libraries and the dlopen harness for every foreign architecture with a cross
# toolchain on Debian 12: out/<arch>/{libfoo.so.1,libbar.so,libext.so,harness}. Run with
# `qemu-<arch> -L /usr/<triplet> out/<arch>/harness ...`.
CFLAGS="-Os -fPIC -fno-asynchronous-unwind-tables"
for spec in aarch64-linux-gnu:aarch64 powerpc64le-linux-gnu:ppc64le powerpc64-linux-gnu:ppc64 \
        s390x-linux-gnu:s390x i686-linux-gnu:i686 arm-linux-gnueabihf:armv7l \
        riscv64-linux-gnu:riscv64; do
    triplet=${spec%%:*}
    arch=${spec##*:}
    dir="$OUT/$arch"
    mkdir -p "$dir"
    cc="$triplet-gcc"
    $cc $CFLAGS -shared src/foo.c -Wl,--version-script=src/foo.ver -Wl,-soname,libfoo.so.1 -o "$dir/libfoo.so.1"
    $cc $CFLAGS -shared src/bar.c -o "$dir/libbar.so"
    $cc $CFLAGS -shared src/ext.c -L"$dir" -l:libfoo.so.1 -lbar -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' -o "$dir/libext.so"
    $cc -Os src/harness.c -ldl -o "$dir/harness"
    for file in libfoo.so.1 libbar.so libext.so harness; do
        "$triplet-strip" --strip-unneeded "$dir/$file"
    done
done
