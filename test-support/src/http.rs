//! HTTP to the agent's lease hosts from a test.

use std::time::Duration;

/// A GET of `url`: its status and body (any status), or why there was no answer. `localhost`
/// and every `*.localhost` name resolve to loopback, as browsers resolve them, so that lease
/// hosts (`l{id}.localhost`) answer without DNS.
pub fn http_get(url: &str) -> Result<(u16, String), String> {
	let agent = ureq::AgentBuilder::new()
		.timeout(Duration::from_secs(10))
		.resolver(|address: &str| -> std::io::Result<Vec<std::net::SocketAddr>> {
			let (host, port) = address.rsplit_once(':').unwrap_or((address, "80"));
			if host == "localhost" || host.ends_with(".localhost") {
				let port = port.parse().map_err(std::io::Error::other)?;
				return Ok(vec![std::net::SocketAddr::from(([127, 0, 0, 1], port))]);
			}
			std::net::ToSocketAddrs::to_socket_addrs(address).map(|a| a.collect())
		})
		.build();
	match agent.get(url).call() {
		Ok(r) => Ok((r.status(), r.into_string().unwrap_or_default())),
		Err(ureq::Error::Status(code, r)) => Ok((code, r.into_string().unwrap_or_default())),
		Err(e) => Err(e.to_string()),
	}
}
