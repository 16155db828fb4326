//! Parsed input: every user-supplied string becomes one of these types before the
//! rest of the code sees it, and the browser runs the same checks before sending.
//! Each `parse` returns the typed value or an error that names what was wrong.

use crate::protocol::{MAX_ANNOUNCEMENT_CHARS, MAX_BODY_CHARS, MAX_COMMENT_CHARS, MAX_TITLE_CHARS};
use thiserror::Error;

/// A validation failure, worded for the person who typed the input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {problem}")]
pub struct Invalid {
    pub field: &'static str,
    pub problem: String,
}

fn invalid(field: &'static str, problem: impl Into<String>) -> Invalid {
    Invalid {
        field,
        problem: problem.into(),
    }
}

/// 3–32 characters of letters, digits, `_`, `-` and `.`; unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        let n = s.chars().count();
        if !(3..=32).contains(&n) {
            return Err(invalid("username", "must be 3 to 32 characters"));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(invalid(
                "username",
                "may contain only letters, digits, '_', '-' and '.'",
            ));
        }
        Ok(Username(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One emoji, as a reaction: a pictograph (or a flag, or a keycap) with
/// the joiners, variation selectors and skin tones that make one emoji of
/// several code points; at most 32 bytes. Text is not a reaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emoji(String);

impl Emoji {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let bad = || invalid("emoji", "must be one emoji");
        if s.is_empty() || s.len() > 32 {
            return Err(bad());
        }
        let mut pictographs = 0;
        let mut prev_keycap_base = false;
        for c in s.chars() {
            let cp = c as u32;
            let joiner = matches!(cp, 0x200D | 0xFE0E | 0xFE0F | 0x20E3 | 0xE0020..=0xE007F);
            let keycap_base = c.is_ascii_digit() || c == '#' || c == '*';
            let pictograph = matches!(cp,
                0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x2194..=0x21AA
                | 0x231A..=0x23FF | 0x24C2 | 0x25AA..=0x25FE | 0x2600..=0x27BF
                | 0x2934 | 0x2935 | 0x2B05..=0x2B55 | 0x3030 | 0x303D | 0x3297 | 0x3299
                | 0x1F000..=0x1FAFF);
            if cp == 0x20E3 && !prev_keycap_base {
                return Err(bad());
            }
            if !(joiner || keycap_base || pictograph) {
                return Err(bad());
            }
            if pictograph || cp == 0x20E3 {
                pictographs += 1;
            }
            prev_keycap_base = keycap_base || (prev_keycap_base && cp == 0xFE0F);
        }
        // Digits alone are text; a keycap counts as its pictograph.
        if pictographs == 0 {
            return Err(bad());
        }
        Ok(Emoji(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// 8–256 characters. Not trimmed: spaces are part of a passphrase.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let n = s.chars().count();
        if n < 8 {
            return Err(invalid("password", "must be at least 8 characters"));
        }
        if n > 256 {
            return Err(invalid("password", "must be at most 256 characters"));
        }
        Ok(Password(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A room name: 1–64 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomName(String);

impl RoomName {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        let n = s.chars().count();
        if n == 0 {
            return Err(invalid("name", "must not be empty"));
        }
        if n > 64 {
            return Err(invalid("name", "must be at most 64 characters"));
        }
        if s.chars().any(char::is_control) {
            return Err(invalid("name", "must not contain control characters"));
        }
        Ok(RoomName(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A message body: plain text, 1–4,000 characters, not only white space.
/// Kept exactly as typed (leading spaces and new lines may matter, as in code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    /// A body that may be blank because the message carries files (a
    /// blank one is stored empty).
    pub fn parse_with_files(s: &str, files: usize) -> Result<Self, Invalid> {
        if files > 0 && s.trim().is_empty() {
            return Ok(MessageBody(String::new()));
        }
        Self::parse(s)
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        if s.trim().is_empty() {
            return Err(invalid("body", "must not be empty"));
        }
        let n = s.chars().count();
        if n > MAX_BODY_CHARS {
            return Err(invalid(
                "body",
                format!("is {n} characters; the limit is {MAX_BODY_CHARS}"),
            ));
        }
        // NUL and other C0 controls (except tab and new lines) have no place in
        // chat text and break some terminals and databases.
        if s.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(invalid("body", "must not contain control characters"));
        }
        Ok(MessageBody(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// The client's id for a message it sends: 1–64 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        if s.is_empty() || s.len() > 64 {
            return Err(invalid("client_id", "must be 1 to 64 characters"));
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid("client_id", "must be printable ASCII"));
        }
        Ok(ClientId(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// An announcement title: optional; 1–200 characters after trimming, no control
/// characters. An empty or blank title counts as none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncementTitle(String);

impl AnnouncementTitle {
    pub fn parse(s: Option<&str>) -> Result<Option<Self>, Invalid> {
        let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let n = s.chars().count();
        if n > MAX_TITLE_CHARS {
            return Err(invalid(
                "title",
                format!("is {n} characters; the limit is {MAX_TITLE_CHARS}"),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(invalid("title", "must not contain control characters"));
        }
        Ok(Some(AnnouncementTitle(s.to_owned())))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// An announcement body: Markdown, 1–10,000 characters, not only white space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncementBody(String);

impl AnnouncementBody {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        if s.trim().is_empty() {
            return Err(invalid("body", "must not be empty"));
        }
        let n = s.chars().count();
        if n > MAX_ANNOUNCEMENT_CHARS {
            return Err(invalid(
                "body",
                format!("is {n} characters; the limit is {MAX_ANNOUNCEMENT_CHARS}"),
            ));
        }
        if s.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(invalid("body", "must not contain control characters"));
        }
        Ok(AnnouncementBody(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An API key's name: 1–64 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyName(String);

impl KeyName {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        let n = s.chars().count();
        if n == 0 || n > 64 {
            return Err(invalid("name", "must be 1 to 64 characters"));
        }
        if s.chars().any(char::is_control) {
            return Err(invalid("name", "must not contain control characters"));
        }
        Ok(KeyName(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A line of profile text (a display name, a status): `None` when blank
/// (which clears it); otherwise at most `max` characters after trimming, no
/// control characters.
pub fn profile_line(field: &'static str, s: &str, max: usize) -> Result<Option<String>, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > max {
        return Err(invalid(field, format!("must be at most {max} characters")));
    }
    if s.chars().any(char::is_control) {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(Some(s.to_owned()))
}

/// A support visitor's name: optional; 1–64 characters after trimming, no
/// control characters. Blank counts as none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorName(String);

impl VisitorName {
    pub fn parse(s: Option<&str>) -> Result<Option<Self>, Invalid> {
        let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        if s.chars().count() > 64 {
            return Err(invalid("name", "must be at most 64 characters"));
        }
        if s.chars().any(char::is_control) {
            return Err(invalid("name", "must not contain control characters"));
        }
        Ok(Some(VisitorName(s.to_owned())))
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// An email address as far as a form can tell: optional; `local@domain` with a
/// dot in the domain, at most 254 characters, no spaces. Blank counts as none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(s: Option<&str>) -> Result<Option<Self>, Invalid> {
        let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let well_formed = s.len() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if !well_formed {
            return Err(invalid("email", "is not an email address"));
        }
        Ok(Some(Email(s.to_owned())))
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A rating: a score of 1–5 and an optional comment of up to 1,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub score: u8,
    pub comment: Option<String>,
}

impl Rating {
    pub fn parse(score: u8, comment: Option<&str>) -> Result<Self, Invalid> {
        if !(1..=5).contains(&score) {
            return Err(invalid("score", "must be 1 to 5"));
        }
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if let Some(c) = comment {
            let n = c.chars().count();
            if n > MAX_COMMENT_CHARS {
                return Err(invalid(
                    "comment",
                    format!("is {n} characters; the limit is {MAX_COMMENT_CHARS}"),
                ));
            }
        }
        Ok(Rating {
            score,
            comment: comment.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("ann").is_ok());
        assert_eq!(Username::parse("  bob.b ").unwrap().as_str(), "bob.b");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("has space").is_err());
        assert!(Username::parse(&"x".repeat(33)).is_err());
    }

    #[test]
    fn bodies_count_characters_not_bytes() {
        assert!(MessageBody::parse(&"é".repeat(MAX_BODY_CHARS)).is_ok());
        let err = MessageBody::parse(&"é".repeat(MAX_BODY_CHARS + 1)).unwrap_err();
        assert_eq!(err.field, "body");
        assert!(err.problem.contains("4001"));
        assert!(MessageBody::parse("   \n").is_err());
        assert!(MessageBody::parse("a\u{0}b").is_err());
        assert_eq!(MessageBody::parse("  code\n").unwrap().as_str(), "  code\n");
    }

    #[test]
    fn passwords_and_rooms_and_client_ids() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("long enough").is_ok());
        assert!(RoomName::parse(" ").is_err());
        assert_eq!(RoomName::parse(" general ").unwrap().as_str(), "general");
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse("a b").is_err());
        assert!(ClientId::parse("c-123").is_ok());
    }

    #[test]
    fn announcement_fields() {
        assert_eq!(AnnouncementTitle::parse(None).unwrap(), None);
        assert_eq!(AnnouncementTitle::parse(Some("  ")).unwrap(), None);
        assert_eq!(
            AnnouncementTitle::parse(Some(&"t".repeat(MAX_TITLE_CHARS + 1)))
                .unwrap_err()
                .field,
            "title"
        );
        assert_eq!(AnnouncementBody::parse(" ").unwrap_err().field, "body");
        assert!(AnnouncementBody::parse("**hi**").is_ok());
        assert!(KeyName::parse("").is_err());
        assert_eq!(KeyName::parse(" ci ").unwrap().as_str(), "ci");
    }

    #[test]
    fn support_fields() {
        assert_eq!(VisitorName::parse(Some("  ")).unwrap(), None);
        assert!(VisitorName::parse(Some(&"n".repeat(65))).is_err());
        assert!(Email::parse(Some("ann@example.com")).unwrap().is_some());
        for bad in ["ann", "a@b", "@b.c", "a b@c.d", "a@b@c.d", "a@.c"] {
            assert_eq!(Email::parse(Some(bad)).unwrap_err().field, "email", "{bad}");
        }
        assert!(Rating::parse(0, None).is_err());
        assert!(Rating::parse(6, None).is_err());
        assert_eq!(Rating::parse(5, Some(" ")).unwrap().comment, None);
        assert_eq!(
            Rating::parse(3, Some(&"c".repeat(1001))).unwrap_err().field,
            "comment"
        );
    }
}
