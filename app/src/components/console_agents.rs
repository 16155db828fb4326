//! The other agents of the desk, with their availability and load, live from
//! `support.agent`.

use leptos::prelude::*;

use super::{avatar::Avatar, use_desk};
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::Availability;

#[component]
pub fn ConsoleAgents() -> impl IntoView {
    let desk = use_desk();
    let i18n = use_i18n();
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
        <section class="console-agents" aria-label=tr(i18n, |l| td_string!(l, console.agents.title))>
            <h2 class="console-section-title">{tr(i18n, |l| td_string!(l, console.agents.title))}</h2>
            {move || {
                let list = others();
                if list.is_empty() {
                    return view! { <p class="muted small">{tr(i18n, |l| td_string!(l, console.agents.none))}</p> }.into_any();
                }
                view! {
                    <ul class="agent-list">
                        {list
                            .into_iter()
                            .map(|a| {
                                let availability = a.availability;
                                let status = match availability {
                                    Availability::Online => "online",
                                    Availability::Away => "away",
                                    Availability::Offline => "offline",
                                };
                                let (open, capacity) = (a.open, a.capacity);
                                let load = move || {
                                    let status = match availability {
                                        Availability::Online => t_string!(i18n, console.availability.online),
                                        Availability::Away => t_string!(i18n, console.availability.away),
                                        Availability::Offline => t_string!(i18n, console.availability.offline),
                                    };
                                    t_string!(i18n, console.agents.load, status, open, capacity).to_string()
                                };
                                view! {
                                    <li class="agent-item">
                                        <span class=format!("availability-dot availability-{status}") aria-hidden="true"></span>
                                        <Avatar name=a.name.clone() small=true/>
                                        <span class="agent-name">{
                                            let name = a.name.clone();
                                            move || desk.profiles.shown(&name)
                                        }</span>
                                        <span class="muted small">{load}</span>
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
