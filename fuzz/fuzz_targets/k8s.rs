//! The Kubernetes front end (object detection, schema validation, typing, model pieces) and the
//! linking after it, on one manifest stream.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let loaded = nexus_model::load::load_memory(&[("k8s/app.yaml".into(), text)]);
    let secrets = nexus_model::redact::secrets(&loaded.platform);
    for s in &secrets.spans {
        assert!(s.end as usize <= loaded.db.get(s.file).text.len());
    }
});
