//! Shows its children to admins only. It asks the server who is logged in
//! (sending visitors who are not to the login page) and provides that account
//! as [`Me`] to the children. The server checks the role again on every call;
//! this only spares members a page of errors.

use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use crate::client::http;
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{Role, User};

/// The logged-in admin, provided to the gate's children.
#[derive(Clone, Copy)]
pub struct Me(pub RwSignal<Option<User>>);

#[derive(Clone, Debug, PartialEq)]
enum Gate {
    Checking,
    NotAdmin,
    Failed(String),
    Admin,
}

#[component]
pub fn AdminGate(children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let navigate = use_navigate();
    let gate = RwSignal::new(Gate::Checking);
    let me = RwSignal::new(None::<User>);
    provide_context(Me(me));

    Effect::new(move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match http::me().await {
                Ok(user) => {
                    let admin = user.role == Role::Admin;
                    me.set(Some(user));
                    gate.set(if admin { Gate::Admin } else { Gate::NotAdmin });
                }
                Err(e) if e.is_unauthorized() => navigate(
                    "/login",
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                ),
                Err(e) => gate.set(Gate::Failed(error_text(lang, &e))),
            }
        });
    });

    move || {
        match gate.get() {
        Gate::Checking => {
            view! { <p class="muted admin-card">{tr(i18n, |l| td_string!(l, admin.gate.loading))}</p> }.into_any()
        }
        Gate::NotAdmin => view! {
            <div class="admin-card">
                <p class="form-error" role="alert">{tr(i18n, |l| td_string!(l, admin.gate.not_admin))}</p>
                <a class="button primary" href="/">{tr(i18n, |l| td_string!(l, common.not_found.home))}</a>
            </div>
        }
        .into_any(),
        Gate::Failed(message) => view! {
            <p class="form-error admin-card" role="alert">{message}</p>
        }
        .into_any(),
        Gate::Admin => children().into_any(),
    }
    }
}
