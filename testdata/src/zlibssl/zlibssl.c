/* A CPython extension that really calls zlib, libcrypto and libssl, for the repair end-to-end
 * test (tests/repair_e2e.rs). zlib is on every manylinux whitelist; OpenSSL is not, so repair
 * grafts libssl.so.3 and libcrypto.so.3.
 *
 *   digest(data: bytes) -> str   hex sha256 (libcrypto EVP) of zlib.compress(data, 9)
 *   versions() -> (str, str, str) zlibVersion(), OpenSSL_version(), the protocol of a fresh
 *                                 TLS client SSL object (libssl)
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <zlib.h>

static PyObject *digest(PyObject *self, PyObject *args) {
    Py_buffer input;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*", &input))
        return NULL;
    uLongf compressed_len = compressBound((uLong)input.len);
    unsigned char *compressed = PyMem_Malloc(compressed_len);
    if (compressed == NULL) {
        PyBuffer_Release(&input);
        return PyErr_NoMemory();
    }
    int z = compress2(compressed, &compressed_len, input.buf, (uLong)input.len, 9);
    PyBuffer_Release(&input);
    if (z != Z_OK) {
        PyMem_Free(compressed);
        return PyErr_Format(PyExc_RuntimeError, "compress2 failed: %d", z);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int ok = EVP_Digest(compressed, compressed_len, md, &md_len, EVP_sha256(), NULL);
    PyMem_Free(compressed);
    if (!ok)
        return PyErr_Format(PyExc_RuntimeError, "EVP_Digest failed");
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < md_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return PyUnicode_FromStringAndSize(hex, 2 * (Py_ssize_t)md_len);
}

static PyObject *versions(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL)
        return PyErr_Format(PyExc_RuntimeError, "SSL_CTX_new failed");
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL) {
        SSL_CTX_free(ctx);
        return PyErr_Format(PyExc_RuntimeError, "SSL_new failed");
    }
    PyObject *result = Py_BuildValue("(sss)", zlibVersion(), OpenSSL_version(OPENSSL_VERSION),
                                     SSL_get_version(ssl));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return result;
}

static PyMethodDef methods[] = {
    {"digest", digest, METH_VARARGS, "hex sha256 of zlib.compress(data, 9)"},
    {"versions", versions, METH_NOARGS, "zlib, OpenSSL and TLS protocol versions"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "zlibssl", NULL, -1, methods};

PyMODINIT_FUNC PyInit_zlibssl(void) { return PyModule_Create(&module); }
