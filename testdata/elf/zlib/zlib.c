/* inflateReset2 is exported by libz.so.1 at ZLIB_1.2.3.4: too new for manylinux_2_12
 * (ZLIB up to 1.2.2.4), fine for manylinux_2_17. crc32_z (ZLIB_1.2.9) is in a second
 * extension, zlib129, which needs manylinux_2_27. */
#include <stdio.h>
#include <zlib.h>

void *PyInit_zlib(void) { return 0; }
void *PyInit_zlib129(void) { return 0; }

#ifdef WITH_CRC32_Z
unsigned long zlib_crc(const unsigned char *buf, z_size_t len) { return crc32_z(0, buf, len); }
#endif

int zlib_reset(z_stream *strm)
{
    puts(zlibVersion());
    return inflateReset2(strm, 15);
}
