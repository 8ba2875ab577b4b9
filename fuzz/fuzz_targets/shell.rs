//! Today's shell readers, through their public entry point (loading): a deploy script (deploy
//! plans) and a container command (waits) next to a manifest it can refer to. The input is the
//! script, then after a NUL byte the container's `sh -c` command.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(2, |&b| b == 0);
    let script = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let command = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: api}}\nspec:\n  initContainers: [{{name: wait, image: busybox, command: [sh, -c, {}]}}]\n  containers: [{{name: api, image: api}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: db}}\nspec: {{selector: {{app: db}}, ports: [{{port: 5432}}]}}\n",
        serde_json_string(&command)
    );
    let _ = nexus_model::load::load_memory(&[("deploy/deploy.sh".into(), script), ("k8s/app.yaml".into(), manifest)]);
});

/// A YAML double-quoted scalar holding `s` (JSON string syntax is valid YAML).
fn serde_json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
