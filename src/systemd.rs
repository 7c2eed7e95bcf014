//! The systemd notification protocol (`Type=notify`, `WatchdogSec=`): `READY=1` once the
//! database is prepared and both listeners are bound, `WATCHDOG=1` at half of
//! `WATCHDOG_USEC`, `STOPPING=1` when the shutdown signal arrives. Every call is a no-op when
//! `NOTIFY_SOCKET` is not set (a terminal, a container, the tests).

use std::time::Duration;

use sd_notify::NotifyState;

fn notify(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// `READY=1` with a status line shown by `systemctl status`.
pub fn notify_ready(status: &str) {
    notify(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// `STOPPING=1`: shutdown has begun.
pub fn notify_stopping() {
    notify(&[
        NotifyState::Stopping,
        NotifyState::Status("finishing in-flight requests"),
    ]);
}

/// The ping period: half of the watchdog timeout systemd gave us, if it gave one.
pub fn watchdog_period() -> Option<Duration> {
    sd_notify::watchdog_enabled()
        .map(|timeout| timeout / 2)
        .filter(|p| !p.is_zero())
}

/// Sends `WATCHDOG=1` every half watchdog timeout from a task of the runtime that serves
/// requests, so a wedged runtime stops the pings and systemd restarts the service. The
/// database is deliberately not checked: restarting would not heal it (`/ready` reports it).
pub fn spawn_watchdog() -> Option<tokio::task::JoinHandle<()>> {
    let period = watchdog_period()?;
    tracing::info!(
        period_ms = period.as_millis() as u64,
        "systemd watchdog enabled"
    );
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            notify(&[NotifyState::Watchdog]);
        }
    }))
}
