// A C++ extension using std::vector<std::string> and exceptions: it needs libstdc++ and
// libgcc_s (distro-metadata.md §1.5). Built without optimisation, as in the design's
// observation: std::vector's allocator then calls std::__throw_bad_array_new_length
// (GLIBCXX_3.4.29, libstdc++6 >= 11).
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

static std::vector<std::string> numbers(int count)
{
    if (count < 0) {
        throw std::invalid_argument("negative count: " + std::to_string(count));
    }
    std::vector<std::string> out;
    for (int i = 0; i < count; i++) {
        out.push_back(std::to_string(i));
    }
    return out;
}

extern "C" int cxxext_count(int count)
{
    try {
        std::vector<std::string> made = numbers(count);
        std::printf("%zu numbers\n", made.size());
        return static_cast<int>(made.size());
    } catch (const std::exception &) {
        return -1;
    }
}

extern "C" void *PyInit_cxxext(void)
{
    return nullptr;
}
