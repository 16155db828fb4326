//! Message formatting: a safe Markdown subset, rendered to HTML by one
//! function that the server (SSR) and the browser both run, so a message
//! looks the same before and after hydration, in chat and in support. Bodies
//! stay plain text in the database; this only decides how they are shown.
//!
//! What is understood, as in Slack and GitHub:
//! - inline: `**bold**` or `__bold__`, `*italics*` or `_italics_`,
//!   `~~strike~~`, `` `code` ``, `[text](https://…)`, bare web links,
//!   `@name` mentions, and `\` before a marker to keep it as typed;
//! - blocks: code blocks between ```` ``` ```` lines, `> ` quotes, and
//!   `- `, `* `, `+ ` or `1. ` lists; other lines are paragraphs, their line
//!   breaks kept.
//!
//! Why it is safe: nothing in the body is ever passed through as HTML. All
//! text is escaped, the only tags are the ones written here, and a link's
//! `href` is an `http(s)` URL or there is no link (`javascript:` stays text).
//!
//! Markers only open and close where no ASCII letter or digit touches them
//! from outside, so `snake_case`, `2*3*4` and `@ann_lee` stay as typed,
//! while Chinese, written without spaces, formats (`这是*重要*的`). Code
//! spans, links and mentions are taken whole first, so a marker inside them
//! never formats anything.

use crate::text::{self, escape_html as escape, web_href};

/// How deep quotes and emphasis may nest before the rest is shown as typed.
/// It bounds the recursion (and the work) a crafted body can cause.
const MAX_DEPTH: usize = 6;

/// Renders `body` as HTML. With `me` (the reader's username, in chat),
/// `@name` mentions are marked, and the reader's own (`mention-me`) more
/// strongly. A body that is one paragraph, as most chat messages are, is
/// inline content alone (no `<p>`), so it can sit in a line of text.
pub fn to_html(body: &str, me: Option<&str>) -> String {
    let parsed = blocks(body.lines().collect(), 0);
    let mut html = String::with_capacity(body.len() + body.len() / 4);
    match parsed.as_slice() {
        [Block::Paragraph(lines)] => inline(&joined(lines), me, &mut html),
        _ => render_blocks(&parsed, me, &mut html),
    }
    html
}

// ---- Blocks ----------------------------------------------------------------

#[derive(Debug, PartialEq)]
enum Block<'a> {
    Paragraph(Vec<&'a str>),
    Code(Vec<&'a str>),
    Quote(Vec<Block<'a>>),
    /// `start` is `None` for a bulleted list.
    List {
        start: Option<u32>,
        items: Vec<&'a str>,
    },
}

/// A list item's kind (bulleted, or numbered from `Some(n)`) and its text.
fn list_item(line: &str) -> Option<(Option<u32>, &str)> {
    let t = line.trim_start();
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(bullet) {
            return (!rest.trim().is_empty()).then_some((None, rest.trim_start()));
        }
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=9).contains(&digits) {
        return None;
    }
    let rest = t[digits..]
        .strip_prefix(". ")
        .or_else(|| t[digits..].strip_prefix(") "))?;
    let n = t[..digits].parse().ok()?;
    (!rest.trim().is_empty()).then_some((Some(n), rest.trim_start()))
}

/// A quote line's text without its `>` (and one space), if it is one. A `>`
/// must be followed by a space or end the line, so `>_<` stays text.
fn quote_line(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix('>')?;
    if rest.is_empty() {
        Some(rest)
    } else {
        rest.strip_prefix(' ')
    }
}

fn is_fence(line: &str) -> bool {
    line.trim_start().starts_with("```")
}

/// The blocks of `lines`. A quote's lines are parsed again by the same
/// rules once their `>` is gone; they still borrow from the body.
fn blocks(lines: Vec<&str>, depth: usize) -> Vec<Block<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim().is_empty() {
            i += 1;
        } else if is_fence(line) {
            i = code_block(&lines, i, &mut out);
        } else if depth < MAX_DEPTH && quote_line(line).is_some() {
            let start = i;
            while i < lines.len() && quote_line(lines[i]).is_some() {
                i += 1;
            }
            let inner: Vec<&str> = lines[start..i]
                .iter()
                .filter_map(|l| quote_line(l))
                .collect();
            out.push(Block::Quote(blocks(inner, depth + 1)));
        } else if let Some((start, _)) = list_item(line) {
            let mut items = Vec::new();
            while let Some((kind, text)) = lines.get(i).and_then(|l| list_item(l)) {
                if kind.is_some() != start.is_some() {
                    break;
                }
                items.push(text);
                i += 1;
            }
            out.push(Block::List { start, items });
        } else {
            let start = i;
            i += 1;
            while i < lines.len()
                && !lines[i].trim().is_empty()
                && !is_fence(lines[i])
                && quote_line(lines[i]).is_none()
                && list_item(lines[i]).is_none()
            {
                i += 1;
            }
            out.push(Block::Paragraph(lines[start..i].to_vec()));
        }
    }
    out
}

