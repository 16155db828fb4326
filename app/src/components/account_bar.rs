//! Who you are, links to your announcements, the support console (agents,
//! admins) and the admin page (admins), and the logout button.

use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use super::{avatar::Avatar, language_picker::LanguagePicker, use_chat};
use crate::client::http;
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::Role;

#[component]
pub fn AccountBar() -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let lang = Lang::here();
    let navigate = use_navigate();
    let busy = RwSignal::new(false);
    let logout = move |_| {
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match http::logout().await {
                Ok(()) => {
                    chat.connection.disconnect();
                    navigate(
                        "/login",
                        NavigateOptions {
                            replace: true,
                            ..Default::default()
                        },
                    );
                }
                Err(e) => {
                    let error = error_text(lang, &e);
                    chat.notice.set(Some(
                        t_string!(i18n, common.account.could_not_log_out, error).to_string(),
                    ));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <div class="account-bar">
            {move || chat.me.get().map(|user| {
                let is_admin = user.role == Role::Admin;
                let is_agent = user.role >= Role::Agent;
                view! {
                    <Avatar name=user.username.clone()/>
                    <div class="account-who">
                        <span class="account-name">{user.username.clone()}</span>
                        <span class="account-role">{move || match user.role {
                            Role::Member => t_string!(i18n, common.roles.member),
                            Role::Agent => t_string!(i18n, common.roles.agent),
                            Role::Admin => t_string!(i18n, common.roles.admin),
                        }}</span>
                    </div>
                    <a class="button subtle small" href="/inbox">{tr(i18n, |l| td_string!(l, common.account.inbox))}</a>
                    <a class="button subtle small" href="/account">{tr(i18n, |l| td_string!(l, common.account.account))}</a>
                    {is_agent.then(|| view! { <a class="button subtle small" href="/console">{tr(i18n, |l| td_string!(l, common.account.console))}</a> })}
                    {is_admin.then(|| view! { <a class="button subtle small" href="/admin">{tr(i18n, |l| td_string!(l, common.account.admin))}</a> })}
                }
            })}
            <LanguagePicker/>
            <button class="button subtle small account-logout" type="button" on:click=logout disabled=move || busy.get()>
                {tr(i18n, |l| td_string!(l, common.account.log_out))}
            </button>
        </div>
    }
    .into_any()
}
