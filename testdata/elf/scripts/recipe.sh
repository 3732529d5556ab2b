# ELFs that are not extensions, and names that are not UTF-8. Outputs:
#   helper, helper-nopie                  executables (ET_DYN PIE and ET_EXEC) with PT_INTERP
#   odd/libodd.so.1                       defines non-UTF-8 symbol names, version ODD_1.0
#   odd/odd.cpython-311-x86_64-linux-gnu.so  needs libodd.so.1 via RUNPATH $ORIGIN
CFLAGS='-Os -fno-lto -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-s -Wl,-z,noseparate-code -Wl,--build-id=none'
mkdir -p "$OUT/odd"

# shellcheck disable=SC2086 # the flag lists are meant to be split
gcc $CFLAGS -fPIE -pie $LDFLAGS -o "$OUT/helper" helper.c
# shellcheck disable=SC2086
gcc $CFLAGS -fno-PIE -no-pie $LDFLAGS -o "$OUT/helper-nopie" helper.c

# The version script exports everything: a glob is the one way to name symbols whose
# names a script cannot spell.
# shellcheck disable=SC2086
gcc $CFLAGS -fPIC -DBUILD_LIB -shared $LDFLAGS -Wl,-soname,libodd.so.1 \
    -Wl,--version-script,odd.map -o "$OUT/odd/libodd.so.1" odd.c
# shellcheck disable=SC2016,SC2086
gcc $CFLAGS -fPIC -shared $LDFLAGS -Wl,--enable-new-dtags,-rpath,'$ORIGIN' \
    -o "$OUT/odd/odd.cpython-311-x86_64-linux-gnu.so" odd.c -L"$OUT/odd" -l:libodd.so.1
