//! The words a message is found by, made in Rust the same way for the index
//! and for a query, so SQLite and PostgreSQL find the same messages.
//!
//! The databases' own tokenizers cannot do it: neither splits Chinese, which
//! is written without spaces (FTS5's trigram tokenizer finds nothing shorter
//! than three characters, and most Chinese words are two), and their English
//! stemmers differ. So a message's text becomes a line of terms, stored beside
//! the body (`messages.terms`), that each database indexes as plain
//! space-separated words:
//! - a run of letters or digits of an alphabetic script is one word,
//!   lowercased and reduced to its English stem ("Deploying" → "deploy");
//! - a run of CJK characters becomes its overlapping pairs, then its last
//!   character alone ("今天开会" → "今天 天开 开会 会"), as Lucene's CJK
//!   analyser does. A query word of two or more characters is the phrase of
//!   its pairs, found wherever it sits in a sentence; a single character is
//!   the prefix of a pair, or the lone last character of a run.

use app::validate::Invalid;
use rust_stemmers::{Algorithm, Stemmer};
use std::sync::LazyLock;

static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most words in one query: each is a condition the index evaluates.
pub const MAX_QUERY_WORDS: usize = 12;
/// Longer words are cut to this many characters, in the index and in a
/// query alike (nobody searches for a 500-letter word; the index need not
/// hold it).
const MAX_WORD_CHARS: usize = 40;

/// Chinese, Japanese and Korean characters: scripts written without spaces
/// between words.
pub fn is_cjk(c: char) -> bool {
    // Letters only: the range holds punctuation too (the katakana middle dot).
    c.is_alphanumeric()
        && matches!(c as u32,
        0x3040..=0x30FF        // Hiragana, Katakana
        | 0x3400..=0x4DBF      // CJK Unified Ideographs Extension A
        | 0x4E00..=0x9FFF      // CJK Unified Ideographs
        | 0xAC00..=0xD7AF      // Hangul syllables
        | 0xF900..=0xFAFF      // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // Extensions B–F and the compatibility supplement
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Letters and digits of a script that spaces words.
    Word,
    /// A run of [`is_cjk`] characters.
    Cjk,
}

/// A run of one kind of character in a text; `start` is its byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    pub kind: Kind,
    pub text: &'a str,
    pub start: usize,
}

fn kind(c: char) -> Option<Kind> {
    if is_cjk(c) {
        Some(Kind::Cjk)
    } else if c.is_alphanumeric() {
        Some(Kind::Word)
    } else {
        None
    }
}

/// The runs of `text` that hold words, in order; everything else separates.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut run: Option<(Kind, usize)> = None;
    for (i, c) in text.char_indices() {
        let k = kind(c);
        if run.map(|(rk, _)| Some(rk)) == Some(k) {
            continue;
        }
        if let Some((rk, start)) = run.take() {
            out.push(Piece {
                kind: rk,
                text: &text[start..i],
                start,
            });
        }
        run = k.map(|k| (k, i));
    }
    if let Some((kind, start)) = run {
        out.push(Piece {
            kind,
            text: &text[start..],
            start,
        });
    }
    out
}

/// A word as the index holds it: lowercased, cut, stemmed.
pub fn stem(word: &str) -> String {
    let lower: String = word
        .chars()
        .take(MAX_WORD_CHARS)
        .collect::<String>()
        .to_lowercase();
    ENGLISH.stem(&lower).into_owned()
}

/// A CJK run's terms: its overlapping pairs, then its last character.
fn cjk_terms(run: &str) -> impl Iterator<Item = &str> {
    let bounds: Vec<usize> = run
        .char_indices()
        .map(|(i, _)| i)
        .chain([run.len()])
        .collect();
    let chars = bounds.len() - 1;
    let pairs = (0..chars.saturating_sub(1)).map(move |k| (k, k + 2));
    let bounds2 = bounds.clone();
    pairs
        .map(move |(a, b)| &run[bounds[a]..bounds[b]])
        .chain((chars > 0).then(|| &run[bounds2[chars - 1]..]))
}

/// The line of terms `text` is indexed by (see the module's header).
pub fn terms(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    let mut push = |t: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t);
    };
    for p in pieces(text) {
        match p.kind {
            Kind::Word => push(&stem(p.text)),
            Kind::Cjk => cjk_terms(p.text).for_each(&mut push),
        }
    }
    out
}

/// A parsed search: every word must be in a message for it to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Stems of the alphabetic words.
    pub words: Vec<String>,
    /// CJK runs, as typed (a phrase each).
    pub cjk: Vec<String>,
}

