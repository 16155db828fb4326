//! API keys for other services (`POST /api/push`, `/api/schedules`): create
//! one with a name — its key is shown once, right here, with a copy of the
//! curl line that uses it — list them with their last use, and revoke.

use leptos::{ev::SubmitEvent, prelude::*};

use super::announce_form::wall;
use crate::client::{http, zones};
use crate::protocol::{ApiKey, NewApiKey};

#[component]
pub fn ApiKeys() -> impl IntoView {
    let keys = RwSignal::new(None::<Result<Vec<ApiKey>, String>>);
    let name = RwSignal::new(String::new());
    let fresh = RwSignal::new(None::<NewApiKey>);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let reload = move || {
        leptos::task::spawn_local(async move {
            keys.set(Some(http::api_keys().await.map_err(|e| e.to_string())));
        });
    };
    Effect::new(move |_| reload());

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        let wanted = name.get_untracked();
        leptos::task::spawn_local(async move {
            match http::create_api_key(&wanted).await {
                Ok(key) => {
                    fresh.set(Some(key));
                    name.set(String::new());
                    reload();
                }
                Err(e) => problem.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };

    let revoke = move |key: ApiKey| {
        leptos::task::spawn_local(async move {
            match http::revoke_api_key(key.id).await {
                Ok(_) => {
                    if fresh.with_untracked(|f| f.as_ref().is_some_and(|f| f.info.id == key.id)) {
                        fresh.set(None);
                    }
                    reload();
                }
                Err(e) => problem.set(Some(format!("Revoking {}: {e}", key.name))),
            }
        });
    };

    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| {
            zones::in_zone(t, &zones::browser_zone())
                .map(wall)
                .unwrap_or_else(|| t.to_rfc3339())
        })
    };

    view! {
        <section class="card admin-card" aria-labelledby="keys-title">
            <h1 id="keys-title">"API keys"</h1>
            <p class="muted">
                "Other services push and schedule announcements with "
                <code>"Authorization: Bearer <key>"</code>
                ". A key is shown once, when it is created; the server keeps only its hash."
            </p>
            <form class="inline-form" on:submit=on_submit>
                <label for="key-name" class="visually-hidden">"Key name"</label>
                <input id="key-name" type="text" placeholder="Name, e.g. billing-service" maxlength="64"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <button type="submit" class="button primary" disabled=move || busy.get()>"Create key"</button>
            </form>
            {move || problem.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            {move || fresh.get().map(|k| view! {
                <div class="new-key" role="status">
                    <p><strong>{format!("Key “{}” created.", k.info.name)}</strong>" Copy it now: it will not be shown again."</p>
                    <code class="key-value">{k.key.clone()}</code>
                    <pre class="key-example">{format!(
                        "curl -X POST {}/api/push \\\n  -H 'Authorization: Bearer {}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{{\"body\": \"Deploy finished\", \"target\": {{\"kind\": \"all\"}}}}'",
                        crate::client::browser::origin(), k.key
                    )}</pre>
                </div>
            })}
            {move || match keys.get() {
                None => view! { <p class="muted">"Loading keys…"</p> }.into_any(),
                Some(Err(m)) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No API keys yet."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="user-table key-table">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Created"</th>
                                <th scope="col">"Last used"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|k| {
                                let revoked = k.revoked_at.is_some();
                                let key = k.clone();
                                view! {
                                    <tr class:revoked=revoked>
                                        <td>{k.name.clone()}</td>
                                        <td class="small">{when(Some(k.created_at))}</td>
                                        <td class="small">{when(k.last_used_at).unwrap_or_else(|| "never".into())}</td>
                                        <td>
                                            {if revoked {
                                                view! { <span class="muted small">{format!("revoked {}", when(k.revoked_at).unwrap_or_default())}</span> }.into_any()
                                            } else {
                                                view! {
                                                    <button type="button" class="button small subtle danger-text"
                                                        aria-label=format!("Revoke {}", k.name)
                                                        on:click=move |_| revoke(key.clone())>"Revoke"</button>
                                                }.into_any()
                                            }}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}
