# The zlibssl test extension (see zlibssl.c): links zlib, libssl and libcrypto from the system.
from setuptools import Extension, setup

setup(ext_modules=[Extension("zlibssl", ["zlibssl.c"], libraries=["ssl", "crypto", "z"])])
