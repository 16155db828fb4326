//! The JSON HTTP API under `/api`. Every handler authorises itself through its
//! extractors ([`AuthUser`](crate::auth::AuthUser), [`AdminUser`](crate::auth::AdminUser)).

mod auth;
mod files;
pub mod headers;
pub mod health;
mod invites;
mod keys;
pub mod origin_guard;
mod password_resets;
mod profiles;
mod push;
mod registration;
mod rooms;
mod schedules;
mod search;
mod sessions;
mod support;
pub mod throttle;
mod users;
pub mod visitor;

use crate::{error::ApiError, state::AppState};
use app::protocol::AVATAR_UPLOAD_MAX;
use axum::{
    extract::DefaultBodyLimit,
    routing::{delete, get, patch, post, put},
    Router,
};

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/policy", get(registration::policy))
        .route("/invites", get(invites::list).post(invites::create))
        .route("/invites/{id}", delete(invites::revoke))
        .route("/me", get(auth::me))
        .route("/me/password", post(auth::change_password))
        .route(
            "/me/sessions",
            get(sessions::list).delete(sessions::end_others),
        )
        .route("/me/sessions/{id}", delete(sessions::end))
        .route("/me/profile", get(profiles::mine).patch(profiles::update))
        .route(
            "/me/avatar",
            put(profiles::set_avatar)
                .delete(profiles::remove_avatar)
                // The picture is the body: a larger limit than JSON's, here only.
                .layer(DefaultBodyLimit::max(AVATAR_UPLOAD_MAX)),
        )
        .route("/profiles", get(profiles::lookup))
        .route("/search", get(search::search))
        .route("/avatars/{id}", get(profiles::avatar))
        .route(
            "/files",
            // The upload counts its own bytes against SWITCHBOARD_FILE_MAX_MB
            // as they stream in (`files::upload`), so no body is buffered.
            post(files::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/files/{id}", get(files::download))
        .route("/files/{id}/thumbnail", get(files::thumbnail))
        .route(
            "/password-resets/{token}",
            get(password_resets::show).post(password_resets::use_link),
        )
        .route("/rooms", get(rooms::list).post(rooms::create))
        .route("/rooms/{room}", patch(rooms::update))
        .route("/rooms/{room}/messages", get(rooms::messages))
        .route("/rooms/{room}/threads/{id}", get(rooms::thread))
        .route("/rooms/{room}/pins", get(rooms::pins))
        .route("/rooms/{room}/mutes", post(rooms::mute))
        .route("/rooms/{room}/mutes/{user}", delete(rooms::unmute))
        .route("/rooms/{room}/bans", get(rooms::bans).post(rooms::ban))
        .route("/rooms/{room}/bans/{user}", delete(rooms::unban))
        .route(
            "/rooms/{room}/members",
            get(rooms::members).post(rooms::add_member),
        )
        .route(
            "/rooms/{room}/members/{user}",
            patch(rooms::set_role).delete(rooms::remove_member),
        )
        .route("/dms", post(rooms::open_dm))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", patch(users::update))
        .route("/users/{id}/password-reset", post(password_resets::create))
        .route("/people", get(users::people))
        .route("/audit", get(users::audit_log))
        .route("/push", post(push::push))
        .route("/push/{id}", get(push::stats))
        .route("/announcements", get(push::inbox))
        .route("/announcements/seen", post(push::seen_batch))
        .route("/announcements/{id}/seen", post(push::seen))
        .route("/announcements/{id}/dismiss", post(push::dismiss))
        .route("/keys", get(keys::list).post(keys::create))
        .route("/keys/{id}", delete(keys::revoke))
        .route("/schedules", get(schedules::list).post(schedules::create))
        .route("/schedules/preview", post(schedules::preview))
        .route(
            "/schedules/{id}",
            get(schedules::get)
                .patch(schedules::patch)
                .delete(schedules::cancel),
        )
        .route("/schedules/{id}/send-now", post(schedules::send_now))
        .route("/support/session", post(visitor::session))
        .route("/support/forget", post(visitor::forget))
        .route("/support/conversations", get(support::list))
        .route("/support/conversations/{id}", get(support::detail))
        .route(
            "/support/conversations/{id}/transcript",
            get(support::transcript),
        )
        .route(
            "/support/canned",
            get(support::canned).post(support::create_canned),
        )
        .route(
            "/support/canned/{id}",
            put(support::update_canned).delete(support::delete_canned),
        )
        .route("/support/agents", get(support::agents))
        .route("/support/agents/{id}", patch(support::set_agent))
        .route(
            "/support/hours",
            get(support::hours).put(support::set_hours),
        )
        .fallback(|| async { ApiError::NotFound("no such API endpoint") })
}
