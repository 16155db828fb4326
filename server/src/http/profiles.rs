//! Profiles over HTTP: your own (`/api/me/profile`, `/api/me/avatar`),
//! anyone's by login name (`/api/profiles?users=`), and avatar images
//! (`/api/avatars/{id}`). The rules are [`crate::profiles`]'.

use crate::{
    auth::AuthUser,
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    profiles,
    state::AppState,
};
use app::{
    protocol::{Profile, UpdateProfile, UserId, PROFILES_PER_ASK},
    validate::Invalid,
};
use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

/// `GET /api/me/profile`.
pub async fn mine(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Profile>, ApiError> {
    let profile = state
        .store
        .profile(auth.user.id)
        .await?
        .ok_or(ApiError::NotFound("no such user"))?;
    Ok(Json(profile))
}

/// `PATCH /api/me/profile {display_name?, status?, time_zone?}`.
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<UpdateProfile>,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(profiles::update(&state, &auth.user, &body).await?))
}

/// `PUT /api/me/avatar` with the picture as the body (any `Content-Type`:
/// the content decides).
pub async fn set_avatar(
    State(state): State<AppState>,
    auth: AuthUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Profile>, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge("the picture is too large (5 MB at most)".into())
        } else {
            ApiError::from(Invalid {
                field: "avatar",
                problem: format!("could not be read: {e}"),
            })
        }
    })?;
    if body.is_empty() {
        return Err(Invalid {
            field: "avatar",
            problem: "send the picture as the request body".into(),
        }
        .into());
    }
    Ok(Json(
        profiles::set_avatar(&state, &auth.user, Some(body)).await?,
    ))
}

/// `DELETE /api/me/avatar`: back to initials.
pub async fn remove_avatar(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(profiles::set_avatar(&state, &auth.user, None).await?))
}

#[derive(serde::Deserialize)]
pub struct AvatarQuery {
    v: Option<i64>,
}

/// `GET /api/avatars/{id}?v=`: the picture, to anyone (like a name, an
/// avatar is shown wherever its person is). With `v` (the URL a profile
/// gives) it may be cached for good: a new picture gets a new `v`.
pub async fn avatar(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AvatarQuery>,
) -> Result<Response, ApiError> {
    let image = state
        .store
        .avatar(UserId(id))
        .await?
        .ok_or(ApiError::NotFound("no such avatar"))?;
    let cache = if q.v.is_some() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        image,
    )
        .into_response())
}

#[derive(serde::Deserialize)]
pub struct ProfilesQuery {
    #[serde(default)]
    users: String,
}

/// `GET /api/profiles?users=ann,bob`: the profiles of these login names (at
/// most [`PROFILES_PER_ASK`]), for anyone logged in; unknown names are left
/// out.
pub async fn lookup(
    State(state): State<AppState>,
    _auth: AuthUser,
    ApiQuery(q): ApiQuery<ProfilesQuery>,
) -> Result<Json<Vec<Profile>>, ApiError> {
    let mut names: Vec<String> = q
        .users
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    names.sort_unstable_by_key(|n| n.to_lowercase());
    names.dedup_by_key(|n| n.to_lowercase());
    if names.len() > PROFILES_PER_ASK {
        return Err(Invalid {
            field: "users",
            problem: format!("at most {PROFILES_PER_ASK} names at a time"),
        }
        .into());
    }
    Ok(Json(state.store.profiles_by_name(&names).await?))
}
