//! The store's files: the writer (rotation, retention, fsync) and the
//! reader (files in order, a time range, warnings for what it skips).

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::ops::{Bound, RangeBounds};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::format::{
    self, FILE_HEADER_LEN, FRAME_PREFIX_LEN, FileHeader, FormatError, SampleDecoder, SampleEncoder,
};
use super::{Sample, Sections, StoreError, Warning};
use crate::recfile::read_full;

const NS_PER_SEC: i64 = 1_000_000_000;
const HOUR_NS: i64 = 3600 * NS_PER_SEC;
/// The largest file the writer makes, whatever `max_size` is.
const FILE_SIZE_CAP: u64 = 64 << 20;
const PREFIX: &str = "taskstat-";
const SUFFIX: &str = ".tsh";
/// `%Y%m%dT%H%M%SZ`
const STAMP_LEN: usize = 16;

/// How the writer keeps the store.
#[derive(Clone, Debug)]
pub struct WriterOptions {
    /// The most bytes the store's files may take together; the oldest
    /// files are removed to keep it. None: no limit.
    pub max_size: Option<u64>,
    /// Files whose samples are all older than this (before the newest
    /// sample's time) are removed. None: no limit.
    pub max_age: Option<Duration>,
    /// zstd's compression level.
    pub level: i32,
    /// fdatasync(2) each frame, and fsync(2) the directory for each new
    /// file. Only tests turn it off.
    pub sync: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            max_size: None,
            max_age: None,
            level: 3,
            sync: true,
        }
    }
}

impl WriterOptions {
    /// The size a file is kept within (unless its keyframe alone is larger):
    /// an eighth of `max_size`, so that removing whole files keeps the store
    /// close to `max_size`.
    pub fn file_size(&self) -> u64 {
        match self.max_size {
            Some(m) => (m / 8).clamp(1, FILE_SIZE_CAP),
            None => FILE_SIZE_CAP,
        }
    }

    /// The span of time a file covers at most, aligned to multiples of it
    /// since the epoch: an hour, or an eighth of `max_age` if that is
    /// shorter (at least a second), so that age removes whole files.
    pub fn file_span_ns(&self) -> i64 {
        match self.max_age {
            Some(age) => (duration_ns(age) / 8).clamp(NS_PER_SEC, HOUR_NS),
            None => HOUR_NS,
        }
    }
}

