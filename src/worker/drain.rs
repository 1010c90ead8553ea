//! Draining: the [`Drain`] token the worker is given, and the watchers the binary starts to
//! trigger it (SIGTERM, SIGINT, an EC2 spot interruption notice). A started drain stops the
//! receiving; jobs still running when its deadline passes are released. What a drain does to
//! messages is the receive loop's business.

use crate::error::{Error, Result};
use crate::telemetry;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often the instance metadata service is asked for a spot notice.
pub const SPOT_POLL: Duration = Duration::from_secs(5);

/// IMDS path that answers 404 until a spot interruption is scheduled.
const SPOT_PATH: &str = "/latest/meta-data/spot/instance-action";

/// The drain state: started (no more receiving) and expired (release what still runs).
#[derive(Clone)]
pub struct Drain {
    started: Arc<watch::Sender<bool>>,
    expired: Arc<watch::Sender<bool>>,
    timeout: Duration,
}

impl Drain {
    /// A drain that expires `timeout` after it starts.
    pub fn new(timeout: Duration) -> Drain {
        Drain {
            started: Arc::new(watch::channel(false).0),
            expired: Arc::new(watch::channel(false).0),
            timeout,
        }
    }

    /// Starts the drain (once; later calls only log). Must run inside the runtime.
    pub fn start(&self, reason: &str) {
        if self.started.send_replace(true) {
            tracing::info!(reason, "already draining");
            return;
        }
        telemetry::draining(reason);
        let expired = self.expired.clone();
        let timeout = self.timeout;
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            expired.send_replace(true);
        });
    }

    /// Ends the drain now: running jobs are released.
    pub fn expire(&self) {
        self.expired.send_replace(true);
    }

    /// True once draining started.
    pub fn is_started(&self) -> bool {
        *self.started.borrow()
    }

    /// True once the deadline passed.
    pub fn is_expired(&self) -> bool {
        *self.expired.borrow()
    }

    /// Resolves when draining starts.
    pub async fn started(&self) {
        let _ = self.started.subscribe().wait_for(|s| *s).await;
    }

    /// Resolves when the deadline passes.
    pub async fn expired(&self) {
        let _ = self.expired.subscribe().wait_for(|s| *s).await;
    }
}

/// Drains on SIGTERM or SIGINT; a second signal expires the drain at once.
pub fn watch_signals(drain: Drain) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let listen =
        |kind| signal(kind).map_err(|e| Error::Internal(format!("cannot listen for signals: {e}")));
    let mut term = listen(SignalKind::terminate())?;
    let mut int = listen(SignalKind::interrupt())?;
    tokio::spawn(async move {
        loop {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            if drain.is_started() {
                tracing::warn!("second {name}: releasing running jobs now");
                drain.expire();
            } else {
                drain.start(name);
            }
        }
    });
    Ok(())
}

/// Polls the instance metadata service (IMDSv2, token-authenticated) at `endpoint` every
/// `SPOT_POLL` and drains when a spot interruption is scheduled. Off EC2 the calls fail
/// quickly and are logged once.
pub fn watch_spot_notices(endpoint: &str, drain: Drain) -> Result<()> {
    let client = aws_config::imds::Client::builder()
        .endpoint(endpoint)
        .map_err(|e| Error::Settings(format!("--imds-endpoint {endpoint:?}: {e}")))?
        .max_attempts(1)
        .connect_timeout(Duration::from_secs(1))
        .read_timeout(Duration::from_secs(2))
        .build();
    tokio::spawn(async move {
        let mut warned = false;
        while !drain.is_started() {
            match client.get(SPOT_PATH).await {
                Ok(notice) => {
                    drain.start(&format!("spot interruption notice {}", notice.as_ref()));
                    return;
                }
                Err(aws_config::imds::client::error::ImdsError::ErrorResponse(r))
                    if r.response().status().as_u16() == 404 => {}
                Err(e) if !warned => {
                    tracing::info!("instance metadata not reachable; spot notices unseen: {e}");
                    warned = true;
                }
                Err(e) => tracing::debug!("instance metadata: {e}"),
            }
            tokio::time::sleep(SPOT_POLL).await;
        }
    });
    Ok(())
}
