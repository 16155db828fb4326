//! Each agent's capacity (admin): how many open conversations auto-assignment
//! gives them. Raising it drains the queue at once (the server does that).

use leptos::prelude::*;

use crate::client::http;
use crate::protocol::AgentStatus;

#[component]
pub fn SupportCapacity() -> impl IntoView {
    let agents = RwSignal::new(Vec::<AgentStatus>::new());
    let status = RwSignal::new(None::<Result<String, String>>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            match http::support_agents().await {
                Ok(list) => agents.set(list),
                Err(e) => status.set(Some(Err(e.to_string()))),
            }
        });
    });
    let save = move |agent: AgentStatus, value: String| {
        let Ok(capacity) = value.trim().parse::<i64>() else {
            status.set(Some(Err(
                "Capacity must be a whole number from 0 to 100.".into()
            )));
            return;
        };
        leptos::task::spawn_local(async move {
            match http::set_agent_capacity(agent.id, capacity).await {
                Ok(saved) => {
                    status.set(Some(Ok(format!(
                        "{}: capacity {}",
                        saved.name, saved.capacity
                    ))));
                    agents.update(|l| {
                        if let Some(a) = l.iter_mut().find(|a| a.id == saved.id) {
                            *a = saved;
                        }
                    });
                }
                Err(e) => status.set(Some(Err(e.to_string()))),
            }
        });
    };
    view! {
        <section class="card admin-card support-capacity" aria-labelledby="capacity-title">
            <h2 id="capacity-title">"Agents' capacity"</h2>
            {move || {
                let list = agents.get();
                if list.is_empty() {
                    return view! { <p class="muted small">"No agents yet: give accounts the agent role on the Users page."</p> }.into_any();
                }
                view! {
                    <table class="user-table capacity-table">
                        <thead><tr><th>"Agent"</th><th>"Status"</th><th>"Open"</th><th>"Capacity"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|a| {
                                let label = format!("Capacity for {}", a.name);
                                let agent = a.clone();
                                view! {
                                    <tr>
                                        <td>{a.name.clone()}</td>
                                        <td>{format!("{:?}", a.availability).to_lowercase()}</td>
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
