//! Durations that the manifests do not give: a [`Dist`] is sampled once per use, in integer
//! milliseconds, from one named stream.
//!
//! # Forms
//!
//! | form | meaning | annotation (`nexus-lint.io/startup-seconds`) |
//! |---|---|---|
//! | [`Dist::Fixed`] | always the same value | `"12"`, `"1.5"`, `"500ms"`, `"2m"` |
//! | [`Dist::Uniform`] | uniform between two bounds, both included | `"5..30"`, `"500ms..2s"` |
//! | [`Dist::LogNormal`] | right-skewed, given its median and 95th percentile, clamped to `[min, max]` | `"lognormal(5, 20)"`, `"lognormal(1s, 5s, 0.2s..30s)"` |
//!
//! A bare number is in seconds (the annotation says `-seconds`); `ms`, `s`, `m` and `h` suffixes
//! are accepted on every number. The log-normal is what the research recommends for image pulls,
//! pod startup and app start times (`simulation-model.md` C4: "LogNormal parameterized by (p50,
//! p95) or (p50, p99), plus optional hard [min, max] truncation"); [`Dist::lognormal_p99`] takes
//! a 99th percentile instead.
//!
//! Sampling uses only IEEE-754 basic operations and `sqrt` (which IEEE-754 rounds exactly):
//! `ln` and `exp` are computed here rather than by the platform's libm, whose last bit may
//! differ between systems, so a trial draws the same milliseconds on every machine.

use crate::rng::Xoshiro256StarStar;
use crate::spec::Millis;

/// The longest duration any distribution yields: one day. Keeps every sum of times far from
/// overflow.
pub const MAX_SAMPLE_MS: Millis = 86_400_000;

/// A distribution of durations in milliseconds.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum Dist {
    Fixed {
        ms: Millis,
    },
    /// Uniform on `lo..=hi`.
    Uniform {
        lo: Millis,
        hi: Millis,
    },
    /// exp(N(ln median, σ)) with σ = ln(p95 / median) / 1.6449, clamped to `min..=max`.
    LogNormal {
        median: Millis,
        p95: Millis,
        min: Millis,
        max: Millis,
    },
}

/// The probability left out of each end of a log-normal's plausible interval (its 0.1st and
/// 99.9th percentiles bound it).
pub const PLAUSIBLE_TAIL: f64 = 0.001;

/// z for the 95th and 99th percentiles of the standard normal.
const Z95: f64 = 1.644_853_626_951_472_2;
const Z99: f64 = 2.326_347_874_040_840_8;

impl Dist {
    pub const ZERO: Dist = Dist::Fixed { ms: 0 };

    pub const fn fixed(ms: Millis) -> Dist {
        Dist::Fixed { ms }
    }

    pub const fn uniform(lo: Millis, hi: Millis) -> Dist {
        Dist::Uniform { lo, hi }
    }

    /// Median and 95th percentile, unclamped.
    pub const fn lognormal(median: Millis, p95: Millis) -> Dist {
        Dist::LogNormal { median, p95, min: 0, max: MAX_SAMPLE_MS }
    }

    /// Median and 99th percentile (converted to the 95th).
    pub fn lognormal_p99(median: Millis, p99: Millis) -> Dist {
        if median == 0 || p99 <= median {
            return Dist::fixed(median);
        }
        let sigma = det_ln(p99 as f64 / median as f64) / Z99;
        let p95 = (median as f64 * det_exp(sigma * Z95) + 0.5) as Millis;
        Dist::lognormal(median, p95)
    }

    /// One draw.
    pub fn sample(&self, rng: &mut Xoshiro256StarStar) -> Millis {
        match *self {
            Dist::Fixed { ms } => ms.min(MAX_SAMPLE_MS),
            Dist::Uniform { lo, hi } => {
                let (lo, hi) = (lo.min(hi).min(MAX_SAMPLE_MS), hi.max(lo).min(MAX_SAMPLE_MS));
                rng.range_inclusive(lo, hi)
            }
            Dist::LogNormal { .. } => self.quantile(rng.next_f64()),
        }
    }

