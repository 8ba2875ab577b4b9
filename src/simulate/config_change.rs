//! NX908 config-change-skew in words: the workload, the config, how each reference reads it and
//! how long its replicas disagree after the edit.

use nexus_sim::defaults::{KUBELET_CONFIG_CACHE_TTL_MS, KUBELET_SYNC_FREQUENCY_MS};
use nexus_sim::finding::Detail;
use nexus_sim::spec::{ConfigUse, SimPlatform};

use super::{Words, name, secs};

/// The words of the race whose primary is the config reference `u`.
pub(super) fn words(p: &SimPlatform, u: u32, detail: Option<Detail>, prob: &str) -> Words {
    let Some(first) = p.config_uses.get(u as usize) else {
        return Words { message: String::new(), label: String::new(), secondary: Vec::new(), help: String::new() };
    };
    let app = name(p, first.actor);
    let Some(config) = p.configs.get(first.config as usize) else {
        return Words { message: String::new(), label: String::new(), secondary: Vec::new(), help: String::new() };
    };
    let kind = if config.secret { "Secret" } else { "ConfigMap" };
    let cfg = &config.name;
    let uses: Vec<&ConfigUse> =
        p.config_uses.iter().filter(|x| x.config == first.config && x.actor == first.actor).collect();
    let n = p.actors.get(first.actor.index()).map_or(1, |a| a.replicas.max(1));
    let stale: Vec<String> = uses.iter().filter(|x| !x.uptake.live()).map(|x| x.uptake.describe()).collect();
    let live: Vec<String> = uses.iter().filter(|x| x.uptake.live()).map(|x| x.uptake.describe()).collect();
    let window = match detail {
        Some(Detail::ConfigSkew { files_first_ms: Some(a), files_last_ms: Some(b), .. }) if a == b => {
            format!("{} later in the first such change", secs(a))
        }
        Some(Detail::ConfigSkew { files_first_ms: Some(a), files_last_ms: Some(b), .. }) => {
            format!("{}–{} later in the first such change, pod by pod", secs(a), secs(b))
        }
        _ => String::new(),
    };
    let bound = secs(KUBELET_SYNC_FREQUENCY_MS + KUBELET_CONFIG_CACHE_TTL_MS);
    let how_often = prob.replace(" of starts", " of config changes");
    let live = live.join(" and ");
    let message = if stale.is_empty() {
        let plural = if n == 1 { "" } else { "s" };
        format!(
            "after an edit of {kind} `{cfg}`, {live} of `{app}` ({n} replica{plural}) sees it {window} (up to {bound}), and a program that read it at start keeps the old values until it restarts, in {how_often}"
        )
    } else {
        let who = if n == 1 {
            format!("the only replica of `{app}` keeps the old values ({}) until it restarts", stale.join(", "))
        } else {
            format!("the {n} replicas of `{app}` keep the old values ({}) until they restart", stale.join(", "))
        };
        let files = if live.is_empty() { String::new() } else { format!("; {live} sees it {window} (up to {bound})") };
        format!("after an edit of {kind} `{cfg}`, {who} — unbounded{files}, in {how_often}")
    };
    Words {
        message,
        label: format!("`{app}` reads `{cfg}` here, and nothing rolls its pods when `{cfg}` changes"),
        secondary: vec![(config.origin, format!("{kind} `{cfg}` is defined here"))],
        help: format!(
            "Roll the pods with the config, so that an edit is a rolling update: a pod-template annotation `checksum/{cfg}` with a hash of its data, a kustomize {} (hashed names), or a reloader (`reloader.stakater.com/auto: \"true\"`).",
            if config.secret { "secretGenerator" } else { "configMapGenerator" }
        ),
    }
}
