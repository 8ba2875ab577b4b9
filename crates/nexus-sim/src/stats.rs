//! Estimates: Wilson score intervals, the rule of three, and exact order-statistic quantiles.
//! Only basic IEEE operations and `sqrt` are used, so results are bit-identical everywhere.

use crate::spec::Millis;

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A probability estimated from `k` successes in `n` trials.
#[derive(Copy, Clone, Debug, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub k: u64,
    pub n: u64,
    /// k / n.
    pub p: f64,
    /// The Wilson 95 % interval; when `k = 0`, `lo = 0` and `hi = 3/n` (the rule of three).
    pub lo: f64,
    pub hi: f64,
}

impl Estimate {
    pub fn new(k: u64, n: u64) -> Estimate {
        if n == 0 {
            return Estimate { k, n, p: 0.0, lo: 0.0, hi: 1.0 };
        }
        let k = k.min(n);
        if k == 0 {
            return Estimate { k, n, p: 0.0, lo: 0.0, hi: (3.0 / n as f64).min(1.0) };
        }
        let (lo, hi) = wilson(k, n, Z95);
        Estimate { k, n, p: k as f64 / n as f64, lo, hi }
    }

    /// `37.1% [36.2–38.0%]`, or `< 3/20000` when never seen.
    pub fn display(&self) -> String {
        if self.k == 0 {
            return format!("< 3/{}", self.n);
        }
        format!("{} [{}–{}]", pct(self.p), pct(self.lo), pct(self.hi))
    }
}

/// A probability as a percentage with the precision its size deserves: `37.1%`, `2.35%`,
/// `0.015%`.
pub fn percent(x: f64) -> String {
    pct(x)
}

fn pct(x: f64) -> String {
    let v = x * 100.0;
    if v >= 10.0 || v == 0.0 {
        format!("{v:.1}%")
    } else if v >= 0.1 {
        format!("{v:.2}%")
    } else {
        format!("{v:.3}%")
    }
}

/// The Wilson score interval for k successes in n trials.
pub fn wilson(k: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n_f = n as f64;
    let p = k.min(n) as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let center = (p + z2 / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// p50, p95, p99 and max of a sample (nearest rank on the sorted values).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Quantiles {
    pub n: u64,
    pub p50_ms: Option<Millis>,
    pub p95_ms: Option<Millis>,
    pub p99_ms: Option<Millis>,
    pub max_ms: Option<Millis>,
}

impl Quantiles {
    /// Sorts `v` in place.
    pub fn of(v: &mut [Millis]) -> Quantiles {
        v.sort_unstable();
        let q = |num: u64| -> Option<Millis> {
            let n = v.len() as u64;
            if n == 0 {
                return None;
            }
            // Nearest rank: ceil(p·n), 1-based.
            let rank = (num * n).div_ceil(100).max(1);
            v.get((rank - 1) as usize).copied()
        };
        Quantiles { n: v.len() as u64, p50_ms: q(50), p95_ms: q(95), p99_ms: q(99), max_ms: v.last().copied() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_known_values() {
        // 10/100 at 95 %: [0.0552, 0.1744] (Wilson 1927; any statistics table).
        let (lo, hi) = wilson(10, 100, Z95);
        assert!((lo - 0.05522).abs() < 1e-4 && (hi - 0.17436).abs() < 1e-4, "{lo} {hi}");
        let e = Estimate::new(0, 20_000);
        assert_eq!(e.display(), "< 3/20000");
        assert_eq!(e.hi, 3.0 / 20_000.0);
        let e = Estimate::new(371, 1000);
        assert!(e.lo < 0.371 && e.hi > 0.371);
        assert_eq!(Estimate::new(5, 0).hi, 1.0);
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let mut v: Vec<Millis> = (1..=100).rev().collect();
        let q = Quantiles::of(&mut v);
        assert_eq!((q.p50_ms, q.p95_ms, q.p99_ms, q.max_ms), (Some(50), Some(95), Some(99), Some(100)));
        assert_eq!(Quantiles::of(&mut []).p50_ms, None);
        assert_eq!(Quantiles::of(&mut [7]).p99_ms, Some(7));
    }
}
