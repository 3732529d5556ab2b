/* libvdep2.so.1: one version node. */
int vdep2_value(void) { return 30; }
