# The edit-basic libraries and the dlopen harness linked against musl (musl-gcc from Debian's
# musl-tools): the harness runs under /lib/ld-musl-x86_64.so.1.
CFLAGS="-Os -fPIC -fno-asynchronous-unwind-tables"
musl-gcc $CFLAGS -shared src/foo.c -Wl,--version-script=src/foo.ver -Wl,-soname,libfoo.so.1 -o "$OUT/libfoo.so.1"
musl-gcc $CFLAGS -shared src/bar.c -o "$OUT/libbar.so"
musl-gcc $CFLAGS -shared src/ext.c -L"$OUT" -l:libfoo.so.1 -lbar -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' -o "$OUT/libext.so"
musl-gcc -Os src/harness.c -o "$OUT/harness"
for file in libfoo.so.1 libbar.so libext.so harness; do
    strip --strip-unneeded "$OUT/$file"
done
