//! The Compose front end: projects from a base file, an override, a `.env` and an env file
//! (the input split at NUL bytes), interpolation, `extends`, merging, emission.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let files = nexus_lint_fuzz::files(
        data,
        &["app/compose.yaml", "app/.env", "app/compose.override.yaml", "app/config/app.env", "app/base.yml"],
    );
    let loaded = nexus_model::load::load_memory(&files);
    let _ = nexus_model::redact::secrets(&loaded.platform);
});
