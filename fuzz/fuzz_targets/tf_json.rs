#![no_main]
//! Fuzz target `tf_json`: see `checks::tf_json`.

use libfuzzer_sys::fuzz_target;

mod checks;

fuzz_target!(|data: &[u8]| checks::tf_json(data));
