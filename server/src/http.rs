//! The JSON HTTP API under `/api`. Every handler authorises itself through its
//! extractors ([`AuthUser`](crate::auth::AuthUser), [`AdminUser`](crate::auth::AdminUser)).

mod auth;
mod rooms;
mod users;

use crate::{error::ApiError, state::AppState};
use axum::{
    routing::{get, patch, post},
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
        .fallback(|| async { ApiError::NotFound("no such API endpoint") })
}
