//! What the desk knows of the open conversation's visitor (from the HTTP
//! detail): name, email, whether a signed identity verified them, the page they
//! came from, their browser, when first seen, and their previous conversations.

use leptos::prelude::*;

use super::use_desk;
use crate::client::browser;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::ConversationStatus;

#[component]
pub fn ConsoleVisitor() -> impl IntoView {
    let desk = use_desk();
    let i18n = use_i18n();
    view! {
        <aside class="console-visitor" aria-label=tr(i18n, |l| td_string!(l, console.visitor.label))>
            <h3 class="console-section-title">{tr(i18n, |l| td_string!(l, console.visitor.label))}</h3>
            {move || desk.detail.get().map(|d| {
                let v = d.visitor;
                let first_seen = format!(
                    "{} {}",
                    browser::local_day(v.first_seen),
                    browser::local_time(v.first_seen)
                );
                let previous = d.previous;
                view! {
                    <dl class="visitor-facts">
                        <dt>{tr(i18n, |l| td_string!(l, console.visitor.name))}</dt>
                        <dd>
                            {v.name.unwrap_or_else(|| "—".into())}
                            " "
                            {if v.verified {
                                view! { <span class="trust-badge verified">{tr(i18n, |l| td_string!(l, console.visitor.verified))}</span> }.into_any()
                            } else {
                                view! { <span class="trust-badge unverified">{tr(i18n, |l| td_string!(l, console.visitor.not_verified))}</span> }.into_any()
                            }}
                        </dd>
                        <dt>{tr(i18n, |l| td_string!(l, console.visitor.email))}</dt>
                        <dd>{v.email.unwrap_or_else(|| "—".into())}</dd>
                        <dt>{tr(i18n, |l| td_string!(l, console.visitor.came_from))}</dt>
                        <dd class="visitor-came-from">{v.page.unwrap_or_else(|| "—".into())}</dd>
                        <dt>{tr(i18n, |l| td_string!(l, console.visitor.browser))}</dt>
                        <dd class="visitor-agent small">{v.user_agent.unwrap_or_else(|| "—".into())}</dd>
                        <dt>{tr(i18n, |l| td_string!(l, console.visitor.first_seen))}</dt>
                        <dd>{first_seen}</dd>
                    </dl>
                    <h4 class="console-section-title">{tr(i18n, |l| td_string!(l, console.visitor.previous))}</h4>
                    {if previous.is_empty() {
                        view! { <p class="muted small">{tr(i18n, |l| td_string!(l, console.visitor.no_previous))}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="visitor-previous">
                                {previous.into_iter().map(|r| {
                                    let (id, status) = (r.id, r.status);
                                    let label = move || {
                                        let status = match status {
                                            ConversationStatus::Open => t_string!(i18n, console.status.open),
                                            ConversationStatus::Pending => t_string!(i18n, console.status.pending),
                                            ConversationStatus::Resolved => t_string!(i18n, console.status.resolved),
                                        };
                                        t_string!(i18n, console.visitor.previous_row, id, status).to_string()
                                    };
                                    view! {
                                    <li>
                                        <a href=format!("/console?c={}", r.id)>
                                            {label}
                                        </a>
                                        <span class="muted small">{format!(" {}", browser::local_day(r.created_at))}</span>
                                    </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }
            })}
        </aside>
    }
    .into_any()
}
