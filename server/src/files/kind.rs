//! What an upload is, read from its first bytes — never from its name or the
//! type the browser declared — and whether the settings allow it; and the
//! name it is kept under.

use app::protocol::FILE_NAME_MAX;

/// Bytes read before deciding what a file is.
pub const SNIFF_BYTES: usize = 8192;

/// The content type of a file that starts with `head`.
///
/// Formats with a signature are named by it (`infer`). What has none is
/// text if it is UTF-8 without NUL bytes (its last character may be cut by
/// the end of `head`) — named for what browsers would take it for, so the
/// rules that keep HTML and SVG from running apply to it — and otherwise
/// `application/octet-stream`.
pub fn detect(head: &[u8]) -> &'static str {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type();
    }
    let text = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => {
            // Cut inside a character at the end of what was read.
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return "application/octet-stream",
    };
    if text.contains('\0') {
        return "application/octet-stream";
    }
    let lower = text.trim_start().to_ascii_lowercase();
    if lower.contains("<svg") {
        "image/svg+xml"
    } else if lower.starts_with("<!doctype html")
        || lower.contains("<html")
        || lower.contains("<script")
    {
        "text/html"
    } else if lower.starts_with("<?xml") {
        "text/xml"
    } else {
        "text/plain"
    }
}

/// Whether `content_type` matches one of `allowed` (`image/png`, `image/*`,
/// `application/vnd.ms-*`, `*`).
pub fn allowed(content_type: &str, allowed: &[String]) -> bool {
    allowed
        .iter()
        .any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => content_type.starts_with(prefix),
            None => pattern == content_type,
        })
}

/// The name to keep for an upload called `raw`: its last path component,
/// without control characters, at most [`FILE_NAME_MAX`] characters (the
/// extension kept when cut); "file" when nothing is left.
pub fn file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    if clean.is_empty() {
        return "file".into();
    }
    if clean.chars().count() <= FILE_NAME_MAX {
        return clean.to_owned();
    }
    let (stem, ext) = match clean.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 16 => (stem, Some(ext)),
        _ => (clean, None),
    };
    let keep = FILE_NAME_MAX - ext.map_or(0, |e| e.chars().count() + 1);
    let mut out: String = stem.chars().take(keep).collect();
    if let Some(ext) = ext {
        out.push('.');
        out.push_str(ext);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_not_the_name() {
        let png = [
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
        ];
        assert_eq!(detect(&png), "image/png");
        assert_eq!(detect(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(detect("hello, 世界\n".as_bytes()), "text/plain");
        assert_eq!(detect(b"<!DOCTYPE html><p>hi"), "text/html");
        assert_eq!(
            detect(b"  <svg xmlns='http://www.w3.org/2000/svg'>"),
            "image/svg+xml"
        );
        assert_eq!(detect(&[0, 1, 2, 0xff, 0xfe]), "application/octet-stream");
        // A multi-byte character cut by the end of the sniffed bytes.
        let cut = &"abc世".as_bytes()[..5];
        assert_eq!(detect(cut), "text/plain");
    }

    #[test]
    fn patterns_match_types_and_families() {
        let rules: Vec<String> = ["image/*", "application/pdf"].map(String::from).to_vec();
        assert!(allowed("image/png", &rules));
        assert!(allowed("application/pdf", &rules));
        assert!(!allowed("application/x-executable", &rules));
        assert!(allowed("anything/else", &["*".to_owned()]));
    }

    #[test]
    fn names_lose_paths_and_controls_and_keep_their_extension() {
        assert_eq!(file_name("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("a\u{202e}gpj.exe"), "agpj.exe");
        assert_eq!(file_name("  "), "file");
        assert_eq!(file_name(".hidden"), "hidden");
        let long = format!("{}.txt", "x".repeat(300));
        let kept = file_name(&long);
        assert_eq!(kept.chars().count(), FILE_NAME_MAX);
        assert!(kept.ends_with(".txt"));
    }
}
