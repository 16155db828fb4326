//! The rules for the parts of a message body that mean something: web links
//! and `@name` mentions (the server counts mentions by the same rule the UI
//! marks them with). [`crate::markdown`] builds the formatting on these.

/// One run of a message body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    /// An `http(s)://` or `www.` link, with the URL to open.
    Link {
        text: &'a str,
        href: String,
    },
}

/// Whether `body` mentions `username` (as `@username`, any case). The one
/// rule both the server's mention counts and the UI's highlighting follow.
pub fn mentions(body: &str, username: &str) -> bool {
    mention_tokens(body).any(|(_, name)| name.eq_ignore_ascii_case(username))
}

/// The `@name` being typed just before the cursor (`before_cursor` is the
/// text up to it): the byte offset of its `@` and the partial name, possibly
/// empty. `None` when the cursor is not right after a mention in progress.
pub fn mention_being_typed(before_cursor: &str) -> Option<(usize, &str)> {
    let at = before_cursor.rfind('@')?;
    let partial = &before_cursor[at + 1..];
    if partial.len() > 32 || !partial.chars().all(is_name_char) {
        return None;
    }
    if before_cursor[..at]
        .chars()
        .next_back()
        .is_some_and(is_name_char)
    {
        return None;
    }
    Some((at, partial))
}

/// The names to offer for a partial mention: those starting with it in any
/// case, each once, sorted, never `me`, at most `limit`.
pub fn mention_suggestions<'a>(
    partial: &str,
    names: impl IntoIterator<Item = &'a str>,
    me: &str,
    limit: usize,
) -> Vec<String> {
    let partial = partial.to_ascii_lowercase();
    let mut found: Vec<String> = names
        .into_iter()
        .filter(|n| !n.eq_ignore_ascii_case(me))
        .filter(|n| n.to_ascii_lowercase().starts_with(&partial))
        .map(str::to_owned)
        .collect();
    found.sort_by_key(|n| n.to_ascii_lowercase());
    found.dedup();
    found.truncate(limit);
    found
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Each `@name` in `text`: the byte offset of the `@` and the name. A name
/// uses username characters (3 to 32), minus trailing `.` or `-`, so
/// "thanks @ann." mentions ann; an `@` right after a letter or digit is an
/// e-mail address, not a mention.
pub(crate) fn mention_tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.match_indices('@').filter_map(move |(at, _)| {
        let before = text[..at].chars().next_back();
        if before.is_some_and(is_name_char) {
            return None;
        }
        let after = &text[at + 1..];
        let end = after
            .find(|c: char| !is_name_char(c))
            .unwrap_or(after.len());
        let name = after[..end].trim_end_matches(['.', '-']);
        (3..=32).contains(&name.len()).then_some((at, name))
    })
}

/// Splits `body` into text and links. Only web links become links: a
/// `javascript:` or `data:` URL stays text, whatever the body says.
pub fn segments(body: &str) -> Vec<Segment<'_>> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    finder.url_must_have_scheme(false);
    let mut out = Vec::new();
    for span in finder.spans(body) {
        let text = span.as_str();
        let href = match span.kind() {
            Some(linkify::LinkKind::Url) => web_href(text),
            _ => None,
        };
        out.push(match href {
            Some(href) => Segment::Link { text, href },
            None => Segment::Text(text),
        });
    }
    out
}

/// The address a link written as `url` may open: an `http(s)://` URL as it
/// is, `www.…` with `https://`; anything else (`javascript:`, `data:`, a
/// space or a control character inside) opens nothing.
pub fn web_href(url: &str) -> Option<String> {
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Some(url.to_owned())
    } else if lower.starts_with("www.") && url.len() > 4 {
        Some(format!("https://{url}"))
    } else {
        None
    }
}

/// Appends `text` with HTML's special characters escaped, for text and for
/// attribute values alike: the one escaper of the HTML we write ourselves
/// (message formatting, search highlights).
pub fn escape_html(text: &str, out: &mut String) {
    let mut rest = 0;
    for (i, c) in text.char_indices() {
        let entity = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[rest..i]);
        out.push_str(entity);
        rest = i + 1;
    }
    out.push_str(&text[rest..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_whole_names_in_any_case() {
        assert!(mentions("hey @ann, look", "ann"));
        assert!(mentions("@ANN", "ann"));
        assert!(mentions("thanks @ann.", "ann"));
        assert!(mentions("(@ann-)", "ann"));
        assert!(!mentions("hey @anna", "ann"));
        assert!(!mentions("mail ann@ann.com", "ann"));
        assert!(!mentions("@ann.b is someone else", "ann"));
        assert!(mentions("@ann.b is someone else", "ann.b"));
        assert!(!mentions("no at sign ann", "ann"));
        assert!(!mentions("@", "ann"));
    }

    #[test]
    fn the_mention_being_typed_is_found_before_the_cursor() {
        assert_eq!(mention_being_typed("hi @bo"), Some((3, "bo")));
        assert_eq!(mention_being_typed("@"), Some((0, "")));
        assert_eq!(mention_being_typed("(@ann.b"), Some((1, "ann.b")));
        assert_eq!(mention_being_typed("hi @bob "), None, "a space ends it");
        assert_eq!(mention_being_typed("mail x@bo"), None, "an e-mail address");
        assert_eq!(mention_being_typed("no mention"), None);
    }

    #[test]
    fn suggestions_match_the_start_in_any_case_without_me() {
        let names = ["bob", "Bea", "ann", "bob", "barbara", "carl"];
        let got = mention_suggestions("B", names, "barbara", 5);
        assert_eq!(got, vec!["Bea", "bob"]);
        assert_eq!(
            mention_suggestions("", names, "ann", 2),
            vec!["barbara", "Bea"]
        );
        assert!(mention_suggestions("z", names, "ann", 5).is_empty());
    }

    #[test]
    fn links_become_segments_and_scripts_do_not() {
        let s = segments("see https://example.com/a?b=1 and javascript:alert(1) <b>x</b>");
        assert_eq!(s[0], Segment::Text("see "));
        assert_eq!(
            s[1],
            Segment::Link {
                text: "https://example.com/a?b=1",
                href: "https://example.com/a?b=1".into()
            }
        );
        assert!(s[2..].iter().all(|seg| matches!(seg, Segment::Text(_))));
        let joined: String = s[2..]
            .iter()
            .map(|seg| match seg {
                Segment::Text(t) => *t,
                _ => "",
            })
            .collect();
        assert_eq!(joined, " and javascript:alert(1) <b>x</b>");
    }

    #[test]
    fn www_links_get_a_scheme() {
        let s = segments("www.rust-lang.org");
        assert_eq!(
            s[0],
            Segment::Link {
                text: "www.rust-lang.org",
                href: "https://www.rust-lang.org".into()
            }
        );
    }
}
