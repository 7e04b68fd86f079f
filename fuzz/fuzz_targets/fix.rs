#![no_main]
//! Fuzz target `fix`: see `checks::fix`.

use libfuzzer_sys::fuzz_target;

mod checks;

fuzz_target!(|data: &[u8]| checks::fix(data));
