//! One message of a support conversation: the visitor's, an agent's, a system
//! line, or a private note (styled apart and labelled, since the visitor never
//! sees it).

use leptos::prelude::*;

use super::{message_files::MessageFiles, message_text::MessageText};
use crate::client::browser;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{AuthorKind, SupportMessage};
use crate::state::Profiles;
use crate::support_lines::{shown_body, Reader};

#[component]
pub fn ConsoleMessage(message: SupportMessage) -> impl IntoView {
    let i18n = use_i18n();
    let kind = match message.author_kind {
        AuthorKind::Visitor => "visitor",
        AuthorKind::Agent => "agent",
        AuthorKind::System => "system",
    };
    let time = browser::local_time(message.sent_at);
    let title = browser::local_day(message.sent_at);
    if message.author_kind == AuthorKind::System {
        return view! {
            <li class="console-message system">
                <span>{move || shown_body(i18n.get_locale(), &message, Reader::Agent)}</span>
                <time class="muted small" title=title>{time}</time>
            </li>
        }
        .into_any();
    }
    let private = message.private;
    // An agent shows by their display name once it is known.
    let author = message.author.clone();
    let agent = message.author_kind == AuthorKind::Agent;
    let profiles = use_context::<Profiles>().filter(|_| agent);
    if let Some(p) = profiles {
        p.want([author.as_str()]);
    }
    let shown = move || profiles.map_or_else(|| author.clone(), |p| p.shown(&author));
    view! {
        <li class=format!("console-message {kind}") class:note=private data-id=message.id.0>
            {private.then(|| view! { <span class="note-label">{tr(i18n, |l| td_string!(l, console.message.note_label))}</span> })}
            <div class="console-message-head">
                <span class="console-author">{shown}</span>
                <time class="muted small" title=title>{time}</time>
            </div>
            <div class="console-body-text"><MessageText body=message.body/></div>
            {(!message.files.is_empty()).then(|| view! { <MessageFiles files=message.files/> })}
        </li>
    }
    .into_any()
}
