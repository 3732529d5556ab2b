# GLIBC_* symbol versions: one x86_64 extension per interesting verdict.
# -fno-builtin keeps memcpy & co. as real calls (at -Os gcc would inline them and the
# version need would vanish); -fno-stack-protector keeps __stack_chk_fail out unless a
# source asks for it; noseparate-code and no build-id keep the files small and stable.
CFLAGS='-Os -fno-lto -fPIC -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,--build-id=none'
SUFFIX=cpython-311-x86_64-linux-gnu.so

# shellcheck disable=SC2086 # the flag lists are meant to be split
for mod in old memcpy214 memfd toonew private; do
    gcc $CFLAGS $LDFLAGS -o "$OUT/$mod.$SUFFIX" "$mod.c"
done

# The loader is only linked when named (libc.so lists it AS_NEEDED, and -shared objects
# rarely reference it), so name it to get a DT_NEEDED and a verneed on it.
# shellcheck disable=SC2086
gcc $CFLAGS $LDFLAGS -o "$OUT/ldso.$SUFFIX" ldso.c -Wl,--no-as-needed /lib64/ld-linux-x86-64.so.2

# shellcheck disable=SC2086
gcc $CFLAGS $LDFLAGS -Wl,-z,pack-relative-relocs -o "$OUT/relr.$SUFFIX" relr.c
