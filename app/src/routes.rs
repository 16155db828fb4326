//! The app's routes, each page loaded lazily, in five groups.
//!
//! Built with `cargo leptos build --split` (the only way this project builds
//! its browser bundle), each group's code is cut out of the main WASM file
//! into a file of its own, fetched when one of its pages is first shown; code
//! that several groups use goes into shared files, one per set of groups that
//! use it. The main file keeps only what every page needs: the router, the
//! language provider and the not-found page. On a server-rendered load the
//! server lists the current page's files as `<link rel="preload">` in the
//! HTML, so they download beside the main file instead of after it.
//!
//! Why groups and not one file per page: shared code is cut per *set* of
//! lazy parts that use it, so nine lazy pages made about ninety small files,
//! each compressing worse than one larger file. The groups keep what matters
//! apart — the login page downloads none of the others, the console (open
//! all day) not the admin pages — with a handful of files per page.
//!
//! The visitor page (`/support`, also the widget's iframe) is not here: it
//! is a bundle of its own (`frontend/visitor`, [`crate::VisitorApp`]), so it
//! carries neither this router's pages nor the main file's share of them.
//!
//! Trunk's client-only build (`csr`) cannot split, and the visitor bundle
//! (feature `visitor_bundle`) must not: a split function is an export of the
//! module, which would keep every page alive in it. There the same routes
//! call the page functions directly.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use crate::pages::{
    account::AccountPage, admin::AdminPage, announcements::AnnouncementsPage, audit::AuditPage,
    auth::AuthMode, auth::AuthPage, chat::ChatPage, console::ConsolePage, inbox::InboxPage,
    reset::ResetPage, support_admin::SupportAdminPage,
};

/// Pages every signed-in person uses.
#[derive(Clone, Copy, Debug)]
pub enum MemberPage {
    Chat,
    Inbox,
}

/// The admin pages.
#[derive(Clone, Copy, Debug)]
pub enum AdminPages {
    People,
    Announcements,
    Support,
    Audit,
}

/// `/login` and `/register`.
#[cfg_attr(not(any(feature = "csr", feature = "visitor_bundle")), leptos::lazy)]
fn auth_page(mode: AuthMode) -> AnyView {
    view! { <AuthPage mode/> }.into_any()
}

#[cfg_attr(not(any(feature = "csr", feature = "visitor_bundle")), leptos::lazy)]
fn member_page(page: MemberPage) -> AnyView {
    match page {
        MemberPage::Chat => view! { <ChatPage/> }.into_any(),
        MemberPage::Inbox => view! { <InboxPage/> }.into_any(),
    }
}

/// The account's own forms, a group of their own: `/account` (profile,
/// password, sessions) and `/reset` (a reset link's new password). Both are
/// opened now and then; in the chat's group they made every chat load
/// 42 KB gzip heavier, and `/reset` in the login group made the login page
/// 28 KB heavier (measured: docs/performance.md, "First load").
#[derive(Clone, Copy, Debug)]
pub enum AccountPages {
    Account,
    Reset,
}

#[cfg_attr(not(any(feature = "csr", feature = "visitor_bundle")), leptos::lazy)]
fn account_page(page: AccountPages) -> AnyView {
    match page {
        AccountPages::Account => view! { <AccountPage/> }.into_any(),
        AccountPages::Reset => view! { <ResetPage/> }.into_any(),
    }
}

/// `/console`, the agents' console.
#[cfg_attr(not(any(feature = "csr", feature = "visitor_bundle")), leptos::lazy)]
fn console_page() -> AnyView {
    view! { <ConsolePage/> }.into_any()
}

#[cfg_attr(not(any(feature = "csr", feature = "visitor_bundle")), leptos::lazy)]
fn admin_page(page: AdminPages) -> AnyView {
    match page {
        AdminPages::People => view! { <AdminPage/> }.into_any(),
        AdminPages::Announcements => view! { <AnnouncementsPage/> }.into_any(),
        AdminPages::Support => view! { <SupportAdminPage/> }.into_any(),
        AdminPages::Audit => view! { <AuditPage/> }.into_any(),
    }
}

/// A lazy function is async where it is split (and on the server), plain
/// under `csr`.
#[cfg(not(any(feature = "csr", feature = "visitor_bundle")))]
macro_rules! load {
    ($call:expr) => {
        $call.await
    };
}
#[cfg(any(feature = "csr", feature = "visitor_bundle"))]
macro_rules! load {
    ($call:expr) => {
        $call
    };
}

