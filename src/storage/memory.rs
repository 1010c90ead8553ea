//! An S3-like [`BlobStore`] in memory, for testing the worker in process.
//!
//! Puts are write-once as S3's `If-None-Match: *` makes them (an existing key is left alone
//! and reported as [`Put::AlreadyExists`]). An outage can be switched on, and every call can
//! be slowed, to drive the worker's retry and drain paths. It keeps no headers (content
//! types, encryption): those are the S3 store's, tested against moto.

use crate::error::{Error, Result};
use crate::queue::message::S3Object;
use crate::storage::{BlobStore, BoxFuture, Put};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Objects in the order they were first written.
#[derive(Default)]
pub struct MemoryStore {
    objects: Mutex<Vec<Object>>,
    outage: AtomicBool,
    latency: Mutex<Duration>,
}

struct Object {
    bucket: String,
    key: String,
    bytes: Vec<u8>,
}

impl MemoryStore {
    /// Writes `bytes` to `bucket/key`, replacing what was there (an upload by someone else;
    /// it counts as written now).
    pub fn insert(&self, bucket: &str, key: &str, bytes: Vec<u8>) {
        let mut objects = self.lock();
        objects.retain(|o| o.bucket != bucket || o.key != key);
        objects.push(Object {
            bucket: bucket.into(),
            key: key.into(),
            bytes,
        });
    }

    /// The object at `bucket/key`, if any.
    pub fn object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let objects = self.lock();
        let found = objects.iter().find(|o| o.bucket == bucket && o.key == key);
        found.map(|o| o.bytes.clone())
    }

    /// Every key of `bucket`, in the order the objects were first written.
    pub fn keys(&self, bucket: &str) -> Vec<String> {
        let objects = self.lock();
        let keys = objects.iter().filter(|o| o.bucket == bucket);
        keys.map(|o| o.key.clone()).collect()
    }

    /// While `on`, every call fails with a transient `Error::Remote`.
    pub fn set_outage(&self, on: bool) {
        self.outage.store(on, Ordering::SeqCst);
    }

    /// Makes every later call wait `latency` before it answers.
    pub fn set_latency(&self, latency: Duration) {
        *self.latency.lock().unwrap_or_else(|e| e.into_inner()) = latency;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Object>> {
        self.objects.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits the latency, then fails during an outage.
    async fn answer(&self, operation: &str, bucket: &str, key: &str) -> Result<()> {
        let latency = *self.latency.lock().unwrap_or_else(|e| e.into_inner());
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if self.outage.load(Ordering::SeqCst) {
            return Err(Error::Remote {
                operation: format!("{operation} memory://{bucket}/{key}"),
                message: "service unavailable (a simulated outage)".into(),
            });
        }
        Ok(())
    }
}

impl BlobStore for MemoryStore {
    fn exists<'a>(&'a self, bucket: &'a str, key: &'a str) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            self.answer("HeadObject", bucket, key).await?;
            Ok(self.object(bucket, key).is_some())
        })
    }

    fn get<'a>(&'a self, object: &'a S3Object, max_bytes: u64) -> BoxFuture<'a, Result<Vec<u8>>> {
        Box::pin(async move {
            self.answer("GetObject", &object.bucket, &object.key)
                .await?;
            let bytes = self
                .object(&object.bucket, &object.key)
                .ok_or_else(|| Error::NoSuchObject(object.uri()))?;
            if bytes.len() as u64 > max_bytes {
                return Err(Error::input_too_large(bytes.len() as u64, max_bytes));
            }
            Ok(bytes)
        })
    }

    fn put_new<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        bytes: Vec<u8>,
    ) -> BoxFuture<'a, Result<Put>> {
        Box::pin(async move {
            self.answer("PutObject", bucket, key).await?;
            let mut objects = self.lock();
            if objects.iter().any(|o| o.bucket == bucket && o.key == key) {
                return Ok(Put::AlreadyExists);
            }
            objects.push(Object {
                bucket: bucket.into(),
                key: key.into(),
                bytes,
            });
            Ok(Put::Created)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn puts_are_write_once_and_reads_are_limited() {
        let store = MemoryStore::default();
        assert_eq!(
            store.put_new("b", "k", b"one".to_vec()).await.unwrap(),
            Put::Created
        );
        let again = store.put_new("b", "k", b"two".to_vec()).await.unwrap();
        assert_eq!(again, Put::AlreadyExists);
        let object = S3Object {
            bucket: "b".into(),
            key: "k".into(),
        };
        assert_eq!(
            store.get(&object, 3).await.unwrap(),
            b"one",
            "first write kept"
        );
        assert_eq!(
            store.get(&object, 2).await.unwrap_err().code(),
            "limit_exceeded"
        );
        let missing = S3Object {
            key: "nope".into(),
            ..object.clone()
        };
        assert_eq!(
            store.get(&missing, 9).await.unwrap_err().code(),
            "no_such_object"
        );
        assert!(store.exists("b", "k").await.unwrap());
        assert!(!store.exists("c", "k").await.unwrap());
        assert_eq!(store.keys("b"), ["k"]);
    }

    #[tokio::test]
    async fn an_outage_is_transient() {
        let store = MemoryStore::default();
        store.set_outage(true);
        let e = store.exists("b", "k").await.unwrap_err();
        assert!(e.is_retryable(), "{e}");
        store.set_outage(false);
        assert!(!store.exists("b", "k").await.unwrap());
    }
}
