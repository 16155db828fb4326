//! Thumbnails of pictures: decoded on a blocking thread with bounded sides
//! and memory (a small file can claim a huge picture), scaled to fit
//! [`THUMBNAIL_PX`] and stored as our own PNG — what a message list shows
//! instead of the upload itself.

use app::protocol::THUMBNAIL_PX;
use image::{imageops::FilterType, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Largest width or height of a picture given a thumbnail.
const MAX_SIDE: u32 = 12_000;
/// Most memory one decode may take.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// A picture's size and its thumbnail.
pub struct Thumbnail {
    pub width: u32,
    pub height: u32,
    pub png: Vec<u8>,
}

/// Why a picture got no thumbnail.
#[derive(Debug, PartialEq, Eq)]
pub enum NoThumbnail {
    /// It is too large to decode here; it is kept, shown as a file.
    TooLarge,
    /// Its bytes are not the picture they claim to be.
    Broken(String),
}

/// The thumbnail of `picture` (PNG, JPEG, GIF or WebP by its bytes).
pub fn make(picture: &[u8]) -> Result<Thumbnail, NoThumbnail> {
    let mut reader = ImageReader::new(Cursor::new(picture))
        .with_guessed_format()
        .map_err(|e| NoThumbnail::Broken(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP) => {}
        _ => {
            return Err(NoThumbnail::Broken(
                "not a PNG, JPEG, GIF or WebP picture".into(),
            ))
        }
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => NoThumbnail::TooLarge,
        e => NoThumbnail::Broken(e.to_string()),
    })?;
    let (width, height) = (decoded.width(), decoded.height());
    // `thumbnail` keeps the aspect ratio; pictures already small stay as they are.
    let small = if width <= THUMBNAIL_PX && height <= THUMBNAIL_PX {
        decoded
    } else {
        decoded.resize(THUMBNAIL_PX, THUMBNAIL_PX, FilterType::Triangle)
    };
    let mut png = Vec::new();
    small
        .to_rgba8()
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|e| NoThumbnail::Broken(e.to_string()))?;
    Ok(Thumbnail { width, height, png })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbaImage::from_pixel(width, height, image::Rgba([20, 90, 200, 255]));
        let mut out = Vec::new();
        picture
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn thumbnails_fit_the_box_and_keep_the_shape() {
        let t = make(&png(1200, 600)).unwrap();
        assert_eq!((t.width, t.height), (1200, 600));
        let back = image::load_from_memory_with_format(&t.png, ImageFormat::Png).unwrap();
        assert_eq!(
            (back.width(), back.height()),
            (THUMBNAIL_PX, THUMBNAIL_PX / 2)
        );
        let small = make(&png(40, 30)).unwrap();
        let back = image::load_from_memory_with_format(&small.png, ImageFormat::Png).unwrap();
        assert_eq!((back.width(), back.height()), (40, 30));
    }

    #[test]
    fn broken_and_huge_pictures_get_none() {
        let mut broken = png(10, 10);
        broken.truncate(40);
        assert!(matches!(make(&broken), Err(NoThumbnail::Broken(_))));
        // A real PNG header saying 20,000 × 20,000 pixels, its checksum right.
        let mut claims = png(1, 1);
        claims[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        claims[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        let crc = crc32(&claims[12..29]);
        claims[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(make(&claims).err(), Some(NoThumbnail::TooLarge));
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
