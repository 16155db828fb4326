//! A composer's attachments: the files picked, pasted or dropped into it,
//! each uploading (with its progress), ready (the server's [`FileInfo`]) or
//! failed (with the server's reason), until the message goes.
//!
//! [`Tray`] is the plain data and its rules (at most [`FILES_PER_MESSAGE`],
//! nothing sends while a file is still uploading), tested natively;
//! [`Attachments`] wraps it in a signal for the composers, starts the uploads
//! (`client::files`) and cancels them. One for each of the three composers:
//! chat, console and the visitor's.

use leptos::prelude::*;

use crate::client::{files::Upload, http::ApiError};
use crate::i18n::*;
use crate::language::{error_text, Lang};
use crate::protocol::{FileId, FileInfo, FILES_PER_MESSAGE};

/// Where one attachment stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Percent of its bytes sent.
    Uploading(u8),
    Ready(FileInfo),
    /// Why it was refused, for people.
    Failed(String),
}

/// One attachment, as its chip shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chip {
    /// This tray's own number for it (an upload has no id before it ends).
    pub key: u32,
    pub name: String,
    pub size: u64,
    pub stage: Stage,
}

/// A composer's attachments, in the order they were added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tray {
    chips: Vec<Chip>,
    next: u32,
    /// Files were left out because the message had its
    /// [`FILES_PER_MESSAGE`] already (cleared by the next change).
    pub full: bool,
}

impl Tray {
    pub fn chips(&self) -> &[Chip] {
        &self.chips
    }

    pub fn get(&self, key: u32) -> Option<&Chip> {
        self.chips.iter().find(|c| c.key == key)
    }

    pub fn keys(&self) -> Vec<u32> {
        self.chips.iter().map(|c| c.key).collect()
    }

    /// Files counted against the limit: failed ones will not be sent.
    fn counted(&self) -> usize {
        self.chips
            .iter()
            .filter(|c| !matches!(c.stage, Stage::Failed(_)))
            .count()
    }

    /// A file starts uploading; its key, or `None` when the message has
    /// [`FILES_PER_MESSAGE`] already.
    pub fn add(&mut self, name: String, size: u64) -> Option<u32> {
        if self.counted() >= FILES_PER_MESSAGE {
            self.full = true;
            return None;
        }
        self.full = false;
        self.next += 1;
        self.chips.push(Chip {
            key: self.next,
            name,
            size,
            stage: Stage::Uploading(0),
        });
        Some(self.next)
    }

    /// An upload moved on; true when what a chip shows changed.
    pub fn progress(&mut self, key: u32, percent: u8) -> bool {
        match self.chips.iter_mut().find(|c| c.key == key) {
            Some(Chip {
                stage: Stage::Uploading(p),
                ..
            }) if *p != percent.min(100) => {
                *p = percent.min(100);
                true
            }
            _ => false,
        }
    }

    /// An upload ended (a removed one is not brought back).
    pub fn finish(&mut self, key: u32, result: Result<FileInfo, String>) {
        if let Some(c) = self.chips.iter_mut().find(|c| c.key == key) {
            c.stage = match result {
                Ok(file) => Stage::Ready(file),
                Err(reason) => Stage::Failed(reason),
            };
        }
    }

    /// Takes a chip away (cancelled or removed); true when it was uploading.
    pub fn remove(&mut self, key: u32) -> bool {
        self.full = false;
        let uploading = self
            .get(key)
            .is_some_and(|c| matches!(c.stage, Stage::Uploading(_)));
        self.chips.retain(|c| c.key != key);
        uploading
    }

    /// Some file is still on its way up: the message waits for it.
    pub fn uploading(&self) -> bool {
        self.chips
            .iter()
            .any(|c| matches!(c.stage, Stage::Uploading(_)))
    }

    /// The uploaded files, to send.
    pub fn ready(&self) -> Vec<FileInfo> {
        self.chips
            .iter()
            .filter_map(|c| match &c.stage {
                Stage::Ready(f) => Some(f.clone()),
                _ => None,
            })
            .collect()
    }

    /// Whether a message with this body may go: nothing uploading, and some
    /// text or some file.
    pub fn can_send(&self, body_blank: bool) -> bool {
        !self.uploading()
            && (!body_blank
                || self
                    .chips
                    .iter()
                    .any(|c| matches!(c.stage, Stage::Ready(_))))
    }

    /// The message went: its files, and an empty tray.
    pub fn take(&mut self) -> Vec<FileInfo> {
        let files = self.ready();
        *self = Tray {
            next: self.next,
            ..Tray::default()
        };
        files
    }
}

/// The ids a `send` carries for these files.
pub fn file_ids(files: &[FileInfo]) -> Vec<FileId> {
    files.iter().map(|f| f.id.clone()).collect()
}

/// Where the uploads in flight are kept: browser objects stay on the
/// browser's one thread; the server's stand-ins hold nothing.
#[cfg(target_arch = "wasm32")]
type UploadStorage = LocalStorage;
#[cfg(not(target_arch = "wasm32"))]
type UploadStorage = SyncStorage;

