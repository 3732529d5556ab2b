# Built on Debian 12 (g++ 12).
g++ -shared -fPIC -O0 -Wl,--build-id=none -s -o "$OUT/cxxext.cpython-311-x86_64-linux-gnu.so" cxxext.cpp
