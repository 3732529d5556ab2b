// std::string and a thrown exception: version needs on libstdc++ (GLIBCXX_*, CXXABI_*) and,
// for the unwinder, libgcc_s (GCC_3.0). Built twice: with the C++11 std::string ABI (its
// symbols are GLIBCXX_3.4.21) and with the old copy-on-write one (_GLIBCXX_USE_CXX11_ABI=0,
// what the manylinux2014 devtoolset compilers are pinned to), which needs only GLIBCXX_3.4.5.
#include <stdexcept>
#include <string>

extern "C" void *PyInit_cxx(void) { return nullptr; }
extern "C" void *PyInit_cxxold(void) { return nullptr; }

extern "C" long cxx_length(const char *text)
{
    try {
        std::string s(text);
        if (s.empty())
            // From a std::string, not a const char *: that constructor is GLIBCXX_3.4.21.
            throw std::invalid_argument(s);
        return static_cast<long>(s.size());
    } catch (const std::exception &) {
        return -1;
    }
}
