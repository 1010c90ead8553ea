//! Queue message bodies -> job requests.
//!
//! Accepted (schemas in the README):
//! * S3 event notifications, sent straight to SQS, wrapped in an SNS notification, or in
//!   EventBridge's shape. Every record of a message is a job; only `ObjectCreated:*` events
//!   count. Keys of S3 notifications are form-urlencoded (`+` is a space, then percent-decoding);
//!   EventBridge carries keys as they are. The `s3:TestEvent` S3 sends when notifications are
//!   configured is recognised and ignored.
//! * Explicit jobs: `{"input": "s3://bucket/key", "settings": {...}, "output_prefix": "..."}`.

use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde_json::Value;

/// An S3 object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object {
    /// Bucket name.
    pub bucket: String,
    /// Object key, decoded.
    pub key: String,
}

impl S3Object {
    /// `s3://bucket/key`.
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// Parses `s3://bucket/key`.
    pub fn parse(uri: &str) -> Option<S3Object> {
        let rest = uri.strip_prefix("s3://")?;
        let (bucket, key) = rest.split_once('/')?;
        (!bucket.is_empty() && !key.is_empty()).then(|| S3Object {
            bucket: bucket.to_string(),
            key: key.to_string(),
        })
    }
}

/// One job a message asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRequest {
    /// The model.
    pub input: S3Object,
    /// Size the event reported, bytes (checked against the limit before downloading).
    pub size: Option<u64>,
    /// Settings overrides (a JSON object merged over the worker's settings).
    pub settings: Option<Value>,
    /// Output prefix overriding the worker's.
    pub output_prefix: Option<String>,
}

/// What a message body turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// Jobs to run (possibly none, when every record was another event type).
    Jobs(Vec<JobRequest>),
    /// A message to delete without work (`s3:TestEvent`), with the reason.
    Ignore(String),
    /// Not something this worker understands: a permanent failure.
    Invalid(String),
}

/// Decodes an S3 notification key: `+` is a space, then percent-decoding.
pub fn decode_s3_key(raw: &str) -> String {
    let plus = raw.replace('+', " ");
    percent_decode_str(&plus).decode_utf8_lossy().into_owned()
}

#[derive(Deserialize)]
struct ExplicitJob {
    input: String,
    #[serde(default)]
    settings: Option<Value>,
    #[serde(default)]
    output_prefix: Option<String>,
}

/// Parses a message body.
pub fn parse(body: &str) -> Parsed {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return Parsed::Invalid("message body is not JSON".into());
    };
    // SNS wraps the S3 event as a JSON string in "Message".
    if v.get("Type").and_then(Value::as_str) == Some("Notification") {
        return match v.get("Message").and_then(Value::as_str) {
            Some(inner) => parse(inner),
            None => Parsed::Invalid("SNS notification without a Message".into()),
        };
    }
    if v.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Parsed::Ignore("s3:TestEvent".into());
    }
    if let Some(records) = v.get("Records").and_then(Value::as_array) {
        return Parsed::Jobs(records.iter().filter_map(s3_record).collect());
    }
    if v.get("source").and_then(Value::as_str) == Some("aws.s3") {
        return eventbridge(&v);
    }
    if v.get("input").is_some() {
        return match serde_json::from_value::<ExplicitJob>(v) {
            Ok(job) => match S3Object::parse(&job.input) {
                Some(input) if job.settings.as_ref().is_none_or(Value::is_object) => {
                    Parsed::Jobs(vec![JobRequest {
                        input,
                        size: None,
                        settings: job.settings,
                        output_prefix: job.output_prefix,
                    }])
                }
                Some(_) => Parsed::Invalid("\"settings\" must be a JSON object".into()),
                None => Parsed::Invalid(format!(
                    "\"input\" must be an s3://bucket/key URI, not {:?}",
                    job.input
                )),
            },
            Err(e) => Parsed::Invalid(format!("invalid job message: {e}")),
        };
    }
    Parsed::Invalid("neither an S3 event nor a job message".into())
}

