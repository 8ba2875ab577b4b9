//! Go durations (`30s`, `5m0s`, `1h30m`), as kubectl, helm and dockerize read their timeouts;
//! one parser for the wait recognisers and the deploy-plan reader alike. (Shell `sleep` and
//! `timeout` durations are the shell evaluator's: `nexus_source::shell::eval::seconds_ms`.)

/// A Go duration (`300s`, `5m0s`, `1h30m`, `1.5s`, `-1s`, `0`) in milliseconds. A bare number is
/// read as seconds: Go's `time.ParseDuration` rejects it ("missing unit") and kubectl then fails,
/// but the intent is plain and `--timeout=-1` is commonly written for "a week".
pub fn go_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let (sign, body) = match s.strip_prefix('-') {
        Some(b) => (-1.0, b),
        None => (1.0, s.strip_prefix('+').unwrap_or(s)),
    };
    if body.is_empty() {
        return None;
    }
    if let Ok(n) = body.parse::<f64>() {
        return Some((sign * n * 1000.0).round() as i64);
    }
    let mut total = 0.0f64;
    let mut rest = body;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let (unit_ms, len) =
            [("ns", 1e-6), ("us", 1e-3), ("µs", 1e-3), ("μs", 1e-3), ("ms", 1.0), ("s", 1e3), ("m", 6e4), ("h", 3.6e6)]
                .iter()
                .find(|(u, _)| rest.starts_with(u))
                .map(|(u, ms)| (*ms, u.len()))?;
        total += n * unit_ms;
        rest = &rest[len..];
    }
    Some((sign * total).round() as i64)
}
