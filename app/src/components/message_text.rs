//! A message body, formatted: the safe Markdown subset of
//! [`crate::markdown`], the same HTML on the server and in the browser. The
//! body itself is never parsed as HTML; only what `markdown` writes is.
//! A one-line message stays inline (a `span`), so "(edited)" and the like
//! can follow it; one with blocks is a `div`.

use leptos::either::Either;
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
    let markdown::Html { html, blocks } = markdown::to_html(&body, me.as_deref());
    if blocks {
        Either::Left(view! { <div class="md" inner_html=html></div> })
    } else {
        Either::Right(view! { <span class="md" inner_html=html></span> })
    }
}
