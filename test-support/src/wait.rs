//! Waits that end as soon as their condition holds and fail naming what they waited for.

use std::{
	thread::sleep,
	time::{Duration, Instant},
};

/// Waits until `check` returns `Some`, or panics with `what` after `timeout`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
	let deadline = Instant::now() + timeout;
	loop {
		if let Some(value) = check() {
			return value;
		}
		if Instant::now() > deadline {
			panic!("timed out after {timeout:?} waiting for {what}");
		}
		sleep(Duration::from_millis(250));
	}
}

/// Waits until something listens on loopback `port`, or panics naming `what` after 60 s.
pub fn wait_for_port(port: u16, what: &str) {
	wait_for(&format!("{what} to open port {port}"), Duration::from_secs(60), || {
		std::net::TcpStream::connect(("127.0.0.1", port)).ok()
	});
}

/// The async [`wait_for`]: polls `check` every 250 ms on the test's runtime.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = Option<T>>,
{
	let deadline = Instant::now() + timeout;
	loop {
		if let Some(value) = check().await {
			return value;
		}
		assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
}
