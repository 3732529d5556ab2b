/* Link-time stand-in for libfoo_missing.so.1; only its SONAME and version reach the output. */
int foo_missing(int x) { return x; }