fn duration_ns(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// A file of the store, as the writer keeps track of it.
#[derive(Debug)]
struct StoreFile {
    path: PathBuf,
    /// The time of its first sample.
    start_ns: i64,
    size: u64,
}

/// The file being appended to.
struct Current {
    file: File,
    info: StoreFile,
    /// Which `file_span_ns` period of time it covers.
    span: i64,
    /// A write or sync failed: what the file ends with is unknown, so the
    /// next sample goes to a new file.
    broken: bool,
}

/// Appends samples to a store, one process at a time (the directory is
/// locked while the writer lives).
pub struct Writer {
    dir: PathBuf,
    /// The directory, open: its flock(2) keeps other writers out, and it is
    /// fsynced after a file is created.
    dir_fd: File,
    opts: WriterOptions,
    encoder: SampleEncoder,
    /// Files before the current one, oldest first.
    closed: VecDeque<StoreFile>,
    closed_bytes: u64,
    current: Option<Current>,
    /// The newest file name's time (s) and number.
    last_name: Option<(i64, u32)>,
}

impl Writer {
    /// Opens the store in `dir`, creating the directory if needed. The
    /// first sample appended starts a new file: a writer never appends to a
    /// file that an earlier one (perhaps killed mid-write) left.
    pub fn open(dir: impl AsRef<Path>, opts: WriterOptions) -> Result<Writer, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(StoreError::io("create", &dir))?;
        let dir_fd = File::open(&dir).map_err(StoreError::io("open", &dir))?;
        match rustix::fs::flock(
            &dir_fd,
            rustix::fs::FlockOperation::NonBlockingLockExclusive,
        ) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => return Err(StoreError::Locked { dir }),
            Err(e) => return Err(StoreError::io("lock", &dir)(e.into())),
        }
        let mut files = Vec::new();
        for entry in fs::read_dir(&dir).map_err(StoreError::io("list", &dir))? {
            let entry = entry.map_err(StoreError::io("list", &dir))?;
            let name = entry.file_name();
            let Some((secs, seq)) = name.to_str().and_then(parse_name) else {
                continue;
            };
            let path = entry.path();
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            let start_ns = read_header(&path)
                .map(|h| h.start_ns)
                .unwrap_or(secs.saturating_mul(NS_PER_SEC));
            files.push((
                (secs, seq),
                StoreFile {
                    path,
                    start_ns,
                    size: meta.len(),
                },
            ));
        }
        files.sort_by_key(|(name, _)| *name);
        let last_name = files.last().map(|(name, _)| *name);
        let closed: VecDeque<StoreFile> = files.into_iter().map(|(_, f)| f).collect();
        let closed_bytes = closed.iter().map(|f| f.size).sum();
        Ok(Writer {
            encoder: SampleEncoder::new(opts.level)?,
            dir,
            dir_fd,
            opts,
            closed,
            closed_bytes,
            current: None,
            last_name,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bytes the store's files take, as the writer counts them.
    pub fn stored_bytes(&self) -> u64 {
        self.closed_bytes + self.current.as_ref().map_or(0, |c| c.info.size)
    }

    /// Appends a sample, then removes the files that retention no longer
    /// keeps. After an error the writer is still usable: the next sample
    /// starts a new file.
    pub fn append(&mut self, sample: &Sample) -> Result<(), StoreError> {
        self.append_unless(sample, &|_, _| false)
    }

    /// [`Writer::append`], taking the caller's word that the records for
    /// which `unchanged(section, key)` holds are the values it gave the
    /// sample before: they are stored as unchanged without being compared.
    /// A wrong word stores a wrong history, so only a caller that moved
    /// those values from its previous sample should give it.
    pub fn append_unless(
        &mut self,
        sample: &Sample,
        unchanged: &dyn Fn(&str, &str) -> bool,
    ) -> Result<(), StoreError> {
        let span = sample.time_ns.div_euclid(self.opts.file_span_ns());
        let file_size = self.opts.file_size();
        let mut written = false;
        if let Some(c) = self.current.as_mut() {
            if !c.broken && c.span == span {
                if let Some(frame) = self.encoder.delta_frame_unless(sample, unchanged)? {
                    if c.info.size + frame.len() as u64 <= file_size {
                        write_frame(c, &frame, self.opts.sync)?;
                        written = true;
                    }
                }
            }
        }
        if !written {
            self.start_file(sample, span)?;
        }
        self.retain(sample.time_ns)
    }

    /// Closes the current file and starts one with a keyframe of `sample`.
    fn start_file(&mut self, sample: &Sample, span: i64) -> Result<(), StoreError> {
        if let Some(c) = self.current.take() {
            let size = c.file.metadata().map_or(c.info.size, |m| m.len());
            self.closed_bytes += size;
            self.closed.push_back(StoreFile { size, ..c.info });
        }
        let frame = self.encoder.key_frame(sample)?;
        let (secs, seq) = self.next_name(sample.time_ns);
        let path = self.dir.join(file_name(secs, seq));
        let mut bytes = Vec::with_capacity(FILE_HEADER_LEN + frame.len());
        bytes.extend_from_slice(&FileHeader::new(sample.time_ns).encode());
        bytes.extend_from_slice(&frame);
        let file = File::options()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(StoreError::io("create", &path))?;
        let c = self.current.insert(Current {
            file,
            info: StoreFile {
                path,
                start_ns: sample.time_ns,
                size: 0,
            },
            span,
            broken: false,
        });
        write_frame(c, &bytes, self.opts.sync)?;
        if self.opts.sync {
            self.dir_fd
                .sync_all()
                .map_err(StoreError::io("sync", &self.dir))?;
        }
        Ok(())
    }

    /// A name after every existing one: the sample's second, or the newest
    /// name's with the next number if the clock did not move on.
    fn next_name(&mut self, time_ns: i64) -> (i64, u32) {
        let wanted = (time_ns.div_euclid(NS_PER_SEC), 0);
        let name = match self.last_name {
            Some(last) if wanted <= last => {
                if last.1 < 9999 {
                    (last.0, last.1 + 1)
                } else {
                    (last.0 + 1, 0)
                }
            }
            _ => wanted,
        };
        self.last_name = Some(name);
        name
    }

    /// Removes the oldest files while they are older than `max_age` before
    /// `now_ns`, or while the store could outgrow `max_size` by the time the
    /// current file is full. The current file stays.
    fn retain(&mut self, now_ns: i64) -> Result<(), StoreError> {
        if let Some(age) = self.opts.max_age {
            let cutoff = now_ns.saturating_sub(duration_ns(age));
            while !self.closed.is_empty() {
                let next_start = match self.closed.get(1) {
                    Some(f) => f.start_ns,
                    None => match &self.current {
                        Some(c) => c.info.start_ns,
                        None => break,
                    },
                };
                if next_start > cutoff {
                    break;
                }
                self.remove_oldest()?;
            }
        }
        if let Some(max) = self.opts.max_size {
            let current = self
                .current
                .as_ref()
                .map_or(0, |c| c.info.size.max(self.opts.file_size()));
            while !self.closed.is_empty() && self.closed_bytes + current > max {
                self.remove_oldest()?;
            }
        }
        Ok(())
    }

    fn remove_oldest(&mut self) -> Result<(), StoreError> {
        let Some(f) = self.closed.front() else {
            return Ok(());
        };
        match fs::remove_file(&f.path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io("remove", &f.path)(e)),
        }
        self.closed_bytes -= f.size;
        self.closed.pop_front();
        Ok(())
    }
}

/// One write(2) for the frame (write_all loops only if the kernel takes
/// part of it), then fdatasync(2).
fn write_frame(c: &mut Current, bytes: &[u8], sync: bool) -> Result<(), StoreError> {
    let r = c
        .file
        .write_all(bytes)
        .and_then(|()| if sync { c.file.sync_data() } else { Ok(()) });
    match r {
        Ok(()) => {
            c.info.size += bytes.len() as u64;
            Ok(())
        }
        Err(e) => {
            c.broken = true;
            Err(StoreError::io("write", &c.info.path)(e))
        }
    }
}

fn file_name(secs: i64, seq: u32) -> String {
    let t = jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    format!("{PREFIX}{}-{seq:04}{SUFFIX}", t.strftime("%Y%m%dT%H%M%SZ"))
}

/// The time (s) and number in a store file's name; None for other names.
fn parse_name(name: &str) -> Option<(i64, u32)> {
    let rest = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (stamp, seq) = rest.split_at_checked(STAMP_LEN)?;
    let seq = seq.strip_prefix('-')?;
    if seq.len() != 4 || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seq: u32 = seq.parse().ok()?;
    let civil = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", stamp).ok()?;
    let secs = jiff::tz::TimeZone::UTC
        .to_timestamp(civil)
        .ok()?
        .as_second();
    // Only the names the writer makes: no other spelling of the same time.
    (file_name(secs, seq) == name).then_some((secs, seq))
}

/// Why a file's header cannot be used.
enum HeaderError {
    Io(io::Error),
    Format(FormatError),
}

fn read_header_from(input: &mut dyn Read) -> Result<FileHeader, HeaderError> {
    let mut buf = [0u8; FILE_HEADER_LEN];
    let n = read_full(input, &mut buf).map_err(HeaderError::Io)?;
    FileHeader::decode(&buf[..n]).map_err(HeaderError::Format)
}

fn read_header(path: &Path) -> Result<FileHeader, HeaderError> {
    let mut f = File::open(path).map_err(HeaderError::Io)?;
    read_header_from(&mut f)
}

/// What the reader turns a header problem into.
fn header_warning(file: &Path, e: HeaderError) -> Warning {
    let file = file.to_path_buf();
    match e {
        HeaderError::Io(e) => Warning::Unreadable {
            file,
            why: e.to_string(),
        },
        HeaderError::Format(FormatError::BadMagic) => Warning::NotAStoreFile {
            file,
            why: FormatError::BadMagic.to_string(),
        },
        // A crash as the file was created, before its header and first
        // frame (one write) were all on disk.
        HeaderError::Format(FormatError::Incomplete { .. }) => Warning::TornTail {
            file,
            offset: 0,
            samples: 0,
        },
        HeaderError::Format(e) => Warning::Damaged {
            file,
            offset: 0,
            samples: 0,
            why: e.to_string(),
        },
    }
}

/// A store file the reader found, with a usable header.
#[derive(Clone, Debug)]
struct FileEntry {
    path: PathBuf,
    start_ns: i64,
}

/// Reads a store: the files of a directory in the order of their names, or
/// one file.
#[derive(Debug)]
pub struct Reader {
    files: Vec<FileEntry>,
    /// Files skipped as the store was opened.
    warnings: Vec<Warning>,
}

/// What the reader returns, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    Sample(Sample),
    /// Something skipped; the samples before and after it are good.
    Warning(Warning),
}

