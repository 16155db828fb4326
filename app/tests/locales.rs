//! Every UI text exists in both languages, with the same placeholders.
//! leptos_i18n only warns when a key is missing in one language and shows
//! the English text instead, which a Chinese reader would notice long after
//! a release; this test fails the build first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

const DEFAULT: &str = "en";

/// `key.path` → text, for every leaf of a namespace file.
fn leaves(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&key, v, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

/// The `{{ name }}` placeholders and `<tag>` components of a text.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        found.insert(rest[start + 2..start + end].trim().to_owned());
        rest = &rest[start + end + 2..];
    }
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let tag = rest[start + 1..start + end]
            .trim_start_matches('/')
            .trim_end_matches('/');
        found.insert(format!("<{}>", tag.split_whitespace().next().unwrap_or("")));
        rest = &rest[start + end + 1..];
    }
    found
}

fn read(dir: &Path, file: &str) -> BTreeMap<String, String> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    leaves("", &value, &mut out);
    out
}

#[test]
fn every_language_has_every_key_with_the_same_placeholders() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("locales");
    let languages: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(languages.contains(&"zh-CN".to_owned()), "{languages:?}");
    let mut problems = Vec::new();
    let mut files: Vec<String> = std::fs::read_dir(root.join(DEFAULT))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for language in languages.iter().filter(|l| *l != DEFAULT) {
        let theirs: BTreeSet<String> = std::fs::read_dir(root.join(language))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        for file in &files {
            if !theirs.contains(file) {
                problems.push(format!("{language}/{file} is missing"));
                continue;
            }
            let english = read(&root.join(DEFAULT), file);
            let other = read(&root.join(language), file);
            for (key, text) in &english {
                match other.get(key) {
                    None => problems.push(format!("{language}/{file}: no {key}")),
                    Some(t) if t.trim().is_empty() => {
                        problems.push(format!("{language}/{file}: {key} is empty"))
                    }
                    Some(t) if placeholders(t) != placeholders(text) => problems.push(format!(
                        "{language}/{file}: {key} has {:?}, English has {:?}",
                        placeholders(t),
                        placeholders(text)
                    )),
                    Some(_) => {}
                }
            }
            for key in other.keys().filter(|k| !english.contains_key(*k)) {
                problems.push(format!("{language}/{file}: {key} is not in English"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn placeholders_are_found() {
    let found = placeholders("<b>{{ n }}</b> new, {{who}} wrote<br/>");
    let want: BTreeSet<String> = ["n", "who", "<b>", "<br>"].map(String::from).into();
    assert_eq!(found, want);
}
