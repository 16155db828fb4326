//! `/support` (and `/support?embed=1&page=…` inside the widget's iframe): the
//! visitor's side of the desk, hydrated by its own bundle
//! ([`crate::VisitorApp`]). Creates the [`Visitor`] state, asks
//! `POST /api/support/session` for the visitor (which issues the cookie or
//! token where `GET /support` did not: in the widget), then opens the socket. Shows the pre-chat form until the visitor
//! has a conversation, then the conversation.
//!
//! In embed mode the layout is compact (the widget's panel is about 360×520)
//! and the query may carry a signed identity from the embedding site
//! (`externalId, name, email, ts, signature`, as `widget.js` passes them),
//! and `host`, the embedding page's origin: the page first asks it for the
//! visitor token it kept and hands back each new one (`client::embed`), so
//! the visitor survives where the browser blocks our cookie in the iframe.

use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::client::{browser, embed, http, query::Query};
use crate::components::announcement_bar::AnnouncementBar;
use crate::components::language_picker::LanguagePicker;
use crate::components::{
    visitor_away::VisitorAway, visitor_composer::VisitorComposer, visitor_prechat::VisitorPrechat,
    visitor_rating::VisitorRating, visitor_start_over::VisitorStartOver,
    visitor_thread::VisitorThread,
};
use crate::i18n::*;
use crate::language::error_text;
use crate::language::tr;
use crate::protocol::{ConversationStatus, SessionRequest, SignedIdentity};
use crate::state::{visitor::Visitor, LinkState};

