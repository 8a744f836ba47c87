//! The store's files: the writer (rotation, retention, fsync) and the
//! reader (files in order, a time range, warnings for what it skips).

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::ops::{Bound, RangeBounds};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::format::{
    self, FILE_HEADER_LEN, FRAME_HEAD_LEN, FileHeader, FormatError, FrameHead, SampleDecoder,
    SampleEncoder,
};
use super::{Sample, Sections, StoreError, Warning};
use crate::time;

const NS_PER_SEC: i64 = 1_000_000_000;
const HOUR_NS: i64 = 3600 * NS_PER_SEC;
/// The largest file the writer makes, whatever `max_size` is.
const FILE_SIZE_CAP: u64 = 64 << 20;
/// The default span between keyframes: at `-d 5`, 60 samples.
pub const KEYFRAME_EVERY: Duration = Duration::from_secs(300);
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
    /// A keyframe at least this often within a file: damage costs at most
    /// the samples up to the next one, and a reader seeking a time decodes
    /// at most this span of deltas.
    pub keyframe_every: Duration,
    /// The group that may read the store too: the directory is then 0750
    /// and its files 0640, with this group; otherwise 0700 and 0600.
    pub group: Option<u32>,
    /// Sections stored whole with each sample, outside the chain of deltas:
    /// what is new each time (the interval's exits), which a reader seeking
    /// a time then need not decode for every sample it passes.
    pub transient: Vec<String>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            max_size: None,
            max_age: None,
            level: 3,
            sync: true,
            keyframe_every: KEYFRAME_EVERY,
            group: None,
            transient: Vec::new(),
        }
    }
}

