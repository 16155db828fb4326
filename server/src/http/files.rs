//! Attachments over HTTP: `POST /api/files` (multipart, field `file`) and
//! `GET /api/files/{id}` / `…/thumbnail`. Who may upload and read is
//! [`crate::files`]'; this reads the request and writes the answer's
//! headers, which are what keeps a file from running in our origin:
//! - only PNG, JPEG, GIF and WebP are served inline; everything else —
//!   HTML and SVG above all — as `Content-Disposition: attachment`;
//! - `nosniff` (from the security-header layer) and a `sandbox` policy, so
//!   even a file opened directly gets no script and no origin.

use crate::{
    auth::{extract::token_from, token, visitor::visitor_key},
    error::ApiError,
    files::{self, BodyError, Caller},
    state::AppState,
};
use app::protocol::{is_inline_image, FileInfo};
use axum::{
    body::Body,
    extract::{multipart::MultipartError, FromRequestParts, Multipart, Path, State},
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use futures_util::TryStreamExt;

/// Whoever presents a session (cookie or bearer token) or, failing that, a
/// visitor cookie or token.
pub struct FileCaller(pub Caller);

impl FromRequestParts<AppState> for FileCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(t) = token_from(parts) {
            if let Some(user) = state.store.session_user(&token::digest(&t)).await? {
                return Ok(FileCaller(Caller::User(user)));
            }
        }
        let Some(key) = visitor_key(&parts.headers, state.desk.signer()) else {
            return Err(ApiError::Unauthorized(
                "log in, or open the support page, first",
            ));
        };
        let visitor = state.store.visitor_by_key(&key).await?.map(|v| v.id);
        Ok(FileCaller(Caller::Visitor { key, visitor }))
    }
}

fn body_error(e: MultipartError) -> BodyError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        BodyError::TooLarge
    } else {
        BodyError::Broken(e.body_text())
    }
}

/// `POST /api/files`: one file in the multipart field `file` → 201 with
/// what it is. Other fields are ignored.
pub async fn upload(
    State(state): State<AppState>,
    FileCaller(caller): FileCaller,
    mut form: Multipart,
) -> Result<(StatusCode, Json<FileInfo>), ApiError> {
    let missing = || {
        ApiError::from(app::validate::Invalid {
            field: "file",
            problem: "send the file as the multipart field \"file\"".into(),
        })
    };
    loop {
        let field = form
            .next_field()
            .await
            .map_err(|e| match body_error(e) {
                BodyError::TooLarge => ApiError::PayloadTooLarge(format!(
                    "a file may be at most {} MB",
                    state.files.max_bytes() >> 20
                )),
                BodyError::Broken(why) => ApiError::from(app::validate::Invalid {
                    field: "file",
                    problem: format!("could not be read: {why}"),
                }),
            })?
            .ok_or_else(missing)?;
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("file").to_owned();
        let body = field.map_err(body_error);
        let info = files::upload(&state, &caller, &name, body).await?;
        return Ok((StatusCode::CREATED, Json(info)));
    }
}

/// `GET /api/files/{id}`.
pub async fn download(
    State(state): State<AppState>,
    FileCaller(caller): FileCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    serve(&state, &caller, &id, false).await
}

/// `GET /api/files/{id}/thumbnail`.
pub async fn thumbnail(
    State(state): State<AppState>,
    FileCaller(caller): FileCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    serve(&state, &caller, &id, true).await
}

async fn serve(
    state: &AppState,
    caller: &Caller,
    id: &str,
    thumbnail: bool,
) -> Result<Response, ApiError> {
    let file = files::open(state, caller, id, thumbnail).await?;
    let info = &file.info;
    let (content_type, inline) = if thumbnail {
        ("image/png".to_owned(), true)
    } else {
        (
            info.content_type.clone(),
            is_inline_image(&info.content_type),
        )
    };
    let disposition = format!(
        "{}; filename=\"{}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        ascii_name(&info.name),
        percent(&info.name),
    );
    let mut resp = Body::from_stream(file.bytes.map_err(std::io::Error::other)).into_response();
    let headers = resp.headers_mut();
    let value = |s: &str| {
        HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("application/octet-stream"))
    };
    headers.insert(header::CONTENT_TYPE, value(&content_type));
    if !thumbnail {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(info.size));
    }
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    // A file never changes under its id; who may read it can, so private.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    Ok(resp)
}

/// The name for the plain `filename=` parameter: ASCII, no quotes.
fn ascii_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// RFC 5987 percent-encoding of `name` in UTF-8.
fn percent(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_are_safe_in_a_header() {
        assert_eq!(ascii_name("report \"q1\".pdf"), "report _q1_.pdf");
        assert_eq!(ascii_name("截图.png"), "__.png");
        assert_eq!(percent("截图 1.png"), "%E6%88%AA%E5%9B%BE%201.png");
    }
}
