# GCC_* version needs from libgcc_s.so.1 (whitelisted everywhere).
CFLAGS='-Os -fno-lto -fPIC -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,--build-id=none'
SUFFIX=cpython-311-x86_64-linux-gnu.so

# shellcheck disable=SC2086 # the flag lists are meant to be split
gcc $CFLAGS $LDFLAGS -o "$OUT/unwind.$SUFFIX" unwind.c
# The gcc driver links libgcc.a before libgcc_s, and libgcc.a has the half-float helpers
# too, so by default they are copied in and no version need remains. Drop the default
# libraries and name libgcc_s so the helpers (and their GCC_12.0.0 version) come from it.
# shellcheck disable=SC2086
gcc $CFLAGS $LDFLAGS -nodefaultlibs -o "$OUT/half.$SUFFIX" half.c -lgcc_s -lc
