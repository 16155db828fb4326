//! Where attachments' bytes live: one interface (`object_store`) over a
//! local directory — the default, which works with `make run` and, shared
//! (NFS and the like), across the nodes of a cluster — and any S3-compatible
//! store for clusters (`SWITCHBOARD_FILES=s3://bucket/prefix`).
//!
//! An upload is streamed in as it arrives (`put_multipart`: a staging file
//! renamed into place on disk, a multipart upload on S3), so a file is never
//! held whole in memory unless it is a picture that needs a thumbnail.

use bytes::Bytes;
use futures_util::stream::BoxStream;
use object_store::{
    aws::AmazonS3Builder, local::LocalFileSystem, path::Path, prefix::PrefixStore, ObjectStore,
    ObjectStoreExt, PutPayload, WriteMultipart,
};
use std::sync::Arc;

/// The file store.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// Where it is, for the log.
    pub describe: String,
}

/// A failure of the file store, with its reason.
#[derive(Debug, thiserror::Error)]
#[error("file store: {0}")]
pub struct StorageError(#[from] object_store::Error);

impl StorageError {
    pub fn is_not_found(&self) -> bool {
        matches!(self.0, object_store::Error::NotFound { .. })
    }
}

/// The key of a file's bytes (`ab/abcdef…`: two letters of fan-out, so no
/// directory grows past what file systems list quickly).
fn key(id: &str, thumbnail: bool) -> Path {
    let fan = id.get(..2).unwrap_or("00");
    if thumbnail {
        Path::from(format!("{fan}/{id}.thumb.png"))
    } else {
        Path::from(format!("{fan}/{id}"))
    }
}

impl Storage {
    /// Opens `location`: `s3://bucket[/prefix]` or a directory (made if
    /// missing).
    pub fn open(location: &str) -> anyhow::Result<Storage> {
        use anyhow::Context;
        if let Some(rest) = location.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let s3 = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .with_context(|| format!("opening {location}"))?;
            let store: Arc<dyn ObjectStore> = match prefix.trim_matches('/') {
                "" => Arc::new(s3),
                prefix => Arc::new(PrefixStore::new(s3, prefix)),
            };
            return Ok(Storage {
                store,
                describe: location.to_owned(),
            });
        }
        let dir = location.strip_prefix("file://").unwrap_or(location);
        std::fs::create_dir_all(dir).with_context(|| format!("making the directory {dir}"))?;
        let local = LocalFileSystem::new_with_prefix(dir)
            .with_context(|| format!("opening {dir}"))?
            // Deleting a file also removes the fan-out directory it leaves empty.
            .with_automatic_cleanup(true);
        Ok(Storage {
            store: Arc::new(local),
            describe: dir.to_owned(),
        })
    }

    /// Starts writing file `id`'s bytes.
    pub async fn writer(&self, id: &str) -> Result<WriteMultipart, StorageError> {
        let upload = self.store.put_multipart(&key(id, false)).await?;
        Ok(WriteMultipart::new(upload))
    }

    /// Stores file `id`'s thumbnail.
    pub async fn put_thumbnail(&self, id: &str, png: Vec<u8>) -> Result<(), StorageError> {
        self.store
            .put(&key(id, true), PutPayload::from(png))
            .await?;
        Ok(())
    }

    /// File `id`'s bytes (or its thumbnail's), as a stream.
    pub async fn read(
        &self,
        id: &str,
        thumbnail: bool,
    ) -> Result<BoxStream<'static, Result<Bytes, object_store::Error>>, StorageError> {
        Ok(self.store.get(&key(id, thumbnail)).await?.into_stream())
    }

    /// Removes file `id`'s bytes and thumbnail; what is already gone is
    /// not an error.
    pub async fn remove(&self, id: &str, thumbnail: bool) -> Result<(), StorageError> {
        let mut keys = vec![key(id, false)];
        if thumbnail {
            keys.push(key(id, true));
        }
        for key in keys {
            match self.store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}
