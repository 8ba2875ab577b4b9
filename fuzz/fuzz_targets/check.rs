//! The whole `check` pipeline with every reporter, on a small repository: a manifest stream, a
//! Compose file, its `.env` and a deploy script (the input split at NUL bytes). Every span lies
//! in its file and every output (human, json, github, sarif, junit, markdown, the graph) is free
//! of raw control characters.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let files = nexus_lint_fuzz::files(data, &["k8s/app.yaml", "compose.yaml", ".env", "deploy.sh"]);
    let o = nexus_lint_fuzz::check(files);
    nexus_lint_fuzz::assert_sound(&o);
});
