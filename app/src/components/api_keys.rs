//! API keys for other services (`POST /api/push`, `/api/schedules`): create
//! one with a name — its key is shown once, right here, with a copy of the
//! curl line that uses it — list them with their last use, and revoke.

use leptos::{ev::SubmitEvent, prelude::*};

use super::announce_form::wall;
use crate::client::{http, zones};
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{ApiKey, NewApiKey};

#[component]
pub fn ApiKeys() -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let keys = RwSignal::new(None::<Result<Vec<ApiKey>, String>>);
    let name = RwSignal::new(String::new());
    let fresh = RwSignal::new(None::<NewApiKey>);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let reload = move || {
        leptos::task::spawn_local(async move {
            keys.set(Some(
                http::api_keys().await.map_err(|e| error_text(lang, &e)),
            ));
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
                Err(e) => problem.set(Some(error_text(lang, &e))),
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
                Err(e) => {
                    let error = error_text(lang, &e);
                    problem.set(Some(
                        td_string!(lang.get(), admin.keys.revoke_failed, name = key.name, error)
                            .to_string(),
                    ))
                }
            }
        });
    };

    let when = move |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| {
            zones::in_zone(t, &zones::browser_zone())
                .map(|t| wall(i18n.get_locale(), t))
                .unwrap_or_else(|| t.to_rfc3339())
        })
    };

    view! {
        <section class="card admin-card" aria-labelledby="keys-title">
            <h1 id="keys-title">{tr(i18n, |l| td_string!(l, admin.keys.title))}</h1>
            <p class="muted">
                {tr(i18n, |l| td_string!(l, admin.keys.lead_before))}
                <code>"Authorization: Bearer <key>"</code>
                {tr(i18n, |l| td_string!(l, admin.keys.lead_after))}
            </p>
            <form class="inline-form" on:submit=on_submit>
                <label for="key-name" class="visually-hidden">{tr(i18n, |l| td_string!(l, admin.keys.name_label))}</label>
                <input id="key-name" type="text" placeholder=tr(i18n, |l| td_string!(l, admin.keys.name_placeholder)) maxlength="64"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <button type="submit" class="button primary" disabled=move || busy.get()>{tr(i18n, |l| td_string!(l, admin.keys.create))}</button>
            </form>
            {move || problem.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            {move || fresh.get().map(|k| view! {
                <div class="new-key" role="status">
                    <p><strong>{t!(i18n, admin.keys.created, name = k.info.name.clone())}</strong>{tr(i18n, |l| td_string!(l, admin.keys.copy_now))}</p>
                    <code class="key-value">{k.key.clone()}</code>
                    <pre class="key-example">{format!(
                        "curl -X POST {}/api/push \\\n  -H 'Authorization: Bearer {}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{{\"body\": \"Deploy finished\", \"target\": {{\"kind\": \"all\"}}}}'",
                        crate::client::browser::origin(), k.key
                    )}</pre>
                </div>
            })}
            {move || match keys.get() {
                None => view! { <p class="muted">{tr(i18n, |l| td_string!(l, admin.keys.loading))}</p> }.into_any(),
                Some(Err(m)) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">{tr(i18n, |l| td_string!(l, admin.keys.empty))}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="user-table key-table">
                        <thead>
                            <tr>
                                <th scope="col">{tr(i18n, |l| td_string!(l, admin.keys.name))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, admin.keys.created_at))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, admin.keys.last_used))}</th>
                                <th scope="col"><span class="visually-hidden">{tr(i18n, |l| td_string!(l, admin.keys.actions))}</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|k| {
                                let revoked = k.revoked_at.is_some();
                                let key = k.clone();
                                view! {
                                    <tr class:revoked=revoked>
                                        <td>{k.name.clone()}</td>
                                        <td class="small">{move || when(Some(k.created_at))}</td>
                                        <td class="small">{move || when(k.last_used_at).unwrap_or_else(|| t_string!(i18n, admin.keys.never).to_string())}</td>
                                        <td>
                                            {if revoked {
                                                view! { <span class="muted small">{move || t_string!(i18n, admin.keys.revoked, when = when(k.revoked_at).unwrap_or_default()).to_string()}</span> }.into_any()
                                            } else {
                                                view! {
                                                    <button type="button" class="button small subtle danger-text"
                                                        aria-label=t_string!(i18n, admin.keys.revoke_label, name = k.name.clone()).to_string()
                                                        on:click=move |_| revoke(key.clone())>{tr(i18n, |l| td_string!(l, admin.keys.revoke))}</button>
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
