#![no_main]
//! Fuzz target `filter_pattern`: see `checks::filter_pattern`.

use libfuzzer_sys::fuzz_target;

mod checks;

fuzz_target!(|data: &[u8]| checks::filter_pattern(data));
