//! `/account`: the signed-in person's own account. The profile (display
//! name, status line, time zone, picture: `PATCH /api/me/profile`,
//! `PUT /api/me/avatar`). Changing the password
//! (`POST /api/me/password`): the current one is asked for, the new one is
//! checked with the shared rules before it is sent, and every other session
//! of the account ends at once (this one stays). And the sessions: where the
//! account is logged in (`GET /api/me/sessions`), each with a way to end it.

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use crate::client::browser;
use crate::client::http::{self, ApiError};
use crate::client::zones;
use crate::i18n::*;
use crate::language::{error_text, tr, Lang};
use crate::protocol::{
    ErrorCode, Profile, SessionInfo, UpdateProfile, User, DISPLAY_NAME_MAX, STATUS_MAX,
};
use crate::validate::{profile_line, Password};

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let me = RwSignal::new(None::<User>);
    let navigate = use_navigate();
    Effect::new(move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match http::me().await {
                Ok(user) => me.set(Some(user)),
                Err(e) if e.is_unauthorized() => navigate(
                    "/login",
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                ),
                Err(_) => {}
            }
        });
    });
    view! {
        <Title text=tr(i18n, |l| td_string!(l, common.account_page.title))/>
        <main class="admin-page account-page">
            <header class="admin-header">
                <h1>{tr(i18n, |l| td_string!(l, common.account_page.title))}</h1>
                <span class="muted">{move || me.get().map(|u| u.username)}</span>
                <a class="button subtle small" href="/">{tr(i18n, |l| td_string!(l, common.inbox.back))}</a>
            </header>
            <ProfileForm lang/>
            <PasswordCard lang/>
            <SessionsCard lang/>
        </main>
    }
}

#[component]
fn PasswordCard(lang: Lang) -> impl IntoView {
    let i18n = use_i18n();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<Result<String, String>>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang.get();
        let (old, fresh) = (current.get_untracked(), new.get_untracked());
        if let Err(e) = Password::parse(&fresh) {
            status.set(Some(Err(crate::pages::auth::password_problem(l, &e))));
            return;
        }
        if fresh != again.get_untracked() {
            status.set(Some(Err(
                td_string!(l, common.account_page.mismatch).to_string()
            )));
            return;
        }
        busy.set(true);
        status.set(None);
        leptos::task::spawn_local(async move {
            let outcome = match http::change_password(old, fresh).await {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    again.set(String::new());
                    Ok(td_string!(l, common.account_page.changed).to_string())
                }
                Err(ApiError::Server {
                    code: ErrorCode::Forbidden,
                    ..
                }) => Err(td_string!(l, common.account_page.wrong_current).to_string()),
                Err(e) => Err(error_text(lang, &e)),
            };
            status.set(Some(outcome));
            busy.set(false);
        });
    };
    let field = move |id: &'static str,
                      label: fn(Locale) -> &'static str,
                      value: RwSignal<String>,
                      autocomplete: &'static str| {
        let label = tr(i18n, label);
        view! {
            <label class="field" for=id>
                <span>{label}</span>
                <input id=id type="password" required autocomplete=autocomplete
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            </label>
        }
    };
    view! {
        <section class="admin-card card" aria-labelledby="password-heading">
            <h2 id="password-heading">{tr(i18n, |l| td_string!(l, common.account_page.password_heading))}</h2>
            <p class="muted small">{tr(i18n, |l| td_string!(l, common.account_page.password_lead))}</p>
            <form class="stack" on:submit=submit>
                {field("current-password", |l| td_string!(l, common.account_page.current), current, "current-password")}
                {field("new-password", |l| td_string!(l, common.account_page.new), new, "new-password")}
                {field("new-password-again", |l| td_string!(l, common.account_page.again), again, "new-password")}
                <button class="button primary" type="submit" disabled=move || busy.get()>
                    {tr(i18n, |l| td_string!(l, common.account_page.submit))}
                </button>
            </form>
            <OutcomeLine outcome=status/>
        </section>
    }
}

/// "Firefox · Linux", or what is known of it.
fn device(l: Locale, s: &SessionInfo) -> String {
    match (&s.browser, &s.os) {
        (Some(b), Some(o)) => format!("{b} · {o}"),
        (Some(one), None) | (None, Some(one)) => one.clone(),
        (None, None) => td_string!(l, common.account_page.unknown_device).to_string(),
    }
}

