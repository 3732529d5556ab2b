/* A Python extension linking libpq, libssl/libcrypto, libffi and zlib (distro-metadata.md §1.5).
 * Symbols that set the minimal versions: PQconnectdbParams (9.0~), PQlibVersion (9.1~),
 * SSL_CTX_new@OPENSSL_3.0.0 (libssl.so.3), ERR_get_error@OPENSSL_3.0.0 (libcrypto.so.3, same
 * package), ffi_prep_cif@LIBFFI_BASE_8.0, crc32@Base, printf@GLIBC_2.2.5. */
#include <stdio.h>
#include <ffi.h>
#include <libpq-fe.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <zlib.h>

int myext_probe(void)
{
    const char *keys[] = {"dbname", NULL};
    const char *values[] = {"wheelfix", NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 0);
    int version = PQlibVersion();
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    ffi_cif cif;
    ffi_type *args[1] = {&ffi_type_sint};
    int prepared = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_sint, args);
    unsigned long crc = crc32(0L, Z_NULL, 0);
    unsigned long error = ERR_get_error();
    printf("%d %p %p %d %lu %lu\n", version, (void *)conn, (void *)ctx, prepared, crc, error);
    return 0;
}

void *PyInit_myext(void)
{
    myext_probe();
    return NULL;
}
