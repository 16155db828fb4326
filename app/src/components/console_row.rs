//! One conversation in the console's lists: visitor, last message, waiting
//! time, unread count, status and assignee. A link to `?c=ID`.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::use_desk;
use crate::i18n::*;
use crate::protocol::{ConversationRow, ConversationStatus, Rating};
use crate::state::desk::waited_in;

#[component]
pub fn ConsoleRow(row: ConversationRow, clock: RwSignal<DateTime<Utc>>) -> impl IntoView {
    let desk = use_desk();
    let i18n = use_i18n();
    let id = row.id;
    let name = row.visitor_name.clone();
    let name = move || {
        name.clone()
            .unwrap_or_else(|| t_string!(i18n, console.row.visitor).to_string())
    };
    let preview = row.last_message.clone().unwrap_or_default();
    // The raw value names the CSS class; people read it in their language.
    let status = row.status.as_str();
    let row_status = row.status;
    let status_name = move || match row_status {
        ConversationStatus::Open => t_string!(i18n, console.status.open),
        ConversationStatus::Pending => t_string!(i18n, console.status.pending),
        ConversationStatus::Resolved => t_string!(i18n, console.status.resolved),
    };
    let assignee = row.assignee.as_ref().map(|a| a.name.clone());
    let waiting = row.waiting_since;
    let unread = row.unread;
    let rating = row.rating.clone();
    let current = move || (desk.open.get() == Some(id)).then_some("page");
    view! {
        <li class="console-row" class:unread={unread > 0} data-conversation=id.0>
            <a href=format!("/console?c={id}") aria-current=current>
                <span class="console-row-top">
                    <span class="console-row-name">{name}</span>
                    {(unread > 0).then(|| view! {
                        <span class="console-unread" aria-label=move || t_string!(i18n, console.row.unread, count = unread).to_string()>{unread}</span>
                    })}
                </span>
                <span class="console-row-preview">{preview}</span>
                {rating.map(|r| view! { <RatingLine rating=r/> })}
                <span class="console-row-meta small">
                    <span class=format!("status-badge console-status status-{status}")>{status_name}</span>
                    {assignee.map(|a| view! { <span class="muted">{a}</span> })}
                    {waiting.map(|since| view! {
                        <span class="console-waiting">{move || {
                            let time = waited_in(i18n.get_locale(), since, clock.get());
                            t_string!(i18n, console.row.waiting, time).to_string()
                        }}</span>
                    })}
                </span>
            </a>
        </li>
    }
    .into_any()
}

/// A visitor's rating as agents see it: the stars, the score, and the comment.
#[component]
pub fn RatingLine(rating: Rating) -> impl IntoView {
    let stars: String = (1..=5u8)
        .map(|n| if n <= rating.score { '★' } else { '☆' })
        .collect();
    view! {
        <span class="console-rating small" data-testid="rating">
            <span class="console-rating-stars" aria-hidden="true">{stars}</span>
            <span class="console-rating-score">{format!("{}/5", rating.score)}</span>
            {rating.comment.map(|c| view! { <q class="console-rating-comment">{c}</q> })}
        </span>
    }
}
