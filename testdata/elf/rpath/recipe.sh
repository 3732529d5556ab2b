# DT_RPATH vs DT_RUNPATH, and RPATH inheritance. out/ mirrors the wheel layout:
#   rpathdemo/rpath.cpython-311-x86_64-linux-gnu.so    DT_RPATH   $ORIGIN/../rpathdemo.libs
#   rpathdemo/runpath.cpython-311-x86_64-linux-gnu.so  DT_RUNPATH $ORIGIN/../rpathdemo.libs
#   rpathdemo/both.cpython-311-x86_64-linux-gnu.so     DT_RPATH   $ORIGIN/../rpathdemo.libs:$ORIGIN
#                                                      DT_RUNPATH $ORIGIN
#   rpathdemo/bothgone.cpython-311-x86_64-linux-gnu.so DT_RPATH   $ORIGIN/../rpathdemo.libs:$ORIGIN/../runpath.libs
#                                                      DT_RUNPATH $ORIGIN/../runpath.libs
#   rpathdemo.libs/libmid.so.1                         NEEDED libleaf.so.1, no run path
#   rpathdemo.libs/libleaf.so.1
# Every extension needs libmid.so.1 only; libleaf.so.1 is needed by libmid.
CFLAGS='-Os -fno-lto -fPIC -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,--build-id=none'
SUFFIX=cpython-311-x86_64-linux-gnu.so
LIBS="$OUT/rpathdemo.libs"
mkdir -p "$OUT/rpathdemo" "$LIBS"

# shellcheck disable=SC2086 # the flag lists are meant to be split
gcc $CFLAGS $LDFLAGS -Wl,-soname,libleaf.so.1 -o "$LIBS/libleaf.so.1" leaf.c
# shellcheck disable=SC2086
gcc $CFLAGS $LDFLAGS -Wl,-soname,libmid.so.1 -o "$LIBS/libmid.so.1" mid.c -L"$LIBS" -l:libleaf.so.1

# -rpath-link lets ld check libmid's own needs at link time without recording a path.
# Single quotes: $ORIGIN is for the dynamic loader, not this shell.
# shellcheck disable=SC2016,SC2086
gcc $CFLAGS $LDFLAGS -Wl,--disable-new-dtags,-rpath,'$ORIGIN/../rpathdemo.libs' \
    -Wl,-rpath-link,"$LIBS" -o "$OUT/rpathdemo/rpath.$SUFFIX" ext.c -L"$LIBS" -l:libmid.so.1
# shellcheck disable=SC2016,SC2086
gcc $CFLAGS $LDFLAGS -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../rpathdemo.libs' \
    -Wl,-rpath-link,"$LIBS" -o "$OUT/rpathdemo/runpath.$SUFFIX" ext.c -L"$LIBS" -l:libmid.so.1

# ld cannot write both tags; add_runpath.py adds the DT_RUNPATH afterwards, reusing the tail
# of the DT_RPATH string. A loader must ignore DT_RPATH when DT_RUNPATH is present, and
# neither RUNPATH directory holds libmid.so.1, so neither extension can load:
#  - both: DT_RUNPATH $ORIGIN, a directory that exists;
#  - bothgone: DT_RUNPATH $ORIGIN/../runpath.libs, a directory the wheel does not have.
#    auditwheel 6.8.1 drops missing directories before deciding whether RUNPATH overrides
#    RPATH, so it wrongly falls back to DT_RPATH and finds libmid.so.1.
# shellcheck disable=SC2016 # the $ORIGIN strings are for the loader
for variant in 'both:$ORIGIN' 'bothgone:$ORIGIN/../runpath.libs'; do
    name=${variant%%:*}
    runpath=${variant#*:}
    # shellcheck disable=SC2086
    gcc $CFLAGS $LDFLAGS -Wl,--disable-new-dtags,-rpath,"\$ORIGIN/../rpathdemo.libs:$runpath" \
        -Wl,-rpath-link,"$LIBS" -o "$OUT/rpathdemo/$name.$SUFFIX" ext.c -L"$LIBS" -l:libmid.so.1
    python3 add_runpath.py "$OUT/rpathdemo/$name.$SUFFIX" "$runpath"
done
