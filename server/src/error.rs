//! The one error type of the HTTP API and how each case becomes a status and a
//! `{"error": {"code", "message"}}` body. The WebSocket uses the same codes in
//! its `error` frame, from the same [`Refusal`]s (`ws::refusal`).

use app::{
    protocol::{ErrorBody, ErrorCode, ErrorDetail},
    validate::Invalid,
};
use axum::{
    extract::rejection::{JsonRejection, PathRejection, QueryRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use thiserror::Error;

use crate::{refusal::Refusal, store::StoreError};

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        ApiError::Action(r)
    }
}

#[derive(Debug, Error)]
pub enum ApiError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// A signed visitor identity did not verify (see `support::identity`).
    #[error(transparent)]
    BadSignature(#[from] crate::support::identity::IdentityError),
    /// Too many requests from this client; try again after the wait.
    #[error("too many requests; retry in {} s", .0.secs())]
    RateLimited(crate::limits::RetryAfter),
    /// The server is at capacity for this kind of work; try again shortly.
    #[error("{0}")]
    Busy(&'static str, crate::limits::RetryAfter),
    /// Refused by a rule with its own code (registration: `registration_closed`,
    /// `invite_required`, `invite_invalid`, `setup_required`); a 403.
    #[error("{message}")]
    Refused {
        code: ErrorCode,
        message: &'static str,
    },
    /// A feature action refused (the same refusal a WebSocket frame gets as
    /// an `error` frame); the status follows its code.
    #[error("{}", .0.message)]
    Action(crate::refusal::Refusal),
    /// A request body over the size limit (axum's `DefaultBodyLimit`).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Unexpected: logged in full, answered with a bare 500.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Invalid(_) => ErrorCode::Invalid,
            ApiError::BadRequest(_) => ErrorCode::BadFrame,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::BadSignature(_) => ErrorCode::BadSignature,
            ApiError::RateLimited(_) => ErrorCode::RateLimited,
            ApiError::Busy(..) => ErrorCode::Unavailable,
            ApiError::Refused { code, .. } => *code,
            ApiError::Action(r) => r.code,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::BadSignature(_) => StatusCode::UNAUTHORIZED,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy(..) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Refused { .. } => StatusCode::FORBIDDEN,
            ApiError::Action(r) => match r.code {
                ErrorCode::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
                ErrorCode::NotFound => StatusCode::NOT_FOUND,
                ErrorCode::Conflict | ErrorCode::NotJoined => StatusCode::CONFLICT,
                ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::PayloadTooLarge | ErrorCode::FrameTooLarge => {
                    StatusCode::PAYLOAD_TOO_LARGE
                }
                ErrorCode::BadFrame | ErrorCode::UnknownType => StatusCode::BAD_REQUEST,
                ErrorCode::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                _ => StatusCode::FORBIDDEN,
            },
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => ApiError::Conflict(what),
            StoreError::Database(e) => ApiError::Internal(e.into()),
            StoreError::Migrate(e) => ApiError::Internal(e.into()),
            StoreError::Config(what) => ApiError::Internal(anyhow::anyhow!(what)),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        // A body over the limit is refused while it is read, which axum
        // reports as a failure to buffer it; it is not a malformed body.
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::PayloadTooLarge("the request body is too large".into());
        }
        ApiError::BadRequest(format!("request body: {}", r.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::BadRequest(format!("path: {}", r.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest(format!("query: {}", r.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = ?e, "request failed");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                field: match &self {
                    ApiError::Invalid(invalid) => Some(invalid.field.to_owned()),
                    ApiError::Action(r) => r.field.map(str::to_owned),
                    _ => None,
                },
            },
        };
        let retry_after = match &self {
            ApiError::RateLimited(wait) | ApiError::Busy(_, wait) => Some(wait.secs()),
            ApiError::Action(r) => r.retry_after_ms.map(|ms| ms.div_ceil(1000).max(1)),
            _ => None,
        };
        let mut resp = (self.status(), Json(body)).into_response();
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        resp
    }
}

/// `Json` whose rejections are [`ApiError`]s, so a malformed body gets our error shape.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `Path` with our error shape.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Query` with our error shape.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);
