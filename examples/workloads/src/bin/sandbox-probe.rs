//! A workload that tries what a lease must not do, to test the agent's limits. Its first
//! argument (or, as an HTTP service, its path) picks the attempt:
//!
//! - `memory`: allocate without end;
//! - `spin`: loop forever;
//! - `escape`: write outside its directory (`/../escaped`, then the absolute host path given
//!   in `$HOST_PATH`);
//! - `connect`: open a TCP connection to `$TARGET` (`host:port`, a name or an address);
//! - `sleep`: sleep in a host call for an hour;
//! - `fill`: write `/fill` until the disk refuses, then say how much it took;
//! - `handles`: open `/` again and again, keeping every handle, until refused;
//! - `ok`: print "ok".

use std::io::Write;

fn attempt(what: &str) -> Result<String, String> {
	match what {
		"memory" => {
			let mut hoard: Vec<Vec<u8>> = Vec::new();
			loop {
				let mut chunk = vec![0u8; 1 << 20];
				chunk[0] = 1;
				hoard.push(chunk);
			}
		},
		"spin" => {
			let mut x: u64 = 0;
			loop {
				x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
			}
		},
		"escape" => {
			let mut results = Vec::new();
			for path in ["/../escaped".to_string(), std::env::var("HOST_PATH").unwrap_or_default()] {
				if path.is_empty() {
					continue;
				}
				match std::fs::write(&path, b"escaped") {
					Ok(()) => return Err(format!("wrote {path}")),
					Err(e) => results.push(format!("{path}: {e}")),
				}
			}
			std::fs::write("/inside", b"inside").map_err(|e| format!("cannot write inside: {e}"))?;
			Ok(format!("refused: {}", results.join("; ")))
		},
		"connect" => {
			let target = std::env::var("TARGET").map_err(|_| "no TARGET".to_string())?;
			match std::net::TcpStream::connect(&target) {
				Ok(mut stream) => {
					let _ = stream.write_all(b"hello from the sandbox");
					Ok(format!("connected to {target}"))
				},
				Err(e) => Err(format!("connect {target}: {e}")),
			}
		},
		"sleep" => {
			std::thread::sleep(std::time::Duration::from_secs(3600));
			Ok("slept an hour".into())
		},
		"fill" => {
			let mut file =
				std::fs::File::create("/fill").map_err(|e| format!("cannot create /fill: {e}"))?;
			let chunk = vec![7u8; 1 << 20];
			let mut written: u64 = 0;
			loop {
				match file.write(&chunk) {
					Ok(0) => return Err(format!("wrote {written} bytes, then 0")),
					Ok(n) => written += n as u64,
					Err(e) => {
						let flushed = file.sync_all().err().map(|e| format!("; sync: {e}"));
						return Err(format!(
							"disk full after {written} bytes: {e}{}",
							flushed.unwrap_or_default()
						));
					},
				}
			}
		},
		"handles" => {
			let mut open = Vec::new();
			while open.len() < 100_000 {
				match std::fs::File::open("/") {
					Ok(file) => open.push(file),
					Err(e) => return Ok(format!("{} handles open, then: {e}", open.len())),
				}
			}
			Err(format!("{} handles open and more to come", open.len()))
		},
		"ok" => Ok("ok".into()),
		other => Err(format!("unknown attempt {other:?}")),
	}
}

fn main() {
	let from_http = std::env::var("REQUEST_METHOD").is_ok();
	let what = if from_http {
		std::env::var("PATH_INFO").unwrap_or_default().trim_start_matches('/').to_string()
	} else {
		std::env::args().nth(1).unwrap_or_default()
	};
	let result = attempt(&what);
	if from_http {
		let (status, text) = match &result {
			Ok(t) => ("200 OK", t.clone()),
			Err(e) => ("500 Internal Server Error", e.clone()),
		};
		print!("Status: {status}\r\nContent-Type: text/plain\r\n\r\n{text}");
	} else {
		match result {
			Ok(text) => println!("{text}"),
			Err(e) => {
				eprintln!("{e}");
				std::process::exit(1);
			},
		}
	}
}
