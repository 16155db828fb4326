//! Formatting help for the composers: a "Preview" switch that shows the
//! draft as it will be shown (the same [`crate::markdown`] rendering as
//! messages), with the syntax listed while the box is empty, and the
//! shortcuts Slack's users expect — Ctrl/⌘+B bold, +I italics, +E code,
//! +Shift+X strike — which wrap the selection in the marker.

use leptos::either::Either;
use leptos::prelude::*;

use super::message_text::MessageText;
use crate::i18n::*;
use crate::language::tr;

/// The switch, for a composer's footer.
#[component]
pub fn PreviewToggle(open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button
            type="button"
            class="link-button small preview-toggle"
            aria-pressed=move || open.get().to_string()
            data-testid="preview-toggle"
            on:click=move |_| open.update(|o| *o = !*o)
        >
            {t!(i18n, chat.composer.preview)}
        </button>
    }
}

/// The draft, formatted, while the switch is on.
#[component]
pub fn FormatPreview(
    open: RwSignal<bool>,
    text: RwSignal<String>,
    /// The writer's username, to mark mentions as the room will see them.
    #[prop(optional, into)]
    me: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        open.get().then(|| {
            let body = text.get();
            let shown = if body.trim().is_empty() {
                Either::Left(
                    view! { <span class="muted">{t!(i18n, chat.composer.preview_help)}</span> },
                )
            } else {
                Either::Right(match me.clone() {
                    Some(me) => Either::Left(view! { <MessageText body me/> }),
                    None => Either::Right(view! { <MessageText body/> }),
                })
            };
            view! {
                <div
                    class="composer-preview message-body"
                    role="region"
                    aria-label=tr(i18n, |l| td_string!(l, chat.composer.preview_label))
                    data-testid="composer-preview"
                >
                    {shown}
                </div>
            }
        })
    }
}

/// The marker a formatting shortcut stands for, if `ev` is one.
pub fn shortcut(ev: &leptos::ev::KeyboardEvent) -> Option<&'static str> {
    if !(ev.ctrl_key() || ev.meta_key()) || ev.alt_key() {
        return None;
    }
    match (ev.key().to_ascii_lowercase().as_str(), ev.shift_key()) {
        ("b", false) => Some("**"),
        ("i", false) => Some("_"),
        ("e", false) => Some("`"),
        ("x", true) => Some("~~"),
        _ => None,
    }
}

/// Applies a formatting shortcut to the textarea and `text`: the selection
/// (or an empty spot for the caret) is wrapped in `marker`, and stays
/// selected inside it.
pub fn apply(el: &leptos::web_sys::HtmlTextAreaElement, text: RwSignal<String>, marker: &str) {
    let value = el.value();
    let start = el.selection_start().ok().flatten().unwrap_or(0);
    let end = el.selection_end().ok().flatten().unwrap_or(start);
    let (wrapped, from, to) = wrap(&value, start as usize, end as usize, marker);
    el.set_value(&wrapped);
    let _ = el.set_selection_range(from, to);
    text.set(wrapped);
}

/// `value` with the UTF-16 range `start..end` (what the browser reports)
/// wrapped in `marker`, and the wrapped text's new UTF-16 range.
fn wrap(value: &str, start: usize, end: usize, marker: &str) -> (String, u32, u32) {
    let byte_at = |units: usize| {
        let mut seen = 0;
        for (i, c) in value.char_indices() {
            if seen >= units {
                return i;
            }
            seen += c.len_utf16();
        }
        value.len()
    };
    let (a, b) = (byte_at(start.min(end)), byte_at(start.max(end)));
    let wrapped = format!(
        "{}{marker}{}{marker}{}",
        &value[..a],
        &value[a..b],
        &value[b..]
    );
    let from = (value[..a].encode_utf16().count() + marker.len()) as u32;
    let to = from + value[a..b].encode_utf16().count() as u32;
    (wrapped, from, to)
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn shortcuts_wrap_the_selection_and_keep_it_selected() {
        assert_eq!(
            wrap("say hi now", 4, 6, "**"),
            ("say **hi** now".into(), 6, 8)
        );
        assert_eq!(wrap("", 0, 0, "_"), ("__".into(), 1, 1));
        // The browser counts UTF-16 units: "😀" is two.
        assert_eq!(wrap("😀 ok", 3, 5, "`"), ("😀 `ok`".into(), 4, 6));
        assert_eq!(wrap("ab", 2, 0, "~~"), ("~~ab~~".into(), 2, 4));
    }
}