impl Reader {
    /// Opens the store in directory `path` (its `*.tsh` files), or the one
    /// store file `path`. A file of a newer format version is an error;
    /// other unreadable files are warnings, returned first by
    /// [`Reader::samples`].
    pub fn open(path: impl AsRef<Path>) -> Result<Reader, StoreError> {
        let path = path.as_ref();
        let meta = fs::metadata(path).map_err(StoreError::io("read", path))?;
        let candidates = if meta.is_dir() {
            let mut names = Vec::new();
            for entry in fs::read_dir(path).map_err(StoreError::io("list", path))? {
                let entry = entry.map_err(StoreError::io("list", path))?;
                let name = entry.file_name();
                if name.to_string_lossy().ends_with(SUFFIX) {
                    names.push(name);
                }
            }
            names.sort();
            names.into_iter().map(|n| path.join(n)).collect()
        } else {
            vec![path.to_path_buf()]
        };
        if candidates.is_empty() {
            return Err(StoreError::NotAStore {
                path: path.to_path_buf(),
            });
        }
        let mut reader = Reader {
            files: Vec::new(),
            warnings: Vec::new(),
        };
        for file in candidates {
            match read_header(&file) {
                Ok(h) => reader.files.push(FileEntry {
                    path: file,
                    start_ns: h.start_ns,
                }),
                Err(HeaderError::Format(FormatError::NewerVersion { found })) => {
                    return Err(StoreError::NewerVersion {
                        file,
                        found,
                        supported: format::FORMAT_VERSION,
                    });
                }
                Err(HeaderError::Format(FormatError::BadMagic)) if !meta.is_dir() => {
                    return Err(StoreError::NotAStore { path: file });
                }
                Err(e) => reader.warnings.push(header_warning(&file, e)),
            }
        }
        Ok(reader)
    }

