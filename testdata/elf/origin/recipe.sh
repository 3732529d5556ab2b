# A library already inside the wheel, found through $ORIGIN. out/ mirrors the wheel layout:
#   demo/ext.cpython-311-x86_64-linux-gnu.so        RUNPATH $ORIGIN/../demo.libs
#   demo/extbrace.cpython-311-x86_64-linux-gnu.so   RUNPATH ${ORIGIN}/../demo.libs
#   demo.libs/libdemo.so.1                          SONAME libdemo.so.1, defines DEMO_1.0
CFLAGS='-Os -fno-lto -fPIC -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,--build-id=none'
SUFFIX=cpython-311-x86_64-linux-gnu.so
mkdir -p "$OUT/demo" "$OUT/demo.libs"

# shellcheck disable=SC2086 # the flag lists are meant to be split
gcc $CFLAGS $LDFLAGS -Wl,-soname,libdemo.so.1 -Wl,--version-script,demo.map \
    -o "$OUT/demo.libs/libdemo.so.1" demo.c

# Single quotes: $ORIGIN is for the dynamic loader, not this shell. Linking by -l: records
# the SONAME as DT_NEEDED, not the build path.
# shellcheck disable=SC2016,SC2086
gcc $CFLAGS $LDFLAGS -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../demo.libs' \
    -o "$OUT/demo/ext.$SUFFIX" ext.c -L"$OUT/demo.libs" -l:libdemo.so.1
# shellcheck disable=SC2016,SC2086
gcc $CFLAGS $LDFLAGS -Wl,--enable-new-dtags,-rpath,'${ORIGIN}/../demo.libs' \
    -o "$OUT/demo/extbrace.$SUFFIX" ext.c -L"$OUT/demo.libs" -l:libdemo.so.1