    /// The value at quantile `u` in [0, 1) (what a uniform draw `u` maps to).
    pub fn quantile(&self, u: f64) -> Millis {
        match *self {
            Dist::Fixed { ms } => ms.min(MAX_SAMPLE_MS),
            Dist::Uniform { lo, hi } => {
                let (lo, hi) = (lo.min(hi).min(MAX_SAMPLE_MS), hi.max(lo).min(MAX_SAMPLE_MS));
                let x = lo as f64 + u.clamp(0.0, 1.0) * (hi - lo) as f64;
                ((x + 0.5) as Millis).clamp(lo, hi)
            }
            Dist::LogNormal { median, p95, min, max } => {
                let (min, max) = (min.min(max).min(MAX_SAMPLE_MS), max.max(min).min(MAX_SAMPLE_MS));
                if median == 0 || p95 <= median {
                    return median.clamp(min, max);
                }
                let sigma = det_ln(p95 as f64 / median as f64) / Z95;
                let z = normal_quantile(u);
                let x = median as f64 * det_exp(sigma * z);
                let ms = if x.is_finite() && x < MAX_SAMPLE_MS as f64 { (x + 0.5) as Millis } else { MAX_SAMPLE_MS };
                ms.clamp(min, max)
            }
        }
    }

    /// A value of the *plausible interval* at `level` in [0, 1]: 0 the earliest plausible
    /// value, 1 the latest, ½ the median. The plausible interval is the support of a fixed or
    /// uniform duration and the 0.1st to 99.9th percentile of a log-normal (research C6.3: "every
    /// duration as an interval [min, max] (distribution support or p0.1/p99.9)"), clamped. PCT
    /// and exhaustive exploration draw here instead of sampling.
    pub fn at_level(&self, level: f64) -> Millis {
        let level = if level.is_nan() { 0.5 } else { level.clamp(0.0, 1.0) };
        match *self {
            Dist::LogNormal { .. } => self.quantile(PLAUSIBLE_TAIL + (1.0 - 2.0 * PLAUSIBLE_TAIL) * level),
            _ => self.quantile(level),
        }
    }

    /// The plausible interval ([`Dist::at_level`] 0 and 1).
    pub fn plausible(&self) -> (Millis, Millis) {
        (self.at_level(0.0), self.at_level(1.0))
    }

    /// The median (the value shrinking moves a draw back to).
    pub fn median(&self) -> Millis {
        match *self {
            Dist::Fixed { ms } => ms,
            Dist::Uniform { lo, hi } => lo / 2 + hi / 2 + (lo % 2 + hi % 2) / 2,
            Dist::LogNormal { median, min, max, .. } => median.clamp(min.min(max), max.max(min)),
        }
    }

    /// The smallest and largest value a draw can take.
    pub fn support(&self) -> (Millis, Millis) {
        match *self {
            Dist::Fixed { ms } => (ms, ms),
            Dist::Uniform { lo, hi } => (lo.min(hi), hi.max(lo)),
            Dist::LogNormal { min, max, .. } => (min.min(max), max.max(min).min(MAX_SAMPLE_MS)),
        }
    }
}

impl std::fmt::Display for Dist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Dist::Fixed { ms } => write!(f, "{}", fmt_secs(ms)),
            Dist::Uniform { lo, hi } => write!(f, "{}..{}", fmt_secs(lo), fmt_secs(hi)),
            Dist::LogNormal { median, p95, min, max } => {
                write!(f, "lognormal({}, {}", fmt_secs(median), fmt_secs(p95))?;
                if min != 0 || max != MAX_SAMPLE_MS {
                    write!(f, ", {}..{}", fmt_secs(min), fmt_secs(max))?;
                }
                f.write_str(")")
            }
        }
    }
}

/// `1500` → `1.5s`, `0` → `0s`.
fn fmt_secs(ms: Millis) -> String {
    if ms.is_multiple_of(1000) { format!("{}s", ms / 1000) } else { format!("{}ms", ms) }
}

/// Why an annotation value is not a duration distribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistParseError {
    pub input: String,
    pub reason: &'static str,
}

impl std::fmt::Display for DistParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is not a duration: {} (expected `12`, `5..30`, `500ms..2s` or `lognormal(5, 20)`)",
            self.input, self.reason
        )
    }
}

impl std::error::Error for DistParseError {}

