//! SQS as a [`JobQueue`]: receiving, deleting in batches, changing visibility, sending
//! completion events. The worker sees only the trait.

use super::{JobQueue, Received};
use crate::error::{Error, Result};
use crate::storage::BoxFuture;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use std::time::Duration;

/// A queue by URL.
#[derive(Clone)]
pub struct Queue {
    client: Client,
    url: String,
}

/// `seconds` as SQS's visibility timeout (at most 43 200, so the cast never saturates).
fn visibility_seconds(seconds: u32) -> i32 {
    seconds.min(43_200) as i32
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

    /// The queue at `url`, on an SQS client made from `sdk`.
    pub fn from_sdk(sdk: &aws_config::SdkConfig, url: impl Into<String>) -> Queue {
        Queue::new(Client::new(sdk), url)
    }

    async fn get_attributes(&self) -> Result<()> {
        self.client
            .get_queue_attributes()
            .queue_url(&self.url)
            .send()
            .await
            .map(|_| ())
            .map_err(remote("GetQueueAttributes", &self.url))
    }

    async fn receive_messages(
        &self,
        max: usize,
        wait: Duration,
        visibility: u32,
    ) -> Result<Vec<Received>> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .visibility_timeout(visibility_seconds(visibility))
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

    async fn delete_message_batch(&self, receipts: &[String]) -> Result<Vec<String>> {
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

    async fn change_visibility(&self, receipt: &str, visibility: u32) -> Result<()> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .visibility_timeout(visibility_seconds(visibility))
            .send()
            .await
            .map(|_| ())
            .map_err(remote("ChangeMessageVisibility", &self.url))
    }

    async fn send_message(&self, body: String) -> Result<()> {
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

impl JobQueue for Queue {
    fn name(&self) -> &str {
        &self.url
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.get_attributes())
    }

    fn receive(
        &self,
        max: usize,
        wait: Duration,
        visibility: u32,
    ) -> BoxFuture<'_, Result<Vec<Received>>> {
        Box::pin(self.receive_messages(max, wait, visibility))
    }

    fn delete_batch<'a>(&'a self, receipts: &'a [String]) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(self.delete_message_batch(receipts))
    }

    fn set_visibility<'a>(&'a self, receipt: &'a str, seconds: u32) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.change_visibility(receipt, seconds))
    }

    fn send(&self, body: String) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.send_message(body))
    }
}
