//! `pyo3ext`: a PyO3 module that calls libbz2 through its C API, so that the wheel needs
//! `libbz2.so.1.0` (not whitelisted by any manylinux policy) and `wheelfix repair` grafts it.
//!
//! `bzlib_version()` returns `BZ2_bzlibVersion()`; `roundtrip(data)` compresses with
//! `BZ2_bzBuffToBuffCompress` and decompresses with `BZ2_bzBuffToBuffDecompress`, returning
//! `(compressed, decompressed)`.

use std::ffi::{c_char, c_int, c_uint, CStr};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

#[link(name = "bz2")]
extern "C" {
    fn BZ2_bzlibVersion() -> *const c_char;
    fn BZ2_bzBuffToBuffCompress(
        dest: *mut c_char,
        dest_len: *mut c_uint,
        source: *mut c_char,
        source_len: c_uint,
        block_size_100k: c_int,
        verbosity: c_int,
        work_factor: c_int,
    ) -> c_int;
    fn BZ2_bzBuffToBuffDecompress(
        dest: *mut c_char,
        dest_len: *mut c_uint,
        source: *mut c_char,
        source_len: c_uint,
        small: c_int,
        verbosity: c_int,
    ) -> c_int;
}

#[pyfunction]
fn bzlib_version() -> String {
    // SAFETY: libbz2 returns a pointer to a static NUL-terminated string.
    unsafe { CStr::from_ptr(BZ2_bzlibVersion()) }
        .to_string_lossy()
        .into_owned()
}

#[pyfunction]
fn roundtrip<'py>(
    py: Python<'py>,
    data: &[u8],
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let len = c_uint::try_from(data.len()).map_err(|_| PyRuntimeError::new_err("too large"))?;
    let mut source = data.to_vec();
    // bzip2's documented bound: 1% + 600 bytes more than the input.
    let mut compressed = vec![0u8; data.len() + data.len() / 100 + 601];
    let mut compressed_len = compressed.len() as c_uint;
    // SAFETY: the buffers are valid for the lengths given.
    let rc = unsafe {
        BZ2_bzBuffToBuffCompress(
            compressed.as_mut_ptr().cast(),
            &mut compressed_len,
            source.as_mut_ptr().cast(),
            len,
            9,
            0,
            0,
        )
    };
    if rc != 0 {
        return Err(PyRuntimeError::new_err(format!("BZ2_bzBuffToBuffCompress: {rc}")));
    }
    compressed.truncate(compressed_len as usize);
    let mut decompressed = vec![0u8; data.len()];
    let mut decompressed_len = len;
    // SAFETY: as above.
    let rc = unsafe {
        BZ2_bzBuffToBuffDecompress(
            decompressed.as_mut_ptr().cast(),
            &mut decompressed_len,
            compressed.as_mut_ptr().cast(),
            compressed_len,
            0,
            0,
        )
    };
    if rc != 0 {
        return Err(PyRuntimeError::new_err(format!("BZ2_bzBuffToBuffDecompress: {rc}")));
    }
    decompressed.truncate(decompressed_len as usize);
    Ok((PyBytes::new(py, &compressed), PyBytes::new(py, &decompressed)))
}

#[pymodule]
fn pyo3ext(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bzlib_version, m)?)?;
    m.add_function(wrap_pyfunction!(roundtrip, m)?)?;
    Ok(())
}
