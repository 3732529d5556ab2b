/* Extension modules for the abi3 checks of `wheelfix check`. No Python headers: the CPython
 * symbols are declared `extern`, so they end up as undefined dynamic symbols exactly as in a
 * real extension. Which ones are referenced is chosen with -D flags (see recipe.sh). */

extern void *PyModule_Create2(void *definition, int api_version);
extern int PyArg_ParseTuple(void *args, const char *format, ...);
extern void *Py_BuildValue(const char *format, ...);
#ifdef USE_NONSTABLE
/* Private API, never part of the stable ABI. */
extern void *_PyObject_GC_Malloc(unsigned long size);
#endif
#ifdef USE_NEWER
/* Stable ABI, but only since 3.12. */
extern void *PyType_FromMetaclass(void *meta, void *module, void *spec, void *bases);
/* Stable ABI since 3.10. */
extern const char *PyUnicode_AsUTF8AndSize(void *unicode, long *size);
#endif

static char definition[64];

void *MODULE_INIT(void)
{
    void *m = PyModule_Create2(definition, 3);
    PyArg_ParseTuple(m, "");
    Py_BuildValue("");
#ifdef USE_NONSTABLE
    _PyObject_GC_Malloc(16);
#endif
#ifdef USE_NEWER
    PyType_FromMetaclass(m, m, m, m);
    PyUnicode_AsUTF8AndSize(m, 0);
#endif
    return m;
}
