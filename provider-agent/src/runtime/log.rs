//! A lease's log: stdout and stderr as the workload writes them, kept to a byte budget by
//! dropping the older half when it fills.

use bytes::Bytes;
use std::{
	fs::File,
	io::{Read, Write},
	path::{Path, PathBuf},
	pin::Pin,
	sync::{Arc, Mutex},
	task::{Context, Poll},
};
use wasmtime_wasi::{
	cli::{IsTerminal, StdoutStream},
	p2::{OutputStream, Pollable, StreamError, StreamResult},
};

struct State {
	path: PathBuf,
	file: File,
	size: u64,
	limit: u64,
}

impl State {
	fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
		if self.size + bytes.len() as u64 > self.limit / 2 {
			// The current half becomes the older one.
			std::fs::rename(&self.path, self.path.with_extension("log.1"))?;
			self.file = File::create(&self.path)?;
			self.size = 0;
		}
		let keep = bytes.len().min((self.limit / 2) as usize);
		self.file.write_all(&bytes[bytes.len() - keep..])?;
		self.size += keep as u64;
		Ok(())
	}
}

/// A lease's log file, shared by all its invocations.
#[derive(Clone)]
pub struct LogSink(Arc<Mutex<State>>);

impl LogSink {
	/// Opens (appending) the log at `path`, keeping about `limit` bytes.
	pub fn open(path: &Path, limit: u64) -> std::io::Result<Self> {
		let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
		let size = file.metadata()?.len();
		Ok(Self(Arc::new(Mutex::new(State { path: path.to_path_buf(), file, size, limit }))))
	}

	/// Appends bytes (the agent's own notes about the lease go here too).
	pub fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
		self.0.lock().map_err(|_| std::io::Error::other("log lock poisoned"))?.write(bytes)
	}

	/// The last `tail` bytes written.
	pub fn tail(&self, tail: u64) -> std::io::Result<Vec<u8>> {
		let path =
			self.0.lock().map_err(|_| std::io::Error::other("log lock poisoned"))?.path.clone();
		read_tail(&path, tail)
	}
}

/// The last `tail` bytes of the log at `path` and its older half.
pub fn read_tail(path: &Path, tail: u64) -> std::io::Result<Vec<u8>> {
	let mut out = Vec::new();
	let older = path.with_extension("log.1");
	for file in [older.as_path(), path] {
		match File::open(file) {
			Ok(mut f) => {
				f.read_to_end(&mut out)?;
			}
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
			Err(e) => return Err(e),
		}
	}
	let start = out.len().saturating_sub(tail as usize);
	out.drain(..start);
	Ok(out)
}

impl IsTerminal for LogSink {
	fn is_terminal(&self) -> bool {
		false
	}
}

impl StdoutStream for LogSink {
	fn p2_stream(&self) -> Box<dyn OutputStream> {
		Box::new(self.clone())
	}

	fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
		Box::new(self.clone())
	}
}

#[wasmtime_wasi::async_trait]
impl Pollable for LogSink {
	async fn ready(&mut self) {}
}

impl OutputStream for LogSink {
	fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
		LogSink::write(self, &bytes).map_err(|e| StreamError::LastOperationFailed(e.into()))
	}

	fn flush(&mut self) -> StreamResult<()> {
		Ok(())
	}

	fn check_write(&mut self) -> StreamResult<usize> {
		Ok(64 * 1024)
	}
}

impl tokio::io::AsyncWrite for LogSink {
	fn poll_write(
		self: Pin<&mut Self>,
		_cx: &mut Context<'_>,
		buf: &[u8],
	) -> Poll<std::io::Result<usize>> {
		Poll::Ready(LogSink::write(&self, buf).map(|()| buf.len()))
	}

	fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
		Poll::Ready(Ok(()))
	}

	fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
		Poll::Ready(Ok(()))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_log_keeps_its_budget_and_the_newest_bytes() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("lease.log");
		let log = LogSink::open(&path, 100).unwrap();
		for i in 0..30u8 {
			log.write(format!("line {i:02}\n").as_bytes()).unwrap();
		}
		let all = log.tail(10_000).unwrap();
		assert!(all.len() <= 100, "{}", all.len());
		assert!(String::from_utf8(all).unwrap().ends_with("line 29\n"));
		assert_eq!(log.tail(8).unwrap(), b"line 29\n");
		// A write larger than the budget keeps its end.
		log.write(&[b'x'; 500]).unwrap();
		assert_eq!(log.tail(10_000).unwrap().iter().filter(|b| **b == b'x').count(), 50);
	}
}
