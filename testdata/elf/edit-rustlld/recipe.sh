# A no_std Rust cdylib linked by Rust's default linker for x86_64 (rust-lld): no spare
# DT_NULL slots in .dynamic.
rustc --edition 2024 --crate-type cdylib -C opt-level=s -C panic=abort -C strip=symbols \
    src/lib.rs -o "$OUT/librustlld.so"
