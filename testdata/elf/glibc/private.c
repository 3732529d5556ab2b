/* A GLIBC_PRIVATE symbol: an internal interface with no compatibility promise, which no
 * manylinux policy lists, so the only possible verdict is linux. */
struct __res_state;
void __res_iclose(struct __res_state *statp, int free_addr);

void *PyInit_private(void) { return 0; }

void private_close(struct __res_state *statp) { __res_iclose(statp, 0); }
