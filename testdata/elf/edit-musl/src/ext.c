/* libext.so: needs libfoo.so.1 (versioned) and libbar.so; ext_value() returns 48. */
int foo_old(void);
int foo_value(void);
int bar_value(void);
int ext_value(void) { return foo_old() + foo_value() + bar_value() + 5; }