    /// The files with a usable header, in order.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    /// The samples whose time is in `range` (unix ns), in the order they
    /// were written, and warnings for what had to be skipped. Files are
    /// chosen by their first sample's time, assuming that the clock did not
    /// go back while they were written.
    pub fn samples<R: RangeBounds<i64>>(&self, range: R) -> Samples<'_> {
        Samples {
            files: &self.files,
            next_file: 0,
            pending: self.warnings.iter().cloned().collect(),
            current: None,
            begin: range.start_bound().cloned(),
            end: range.end_bound().cloned(),
        }
    }
}

/// Reads the store at `path`: the samples in `range`, and the warnings.
pub fn read<R: RangeBounds<i64>>(
    path: impl AsRef<Path>,
    range: R,
) -> Result<(Vec<Sample>, Vec<Warning>), StoreError> {
    let reader = Reader::open(path)?;
    let mut samples = Vec::new();
    let mut warnings = Vec::new();
    for entry in reader.samples(range) {
        match entry {
            Entry::Sample(s) => samples.push(s),
            Entry::Warning(w) => warnings.push(w),
        }
    }
    Ok((samples, warnings))
}

/// The samples of a [`Reader`] in a time range: see [`Reader::samples`].
pub struct Samples<'a> {
    files: &'a [FileEntry],
    next_file: usize,
    pending: VecDeque<Warning>,
    current: Option<OpenFile>,
    begin: Bound<i64>,
    end: Bound<i64>,
}

