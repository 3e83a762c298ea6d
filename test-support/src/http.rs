//! HTTP to the agent's lease hosts from a test.

use std::time::Duration;

/// A GET of `url`: its status and body (any status), or why there was no answer. `localhost`
/// and every `*.localhost` name resolve to loopback, as browsers resolve them, so that lease
/// hosts (`l{id}.localhost`) answer without DNS.
pub fn http_get(url: &str) -> Result<(u16, String), String> {
	match loopback_agent().get(url).call() {
		Ok(r) => Ok((r.status(), r.into_string().unwrap_or_default())),
		Err(ureq::Error::Status(code, r)) => Ok((code, r.into_string().unwrap_or_default())),
		Err(e) => Err(e.to_string()),
	}
}

/// An answer: its status, headers (names in lower case) and body.
#[derive(Clone, Debug)]
pub struct Answer {
	/// The status.
	pub status: u16,
	/// Each header's first value, by lower-case name.
	pub headers: std::collections::BTreeMap<String, String>,
	/// The body's bytes.
	pub body: Vec<u8>,
}

impl Answer {
	/// A header's value, if present.
	pub fn header(&self, name: &str) -> Option<&str> {
		self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
	}
}

/// A GET of `url` with `headers` (`*.localhost` on loopback, as [`http_get`]), whatever its
/// status; its bytes as they came.
pub fn http_fetch(url: &str, headers: &[(&str, &str)]) -> Result<Answer, String> {
	let mut request = loopback_agent().get(url);
	for (name, value) in headers {
		request = request.set(name, value);
	}
	let response = match request.call() {
		Ok(response) | Err(ureq::Error::Status(_, response)) => response,
		Err(e) => return Err(e.to_string()),
	};
	let status = response.status();
	let headers = response
		.headers_names()
		.into_iter()
		.filter_map(|name| {
			let value = response.header(&name)?.to_string();
			Some((name.to_ascii_lowercase(), value))
		})
		.collect();
	let mut body = Vec::new();
	std::io::Read::read_to_end(&mut response.into_reader(), &mut body)
		.map_err(|e| e.to_string())?;
	Ok(Answer { status, headers, body })
}

/// A POST of `body` as JSON to `url` (`*.localhost` on loopback); the JSON answer, whatever
/// its status.
pub fn http_post_json(url: &str, body: &serde_json::Value) -> Result<serde_json::Value, String> {
	match loopback_agent().post(url).send_json(body) {
		Ok(response) | Err(ureq::Error::Status(_, response)) => {
			response.into_json().map_err(|e| e.to_string())
		}
		Err(e) => Err(e.to_string()),
	}
}

/// A client that resolves `localhost` and `*.localhost` to loopback, as browsers do.
fn loopback_agent() -> ureq::Agent {
	ureq::AgentBuilder::new()
		.timeout(Duration::from_secs(10))
		.resolver(|address: &str| -> std::io::Result<Vec<std::net::SocketAddr>> {
			let (host, port) = address.rsplit_once(':').unwrap_or((address, "80"));
			if host == "localhost" || host.ends_with(".localhost") {
				let port = port.parse().map_err(std::io::Error::other)?;
				return Ok(vec![std::net::SocketAddr::from(([127, 0, 0, 1], port))]);
			}
			std::net::ToSocketAddrs::to_socket_addrs(address).map(|a| a.collect())
		})
		.build()
}
