//! Did-you-mean: the closest known word by edit distance.
//!
//! The distance is `strsim`'s optimal string alignment (Damerau–Levenshtein without
//! repeated edits of one substring): a transposition (`tpa` → `tap`) is one edit, as a
//! typist makes it. ASCII case is ignored (a case slip is still a likely typo).

/// The candidate closest to `word`, if it is close enough to be a likely typo: one edit for
/// short words, about a third of the length for longer ones, and never more than
/// [`MAX_EDITS`], so a long URL is not "close" to another merely by being long.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, MAX_EDITS);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != word)
        .map(|candidate| (edit_distance(word, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// The most edits a suggestion may be away, however long the word.
pub const MAX_EDITS: usize = 3;

/// Edit distance with transpositions, ASCII case-insensitive.
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(&a.to_ascii_lowercase(), &b.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_close_words_only() {
        let methods = ["buffer", "source", "tap", "link_to", "link_from", "finish"];
        assert_eq!(did_you_mean("sorce", methods), Some("source"));
        assert_eq!(did_you_mean("link_form", methods), Some("link_from"));
        assert_eq!(did_you_mean("frobnicate", methods), None);
        assert_eq!(
            did_you_mean("SpmcRng", ["SpmcRing", "SingleLatest", "Mailbox"]),
            Some("SpmcRing")
        );
    }

    #[test]
    fn a_transposition_is_one_edit_and_long_words_stay_strict() {
        assert_eq!(edit_distance("tpa", "tap"), 1);
        assert_eq!(did_you_mean("tpa", ["tap", "source"]), Some("tap"));
        assert_eq!(did_you_mean("qso", ["qos", "retain"]), Some("qos"));
        // 4 edits apart: a third of the length would allow 9 edits, the cap allows 3.
        assert_eq!(
            did_you_mean(
                "mqtt://climate/zone-a/readings-raw",
                ["mqtt://climate/zone-b/readng-rw"]
            ),
            None
        );
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("Tokio", "tokio"), 0);
    }
}
