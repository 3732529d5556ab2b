# x86_64 fixtures for the editor: a versioned library, an unversioned one without SONAME, a
# library needing both (RUNPATH and RPATH variants, one unstripped with debug info), a library
# whose SONAME shares its .dynstr bytes with a symbol name, one whose SONAME shares them with a
# DT_NEEDED name, the dlopen harness, and a non-PIE executable using libext.so.
CC=${CC:-gcc}
CFLAGS="-Os -fPIC -fno-asynchronous-unwind-tables"
$CC $CFLAGS -shared src/foo.c -Wl,--version-script=src/foo.ver -Wl,-soname,libfoo.so.1 -o "$OUT/libfoo.so.1"
$CC $CFLAGS -shared src/bar.c -o "$OUT/libbar.so"
$CC $CFLAGS -shared src/ext.c -L"$OUT" -l:libfoo.so.1 -lbar -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' -o "$OUT/libext.so"
$CC $CFLAGS -shared src/ext.c -L"$OUT" -l:libfoo.so.1 -lbar -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/../lib:$ORIGIN' -o "$OUT/libext-rpath.so"
$CC $CFLAGS -g -shared src/ext.c -L"$OUT" -l:libfoo.so.1 -lbar -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' -o "$OUT/libext-debug.so"
$CC $CFLAGS -shared src/share.c -Wl,-soname,x_value -o "$OUT/libshare.so"
# SONAME `bar.so` is the tail of DT_NEEDED `libbar.so`.
$CC $CFLAGS -shared src/share.c -Wl,-soname,bar.so -L"$OUT" -Wl,--no-as-needed -lbar -o "$OUT/libshare-needed.so"
$CC -Os src/harness.c -ldl -o "$OUT/harness"
$CC -Os -no-pie src/main.c -L"$OUT" -lext -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' -o "$OUT/exec-nopie"
for lib in libfoo.so.1 libbar.so libext.so libext-rpath.so libshare.so libshare-needed.so; do
    strip --strip-unneeded "$OUT/$lib"
done
strip "$OUT/harness" "$OUT/exec-nopie"
