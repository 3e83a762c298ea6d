//! A small HTTP service for Nubes: the agent runs it once per request, CGI style (the request
//! in environment variables and stdin, the response on stdout).
//!
//! - `GET /` greets (with `$GREETING` if the manifest sets it);
//! - `GET /counter` counts visits in a file of the lease's private directory;
//! - `POST /echo` answers the request body;
//! - anything else is a 404.

use std::io::{Read, Write};

fn respond(status: &str, content_type: &str, body: &[u8]) {
	let mut out = std::io::stdout().lock();
	let _ = write!(out, "Status: {status}\r\nContent-Type: {content_type}\r\n\r\n");
	let _ = out.write_all(body);
	let _ = out.flush();
}

fn main() {
	let method = std::env::var("REQUEST_METHOD").unwrap_or_default();
	let path = std::env::var("PATH_INFO").unwrap_or_else(|_| "/".into());
	match (method.as_str(), path.as_str()) {
		("GET", "/") => {
			let greeting = std::env::var("GREETING").unwrap_or_else(|_| "Hello".into());
			let lease = std::env::var("NUBES_LEASE").unwrap_or_default();
			let body = format!("{greeting} from Nubes lease {lease}\n");
			respond("200 OK", "text/plain; charset=utf-8", body.as_bytes());
		},
		("GET", "/counter") => {
			let count = std::fs::read_to_string("/counter")
				.ok()
				.and_then(|t| t.trim().parse::<u64>().ok())
				.unwrap_or(0) + 1;
			match std::fs::write("/counter", count.to_string()) {
				Ok(()) => respond("200 OK", "text/plain", format!("{count}\n").as_bytes()),
				Err(e) => respond("500 Internal Server Error", "text/plain", e.to_string().as_bytes()),
			}
		},
		("POST", "/echo") => {
			let mut body = Vec::new();
			let _ = std::io::stdin().read_to_end(&mut body);
			respond("200 OK", "application/octet-stream", &body);
		},
		_ => {
			eprintln!("no route for {method} {path}");
			respond("404 Not Found", "text/plain", b"not found\n");
		},
	}
}
