//! A `cdylib` linked by rust-lld: its `.dynamic` has exactly as many slots as entries, so adding
//! an entry (DT_SONAME, DT_RPATH) forces the editor to move `.dynamic`.
#![no_std]

use core::ffi::{CStr, c_char, c_int};

#[link(name = "c")]
unsafe extern "C" {
    fn atoi(text: *const c_char) -> c_int;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// Returns 42 through libc's `atoi`, so the library needs `libc.so.6` with a symbol version;
/// `black_box` keeps the call from being folded away.
#[unsafe(no_mangle)]
pub extern "C" fn rust_value() -> i32 {
    let text: &CStr = c"42";
    unsafe { atoi(core::hint::black_box(text.as_ptr())) }
}
