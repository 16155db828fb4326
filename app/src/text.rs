//! Message text as the UI shows it: plain text with web links made clickable.
//! The body is never interpreted as HTML; this only splits it into runs.

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

/// Splits `body` into text and links. Only web links become links: a
/// `javascript:` or `data:` URL stays text, whatever the body says.
pub fn segments(body: &str) -> Vec<Segment<'_>> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    finder.url_must_have_scheme(false);
    let mut out = Vec::new();
    for span in finder.spans(body) {
        let text = span.as_str();
        match span.kind() {
            Some(linkify::LinkKind::Url) => {
                let lower = text.to_ascii_lowercase();
                if lower.starts_with("http://") || lower.starts_with("https://") {
                    out.push(Segment::Link {
                        text,
                        href: text.to_owned(),
                    });
                } else if lower.starts_with("www.") {
                    out.push(Segment::Link {
                        text,
                        href: format!("https://{text}"),
                    });
                } else {
                    out.push(Segment::Text(text));
                }
            }
            _ => out.push(Segment::Text(text)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
