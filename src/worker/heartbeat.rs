//! The heartbeat: keeps a message invisible while its jobs run, so no other worker takes it.
//! It only renews; what happens to the message afterwards is the caller's decision.

use crate::queue::JobQueue;
use crate::telemetry;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// Renews a message's visibility timeout every third of it. Stops when dropped.
pub struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    /// Starts renewing `receipt` on `queue` for `visibility` seconds (at least 1) at a time.
    pub fn start(queue: Arc<dyn JobQueue>, receipt: String, visibility: u32) -> Heartbeat {
        let period = Duration::from_secs_f64(f64::from(visibility) / 3.0);
        let span = tracing::Span::current();
        Heartbeat(tokio::spawn(
            async move {
                loop {
                    tokio::time::sleep(period).await;
                    let result = queue.set_visibility(&receipt, visibility).await;
                    telemetry::heartbeat(result.as_ref().err().map(ToString::to_string));
                }
            }
            .instrument(span),
        ))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}
