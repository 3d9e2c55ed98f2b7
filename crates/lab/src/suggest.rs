//! "Did you mean": the closest word by edit distance.

/// Levenshtein distance (insertions, deletions, substitutions), with a
/// transposition of two neighbours counted once (`tdls` → `tlds`).
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    rows[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a likely
/// misspelling: at most 2 edits, or a third of the word for long words.
/// Case and `-`/`_` confusions count as close.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let fold = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let folded = fold(word);
    let limit = 2.max(word.chars().count() / 3);
    candidates
        .into_iter()
        .map(|c| (distance(&folded, &fold(c)), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("tldz", "tlds"), 1);
        assert_eq!(distance("tdls", "tlds"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn closest_words() {
        let keys = ["workshop", "tlds", "trainees", "cds_scan"];
        assert_eq!(closest("tldz", keys), Some("tlds"));
        assert_eq!(closest("cds-scan", keys), Some("cds_scan"));
        assert_eq!(closest("trainess", keys), Some("trainees"));
        assert_eq!(closest("colour", keys), None);
    }
}
