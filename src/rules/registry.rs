//! The list of rules, in code order. Adding a rule: its file, its Markdown, one line here.

use super::{Rule, health, input, network, startup, versions};

static RULES: &[&dyn Rule] = &[
    &input::InvalidYaml,
    &input::InvalidManifest,
    &input::InvalidCompose,
    &input::UnrenderedTemplate,
    &input::UnknownKind,
    &input::UnusedSuppression,
    &input::EmptyInput,
    &startup::DependencyNotAwaited,
    &startup::GateWithoutReadiness,
    &startup::GateTargetMismatch,
    &startup::DependencyCycle,
    &startup::UnboundedWait,
    &startup::DeployOrder,
    &startup::SidecarStartRace,
    &startup::SlowStartKilled,
    &versions::MutableImageTag,
    &health::ReadinessMissing,
    &health::ProbePortMismatch,
    &health::ServiceSelectsNothing,
    &network::NetworkPolicyBlocksDependency,
];

pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

pub fn by_code(code: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.meta().code.eq_ignore_ascii_case(code))
}

pub fn by_name(name: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.meta().name == name)
}
