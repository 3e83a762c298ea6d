//! Binaries of the workspace build and the processes started from them.

use std::{
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Output, Stdio},
	thread::sleep,
	time::{Duration, Instant},
};

/// A binary the workspace build put next to the running test (`target/<profile>/{name}`);
/// panics with how to build it if it is missing.
pub fn binary(name: &str) -> PathBuf {
	let exe = std::env::current_exe().expect("the test's own path");
	let dir = exe.parent().and_then(|deps| deps.parent()).expect("the target directory");
	let path = dir.join(name);
	assert!(
		path.exists(),
		"{} missing: build the workspace first (scripts/test.sh does)",
		path.display()
	);
	path
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|listener| listener.local_addr())
		.map(|addr| addr.port())
		.expect("the OS hands out a free loopback port")
}

/// Makes the kernel kill the child when the test process dies, however it dies.
pub fn kill_with_parent(command: &mut Command) {
	use std::os::unix::process::CommandExt;
	// SAFETY: `prctl` is async-signal-safe and touches only the child's own attributes.
	unsafe {
		command.pre_exec(|| {
			if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
				return Err(std::io::Error::last_os_error());
			}
			Ok(())
		});
	}
}

/// A child process whose output goes to a log file, killed (SIGKILL) when dropped, also when
/// the test panics, and by the kernel when the test process dies.
pub struct Process {
	child: Option<Child>,
	log: PathBuf,
}

impl Process {
	/// Starts `command` with stdin closed and stdout and stderr appended to `log`.
	pub fn spawn(mut command: Command, log: &Path) -> Self {
		let file = std::fs::OpenOptions::new()
			.create(true)
			.append(true)
			.open(log)
			.expect("the log file can be opened");
		let err = file.try_clone().expect("the log file handle can be cloned");
		command.stdin(Stdio::null()).stdout(file).stderr(err);
		kill_with_parent(&mut command);
		let child = command.spawn().unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
		Self { child: Some(child), log: log.to_path_buf() }
	}

	/// Stops it with SIGKILL, the harshest way a process can disappear, and reaps it.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Its process id, while it runs.
	pub fn id(&self) -> Option<u32> {
		self.child.as_ref().map(Child::id)
	}

	/// CPU time it has used so far (user and system), from `/proc`.
	pub fn cpu_time(&self) -> Option<Duration> {
		let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.id()?)).ok()?;
		// Fields after the command name, which is in parentheses and may hold spaces.
		let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
		let ticks: u64 =
			fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
		// SAFETY: `sysconf` only reads a system constant.
		let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
		Some(Duration::from_secs_f64(ticks as f64 / per_second.max(1) as f64))
	}

	/// Sends it `signal` (`libc::SIGTERM`, say) without waiting.
	pub fn signal(&self, signal: i32) {
		if let Some(child) = &self.child {
			// SAFETY: `kill` on our own child's pid, which is not reaped while we hold it.
			unsafe { libc::kill(child.id() as libc::pid_t, signal) };
		}
	}

	/// Waits up to `timeout` for it to exit; its exit status, or `None` if it still runs.
	pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
		let deadline = Instant::now() + timeout;
		loop {
			let status = self.child.as_mut()?.try_wait().ok().flatten();
			if status.is_some() {
				self.child = None;
				return status;
			}
			if Instant::now() > deadline {
				return None;
			}
			sleep(Duration::from_millis(100));
		}
	}

	/// Its log file.
	pub fn log_path(&self) -> &Path {
		&self.log
	}

	/// The last `lines` lines it logged, to explain a failure.
	pub fn log_tail(&self, lines: usize) -> String {
		let text = std::fs::read_to_string(&self.log).unwrap_or_default();
		let all: Vec<&str> = text.lines().collect();
		all[all.len().saturating_sub(lines)..].join("\n")
	}
}

impl Drop for Process {
	fn drop(&mut self) {
		self.kill();
	}
}

/// Runs `binary` with `args` to its exit (for commands expected to end), with its output;
/// panics with its stderr if it runs past `timeout`. The output is read while the command runs,
/// so one that prints more than a pipe holds (a chain spec) does not stall.
pub fn run_to_exit(binary: &Path, args: &[&str], timeout: Duration) -> Output {
	use std::io::Read;
	let mut command = Command::new(binary);
	command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
	kill_with_parent(&mut command);
	let mut child = command.spawn().expect("the binary starts");
	let drain = |pipe: Option<Box<dyn Read + Send>>| {
		std::thread::spawn(move || {
			let mut bytes = Vec::new();
			if let Some(mut pipe) = pipe {
				let _ = pipe.read_to_end(&mut bytes);
			}
			bytes
		})
	};
	let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
	let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
	let deadline = Instant::now() + timeout;
	let status = loop {
		if let Some(status) = child.try_wait().expect("the child's status can be read") {
			break status;
		}
		if Instant::now() > deadline {
			let _ = child.kill();
			let _ = child.wait();
			let stderr = stderr.join().unwrap_or_default();
			panic!(
				"{} {args:?} did not exit within {timeout:?}; stderr:\n{}",
				binary.display(),
				String::from_utf8_lossy(&stderr)
			);
		}
		sleep(Duration::from_millis(100));
	};
	Output {
		status,
		stdout: stdout.join().unwrap_or_default(),
		stderr: stderr.join().unwrap_or_default(),
	}
}
