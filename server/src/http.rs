//! The JSON HTTP API under `/api`. Every handler authorises itself through its
//! extractors ([`AuthUser`](crate::auth::AuthUser), [`AdminUser`](crate::auth::AdminUser)).

mod auth;
mod keys;
mod push;
mod rooms;
mod schedules;
mod users;

use crate::{error::ApiError, state::AppState};
use axum::{
    routing::{delete, get, patch, post},
    Router,
};

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/rooms", get(rooms::list).post(rooms::create))
        .route("/rooms/{room}/messages", get(rooms::messages))
        .route("/users", get(users::list))
        .route("/users/{id}", patch(users::set_role))
        .route("/push", post(push::push))
        .route("/push/{id}", get(push::stats))
        .route("/announcements", get(push::inbox))
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
        .fallback(|| async { ApiError::NotFound("no such API endpoint") })
}