/// Where this account is logged in, newest first; any session but this one
/// can be ended, or all of them at once.
#[component]
fn SessionsCard(lang: Lang) -> impl IntoView {
    let i18n = use_i18n();
    let sessions = RwSignal::new(None::<Result<Vec<SessionInfo>, String>>);
    let reload = RwSignal::new(0u32);
    let status = RwSignal::new(None::<Result<String, String>>);
    Effect::new(move |_| {
        reload.track();
        leptos::task::spawn_local(async move {
            let answer = http::sessions().await.map_err(|e| error_text(lang, &e));
            sessions.set(Some(answer));
        });
    });
    // `None` ends every session but this one.
    let end = move |id: Option<String>| {
        status.set(None);
        leptos::task::spawn_local(async move {
            let done = match &id {
                Some(id) => http::end_session(id).await,
                None => http::end_other_sessions().await,
            };
            let l = lang.get();
            status.set(Some(match done {
                Ok(()) => Ok(td_string!(l, common.account_page.ended).to_string()),
                Err(e) => Err(error_text(lang, &e)),
            }));
            reload.update(|n| *n += 1);
        });
    };
    let row = move |s: SessionInfo| {
        let l = i18n.get_locale_untracked();
        let label = device(l, &s);
        let seen = format!(
            "{} {}",
            browser::local_day(s.last_seen_at),
            browser::local_time(s.last_seen_at)
        );
        let seen = td_string!(l, common.account_page.last_active, when = seen).to_string();
        let place = s.ip.clone().unwrap_or_default();
        let end_label =
            td_string!(l, common.account_page.end_one, device = label.clone()).to_string();
        let action = if s.current {
            Either::Left(view! {
                <span class="status-badge status-active">{tr(i18n, |l| td_string!(l, common.account_page.this_device))}</span>
            })
        } else {
            let id = s.id.clone();
            Either::Right(view! {
                <button type="button" class="button small subtle danger-text" aria-label=end_label
                    on:click=move |_| end(Some(id.clone()))>
                    {tr(i18n, |l| td_string!(l, common.account_page.end))}
                </button>
            })
        };
        view! {
            <li class="session-row" class:current=s.current data-session=s.id.clone()>
                <div class="session-what">
                    <strong>{label}</strong>
                    <span class="muted small">{place}" · "{seen}</span>
                </div>
                {action}
            </li>
        }
    };
    view! {
        <section class="admin-card card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">{tr(i18n, |l| td_string!(l, common.account_page.sessions_heading))}</h2>
            <p class="muted small">{tr(i18n, |l| td_string!(l, common.account_page.sessions_lead))}</p>
            {move || match sessions.get() {
                None => EitherOf3::A(view! {
                    <p class="muted">{tr(i18n, |l| td_string!(l, common.account_page.sessions_loading))}</p>
                }),
                Some(Err(m)) => EitherOf3::B(view! { <p class="form-error" role="alert">{m}</p> }),
                Some(Ok(list)) => {
                    let others = list.iter().any(|s| !s.current);
                    EitherOf3::C(view! {
                        <ul class="session-list">{list.into_iter().map(row).collect_view()}</ul>
                        {others.then(|| view! {
                            <button type="button" class="button small" on:click=move |_| end(None)>
                                {tr(i18n, |l| td_string!(l, common.account_page.end_others))}
                            </button>
                        })}
                    })
                }
            }}
            <OutcomeLine outcome=status/>
        </section>
    }
}

/// A card's status line, read aloud when it changes: done, or what went
/// wrong.
#[component]
fn OutcomeLine(outcome: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    view! {
        <p class="small" aria-live="polite">
            {move || outcome.get().map(|s| match s {
                Ok(m) => Either::Left(view! { <span class="ok">{m}</span> }),
                Err(m) => Either::Right(view! { <span class="field-error">{m}</span> }),
            })}
        </p>
    }
}

