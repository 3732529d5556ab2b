# Every PT_LOAD of this library has p_align 0x200000 (noseparate-code and norelro keep the
# file small).
gcc -Os -fPIC -shared src/lib.c -Wl,-z,max-page-size=0x200000 -Wl,-z,noseparate-code -Wl,-z,norelro \
    -Wl,-soname,libalign2m.so -o "$OUT/libalign2m.so"
strip --strip-unneeded "$OUT/libalign2m.so"
