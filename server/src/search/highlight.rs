//! The snippet a search result shows: the message's text around its first
//! match, with every match marked. Found by the same [`terms`](super::terms)
//! the index uses, so what is marked is what matched ("deploys" is marked for
//! a search for "deploying"; "会" inside "开会").

use super::terms::{pieces, stem, Kind, Query};
use app::text::escape_html;

/// About how many characters of a long message a snippet shows.
const SNIPPET_CHARS: usize = 200;
/// How many of them come before the first match.
const LEAD_CHARS: usize = 60;

/// `body` as a result shows it: HTML-escaped, each match inside
/// `<mark>…</mark>`; a body longer than [`SNIPPET_CHARS`] is cut to that many
/// characters around its first match, with "…" where text was left out.
pub fn highlight(body: &str, query: &Query) -> String {
    let marks = matches(body, query);
    let starts: Vec<usize> = body.char_indices().map(|(i, _)| i).collect();
    let byte_at = |char_index: usize| starts.get(char_index).copied().unwrap_or(body.len());
    let (from, to) = if starts.len() <= SNIPPET_CHARS {
        (0, body.len())
    } else {
        let first = marks.first().map_or(0, |m| m.0);
        let first_char = starts.partition_point(|&i| i < first);
        let from_char = first_char
            .saturating_sub(LEAD_CHARS)
            .min(starts.len() - SNIPPET_CHARS);
        (byte_at(from_char), byte_at(from_char + SNIPPET_CHARS))
    };
    let mut out = String::with_capacity(to - from + 32);
    if from > 0 {
        out.push('…');
    }
    let mut at = from;
    for (a, b) in marks {
        let (a, b) = (a.max(from), b.min(to));
        if a >= b {
            continue;
        }
        escape_html(&body[at..a], &mut out);
        out.push_str("<mark>");
        escape_html(&body[a..b], &mut out);
        out.push_str("</mark>");
        at = b;
    }
    escape_html(&body[at..to], &mut out);
    if to < body.len() {
        out.push('…');
    }
    out
}

/// The byte ranges of `body` that match a word of `query`, sorted, merged
/// where they touch.
fn matches(body: &str, query: &Query) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    for p in pieces(body) {
        match p.kind {
            Kind::Word => {
                if query.words.contains(&stem(p.text)) {
                    found.push((p.start, p.start + p.text.len()));
                }
            }
            Kind::Cjk => {
                for run in &query.cjk {
                    for (i, m) in p.text.match_indices(run.as_str()) {
                        found.push((p.start + i, p.start + i + m.len()));
                    }
                }
            }
        }
    }
    found.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(found.len());
    for (a, b) in found {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hl(body: &str, q: &str) -> String {
        highlight(body, &Query::parse(q).unwrap())
    }

    #[test]
    fn matches_are_marked_by_stem_and_inside_chinese_sentences() {
        assert_eq!(
            hl("She deploys <b>today</b>", "deploying"),
            "She <mark>deploys</mark> &lt;b&gt;today&lt;/b&gt;"
        );
        assert_eq!(hl("我们今天开会吧", "开会"), "我们今天<mark>开会</mark>吧");
        assert_eq!(hl("今天开会", "今天 开会"), "<mark>今天开会</mark>");
    }

    #[test]
    fn a_long_message_is_cut_around_its_first_match() {
        let body = format!("{} needle {}", "hay ".repeat(100), "straw ".repeat(100));
        let snippet = hl(&body, "needle");
        assert!(
            snippet.starts_with('…') && snippet.ends_with('…'),
            "{snippet}"
        );
        assert!(snippet.contains("<mark>needle</mark>"));
        assert!(snippet.chars().count() < SNIPPET_CHARS + 20);
        // A match near the end still shows a full-length snippet.
        let body = format!("{} needle", "hay ".repeat(100));
        let snippet = hl(&body, "needle");
        assert!(snippet.ends_with("<mark>needle</mark>"), "{snippet}");
    }
}
