//! The console's conversation lists: Unassigned (the queue), Mine, for admins
//! All, and Resolved (paged over HTTP). Rows update live; waiting times tick
//! every second. Above them a search finds conversations by the visitor's
//! name or email or by what was written, in place of the tabs until cleared.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::{console_row::ConsoleRow, use_desk};
use crate::client::{browser, http};
use crate::i18n::*;
use crate::language::error_text;
use crate::language::tr;
use crate::protocol::ConversationRow;
use crate::state::desk::Tab;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(browser::now_ms() as i64).unwrap_or_default()
}

#[component]
pub fn ConsoleList() -> impl IntoView {
    let desk = use_desk();
    let i18n = use_i18n();
    // Tab names as people read them (`Tab::label` is the English one).
    let label = move |tab: Tab| match tab {
        Tab::Queue => t_string!(i18n, console.tabs.queue),
        Tab::Mine => t_string!(i18n, console.tabs.mine),
        Tab::All => t_string!(i18n, console.tabs.all),
        Tab::Resolved => t_string!(i18n, console.tabs.resolved),
    };
    let clock = RwSignal::new(now());
    Effect::new(move |_| {
        if let Ok(handle) =
            set_interval_with_handle(move || clock.set(now()), Duration::from_secs(1))
        {
            on_cleanup(move || handle.clear());
        }
    });
    let tabs = move || {
        if desk.is_admin() {
            vec![Tab::Queue, Tab::Mine, Tab::All, Tab::Resolved]
        } else {
            vec![Tab::Queue, Tab::Mine, Tab::Resolved]
        }
    };
    // Resolved conversations are not part of the live snapshot: load the
    // newest page whenever the tab is opened.
    Effect::new(move |_| {
        if desk.tab.get() == Tab::Resolved {
            desk.load_resolved(false);
        }
    });
    let rows = move || {
        let me = desk.my_id();
        let tab = desk.tab.get();
        desk.lists.with(|l| l.tab(tab, me))
    };
    // The search on screen and what it found (`None`: the tabs show).
    let search = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Vec<ConversationRow>>);
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = search.get_untracked().trim().to_owned();
        if q.is_empty() {
            found.set(None);
            return;
        }
        leptos::task::spawn_local(async move {
            match http::search_conversations(&q).await {
                Ok(rows) => found.set(Some(rows)),
                Err(e) => desk.notice.set(Some(error_text(desk.lang, &e))),
            }
        });
    };
    let count = move |tab: Tab| {
        let me = desk.my_id();
        desk.lists.with(|l| l.tab(tab, me).len())
    };

    view! {
        <nav class="console-lists" aria-label=tr(i18n, |l| td_string!(l, console.list.conversations))>
            <form class="console-search" role="search" on:submit=on_search>
                <input type="search" maxlength="100" data-testid="console-search"
                    aria-label=tr(i18n, |l| td_string!(l, console.search.label))
                    placeholder=tr(i18n, |l| td_string!(l, console.search.label))
                    prop:value=move || search.get()
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        if text.is_empty() {
                            found.set(None);
                        }
                        search.set(text);
                    }/>
            </form>
            <div class="console-tabs" role="tablist" hidden=move || found.with(Option::is_some)>
                {move || tabs()
                    .into_iter()
                    .map(|tab| {
                        let selected = move || desk.tab.get() == tab;
                        view! {
                            <button
                                type="button"
                                role="tab"
                                class="console-tab"
                                aria-selected=move || selected().to_string()
                                on:click=move |_| desk.tab.set(tab)
                            >
                                {move || label(tab)}
                                // Resolved ones are loaded a page at a time: no total to show.
                                {(tab != Tab::Resolved).then(|| view! {
                                    <span class="console-tab-count">{move || count(tab)}</span>
                                })}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <ul class="console-rows" role="tabpanel" aria-label=move || label(desk.tab.get())>
                {move || {
                    if let Some(list) = found.get() {
                        if list.is_empty() {
                            return view! { <li class="muted small console-rows-empty">{tr(i18n, |l| td_string!(l, console.search.none))}</li> }.into_any();
                        }
                        return list.into_iter()
                            .map(|row| view! { <ConsoleRow row clock/> })
                            .collect_view()
                            .into_any();
                    }
                    if !desk.loaded.get() {
                        return view! { <li class="muted small console-rows-empty">{tr(i18n, |l| td_string!(l, console.list.loading))}</li> }.into_any();
                    }
                    let list = rows();
                    if list.is_empty() {
                        return view! { <li class="muted small console-rows-empty">{tr(i18n, |l| td_string!(l, console.list.empty))}</li> }.into_any();
                    }
                    list.into_iter()
                        .map(|row| view! { <ConsoleRow row clock/> })
                        .collect_view()
                        .into_any()
                }}
            </ul>
            <Show when=move || desk.tab.get() == Tab::Resolved && desk.resolved_more.get()>
                <button
                    type="button"
                    class="button subtle small console-more"
                    disabled=move || desk.resolved_loading.get()
                    on:click=move |_| desk.load_resolved(true)
                >
                    {tr(i18n, |l| td_string!(l, console.list.load_older))}
                </button>
            </Show>
        </nav>
    }
    .into_any()
}
