/* libfoo.so.1: two symbol versions, so that libraries linking it get a .gnu.version_r record. */
int foo_old(void) { return 1; }
int foo_value(void) { return 2; }
