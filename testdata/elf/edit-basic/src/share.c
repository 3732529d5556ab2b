/* libshare.so: its SONAME `x_value` is the tail of the symbol name `get_x_value`, and GNU ld
 * merges the two in .dynstr. */
int get_x_value(void) { return 7; }
