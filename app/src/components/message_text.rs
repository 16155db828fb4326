//! A message body, formatted: the safe Markdown subset of
//! [`crate::markdown`], the same HTML on the server and in the browser. The
//! body itself is never parsed as HTML; only what `markdown` writes is.
//!
//! Always one `span`, so "(edited)" and the like can follow a one-line
//! message on its line; paragraphs, lists, quotes and code blocks inside it
//! are blocks all the same. (One element type, not a `span` or a `div`:
//! every view type costs the pages' WASM its own rendering code.)

use leptos::prelude::*;

use crate::markdown;

#[component]
pub fn MessageText(
    #[prop(into)] body: String,
    /// The reader's username: mark `@name` mentions, and those of the reader
    /// more strongly. Without it (support threads) no mentions are marked.
    #[prop(optional, into)]
    me: Option<String>,
) -> impl IntoView {
    let html = markdown::to_html(&body, me.as_deref());
    view! { <span class="md" inner_html=html></span> }
}
