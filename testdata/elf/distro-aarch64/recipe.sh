# Needs the aarch64-linux-gnu cross compiler (gcc-aarch64-linux-gnu).
aarch64-linux-gnu-gcc -shared -fPIC -O2 -Wl,--build-id=none -s \
    -o "$OUT/armext.cpython-311-aarch64-linux-gnu.so" armext.c
