//! Profiles as transport-free actions: change your display name, status line
//! and time zone ([`update`]), set or remove your avatar ([`set_avatar`]).
//! Every change goes to every signed-in connection as `profile_updated`, so
//! names and pictures change on open pages at once.
//!
//! An avatar is read by its content, never by a file name or a declared
//! type: PNG, JPEG, GIF or WebP, at most 8,192 px a side and a bounded
//! decoding budget (a small file can claim a huge picture). It is decoded
//! and resized on a blocking thread to [`AVATAR_PX`] square (cropped to the
//! middle) and stored as PNG, so what is served is always our own encoding.

use crate::{hub::Topic, refusal::Refusal, state::AppState, store::ProfileChange};
use app::{
    protocol::{
        ErrorCode, Profile, ServerFrame, UpdateProfile, User, AVATAR_PX, AVATAR_UPLOAD_MAX,
        DISPLAY_NAME_MAX, STATUS_MAX,
    },
    validate::{profile_line, Invalid},
};
use image::{imageops::FilterType, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Largest width or height of an uploaded picture.
const MAX_SIDE: u32 = 8_192;
/// Most memory one decode may take (a 4,096 × 4,096 RGBA picture is 64 MiB).
const MAX_DECODE_BYTES: u64 = 128 * 1024 * 1024;

fn no_such_user() -> Refusal {
    Refusal::new(ErrorCode::NotFound, "no such user")
}

/// Reads an IANA zone name; `""` clears it.
fn time_zone(s: &str) -> Result<Option<String>, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<chrono_tz::Tz>()
        .map(|tz| Some(tz.name().to_owned()))
        .map_err(|_| Invalid {
            field: "time_zone",
            problem: "is not a known time zone (an IANA name such as Europe/Berlin)".into(),
        })
}

/// Changes `user`'s display name, status line and time zone, as `change`
/// asks (absent: unchanged; empty: cleared).
pub async fn update(
    state: &AppState,
    user: &User,
    change: &UpdateProfile,
) -> Result<Profile, Refusal> {
    let line = |field, s: &Option<String>, max| {
        s.as_deref()
            .map(|s| profile_line(field, s, max))
            .transpose()
    };
    let parsed = ProfileChange {
        display_name: line("display_name", &change.display_name, DISPLAY_NAME_MAX)?,
        status: line("status", &change.status, STATUS_MAX)?,
        time_zone: change.time_zone.as_deref().map(time_zone).transpose()?,
        receipts: change.receipts,
    };
    if parsed.display_name.is_none()
        && parsed.status.is_none()
        && parsed.time_zone.is_none()
        && parsed.receipts.is_none()
    {
        return Err(Invalid {
            field: "display_name",
            problem: "give display_name, status, time_zone or receipts".into(),
        }
        .into());
    }
    let profile = state
        .store
        .update_profile(user.id, &parsed)
        .await?
        .ok_or_else(no_such_user)?;
    announce(state, &profile);
    Ok(profile)
}

/// Sets `user`'s avatar from an uploaded picture, or removes it (`None`).
pub async fn set_avatar(
    state: &AppState,
    user: &User,
    upload: Option<bytes::Bytes>,
) -> Result<Profile, Refusal> {
    let image = match upload {
        Some(upload) => Some(
            tokio::task::spawn_blocking(move || resize(&upload))
                .await
                .map_err(|e| {
                    Refusal::new(ErrorCode::Internal, format!("resizing failed: {e}"))
                })??,
        ),
        None => None,
    };
    let profile = state
        .store
        .set_avatar(user.id, image.as_deref(), state.clock.now())
        .await?
        .ok_or_else(no_such_user)?;
    tracing::info!(user = %user.username, set = profile.avatar.is_some(), "avatar changed");
    announce(state, &profile);
    Ok(profile)
}

fn announce(state: &AppState, profile: &Profile) {
    state.hub.publish(
        Topic::All,
        ServerFrame::ProfileUpdated {
            profile: profile.clone(),
        },
    );
}

fn not_a_picture(problem: impl Into<String>) -> Invalid {
    Invalid {
        field: "avatar",
        problem: problem.into(),
    }
}

/// An uploaded picture as a [`AVATAR_PX`]-square PNG.
pub fn resize(upload: &[u8]) -> Result<Vec<u8>, Invalid> {
    if upload.len() > AVATAR_UPLOAD_MAX {
        return Err(not_a_picture(format!(
            "must be at most {} MB",
            AVATAR_UPLOAD_MAX / 1024 / 1024
        )));
    }
    let mut reader = ImageReader::new(Cursor::new(upload))
        .with_guessed_format()
        .map_err(|e| not_a_picture(format!("could not be read: {e}")))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP) => {}
        _ => return Err(not_a_picture("must be a PNG, JPEG, GIF or WebP picture")),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let picture = reader
        .decode()
        .map_err(|e| not_a_picture(format!("could not be decoded: {e}")))?;
    let square = picture.resize_to_fill(AVATAR_PX, AVATAR_PX, FilterType::CatmullRom);
    let mut png = Vec::new();
    square
        .to_rgba8()
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|e| not_a_picture(format!("could not be encoded: {e}")))?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 30, 255]));
        let mut out = Vec::new();
        picture
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn any_picture_becomes_a_small_square_png() {
        for (w, h) in [(640, 480), (90, 300), (128, 128), (1, 1)] {
            let out = resize(&png(w, h)).unwrap();
            let back = image::load_from_memory_with_format(&out, ImageFormat::Png).unwrap();
            assert_eq!(
                (back.width(), back.height()),
                (AVATAR_PX, AVATAR_PX),
                "{w}×{h}"
            );
        }
    }

    #[test]
    fn what_is_not_a_picture_is_refused_by_content() {
        let e = resize(b"<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap_err();
        assert_eq!(e.field, "avatar");
        assert!(
            e.problem.contains("PNG, JPEG, GIF or WebP"),
            "{}",
            e.problem
        );
        // A PNG header with nothing after it.
        let mut broken = png(10, 10);
        broken.truncate(40);
        assert!(resize(&broken).unwrap_err().problem.contains("decoded"));
    }

    #[test]
    fn a_picture_claiming_to_be_huge_is_refused_before_decoding() {
        // A real PNG header saying 20,000 × 20,000 pixels.
        let mut claims = png(1, 1);
        claims[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        claims[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        let e = resize(&claims).unwrap_err();
        assert!(e.problem.contains("decoded"), "{}", e.problem);
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            time_zone("Europe/Berlin").unwrap().as_deref(),
            Some("Europe/Berlin")
        );
        assert_eq!(time_zone(" ").unwrap(), None);
        assert_eq!(time_zone("Mars/Olympus").unwrap_err().field, "time_zone");
    }
}
