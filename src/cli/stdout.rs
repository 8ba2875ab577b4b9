//! Writing the report to stdout, with a closed pipe handled the same way every time.
//!
//! "A broken pipe exits 0" (PRODUCT.md §1): `nexus-lint check | head -1` is a successful run.
//! Whether our writes meet the closed pipe, though, depends on timing: a report small enough for
//! the pipe's buffer is written whole before `head` has read a byte. So after writing to a pipe
//! we wait (at most [`LINGER`]) until the reader has taken everything or gone away, and report a
//! reader that went away with output unread as a closed pipe, whichever happened first. Errors
//! of the run (unreadable inputs, exit 2) are the caller's to keep: a closed pipe only replaces
//! the findings' exit code.

use std::io::{self, Write};

/// How long to wait for a pipe's reader after the last write.
pub const LINGER: std::time::Duration = std::time::Duration::from_secs(1);

/// How a report was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// Every byte was written (and, to a pipe, read or still being read).
    All,
    /// The reader closed the pipe before taking the whole report.
    ReaderGone,
}

/// Writes to stdout; Err is an error message (the report could not be written).
pub fn stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<Delivered, String> {
    let stdout = io::stdout();
    let mut lock = io::BufWriter::new(stdout.lock());
    match f(&mut lock).and_then(|()| lock.flush()) {
        Ok(()) => {
            drop(lock);
            Ok(linger())
        }
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Delivered::ReaderGone),
        Err(e) => Err(format!("cannot write output: {e}")),
    }
}

/// After the last write to a pipe: waits until the reader has read everything (All) or has
/// closed its end with bytes unread (ReaderGone), at most [`LINGER`]. Anything but a pipe is
/// All at once.
#[cfg(unix)]
fn linger() -> Delivered {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    use std::os::fd::AsFd;
    let out = io::stdout();
    let fd = out.as_fd();
    let is_pipe = rustix::fs::fstat(fd).is_ok_and(|st| rustix::fs::FileType::from_raw_mode(st.st_mode).is_fifo());
    if !is_pipe {
        return Delivered::All;
    }
    let deadline = std::time::Instant::now() + LINGER;
    loop {
        // Bytes still in the pipe: none once the reader has taken them all, whatever it does
        // next (a reader that took everything did not cut the report short).
        if !matches!(rustix::io::ioctl_fionread(fd), Ok(n) if n > 0) {
            return Delivered::All;
        }
        // The reader's end closed with bytes unread: a closed pipe.
        let mut fds = [PollFd::new(&fd, PollFlags::OUT)];
        let zero = Timespec { tv_sec: 0, tv_nsec: 0 };
        if poll(&mut fds, Some(&zero)).is_ok() && fds[0].revents().intersects(PollFlags::ERR | PollFlags::HUP) {
            return Delivered::ReaderGone;
        }
        if std::time::Instant::now() >= deadline {
            return Delivered::All;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[cfg(not(unix))]
fn linger() -> Delivered {
    Delivered::All
}
