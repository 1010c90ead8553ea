//! Batched deletes: messages finishing close together go out in one `DeleteMessageBatch`.

use crate::queue::JobQueue;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long the first delete of a batch waits for others, at most.
const GATHER: Duration = Duration::from_millis(20);

/// SQS's largest batch.
const BATCH: usize = 10;

type Request = (String, oneshot::Sender<bool>);

/// Sends deletes to the batching task; the task ends when every `Deleter` is dropped.
#[derive(Clone)]
pub struct Deleter {
    tx: mpsc::Sender<Request>,
}

impl Deleter {
    /// Starts the batching task for `queue`.
    pub fn spawn(queue: Arc<dyn JobQueue>) -> (Deleter, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(64);
        (Deleter { tx }, tokio::spawn(batch_loop(queue, rx)))
    }

    /// Deletes the message with `receipt`; true when the queue confirmed it. A failed delete is
    /// logged: the message comes back after its visibility timeout and finds its outputs done.
    pub async fn delete(&self, receipt: String) -> bool {
        let (done, answer) = oneshot::channel();
        if self.tx.send((receipt, done)).await.is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }
}

async fn batch_loop(queue: Arc<dyn JobQueue>, mut rx: mpsc::Receiver<Request>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let gather = tokio::time::sleep(GATHER);
        tokio::pin!(gather);
        while batch.len() < BATCH {
            tokio::select! {
                next = rx.recv() => match next {
                    Some(r) => batch.push(r),
                    None => break,
                },
                () = &mut gather => break,
            }
        }
        let receipts: Vec<String> = batch.iter().map(|(r, _)| r.clone()).collect();
        let failed = match queue.delete_batch(&receipts).await {
            Ok(failed) => failed,
            Err(e) => {
                tracing::warn!("deleting {} messages failed: {e}", receipts.len());
                receipts.clone()
            }
        };
        for (receipt, done) in batch {
            let ok = !failed.contains(&receipt);
            if !ok {
                tracing::warn!("a message could not be deleted; it will be redelivered");
            }
            let _ = done.send(ok);
        }
    }
}
