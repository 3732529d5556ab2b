# Built on Debian 12 with libpq-dev installed.
gcc -shared -fPIC -O2 -Wl,--build-id=none -s -I/usr/include/postgresql \
    -o "$OUT/pqfinish.cpython-311-x86_64-linux-gnu.so" pqfinish.c -lpq
