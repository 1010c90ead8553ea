//! The job queue: message formats ([`message`]), the [`JobQueue`] the worker receives from,
//! and its implementations, SQS ([`sqs`]) and memory ([`memory`], for tests). What a message
//! means for its jobs is the worker's business, not this module's.

pub mod memory;
pub mod message;
pub mod sqs;

use crate::error::Result;
use crate::storage::BoxFuture;
use std::time::Duration;

/// One received message.
#[derive(Debug, Clone)]
pub struct Received {
    /// Message id, stable across deliveries.
    pub message_id: String,
    /// Handle of this delivery, for delete and visibility changes.
    pub receipt: String,
    /// Body text.
    pub body: String,
    /// How many times the queue has delivered it (1 on first delivery).
    pub receive_count: u32,
}

/// A queue with SQS's semantics: a received message stays invisible for a visibility timeout
/// and then returns unless deleted; a queue with a redrive policy moves a message received
/// too often to its dead-letter queue.
pub trait JobQueue: Send + Sync {
    /// The queue's name or URL, for logs.
    fn name(&self) -> &str;

    /// Checks the queue answers (for `/readyz`).
    fn ping(&self) -> BoxFuture<'_, Result<()>>;

    /// Waits up to `wait` (at most 20 s) for messages and returns 0 to `max` (1 to 10) of
    /// them, each invisible to others for `visibility` seconds.
    fn receive(
        &self,
        max: usize,
        wait: Duration,
        visibility: u32,
    ) -> BoxFuture<'_, Result<Vec<Received>>>;

    /// Deletes up to ten messages by receipt; returns the receipts that were not deleted.
    fn delete_batch<'a>(&'a self, receipts: &'a [String]) -> BoxFuture<'a, Result<Vec<String>>>;

    /// Makes a received message invisible for `seconds` from now (0 releases it at once).
    fn set_visibility<'a>(&'a self, receipt: &'a str, seconds: u32) -> BoxFuture<'a, Result<()>>;

    /// Sends a message with `body`.
    fn send(&self, body: String) -> BoxFuture<'_, Result<()>>;
}