fn s3_record(r: &Value) -> Option<JobRequest> {
    let name = r.get("eventName")?.as_str()?;
    if !name.starts_with("ObjectCreated:") {
        return None;
    }
    let s3 = r.get("s3")?;
    Some(JobRequest {
        input: S3Object {
            bucket: s3.get("bucket")?.get("name")?.as_str()?.to_string(),
            key: decode_s3_key(s3.get("object")?.get("key")?.as_str()?),
        },
        size: s3.get("object")?.get("size").and_then(Value::as_u64),
        settings: None,
        output_prefix: None,
    })
}

fn eventbridge(v: &Value) -> Parsed {
    if v.get("detail-type").and_then(Value::as_str) != Some("Object Created") {
        return Parsed::Jobs(vec![]);
    }
    let d = v.get("detail");
    let bucket = d
        .and_then(|d| d.get("bucket"))
        .and_then(|b| b.get("name"))
        .and_then(Value::as_str);
    let object = d.and_then(|d| d.get("object"));
    let key = object.and_then(|o| o.get("key")).and_then(Value::as_str);
    match (bucket, key) {
        (Some(bucket), Some(key)) => Parsed::Jobs(vec![JobRequest {
            input: S3Object {
                bucket: bucket.to_string(),
                key: key.to_string(),
            },
            size: object.and_then(|o| o.get("size")).and_then(Value::as_u64),
            settings: None,
            output_prefix: None,
        }]),
        _ => Parsed::Invalid("EventBridge S3 event without bucket or key".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(event: &str, key: &str) -> Value {
        json!({"eventName": event, "s3": {"bucket": {"name": "in"}, "object": {"key": key, "size": 42}}})
    }

    #[test]
    fn s3_events_yield_every_created_record_with_decoded_keys() {
        let body = json!({"Records": [
            record("ObjectCreated:Put", "dir/my+model%2B1+%C3%BC.glb"),
            record("ObjectRemoved:Delete", "gone.glb"),
            record("ObjectCreated:CompleteMultipartUpload", "a%2Fb.glb"),
        ]});
        let Parsed::Jobs(jobs) = parse(&body.to_string()) else {
            panic!("jobs expected")
        };
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].input.key, "dir/my model+1 ü.glb");
        assert_eq!(jobs[0].size, Some(42));
        assert_eq!(jobs[1].input.key, "a/b.glb", "moto encodes '/' too");
    }

    #[test]
    fn sns_eventbridge_test_events_and_explicit_jobs() {
        let s3 = json!({"Records": [record("ObjectCreated:Put", "x.glb")]}).to_string();
        let sns = json!({"Type": "Notification", "Message": s3}).to_string();
        assert!(matches!(parse(&sns), Parsed::Jobs(j) if j[0].input.key == "x.glb"));
        let eb = json!({"source": "aws.s3", "detail-type": "Object Created",
            "detail": {"bucket": {"name": "in"}, "object": {"key": "raw key+.glb", "size": 9}}});
        let Parsed::Jobs(j) = parse(&eb.to_string()) else {
            panic!()
        };
        assert_eq!(
            j[0].input.key, "raw key+.glb",
            "EventBridge keys are not encoded"
        );
        let test = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "in"});
        assert_eq!(
            parse(&test.to_string()),
            Parsed::Ignore("s3:TestEvent".into())
        );
        let job =
            json!({"input": "s3://in/a b.glb", "settings": {"lods": [0.5]}, "output_prefix": "p"});
        let Parsed::Jobs(j) = parse(&job.to_string()) else {
            panic!()
        };
        assert_eq!(
            j[0].input,
            S3Object {
                bucket: "in".into(),
                key: "a b.glb".into()
            }
        );
        assert_eq!(j[0].output_prefix.as_deref(), Some("p"));
        assert!(matches!(
            parse("{\"input\": \"http://x\"}"),
            Parsed::Invalid(_)
        ));
        assert!(matches!(parse("not json"), Parsed::Invalid(_)));
        assert!(matches!(
            parse("{\"input\": \"s3://a/b\", \"settings\": 3}"),
            Parsed::Invalid(_)
        ));
    }
}
