//! A person's card, opened from their name on a message: picture, display
//! and login name, status line, their local time (when they set a zone),
//! and a button that opens a direct message with them.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use super::{avatar::Avatar, use_chat};
use crate::client::{browser, zones};
use crate::i18n::*;
use crate::language::tr;

/// The `(left, bottom)` of what was clicked, where a card or picker it
/// opens is placed (the message list clips what overflows it, so they are
/// fixed boxes on the screen).
pub fn anchor(ev: &leptos::ev::MouseEvent) -> (f64, f64) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        ev.target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .map(|e| e.get_bounding_client_rect())
            .map_or((0.0, 0.0), |r| (r.left(), r.bottom()))
    }
    // Clicks happen in the browser only.
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = ev;
        (0.0, 0.0)
    }
}

/// Where a card opened from a point `(left, bottom)` on the screen goes: a
/// fixed box just under it, kept inside the window.
pub fn place((left, bottom): (f64, f64)) -> String {
    // Whole pixels, printed as integers: formatting an `f64` would pull
    // float printing into the chat's bundle (about 14 KB, docs/performance.md).
    let (top, left) = ((bottom + 4.0).round() as i32, left.round() as i32);
    format!(
        "top: clamp(8px, {top}px, calc(100vh - 17rem)); left: clamp(8px, {left}px, calc(100vw - 296px))"
    )
}

#[component]
pub fn ProfileCard(
    /// The login name.
    #[prop(into)]
    name: String,
    /// Where the card is (a `style`), `None` once closed.
    open: RwSignal<Option<String>>,
) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let navigate = use_navigate();
    let profile = {
        let name = name.clone();
        Memo::new(move |_| chat.profiles.get(&name))
    };
    let mine = {
        let name = name.clone();
        move || {
            chat.me
                .with(|m| m.as_ref().is_some_and(|u| u.username == name))
        }
    };
    let message = move |_| {
        let Some(id) = profile.with_untracked(|p| p.as_ref().map(|p| p.id)) else {
            return;
        };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            if let Some(room) = chat.open_dm_with(id).await {
                open.set(None);
                navigate(&format!("/?room={room}"), NavigateOptions::default());
            }
        });
    };
    let shown = {
        let name = name.clone();
        move || chat.profiles.shown(&name)
    };
    let label = {
        let shown = shown.clone();
        move || t_string!(i18n, chat.profile.card_label, name = shown()).to_string()
    };
    let clock = move || {
        let zone = profile.with(|p| p.as_ref().and_then(|p| p.time_zone.clone()))?;
        // Intl throws for a zone it does not know.
        zones::all_zones().contains(&zone).then(|| {
            let now = chrono::DateTime::from_timestamp_millis(browser::now_ms() as i64)
                .unwrap_or_default();
            t_string!(
                i18n,
                chat.profile.local_time,
                time = browser::time_in_zone(now, &zone)
            )
            .to_string()
        })
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.set(None);
        }
    };
    view! {
        <div class="profile-card" role="dialog" aria-label=label on:keydown=on_key
            style=move || open.get().unwrap_or_default()>
            <button type="button" class="icon-button small profile-close"
                aria-label=tr(i18n, |l| td_string!(l, chat.profile.close))
                on:click=move |_| open.set(None)>"×"</button>
            <Avatar name=name.clone() large=true/>
            <div class="profile-names">
                <strong class="profile-shown">{shown}</strong>
                <span class="muted small">"@"{name.clone()}</span>
            </div>
            {move || profile.with(|p| p.as_ref().and_then(|p| p.status.clone())).map(|s| view! {
                <p class="profile-status">{s}</p>
            })}
            {move || clock().map(|c| view! { <p class="muted small profile-clock">{c}</p> })}
            {move || if mine() {
                Either::Left(view! {
                    <a class="button small" href="/account">{tr(i18n, |l| td_string!(l, chat.profile.edit))}</a>
                })
            } else {
                Either::Right(view! {
                    <button type="button" class="button small primary" on:click=message.clone()
                        disabled=move || profile.with(Option::is_none)>
                        {tr(i18n, |l| td_string!(l, chat.profile.message))}
                    </button>
                })
            }}
        </div>
    }
}