/// Reads the code block whose fence is `lines[at]` into `out`; returns the
/// index of the first line after it. As in Slack, text may follow the
/// opening fence (a one-word language name is dropped) and precede the
/// closing one; a block never closed runs to the end.
fn code_block<'a>(lines: &[&'a str], at: usize, out: &mut Vec<Block<'a>>) -> usize {
    let opening = &lines[at].trim_start()[3..];
    let mut code = Vec::new();
    // "```one line```"
    if let Some(inner) = opening.trim_end().strip_suffix("```") {
        if !inner.is_empty() {
            code.push(inner);
        }
        out.push(Block::Code(code));
        return at + 1;
    }
    let language = !opening.is_empty()
        && opening.len() <= 20
        && opening
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'#' | b'-' | b'_'));
    if !opening.trim().is_empty() && !language {
        code.push(opening);
    }
    let mut i = at + 1;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some(before) = line.trim_end().strip_suffix("```") {
            if !before.trim().is_empty() {
                code.push(before);
            }
            break;
        }
        code.push(line);
    }
    out.push(Block::Code(code));
    i
}

fn render_blocks(blocks: &[Block<'_>], me: Option<&str>, out: &mut String) {
    for block in blocks {
        match block {
            Block::Paragraph(lines) => {
                out.push_str("<p>");
                inline(&joined(lines), me, out);
                out.push_str("</p>");
            }
            Block::Code(lines) => {
                out.push_str("<pre><code>");
                escape(&joined(lines), out);
                out.push_str("</code></pre>");
            }
            Block::Quote(inner) => {
                out.push_str("<blockquote>");
                render_blocks(inner, me, out);
                out.push_str("</blockquote>");
            }
            Block::List { start, items } => {
                match start {
                    None => out.push_str("<ul>"),
                    Some(1) => out.push_str("<ol>"),
                    Some(n) => out.push_str(&format!("<ol start=\"{n}\">")),
                }
                for item in items {
                    out.push_str("<li>");
                    inline(item, me, out);
                    out.push_str("</li>");
                }
                out.push_str(if start.is_some() { "</ol>" } else { "</ul>" });
            }
        }
    }
}

// ---- Inline content ----------------------------------------------------------

/// A stretch taken whole before any marker is looked at.
#[derive(Debug)]
struct Atom {
    start: usize,
    end: usize,
    kind: AtomKind,
}

#[derive(Debug)]
enum AtomKind {
    /// A code span; the code is `inner`.
    Code {
        inner: (usize, usize),
    },
    Link {
        href: String,
    },
    Mention,
}

/// The tag of each emphasis marker, by [`marker_index`].
const TAGS: [&str; 5] = ["strong", "strong", "em", "em", "del"];

/// Which marker a run of `run` × `c` is: `**`, `__`, `*`, `_` or `~~`.
fn marker_index(c: u8, run: usize) -> Option<usize> {
    match (c, run) {
        (b'*', 2) => Some(0),
        (b'_', 2) => Some(1),
        (b'*', 1) => Some(2),
        (b'_', 1) => Some(3),
        (b'~', 2) => Some(4),
        _ => None,
    }
}

struct Inline<'a> {
    s: &'a str,
    me: Option<&'a str>,
    /// Sorted and disjoint.
    atoms: Vec<Atom>,
    /// For each marker, where it may close: sorted byte offsets.
    closers: [Vec<usize>; 5],
}

