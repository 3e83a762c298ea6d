//! Each lease's scratch directory as a filesystem of its own, exactly as large as the storage
//! its lease pays for: an ext4 image in the lease's directory, allocated in full when the
//! lease starts (so its space is the lease's, and a tenant filling it cannot touch the
//! volume that holds the agent's database or other leases' data), and loop-mounted on the
//! lease's `scratch` directory with `nosuid,nodev,noexec`. The kernel enforces the size: a
//! write past it fails in the guest with "no space left on device".
//!
//! Mounting needs root (or `CAP_SYS_ADMIN`) and `mkfs.ext4` (e2fsprogs). Where the agent
//! cannot mount, it sells no storage (`storage_gib` 0) and leases get a read-only scratch
//! directory. A lease that bought no storage gets a read-only one too.

use std::{
	path::{Path, PathBuf},
	process::Command,
};

/// Why a lease's volume cannot be made or mounted.
#[derive(Debug, thiserror::Error)]
#[error("scratch volume: {0}")]
pub struct VolumeError(String);

fn run(command: &mut Command) -> Result<(), VolumeError> {
	let output = command
		.output()
		.map_err(|e| VolumeError(format!("cannot run {:?}: {e}", command.get_program())))?;
	if output.status.success() {
		Ok(())
	} else {
		Err(VolumeError(format!(
			"{:?} failed: {}",
			command.get_program(),
			String::from_utf8_lossy(&output.stderr).trim()
		)))
	}
}

/// Whether `dir` is a mount point (per this process's mount table).
pub fn is_mounted(dir: &Path) -> bool {
	let Ok(canonical) = dir.canonicalize() else { return false };
	let Ok(table) = std::fs::read_to_string("/proc/self/mountinfo") else { return false };
	let wanted = canonical.to_string_lossy().replace(' ', "\\040");
	table.lines().any(|line| line.split(' ').nth(4) == Some(wanted.as_str()))
}

/// The image file of a lease directory's volume.
pub fn image_of(lease_dir: &Path) -> PathBuf {
	lease_dir.join("scratch.img")
}

/// Makes (if new) and mounts (if not mounted) a volume of `bytes` on `lease_dir/scratch`;
/// returns the scratch directory.
pub fn mount(lease_dir: &Path, bytes: u64) -> Result<PathBuf, VolumeError> {
	let scratch = lease_dir.join("scratch");
	std::fs::create_dir_all(&scratch).map_err(|e| VolumeError(e.to_string()))?;
	if is_mounted(&scratch) {
		return Ok(scratch);
	}
	let image = image_of(lease_dir);
	if !image.exists() {
		let partial = image.with_extension("img.part");
		allocate(&partial, bytes)?;
		run(Command::new("mkfs.ext4")
			.args(["-q", "-F", "-m", "0", "-O", "^has_journal", "-E", "nodiscard"])
			.arg(&partial))?;
		std::fs::rename(&partial, &image).map_err(|e| VolumeError(e.to_string()))?;
	}
	run(Command::new("mount")
		.args(["-o", "loop,nosuid,nodev,noexec,noatime"])
		.arg(&image)
		.arg(&scratch))?;
	Ok(scratch)
}

/// A file of `bytes` whose blocks are all allocated now, so later writes never find the
/// host volume full.
fn allocate(path: &Path, bytes: u64) -> Result<(), VolumeError> {
	use std::os::fd::AsRawFd;
	let file = std::fs::File::create(path).map_err(|e| VolumeError(e.to_string()))?;
	let length = libc::off_t::try_from(bytes).map_err(|_| VolumeError("too large".into()))?;
	// SAFETY: `fallocate` on a descriptor we own, for a range we own.
	let rc = unsafe { libc::fallocate(file.as_raw_fd(), 0, 0, length) };
	if rc != 0 {
		let error = std::io::Error::last_os_error();
		let _ = std::fs::remove_file(path);
		return Err(VolumeError(format!("cannot allocate {bytes} bytes: {error}")));
	}
	Ok(())
}

/// Unmounts a lease's volume (lazily: instances still stopping keep it until they end) and
/// deletes its image.
pub fn release(lease_dir: &Path) -> Result<(), VolumeError> {
	let scratch = lease_dir.join("scratch");
	if is_mounted(&scratch) {
		run(Command::new("umount").arg("-l").arg(&scratch))?;
	}
	match std::fs::remove_file(image_of(lease_dir)) {
		Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(VolumeError(e.to_string())),
		_ => Ok(()),
	}
}

/// Bytes still free for the lease on the volume holding `dir`, and its size.
pub fn space(dir: &Path) -> Option<(u64, u64)> {
	use std::os::unix::ffi::OsStrExt;
	let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
	// SAFETY: `statvfs` fills a struct we own from a valid C string.
	let stat = unsafe {
		let mut stat: libc::statvfs = std::mem::zeroed();
		if libc::statvfs(path.as_ptr(), &mut stat) != 0 {
			return None;
		}
		stat
	};
	let block = stat.f_frsize as u64;
	Some((stat.f_bavail as u64 * block, stat.f_blocks as u64 * block))
}

/// A note for the lease's log when its volume is full (a guest sees only a failed write).
pub fn full_note(scratch: &Path) -> Option<String> {
	if !is_mounted(scratch) {
		return None;
	}
	let (free, size) = space(scratch)?;
	(free < 1 << 20).then(|| {
		format!("[agent] the lease's scratch space is full: {size} bytes, as much as it bought\n")
	})
}

/// Checks that this agent can make and mount volumes in `data_dir`, with a small one made,
/// written and released.
pub fn probe(data_dir: &Path) -> Result<(), VolumeError> {
	let dir = data_dir.join("volume-probe");
	let _ = release(&dir);
	let result = mount(&dir, 4 << 20).and_then(|scratch| {
		std::fs::write(scratch.join("probe"), b"ok").map_err(|e| VolumeError(e.to_string()))
	});
	let released = release(&dir);
	let _ = std::fs::remove_dir_all(&dir);
	result.and(released)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_volume_holds_its_size_and_no_more() {
		let dir = tempfile::tempdir().unwrap();
		let lease = dir.path().join("leases/1");
		let scratch = mount(&lease, 8 << 20).expect("this machine mounts volumes (root)");
		assert!(is_mounted(&scratch));
		// Mounting again is a no-op.
		assert_eq!(mount(&lease, 8 << 20).unwrap(), scratch);
		let mut written = 0u64;
		let chunk = vec![1u8; 1 << 20];
		let error = loop {
			match std::fs::OpenOptions::new()
				.create(true)
				.append(true)
				.open(scratch.join("fill"))
				.and_then(|mut f| std::io::Write::write_all(&mut f, &chunk))
			{
				Ok(()) => written += chunk.len() as u64,
				Err(e) => break e,
			}
			assert!(written <= 8 << 20, "wrote past the volume");
		};
		assert_eq!(error.raw_os_error(), Some(libc::ENOSPC), "{error}");
		release(&lease).unwrap();
		assert!(!is_mounted(&scratch));
		assert!(!image_of(&lease).exists());
	}
}
