//! The history store of `taskstat record`, read by `replay` and `dump`:
//! samples of keyed JSON objects, kept compactly in a directory of
//! append-only files, the oldest removed to keep the store within a size
//! and an age.
//!
//! The store knows nothing of taskstat's records: a [`Sample`] is a time
//! and sections of keyed JSON objects ("processes" keyed by "TGID:START",
//! say), and what comes out of the reader is what went into the writer.
//!
//! # Layout
//!
//! A store is a directory of files named `taskstat-YYYYMMDDTHHMMSSZ-NNNN.tsh`
//! after the UTC time of their first sample, so that the order of the names
//! is the order they were written in (the writer bumps NNNN, or the time,
//! if the clock went back). Each file holds (integers little-endian):
//!
//! ```text
//! header      24 bytes
//!   magic     8 bytes  "TASKHIST"          (at offset 0 in every version)
//!   version   u16      FORMAT_VERSION      (at offset 8 in every version)
//!   content   u16      CONTENT_VERSION: what the samples hold (version 1
//!                      files: reserved, 0, and content version 1)
//!   start     i64      the first sample's time, unix ns
//!   crc32     u32      CRC-32 of the 20 bytes before
//! frames      repeated, one per sample:
//!   len       u32      length of what follows crc32 (kind .. end)
//!   crc32     u32      CRC-32 of len, then of kind .. end
//!   kind      u8       1 = keyframe, 2 = delta
//!   time      i64      the sample's time, unix ns
//!   raw_len   u32      length of the JSON body (at most format::MAX_BODY)
//!   body      zstd     the JSON body, compressed
//! ```
//!
//! A file starts with a keyframe, whose body is the whole sample:
//! `{section: {key: value}}`, and has another at least every
//! [`WriterOptions::keyframe_every`] (5 minutes; version 1 files have only
//! the first). Each frame after it is a delta from the sample
//! before ([`Delta`]): per changed section, `put` (new keys, or values
//! replaced whole), `patch` (only the leaves that changed), `add` (integer
//! leaves that are shorter written as the amount they changed by: counters)
//! and `gone` (keys removed); sections and keys that did not change are not
//! mentioned. A JSON null is a value, not a removal. An
//! unchanged sample costs a delta of `{}`: 32 bytes. Deltas are compressed
//! with the file's keyframe JSON as zstd's dictionary, so that a changed key
//! costs little more than its new figures.
//!
//! Since every file starts with a keyframe, a file can be read alone, and
//! removing old files never breaks newer ones.
//!
//! # Reading
//!
//! A reader lists a file's frames from their heads alone (a positioned
//! read of each frame's first 21 bytes: length, kind, time), so that it
//! starts at the keyframe before the time it wants without decoding what
//! lies before, and an interactive reader ([`Timeline`]) holds only the
//! samples it shows. A frame whose CRC or body is bad costs the samples up
//! to the next keyframe: the reader goes on there. A head that makes no
//! sense (damage in a length) sends the reader searching the bytes after it
//! for the next whole keyframe with a good CRC and a plausible time; zeros
//! to the end of the file are a torn tail.
//!
//! # Crashes
//!
//! Each frame is written with one write(2) and then fdatasync(2)ed, and a new
//! file's header goes out in the same write as its keyframe; the directory is
//! fsynced after a file is created. A crash or power cut loses at most the
//! sample being written. A writer never appends to a file it did not create:
//! each [`Writer::open`] starts a new file, so nothing is written after a
//! torn tail. The reader skips a torn or damaged tail (the CRC tells) with a
//! [`Warning`], and goes on with the next file.
//!
//! # Privacy
//!
//! Per-process I/O figures are what /proc hides from other users, so the
//! directory is 0700 and its files 0600 whatever the umask, or 0750 and
//! 0640 with [`WriterOptions::group`]; the writer sets them on open, also
//! on files an earlier taskstat left readable.
//!
//! # A full disk
//!
//! A write that fails is cut off again (ftruncate to the last whole frame),
//! so the file stays whole, and the next frame is a keyframe. On ENOSPC or
//! EDQUOT the writer removes the oldest files, one at a time, until the
//! sample fits; when none is left to remove the sample is refused
//! ([`StoreError::is_disk_full`]) and the next one tried. A file whose
//! first write fails is removed: no empty files.
//!
//! # Retention
//!
//! A file is closed, and the next one started, when the next frame would
//! take it beyond `max_size / 8` bytes, or when a sample falls in a new hour
//! (or a new `max_age / 8`, if that is shorter). Whole files are removed,
//! oldest first, while the store would exceed `max_size` when the current
//! file reached its limit, and once every sample of a file is older than
//! `max_age` (the next file starts before the cutoff). So the store stays
//! within `max_size` plus at most one frame, and keeps at least `max_age` of
//! history and at most about `max_age` plus one file's span. The current file
//! is never removed; a keyframe larger than `max_size / 8` makes a file of one
//! sample each time.
//!
//! # Versions
//!
//! A file names its format version; a reader reads every version up to its
//! own and refuses a newer one with an error that names both. A new version
//! keeps the magic and version fields where they are, and a test reads a
//! checked-in store of each version (`tests/fixtures/store-v1/`,
//! `tests/fixtures/store-v2/`). A newer content version is refused in the
//! same way.

