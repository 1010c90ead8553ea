//! S3 as a [`BlobStore`]: size-limited reads of inputs, write-once uploads of outputs, and
//! the SDK configuration the S3 and SQS clients are made from. The worker sees only the trait.
//!
//! Outputs are written with `If-None-Match: *`: a 412 means another worker (or an earlier
//! attempt) already wrote that key, which is success, since keys are content-addressed and
//! outputs deterministic. Every object gets its Content-Type, `Cache-Control: public,
//! max-age=31536000, immutable` and the configured server-side encryption; objects above the
//! multipart threshold go up in parts (also write-once, on completion).

use crate::error::{Error, Result};
use crate::queue::message::S3Object;
use crate::storage::{BlobStore, BoxFuture, Put};
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, ServerSideEncryption};

/// Cache policy of every output: content-addressed keys never change.
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// Server-side encryption of outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encryption {
    /// SSE-S3 (AES-256, S3-managed keys).
    S3,
    /// SSE-KMS with this key (or the account's default key for S3 when `None`).
    Kms(Option<String>),
}

/// An S3 client with the output policy.
#[derive(Clone)]
pub struct S3Store {
    client: Client,
    encryption: Option<Encryption>,
    multipart_threshold: usize,
    part_size: usize,
}

/// Content-Type of an output file by extension: a delivery format's own
/// ([`crate::job::encoders`]), else the thumbnails' and the manifest's.
pub fn content_type(name: &str) -> &'static str {
    if let Some(encoder) = crate::job::encoders::for_file(name) {
        return encoder.mime_type;
    }
    match name.rsplit('.').next().unwrap_or_default() {
        "gltf" => "model/gltf+json",
        "png" => "image/png",
        "apng" => "image/apng",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ktx2" => "image/ktx2",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// The HTTP status of a failed SDK call, when a response came back.
fn status<E>(
    e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

/// The SDK's shared configuration from its default chain (credentials, region), with
/// `endpoint_url` overriding every service's endpoint (a local server, e.g. moto).
pub async fn sdk_config(endpoint_url: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

impl S3Store {
    /// A store on an S3 client made from `sdk` (see [`S3Store::new`] for the rest). Uses
    /// path-style addressing whenever an endpoint is overridden, in `sdk` or the
    /// environment: local servers do not resolve virtual-host bucket names.
    pub fn from_sdk(
        sdk: &aws_config::SdkConfig,
        encryption: Option<Encryption>,
        multipart_threshold: usize,
    ) -> S3Store {
        let overridden = sdk.endpoint_url().is_some()
            || ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"]
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
        let config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(overridden)
            .build();
        S3Store::new(Client::from_conf(config), encryption, multipart_threshold)
    }

    /// A store writing with `encryption` (`None`: the bucket's default); objects above `multipart_threshold` bytes are
    /// uploaded in 8 MiB parts.
    pub fn new(
        client: Client,
        encryption: Option<Encryption>,
        multipart_threshold: usize,
    ) -> S3Store {
        S3Store {
            client,
            encryption,
            multipart_threshold,
            part_size: 8 << 20,
        }
    }

    /// The encryption headers of every upload.
    fn sse(&self) -> (Option<ServerSideEncryption>, Option<String>) {
        match &self.encryption {
            None => (None, None),
            Some(Encryption::S3) => (Some(ServerSideEncryption::Aes256), None),
            Some(Encryption::Kms(key)) => (Some(ServerSideEncryption::AwsKms), key.clone()),
        }
    }

    /// `HeadObject`: true when `bucket/key` exists.
    async fn head(&self, bucket: &str, key: &str) -> Result<bool> {
        match self
            .client
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if status(&e) == Some(404) => Ok(false),
            Err(e) => Err(Error::remote(format!("HeadObject s3://{bucket}/{key}"), &e)),
        }
    }

    /// Streams `obj` into memory, refusing more than `max_bytes` (by the declared length
    /// before reading, and while reading).
    async fn read(&self, obj: &S3Object, max_bytes: u64) -> Result<Vec<u8>> {
        let op = format!("GetObject {}", obj.uri());
        let out = match self
            .client
            .get_object()
            .bucket(&obj.bucket)
            .key(&obj.key)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if status(&e) == Some(404) => return Err(Error::NoSuchObject(obj.uri())),
            Err(e) => return Err(Error::remote(op, &e)),
        };
        let too_big = |actual| Error::input_too_large(actual, max_bytes);
        let declared = out.content_length().unwrap_or(0).max(0) as u64;
        if declared > max_bytes {
            return Err(too_big(declared));
        }
        let mut body = out.body;
        let mut bytes = Vec::with_capacity(declared as usize);
        while let Some(chunk) = body
            .try_next()
            .await
            .map_err(|e| Error::remote(op.clone(), &e))?
        {
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Err(too_big((bytes.len() + chunk.len()) as u64));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Writes `bytes` to `bucket/key` unless the key exists.
    async fn write_once(&self, bucket: &str, key: &str, bytes: Vec<u8>) -> Result<Put> {
        if bytes.len() > self.multipart_threshold {
            return self.put_multipart(bucket, key, bytes).await;
        }
        let mut req = self
            .client
            .put_object()
            .bucket(bucket)
            .key(key)
            .if_none_match("*")
            .content_type(content_type(key))
            .cache_control(CACHE_CONTROL)
            .body(ByteStream::from(bytes));
        let (sse, kms_key) = self.sse();
        req = req
            .set_server_side_encryption(sse)
            .set_ssekms_key_id(kms_key);
        match req.send().await {
            Ok(_) => Ok(Put::Created),
            Err(e) if status(&e) == Some(412) => Ok(Put::AlreadyExists),
            Err(e) => Err(Error::remote(format!("PutObject s3://{bucket}/{key}"), &e)),
        }
    }

    async fn put_multipart(&self, bucket: &str, key: &str, bytes: Vec<u8>) -> Result<Put> {
        let op = format!("multipart upload s3://{bucket}/{key}");
        let mut create = self
            .client
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .content_type(content_type(key))
            .cache_control(CACHE_CONTROL);
        let (sse, kms_key) = self.sse();
        create = create
            .set_server_side_encryption(sse)
            .set_ssekms_key_id(kms_key);
        let upload = create
            .send()
            .await
            .map_err(|e| Error::remote(op.clone(), &e))?;
        let id = upload.upload_id().unwrap_or_default().to_string();
        let mut parts = vec![];
        for (n, chunk) in bytes.chunks(self.part_size).enumerate() {
            let number = n as i32 + 1;
            let part = self
                .client
                .upload_part()
                .bucket(bucket)
                .key(key)
                .upload_id(&id)
                .part_number(number)
                .body(ByteStream::from(chunk.to_vec()))
                .send()
                .await;
            match part {
                Ok(p) => parts.push(
                    CompletedPart::builder()
                        .part_number(number)
                        .set_e_tag(p.e_tag().map(str::to_string))
                        .build(),
                ),
                Err(e) => {
                    self.abort(bucket, key, &id).await;
                    return Err(Error::remote(op, &e));
                }
            }
        }
        let done = self
            .client
            .complete_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(&id)
            .if_none_match("*")
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await;
        match done {
            Ok(_) => Ok(Put::Created),
            Err(e) if status(&e) == Some(412) => {
                self.abort(bucket, key, &id).await;
                Ok(Put::AlreadyExists)
            }
            Err(e) => {
                self.abort(bucket, key, &id).await;
                Err(Error::remote(op, &e))
            }
        }
    }

    async fn abort(&self, bucket: &str, key: &str, id: &str) {
        let r = self
            .client
            .abort_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(id)
            .send()
            .await;
        if let Err(e) = r {
            let e = Error::remote(format!("AbortMultipartUpload s3://{bucket}/{key}"), &e);
            tracing::warn!("{e}; the bucket's lifecycle rule for incomplete uploads cleans up");
        }
    }
}

impl BlobStore for S3Store {
    fn exists<'a>(&'a self, bucket: &'a str, key: &'a str) -> BoxFuture<'a, Result<bool>> {
        Box::pin(self.head(bucket, key))
    }

    fn get<'a>(&'a self, object: &'a S3Object, max_bytes: u64) -> BoxFuture<'a, Result<Vec<u8>>> {
        Box::pin(self.read(object, max_bytes))
    }

    fn put_new<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        bytes: Vec<u8>,
    ) -> BoxFuture<'a, Result<Put>> {
        Box::pin(self.write_once(bucket, key, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("a/lod0.glb"), "model/gltf-binary");
        assert_eq!(content_type("thumb_512.jpg"), "image/jpeg");
        assert_eq!(content_type("turntable.apng"), "image/apng");
        assert_eq!(content_type("manifest.json"), "application/json");
        assert_eq!(content_type("x.ktx2"), "image/ktx2");
    }
}
