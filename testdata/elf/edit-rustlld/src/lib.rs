//! A `cdylib` linked by rust-lld: its `.dynamic` has exactly as many slots as entries, so adding
//! an entry (DT_SONAME, DT_RPATH) forces the editor to move `.dynamic`.
#![no_std]

#[link(name = "c")]
unsafe extern "C" {
    fn abs(value: i32) -> i32;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// Returns 42 (through libc, so the library needs `libc.so.6` with a symbol version).
#[unsafe(no_mangle)]
pub extern "C" fn rust_value() -> i32 {
    unsafe { abs(-42) }
}
