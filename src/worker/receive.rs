//! The receive loop: messages received only for free slots, each run under a heartbeat, then
//! deleted or released according to its [`Outcome`] (retry with a growing delay, release at
//! once for the redrive policy or on a drain). What a message's jobs do is [`super::job`]'s.

use super::Shared;
use super::heartbeat::Heartbeat;
use super::job::{self, Outcome};
use crate::queue::Received;
use crate::telemetry;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tracing::Instrument;

/// Most messages one receive call returns (SQS's limit).
const MAX_RECEIVE: usize = 10;

/// Receives while slots are free and nothing drains; returns once every job task ended.
pub async fn receive_loop(shared: &Arc<Shared>) {
    let slots = Arc::new(Semaphore::new(shared.config.concurrency));
    let mut tasks = JoinSet::new();
    let mut failures = 0u32;
    loop {
        let permits = tokio::select! {
            permits = free_slots(&slots) => permits,
            () = shared.drain.started() => break,
        };
        if permits.is_empty() {
            break; // the semaphore was closed: nothing can run any more
        }
        let visibility = shared.config.visibility_timeout;
        let wait = shared.config.receive_wait;
        // A poll is never abandoned: the server would keep it open and could hand it a
        // message (even one this worker just released) that nobody then sees until its
        // visibility timeout. What arrives after a drain started is released at once.
        let queue = &shared.services.queue;
        let received = queue.receive(permits.len(), wait, visibility).await;
        if shared.drain.is_started() {
            for message in received.unwrap_or_default() {
                settle(shared, &message, Outcome::Abandoned).await;
            }
            break;
        }
        match received {
            Ok(messages) => {
                failures = 0;
                telemetry::queue_ready(true);
                // Permits first: `zip` takes from its first iterator first, so a message
                // beyond the permits stays in `messages` instead of being dropped.
                let mut messages = messages.into_iter();
                for (permit, message) in permits.into_iter().zip(messages.by_ref()) {
                    let shared = shared.clone();
                    tasks.spawn(async move {
                        handle(&shared, message).await;
                        drop(permit);
                    });
                }
                for surplus in messages {
                    release(shared, &surplus, 0, "more messages than free slots".into()).await;
                }
            }
            Err(e) => {
                failures += 1;
                telemetry::queue_ready(false);
                let pause = Duration::from_secs(u64::from(failures.min(5)) * 2);
                tracing::warn!(
                    "receiving failed ({failures} in a row), retrying in {pause:?}: {e}"
                );
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = shared.drain.started() => break,
                }
            }
        }
        while tasks.try_join_next().is_some() {}
    }
    while tasks.try_join_next().is_some() {}
    let running = tasks.len();
    if running > 0 {
        tracing::info!(running, "waiting for running jobs until the drain deadline");
    }
    while tasks.join_next().await.is_some() {}
}

/// Waits for one free slot, then takes every other free one, up to [`MAX_RECEIVE`].
async fn free_slots(slots: &Arc<Semaphore>) -> Vec<OwnedSemaphorePermit> {
    // The semaphore is never closed, so the first acquire only waits.
    let first = slots.clone().acquire_owned().await;
    let mut permits: Vec<_> = first.into_iter().collect();
    while permits.len() < MAX_RECEIVE {
        match slots.clone().try_acquire_owned() {
            Ok(p) => permits.push(p),
            Err(_) => break,
        }
    }
    permits
}

/// Runs one message to its end: deleted, released for a retry, or released because the
/// drain deadline passed.
async fn handle(shared: &Shared, message: Received) {
    let span = tracing::info_span!(
        "message",
        message_id = %message.message_id,
        receive_count = message.receive_count
    );
    async {
        telemetry::message_received(&message.message_id, message.receive_count);
        let heartbeat = Heartbeat::start(
            shared.services.queue.clone(),
            message.receipt.clone(),
            shared.config.visibility_timeout,
        );
        let outcome = tokio::select! {
            o = job::run_message(shared, &message) => o,
            () = shared.drain.expired() => Outcome::Abandoned,
        };
        drop(heartbeat);
        settle(shared, &message, outcome).await;
    }
    .instrument(span)
    .await;
}

/// Makes `message` visible again after `delay` seconds.
async fn release(shared: &Shared, message: &Received, delay: u32, reason: String) {
    let queue = &shared.services.queue;
    match queue.set_visibility(&message.receipt, delay).await {
        Ok(()) => telemetry::message_released(&message.message_id, delay as i32, &reason),
        Err(e) => tracing::warn!(
            "releasing the message failed; it returns after its visibility timeout: {e}"
        ),
    }
}

/// Deletes or releases a message according to its outcome.
async fn settle(shared: &Shared, message: &Received, outcome: Outcome) {
    let id = &message.message_id;
    match outcome {
        Outcome::Done => {
            if shared.deleter.delete(message.receipt.clone()).await {
                telemetry::message_deleted(id);
            }
        }
        Outcome::Ignored(reason) => {
            if shared.deleter.delete(message.receipt.clone()).await {
                telemetry::message_ignored(id, &reason);
            }
        }
        Outcome::Retry(reason) => {
            let delay = shared.config.retry_delay_for(message.receive_count);
            release(shared, message, delay, reason).await;
        }
        Outcome::Reject(reason) => {
            telemetry::message_rejected(id, &reason);
            release(shared, message, 0, reason).await;
        }
        Outcome::Abandoned if shared.drain.is_expired() => {
            release(shared, message, 0, "drain deadline passed".into()).await;
        }
        Outcome::Abandoned => release(shared, message, 0, "received while draining".into()).await,
    }
}
