//! What the desk knows of the open conversation's visitor (from the HTTP
//! detail): name, email, whether a signed identity verified them, the page they
//! came from, their browser, when first seen, and their previous conversations.

use leptos::prelude::*;

use super::use_desk;
use crate::client::browser;

#[component]
pub fn ConsoleVisitor() -> impl IntoView {
    let desk = use_desk();
    view! {
        <aside class="console-visitor" aria-label="Visitor">
            <h3 class="console-section-title">"Visitor"</h3>
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
                        <dt>"Name"</dt>
                        <dd>
                            {v.name.unwrap_or_else(|| "—".into())}
                            " "
                            {if v.verified {
                                view! { <span class="trust-badge verified">"verified"</span> }.into_any()
                            } else {
                                view! { <span class="trust-badge unverified">"not verified"</span> }.into_any()
                            }}
                        </dd>
                        <dt>"Email"</dt>
                        <dd>{v.email.unwrap_or_else(|| "—".into())}</dd>
                        <dt>"Came from"</dt>
                        <dd class="visitor-came-from">{v.page.unwrap_or_else(|| "—".into())}</dd>
                        <dt>"Browser"</dt>
                        <dd class="visitor-agent small">{v.user_agent.unwrap_or_else(|| "—".into())}</dd>
                        <dt>"First seen"</dt>
                        <dd>{first_seen}</dd>
                    </dl>
                    <h4 class="console-section-title">"Previous conversations"</h4>
                    {if previous.is_empty() {
                        view! { <p class="muted small">"None."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="visitor-previous">
                                {previous.into_iter().map(|r| view! {
                                    <li>
                                        <a href=format!("/console?c={}", r.id)>
                                            {format!("#{} · {}", r.id, r.status.as_str())}
                                        </a>
                                        <span class="muted small">{format!(" {}", browser::local_day(r.created_at))}</span>
                                    </li>
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
