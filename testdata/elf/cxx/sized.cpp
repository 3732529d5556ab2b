// Sized deallocation (C++14, on by default): `delete` of a complete type calls
// operator delete(void *, std::size_t), exported at CXXABI_1.3.9, while operator new is plain
// GLIBCXX_3.4. The CXXABI prefix alone decides the verdict: manylinux_2_24.
struct Box {
    long slots[4];
};

extern "C" void *PyInit_sized(void) { return nullptr; }

// Separate exported functions, so the compiler cannot pair and elide the new/delete.
extern "C" Box *sized_make(void) { return new Box(); }
extern "C" void sized_free(Box *b) { delete b; }
