//! Message search: the box at the top of the sidebar, and the pane of
//! results beside the room, with its filters (room, person, days). A result
//! opens its room at the message ([`crate::state::Chat::reveal`]). Matches
//! are marked from the server's highlight, shown as text, never as HTML.

use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use super::use_chat;
use crate::client::browser;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{highlight_parts, RoomId, SearchResult};
use crate::state::search::SearchForm;

/// The sidebar's search field: Enter searches every room.
#[component]
pub fn SearchBox() -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let search = chat.search;
    let q = RwSignal::new(String::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        search.form.set(SearchForm {
            q: q.get_untracked(),
            ..SearchForm::default()
        });
        search.run();
    };
    view! {
        <form class="search-box" role="search" on:submit=on_submit>
            <input
                type="search"
                name="q"
                data-testid="search-box"
                aria-label=tr(i18n, |l| td_string!(l, chat.search.label))
                placeholder=tr(i18n, |l| td_string!(l, chat.search.placeholder))
                maxlength="200"
                prop:value=move || q.get()
                on:input=move |ev| q.set(event_target_value(&ev))
            />
        </form>
    }
}

/// The results pane, while a search is open.
#[component]
pub fn SearchPane() -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let search = chat.search;
    let navigate = use_navigate();
    let form = search.form;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        search.run();
    };
    let edit = move |f: fn(&mut SearchForm, String)| {
        move |ev: leptos::ev::Event| form.update(|form| f(form, event_target_value(&ev)))
    };
    let rooms = move || {
        let me = chat.my_name();
        chat.rooms
            .with(|r| r.joined().map(|x| (x.id, x.title(&me))).collect::<Vec<_>>())
    };
    let room_name = move |room: RoomId| {
        let me = chat.my_name();
        chat.rooms.with_untracked(|r| {
            r.get(room).map_or_else(String::new, |x| {
                if x.is_dm() {
                    x.title(&me)
                } else {
                    format!("#{}", x.name)
                }
            })
        })
    };
    let open = move |result: &SearchResult| {
        let (room, id) = (result.room, result.message.id);
        match result.message.thread.filter(|_| !result.message.in_room()) {
            // A reply only its thread shows: open the thread, lit there.
            Some(parent) => {
                chat.open_thread(room, parent);
                chat.flash.set(Some(id));
            }
            None => chat.focus.set(Some((room, id))),
        }
        if browser::narrow_screen() {
            search.close();
        }
        navigate(&format!("/?room={room}"), NavigateOptions::default());
    };
    let open = StoredValue::new(open);
    let result_row = move |result: SearchResult| {
        let room = room_name(result.room);
        let author = chat.profiles.shown(&result.message.author);
        let when = format!(
            "{} {}",
            browser::local_day(result.message.sent_at),
            browser::local_time(result.message.sent_at)
        );
        let label = t_string!(i18n, chat.search.open_result, room = room.clone()).to_string();
        let text = highlight_parts(&result.highlight)
            .into_iter()
            .map(|(part, hit)| {
                if hit {
                    view! { <mark>{part}</mark> }.into_any()
                } else {
                    part.into_any()
                }
            })
            .collect_view();
        view! {
            <li>
                <button class="search-result" type="button" title=label
                    on:click=move |_| open.with_value(|open| open(&result))>
                    <span class="result-meta">
                        <span class="result-room">{room}</span>
                        <span class="result-author">{author}</span>
                        <span class="muted">{when}</span>
                    </span>
                    <span class="result-text">{text}</span>
                </button>
            </li>
        }
    };
    view! {
        <aside class="search-pane" aria-labelledby="search-title" data-testid="search-pane">
            <header class="search-header">
                <h2 id="search-title">{tr(i18n, |l| td_string!(l, chat.search.heading))}</h2>
                <button class="icon-button" type="button"
                    aria-label=tr(i18n, |l| td_string!(l, chat.search.close))
                    on:click=move |_| search.close()>"×"</button>
            </header>
            <form class="search-filters" role="search" on:submit=on_submit>
                <label>
                    <span>{tr(i18n, |l| td_string!(l, chat.search.words))}</span>
                    <input type="search" maxlength="200" data-testid="search-words"
                        prop:value=move || form.with(|f| f.q.clone())
                        on:input=edit(|f, v| f.q = v)/>
                </label>
                <label>
                    <span>{tr(i18n, |l| td_string!(l, chat.search.room))}</span>
                    <select data-testid="search-room"
                        prop:value=move || form.with(|f| f.room.map(|r| r.to_string()).unwrap_or_default())
                        on:change=edit(|f, v| f.room = v.parse().ok().map(RoomId))>
                        <option value="">{tr(i18n, |l| td_string!(l, chat.search.all_rooms))}</option>
                        {move || rooms().into_iter().map(|(id, name)| view! {
                            <option value=id.to_string()>{name}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>{tr(i18n, |l| td_string!(l, chat.search.from))}</span>
                    <input type="text" autocomplete="off"
                        placeholder=tr(i18n, |l| td_string!(l, chat.search.from_placeholder))
                        prop:value=move || form.with(|f| f.from.clone())
                        on:input=edit(|f, v| f.from = v)/>
                </label>
                <div class="search-days">
                    <label>
                        <span>{tr(i18n, |l| td_string!(l, chat.search.since))}</span>
                        <input type="date" prop:value=move || form.with(|f| f.since_day.clone())
                            on:change=edit(|f, v| f.since_day = v)/>
                    </label>
                    <label>
                        <span>{tr(i18n, |l| td_string!(l, chat.search.until))}</span>
                        <input type="date" prop:value=move || form.with(|f| f.until_day.clone())
                            on:change=edit(|f, v| f.until_day = v)/>
                    </label>
                </div>
                <button class="button primary small" type="submit">{tr(i18n, |l| td_string!(l, chat.search.submit))}</button>
            </form>
            <p class="form-error" role="alert" hidden=move || search.error.with(Option::is_none)>
                {move || search.error.get()}
            </p>
            <ol class="search-results" aria-label=tr(i18n, |l| td_string!(l, chat.search.results_label))>
                <For
                    each=move || search.results.get()
                    key=|r| r.message.id
                    children=result_row
                />
            </ol>
            <p class="muted search-status" aria-live="polite">
                {move || {
                    let l = i18n.get_locale();
                    if search.loading.get() {
                        td_string!(l, chat.search.searching).to_string()
                    } else if !search.answered.get() {
                        td_string!(l, chat.search.hint).to_string()
                    } else if search.results.with(Vec::is_empty) {
                        td_string!(l, chat.search.no_results).to_string()
                    } else {
                        String::new()
                    }
                }}
            </p>
            <button class="button subtle small" type="button"
                hidden=move || !search.more.get() || search.loading.get()
                on:click=move |_| search.load_more()>
                {tr(i18n, |l| td_string!(l, chat.search.more))}
            </button>
        </aside>
    }
    .into_any()
}