impl Query {
    /// Reads the `q` of a search, refusing one that is too long or holds no
    /// word at all.
    pub fn parse(q: &str) -> Result<Query, Invalid> {
        let bad = |problem: String| Invalid {
            field: "q",
            problem,
        };
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(bad(format!(
                "the search is longer than {MAX_QUERY_CHARS} characters"
            )));
        }
        let mut query = Query {
            words: Vec::new(),
            cjk: Vec::new(),
        };
        for p in pieces(q) {
            match p.kind {
                Kind::Word => {
                    let s = stem(p.text);
                    if !query.words.contains(&s) {
                        query.words.push(s);
                    }
                }
                Kind::Cjk => {
                    let run: String = p.text.chars().take(MAX_WORD_CHARS).collect();
                    if !query.cjk.contains(&run) {
                        query.cjk.push(run);
                    }
                }
            }
        }
        let n = query.words.len() + query.cjk.len();
        if n == 0 {
            return Err(bad("the search has no letters or digits to look for".into()));
        }
        if n > MAX_QUERY_WORDS {
            return Err(bad(format!(
                "the search has {n} words; at most {MAX_QUERY_WORDS} are looked for"
            )));
        }
        Ok(query)
    }

    /// The query in FTS5's syntax: each word a quoted term (terms are letters
    /// and digits only, so quoting is all the escaping there is), a CJK word
    /// the phrase of its pairs, a single CJK character a prefix; all of them
    /// required.
    pub fn fts5(&self) -> String {
        let mut parts: Vec<String> = self.words.iter().map(|w| format!("\"{w}\"")).collect();
        for run in &self.cjk {
            let terms: Vec<&str> = cjk_terms(run).collect();
            if run.chars().count() == 1 {
                parts.push(format!("\"{run}\"*"));
            } else {
                // The pairs only: the lone last character sits after them
                // in the index, where a phrase of pairs does not look.
                parts.push(format!("\"{}\"", terms[..terms.len() - 1].join(" ")));
            }
        }
        parts.join(" ")
    }

    /// The query as PostgreSQL's `to_tsquery('simple', …)` text, meaning
    /// the same as [`Query::fts5`].
    pub fn tsquery(&self) -> String {
        let mut parts: Vec<String> = self.words.iter().map(|w| format!("'{w}'")).collect();
        for run in &self.cjk {
            let terms: Vec<&str> = cjk_terms(run).collect();
            if run.chars().count() == 1 {
                parts.push(format!("'{run}':*"));
            } else {
                let pairs: Vec<String> = terms[..terms.len() - 1]
                    .iter()
                    .map(|t| format!("'{t}'"))
                    .collect();
                parts.push(format!("({})", pairs.join(" <-> ")));
            }
        }
        parts.join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_stemmed_and_cjk_is_paired() {
        assert_eq!(terms("Deploying the servers!"), "deploy the server");
        assert_eq!(terms("今天开会"), "今天 天开 开会 会");
        assert_eq!(terms("会"), "会");
        assert_eq!(terms("Rust很好, v2 ready"), "rust 很好 好 v2 readi");
        assert_eq!(terms("  ...  "), "");
        assert_eq!(terms("Ünïcode café"), "ünïcode café");
    }

    #[test]
    fn pieces_keep_their_byte_offsets() {
        let text = "hi 你好!";
        let p = pieces(text);
        assert_eq!(p.len(), 2);
        assert_eq!((p[1].kind, p[1].text, p[1].start), (Kind::Cjk, "你好", 3));
    }

    #[test]
    fn queries_become_the_same_conditions_on_both_databases() {
        let q = Query::parse("Running 今天 会").unwrap();
        assert_eq!(q.words, ["run"]);
        assert_eq!(q.fts5(), r#""run" "今天" "会"*"#);
        assert_eq!(q.tsquery(), "'run' & ('今天') & '会':*");
        let q = Query::parse("开会时间").unwrap();
        assert_eq!(q.fts5(), r#""开会 会时 时间""#);
        assert_eq!(q.tsquery(), "('开会' <-> '会时' <-> '时间')");
    }

    #[test]
    fn a_query_without_words_or_too_long_is_refused() {
        assert_eq!(Query::parse("  !? ").unwrap_err().field, "q");
        assert!(Query::parse(&"a".repeat(MAX_QUERY_CHARS + 1)).is_err());
        let many = (0..=MAX_QUERY_WORDS)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(Query::parse(&many).is_err());
        // Repeated words count once.
        assert_eq!(Query::parse("cat cats CAT").unwrap().words, ["cat"]);
    }
}