/// One composer's attachments: the [`Tray`] the chips show, and the uploads
/// in flight (browser objects, so kept apart from the signal) to cancel.
#[derive(Clone, Copy)]
pub struct Attachments {
    pub tray: RwSignal<Tray>,
    uploads: StoredValue<Vec<(u32, Upload)>, UploadStorage>,
    /// The visitor's token (in the widget): uploads present it.
    // Read only where uploads run (the browser).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    token: Option<StoredValue<Option<String>>>,
    /// For the reasons uploads fail.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    lang: Lang,
}

impl Attachments {
    /// A composer's attachments; a visitor's composer gives its token.
    /// Uploads still running when the composer goes are cancelled.
    pub fn new(token: Option<StoredValue<Option<String>>>) -> Self {
        let a = Attachments {
            tray: RwSignal::new(Tray::default()),
            uploads: StoredValue::new_with_storage(Vec::new()),
            token,
            lang: Lang::here(),
        };
        on_cleanup(move || {
            if let Some(uploads) = a.uploads.try_update_value(std::mem::take) {
                for (_, u) in uploads {
                    u.cancel();
                }
            }
        });
        a
    }

    /// Cancels an upload or removes a file.
    pub fn remove(self, key: u32) {
        if self.tray.try_update(|t| t.remove(key)) == Some(true) {
            let upload = self.uploads.try_update_value(|u| {
                let at = u.iter().position(|(k, _)| *k == key)?;
                Some(u.remove(at).1)
            });
            if let Some(Some(u)) = upload {
                u.cancel();
            }
        }
    }

    /// Whether a message with this body may go now (tracked).
    pub fn can_send(self, body_blank: bool) -> bool {
        self.tray.with(|t| t.can_send(body_blank))
    }

    /// The files to send with a message, leaving the tray empty.
    pub fn take(self) -> Vec<FileInfo> {
        self.tray.try_update(Tray::take).unwrap_or_default()
    }

    /// The hidden file input's `change`: uploads what was picked.
    pub fn on_pick(self) -> impl Fn(leptos::ev::Event) + Copy + 'static {
        move |ev: leptos::ev::Event| {
            #[cfg(target_arch = "wasm32")]
            {
                use wasm_bindgen::JsCast;
                let input = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
                if let Some(input) = input {
                    if let Some(list) = input.files() {
                        self.add(&list);
                    }
                    // The same file picked again is a change too.
                    input.set_value("");
                }
            }
            #[cfg(not(target_arch = "wasm32"))]
            let _ = ev;
        }
    }

    /// The textarea's `paste`: files on the clipboard (a screenshot) are
    /// attached; text pastes as usual.
    pub fn on_paste(self) -> impl Fn(leptos::ev::ClipboardEvent) + Copy + 'static {
        move |ev: leptos::ev::ClipboardEvent| {
            #[cfg(target_arch = "wasm32")]
            if let Some(list) = ev.clipboard_data().and_then(|d| d.files()) {
                if list.length() > 0 {
                    ev.prevent_default();
                    self.add(&list);
                }
            }
            #[cfg(not(target_arch = "wasm32"))]
            let _ = ev;
        }
    }

    /// The composer's `dragover`: it takes drops, and shows it (the form's
    /// `drag-over` class).
    pub fn on_drag_over(self) -> impl Fn(leptos::ev::DragEvent) + Copy + 'static {
        move |ev: leptos::ev::DragEvent| {
            ev.prevent_default();
            #[cfg(target_arch = "wasm32")]
            mark_drop_target(&ev, true);
        }
    }

    /// The composer's `dragleave`: the highlight goes when the pointer
    /// leaves the form, not when it moves between the form's own parts.
    pub fn on_drag_leave(self) -> impl Fn(leptos::ev::DragEvent) + Copy + 'static {
        move |ev: leptos::ev::DragEvent| {
            #[cfg(target_arch = "wasm32")]
            {
                use wasm_bindgen::JsCast;
                let node = |t: Option<web_sys::EventTarget>| {
                    t.and_then(|t| t.dyn_into::<web_sys::Node>().ok())
                };
                let inside = match (node(ev.current_target()), node(ev.related_target())) {
                    (Some(form), Some(to)) => form.contains(Some(&to)),
                    _ => false,
                };
                if !inside {
                    mark_drop_target(&ev, false);
                }
            }
            #[cfg(not(target_arch = "wasm32"))]
            let _ = ev;
        }
    }

    /// The composer's `drop`: dropped files are attached (dropped text
    /// lands in the textarea as usual).
    pub fn on_drop(self) -> impl Fn(leptos::ev::DragEvent) + Copy + 'static {
        move |ev: leptos::ev::DragEvent| {
            #[cfg(target_arch = "wasm32")]
            mark_drop_target(&ev, false);
            #[cfg(target_arch = "wasm32")]
            if let Some(list) = ev.data_transfer().and_then(|d| d.files()) {
                if list.length() > 0 {
                    ev.prevent_default();
                    self.add(&list);
                }
            }
            #[cfg(not(target_arch = "wasm32"))]
            let _ = ev;
        }
    }

    /// Starts uploading each file, as many as the message may still carry.
    #[cfg(target_arch = "wasm32")]
    fn add(self, list: &web_sys::FileList) {
        self.tray.update(|t| t.full = false);
        for file in (0..list.length()).filter_map(|i| list.get(i)) {
            let size = file.size() as u64;
            let Some(key) = self.tray.try_update(|t| t.add(file.name(), size)).flatten() else {
                break;
            };
            let tray = self.tray;
            let uploads = self.uploads;
            let lang = self.lang;
            let token = self.token.and_then(|t| t.get_value());
            let started = crate::client::files::upload(
                &file,
                token.as_deref(),
                move |percent| {
                    tray.try_maybe_update(|t| (t.progress(key, percent), ()));
                },
                move |result| {
                    uploads.try_update_value(|u| u.retain(|(k, _)| *k != key));
                    let result = result.map_err(|e| failure_text(lang, &e));
                    tray.try_update(|t| t.finish(key, result));
                },
            );
            match started {
                Ok(upload) => self.uploads.update_value(|u| u.push((key, upload))),
                Err(e) => {
                    let reason = failure_text(lang, &e);
                    self.tray.update(|t| t.finish(key, Err(reason)));
                }
            }
        }
    }
}

