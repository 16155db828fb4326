//! A message body as text, with web links made clickable. The body is never
//! parsed as HTML: each run becomes a text node, an `<a>` whose `href` is a
//! vetted `http(s)` URL (see [`crate::text::segments`]), or, in chat (where
//! `me` is given), a marked `@name` mention.

use leptos::prelude::*;

use crate::text::{segments, segments_with_mentions, Segment};

#[component]
pub fn MessageText(
    #[prop(into)] body: String,
    /// The reader's username: mark `@name` mentions, and those of the reader
    /// more strongly. Without it (support threads) no mentions are marked.
    #[prop(optional, into)]
    me: Option<String>,
) -> impl IntoView {
    let runs = match me {
        Some(_) => segments_with_mentions(&body),
        None => segments(&body),
    };
    runs.into_iter()
        .map(|segment| match segment {
            Segment::Text(text) => text.to_owned().into_any(),
            Segment::Link { text, href } => view! {
                <a href=href target="_blank" rel="noopener noreferrer nofollow">{text.to_owned()}</a>
            }
            .into_any(),
            Segment::Mention(name) => {
                let mine = me.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(name));
                view! { <span class="mention" class:mention-me=mine>{format!("@{name}")}</span> }
                    .into_any()
            }
        })
        .collect_view()
}
