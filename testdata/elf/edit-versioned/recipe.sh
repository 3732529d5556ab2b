# libuser.so needs libvdep.so.1 (VDEP_1.0, VDEP_2.0), libvdep2.so.1 (V2_1.0), libgomp.so.1
# (OMP_1.0) and libc.so.6: more than two .gnu.version_r records.
CFLAGS="-Os -fPIC -fno-asynchronous-unwind-tables"
gcc $CFLAGS -shared src/vdep.c -Wl,--version-script=src/vdep.ver -Wl,-soname,libvdep.so.1 -o "$OUT/libvdep.so.1"
gcc $CFLAGS -shared src/vdep2.c -Wl,--version-script=src/vdep2.ver -Wl,-soname,libvdep2.so.1 -o "$OUT/libvdep2.so.1"
gcc $CFLAGS -fopenmp -shared src/user.c -L"$OUT" -l:libvdep.so.1 -l:libvdep2.so.1 \
    -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' -o "$OUT/libuser.so"
for lib in libvdep.so.1 libvdep2.so.1 libuser.so; do
    strip --strip-unneeded "$OUT/$lib"
done
