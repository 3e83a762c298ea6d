//! The HTTP server under every router of the agent: hyper's HTTP/1 connection builder with a
//! header-read timeout (a client that dribbles its headers is cut off), a cap on open
//! connections in all and per client address (slowloris from one address cannot take the
//! server), and graceful shutdown. Request-level limits (time, concurrency, body size) are
//! layers of the routers themselves.

use axum::{extract::ConnectInfo, Router};
use hyper_util::{
	rt::{TokioIo, TokioTimer},
	server::graceful::GracefulShutdown,
	service::TowerToHyperService,
};
use std::{
	collections::HashMap,
	net::IpAddr,
	sync::{Arc, Mutex},
	time::Duration,
};
use tokio::{net::TcpListener, sync::watch};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// Connection limits of one listener.
#[derive(Clone, Debug)]
pub struct ServerLimits {
	/// Open connections in all.
	pub max_connections: usize,
	/// Open connections from one client address.
	pub max_connections_per_ip: usize,
	/// Whether loopback clients are exempt from the per-address cap: a TLS proxy on the same
	/// machine is one address for all its clients (it has limits of its own).
	pub exempt_loopback: bool,
	/// Time a client has to send a request's headers (also an idle keep-alive connection's
	/// time to start its next request).
	pub header_read_timeout: Duration,
	/// Time in-flight requests get to finish at shutdown.
	pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
	fn default() -> Self {
		Self {
			max_connections: 4096,
			max_connections_per_ip: 64,
			exempt_loopback: true,
			header_read_timeout: Duration::from_secs(10),
			shutdown_grace: Duration::from_secs(10),
		}
	}
}

/// Open connections, in all and per address; a slot is given back when its guard drops.
#[derive(Default)]
struct Connections {
	total: usize,
	by_ip: HashMap<IpAddr, usize>,
}

struct Slot {
	connections: Arc<Mutex<Connections>>,
	ip: IpAddr,
}

impl Drop for Slot {
	fn drop(&mut self) {
		if let Ok(mut c) = self.connections.lock() {
			c.total = c.total.saturating_sub(1);
			if let Some(n) = c.by_ip.get_mut(&self.ip) {
				*n = n.saturating_sub(1);
				if *n == 0 {
					c.by_ip.remove(&self.ip);
				}
			}
		}
	}
}

fn take_slot(
	connections: &Arc<Mutex<Connections>>,
	ip: IpAddr,
	limits: &ServerLimits,
) -> Option<Slot> {
	let mut c = connections.lock().ok()?;
	let from_ip = c.by_ip.get(&ip).copied().unwrap_or(0);
	let capped = !(limits.exempt_loopback && ip.is_loopback());
	if c.total >= limits.max_connections || capped && from_ip >= limits.max_connections_per_ip {
		return None;
	}
	c.total += 1;
	c.by_ip.insert(ip, from_ip + 1);
	Some(Slot { connections: connections.clone(), ip })
}

/// Serves `router` on `listener` (over TLS when `tls` is given) until `stop` turns true, then
/// lets in-flight requests finish for [`ServerLimits::shutdown_grace`]. Each request carries
/// its peer's address as [`ConnectInfo`]. A TLS handshake must end within the header-read
/// timeout, like a request's headers.
pub async fn serve(
	listener: TcpListener,
	router: Router,
	limits: ServerLimits,
	tls: Option<TlsAcceptor>,
	mut stop: watch::Receiver<bool>,
) {
	let connections = Arc::new(Mutex::new(Connections::default()));
	let graceful = GracefulShutdown::new();
	let mut builder = hyper::server::conn::http1::Builder::new();
	builder
		.timer(TokioTimer::new())
		.header_read_timeout(limits.header_read_timeout)
		.max_buf_size(64 * 1024);
	loop {
		let (stream, peer) = tokio::select! {
			accepted = listener.accept() => match accepted {
				Ok(pair) => pair,
				Err(e) => {
					// Out of descriptors, say: wait a little rather than spin.
					tracing::warn!(error = %e, "accept failed");
					tokio::time::sleep(Duration::from_millis(50)).await;
					continue;
				}
			},
			_ = stop.changed() => break,
		};
		let Some(slot) = take_slot(&connections, peer.ip(), &limits) else {
			// Over the cap: closed at once, before reading a byte.
			drop(stream);
			continue;
		};
		let _ = stream.set_nodelay(true);
		let router = router.clone();
		let service =
			tower::service_fn(move |mut request: axum::http::Request<hyper::body::Incoming>| {
				request.extensions_mut().insert(ConnectInfo(peer));
				router.clone().oneshot(request)
			});
		let service = TowerToHyperService::new(service);
		let (builder, watcher, tls) = (builder.clone(), graceful.watcher(), tls.clone());
		let handshake_timeout = limits.header_read_timeout;
		// The handshake runs in the connection's own task: a slow one holds only its slot.
		tokio::spawn(async move {
			match tls {
				None => {
					let connection = builder.serve_connection(TokioIo::new(stream), service);
					let _ = watcher.watch(connection).await;
				}
				Some(tls) => {
					let Ok(Ok(stream)) =
						tokio::time::timeout(handshake_timeout, tls.accept(stream)).await
					else {
						return;
					};
					let connection = builder.serve_connection(TokioIo::new(stream), service);
					let _ = watcher.watch(connection).await;
				}
			}
			drop(slot);
		});
	}
	drop(listener);
	tokio::select! {
		_ = graceful.shutdown() => {},
		_ = tokio::time::sleep(limits.shutdown_grace) => {},
	}
}
