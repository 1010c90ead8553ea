//! Fuzzes the reader (and, for inputs that read, preparation, writing and re-reading).
//! Seeds: `make fuzz` copies the project's fixtures and the corpus into fuzz/corpus/read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    render_worker::fuzzing::read_process_write(data);
});
