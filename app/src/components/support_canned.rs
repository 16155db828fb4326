//! Canned replies (admin): the list, a form to create one or edit the one
//! picked, and delete. Agents insert them in the console by typing `/` and the
//! title, so the title is the shortcut.

use leptos::prelude::*;

use crate::client::http;
use crate::protocol::{CannedReply, CannedReplyRequest};

#[component]
pub fn SupportCanned() -> impl IntoView {
    let list = RwSignal::new(Vec::<CannedReply>::new());
    let editing = RwSignal::new(None::<i64>);
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<String, String>>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            match http::support_canned().await {
                Ok(l) => list.set(l),
                Err(e) => status.set(Some(Err(e.to_string()))),
            }
        });
    };
    Effect::new(move |_| reload());
    let reset = move || {
        editing.set(None);
        title.set(String::new());
        body.set(String::new());
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = CannedReplyRequest {
            title: title.get_untracked().trim().to_owned(),
            body: body.get_untracked().trim().to_owned(),
        };
        let id = editing.get_untracked();
        leptos::task::spawn_local(async move {
            let answer = match id {
                Some(id) => http::update_canned(id, &request).await,
                None => http::create_canned(&request).await,
            };
            match answer {
                Ok(saved) => {
                    status.set(Some(Ok(format!("Saved /{}", saved.title))));
                    reset();
                    reload();
                }
                Err(e) => status.set(Some(Err(e.to_string()))),
            }
        });
    };
    let remove = move |c: CannedReply| {
        leptos::task::spawn_local(async move {
            match http::delete_canned(c.id).await {
                Ok(()) => {
                    status.set(Some(Ok(format!("Deleted /{}", c.title))));
                    reload();
                }
                Err(e) => status.set(Some(Err(e.to_string()))),
            }
        });
    };

    view! {
        <section class="card admin-card support-canned" aria-labelledby="canned-title">
            <h2 id="canned-title">"Canned replies"</h2>
            <p class="muted small">"Agents type / and the shortcut in the console to insert one."</p>
            <ul class="canned-admin-list">
                {move || list.get().into_iter().map(|c| {
                    let edit = c.clone();
                    let gone = c.clone();
                    view! {
                        <li class="canned-admin-row">
                            <strong>{format!("/{}", c.title)}</strong>
                            <span class="canned-admin-body">{c.body.clone()}</span>
                            <button class="button subtle small" type="button"
                                aria-label=format!("Edit /{}", c.title)
                                on:click=move |_| {
                                    editing.set(Some(edit.id));
                                    title.set(edit.title.clone());
                                    body.set(edit.body.clone());
                                }>"Edit"</button>
                            <button class="button subtle small danger" type="button"
                                aria-label=format!("Delete /{}", c.title)
                                on:click=move |_| remove(gone.clone())>"Delete"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="canned-form" on:submit=save>
                <label>
                    <span>"Shortcut"</span>
                    <input type="text" required prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>"Reply text"</span>
                    <textarea rows="3" required prop:value=move || body.get()
                        on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                </label>
                <div class="form-actions">
                    <button class="button primary small" type="submit">
                        {move || if editing.get().is_some() { "Save canned reply" } else { "Add canned reply" }}
                    </button>
                    <Show when=move || editing.get().is_some()>
                        <button class="button subtle small" type="button" on:click=move |_| reset()>"Cancel edit"</button>
                    </Show>
                </div>
                {move || status.get().map(|s| match s {
                    Ok(m) => view! { <p class="muted small" role="status">{m}</p> }.into_any(),
                    Err(m) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
                })}
            </form>
        </section>
    }
    .into_any()
}
