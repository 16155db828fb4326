//! The other agents of the desk, with their availability and load, live from
//! `support.agent`.

use leptos::prelude::*;

use super::use_desk;
use crate::protocol::Availability;

#[component]
pub fn ConsoleAgents() -> impl IntoView {
    let desk = use_desk();
    let others = move || {
        let me = desk.me.with(|m| m.as_ref().map(|u| u.id));
        desk.lists.with(|l| {
            l.agents
                .values()
                .filter(|a| Some(a.id) != me)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="console-agents" aria-label="Agents">
            <h2 class="console-section-title">"Agents"</h2>
            {move || {
                let list = others();
                if list.is_empty() {
                    return view! { <p class="muted small">"No other agents."</p> }.into_any();
                }
                view! {
                    <ul class="agent-list">
                        {list
                            .into_iter()
                            .map(|a| {
                                let status = match a.availability {
                                    Availability::Online => "online",
                                    Availability::Away => "away",
                                    Availability::Offline => "offline",
                                };
                                view! {
                                    <li class="agent-item">
                                        <span class=format!("availability-dot availability-{status}") aria-hidden="true"></span>
                                        <span class="agent-name">{a.name}</span>
                                        <span class="muted small">{format!("{status} · {}/{}", a.open, a.capacity)}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
    .into_any()
}
