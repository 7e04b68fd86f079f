#![no_main]
//! Fuzz target `lsp`: see `checks::lsp`.

use libfuzzer_sys::fuzz_target;

mod checks;

fuzz_target!(|data: &[u8]| checks::lsp(data));
