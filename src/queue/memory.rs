//! An SQS-like [`JobQueue`] in memory, for testing the worker in process.
//!
//! It keeps what the worker relies on: each delivery has its own receipt (a stale one is
//! refused), a received message is invisible until its visibility timeout passes or is
//! changed, receive counts grow per delivery, and with a redrive policy a message already
//! received `max_receives` times moves to the dead-letter queue instead of being delivered
//! again. Long polls are answered as soon as a message is visible. It keeps no message
//! attributes, delays or FIFO groups. [`MemoryQueue::messages`] shows the state to tests.

use super::{JobQueue, Received};
use crate::error::{Error, Result};
use crate::storage::BoxFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

/// How often a waiting receive looks again.
const POLL: Duration = Duration::from_millis(5);

/// SQS's longest long poll.
const MAX_WAIT: Duration = Duration::from_secs(20);

/// Messages in the order they were sent.
pub struct MemoryQueue {
    name: String,
    messages: Mutex<Vec<Stored>>,
    sent: AtomicU64,
    redrive: Option<(Arc<MemoryQueue>, u32)>,
}

struct Stored {
    id: String,
    body: String,
    receive_count: u32,
    visible_at: Instant,
    receipt: Option<String>,
    visibility_changes: Vec<u32>,
}

/// A message as the queue holds it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Message id.
    pub message_id: String,
    /// Body text.
    pub body: String,
    /// Deliveries so far.
    pub receive_count: u32,
    /// True while received and its visibility timeout has not passed.
    pub in_flight: bool,
    /// Every visibility change asked for, seconds, oldest first.
    pub visibility_changes: Vec<u32>,
}

impl MemoryQueue {
    /// An empty queue called `name`, without a dead-letter queue.
    pub fn new(name: &str) -> MemoryQueue {
        MemoryQueue {
            name: format!("memory://{name}"),
            messages: Mutex::new(vec![]),
            sent: AtomicU64::new(0),
            redrive: None,
        }
    }

    /// An empty queue whose messages move to `dead_letter` when received again after
    /// `max_receives` deliveries (SQS's redrive policy, `maxReceiveCount`).
    pub fn with_redrive(name: &str, dead_letter: Arc<MemoryQueue>, max_receives: u32) -> Self {
        MemoryQueue {
            redrive: Some((dead_letter, max_receives)),
            ..MemoryQueue::new(name)
        }
    }

    /// Every message the queue holds, oldest first.
    pub fn messages(&self) -> Vec<Snapshot> {
        let now = Instant::now();
        let messages = self.lock();
        let snapshot = |m: &Stored| Snapshot {
            message_id: m.id.clone(),
            body: m.body.clone(),
            receive_count: m.receive_count,
            in_flight: m.visible_at > now,
            visibility_changes: m.visibility_changes.clone(),
        };
        messages.iter().map(snapshot).collect()
    }

