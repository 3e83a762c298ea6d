//! A headless browser and an OCR reader, for tests that must see a page as a person would:
//! Debian's `chromium` renders it (scripts run, `*.localhost` is loopback, as in any browser)
//! and `tesseract` reads the screenshot's text. `scripts/setup.sh` installs both.

use std::{path::Path, process::Command, time::Duration};

/// Chromium's flags for a test: headless, no sandbox (tests may run as root), no first-run
/// work, nothing fetched but what the page asks for, and `budget` of virtual time for its
/// scripts (fetches included) before the page is taken as done.
fn chromium(budget: Duration) -> Command {
	let mut command = Command::new("chromium");
	command.args([
		"--headless",
		"--no-sandbox",
		"--disable-gpu",
		"--disable-dev-shm-usage",
		"--no-first-run",
		"--disable-background-networking",
		"--disable-component-update",
		"--disable-sync",
		"--hide-scrollbars",
		"--window-size=1024,768",
	]);
	command.arg(format!("--virtual-time-budget={}", budget.as_millis()));
	command
}

/// The page at `url` as Chromium leaves it once its scripts have run: the DOM, serialized.
pub fn rendered_dom(url: &str, profile: &Path) -> Result<String, String> {
	let output = chromium(Duration::from_secs(10))
		.arg(format!("--user-data-dir={}", profile.display()))
		.arg("--dump-dom")
		.arg(url)
		.output()
		.map_err(|e| format!("cannot run chromium: {e} (scripts/setup.sh installs it)"))?;
	if !output.status.success() {
		return Err(String::from_utf8_lossy(&output.stderr).into_owned());
	}
	Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A screenshot of the page at `url`, once its scripts have run, written to `png`.
pub fn screenshot(url: &str, profile: &Path, png: &Path) -> Result<(), String> {
	let output = chromium(Duration::from_secs(10))
		.arg(format!("--user-data-dir={}", profile.display()))
		.arg(format!("--screenshot={}", png.display()))
		.arg(url)
		.output()
		.map_err(|e| format!("cannot run chromium: {e} (scripts/setup.sh installs it)"))?;
	if !output.status.success() || !png.exists() {
		return Err(String::from_utf8_lossy(&output.stderr).into_owned());
	}
	Ok(())
}

/// The text `tesseract` reads in an image.
pub fn read_text(png: &Path) -> Result<String, String> {
	let output = Command::new("tesseract")
		.arg(png)
		.arg("stdout")
		.output()
		.map_err(|e| format!("cannot run tesseract: {e} (scripts/setup.sh installs it)"))?;
	if !output.status.success() {
		return Err(String::from_utf8_lossy(&output.stderr).into_owned());
	}
	Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
