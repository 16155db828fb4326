//! Canned replies (admin): the list, a form to create one or edit the one
//! picked, and delete. Agents insert them in the console by typing `/` and the
//! title, so the title is the shortcut.

use leptos::prelude::*;

use crate::client::http;
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{CannedReply, CannedReplyRequest};

#[component]
pub fn SupportCanned() -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let list = RwSignal::new(Vec::<CannedReply>::new());
    let editing = RwSignal::new(None::<i64>);
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<String, String>>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            match http::support_canned().await {
                Ok(l) => list.set(l),
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
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
                    status.set(Some(Ok(td_string!(
                        lang.get(),
                        admin.canned.saved,
                        title = saved.title
                    )
                    .to_string())));
                    reset();
                    reload();
                }
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
        });
    };
    let remove = move |c: CannedReply| {
        leptos::task::spawn_local(async move {
            match http::delete_canned(c.id).await {
                Ok(()) => {
                    status.set(Some(Ok(td_string!(
                        lang.get(),
                        admin.canned.deleted,
                        title = c.title
                    )
                    .to_string())));
                    reload();
                }
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
        });
    };

    view! {
        <section class="card admin-card support-canned" aria-labelledby="canned-title">
            <h2 id="canned-title">{tr(i18n, |l| td_string!(l, admin.canned.title))}</h2>
            <p class="muted small">{tr(i18n, |l| td_string!(l, admin.canned.lead))}</p>
            <ul class="canned-admin-list">
                {move || list.get().into_iter().map(|c| {
                    let edit = c.clone();
                    let gone = c.clone();
                    view! {
                        <li class="canned-admin-row">
                            <strong>{format!("/{}", c.title)}</strong>
                            <span class="canned-admin-body">{c.body.clone()}</span>
                            <button class="button subtle small" type="button"
                                aria-label=t_string!(i18n, admin.canned.edit_label, title = c.title.clone()).to_string()
                                on:click=move |_| {
                                    editing.set(Some(edit.id));
                                    title.set(edit.title.clone());
                                    body.set(edit.body.clone());
                                }>{tr(i18n, |l| td_string!(l, admin.canned.edit))}</button>
                            <button class="button subtle small danger" type="button"
                                aria-label=t_string!(i18n, admin.canned.delete_label, title = c.title.clone()).to_string()
                                on:click=move |_| remove(gone.clone())>{tr(i18n, |l| td_string!(l, admin.canned.delete))}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="canned-form" on:submit=save>
                <label>
                    <span>{tr(i18n, |l| td_string!(l, admin.canned.shortcut))}</span>
                    <input type="text" required prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(i18n, |l| td_string!(l, admin.canned.reply_text))}</span>
                    <textarea rows="3" required prop:value=move || body.get()
                        on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                </label>
                <div class="form-actions">
                    <button class="button primary small" type="submit">
                        {move || if editing.get().is_some() {
                            t_string!(i18n, admin.canned.save)
                        } else {
                            t_string!(i18n, admin.canned.add)
                        }.to_string()}
                    </button>
                    <Show when=move || editing.get().is_some()>
                        <button class="button subtle small" type="button" on:click=move |_| reset()>{tr(i18n, |l| td_string!(l, admin.canned.cancel_edit))}</button>
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
