//! `/console` (with `?c=ID` for the open conversation): the support desk for
//! agents and admins. Creates the [`Desk`] state, checks who is logged in
//! (401 goes to the login form, members are turned away), starts the
//! WebSocket and lays out the lists, the open conversation and the header.
//!
//! The open conversation lives in the query string, so a reload reopens it and
//! switching conversations keeps this component (and its socket) mounted.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};

use crate::client::{browser, http};
use crate::components::announcement_bar::AnnouncementBar;
use crate::components::{
    console_agents::ConsoleAgents, console_header::ConsoleHeader, console_list::ConsoleList,
    console_pane::ConsolePane,
};
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{Availability, ConversationId, Role, User};
use crate::state::desk::Desk;
use crate::state::LinkState;

#[derive(Clone, Debug, PartialEq)]
enum Gate {
    Checking,
    Member,
    Failed(String),
    Agent(User),
}

fn replace() -> NavigateOptions {
    NavigateOptions {
        replace: true,
        ..Default::default()
    }
}

#[component]
pub fn ConsolePage() -> impl IntoView {
    let gate = RwSignal::new(Gate::Checking);
    let i18n = use_i18n();
    let lang = Lang::here();
    let navigate = use_navigate();
    Effect::new(move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match http::me().await {
                Ok(user) if user.role >= Role::Agent => gate.set(Gate::Agent(user)),
                Ok(_) => gate.set(Gate::Member),
                Err(e) if e.is_unauthorized() => navigate("/login", replace()),
                Err(e) => gate.set(Gate::Failed(error_text(lang, &e))),
            }
        });
    });
    move || {
        match gate.get() {
        Gate::Checking => view! {
            <Title text=tr(i18n, |l| td_string!(l, console.page.title))/>
            <p class="muted admin-card">{tr(i18n, |l| td_string!(l, console.page.loading))}</p>
        }
        .into_any(),
        Gate::Member => view! {
            <Title text=tr(i18n, |l| td_string!(l, console.page.title))/>
            <main class="admin-page">
                <div class="admin-card" role="alert">
                    <p class="form-error">{tr(i18n, |l| td_string!(l, console.page.members_only))}</p>
                    <p class="muted">{tr(i18n, |l| td_string!(l, console.page.ask_admin))}</p>
                    <a class="button subtle small" href="/">{tr(i18n, |l| td_string!(l, console.page.back_to_chat))}</a>
                </div>
            </main>
        }
        .into_any(),
        Gate::Failed(message) => view! {
            <p class="form-error admin-card" role="alert">{message}</p>
        }
        .into_any(),
        Gate::Agent(user) => view! { <Console user gate/> }.into_any(),
    }
    }
}

#[component]
fn Console(user: User, gate: RwSignal<Gate>) -> impl IntoView {
    let desk = Desk::new();
    let i18n = use_i18n();
    desk.me.set(Some(user));
    provide_context(desk);
    provide_context(desk.profiles);
    let navigate = use_navigate();
    let query = use_query_map();

    Effect::new(move |_| {
        desk.connect();
        desk.announcements.load_inbox();
    });
    on_cleanup(move || desk.connection.disconnect());

    // The conversation in the URL is the one in the pane.
    Effect::new(move |_| {
        let open = query.with(|q| {
            q.get("c")
                .and_then(|s| s.parse::<i64>().ok())
                .map(ConversationId)
        });
        desk.open_conversation(open);
    });

    // Admins land on All, agents on Mine (once: a reconnect's `hello` must
    // not move an admin off the tab they picked).
    let landed = StoredValue::new(false);
    Effect::new(move |_| {
        if desk.me.with(Option::is_some) && !landed.get_value() {
            landed.set_value(true);
            if desk.is_admin() {
                desk.tab.set(crate::state::desk::Tab::All);
            }
        }
    });

    Effect::new(move |_| {
        if desk.connection.state.get() == LinkState::SignedOut {
            navigate("/login", replace());
        }
    });

    // An admin took the agent role away: the server closed the socket and the
    // new `hello` says member. Leave the console (its cleanup stops the socket).
    Effect::new(move |_| {
        if desk
            .me
            .with(|m| m.as_ref().is_some_and(|u| u.role < Role::Agent))
        {
            gate.set(Gate::Member);
        }
    });

    Effect::new(move |_| {
        let visibility = window_event_listener_untyped("visibilitychange", move |_| {
            desk.visible.set(browser::page_visible());
        });
        let online =
            window_event_listener_untyped("online", move |_| desk.connection.reconnect_now());
        desk.visible.set(browser::page_visible());
        on_cleanup(move || {
            visibility.remove();
            online.remove();
        });
    });

    let title = move || {
        let me = desk.me.with(|m| m.as_ref().map(|u| u.id));
        let count = me.map_or(0, |me| desk.lists.with(|l| l.attention(me)));
        if count > 0 {
            t_string!(i18n, console.page.title_count, count).to_string()
        } else {
            t_string!(i18n, console.page.title).to_string()
        }
    };

    view! {
        <Title text=title/>
        <div class="console">
            <ConsoleHeader/>
            <Show when=move || desk.notice.with(Option::is_some)>
                <div class="notice" role="alert">
                    <span>{move || desk.notice.get()}</span>
                    <button class="icon-button" type="button" aria-label=tr(i18n, |l| td_string!(l, console.page.dismiss)) on:click=move |_| desk.notice.set(None)>
                        "×"
                    </button>
                </div>
            </Show>
            <AnnouncementBar announcements=desk.announcements/>
            // Offline agents are skipped by routing: say so, not an empty list.
            <Show when=move || desk.availability.get() == Availability::Offline>
                <p class="console-offline-hint" role="note">{tr(i18n, |l| td_string!(l, console.page.offline_hint))}</p>
            </Show>
            <div class="console-body">
                <aside class="console-side">
                    <ConsoleList/>
                    <ConsoleAgents/>
                </aside>
                <main class="console-main">
                    {move || match desk.open.get() {
                        Some(id) => view! { <ConsolePane id/> }.into_any(),
                        None => view! {
                            <section class="console-empty">
                                <p class="muted">{tr(i18n, |l| td_string!(l, console.page.pick_conversation))}</p>
                            </section>
                        }
                        .into_any(),
                    }}
                </main>
            </div>
        </div>
    }
    .into_any()
}
