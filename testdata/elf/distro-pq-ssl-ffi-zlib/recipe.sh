# Built on Debian 12 with libpq-dev libssl-dev libffi-dev zlib1g-dev installed.
gcc -shared -fPIC -O2 -Wl,--build-id=none -s -I/usr/include/postgresql \
    -o "$OUT/myext.cpython-311-x86_64-linux-gnu.so" myext.c -lpq -lssl -lcrypto -lffi -lz
