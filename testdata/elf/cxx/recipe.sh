# C++: GLIBCXX_* and CXXABI_* version needs from libstdc++.so.6 (plus GCC_* from
# libgcc_s.so.1 for _Unwind_Resume). Both libraries are on every manylinux whitelist, so only
# the symbol versions decide the verdict. cxx.cpp defines both PyInit_ names so that each of
# its two builds is an extension under its own file name.
CXXFLAGS='-Os -fno-lto -fPIC -fno-stack-protector'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,--build-id=none'
SUFFIX=cpython-311-x86_64-linux-gnu.so

# shellcheck disable=SC2086 # the flag lists are meant to be split
g++ $CXXFLAGS $LDFLAGS -o "$OUT/cxx.$SUFFIX" cxx.cpp
# shellcheck disable=SC2086
g++ $CXXFLAGS -D_GLIBCXX_USE_CXX11_ABI=0 $LDFLAGS -o "$OUT/cxxold.$SUFFIX" cxx.cpp
# -fno-exceptions: no personality routine, so CXXABI_1.3.9 is the only CXXABI need.
# shellcheck disable=SC2086
g++ $CXXFLAGS -fno-exceptions $LDFLAGS -o "$OUT/sized.$SUFFIX" sized.cpp