impl WriterOptions {
    /// The modes of the store's directory and files.
    fn modes(&self) -> (u32, u32) {
        match self.group {
            Some(_) => (0o750, 0o640),
            None => (0o700, 0o600),
        }
    }

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
    /// A frame was not written: the next one must be a keyframe.
    need_key: bool,
    /// The time of the file's last keyframe.
    key_ns: i64,
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
    ///
    /// The directory and its files get the store's modes (0700 and 0600, or
    /// 0750 and 0640 with [`WriterOptions::group`]) whatever the umask, also
    /// those an earlier taskstat made world-readable: per-process I/O
    /// figures are what /proc hides from other users.
    pub fn open(dir: impl AsRef<Path>, opts: WriterOptions) -> Result<Writer, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        let (dir_mode, file_mode) = opts.modes();
        match fs::metadata(&dir) {
            Ok(m) if !m.is_dir() => return Err(StoreError::NotADirectory { path: dir }),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                    fs::create_dir_all(parent).map_err(StoreError::io("create", parent))?;
                }
                match fs::DirBuilder::new().mode(dir_mode).create(&dir) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(StoreError::io("create", &dir)(e)),
                }
            }
            Err(e) => return Err(StoreError::io("read", &dir)(e)),
        }
        let dir_fd = File::open(&dir).map_err(StoreError::io("open", &dir))?;
        match rustix::fs::flock(
            &dir_fd,
            rustix::fs::FlockOperation::NonBlockingLockExclusive,
        ) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => return Err(StoreError::Locked { dir }),
            Err(e) => return Err(StoreError::io("lock", &dir)(e.into())),
        }
        restrict(&dir_fd, dir_mode, opts.group).map_err(StoreError::io("set the mode of", &dir))?;
        let mut files = Vec::new();
        for entry in fs::read_dir(&dir).map_err(StoreError::io("list", &dir))? {
            let entry = entry.map_err(StoreError::io("list", &dir))?;
            let name = entry.file_name();
            let Some((secs, seq)) = name.to_str().and_then(parse_name) else {
                continue;
            };
            let path = entry.path();
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            // A file whose first write never happened (a crash or a full
            // disk as it was created, by an earlier taskstat): nothing to keep.
            if meta.len() == 0 {
                let _ = fs::remove_file(&path);
                continue;
            }
            // One open for its mode and its header's start time.
            let mut header = None;
            if let Ok(mut f) = File::open(&path) {
                restrict(&f, file_mode, opts.group)
                    .map_err(StoreError::io("set the mode of", &path))?;
                header = read_header_from(&mut f).ok();
            }
            let start_ns = header.map_or(secs.saturating_mul(NS_PER_SEC), |h| h.start_ns);
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
            encoder: SampleEncoder::with_transient(opts.level, &opts.transient)?,
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
    ///
    /// On a full disk (ENOSPC, EDQUOT) the oldest files are removed, one at
    /// a time, until the sample fits; when none is left to remove, the
    /// error is returned ([`StoreError::is_disk_full`]), the store is as it
    /// was before the call, and the next call tries again.
    pub fn append_unless(
        &mut self,
        sample: &Sample,
        unchanged: &dyn Fn(&str, &str) -> bool,
    ) -> Result<(), StoreError> {
        loop {
            match self.append_once(sample, unchanged) {
                Ok(()) => break,
                Err(e) if e.is_disk_full() && !self.closed.is_empty() => self.remove_oldest()?,
                Err(e) => return Err(e),
            }
        }
        self.retain(sample.time_ns)
    }

    fn append_once(
        &mut self,
        sample: &Sample,
        unchanged: &dyn Fn(&str, &str) -> bool,
    ) -> Result<(), StoreError> {
        let span = sample.time_ns.div_euclid(self.opts.file_span_ns());
        let file_size = self.opts.file_size();
        let key_every = duration_ns(self.opts.keyframe_every);
        if let Some(c) = self.current.as_mut() {
            if !c.broken && c.span == span {
                let key = c.need_key || sample.time_ns.saturating_sub(c.key_ns) >= key_every;
                let frame = if key {
                    Some(self.encoder.key_frame(sample)?)
                } else {
                    self.encoder.delta_frame_unless(sample, unchanged)?
                };
                if let Some(frame) = frame {
                    if c.info.size + frame.len() as u64 <= file_size {
                        write_frame(c, &frame, self.opts.sync)?;
                        if key {
                            c.key_ns = sample.time_ns;
                            c.need_key = false;
                        }
                        return Ok(());
                    }
                }
            }
        }
        self.start_file(sample, span)
    }

    /// Closes the current file and starts one with a keyframe of `sample`.
    /// A file whose first write fails is removed: no empty files.
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
        let (_, file_mode) = self.opts.modes();
        let file = File::options()
            .append(true)
            .create_new(true)
            .mode(file_mode)
            .open(&path)
            .map_err(StoreError::io("create", &path))?;
        let mut c = Current {
            file,
            info: StoreFile {
                path,
                start_ns: sample.time_ns,
                size: 0,
            },
            span,
            broken: false,
            need_key: false,
            key_ns: sample.time_ns,
        };
        let written = restrict(&c.file, file_mode, self.opts.group)
            .map_err(StoreError::io("set the mode of", &c.info.path))
            .and_then(|()| write_frame(&mut c, &bytes, self.opts.sync));
        if let Err(e) = written {
            let _ = fs::remove_file(&c.info.path);
            return Err(e);
        }
        self.current = Some(c);
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

/// Gives a store directory or file its mode, and its group if one is
/// chosen: fchmod(2) after the open, as the umask may have taken bits off.
fn restrict(f: &File, mode: u32, group: Option<u32>) -> io::Result<()> {
    if let Some(gid) = group {
        std::os::unix::fs::fchown(f, None, Some(gid))?;
    }
    f.set_permissions(fs::Permissions::from_mode(mode))
}

/// One write(2) for the frame (write_all loops only if the kernel takes
/// part of it), then fdatasync(2). A failed write is cut off again, so
/// that the file ends with its last whole frame: the next frame in it is
/// then a keyframe (the encoder moved on past the sample that was not
/// written). If it cannot be cut, the next sample starts a new file.
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
            if c.file.set_len(c.info.size).is_ok() {
                c.need_key = true;
            } else {
                c.broken = true;
            }
            Err(StoreError::io("write", &c.info.path)(e))
        }
    }
}

fn file_name(secs: i64, seq: u32) -> String {
    format!("{PREFIX}{}-{seq:04}{SUFFIX}", time::file_stamp(secs))
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
    let secs = time::parse_file_stamp(stamp)?;
    // Only the names the writer makes: no other spelling of the same time.
    (file_name(secs, seq) == name).then_some((secs, seq))
}

/// Why a file's header cannot be used.
enum HeaderError {
    Io(io::Error),
    Format(FormatError),
}

