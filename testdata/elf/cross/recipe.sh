# ELF classes, byte orders and machines other than x86_64, from Debian's cross compilers.
# The file names use each platform's CPython EXT_SUFFIX.
# max-page-size=4096: aarch64 and ppc64 default to 64 KiB alignment, which pads every file
# to over 64 KiB, and noseparate-code keeps i686 from padding its text to its own pages;
# the layout of the segments does not matter to these fixtures.
CFLAGS='-Os -fno-lto -fPIC -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables'
LDFLAGS='-shared -s -Wl,-z,noseparate-code -Wl,-z,max-page-size=4096 -Wl,--build-id=none'

# "compiler prefix:python multiarch" pairs. armv7l appears twice: hard-float (gnueabihf, the
# only ABI auditwheel calls armv7l) and soft-float (gnueabi, EABI5 without the hard-float
# flag; Debian armel), which must not be recognised as armv7l.
for target in \
    i686-linux-gnu:i386-linux-gnu \
    arm-linux-gnueabihf:arm-linux-gnueabihf \
    arm-linux-gnueabi:arm-linux-gnueabi \
    aarch64-linux-gnu:aarch64-linux-gnu \
    powerpc64le-linux-gnu:powerpc64le-linux-gnu \
    powerpc64-linux-gnu:powerpc64-linux-gnu \
    s390x-linux-gnu:s390x-linux-gnu \
    riscv64-linux-gnu:riscv64-linux-gnu
do
    cc="${target%%:*}-gcc"
    multiarch=${target#*:}
    # shellcheck disable=SC2086 # the flag lists are meant to be split
    "$cc" $CFLAGS $LDFLAGS -o "$OUT/ext.cpython-311-$multiarch.so" ext.c
done
