#![no_main]
//! Fuzz target `hcl_module`: see `checks::hcl_module`.

use libfuzzer_sys::fuzz_target;

mod checks;

fuzz_target!(|data: &[u8]| checks::hcl_module(data));