/// Parses an annotation value such as `nexus-lint.io/startup-seconds: "5..30"`. Bare numbers
/// are seconds. See the module documentation for every form.
pub fn parse_dist(input: &str) -> Result<Dist, DistParseError> {
    let err = |reason| DistParseError { input: input.to_string(), reason };
    let s = input.trim();
    if s.is_empty() {
        return Err(err("empty"));
    }
    if let Some(rest) = s.strip_prefix("lognormal(") {
        let inner = rest.strip_suffix(')').ok_or_else(|| err("missing `)`"))?;
        let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
        let (median, p95, clamp) = match parts.as_slice() {
            [m, p] => (parse_duration(m), parse_duration(p), None),
            [m, p, c] => (parse_duration(m), parse_duration(p), Some(*c)),
            _ => return Err(err("lognormal takes a median, a 95th percentile and an optional range")),
        };
        let (median, p95) = (median.ok_or_else(|| err("bad median"))?, p95.ok_or_else(|| err("bad p95"))?);
        if p95 < median {
            return Err(err("the 95th percentile is below the median"));
        }
        let (min, max) = match clamp {
            None => (0, MAX_SAMPLE_MS),
            Some(c) => parse_range(c).ok_or_else(|| err("bad clamp range"))?,
        };
        if min > max {
            return Err(err("range's lower bound is above its upper bound"));
        }
        return Ok(Dist::LogNormal { median, p95, min, max });
    }
    if s.contains("..") {
        let (lo, hi) = parse_range(s).ok_or_else(|| err("bad range"))?;
        if lo > hi {
            return Err(err("range's lower bound is above its upper bound"));
        }
        return Ok(Dist::Uniform { lo, hi });
    }
    parse_duration(s).map(Dist::fixed).ok_or_else(|| err("not a number"))
}

fn parse_range(s: &str) -> Option<(Millis, Millis)> {
    let (a, b) = s.split_once("..")?;
    Some((parse_duration(a.trim())?, parse_duration(b.trim())?))
}

/// `12` (seconds), `1.5s`, `500ms`, `2m`, `1h` → milliseconds; at most [`MAX_SAMPLE_MS`].
pub fn parse_duration(s: &str) -> Option<Millis> {
    let s = s.trim();
    let (num, unit_ms) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1u64)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3_600_000)
    } else {
        (s, 1000)
    };
    let num = num.trim();
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit() || b == b'.') || num.matches('.').count() > 1 {
        return None;
    }
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    // Exact decimal arithmetic: no float rounding in what the user wrote.
    let int: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut frac_ms: u64 = 0;
    let mut scale = unit_ms;
    for d in frac.bytes().take(12) {
        scale /= 10;
        frac_ms += u64::from(d - b'0') * scale;
    }
    let ms = int.checked_mul(unit_ms)?.checked_add(frac_ms)?;
    (ms <= MAX_SAMPLE_MS).then_some(ms)
}

