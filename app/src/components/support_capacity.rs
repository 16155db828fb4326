//! Each agent's capacity (admin): how many open conversations auto-assignment
//! gives them. Raising it drains the queue at once (the server does that).

use leptos::prelude::*;

use crate::client::http;
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{AgentStatus, Availability};

fn availability_name(l: Locale, availability: Availability) -> String {
    match availability {
        Availability::Online => td_string!(l, admin.capacity.availability.online),
        Availability::Away => td_string!(l, admin.capacity.availability.away),
        Availability::Offline => td_string!(l, admin.capacity.availability.offline),
    }
    .to_string()
}

#[component]
pub fn SupportCapacity() -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let agents = RwSignal::new(Vec::<AgentStatus>::new());
    let status = RwSignal::new(None::<Result<String, String>>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            match http::support_agents().await {
                Ok(list) => agents.set(list),
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
        });
    });
    let save = move |agent: AgentStatus, value: String| {
        let Ok(capacity) = value.trim().parse::<i64>() else {
            status.set(Some(Err(
                td_string!(lang.get(), admin.capacity.bad_number).to_string()
            )));
            return;
        };
        leptos::task::spawn_local(async move {
            match http::set_agent_capacity(agent.id, capacity).await {
                Ok(saved) => {
                    status.set(Some(Ok(td_string!(
                        lang.get(),
                        admin.capacity.saved,
                        name = saved.name.clone(),
                        capacity = saved.capacity
                    )
                    .to_string())));
                    agents.update(|l| {
                        if let Some(a) = l.iter_mut().find(|a| a.id == saved.id) {
                            *a = saved;
                        }
                    });
                }
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
        });
    };
    view! {
        <section class="card admin-card support-capacity" aria-labelledby="capacity-title">
            <h2 id="capacity-title">{tr(i18n, |l| td_string!(l, admin.capacity.title))}</h2>
            {move || {
                let list = agents.get();
                if list.is_empty() {
                    return view! { <p class="muted small">{tr(i18n, |l| td_string!(l, admin.capacity.empty))}</p> }.into_any();
                }
                view! {
                    <table class="user-table capacity-table">
                        <thead><tr>
                            <th>{tr(i18n, |l| td_string!(l, admin.capacity.agent))}</th>
                            <th>{tr(i18n, |l| td_string!(l, admin.capacity.status))}</th>
                            <th>{tr(i18n, |l| td_string!(l, admin.capacity.open))}</th>
                            <th>{tr(i18n, |l| td_string!(l, admin.capacity.capacity))}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|a| {
                                let label = td_string!(i18n.get_locale(), admin.capacity.capacity_for, name = a.name.clone()).to_string();
                                let agent = a.clone();
                                view! {
                                    <tr>
                                        <td>{a.name.clone()}</td>
                                        <td>{availability_name(i18n.get_locale(), a.availability)}</td>
                                        <td>{a.open}</td>
                                        <td>
                                            <input type="number" min="0" max="100" aria-label=label
                                                value=a.capacity.to_string()
                                                on:change=move |ev| save(agent.clone(), event_target_value(&ev))/>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {move || status.get().map(|s| match s {
                Ok(m) => view! { <p class="muted small" role="status">{m}</p> }.into_any(),
                Err(m) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
            })}
        </section>
    }
    .into_any()
}