    /// Adds a message, visible at once.
    pub fn push(&self, body: String) {
        let sent = self.sent.fetch_add(1, Ordering::SeqCst) + 1;
        self.lock().push(Stored {
            id: format!("m{sent}"),
            body,
            receive_count: 0,
            visible_at: Instant::now(),
            receipt: None,
            visibility_changes: vec![],
        });
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Stored>> {
        self.messages.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn refused(&self, operation: &str, reason: &str) -> Error {
        Error::Remote {
            operation: format!("{operation} {}", self.name),
            message: reason.into(),
        }
    }

    /// Delivers up to `max` visible messages, moving those past the redrive limit.
    fn deliver(&self, max: usize, visibility: u32) -> Vec<Received> {
        let now = Instant::now();
        let mut dead = vec![];
        let mut received = vec![];
        let mut messages = self.lock();
        let mut i = 0;
        while i < messages.len() && received.len() < max {
            let m = &mut messages[i];
            if m.visible_at > now {
                i += 1;
                continue;
            }
            if let Some((_, limit)) = &self.redrive
                && m.receive_count >= *limit
            {
                dead.push(messages.remove(i).body);
                continue;
            }
            m.receive_count += 1;
            m.visible_at = now + Duration::from_secs(visibility.into());
            let receipt = format!("{}#{}", m.id, m.receive_count);
            m.receipt = Some(receipt.clone());
            received.push(Received {
                message_id: m.id.clone(),
                receipt,
                body: m.body.clone(),
                receive_count: m.receive_count,
            });
            i += 1;
        }
        drop(messages);
        if let Some((queue, _)) = &self.redrive {
            dead.into_iter().for_each(|body| queue.push(body));
        }
        received
    }
}

impl JobQueue for MemoryQueue {
    fn name(&self) -> &str {
        &self.name
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn receive(
        &self,
        max: usize,
        wait: Duration,
        visibility: u32,
    ) -> BoxFuture<'_, Result<Vec<Received>>> {
        Box::pin(async move {
            let deadline = Instant::now() + wait.min(MAX_WAIT);
            loop {
                let received = self.deliver(max.clamp(1, 10), visibility);
                let now = Instant::now();
                if !received.is_empty() || now >= deadline {
                    return Ok(received);
                }
                tokio::time::sleep(POLL.min(deadline - now)).await;
            }
        })
    }

    fn delete_batch<'a>(&'a self, receipts: &'a [String]) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let mut messages = self.lock();
            let mut failed = vec![];
            for receipt in receipts {
                match messages
                    .iter()
                    .position(|m| m.receipt.as_ref() == Some(receipt))
                {
                    Some(i) => drop(messages.remove(i)),
                    None => failed.push(receipt.clone()),
                }
            }
            Ok(failed)
        })
    }

    fn set_visibility<'a>(&'a self, receipt: &'a str, seconds: u32) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut messages = self.lock();
            let current = messages
                .iter_mut()
                .find(|m| m.receipt.as_deref() == Some(receipt));
            let Some(m) = current else {
                let reason = "the receipt handle is not the current delivery's";
                return Err(self.refused("ChangeMessageVisibility", reason));
            };
            m.visible_at = Instant::now() + Duration::from_secs(seconds.into());
            m.visibility_changes.push(seconds);
            Ok(())
        })
    }

    fn send(&self, body: String) -> BoxFuture<'_, Result<()>> {
        self.push(body);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Duration = Duration::ZERO;

    #[tokio::test]
    async fn receipts_visibility_and_receive_counts() {
        let q = MemoryQueue::new("q");
        q.push("a".into());
        let first = q.receive(10, NOW, 60).await.unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].receive_count, 1);
        assert!(
            q.receive(10, NOW, 60).await.unwrap().is_empty(),
            "invisible"
        );
        q.set_visibility(&first[0].receipt, 0).await.unwrap();
        let second = q.receive(10, NOW, 60).await.unwrap();
        assert_eq!(second[0].receive_count, 2);
        assert_ne!(second[0].receipt, first[0].receipt);
        assert!(
            q.set_visibility(&first[0].receipt, 0).await.is_err(),
            "stale"
        );
        let failed = q.delete_batch(&[first[0].receipt.clone()]).await.unwrap();
        assert_eq!(failed.len(), 1, "a stale receipt deletes nothing");
        let failed = q.delete_batch(&[second[0].receipt.clone()]).await.unwrap();
        assert!(failed.is_empty());
        assert!(q.messages().is_empty());
    }

    #[tokio::test]
    async fn a_long_poll_returns_when_a_message_arrives() {
        let q = Arc::new(MemoryQueue::new("q"));
        let sender = q.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            sender.push("late".into());
        });
        let start = Instant::now();
        let got = q.receive(1, Duration::from_secs(10), 60).await.unwrap();
        assert_eq!(got[0].body, "late");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn redrive_moves_a_message_after_max_receives() {
        let dlq = Arc::new(MemoryQueue::new("dlq"));
        let q = MemoryQueue::with_redrive("q", dlq.clone(), 2);
        q.push("poison".into());
        for count in 1..=2 {
            let got = q.receive(10, NOW, 60).await.unwrap();
            assert_eq!(got[0].receive_count, count);
            q.set_visibility(&got[0].receipt, 0).await.unwrap();
        }
        assert!(q.receive(10, NOW, 60).await.unwrap().is_empty());
        assert!(q.messages().is_empty());
        let dead = dlq.messages();
        assert_eq!((dead.len(), dead[0].body.as_str()), (1, "poison"));
    }
}