mod delta;
mod file;
pub mod format;

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

pub use delta::{Delta, SectionDelta, apply, diff};
pub use file::{Entry, EntryRef, Reader, Samples, Timeline, Writer, WriterOptions, read};

/// A sample's sections: section -> key -> value.
pub type Sections = BTreeMap<String, BTreeMap<String, serde_json::Value>>;

/// One sample: a point in time and sections of keyed JSON objects.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    /// Unix time, ns.
    pub time_ns: i64,
    /// Section -> key -> object.
    pub sections: Sections,
}

/// Why the store could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{}: not a taskstat store (no .tsh files): give the directory that `taskstat record` writes",
        .path.display()
    )]
    NotAStore { path: PathBuf },
    #[error(
        "{}: written by store format version {found}; this taskstat reads versions up to {supported}: upgrade taskstat",
        .file.display()
    )]
    NewerVersion {
        file: PathBuf,
        found: u16,
        supported: u16,
    },
    #[error(
        "{}: is a file, not a directory: give the directory to keep the history in",
        .path.display()
    )]
    NotADirectory { path: PathBuf },
    #[error(
        "{}: another process is recording into this store: stop it, or record into another directory",
        .dir.display()
    )]
    Locked { dir: PathBuf },
    #[error(
        "a sample of {size} bytes of JSON is larger than a store frame holds ({max}): record fewer keys"
    )]
    TooLarge { size: usize, max: usize },
    #[error("a sample nests JSON more than {max} levels deep, which the store cannot read back")]
    TooDeep { max: usize },
    #[error("cannot compress a sample: {0}")]
    Compress(String),
    #[error("cannot {op} {}: {source}", .path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl StoreError {
    /// A write failed for want of space (ENOSPC) or quota (EDQUOT).
    pub fn is_disk_full(&self) -> bool {
        matches!(self, StoreError::Io { source, .. }
            if matches!(source.raw_os_error(), Some(libc::ENOSPC | libc::EDQUOT)))
    }

    fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { op, path, source }
    }
}

/// A problem the reader stepped over: the samples it could read are still
/// returned. Each message is one line, to print as a warning.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Warning {
    #[error(
        "{}: ends inside a sample at byte {offset}, probably a crash while it was written; read the {samples} samples before it",
        .file.display()
    )]
    TornTail {
        file: PathBuf,
        offset: u64,
        samples: u64,
    },
    #[error(
        "{}: damaged at byte {offset} ({why}); skipped the rest of the file, after {samples} samples",
        .file.display()
    )]
    Damaged {
        file: PathBuf,
        offset: u64,
        samples: u64,
        why: String,
    },
    #[error(
        "{}: damaged at byte {offset} ({why}); skipped to the next keyframe at byte {to}",
        .file.display()
    )]
    Resumed {
        file: PathBuf,
        offset: u64,
        to: u64,
        why: String,
    },
    #[error("{}: not a taskstat store file ({why}); skipped it", .file.display())]
    NotAStoreFile { file: PathBuf, why: String },
    #[error("{}: cannot read it ({why}); skipped it", .file.display())]
    Unreadable { file: PathBuf, why: String },
}

#[cfg(test)]
mod tests;