#[component]
pub fn SupportPage() -> impl IntoView {
    let q = Query::here();
    let i18n = use_i18n();
    let embed = q.get("embed").as_deref() == Some("1");
    let (page, identity) = {
        let identity = match (q.get("externalId"), q.get("ts"), q.get("signature")) {
            (Some(external_id), Some(ts), Some(signature)) => {
                ts.parse::<i64>().ok().map(|ts| SignedIdentity {
                    external_id,
                    name: q.get("name").filter(|s| !s.is_empty()),
                    email: q.get("email").filter(|s| !s.is_empty()),
                    ts,
                    signature,
                })
            }
            _ => None,
        };
        (q.get("page"), identity)
    };
    // Checked by the server against SWITCHBOARD_WIDGET_ORIGINS before it
    // served this page.
    let host = q.get("host").filter(|_| embed);
    let start_over_host = host.clone();
    let visitor = Visitor::new(page.clone());
    provide_context(visitor);

    // Once, in the browser: the visitor and their cookie, then the socket.
    Effect::new(move |_| {
        let request = SessionRequest {
            identity: identity.clone(),
            // Outside the widget, the page is this one.
            page: page
                .clone()
                .or_else(|| Some(browser::origin() + "/support")),
        };
        let host = host.clone();
        leptos::task::spawn_local(async move {
            let kept = match &host {
                Some(h) => embed::token_from_host(h).await,
                None => None,
            };
            let (session, failure) = match http::support_session(&request, kept.as_deref()).await {
                Ok(s) => (Some(s), None),
                // A refused identity stores nothing: the visitor goes on
                // anonymously (and is told why). The session call is also
                // what gives the widget its cookie or token.
                Err(e)
                    if request.identity.is_some() && !matches!(e, http::ApiError::Network(_)) =>
                {
                    let anonymous = SessionRequest {
                        identity: None,
                        ..request.clone()
                    };
                    let s = http::support_session(&anonymous, kept.as_deref()).await;
                    (s.ok(), Some(e))
                }
                // Otherwise the socket loop keeps trying, with the kept token.
                Err(e) => (None, Some(e)),
            };
            match session {
                Some(session) => {
                    if let Some(h) = &host {
                        if kept.as_deref() != Some(session.token.as_str()) {
                            embed::hand_token(h, Some(&session.token));
                        }
                        visitor.token.set_value(Some(session.token.clone()));
                    }
                    visitor.on_session(session)
                }
                None => visitor.token.set_value(kept),
            }
            if let Some(e) = failure {
                let error = error_text(visitor.lang, &e);
                visitor.notice.set(Some(
                    td_string!(visitor.lang.get(), visitor.page.could_not_start, error).to_string(),
                ));
            }
            visitor.connect();
        });
    });
    on_cleanup(move || visitor.connection.disconnect());
    Effect::new(move |_| {
        let online =
            window_event_listener_untyped("online", move |_| visitor.connection.reconnect_now());
        on_cleanup(move || online.remove());
    });

    let has_conversation = Memo::new(move |_| {
        visitor.conversation.with(Option::is_some) || visitor.thread.with(|t| !t.is_empty())
    });
    // `Memo`s, so the parts below are rebuilt only when they come or go.
    let resolved = Memo::new(move |_| visitor.status.get() == ConversationStatus::Resolved);
    let can_start_over =
        Memo::new(move |_| has_conversation.get() && !visitor.me.with(|m| m.verified));
    let has_notice = Memo::new(move |_| visitor.notice.with(Option::is_some));
    let body = move || {
        if !visitor.greeted.get() {
            EitherOf3::A(
                view! { <p class="muted visitor-loading">{tr(i18n, |l| td_string!(l, visitor.page.connecting_team))}</p> },
            )
        } else if has_conversation.get() {
            EitherOf3::B(view! {
                <VisitorThread/>
                <VisitorAway/>
                {move || resolved.get().then(|| view! { <VisitorRating/> })}
                <VisitorComposer/>
            })
        } else {
            EitherOf3::C(view! { <VisitorPrechat/> })
        }
    };

    view! {
        <Title text=tr(i18n, |l| td_string!(l, visitor.page.title))/>
        <div class="visitor-page" class:visitor-embed=embed>
            <header class="visitor-header">
                <h1>{tr(i18n, |l| td_string!(l, visitor.page.heading))}</h1>
                <LinkIndicator/>
                <LanguagePicker/>
            </header>
            {move || can_start_over.get().then(|| view! { <VisitorStartOver host=start_over_host.clone()/> })}
            {move || has_notice.get().then(|| view! {
                <div class="form-error visitor-notice" role="alert">
                    <span>{move || visitor.notice.get()}</span>
                    <button
                        class="link-button"
                        type="button"
                        aria-label=tr(i18n, |l| td_string!(l, visitor.page.dismiss))
                        on:click=move |_| visitor.notice.set(None)
                    >
                        "×"
                    </button>
                </div>
            })}
            <AnnouncementBar announcements=visitor.announcements/>
            <main class="visitor-main">{body}</main>
        </div>
    }
}

/// The connection state, announced on change (the one `status` region here).
#[component]
fn LinkIndicator() -> impl IntoView {
    let visitor = expect_context::<Visitor>();
    let i18n = use_i18n();
    let kind = Memo::new(move |_| match visitor.connection.state.get() {
        LinkState::Connecting => "connecting",
        LinkState::Online => "online",
        LinkState::Reconnecting | LinkState::Waiting { .. } => "reconnecting",
        LinkState::Offline => "offline",
        LinkState::SignedOut => "offline",
    });
    let shown = move || match visitor.connection.state.get() {
        LinkState::Waiting { seconds } => {
            t_string!(i18n, visitor.link.reconnecting_in, seconds).to_string()
        }
        LinkState::Reconnecting => t_string!(i18n, visitor.link.reconnecting).to_string(),
        _ => String::new(),
    };
    let announced = move || match kind.get() {
        "online" => t_string!(i18n, visitor.link.said_connected),
        "connecting" => t_string!(i18n, visitor.link.said_connecting),
        "reconnecting" => t_string!(i18n, visitor.link.said_reconnecting),
        _ => t_string!(i18n, visitor.link.said_offline),
    };
    view! {
        <div class=move || format!("connection connection-{}", kind.get())>
            <span class="dot" aria-hidden="true"></span>
            <span class="visually-hidden" role="status">{announced}</span>
            <span class="small muted" aria-hidden="true">{shown}</span>
        </div>
    }
}
