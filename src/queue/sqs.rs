//! SQS: receiving, deleting in batches, changing visibility, sending completion events.

use crate::error::{Error, Result};
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};

/// One received message.
#[derive(Debug, Clone)]
pub struct Received {
    /// SQS message id.
    pub message_id: String,
    /// Handle for delete and visibility changes.
    pub receipt: String,
    /// Body text.
    pub body: String,
    /// How many times SQS has delivered it (1 on first delivery).
    pub receive_count: u32,
}

/// A queue by URL.
#[derive(Clone)]
pub struct Queue {
    client: Client,
    url: String,
}

fn remote<E: std::error::Error>(operation: &str, url: &str) -> impl FnOnce(E) -> Error {
    let operation = format!("{operation} {url}");
    move |e| Error::remote(operation, &e)
}

impl Queue {
    /// The queue at `url`.
    pub fn new(client: Client, url: impl Into<String>) -> Queue {
        Queue {
            client,
            url: url.into(),
        }
    }

    /// The queue URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Checks the queue answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        self.client
            .get_queue_attributes()
            .queue_url(&self.url)
            .send()
            .await
            .map(|_| ())
            .map_err(remote("GetQueueAttributes", &self.url))
    }

    /// Long-polls up to `max` (1..=10) messages, waiting up to `wait_seconds`; received
    /// messages stay invisible for `visibility_seconds`.
    pub async fn receive(
        &self,
        max: i32,
        wait_seconds: i32,
        visibility_seconds: i32,
    ) -> Result<Vec<Received>> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(wait_seconds)
            .visibility_timeout(visibility_seconds)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(remote("ReceiveMessage", &self.url))?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| Received {
                receive_count: m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1),
                message_id: m.message_id.unwrap_or_default(),
                receipt: m.receipt_handle.unwrap_or_default(),
                body: m.body.unwrap_or_default(),
            })
            .collect())
    }

    /// Deletes up to ten messages in one call; returns the receipts that failed.
    pub async fn delete_batch(&self, receipts: &[String]) -> Result<Vec<String>> {
        let entries: Vec<DeleteMessageBatchRequestEntry> = receipts
            .iter()
            .enumerate()
            .map(|(i, r)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(r)
                    .build()
                    .expect("id and receipt are set")
            })
            .collect();
        let out = self
            .client
            .delete_message_batch()
            .queue_url(&self.url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(remote("DeleteMessageBatch", &self.url))?;
        Ok(out
            .failed()
            .iter()
            .filter_map(|f| f.id().parse::<usize>().ok())
            .filter_map(|i| receipts.get(i).cloned())
            .collect())
    }

    /// Makes a message invisible for `seconds` more (0 releases it now).
    pub async fn set_visibility(&self, receipt: &str, seconds: i32) -> Result<()> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .visibility_timeout(seconds)
            .send()
            .await
            .map(|_| ())
            .map_err(remote("ChangeMessageVisibility", &self.url))
    }

    /// Sends a message body.
    pub async fn send(&self, body: String) -> Result<()> {
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .send()
            .await
            .map(|_| ())
            .map_err(remote("SendMessage", &self.url))
    }
}
