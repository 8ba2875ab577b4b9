//! Did-you-mean: the closest of some names to a misspelled one.

/// The closest candidate to a misspelled name: case-insensitive equality, then a small edit
/// distance relative to length.
pub fn suggest<'a>(wrong: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lw = wrong.to_ascii_lowercase();
    if let Some(c) = candidates.iter().find(|c| c.to_ascii_lowercase() == lw) {
        return Some(c);
    }
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&lw, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len().max(wrong.len()) / 3).max(1))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}
