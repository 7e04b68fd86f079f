#![no_main]
//! Fuzz target `tfvars`: see `checks::tfvars`.

use libfuzzer_sys::fuzz_target;

mod checks;

fuzz_target!(|data: &[u8]| checks::tfvars(data));
