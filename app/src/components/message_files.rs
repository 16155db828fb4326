//! A message's files, wherever messages show (chat rows, the console, the
//! visitor's thread, and pending copies of one's own): pictures as
//! thumbnails, sized from the file's dimensions before they load so the list
//! does not jump, that open a viewer (the full picture, its name, a download
//! link; Esc, a click outside or × closes it); other files as a card with
//! their name, size, type and a download link.
//!
//! One component for all three pages, with few view types: every page's
//! first load carries it (see docs/performance.md, "First load"). The
//! visitor's page passes its [`Blobs`], through which the bytes come with
//! the visitor token; the others use the files' own URLs.

use leptos::either::Either;
use leptos::prelude::*;

use crate::client::files::Blobs;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{human_size, FileInfo, THUMBNAIL_PX};

/// A picture's size shrunk to fit `max` pixels a side (never enlarged).
pub fn fit(width: u32, height: u32, max: u32) -> (u32, u32) {
    let side = width.max(height);
    if side <= max {
        return (width, height);
    }
    let scale = f64::from(max) / f64::from(side);
    let scaled = |n: u32| ((f64::from(n) * scale).round() as u32).max(1);
    (scaled(width), scaled(height))
}

/// What an `<img src>` or a link shows for `url`: the URL itself, or on
/// the visitor's page its object URL once fetched (held while the calling
/// view lives).
fn source(
    blobs: Option<Blobs>,
    url: String,
) -> impl Fn() -> Option<String> + Send + Sync + 'static {
    if let Some(b) = blobs {
        b.hold(&url);
    }
    move || match blobs {
        Some(b) => b.get(&url),
        None => Some(url.clone()),
    }
}

#[component]
pub fn MessageFiles(
    files: Vec<FileInfo>,
    /// The visitor's page: bytes through the visitor token.
    #[prop(optional)]
    blobs: Option<Blobs>,
) -> impl IntoView {
    let i18n = use_i18n();
    let viewing = RwSignal::new(None::<FileInfo>);
    let items = files
        .into_iter()
        .map(|file| {
            if file.is_image() {
                let size = file.width.zip(file.height).map(|(w, h)| fit(w, h, THUMBNAIL_PX));
                let thumb = file.thumbnail_url.clone().unwrap_or_else(|| file.url.clone());
                let src = source(blobs, thumb);
                let name = file.name.clone();
                Either::Left(view! {
                    <button type="button" class="attachment-image" on:click=move |_| viewing.set(Some(file.clone()))>
                        <img
                            class="attachment-thumb"
                            src=src
                            alt=name
                            width=size.map(|s| s.0.to_string())
                            height=size.map(|s| s.1.to_string())
                        />
                    </button>
                })
            } else {
                let about = format!("{} · {}", human_size(file.size), file.content_type);
                let name = file.name.clone();
                Either::Right(view! {
                    <div class="attachment-file">
                        <svg class="attachment-icon" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
                            <path d="M6 2h8l5 5v15H6zM14 2v5h5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"/>
                        </svg>
                        <span class="attachment-file-text">
                            <span class="attachment-name">{name}</span>
                            <span class="muted small">{about}</span>
                        </span>
                        <Download file blobs/>
                    </div>
                })
            }
        })
        .collect_view();

    view! {
        <div class="attachments">{items}</div>
        {move || viewing.get().map(|file| {
            let close = move || viewing.set(None);
            let escape = window_event_listener(leptos::ev::keydown, move |ev| {
                if ev.key() == "Escape" {
                    close();
                }
            });
            on_cleanup(move || escape.remove());
            let src = source(blobs, file.url.clone());
            let name = file.name.clone();
            let (label, alt) = (name.clone(), name.clone());
            view! {
                <div
                    class="file-viewer"
                    role="dialog"
                    aria-modal="true"
                    aria-label=label
                    // A click on the backdrop, not on the picture or its caption.
                    on:click=move |ev| if ev.target() == ev.current_target() { close() }
                >
                    <figure class="file-viewer-frame">
                        <img class="file-viewer-img" src=src alt=alt/>
                        <figcaption>
                            <span class="attachment-name">{name}</span>
                            <Download file blobs/>
                            <button
                                type="button"
                                class="icon-button file-viewer-close"
                                aria-label=tr(i18n, |l| td_string!(l, common.files.close))
                                title=tr(i18n, |l| td_string!(l, common.files.close))
                                on:click=move |_| close()
                            >"×"</button>
                        </figcaption>
                    </figure>
                </div>
            }
        })}
    }
}

/// A file's download link. On the visitor's page a click fetches the bytes
/// with the token and saves them (the link itself would go without it).
#[component]
fn Download(file: FileInfo, blobs: Option<Blobs>) -> impl IntoView {
    let i18n = use_i18n();
    let FileInfo { url, name, .. } = file;
    let save = {
        let (url, name) = (url.clone(), name.clone());
        move |ev: leptos::ev::MouseEvent| {
            if let Some(b) = blobs {
                ev.prevent_default();
                b.save(url.clone(), name.clone());
            }
        }
    };
    view! {
        <a class="attachment-download" href=url download=name on:click=save>
            {tr(i18n, |l| td_string!(l, common.files.download))}
        </a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_fit_the_thumbnail_box_keeping_their_shape() {
        assert_eq!(fit(100, 50, 360), (100, 50), "small ones keep their size");
        assert_eq!(fit(1440, 720, 360), (360, 180));
        assert_eq!(fit(500, 1000, 360), (180, 360));
        assert_eq!(fit(10_000, 1, 360), (360, 1), "never zero");
    }
}
