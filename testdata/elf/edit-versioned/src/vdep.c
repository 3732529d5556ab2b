/* libvdep.so.1: two version nodes. */
int vdep_one(void) { return 1; }
int vdep_two(void) { return 2; }
