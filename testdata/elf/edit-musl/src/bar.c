/* libbar.so: no SONAME, no symbol versions. */
int bar_value(void) { return 40; }
