//! A message body as text, with web links made clickable. The body is never
//! parsed as HTML: each run becomes a text node or an `<a>` whose `href` is a
//! vetted `http(s)` URL (see [`crate::text::segments`]).

use leptos::prelude::*;

use crate::text::{segments, Segment};

#[component]
pub fn MessageText(#[prop(into)] body: String) -> impl IntoView {
    segments(&body)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(text) => text.to_owned().into_any(),
            Segment::Link { text, href } => view! {
                <a href=href target="_blank" rel="noopener noreferrer nofollow">{text.to_owned()}</a>
            }
            .into_any(),
        })
        .collect_view()
}
