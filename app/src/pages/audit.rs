//! `/admin/audit`: the audit log, newest first, a page at a time — who did
//! what to accounts, rooms, invites, API keys and schedules, when and from
//! which address. Only admins get it; the server checks again
//! (`GET /api/audit`).

use leptos::prelude::*;

use crate::client::{browser, http};
use crate::components::{admin_gate::AdminGate, admin_header::AdminHeader};
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{AuditAction, AuditEntry};

/// Entries per page asked of the server.
const PAGE: usize = 100;

/// What an action is called in the UI's language.
fn action_name(l: Locale, a: AuditAction) -> String {
    use AuditAction as A;
    match a {
        A::SignedUp => td_string!(l, admin.audit.actions.signed_up),
        A::LoginFailed => td_string!(l, admin.audit.actions.login_failed),
        A::AccountCreated => td_string!(l, admin.audit.actions.account_created),
        A::RoleChanged => td_string!(l, admin.audit.actions.role_changed),
        A::Deactivated => td_string!(l, admin.audit.actions.deactivated),
        A::Reactivated => td_string!(l, admin.audit.actions.reactivated),
        A::InviteCreated => td_string!(l, admin.audit.actions.invite_created),
        A::InviteRevoked => td_string!(l, admin.audit.actions.invite_revoked),
        A::RoomCreated => td_string!(l, admin.audit.actions.room_created),
        A::MemberAdded => td_string!(l, admin.audit.actions.member_added),
        A::MemberRemoved => td_string!(l, admin.audit.actions.member_removed),
        A::MemberRoleChanged => td_string!(l, admin.audit.actions.member_role_changed),
        A::MessageDeletedByModerator => td_string!(l, admin.audit.actions.message_deleted),
        A::ApiKeyCreated => td_string!(l, admin.audit.actions.api_key_created),
        A::ApiKeyRevoked => td_string!(l, admin.audit.actions.api_key_revoked),
        A::ScheduleCreated => td_string!(l, admin.audit.actions.schedule_created),
        A::ScheduleEdited => td_string!(l, admin.audit.actions.schedule_edited),
        A::ScheduleCancelled => td_string!(l, admin.audit.actions.schedule_cancelled),
        A::PasswordChanged => td_string!(l, admin.audit.actions.password_changed),
        A::PasswordChangeFailed => td_string!(l, admin.audit.actions.password_change_failed),
        A::RoomRenamed => td_string!(l, admin.audit.actions.room_renamed),
        A::RoomTopicChanged => td_string!(l, admin.audit.actions.room_topic_changed),
        A::RoomArchived => td_string!(l, admin.audit.actions.room_archived),
        A::RoomUnarchived => td_string!(l, admin.audit.actions.room_unarchived),
        A::MemberMuted => td_string!(l, admin.audit.actions.member_muted),
        A::MemberUnmuted => td_string!(l, admin.audit.actions.member_unmuted),
        A::MemberBanned => td_string!(l, admin.audit.actions.member_banned),
        A::MemberUnbanned => td_string!(l, admin.audit.actions.member_unbanned),
        A::PasswordResetCreated => td_string!(l, admin.audit.actions.password_reset_created),
        A::PasswordReset => td_string!(l, admin.audit.actions.password_reset),
        A::SessionEnded => td_string!(l, admin.audit.actions.session_ended),
        A::Other => td_string!(l, admin.audit.actions.other),
    }
    .to_string()
}

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <main class="admin-page">
            <AdminGate>
                <AdminHeader current="/admin/audit"/>
                <AuditCard/>
            </AdminGate>
        </main>
    }
    .into_any()
}

#[component]
fn AuditCard() -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let more = RwSignal::new(false);
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let load = move |before: Option<i64>| {
        loading.set(true);
        leptos::task::spawn_local(async move {
            match http::audit(before, PAGE).await {
                Ok(page) => {
                    more.set(page.len() == PAGE);
                    entries.update(|e| e.extend(page));
                    error.set(None);
                }
                Err(e) => error.set(Some(error_text(lang, &e))),
            }
            loading.set(false);
        });
    };
    Effect::new(move |_| load(None));
    let older = move |_| {
        if let Some(last) = entries.with_untracked(|e| e.last().map(|x| x.id)) {
            load(Some(last));
        }
    };
    view! {
        <section class="card admin-card" aria-labelledby="audit-title">
            <h1 id="audit-title">{tr(i18n, |l| td_string!(l, admin.audit.title))}</h1>
            <p class="muted">{tr(i18n, |l| td_string!(l, admin.audit.lead))}</p>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <table class="user-table audit-table">
                <thead>
                    <tr>
                        <th scope="col">{tr(i18n, |l| td_string!(l, admin.audit.when))}</th>
                        <th scope="col">{tr(i18n, |l| td_string!(l, admin.audit.who))}</th>
                        <th scope="col">{tr(i18n, |l| td_string!(l, admin.audit.what))}</th>
                        <th scope="col">{tr(i18n, |l| td_string!(l, admin.audit.target))}</th>
                        <th scope="col">{tr(i18n, |l| td_string!(l, admin.audit.from))}</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || entries.get()
                        key=|e| e.id
                        children=move |e| {
                            let when = format!("{} {}", browser::local_day(e.at), browser::local_time(e.at));
                            let action = e.action;
                            view! {
                                <tr class="audit-row">
                                    <td class="small">{when}</td>
                                    <td>{e.actor.clone().unwrap_or_else(|| "—".to_owned())}</td>
                                    <td>
                                        <div>{move || action_name(i18n.get_locale(), action)}</div>
                                        {e.detail.clone().map(|d| view! { <div class="muted small">{d}</div> })}
                                    </td>
                                    <td>{e.target.clone().unwrap_or_default()}</td>
                                    <td class="small">{e.ip.clone().unwrap_or_default()}</td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
            {move || (!loading.get() && entries.with(Vec::is_empty)).then(|| view! {
                <p class="muted">{tr(i18n, |l| td_string!(l, admin.audit.empty))}</p>
            })}
            {move || more.get().then(|| view! {
                <button type="button" class="button small" disabled=move || loading.get() on:click=older>
                    {tr(i18n, |l| td_string!(l, admin.audit.older))}
                </button>
            })}
        </section>
    }
    .into_any()
}
