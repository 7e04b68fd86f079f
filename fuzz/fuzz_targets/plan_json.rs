#![no_main]
//! Fuzz target `plan_json`: see `checks::plan_json`.

use libfuzzer_sys::fuzz_target;

mod checks;

fuzz_target!(|data: &[u8]| checks::plan_json(data));