/// Natural logarithm from basic operations: x = m·2^e with m in [1, 2), ln m = 2 atanh((m−1)/(m+1)).
pub(crate) fn det_ln(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || !x.is_finite() {
        return if x == 0.0 { f64::NEG_INFINITY } else { f64::NAN };
    }
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if e == -1023 {
        // Subnormal: normalise through a multiplication by 2^54.
        let y = x * 18_014_398_509_481_984.0;
        let b = y.to_bits();
        e = ((b >> 52) & 0x7ff) as i64 - 1023 - 54;
        m = f64::from_bits((b & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    }
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    let z = (m - 1.0) / (m + 1.0);
    let z2 = z * z;
    let mut term = z;
    let mut sum = 0.0;
    let mut k = 1.0;
    while k < 40.0 {
        sum += term / k;
        term *= z2;
        k += 2.0;
    }
    2.0 * sum + e as f64 * std::f64::consts::LN_2
}

/// e^x from basic operations: x = k·ln2 + r, |r| ≤ ln2/2, Taylor series for e^r, scaled by 2^k.
pub(crate) fn det_exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.0 {
        return f64::INFINITY;
    }
    if x < -708.0 {
        return 0.0;
    }
    let k = (x / std::f64::consts::LN_2 + if x < 0.0 { -0.5 } else { 0.5 }) as i64;
    let r = x - k as f64 * std::f64::consts::LN_2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for i in 1..24 {
        term *= r / i as f64;
        sum += term;
    }
    sum * f64::from_bits(((k + 1023) as u64) << 52)
}

/// Φ⁻¹(u): Acklam's rational approximation (relative error below 1.2e-9), using [`det_ln`] and
/// `sqrt` only.
pub(crate) fn normal_quantile(u: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    // Keep u inside (0, 1): the tails are clamped at ±8.2σ.
    let u = u.clamp(1e-16, 1.0 - 1e-16);
    let low = 0.024_25;
    if u < low {
        let q = (-2.0 * det_ln(u)).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if u <= 1.0 - low {
        let q = u - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * det_ln(1.0 - u)).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_bare_number_as_fixed_seconds() {
        assert_eq!(parse_dist("12"), Ok(Dist::fixed(12_000)));
        assert_eq!(parse_dist(" 1.5 "), Ok(Dist::fixed(1_500)));
        assert_eq!(parse_dist("0"), Ok(Dist::fixed(0)));
    }

    #[test]
    fn parses_units_on_a_fixed_value() {
        assert_eq!(parse_dist("500ms"), Ok(Dist::fixed(500)));
        assert_eq!(parse_dist("2m"), Ok(Dist::fixed(120_000)));
        assert_eq!(parse_dist("1h"), Ok(Dist::fixed(3_600_000)));
        assert_eq!(parse_dist("0.25s"), Ok(Dist::fixed(250)));
    }

    #[test]
    fn parses_a_range_as_uniform() {
        assert_eq!(parse_dist("5..30"), Ok(Dist::uniform(5_000, 30_000)));
        assert_eq!(parse_dist("500ms..2s"), Ok(Dist::uniform(500, 2_000)));
        assert!(parse_dist("30..5").is_err());
    }

    #[test]
    fn parses_a_lognormal_with_and_without_clamp() {
        assert_eq!(parse_dist("lognormal(5, 20)"), Ok(Dist::lognormal(5_000, 20_000)));
        assert_eq!(
            parse_dist("lognormal(1s, 5s, 200ms..30s)"),
            Ok(Dist::LogNormal { median: 1_000, p95: 5_000, min: 200, max: 30_000 })
        );
        assert!(parse_dist("lognormal(5, 2)").is_err());
        assert!(parse_dist("lognormal(5, 20").is_err());
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in ["", "abc", "-3", "1..", "..2", "1.2.3", "5 s s", "lognormal()", "99999999999999999999"] {
            assert!(parse_dist(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["12s", "1500ms..2s", "lognormal(5s, 20s)", "lognormal(1s, 5s, 200ms..30s)"] {
            let d = parse_dist(s).unwrap();
            assert_eq!(parse_dist(&d.to_string()), Ok(d), "{s}");
        }
    }

    #[test]
    fn deterministic_math_matches_libm_closely() {
        for &x in &[1e-300, 1e-10, 0.1, 0.5, 1.0, 2.0, 3.3, 1e5, 1e300] {
            let (a, b) = (det_ln(x), x.ln());
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "ln {x}: {a} vs {b}");
        }
        for &x in &[-700.0, -20.0, -1.0, 0.0, 0.3, 1.0, 5.5, 300.0] {
            let (a, b) = (det_exp(x), x.exp());
            assert!((a - b).abs() <= 1e-13 * b.abs(), "exp {x}: {a} vs {b}");
        }
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.001) + 3.090_232_306_167_813_5).abs() < 1e-8);
    }

    #[test]
    fn lognormal_quantiles_are_where_they_were_asked() {
        let d = Dist::lognormal(5_000, 20_000);
        let mut rng = Xoshiro256StarStar::seed_from_u64(1);
        let mut v: Vec<Millis> = (0..20_000).map(|_| d.sample(&mut rng)).collect();
        v.sort_unstable();
        let p50 = v[10_000] as f64;
        let p95 = v[19_000] as f64;
        assert!((p50 / 5_000.0 - 1.0).abs() < 0.05, "p50 {p50}");
        assert!((p95 / 20_000.0 - 1.0).abs() < 0.08, "p95 {p95}");
        let p99 = Dist::lognormal_p99(1_000, 5_000);
        if let Dist::LogNormal { p95, .. } = p99 {
            assert!((3_050..3_200).contains(&p95), "{p95}");
        }
    }

    #[test]
    fn samples_stay_in_support() {
        let mut rng = Xoshiro256StarStar::seed_from_u64(3);
        let dists = [
            Dist::fixed(7),
            Dist::uniform(3, 9),
            Dist::uniform(9, 3),
            Dist::LogNormal { median: 1_000, p95: 5_000, min: 500, max: 2_000 },
            Dist::lognormal(u64::MAX, u64::MAX),
        ];
        for d in dists {
            let (lo, hi) = d.support();
            for _ in 0..1000 {
                let s = d.sample(&mut rng);
                assert!(s >= lo.min(MAX_SAMPLE_MS) && s <= hi.min(MAX_SAMPLE_MS), "{d:?} {s}");
            }
        }
    }
}