/// Sets or clears the `drag-over` class of the form a drag event is on. Set
/// on the element itself, not through a reactive `class:`, which would give
/// each composer's view its own rendering code in the pages' WASM.
#[cfg(target_arch = "wasm32")]
fn mark_drop_target(ev: &web_sys::DragEvent, on: bool) {
    use wasm_bindgen::JsCast;
    let form = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    if let Some(form) = form {
        let classes = form.class_list();
        let _ = if on {
            classes.add_1("drag-over")
        } else {
            classes.remove_1("drag-over")
        };
    }
}

/// Why an upload was refused, in the UI's language: English readers get
/// the server's words (they name the limit or the type found).
pub fn failure_text(lang: Lang, e: &ApiError) -> String {
    let locale = lang.get();
    match e {
        ApiError::Server { message, .. } if locale == Locale::en => message.clone(),
        ApiError::Server { status: 413, .. } => {
            td_string!(locale, common.files.too_large).to_string()
        }
        _ => error_text(lang, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str) -> FileInfo {
        FileInfo {
            id: FileId(id.into()),
            url: format!("/api/files/{id}"),
            name: format!("{id}.png"),
            size: 10,
            content_type: "image/png".into(),
            thumbnail_url: None,
            width: None,
            height: None,
        }
    }

    #[test]
    fn a_message_waits_for_its_uploads_and_takes_the_ready_ones() {
        let mut t = Tray::default();
        assert!(!t.can_send(true), "nothing to send");
        assert!(t.can_send(false));
        let a = t.add("a.png".into(), 10).unwrap();
        let b = t.add("b.txt".into(), 20).unwrap();
        assert!(t.progress(a, 40));
        assert!(!t.progress(a, 40), "no change, no update");
        assert_eq!(t.get(a).unwrap().stage, Stage::Uploading(40));
        assert!(!t.can_send(false), "uploading blocks even a text");
        t.finish(a, Ok(info("a")));
        assert!(!t.can_send(true), "b is still uploading");
        t.finish(b, Err("too large".into()));
        assert!(t.can_send(true), "a file is ready: no text needed");
        assert_eq!(t.ready(), vec![info("a")]);
        assert_eq!(t.take(), vec![info("a")]);
        assert!(t.chips().is_empty());
        // Keys are not reused after a send.
        assert!(t.add("c".into(), 1).unwrap() > b);
    }

    #[test]
    fn at_most_ten_and_failures_do_not_count() {
        let mut t = Tray::default();
        let keys: Vec<u32> = (0..FILES_PER_MESSAGE)
            .map(|i| t.add(format!("f{i}"), 1).unwrap())
            .collect();
        assert_eq!(t.add("eleventh".into(), 1), None);
        assert!(t.full);
        t.finish(keys[0], Err("refused".into()));
        assert!(t.add("eleventh".into(), 1).is_some());
        assert!(!t.full);
        // Removing an upload says it was one (to cancel it); a late answer
        // for it changes nothing.
        assert!(t.remove(keys[1]));
        assert!(!t.remove(keys[0]));
        t.finish(keys[1], Ok(info("late")));
        assert!(t.get(keys[1]).is_none());
        assert_eq!(t.chips().len(), FILES_PER_MESSAGE - 1);
    }

    #[test]
    fn sends_carry_the_ids() {
        assert_eq!(
            file_ids(&[info("x"), info("y")]),
            vec![FileId("x".into()), FileId("y".into())]
        );
    }
}
