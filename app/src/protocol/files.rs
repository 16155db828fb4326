//! Attachments: `POST /api/files` uploads one (multipart, field `file`) and
//! answers its [`FileInfo`]; `send {…, files: [id]}` and `support.send {…,
//! files: [id]}` attach uploads to a message, whose frames then carry them.
//! Documented in `docs/protocol.md` under "Files".

use serde::{Deserialize, Serialize};

/// An upload's id: random, never reused, and no permission by itself (the
/// server checks who may read the message it is attached to).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(transparent)]
pub struct FileId(pub String);

impl std::fmt::Display for FileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An uploaded file as messages carry it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    pub id: FileId,
    /// Where to get it (`/api/files/{id}`): served to those who may read its
    /// message, and to its uploader before it is sent.
    pub url: String,
    /// The name it was uploaded with (for display and the download's name).
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// What its content is (read from the bytes, never from the name).
    pub content_type: String,
    /// A small picture of it (`/api/files/{id}/thumbnail`), for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    /// An image's size in pixels, so a view can keep its place before the
    /// thumbnail arrives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

impl FileInfo {
    /// A picture the browser may show inline (the server serves these
    /// types inline and everything else as a download).
    pub fn is_image(&self) -> bool {
        is_inline_image(&self.content_type)
    }
}

/// The content types served inline: pictures browsers decode safely. SVG
/// is not one of them (it can carry script).
pub fn is_inline_image(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// Where file `id` is served.
pub fn file_url(id: &FileId) -> String {
    format!("/api/files/{id}")
}

/// Where file `id`'s thumbnail is served (images only).
pub fn thumbnail_url(id: &FileId) -> String {
    format!("/api/files/{id}/thumbnail")
}

/// Most files on one message.
pub const FILES_PER_MESSAGE: usize = 10;
/// Largest side of a thumbnail, in pixels.
pub const THUMBNAIL_PX: u32 = 360;
/// Longest file name kept (longer ones are cut, keeping the extension).
pub const FILE_NAME_MAX: usize = 200;

/// A size for people: "812 B", "14.2 KB", "3.1 MB".
pub fn human_size(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KB {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else if b < KB * KB * KB {
        format!("{:.1} MB", b / KB / KB)
    } else {
        format!("{:.1} GB", b / KB / KB / KB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(14_540), "14.2 KB");
        assert_eq!(human_size(3_250_586), "3.1 MB");
    }

    #[test]
    fn svg_is_never_an_inline_picture() {
        assert!(is_inline_image("image/png"));
        assert!(!is_inline_image("image/svg+xml"));
        assert!(!is_inline_image("text/html"));
    }
}