fn inline(s: &str, me: Option<&str>, out: &mut String) {
    let atoms = atoms(s);
    let closers = closers(s, &atoms);
    let scan = Inline {
        s,
        me,
        atoms,
        closers,
    };
    scan.render(0, s.len(), 0, false, out);
}

/// The length of the run of `b[at]` starting at `at`.
fn run_len(b: &[u8], at: usize) -> usize {
    b[at..].iter().take_while(|&&c| c == b[at]).count()
}

fn char_before(s: &str, at: usize) -> Option<char> {
    s[..at].chars().next_back()
}

fn char_at(s: &str, at: usize) -> Option<char> {
    s[at..].chars().next()
}

/// Code spans first (a run of backticks closed by a run as long), then web
/// links outside them, then mentions outside both.
fn atoms(s: &str) -> Vec<Atom> {
    let b = s.as_bytes();
    let mut atoms = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'`' || (i > 0 && b[i - 1] == b'\\') {
            i += 1;
            continue;
        }
        let n = run_len(b, i);
        let mut j = i + n;
        let mut closed = None;
        while j < b.len() {
            if b[j] == b'`' {
                let m = run_len(b, j);
                if m == n {
                    closed = Some(j);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match closed {
            Some(j) => {
                let (mut from, mut to) = (i + n, j);
                // "`` `x` ``": one space on each side is padding.
                if to - from >= 2 && b[from] == b' ' && b[to - 1] == b' ' {
                    from += 1;
                    to -= 1;
                }
                atoms.push(Atom {
                    start: i,
                    end: j + n,
                    kind: AtomKind::Code { inner: (from, to) },
                });
                i = j + n;
            }
            None => i += n,
        }
    }
    let mut links = Vec::new();
    for segment in text::segments(s) {
        if let text::Segment::Link { text, href } = segment {
            let start = text.as_ptr() as usize - s.as_ptr() as usize;
            let end = start + text.len();
            if !overlaps(&atoms, start, end) {
                links.push(Atom {
                    start,
                    end,
                    kind: AtomKind::Link { href },
                });
            }
        }
    }
    let atoms = merged(atoms, links);
    let mut mentions = Vec::new();
    for (at, name) in text::mention_tokens(s) {
        let end = at + 1 + name.len();
        if !overlaps(&atoms, at, end) {
            mentions.push(Atom {
                start: at,
                end,
                kind: AtomKind::Mention,
            });
        }
    }
    merged(atoms, mentions)
}

/// Two lists sorted by start, as one. (A merge rather than a sort: the
/// sort's generic code alone was 4 KB of the visitor page's WASM.)
fn merged(a: Vec<Atom>, b: Vec<Atom>) -> Vec<Atom> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.start <= y.start,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
}

/// Lines joined by line breaks (`join`'s generic code is larger).
fn joined(lines: &[&str]) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// Whether `[start, end)` overlaps one of `sorted` (disjoint, by start).
fn overlaps(sorted: &[Atom], start: usize, end: usize) -> bool {
    let i = sorted.partition_point(|a| a.end <= start);
    sorted.get(i).is_some_and(|a| a.start < end)
}

/// Where each marker may close: a run of exactly its length, outside atoms,
/// not escaped, after a non-space and not followed by an ASCII letter or
/// digit.
fn closers(s: &str, atoms: &[Atom]) -> [Vec<usize>; 5] {
    let b = s.as_bytes();
    let mut out: [Vec<usize>; 5] = Default::default();
    let mut i = 0;
    while i < b.len() {
        if !matches!(b[i], b'*' | b'_' | b'~') {
            i += 1;
            continue;
        }
        let n = run_len(b, i);
        let escaped = i > 0 && b[i - 1] == b'\\';
        let after_text = char_before(s, i).is_some_and(|c| !c.is_whitespace());
        let at_edge = !char_at(s, i + n).is_some_and(|c| c.is_ascii_alphanumeric());
        if let Some(k) = marker_index(b[i], n) {
            if !escaped && after_text && at_edge && !overlaps(atoms, i, i + 1) {
                out[k].push(i);
            }
        }
        i += n;
    }
    out
}

/// `<a …>` for a checked `href`: a new tab, and nothing of this page for it.
fn open_link(href: &str, out: &mut String) {
    out.push_str("<a href=\"");
    escape(href, out);
    out.push_str("\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">");
}

impl Inline<'_> {
    fn atom_at(&self, at: usize) -> Option<&Atom> {
        let i = self.atoms.partition_point(|a| a.start < at);
        self.atoms.get(i).filter(|a| a.start == at)
    }

    /// Renders `s[from..to]`. `in_link`: inside a `[text](url)`'s text, where
    /// no further link may start.
    fn render(&self, from: usize, to: usize, depth: usize, in_link: bool, out: &mut String) {
        let s = self.s;
        let b = s.as_bytes();
        let mut text = from;
        let mut i = from;
        while i < to {
            if let Some(atom) = self.atom_at(i) {
                escape(&s[text..i], out);
                self.atom(atom, in_link, out);
                i = atom.end.min(to);
                text = i;
                continue;
            }
            match b[i] {
                b'\\' if i + 1 < to && b[i + 1].is_ascii_punctuation() => {
                    escape(&s[text..i], out);
                    escape(&s[i + 1..i + 2], out);
                    i += 2;
                    text = i;
                }
                b'*' | b'_' | b'~' => {
                    let n = run_len(&b[..to], i);
                    if depth < MAX_DEPTH {
                        if let Some((k, close)) = self.emphasis(i, n, to) {
                            escape(&s[text..i], out);
                            let tag = TAGS[k];
                            out.push('<');
                            out.push_str(tag);
                            out.push('>');
                            self.render(i + n, close, depth + 1, in_link, out);
                            out.push_str("</");
                            out.push_str(tag);
                            out.push('>');
                            i = close + n;
                            text = i;
                            continue;
                        }
                    }
                    i += n;
                }
                b'[' if !in_link && depth < MAX_DEPTH => match self.md_link(i, to) {
                    Some((text_end, after, href)) => {
                        escape(&s[text..i], out);
                        open_link(&href, out);
                        self.render(i + 1, text_end, depth + 1, true, out);
                        out.push_str("</a>");
                        i = after;
                        text = i;
                    }
                    None => i += 1,
                },
                _ => i += 1,
            }
        }
        escape(&s[text..to], out);
    }

    fn atom(&self, atom: &Atom, in_link: bool, out: &mut String) {
        let whole = &self.s[atom.start..atom.end];
        match &atom.kind {
            AtomKind::Code { inner } => {
                out.push_str("<code>");
                escape(&self.s[inner.0..inner.1], out);
                out.push_str("</code>");
            }
            AtomKind::Link { href } if !in_link => {
                open_link(href, out);
                escape(whole, out);
                out.push_str("</a>");
            }
            AtomKind::Mention if self.me.is_some() => {
                let mine = self
                    .me
                    .is_some_and(|me| me.eq_ignore_ascii_case(&whole[1..]));
                out.push_str(if mine {
                    "<span class=\"mention mention-me\">"
                } else {
                    "<span class=\"mention\">"
                });
                escape(whole, out);
                out.push_str("</span>");
            }
            _ => escape(whole, out),
        }
    }

    /// The marker opening at `at` (a run of `n`) and where it closes, if it
    /// is one: a known marker, not after an ASCII letter or digit, before a
    /// non-space, closed before `to`.
    fn emphasis(&self, at: usize, n: usize, to: usize) -> Option<(usize, usize)> {
        let k = marker_index(self.s.as_bytes()[at], n)?;
        let open_end = at + n;
        if !char_at(self.s, open_end).is_some_and(|c| !c.is_whitespace()) || open_end >= to {
            return None;
        }
        if char_before(self.s, at).is_some_and(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let list = &self.closers[k];
        let close = *list.get(list.partition_point(|&p| p <= open_end))?;
        (close + n <= to).then_some((k, close))
    }

    /// A `[text](url)` starting at `at`: where its text ends, the offset after
    /// its `)`, and the vetted URL. Anything else is not a link.
    fn md_link(&self, at: usize, to: usize) -> Option<(usize, usize, String)> {
        let b = self.s.as_bytes();
        let mut i = at + 1;
        let text_end = loop {
            if i >= to {
                return None;
            }
            if let Some(atom) = self.atom_at(i) {
                i = atom.end;
                continue;
            }
            match b[i] {
                b']' => break i,
                b'[' | b'\n' => return None,
                _ => i += 1,
            }
        };
        if text_end == at + 1 || b.get(text_end + 1) != Some(&b'(') {
            return None;
        }
        let url_start = text_end + 2;
        // The URL ends at `)`; a space first means it is not a link (and
        // keeps the scan short when a body repeats "[a](" many times).
        let close =
            url_start + self.s[url_start..to].find(|c: char| c == ')' || c.is_whitespace())?;
        if b[close] != b')' {
            return None;
        }
        let href = web_href(&self.s[url_start..close])?;
        Some((text_end, close + 1, href))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(body: &str) -> String {
        to_html(body, Some("ann"))
    }

    /// How deep emphasis tags nest in `html`.
    fn nesting(html: &str) -> usize {
        let (mut depth, mut most) = (0usize, 0);
        for piece in html.split('<').skip(1) {
            if ["em>", "strong>", "del>"]
                .iter()
                .any(|t| piece.starts_with(t))
            {
                depth += 1;
                most = most.max(depth);
            } else if piece.starts_with('/') {
                depth = depth.saturating_sub(1);
            }
        }
        most
    }

    #[test]
    fn plain_text_is_escaped_and_stays_inline() {
        let got = to_html("a < b & \"c\" 'd' > e", None);
        assert_eq!(got, "a &lt; b &amp; &quot;c&quot; &#39;d&#39; &gt; e");
        assert!(!got.contains("<p>"), "one paragraph stays inline");
        assert_eq!(html("two\nlines"), "two\nlines");
    }

    #[test]
    fn emphasis_code_and_strike() {
        assert_eq!(
            html("**bold** and __bold__"),
            "<strong>bold</strong> and <strong>bold</strong>"
        );
        assert_eq!(html("*it* and _it_"), "<em>it</em> and <em>it</em>");
        assert_eq!(html("~~gone~~"), "<del>gone</del>");
        assert_eq!(html("`a *b* <c>`"), "<code>a *b* &lt;c&gt;</code>");
        assert_eq!(html("``a ` b``"), "<code>a ` b</code>");
        assert_eq!(
            html("**bold _and it_**"),
            "<strong>bold <em>and it</em></strong>"
        );
        assert_eq!(html("(*a*)"), "(<em>a</em>)");
        assert_eq!(html("*hi!*"), "<em>hi!</em>");
        // Chinese has no spaces between words.
        assert_eq!(
            html("这是*重要*的，~~不~~**是**"),
            "这是<em>重要</em>的，<del>不</del><strong>是</strong>"
        );
    }

    #[test]
    fn markers_inside_words_and_names_stay_as_typed() {
        for body in [
            "snake_case_name",
            "2*3*4",
            "a * b * c",
            "unclosed *star",
            "***three***",
            "~one~",
        ] {
            let got = html(body);
            assert!(
                !got.contains('<') || body.contains('<'),
                "{body} became {got}"
            );
        }
        assert_eq!(
            html("ping @ann_lee_x please"),
            "ping <span class=\"mention\">@ann_lee_x</span> please"
        );
        assert_eq!(
            html("*hi @bob_smith*"),
            "<em>hi <span class=\"mention\">@bob_smith</span></em>"
        );
        assert_eq!(html("\\*not it\\*"), "*not it*");
    }

    #[test]
    fn mentions_are_marked_only_in_chat() {
        assert_eq!(
            html("hey @ann"),
            "hey <span class=\"mention mention-me\">@ann</span>"
        );
        assert_eq!(to_html("hey @ann", None), "hey @ann");
        assert_eq!(html("`@ann`"), "<code>@ann</code>");
        // Links win: an `@` inside a URL is part of the URL.
        let got = html("ping @bob and @carol.: see https://x.org/@bob ok");
        assert!(got.starts_with("ping <span class=\"mention\">@bob</span> and <span class=\"mention\">@carol</span>.: see <a "), "{got}");
        assert!(got.ends_with(">https://x.org/@bob</a> ok"), "{got}");
    }

    #[test]
    fn links_are_web_links_only() {
        assert_eq!(
            html("*see https://x.org/a_b_c*d*"),
            "<em>see <a href=\"https://x.org/a_b_c*d\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">https://x.org/a_b_c*d</a></em>"
        );
        assert_eq!(
            html("[the **docs**](https://x.org/q?a=1&b=\"2\")"),
            "<a href=\"https://x.org/q?a=1&amp;b=&quot;2&quot;\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">the <strong>docs</strong></a>"
        );
        assert_eq!(
            html("[www](www.rust-lang.org)"),
            "<a href=\"https://www.rust-lang.org\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">www</a>"
        );
        for evil in [
            "[x](javascript:alert(1))",
            "[x](data:text/html,<script>)",
            "[x](  https://a.b)",
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[<b>](https://a.b)",
        ] {
            let got = html(evil);
            assert!(
                !got.contains("<script") && !got.contains("<img") && !got.contains("<b>"),
                "{got}"
            );
            assert!(
                !got.contains("href=\"javascript") && !got.contains("href=\"data"),
                "{got}"
            );
        }
        // A link's text does not hold another link.
        let got = html("[see https://a.b](https://c.d)");
        assert_eq!(got.matches("<a ").count(), 1, "{got}");
    }

    #[test]
    fn blocks_code_quotes_and_lists() {
        let got = to_html("Look:\n```rust\nlet x = *y; // <b>\n```\ndone", None);
        assert!(got.starts_with("<p>"), "more than a paragraph is blocks");
        assert_eq!(
            got,
            "<p>Look:</p><pre><code>let x = *y; // &lt;b&gt;</code></pre><p>done</p>"
        );
        assert_eq!(
            html("```one line *x*```"),
            "<pre><code>one line *x*</code></pre>"
        );
        assert_eq!(
            html("```never closed\nline"),
            "<pre><code>never closed\nline</code></pre>"
        );
        assert_eq!(
            html("> quoted *it*\n> more\nreply"),
            "<blockquote><p>quoted <em>it</em>\nmore</p></blockquote><p>reply</p>"
        );
        assert_eq!(html(">_< not a quote"), "&gt;_&lt; not a quote");
        assert_eq!(
            html("To do:\n- one\n- **two**\n\n3. three\n4. four"),
            "<p>To do:</p><ul><li>one</li><li><strong>two</strong></li></ul><ol start=\"3\"><li>three</li><li>four</li></ol>"
        );
        assert_eq!(
            html("> > deep\n> shallow"),
            "<blockquote><blockquote><p>deep</p></blockquote><p>shallow</p></blockquote>"
        );
    }

    #[test]
    fn crafted_bodies_stay_bounded() {
        let deep = ">".repeat(5000) + " x";
        let got = html(&deep.replace('>', "> "));
        assert!(got.matches("<blockquote>").count() <= MAX_DEPTH);
        let stars = "*a ".repeat(2000);
        assert!(!html(&stars).contains("<em>"));
        let nested = "*_".repeat(500) + "x" + &"_*".repeat(500);
        assert!(nesting(&html(&nested)) <= MAX_DEPTH);
        let nested = "**a __b ".repeat(300) + &"c__ d**".repeat(300);
        assert!(nesting(&html(&nested)) <= MAX_DEPTH);
        assert!(html(&"[".repeat(3000)).starts_with("[["));
    }
}
