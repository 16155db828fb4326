//! Profiles: display name, status line, time zone, and the avatar (the
//! resized image itself, and a version its URL carries: the time it was
//! uploaded, in milliseconds).

use super::{on_pool, BeginWrite, Store, StoreError};
use app::protocol::{Profile, UserId};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct ProfileRow {
    id: i64,
    username: String,
    display_name: Option<String>,
    status_text: Option<String>,
    time_zone: Option<String>,
    avatar_version: Option<i64>,
    send_receipts: bool,
}

const PROFILE_COLUMNS: &str =
    "id, username, display_name, status_text, time_zone, avatar_version, send_receipts";

impl ProfileRow {
    fn into_profile(self) -> Profile {
        Profile {
            id: UserId(self.id),
            username: self.username,
            display_name: self.display_name,
            status: self.status_text,
            time_zone: self.time_zone,
            avatar: self
                .avatar_version
                .map(|v| format!("/api/avatars/{}?v={v}", self.id)),
            receipts: self.send_receipts,
        }
    }
}

/// What a profile change sets: `Some(None)` clears a field, `None` leaves it.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub display_name: Option<Option<String>>,
    pub status: Option<Option<String>>,
    pub time_zone: Option<Option<String>>,
    pub receipts: Option<bool>,
}

impl Store {
    pub async fn profile(&self, user: UserId) -> Result<Option<Profile>, StoreError> {
        let row: Option<ProfileRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("SELECT {PROFILE_COLUMNS} FROM users WHERE id = $1"))
                .bind(user.0)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(ProfileRow::into_profile))
    }

    /// The profiles of these login names (any case); unknown names are left
    /// out. The caller bounds how many.
    pub async fn profiles_by_name(&self, names: &[String]) -> Result<Vec<Profile>, StoreError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        // One placeholder per name: the same SQL on SQLite and PostgreSQL.
        let marks: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {PROFILE_COLUMNS} FROM users WHERE username_key IN ({}) ORDER BY username_key",
            marks.join(", ")
        );
        let rows: Vec<ProfileRow> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            for k in &keys {
                q = q.bind(k);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(ProfileRow::into_profile).collect())
    }

    /// Applies `change`; `None` when there is no such user.
    pub async fn update_profile(
        &self,
        user: UserId,
        change: &ProfileChange,
    ) -> Result<Option<Profile>, StoreError> {
        // Each field is written only when asked: `CASE WHEN $flag` keeps
        // the column otherwise, in one statement for any combination.
        let flag = |f: &Option<Option<String>>| f.is_some();
        let value = |f: &Option<Option<String>>| f.clone().flatten();
        let row: Option<ProfileRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!(
                "UPDATE users SET
                    display_name = CASE WHEN $2 THEN $3 ELSE display_name END,
                    status_text = CASE WHEN $4 THEN $5 ELSE status_text END,
                    time_zone = CASE WHEN $6 THEN $7 ELSE time_zone END,
                    send_receipts = CASE WHEN $8 THEN $9 ELSE send_receipts END
                 WHERE id = $1 RETURNING {PROFILE_COLUMNS}"
            ))
            .bind(user.0)
            .bind(flag(&change.display_name))
            .bind(value(&change.display_name))
            .bind(flag(&change.status))
            .bind(value(&change.status))
            .bind(flag(&change.time_zone))
            .bind(value(&change.time_zone))
            .bind(change.receipts.is_some())
            .bind(change.receipts.unwrap_or(true))
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(ProfileRow::into_profile))
    }

    /// Stores a new avatar (already resized) with a new version, or
    /// with `image: None` removes it; `None` when there is no such user.
    pub async fn set_avatar(
        &self,
        user: UserId,
        image: Option<&[u8]>,
        now: DateTime<Utc>,
    ) -> Result<Option<Profile>, StoreError> {
        let row: Option<ProfileRow> = on_pool!(self, pool => {
            async {
                let mut tx = pool.begin_write().await?;
                match image {
                    Some(image) => {
                        sqlx::query(
                            "INSERT INTO avatars (user_id, image, updated_at) VALUES ($1, $2, $3)
                             ON CONFLICT (user_id) DO UPDATE SET image = excluded.image,
                                 updated_at = excluded.updated_at",
                        )
                        .bind(user.0)
                        .bind(image)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => {
                        sqlx::query("DELETE FROM avatars WHERE user_id = $1")
                            .bind(user.0)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                // The upload's time in milliseconds, and always above the last
                // version (two uploads in one millisecond): never reused, even
                // after a removal, so an old image's URL never names a new one.
                let version = image.map(|_| now.timestamp_millis());
                let row: Option<ProfileRow> = sqlx::query_as(&format!(
                    "UPDATE users SET avatar_version = CASE
                         WHEN $2 IS NULL THEN NULL
                         WHEN avatar_version IS NOT NULL AND avatar_version >= $2 THEN avatar_version + 1
                         ELSE $2 END
                     WHERE id = $1 RETURNING {PROFILE_COLUMNS}"
                ))
                .bind(user.0)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
                if row.is_some() {
                    tx.commit().await?;
                }
                Ok::<_, sqlx::Error>(row)
            }
            .await?
        });
        Ok(row.map(ProfileRow::into_profile))
    }

    /// The stored avatar image (PNG), if the user has one.
    pub async fn avatar(&self, user: UserId) -> Result<Option<Vec<u8>>, StoreError> {
        let image: Option<Vec<u8>> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT image FROM avatars WHERE user_id = $1")
                .bind(user.0)
                .fetch_optional(pool)
                .await?
        });
        Ok(image)
    }
}