fn after_begin(begin: Bound<i64>, t: i64) -> bool {
    match begin {
        Bound::Included(b) => t >= b,
        Bound::Excluded(b) => t > b,
        Bound::Unbounded => true,
    }
}

fn before_end(end: Bound<i64>, t: i64) -> bool {
    match end {
        Bound::Included(e) => t <= e,
        Bound::Excluded(e) => t < e,
        Bound::Unbounded => true,
    }
}

impl Samples<'_> {
    /// Whether file `i` may hold samples in the range: it starts before
    /// the range ends, and the next file starts after the range begins.
    fn file_in_range(&self, i: usize) -> bool {
        let starts_in_time = before_end(self.end, self.files[i].start_ns);
        let ends_too_early = self
            .files
            .get(i + 1)
            .is_some_and(|next| !after_begin(self.begin, next.start_ns));
        starts_in_time && !ends_too_early
    }
}

/// What [`Samples::next_ref`] returns: a sample's sections lent, not
/// copied.
#[derive(Debug, PartialEq)]
pub enum EntryRef<'a> {
    Sample {
        time_ns: i64,
        sections: &'a Sections,
    },
    Warning(Warning),
}

impl Samples<'_> {
    /// The next sample or warning, lending the sample's sections: a copy
    /// of 1,000 objects of 100 fields costs milliseconds, which adds up
    /// over a day of samples. The iterator's `next` copies.
    pub fn next_ref(&mut self) -> Option<EntryRef<'_>> {
        loop {
            if let Some(w) = self.pending.pop_front() {
                return Some(EntryRef::Warning(w));
            }
            let Some(file) = self.current.as_mut() else {
                let i = self.next_file;
                if i >= self.files.len() {
                    return None;
                }
                self.next_file += 1;
                if self.file_in_range(i) {
                    match OpenFile::open(&self.files[i].path) {
                        Ok(f) => self.current = Some(f),
                        Err(w) => self.pending.push_back(w),
                    }
                }
                continue;
            };
            match file.next_frame() {
                Ok(Some(time_ns)) => {
                    if after_begin(self.begin, time_ns) && before_end(self.end, time_ns) {
                        break;
                    }
                }
                Ok(None) => self.current = None,
                Err(w) => {
                    self.current = None;
                    return Some(EntryRef::Warning(w));
                }
            }
        }
        // The loop breaks only with a sample in the current file.
        let file = self.current.as_ref()?;
        Some(EntryRef::Sample {
            time_ns: file.time_ns,
            sections: file.decoder.state()?,
        })
    }
}

impl Iterator for Samples<'_> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        Some(match self.next_ref()? {
            EntryRef::Sample { time_ns, sections } => Entry::Sample(Sample {
                time_ns,
                sections: sections.clone(),
            }),
            EntryRef::Warning(w) => Entry::Warning(w),
        })
    }
}

/// A file being read, frame by frame.
struct OpenFile {
    path: PathBuf,
    input: BufReader<File>,
    /// Where the next frame starts.
    offset: u64,
    samples: u64,
    decoder: SampleDecoder,
    frame: Vec<u8>,
    /// The time of the last frame read.
    time_ns: i64,
}

impl OpenFile {
    fn open(path: &Path) -> Result<OpenFile, Warning> {
        let file = File::open(path).map_err(|e| header_warning(path, HeaderError::Io(e)))?;
        let mut input = BufReader::with_capacity(64 << 10, file);
        // Checked when the store was opened, but the file may have changed.
        read_header_from(&mut input).map_err(|e| header_warning(path, e))?;
        Ok(OpenFile {
            path: path.to_path_buf(),
            input,
            offset: FILE_HEADER_LEN as u64,
            samples: 0,
            decoder: SampleDecoder::new(),
            frame: Vec::new(),
            time_ns: 0,
        })
    }

