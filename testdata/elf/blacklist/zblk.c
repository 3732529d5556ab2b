/* An undefined reference to zcalloc, a zlib internal that every manylinux and musllinux
 * policy blacklists for libz.so.1 (it is exported by some zlib builds; Debian's is not one
 * of them, but a link without -z defs does not care). A blacklisted libz symbol fails every
 * policy: the verdict is linux. */
#include <stdio.h>
#include <zlib.h>

void *zcalloc(void *opaque, unsigned items, unsigned size);

void *PyInit_zblk(void) { return 0; }

void *zblk_alloc(z_stream *strm, unsigned items)
{
    puts("allocating");
    inflateEnd(strm);
    return zcalloc(strm->opaque, items, 1);
}
