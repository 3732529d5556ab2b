# Built on Debian 12 with libbz2-dev installed.
gcc -shared -fPIC -O2 -Wl,--build-id=none -s -Wl,-soname,libfoo.so.1 -o "$OUT/libfoo.so.1" foo.c
gcc -shared -fPIC -O2 -Wl,--build-id=none -s -o "$OUT/bzext.cpython-311-x86_64-linux-gnu.so" bzext.c \
    -lbz2 -L"$OUT" -l:libfoo.so.1