    /// Reads and decodes the next frame: its time, or None at the end of
    /// the file. A warning ends the file.
    fn next_frame(&mut self) -> Result<Option<i64>, Warning> {
        let mut prefix = [0u8; FRAME_PREFIX_LEN];
        let n = read_full(&mut self.input, &mut prefix).map_err(|e| self.unreadable(e))?;
        if n == 0 {
            return Ok(None);
        }
        let len = format::frame_len(&prefix[..n]).map_err(|e| self.warning(e))?;
        self.frame.clear();
        self.frame.extend_from_slice(&prefix);
        (&mut self.input)
            .take((len - FRAME_PREFIX_LEN) as u64)
            .read_to_end(&mut self.frame)
            .map_err(|e| self.unreadable(e))?;
        let time_ns = match self.decoder.frame(&self.frame) {
            Ok((t, _)) => t,
            Err(e) => return Err(self.warning(e)),
        };
        self.time_ns = time_ns;
        self.offset += len as u64;
        self.samples += 1;
        Ok(Some(time_ns))
    }

    fn warning(&self, e: FormatError) -> Warning {
        match e {
            FormatError::Incomplete { .. } => Warning::TornTail {
                file: self.path.clone(),
                offset: self.offset,
                samples: self.samples,
            },
            e => Warning::Damaged {
                file: self.path.clone(),
                offset: self.offset,
                samples: self.samples,
                why: e.to_string(),
            },
        }
    }

    fn unreadable(&self, e: io::Error) -> Warning {
        Warning::Unreadable {
            file: self.path.clone(),
            why: format!("at byte {}: {e}", self.offset),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_parse_back() {
        let t = 1_767_225_600; // 2026-01-01T00:00:00Z
        assert_eq!(file_name(t, 7), "taskstat-20260101T000000Z-0007.tsh");
        assert_eq!(
            parse_name("taskstat-20260101T000000Z-0007.tsh"),
            Some((t, 7))
        );
        assert_eq!(file_name(0, 0), "taskstat-19700101T000000Z-0000.tsh");
        assert_eq!(file_name(-1, 0), "taskstat-19691231T235959Z-0000.tsh");
        assert!(file_name(t, 9999) < file_name(t + 1, 0));
        for other in [
            "taskstat-20260101T000000Z-007.tsh",
            "taskstat-20260101T000000Z-00007.tsh",
            "taskstat-20260101T000000Z-0007.tsh~",
            "taskstat-20260101T250000Z-0007.tsh",
            "taskstat-2026010T1000000Z-0007.tsh",
            "taskstat-20260101T000000-0007.tsh",
            "taskstat-20260101T000000Z+0007.tsh",
            "notes.tsh",
            "taskstat-\u{e9}0260101T000000Z-0007.tsh",
        ] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }

    #[test]
    fn file_size_and_span() {
        let o = |max_size, max_age| WriterOptions {
            max_size,
            max_age,
            ..WriterOptions::default()
        };
        assert_eq!(o(Some(1 << 20), None).file_size(), 128 << 10);
        assert_eq!(o(None, None).file_size(), FILE_SIZE_CAP);
        assert_eq!(o(Some(1 << 40), None).file_size(), FILE_SIZE_CAP);
        assert_eq!(o(Some(3), None).file_size(), 1);
        assert_eq!(o(None, None).file_span_ns(), HOUR_NS);
        let age = |s| Some(Duration::from_secs(s));
        assert_eq!(o(None, age(86_400)).file_span_ns(), HOUR_NS);
        assert_eq!(o(None, age(80)).file_span_ns(), 10 * NS_PER_SEC);
        assert_eq!(o(None, age(1)).file_span_ns(), NS_PER_SEC);
        assert_eq!(o(None, Some(Duration::MAX)).file_span_ns(), HOUR_NS);
    }
}
