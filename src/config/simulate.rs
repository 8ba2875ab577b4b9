//! `simulate:` — simulation settings (`nexus-lint simulate`, `check --simulate`): trials, seed,
//! kubelet profile, deadline, image pulls and the durations the manifests do not give. Every
//! value is checked as it is read, so a mistake is reported at its line and column.

use serde::Deserialize;

use nexus_sim::defaults::{BackoffProfile, Timing};
use nexus_sim::dist::{Dist, parse_dist, parse_duration};

/// `simulate:` as written. Every value is checked as it is read, so a mistake is reported at its
/// line and column.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SimulateConfig {
    /// Monte Carlo trials of `simulate` (default 10,000).
    pub trials: Option<u64>,
    /// The master seed (default: a new one each run, printed).
    pub seed: Option<u64>,
    /// Kubelet CrashLoopBackOff profile: `classic`, `reduced-decay`, `node-max=30s`.
    pub profile: Option<ProfileValue>,
    /// NX904's deadline: every required workload must be ready by then (default 15m).
    pub deadline: Option<DurationValue>,
    /// `cached` (default) or `cold` image pulls.
    pub images: Option<Images>,
    /// `check` also runs a short simulation.
    pub on_check: Option<bool>,
    /// Trials of that short simulation (default 1,000).
    pub check_trials: Option<u64>,
    /// The deploy script to follow when several are read.
    pub deploy_script: Option<String>,
    /// Compose starts with `docker compose up --wait`.
    pub compose_wait: Option<bool>,
    /// Durations the manifests and annotations do not give.
    #[serde(default)]
    pub defaults: SimDefaults,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SimDefaults {
    pub app_start: Option<DistValue>,
    pub one_shot: Option<DistValue>,
    pub migration: Option<DistValue>,
    pub crash_after_refused: Option<DistValue>,
    pub connect_after: Option<DistValue>,
    pub schedule: Option<DistValue>,
    pub image_pull: Option<DistValue>,
    pub api_create: Option<DistValue>,
    pub controller_reaction: Option<DistValue>,
    pub endpoint_programming: Option<DistValue>,
    pub kubelet_jitter: Option<DistValue>,
    pub compose_start: Option<DistValue>,
    pub poll: Option<DurationValue>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Images {
    Cached,
    Cold,
}

/// A duration distribution (`12`, `500ms`, `5..30`, `lognormal(5, 20)`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct DistValue(pub Dist);

/// A single duration (`30`, `90s`, `15m`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct DurationValue(pub u64);

/// A kubelet backoff profile.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ProfileValue(pub BackoffProfile);

/// Reads a scalar as text (YAML `5` and `"5"` alike).
struct Scalar;

impl serde::de::Visitor<'_> for Scalar {
    type Value = String;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a duration")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

impl<'de> Deserialize<'de> for DistValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = d.deserialize_any(Scalar)?;
        parse_dist(&s).map(DistValue).map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = d.deserialize_any(Scalar)?;
        parse_duration(&s)
            .map(DurationValue)
            .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a duration (`30`, `90s`, `15m`)")))
    }
}

impl<'de> Deserialize<'de> for ProfileValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = d.deserialize_any(Scalar)?;
        BackoffProfile::parse(&s).map(ProfileValue).ok_or_else(|| {
            serde::de::Error::custom(format!("profile `{s}`: use classic, reduced-decay or node-max=<duration>"))
        })
    }
}

/// Validated simulation settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimSettings {
    pub trials: u64,
    pub check_trials: u64,
    pub seed: Option<u64>,
    pub profile: BackoffProfile,
    pub deadline_ms: u64,
    pub timing: Timing,
    pub on_check: bool,
    pub deploy_script: Option<String>,
    pub compose_wait: bool,
}

/// `simulate` runs this many trials unless told otherwise (research C6.1: "Default N = 10,000").
pub const DEFAULT_TRIALS: u64 = 10_000;
/// `check --simulate` runs a short simulation.
pub const DEFAULT_CHECK_TRIALS: u64 = 1_000;

impl Default for SimSettings {
    fn default() -> Self {
        SimSettings {
            trials: DEFAULT_TRIALS,
            check_trials: DEFAULT_CHECK_TRIALS,
            seed: None,
            profile: BackoffProfile::Classic,
            deadline_ms: nexus_sim::defaults::STALL_DEADLINE_MS,
            timing: Timing::default(),
            on_check: false,
            deploy_script: None,
            compose_wait: false,
        }
    }
}

impl SimSettings {
    pub(super) fn from_config(c: &SimulateConfig) -> SimSettings {
        let mut s = SimSettings::default();
        s.trials = c.trials.unwrap_or(s.trials);
        s.check_trials = c.check_trials.unwrap_or(s.check_trials);
        s.seed = c.seed;
        s.profile = c.profile.map_or(s.profile, |p| p.0);
        s.deadline_ms = c.deadline.map_or(s.deadline_ms, |d| d.0);
        s.on_check = c.on_check.unwrap_or(false);
        s.deploy_script = c.deploy_script.clone();
        s.compose_wait = c.compose_wait.unwrap_or(false);
        if c.images == Some(Images::Cold) {
            s.timing.image_pull = Timing::COLD_PULL;
        }
        let d = &c.defaults;
        let t = &mut s.timing;
        for (slot, v) in [
            (&mut t.app_listen, d.app_start),
            (&mut t.one_shot_run, d.one_shot),
            (&mut t.migration, d.migration),
            (&mut t.crash_after_refused, d.crash_after_refused),
            (&mut t.connect_at, d.connect_after),
            (&mut t.schedule, d.schedule),
            (&mut t.image_pull, d.image_pull),
            (&mut t.api_create, d.api_create),
            (&mut t.controller_reaction, d.controller_reaction),
            (&mut t.endpoint_programming, d.endpoint_programming),
            (&mut t.kubelet_jitter, d.kubelet_jitter),
            (&mut t.compose_start, d.compose_start),
        ] {
            if let Some(v) = v {
                *slot = v.0;
            }
        }
        if let Some(p) = d.poll {
            t.poll_ms = p.0.max(1);
        }
        s
    }
}
