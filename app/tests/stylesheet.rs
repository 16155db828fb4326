//! `style/main.css` is plain CSS: rules sit at the top level or inside an
//! at-rule (`@media`, `@supports`), never inside another rule. A missing `}`
//! does not fail the build: the CSS minifier reads everything after it as
//! nested rules and quietly restyles whole pages (it once left the support
//! console unstyled). This test finds that first.

use std::path::Path;

/// Each `{` with the selector or at-rule before it and its line.
fn blocks(css: &str) -> Result<(), String> {
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut prelude = String::new();
    let mut line = 1;
    let mut chars = css.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                line += 1;
                prelude.push(' ');
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                    }
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '{' => {
                let selector = prelude.trim().to_owned();
                if let Some((outer, at)) = open.last() {
                    if !outer.starts_with('@') {
                        return Err(format!(
                            "line {line}: `{selector}` is inside `{outer}` (opened on line {at}): a missing `}}`?"
                        ));
                    }
                }
                open.push((selector, line));
                prelude.clear();
            }
            '}' => {
                if open.pop().is_none() {
                    return Err(format!("line {line}: `}}` closes nothing"));
                }
                prelude.clear();
            }
            ';' => prelude.clear(),
            c => prelude.push(c),
        }
    }
    match open.last() {
        Some((selector, at)) => Err(format!("`{selector}` (line {at}) is never closed")),
        None => Ok(()),
    }
}

#[test]
fn the_stylesheet_has_no_rule_inside_a_rule() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../style/main.css");
    let css = std::fs::read_to_string(&path).expect("style/main.css");
    if let Err(problem) = blocks(&css) {
        panic!("{}: {problem}", path.display());
    }
}

#[test]
fn the_check_finds_a_missing_brace() {
    assert!(blocks("a { color: red; }\n@media (x) { b { c: d; } }").is_ok());
    let err = blocks("a { color: red;\n\nb { c: d; }").unwrap_err();
    assert!(err.contains("line 3: `b` is inside `a`"), "{err}");
    assert!(blocks("a { }\n}").is_err());
    assert!(blocks("a {").is_err());
}