/// Declares `$route`, a route showing what `$call` loads; `$preload` is the
/// loader `#[lazy]` made for the called function. Pages load their data in
/// the browser after hydration, so a route has no data of its own.
macro_rules! page_route {
    ($(#[$doc:meta])* $route:ident => $call:expr, $preload:ident) => {
        $(#[$doc])*
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                load!($call)
            }

            // The router fetches the page's files here, before it builds (or
            // hydrates) the view; `view` then finds them loaded. Without it
            // hydration meets a still-pending view and fails.
            async fn preload() {
                #[cfg(all(target_arch = "wasm32", not(any(feature = "csr", feature = "visitor_bundle"))))]
                $preload().await;
            }
        }
    };
}

page_route!(
    /// `/`: the chat.
    ChatRoute => member_page(MemberPage::Chat), __preload_member_page
);
page_route!(
    /// `/inbox`: the announcements you received.
    InboxRoute => member_page(MemberPage::Inbox), __preload_member_page
);
page_route!(
    /// `/account`: your own account (the password, the sessions).
    AccountRoute => account_page(AccountPages::Account), __preload_account_page
);
page_route!(
    /// `/login`.
    LoginRoute => auth_page(AuthMode::Login), __preload_auth_page
);
page_route!(
    /// `/register`.
    RegisterRoute => auth_page(AuthMode::Register), __preload_auth_page
);
page_route!(
    /// `/reset?token=`: a password reset link.
    ResetRoute => account_page(AccountPages::Reset), __preload_account_page
);
page_route!(
    /// `/console`: the agents' console.
    ConsoleRoute => console_page(), __preload_console_page
);
page_route!(
    /// `/admin`: people and rooms.
    AdminRoute => admin_page(AdminPages::People), __preload_admin_page
);
page_route!(
    /// `/admin/announcements`: the announce form and the schedules.
    AnnouncementsRoute => admin_page(AdminPages::Announcements), __preload_admin_page
);
page_route!(
    /// `/admin/support`: the desk's settings.
    SupportAdminRoute => admin_page(AdminPages::Support), __preload_admin_page
);
page_route!(
    /// `/admin/audit`: the audit log.
    AuditRoute => admin_page(AdminPages::Audit), __preload_admin_page
);

/// Loads the split code of the page at `path` (the browser's
/// `location.pathname`), before the main bundle hydrates synchronously
/// (`frontend`'s `hydrate`). The router's synchronous hydration finds the
/// page's code already loaded; it would panic on a page still loading.
/// Follows the routes of `Pages` (lib.rs) by their first segment; paths no
/// route matches show the not-found page, which is in the main file.
pub async fn preload(path: &str) {
    #[cfg(all(
        target_arch = "wasm32",
        not(any(feature = "csr", feature = "visitor_bundle"))
    ))]
    match page_group(path) {
        Some(PageGroup::Member) => __preload_member_page().await,
        Some(PageGroup::Auth) => __preload_auth_page().await,
        Some(PageGroup::Account) => __preload_account_page().await,
        Some(PageGroup::Console) => __preload_console_page().await,
        Some(PageGroup::Admin) => __preload_admin_page().await,
        None => {}
    }
    #[cfg(not(all(
        target_arch = "wasm32",
        not(any(feature = "csr", feature = "visitor_bundle"))
    )))]
    let _ = path;
}

/// The lazy group whose code the page at `path` needs (see [`preload`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageGroup {
    Member,
    Auth,
    Account,
    Console,
    Admin,
}

pub fn page_group(path: &str) -> Option<PageGroup> {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    Some(match first {
        "" | "inbox" => PageGroup::Member,
        "login" | "register" => PageGroup::Auth,
        "account" | "reset" => PageGroup::Account,
        "console" => PageGroup::Console,
        "admin" => PageGroup::Admin,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_routed_path_preloads_its_group() {
        for (path, group) in [
            ("/", PageGroup::Member),
            ("/inbox", PageGroup::Member),
            ("/login", PageGroup::Auth),
            ("/register", PageGroup::Auth),
            ("/reset", PageGroup::Account),
            ("/account", PageGroup::Account),
            ("/console", PageGroup::Console),
            ("/admin", PageGroup::Admin),
            ("/admin/announcements", PageGroup::Admin),
            ("/admin/support", PageGroup::Admin),
            ("/admin/audit", PageGroup::Admin),
        ] {
            assert_eq!(page_group(path), Some(group), "{path}");
        }
        assert_eq!(page_group("/nowhere"), None);
    }
}
