//! `.nexus-lint.yaml`: any text is a config or a config error with a position, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nexus_lint::config::{Overrides, parse_config, settings};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok((cfg, lines)) = parse_config(".nexus-lint.yaml", &text) {
        let _ = settings(Some((std::path::Path::new(".nexus-lint.yaml"), cfg, lines)), &Overrides::default());
    }
});
