//! Find a person by name: a search box over `GET /api/people` and the
//! matching people as buttons. Used to start a direct message and to invite
//! someone to a private room; what a pick does is the caller's.

use leptos::prelude::*;

use super::avatar::Avatar;
use crate::client::http;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::User;

#[component]
pub fn PeoplePicker(
    /// The search box's id (its label points at it).
    input_id: &'static str,
    /// Its placeholder.
    placeholder: Signal<String>,
    /// Names not offered (yourself, people already picked or in the room).
    exclude: Signal<Vec<String>>,
    on_pick: Callback<User>,
) -> impl IntoView {
    let i18n = use_i18n();
    let typed = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Vec<User>>);
    // Answers can come back out of order: only the latest search's counts.
    let latest = StoredValue::new(0u64);
    let search = move |text: String| {
        let ticket = latest.get_value() + 1;
        latest.set_value(ticket);
        if text.trim().is_empty() {
            found.set(None);
            return;
        }
        leptos::task::spawn_local(async move {
            let answer = http::people(text.trim()).await.unwrap_or_default();
            if latest.get_value() == ticket {
                found.set(Some(answer));
            }
        });
    };
    let offered = move || {
        let skip = exclude.get();
        found.get().map(|list| {
            list.into_iter()
                .filter(|u| !skip.iter().any(|s| s.eq_ignore_ascii_case(&u.username)))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <input
            id=input_id
            type="search"
            autocomplete="off"
            maxlength="64"
            placeholder=move || placeholder.get()
            prop:value=move || typed.get()
            on:input=move |ev| {
                let text = event_target_value(&ev);
                typed.set(text.clone());
                search(text);
            }
        />
        {move || offered().map(|people| if people.is_empty() {
            view! { <p class="muted small">{tr(i18n, |l| td_string!(l, chat.dm.no_match))}</p> }.into_any()
        } else {
            view! {
                <ul class="people-results">
                    {people.into_iter().map(|person| {
                        let name = person.username.clone();
                        view! {
                            <li>
                                <button type="button" class="person" on:click=move |_| {
                                    on_pick.run(person.clone());
                                    typed.set(String::new());
                                    found.set(None);
                                }>
                                    <Avatar name=name.clone() small=true/>
                                    <span>{name.clone()}</span>
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        })}
    }
    .into_any()
}
