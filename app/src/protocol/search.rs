//! Search: `GET /api/search`, documented in `docs/protocol.md` under
//! "Search".

use super::{ChatMessage, RoomId};
use serde::{Deserialize, Serialize};

/// Results one page holds unless `limit` asks for fewer or more.
pub const SEARCH_PAGE: usize = 20;
/// Most results one page may ask for.
pub const SEARCH_PAGE_MAX: usize = 50;

/// One message that matched.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SearchResult {
    pub room: RoomId,
    pub message: ChatMessage,
    /// The message's text around its first match, HTML-escaped, each match
    /// inside `<mark>…</mark>`, "…" where text was left out.
    pub highlight: String,
}

/// A page of results, newest first; `more`: older ones match too (ask again
/// with `before` = the last result's id).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SearchPage {
    pub results: Vec<SearchResult>,
    pub more: bool,
}

/// A highlight split into its plain and marked parts, unescaped, for a view
/// to show as text (never as HTML).
pub fn highlight_parts(highlight: &str) -> Vec<(String, bool)> {
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    let mut parts = Vec::new();
    let mut rest = highlight;
    while let Some(open) = rest.find("<mark>") {
        if open > 0 {
            parts.push((unescape(&rest[..open]), false));
        }
        let after = &rest[open + "<mark>".len()..];
        let close = after.find("</mark>").unwrap_or(after.len());
        parts.push((unescape(&after[..close]), true));
        rest = after.get(close + "</mark>".len()..).unwrap_or("");
    }
    if !rest.is_empty() {
        parts.push((unescape(rest), false));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_highlight_splits_into_text_and_marks() {
        assert_eq!(
            highlight_parts("a &lt;b&gt; <mark>今天</mark> &amp; <mark>x</mark>"),
            vec![
                ("a <b> ".to_owned(), false),
                ("今天".to_owned(), true),
                (" & ".to_owned(), false),
                ("x".to_owned(), true),
            ]
        );
        assert_eq!(highlight_parts("plain"), vec![("plain".to_owned(), false)]);
    }
}