fn read_header_from(input: &mut dyn Read) -> Result<FileHeader, HeaderError> {
    // As many bytes as there are, up to a header's: a shorter file is torn.
    let mut buf = Vec::with_capacity(FILE_HEADER_LEN);
    input
        .take(FILE_HEADER_LEN as u64)
        .read_to_end(&mut buf)
        .map_err(HeaderError::Io)?;
    FileHeader::decode(&buf).map_err(HeaderError::Format)
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
    version: u16,
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
                    version: h.version,
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

    /// The times of the store's first and last samples (unix ns), from the
    /// heads of the frames, nothing decoded; None if it holds none.
    pub fn span(&self) -> Option<(i64, i64)> {
        let first = self.files.first()?.start_ns;
        let last = self.files.iter().rev().find_map(|f| {
            let file = File::open(&f.path).ok()?;
            let (frames, _) = list_frames(&file, f.start_ns).ok()?;
            Some(frames.last()?.time_ns)
        })?;
        Some((first, last))
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

/// What a reader reports of a snag at `offset`, after `samples` good ones.
fn snag_warning(path: &Path, samples: u64, offset: u64, snag: Snag) -> Warning {
    let file = path.to_path_buf();
    match snag {
        Snag::Torn => Warning::TornTail {
            file,
            offset,
            samples,
        },
        Snag::Damaged { why, resumed: None } => Warning::Damaged {
            file,
            offset,
            samples,
            why,
        },
        Snag::Damaged {
            why,
            resumed: Some(to),
        } => Warning::Resumed {
            file,
            offset,
            to,
            why,
        },
    }
}

/// The samples of a range listed by time, any one of them decoded on
/// demand: what an interactive reader moves about in. Only the frames'
/// heads are held (a day at `-d 5` is 17,280 of them), and one decoder,
/// which moves forward from where it stands or starts again at the
/// keyframe before the sample asked for.
pub struct Timeline {
    /// Each file: its path, format version and frames.
    files: Vec<(PathBuf, u16, Vec<FrameRef>)>,
    /// (file, frame) of each sample in the range, in order.
    index: Vec<(usize, usize)>,
    open: Option<(usize, OpenFile)>,
    warnings: Vec<Warning>,
}

impl Reader {
    /// The range's samples, listed: see [`Timeline`].
    pub fn timeline<R: RangeBounds<i64>>(&self, range: R) -> Timeline {
        let (begin, end) = (range.start_bound().cloned(), range.end_bound().cloned());
        let mut t = Timeline {
            files: Vec::new(),
            index: Vec::new(),
            open: None,
            warnings: self.warnings.clone(),
        };
        for f in &self.files {
            let listed = File::open(&f.path).and_then(|file| list_frames(&file, f.start_ns));
            let (frames, snags) = match listed {
                Ok(l) => l,
                Err(e) => {
                    t.warnings.push(header_warning(&f.path, HeaderError::Io(e)));
                    continue;
                }
            };
            let i = t.files.len();
            for (k, fr) in frames.iter().enumerate() {
                if after_begin(begin, fr.time_ns) && before_end(end, fr.time_ns) {
                    t.index.push((i, k));
                }
            }
            for (at, snag) in snags {
                t.warnings.push(snag_warning(&f.path, 0, at, snag));
            }
            t.files.push((f.path.clone(), f.version, frames));
        }
        t
    }
}

impl Timeline {
    /// How many samples the range holds.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// What listing the files found wrong, once each.
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// The time of sample `i` (unix ns), from its frame's head.
    pub fn time_ns(&self, i: usize) -> Option<i64> {
        let (f, k) = *self.index.get(i)?;
        Some(self.files[f].2[k].time_ns)
    }

    /// The first sample at or after `t_ns`; the last one if none is.
    pub fn at_or_after(&self, t_ns: i64) -> usize {
        let n = self
            .index
            .partition_point(|&(f, k)| self.files[f].2[k].time_ns < t_ns);
        n.min(self.index.len().saturating_sub(1))
    }

    /// Sample `i`, decoded; a warning if it cannot be.
    pub fn sample(&mut self, i: usize) -> Result<Sample, Warning> {
        let Some(&(f, k)) = self.index.get(i) else {
            return Err(Warning::Unreadable {
                file: PathBuf::new(),
                why: format!("no sample {i} in the range"),
            });
        };
        let reuse = matches!(&self.open, Some((g, _)) if *g == f);
        if !reuse {
            let (path, version, frames) = &self.files[f];
            self.open = Some((f, OpenFile::listed(path, *version, frames.clone())?));
        }
        match self.open.as_mut() {
            Some((_, file)) => file.decode_to(k),
            None => Err(Warning::Unreadable {
                file: self.files[f].0.clone(),
                why: "not open".into(),
            }),
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
                        Ok(mut f) => {
                            // Straight to the keyframe before the range.
                            if let Bound::Included(t) | Bound::Excluded(t) = self.begin {
                                f.seek(t);
                            }
                            self.current = Some(f);
                        }
                        Err(w) => self.pending.push_back(w),
                    }
                }
                continue;
            };
            // Past the range's end: the rest of the file is not decoded
            // (its frames are in time order, as the clock went).
            if file.peek_time().is_some_and(|t| !before_end(self.end, t)) {
                self.current = None;
                continue;
            }
            // A frame before the range is decoded only as far as the ones
            // after it need.
            let wanted = file
                .peek_time()
                .is_some_and(|t| after_begin(self.begin, t) && before_end(self.end, t));
            match file.next_frame(wanted) {
                Ok(Some(time_ns)) => {
                    if after_begin(self.begin, time_ns) && before_end(self.end, time_ns) {
                        break;
                    }
                }
                Ok(None) => self.current = None,
                // The file reads on past what it reports (a skip to the
                // next keyframe), each call a step further.
                Err(w) => return Some(EntryRef::Warning(w)),
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

/// A frame of a file, as its head gives it.
#[derive(Clone, Copy, Debug)]
struct FrameRef {
    offset: u64,
    len: usize,
    kind: u8,
    time_ns: i64,
}

/// How far from its file's first sample a frame's time may plausibly be,
/// when the reader searches damaged bytes for the next frame.
const PLAUSIBLE_NS: i64 = 7 * 24 * HOUR_NS;
/// How much of a file the reader holds at a time while it searches
/// damaged bytes for the next keyframe.
const SCAN_CHUNK: usize = 1 << 20;

/// What listing a file's frames ran into, by byte offset.
type Snags = Vec<(u64, Snag)>;

/// What listing a file's frames ran into, at a byte offset.
#[derive(Clone, Debug)]
enum Snag {
    /// The file ends inside a frame, or only zeros follow.
    Torn,
    /// Damage; listing went on at `resumed` (a keyframe), if there was one.
    Damaged { why: String, resumed: Option<u64> },
}

/// A file's frames, listed from their heads alone (a positioned read of
/// [`FRAME_HEAD_LEN`] bytes each, nothing decompressed), and what was
/// found wrong on the way. A reader finds a time's keyframe in the list,
/// and after damage goes on with the next keyframe.
fn list_frames(file: &File, start_ns: i64) -> io::Result<(Vec<FrameRef>, Snags)> {
    let size = file.metadata()?.len();
    let mut frames: Vec<FrameRef> = Vec::new();
    let mut snags = Vec::new();
    let mut at = FILE_HEADER_LEN as u64;
    let mut head = [0u8; FRAME_HEAD_LEN];
    while at < size {
        let n = read_at_full(file, &mut head, at)?;
        let problem = match FrameHead::decode(&head[..n]) {
            Ok(h) if at + h.len as u64 <= size => {
                frames.push(FrameRef {
                    offset: at,
                    len: h.len,
                    kind: h.kind,
                    time_ns: h.time_ns,
                });
                at += h.len as u64;
                continue;
            }
            Ok(_) | Err(FormatError::Incomplete { .. }) => None,
            Err(e) => Some(e.to_string()),
        };
        if zeros_to_end(file, at, size)? {
            snags.push((at, Snag::Torn));
            break;
        }
        let Some(why) = problem else {
            // A frame that runs past the end, or a head cut short: a torn
            // last write, unless a keyframe follows (then the length lied).
            match next_keyframe(file, at + 1, size, start_ns)? {
                None => snags.push((at, Snag::Torn)),
                Some(next) => {
                    snags.push((
                        at,
                        Snag::Damaged {
                            why: "a frame runs past the end of the file".into(),
                            resumed: Some(next),
                        },
                    ));
                    at = next;
                    continue;
                }
            }
            break;
        };
        // The frame before pointed here, perhaps with a damaged length: the
        // search starts inside it. A keyframe found there means its length
        // lied, and it goes (frames do not overlap).
        let from = match frames.last() {
            Some(f) if f.offset + f.len as u64 == at => f.offset + 1,
            _ => at + 1,
        };
        let next = next_keyframe(file, from, size, start_ns)?;
        if let (Some(n), Some(f)) = (next, frames.last()) {
            if n < f.offset + f.len as u64 {
                frames.pop();
            }
        }
        snags.push((at, Snag::Damaged { why, resumed: next }));
        match next {
            Some(n) => at = n,
            None => break,
        }
    }
    Ok((frames, snags))
}

fn read_at_full(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut n = 0;
    while n < buf.len() {
        match file.read_at(&mut buf[n..], at + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Whether the file holds only zero bytes from `at` on: what a file
/// system may leave after a power cut, a torn tail rather than damage.
fn zeros_to_end(file: &File, mut at: u64, size: u64) -> io::Result<bool> {
    let mut buf = vec![0u8; SCAN_CHUNK.min((size - at.min(size)) as usize).max(1)];
    while at < size {
        let n = read_at_full(file, &mut buf, at)?;
        if n == 0 {
            break;
        }
        if buf[..n].iter().any(|&b| b != 0) {
            return Ok(false);
        }
        at += n as u64;
    }
    Ok(true)
}

/// The offset of the first whole keyframe at or after `from` whose CRC is
/// good: where a reader picks up after damage.
fn next_keyframe(file: &File, from: u64, size: u64, start_ns: i64) -> io::Result<Option<u64>> {
    let mut chunk = vec![0u8; SCAN_CHUNK + FRAME_HEAD_LEN];
    let mut base = from;
    while base < size {
        let n = read_at_full(file, &mut chunk, base)?;
        if n < FRAME_HEAD_LEN {
            return Ok(None);
        }
        for p in 0..=(n - FRAME_HEAD_LEN).min(SCAN_CHUNK - 1) {
            let Ok(h) = FrameHead::decode(&chunk[p..p + FRAME_HEAD_LEN]) else {
                continue;
            };
            let at = base + p as u64;
            if h.kind != format::KIND_KEY
                || at + h.len as u64 > size
                || h.time_ns.abs_diff(start_ns) > PLAUSIBLE_NS as u64
            {
                continue;
            }
            let mut frame = vec![0u8; h.len];
            if read_at_full(file, &mut frame, at)? == h.len && format::frame_crc_ok(&frame) {
                return Ok(Some(at));
            }
        }
        base += SCAN_CHUNK as u64;
    }
    Ok(None)
}

/// A file being read, frame by frame, from its list of frames.
struct OpenFile {
    path: PathBuf,
    file: File,
    frames: Vec<FrameRef>,
    /// What listing found, by offset, reported as reading passes it.
    snags: VecDeque<(u64, Snag)>,
    /// The next frame to read.
    next: usize,
    samples: u64,
    decoder: SampleDecoder,
    frame: Vec<u8>,
    /// The time of the last frame read.
    time_ns: i64,
}

impl OpenFile {
    fn open(path: &Path) -> Result<OpenFile, Warning> {
        let mut file = File::open(path).map_err(|e| header_warning(path, HeaderError::Io(e)))?;
        // Checked when the store was opened, but the file may have changed.
        let header = read_header_from(&mut file).map_err(|e| header_warning(path, e))?;
        let (frames, snags) = list_frames(&file, header.start_ns)
            .map_err(|e| header_warning(path, HeaderError::Io(e)))?;
        Ok(OpenFile {
            path: path.to_path_buf(),
            file,
            frames,
            snags: snags.into(),
            next: 0,
            samples: 0,
            decoder: SampleDecoder::for_version(header.version),
            frame: Vec::new(),
            time_ns: 0,
        })
    }

    /// A file already listed: its frames, without the snags (reported
    /// when it was listed).
    fn listed(path: &Path, version: u16, frames: Vec<FrameRef>) -> Result<OpenFile, Warning> {
        let file = File::open(path).map_err(|e| header_warning(path, HeaderError::Io(e)))?;
        Ok(OpenFile {
            path: path.to_path_buf(),
            file,
            frames,
            snags: VecDeque::new(),
            next: 0,
            samples: 0,
            decoder: SampleDecoder::for_version(version),
            frame: Vec::new(),
            time_ns: 0,
        })
    }

    /// Decodes frames up to frame `k`, from the keyframe before it unless
    /// the decoder stands between the two: the sample of frame `k`.
    fn decode_to(&mut self, k: usize) -> Result<Sample, Warning> {
        let key = self.frames[..=k]
            .iter()
            .rposition(|f| f.kind == format::KIND_KEY)
            .unwrap_or(0);
        let standing = self.decoder.state().is_some() && self.next > key && self.next <= k + 1;
        if !standing {
            self.next = key;
        }
        while self.next <= k {
            let want = self.frames[self.next].offset;
            // Only the sample asked for is decoded whole.
            match self.next_frame(self.next == k)? {
                Some(_) => {}
                None => break,
            }
            // A frame that did not decode moved the reader on past `k`.
            if self
                .frames
                .get(self.next - 1)
                .is_none_or(|f| f.offset != want)
            {
                break;
            }
        }
        let whole = self.decoder.materialize().ok();
        match whole {
            Some(sections) if self.next == k + 1 => Ok(Sample {
                time_ns: self.time_ns,
                sections: sections.clone(),
            }),
            _ => Err(Warning::Damaged {
                file: self.path.clone(),
                offset: self.frames[k].offset,
                samples: 0,
                why: "the sample does not decode".into(),
            }),
        }
    }

    /// The time of the next frame, from its head.
    fn peek_time(&self) -> Option<i64> {
        self.frames.get(self.next).map(|f| f.time_ns)
    }

    /// Starts at the last keyframe at or before `t_ns`, so that the frames
    /// before it are not decoded; the snags before it are not reported.
    fn seek(&mut self, t_ns: i64) {
        let Some(key) = self
            .frames
            .iter()
            .rposition(|f| f.kind == format::KIND_KEY && f.time_ns <= t_ns)
        else {
            return;
        };
        if key > self.next {
            let offset = self.frames[key].offset;
            while self.snags.front().is_some_and(|(at, _)| *at < offset) {
                self.snags.pop_front();
            }
            self.next = key;
        }
    }

    /// Reads and decodes the next frame: its time, or None at the end of
    /// the file. A frame that does not decode is a warning, and reading
    /// goes on at the next keyframe.
    fn next_frame(&mut self, whole: bool) -> Result<Option<i64>, Warning> {
        let upto = self.frames.get(self.next).map_or(u64::MAX, |f| f.offset);
        if self.snags.front().is_some_and(|(at, _)| *at < upto) {
            if let Some((at, snag)) = self.snags.pop_front() {
                return Err(self.snag(at, snag));
            }
        }
        let Some(f) = self.frames.get(self.next).copied() else {
            return Ok(None);
        };
        self.next += 1;
        self.frame.resize(f.len, 0);
        let n = read_at_full(&self.file, &mut self.frame, f.offset).map_err(|e| {
            Warning::Unreadable {
                file: self.path.clone(),
                why: format!("at byte {}: {e}", f.offset),
            }
        })?;
        self.frame.truncate(n);
        let decoded = self.decoder.frame_chained(&self.frame).and_then(|t| {
            if whole {
                self.decoder.materialize()?;
            }
            Ok(t)
        });
        match decoded {
            Ok(t) => {
                self.time_ns = t;
                self.samples += 1;
                Ok(Some(t))
            }
            Err(e) => {
                // On to the next keyframe: the deltas before it build on
                // what was lost.
                let skip = self.frames[self.next..]
                    .iter()
                    .position(|g| g.kind == format::KIND_KEY)
                    .map_or(self.frames.len(), |i| self.next + i);
                let resumed = self.frames.get(skip).map(|g| g.offset);
                self.next = skip;
                Err(self.snag(
                    f.offset,
                    Snag::Damaged {
                        why: e.to_string(),
                        resumed,
                    },
                ))
            }
        }
    }

    fn snag(&self, offset: u64, snag: Snag) -> Warning {
        snag_warning(&self.path, self.samples, offset, snag)
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
