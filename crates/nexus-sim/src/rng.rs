//! Version-stable pseudo-random numbers: the only source of randomness in the simulator.
//!
//! Nothing here depends on the platform, the Rust version or a crate's version, so a trial key
//! printed today replays the same trial forever (until the semantics version changes):
//!
//! - [`SplitMix64`] (Steele, Lea and Flood, 2014; the reference constants of Vigna's
//!   `splitmix64.c`) derives seeds: one per trial from the master seed, one per stream from the
//!   trial seed;
//! - [`Xoshiro256StarStar`] (Blackman and Vigna, 2018, `xoshiro256starstar.c`) draws the numbers
//!   of one stream;
//! - [`fnv1a64`] (Fowler–Noll–Vo 1a, 64 bit) hashes stream names. `std`'s `DefaultHasher` is
//!   never used: its output may change between Rust releases.
//!
//! A stream is named by (actor, purpose): `nexus-backend/backend` × `"startup"`. Its seed depends
//! only on the trial seed and those two names, so adding an actor to a platform leaves every
//! other actor's draws unchanged. Known-answer tests pin all three algorithms.

/// SplitMix64: a 64-bit state advanced by the golden-ratio increment, then mixed.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix64(self.state)
    }
}

/// SplitMix64's output function (a bijection on u64).
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256**: 256 bits of state, period 2^256 − 1, passes BigCrush.
#[derive(Clone, Debug)]
pub struct Xoshiro256StarStar {
    s: [u64; 4],
}

impl Xoshiro256StarStar {
    /// The state as given (it must not be all zero; [`Self::seed_from_u64`] never makes it so).
    pub fn from_state(s: [u64; 4]) -> Self {
        if s == [0; 4] { Self::seed_from_u64(0) } else { Xoshiro256StarStar { s } }
    }

    /// Fills the state from SplitMix64, as the authors recommend.
    pub fn seed_from_u64(seed: u64) -> Self {
        let mut sm = SplitMix64::new(seed);
        let s = [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()];
        // SplitMix64 outputs four distinct values for any seed, so the state is never zero.
        Xoshiro256StarStar { s }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform float in [0, 1) with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `lo..=hi` (multiply-shift; the bias is below 2^-64 × range).
    pub fn range_inclusive(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo).saturating_add(1);
        if span == 0 || hi - lo == u64::MAX {
            return lo.wrapping_add(self.next_u64());
        }
        lo + ((u128::from(self.next_u64()) * u128::from(span)) >> 64) as u64
    }
}

/// FNV-1a, 64 bit.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The seed of trial `trial` of a run with master seed `master`.
pub fn trial_seed(master: u64, trial: u64) -> u64 {
    mix64(master ^ mix64(trial.wrapping_add(GOLDEN)))
}

/// The generator of one stream of one trial: `name_hash` is [`fnv1a64`] of the actor's stable
/// name, `purpose_hash` that of the purpose (`"startup"`, `"schedule"`, …).
pub fn stream(trial_seed: u64, name_hash: u64, purpose_hash: u64) -> Xoshiro256StarStar {
    let key = mix64(name_hash) ^ mix64(purpose_hash.rotate_left(29) ^ GOLDEN);
    Xoshiro256StarStar::seed_from_u64(trial_seed ^ key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_known_answers() {
        // Reference values of Vigna's splitmix64.c for seed 1234567 (also pinned by rand_xoshiro).
        let mut sm = SplitMix64::new(1_234_567);
        let got: Vec<u64> = (0..5).map(|_| sm.next_u64()).collect();
        assert_eq!(
            got,
            [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821]
        );
    }

    #[test]
    fn xoshiro256starstar_known_answers() {
        // Reference output of xoshiro256starstar.c for the state [1, 2, 3, 4].
        let mut x = Xoshiro256StarStar::from_state([1, 2, 3, 4]);
        let got: Vec<u64> = (0..10).map(|_| x.next_u64()).collect();
        assert_eq!(
            got,
            [
                11520,
                0,
                1509978240,
                1215971899390074240,
                1216172134540287360,
                607988272756665600,
                16172922978634559625,
                8476171486693032832,
                10595114339597558777,
                2904607092377533576,
            ]
        );
    }

    #[test]
    fn fnv1a64_known_answers() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn derived_seeds_are_pinned() {
        // Changing these breaks every printed trial key: bump the semantics version if you must.
        assert_eq!(trial_seed(42, 0), trial_seed(42, 0));
        let mut s = stream(trial_seed(42, 7), fnv1a64(b"nexus-backend/backend"), fnv1a64(b"startup"));
        let first = s.next_u64();
        let mut again = stream(trial_seed(42, 7), fnv1a64(b"nexus-backend/backend"), fnv1a64(b"startup"));
        assert_eq!(first, again.next_u64());
        assert_eq!(trial_seed(42, 7), PINNED_TRIAL_SEED);
        assert_eq!(first, PINNED_STREAM_FIRST);
        assert_ne!(trial_seed(42, 7), trial_seed(42, 8));
        assert_ne!(trial_seed(42, 7), trial_seed(43, 7));
    }

    const PINNED_TRIAL_SEED: u64 = 15379744662986335453;
    const PINNED_STREAM_FIRST: u64 = 3796040924825743353;

    #[test]
    fn range_stays_in_bounds() {
        let mut x = Xoshiro256StarStar::seed_from_u64(9);
        for _ in 0..10_000 {
            let v = x.range_inclusive(10, 20);
            assert!((10..=20).contains(&v));
        }
        assert_eq!(x.range_inclusive(5, 5), 5);
        assert_eq!(x.range_inclusive(7, 3), 7);
        let _ = x.range_inclusive(0, u64::MAX);
        let f = x.next_f64();
        assert!((0.0..1.0).contains(&f));
    }
}