/// How others see you: display name, status line, time zone and picture.
#[component]
fn ProfileForm(lang: Lang) -> impl IntoView {
    let i18n = use_i18n();
    let profile = RwSignal::new(None::<Profile>);
    let display = RwSignal::new(String::new());
    let status_line = RwSignal::new(String::new());
    let zone = RwSignal::new(String::new());
    let receipts = RwSignal::new(true);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let loaded = move |p: Profile| {
        display.set(p.display_name.clone().unwrap_or_default());
        status_line.set(p.status.clone().unwrap_or_default());
        zone.set(p.time_zone.clone().unwrap_or_default());
        receipts.set(p.receipts);
        profile.set(Some(p));
    };
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            match http::my_profile().await {
                Ok(p) => loaded(p),
                Err(e) => outcome.set(Some(Err(error_text(lang, &e)))),
            }
        });
    });
    // The browser's zones, read after hydration (the server knows only UTC,
    // and the hydrated page must match what it rendered); the saved zone is
    // offered even if this browser lacks it.
    let browser_zones = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| browser_zones.set(zones::all_zones()));
    let zone_list = Memo::new(move |_| {
        let mut all = browser_zones.get();
        let saved = zone.get();
        if !saved.is_empty() && !all.contains(&saved) {
            all.insert(0, saved);
        }
        all
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang.get();
        let checked = profile_line("display_name", &display.get_untracked(), DISPLAY_NAME_MAX).and(
            profile_line("status", &status_line.get_untracked(), STATUS_MAX),
        );
        if let Err(e) = checked {
            let field = match e.field {
                "status" => td_string!(l, common.account_page.status),
                _ => td_string!(l, common.account_page.display_name),
            };
            outcome.set(Some(Err(format!("{field}: {}", e.problem))));
            return;
        }
        let change = UpdateProfile {
            display_name: Some(display.get_untracked()),
            status: Some(status_line.get_untracked()),
            time_zone: Some(zone.get_untracked()),
            receipts: Some(receipts.get_untracked()),
        };
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            match http::update_profile(&change).await {
                Ok(p) => {
                    loaded(p);
                    outcome.set(Some(Ok(
                        td_string!(l, common.account_page.profile_saved).to_string()
                    )));
                }
                Err(e) => outcome.set(Some(Err(error_text(lang, &e)))),
            }
            busy.set(false);
        });
    };
    let picture_done = move |answer: Result<Profile, ApiError>,
                             done: fn(Locale) -> &'static str| {
        match answer {
            Ok(p) => {
                loaded(p);
                outcome.set(Some(Ok(done(lang.get()).to_string())));
            }
            Err(e) => outcome.set(Some(Err(error_text(lang, &e)))),
        }
        busy.set(false);
    };
    let choose = move |ev: leptos::ev::Event| {
        #[cfg(target_arch = "wasm32")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            busy.set(true);
            outcome.set(None);
            leptos::task::spawn_local(async move {
                let answer = http::upload_avatar(file).await;
                picture_done(answer, |l| td_string!(l, common.account_page.picture_saved));
            });
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = (ev, picture_done);
    };
    let remove = move |_| {
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let answer = http::remove_avatar().await;
            picture_done(answer, |l| {
                td_string!(l, common.account_page.picture_removed)
            });
        });
    };
    let picture = move || profile.with(|p| p.as_ref().and_then(|p| p.avatar.clone()));
    let initial = move || {
        profile.with(|p| {
            p.as_ref()
                .and_then(|p| p.shown_name().chars().next())
                .map(|c| c.to_uppercase().to_string())
                .unwrap_or_default()
        })
    };
    view! {
        <section class="admin-card card" aria-labelledby="profile-heading">
            <h2 id="profile-heading">{tr(i18n, |l| td_string!(l, common.account_page.profile_heading))}</h2>
            <p class="muted small">{move || {
                let name = profile.with(|p| p.as_ref().map(|p| p.username.clone())).unwrap_or_default();
                t_string!(i18n, common.account_page.profile_lead, name).to_string()
            }}</p>
            <div class="profile-picture">
                {move || match picture() {
                    Some(url) => Either::Left(view! { <img class="avatar picture large" src=url alt=""/> }),
                    None => Either::Right(view! { <span class="avatar large" aria-hidden="true">{initial}</span> }),
                }}
                <div class="stack">
                    <label class="button small" for="avatar-file">
                        {tr(i18n, |l| td_string!(l, common.account_page.choose_picture))}
                    </label>
                    <input id="avatar-file" class="visually-hidden" type="file"
                        accept="image/png,image/jpeg,image/gif,image/webp"
                        disabled=move || busy.get() on:change=choose/>
                    {move || picture().is_some().then(|| view! {
                        <button type="button" class="button small subtle" disabled=move || busy.get()
                            on:click=remove>{tr(i18n, |l| td_string!(l, common.account_page.remove_picture))}</button>
                    })}
                    <span class="muted small">{tr(i18n, |l| td_string!(l, common.account_page.picture_hint))}</span>
                </div>
            </div>
            <form class="stack" on:submit=save>
                <label class="field" for="display-name">
                    <span>{tr(i18n, |l| td_string!(l, common.account_page.display_name))}</span>
                    <input id="display-name" type="text" maxlength=DISPLAY_NAME_MAX.to_string()
                        prop:value=move || display.get()
                        on:input=move |ev| display.set(event_target_value(&ev))/>
                </label>
                <label class="field" for="status-line">
                    <span>{tr(i18n, |l| td_string!(l, common.account_page.status))}</span>
                    <input id="status-line" type="text" maxlength=STATUS_MAX.to_string()
                        placeholder=tr(i18n, |l| td_string!(l, common.account_page.status_placeholder))
                        prop:value=move || status_line.get()
                        on:input=move |ev| status_line.set(event_target_value(&ev))/>
                </label>
                <label class="field" for="time-zone">
                    <span>{tr(i18n, |l| td_string!(l, common.account_page.time_zone))}</span>
                    <select id="time-zone" prop:value=move || zone.get()
                        on:change=move |ev| zone.set(event_target_value(&ev))>
                        <option value="">{tr(i18n, |l| td_string!(l, common.account_page.zone_unset))}</option>
                        {move || zone_list.get().into_iter().map(|z| {
                            let selected = zone.get_untracked() == z;
                            view! { <option value=z.clone() selected=selected>{z.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="choice" for="send-receipts">
                    <input id="send-receipts" type="checkbox" prop:checked=move || receipts.get()
                        on:change=move |ev| receipts.set(event_target_checked(&ev))/>
                    <span>{tr(i18n, |l| td_string!(l, common.account_page.receipts))}</span>
                </label>
                <button class="button primary" type="submit" disabled=move || busy.get()>
                    {tr(i18n, |l| td_string!(l, common.account_page.save_profile))}
                </button>
            </form>
            <OutcomeLine outcome/>
        </section>
    }
}
