//! The store's bytes: file header, frames, and the samples they carry.
//! Pure, no I/O, so that every decoder can be fuzzed: decoding any bytes
//! returns an error rather than panicking, never reads outside its buffer,
//! and allocates at most [`MAX_FRAME`] + [`MAX_BODY`] bytes for a frame.
//!
//! The layout is described in the module doc of [`crate::store`].

use std::collections::BTreeMap;

use serde_json::Value;

use super::delta::{self, Delta};
use super::{Sample, Sections, StoreError};

/// The first 8 bytes of every store file, of every format version.
pub const MAGIC: &[u8; 8] = b"TASKHIST";
/// The format this taskstat writes, and the newest it reads. Version 2
/// adds the content version to the header, and keyframes within a file.
pub const FORMAT_VERSION: u16 = 2;
/// What the samples' JSON holds: which sections, and the records' schema
/// (`taskstat tgid --format json`'s, with `cgroup` and `_at`). A reader
/// refuses a newer one rather than misread it; a version 1 file holds
/// content version 1.
pub const CONTENT_VERSION: u16 = 1;
/// Magic, version, content version (reserved in version 1), start time, CRC.
pub const FILE_HEADER_LEN: usize = 24;
/// A frame's length and CRC, before what they describe.
pub const FRAME_PREFIX_LEN: usize = 8;
/// Kind, time and body length, after the prefix.
const FRAME_FIXED_LEN: usize = 13;
/// The largest JSON body of a frame, decompressed. The reader refuses
/// larger ones, so that a damaged or hostile file cannot make it allocate
/// more; the writer refuses to write them. A keyframe of 10,000 objects
/// of 100 counters is about 25 MB.
pub const MAX_BODY: usize = 128 << 20;
/// The largest frame (after its prefix): a body that zstd could not
/// compress at all, with zstd's worst-case overhead.
pub const MAX_FRAME: usize = FRAME_FIXED_LEN + MAX_BODY + (MAX_BODY >> 7) + (1 << 16);
/// How deep a sample's values may nest: the JSON of a body adds 4 levels,
/// and serde_json reads at most 128.
pub const MAX_DEPTH: usize = 100;

pub const KIND_KEY: u8 = 1;
pub const KIND_DELTA: u8 = 2;
/// A frame's prefix and fixed part: what the reader looks at to list a
/// file's frames without decoding them.
pub const FRAME_HEAD_LEN: usize = FRAME_PREFIX_LEN + FRAME_FIXED_LEN;

/// What is wrong with bytes that claim to be a store file or frame.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("not a taskstat store file (no TASKHIST magic at its start)")]
    BadMagic,
    #[error(
        "written by store format version {found}; this taskstat reads versions up to {FORMAT_VERSION}: upgrade taskstat"
    )]
    NewerVersion { found: u16 },
    #[error(
        "holds samples of content version {found}; this taskstat reads versions up to {CONTENT_VERSION}: upgrade taskstat"
    )]
    NewerContent { found: u16 },
    /// The bytes end before the header or frame does: the tail of a file
    /// whose last write did not complete.
    #[error("the file ends {got} bytes into a {need}-byte {what}")]
    Incomplete {
        what: &'static str,
        need: usize,
        got: usize,
    },
    #[error("{0}")]
    Damaged(String),
}

impl From<delta::Mismatch> for FormatError {
    fn from(e: delta::Mismatch) -> FormatError {
        FormatError::Damaged(e.0)
    }
}

fn damaged(why: impl Into<String>) -> FormatError {
    FormatError::Damaged(why.into())
}

fn crc(parts: &[&[u8]]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    let mut a = [0u8; 2];
    a.copy_from_slice(&b[at..at + 2]);
    u16::from_le_bytes(a)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn i64_at(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_le_bytes(a)
}

/// The header at the start of each file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileHeader {
    /// The format version the file was written in.
    pub version: u16,
    /// What its samples hold ([`CONTENT_VERSION`]).
    pub content: u16,
    /// The time of the file's first sample, unix ns.
    pub start_ns: i64,
}

impl FileHeader {
    /// A header of the current format version.
    pub fn new(start_ns: i64) -> FileHeader {
        FileHeader {
            version: FORMAT_VERSION,
            content: CONTENT_VERSION,
            start_ns,
        }
    }

    pub fn encode(&self) -> [u8; FILE_HEADER_LEN] {
        let mut h = [0u8; FILE_HEADER_LEN];
        h[..8].copy_from_slice(MAGIC);
        h[8..10].copy_from_slice(&self.version.to_le_bytes());
        h[10..12].copy_from_slice(&self.content.to_le_bytes());
        h[12..20].copy_from_slice(&self.start_ns.to_le_bytes());
        let sum = crc(&[&h[..20]]);
        h[20..24].copy_from_slice(&sum.to_le_bytes());
        h
    }

    /// Decodes the header at the start of `buf` (which may hold more).
    /// The magic and the version come first, at the same offsets in every
    /// format version, so that a newer file is told apart from a damaged one.
    pub fn decode(buf: &[u8]) -> Result<FileHeader, FormatError> {
        let incomplete = FormatError::Incomplete {
            what: "file header",
            need: FILE_HEADER_LEN,
            got: buf.len(),
        };
        let n = buf.len().min(MAGIC.len());
        if buf[..n] != MAGIC[..n] {
            return Err(FormatError::BadMagic);
        }
        if buf.len() < 10 {
            return Err(incomplete);
        }
        let version = u16_at(buf, 8);
        if version == 0 {
            return Err(damaged("the file header gives format version 0"));
        }
        if version > FORMAT_VERSION {
            return Err(FormatError::NewerVersion { found: version });
        }
        // Versions 1 and 2 share the layout; version 1 kept the content
        // version's place reserved, at 0.
        if buf.len() < FILE_HEADER_LEN {
            return Err(incomplete);
        }
        if crc(&[&buf[..20]]) != u32_at(buf, 20) {
            return Err(damaged("file header checksum mismatch"));
        }
        let content = match (version, u16_at(buf, 10)) {
            (1, 0) => 1,
            (1, _) => return Err(damaged("reserved bits set in the file header")),
            (_, 0) => return Err(damaged("the file header gives content version 0")),
            (_, c) if c > CONTENT_VERSION => return Err(FormatError::NewerContent { found: c }),
            (_, c) => c,
        };
        Ok(FileHeader {
            version,
            content,
            start_ns: i64_at(buf, 12),
        })
    }
}

/// The whole length of the frame whose first [`FRAME_PREFIX_LEN`] bytes are
/// `prefix`, prefix included; an error if that length is implausible.
pub fn frame_len(prefix: &[u8]) -> Result<usize, FormatError> {
    if prefix.len() < FRAME_PREFIX_LEN {
        return Err(FormatError::Incomplete {
            what: "frame prefix",
            need: FRAME_PREFIX_LEN,
            got: prefix.len(),
        });
    }
    let len = u32_at(prefix, 0) as usize;
    if !(FRAME_FIXED_LEN..=MAX_FRAME).contains(&len) {
        return Err(damaged(format!("implausible frame length {len}")));
    }
    Ok(FRAME_PREFIX_LEN + len)
}

/// What a frame's head says of it, unchecked: its CRC covers the whole
/// frame, which is read only to decode it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHead {
    /// The whole frame's length, prefix included.
    pub len: usize,
    pub kind: u8,
    pub time_ns: i64,
}

impl FrameHead {
    /// The head at the start of `buf` ([`FRAME_HEAD_LEN`] bytes), if it is
    /// plausible: a length in bounds, a known kind, a body length in bounds.
    pub fn decode(buf: &[u8]) -> Result<FrameHead, FormatError> {
        let len = frame_len(buf)?;
        if buf.len() < FRAME_HEAD_LEN {
            return Err(FormatError::Incomplete {
                what: "frame head",
                need: FRAME_HEAD_LEN,
                got: buf.len(),
            });
        }
        let kind = buf[8];
        if kind != KIND_KEY && kind != KIND_DELTA {
            return Err(damaged(format!("unknown frame kind {kind}")));
        }
        if u32_at(buf, 17) as usize > MAX_BODY {
            return Err(damaged("implausible body length"));
        }
        Ok(FrameHead {
            len,
            kind,
            time_ns: i64_at(buf, 9),
        })
    }
}

/// Whether `frame` (exactly one frame's bytes) has a good CRC: how a reader
/// that lost its place finds the next frame.
pub fn frame_crc_ok(frame: &[u8]) -> bool {
    frame.len() >= FRAME_HEAD_LEN && crc(&[&frame[0..4], &frame[8..]]) == u32_at(frame, 4)
}

/// Does `v` nest deeper than `limit` levels of arrays and objects?
fn too_deep(v: &Value, limit: usize) -> bool {
    match v {
        Value::Array(a) => limit == 0 || a.iter().any(|x| too_deep(x, limit - 1)),
        Value::Object(o) => limit == 0 || o.values().any(|x| too_deep(x, limit - 1)),
        _ => false,
    }
}

fn compress_error(e: std::io::Error) -> StoreError {
    StoreError::Compress(e.to_string())
}

/// Turns samples into frames: a keyframe, then deltas from the sample
/// before. Each frame's JSON is compressed with zstd on its own; a delta
/// uses its file's keyframe JSON as zstd's dictionary, so that the keys
/// and field names it repeats cost a few bytes each.
///
/// Transient sections (the exits of the interval, say: never the same
/// twice) stay out of the chain of deltas: each frame carries them whole,
/// after the chained part, so that a reader seeking a time decodes only the
/// chained parts of the frames it passes.
pub struct SampleEncoder {
    zstd: zstd::bulk::Compressor<'static>,
    level: i32,
    /// The chained sections of the sample encoded before.
    prev: Option<Sections>,
    transient: Vec<String>,
}

impl SampleEncoder {
    /// `level`: zstd's compression level (3 is zstd's default).
    pub fn new(level: i32) -> Result<SampleEncoder, StoreError> {
        SampleEncoder::with_transient(level, &[])
    }

    /// An encoder that keeps the sections named in `transient` out of the
    /// chain of deltas.
    pub fn with_transient(level: i32, transient: &[String]) -> Result<SampleEncoder, StoreError> {
        Ok(SampleEncoder {
            zstd: zstd::bulk::Compressor::new(level).map_err(compress_error)?,
            level,
            prev: None,
            transient: transient.to_vec(),
        })
    }

    fn is_transient(&self, name: &str) -> bool {
        self.transient.iter().any(|t| t == name)
    }

    /// The transient sections of `sample`, as JSON.
    fn transient_json(&self, sample: &Sample) -> Result<Vec<u8>, StoreError> {
        let t: BTreeMap<&String, &BTreeMap<String, Value>> = sample
            .sections
            .iter()
            .filter(|(name, _)| self.is_transient(name))
            .collect();
        check_depth(t.values().flat_map(|s| s.values()))?;
        serde_json::to_vec(&t).map_err(|e| StoreError::Compress(e.to_string()))
    }

    /// A keyframe: the whole sample. The deltas after it are relative to it.
    pub fn key_frame(&mut self, sample: &Sample) -> Result<Vec<u8>, StoreError> {
        self.prev = None;
        let chained: BTreeMap<&String, &BTreeMap<String, Value>> = sample
            .sections
            .iter()
            .filter(|(name, _)| !self.is_transient(name))
            .collect();
        check_depth(chained.values().flat_map(|s| s.values()))?;
        let chained_json =
            serde_json::to_vec(&chained).map_err(|e| StoreError::Compress(e.to_string()))?;
        let body = self.body(&chained_json, &self.transient_json(sample)?)?;
        self.zstd
            .set_dictionary(self.level, &[])
            .map_err(compress_error)?;
        let frame = self.frame(KIND_KEY, sample.time_ns, &body)?;
        self.zstd
            .set_dictionary(self.level, &chained_json)
            .map_err(compress_error)?;
        self.prev = Some(
            chained
                .into_iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        Ok(frame)
    }

    /// The chained part's length, the chained part, the transient part.
    fn body(&self, chained: &[u8], transient: &[u8]) -> Result<Vec<u8>, StoreError> {
        let len = u32::try_from(chained.len()).map_err(|_| StoreError::TooLarge {
            size: chained.len(),
            max: MAX_BODY,
        })?;
        let mut body = Vec::with_capacity(4 + chained.len() + transient.len());
        body.extend_from_slice(&len.to_le_bytes());
        body.extend_from_slice(chained);
        body.extend_from_slice(transient);
        Ok(body)
    }

    /// A delta from the sample encoded before; None before the first
    /// keyframe. The sample becomes the one the next delta is relative to,
    /// whether or not this frame is written: a frame that is not written
    /// must be followed by a keyframe.
    pub fn delta_frame(&mut self, sample: &Sample) -> Result<Option<Vec<u8>>, StoreError> {
        self.delta_frame_unless(sample, &|_, _| false)
    }

    /// [`Encoder::delta_frame`], with the records for which
    /// `unchanged(section, key)` holds taken as equal to the previous
    /// sample's (see [`delta::diff_unless`]).
    pub fn delta_frame_unless(
        &mut self,
        sample: &Sample,
        unchanged: &dyn Fn(&str, &str) -> bool,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(mut prev) = self.prev.take() else {
            return Ok(None);
        };
        let transient = self.transient.clone();
        let is_transient = |name: &str| transient.iter().any(|t| t == name);
        let d = delta::diff_chained(&prev, &sample.sections, unchanged, &is_transient);
        check_delta_depth(&d)?;
        let chained = serde_json::to_vec(&d).map_err(|e| StoreError::Compress(e.to_string()))?;
        let body = self.body(&chained, &self.transient_json(sample)?)?;
        let frame = self.frame(KIND_DELTA, sample.time_ns, &body)?;
        // What the reader will do: cheaper than a copy of the sample when
        // little changed.
        delta::apply(&mut prev, d).map_err(|e| StoreError::Compress(e.to_string()))?;
        debug_assert!(
            prev.iter()
                .eq(sample.sections.iter().filter(|(n, _)| !is_transient(n)))
        );
        self.prev = Some(prev);
        Ok(Some(frame))
    }

    fn frame(&mut self, kind: u8, time_ns: i64, body: &[u8]) -> Result<Vec<u8>, StoreError> {
        if body.len() > MAX_BODY {
            return Err(StoreError::TooLarge {
                size: body.len(),
                max: MAX_BODY,
            });
        }
        let head = FRAME_PREFIX_LEN + FRAME_FIXED_LEN;
        let mut out = Vec::with_capacity(head + zstd::zstd_safe::compress_bound(body.len()));
        out.resize(head, 0);
        out[8] = kind;
        out[9..17].copy_from_slice(&time_ns.to_le_bytes());
        // MAX_BODY fits a u32.
        out[17..21].copy_from_slice(&(body.len() as u32).to_le_bytes());
        let compressed = self.zstd.compress(body).map_err(compress_error)?;
        out.extend_from_slice(&compressed);
        let len = (out.len() - FRAME_PREFIX_LEN) as u32;
        out[0..4].copy_from_slice(&len.to_le_bytes());
        let sum = crc(&[&out[0..4], &out[8..]]);
        out[4..8].copy_from_slice(&sum.to_le_bytes());
        Ok(out)
    }
}

fn check_depth<'a>(mut values: impl Iterator<Item = &'a Value>) -> Result<(), StoreError> {
    if values.any(|v| too_deep(v, MAX_DEPTH)) {
        return Err(StoreError::TooDeep { max: MAX_DEPTH });
    }
    Ok(())
}

/// Only what changed needs checking: the rest was checked before.
fn check_delta_depth(d: &Delta) -> Result<(), StoreError> {
    for s in d.sections.values() {
        check_depth(s.put.values())?;
        // A patch has the shape of the value it patches, one level down.
        let deep = s
            .patch
            .values()
            .flat_map(|p| p.values())
            .any(|v| too_deep(v, MAX_DEPTH - 1));
        if deep {
            return Err(StoreError::TooDeep { max: MAX_DEPTH });
        }
    }
    Ok(())
}

/// Turns one file's frames back into samples, in order: the state that
/// each delta applies to, and the dictionary its keyframe gives.
pub struct SampleDecoder {
    zstd: Option<zstd::bulk::Decompressor<'static>>,
    state: Option<Sections>,
    /// Bodies carry their chained part's length, then a transient part
    /// (format version 2 on).
    split: bool,
    /// The last frame's transient sections, as JSON, until they are asked
    /// for ([`SampleDecoder::materialize`]).
    transient: Vec<u8>,
    /// The transient sections put into the state: gone before the next
    /// frame applies, as no delta mentions them.
    shown: Vec<String>,
}

impl Default for SampleDecoder {
    fn default() -> Self {
        SampleDecoder::new()
    }
}

impl SampleDecoder {
    /// A decoder of the current format version's frames.
    pub fn new() -> SampleDecoder {
        SampleDecoder::for_version(FORMAT_VERSION)
    }

    /// A decoder of the frames of a file of format `version`.
    pub fn for_version(version: u16) -> SampleDecoder {
        SampleDecoder {
            zstd: None,
            state: None,
            split: version >= 2,
            transient: Vec::new(),
            shown: Vec::new(),
        }
    }

    /// The sections after the last frame decoded, if it was good (its
    /// transient sections only once materialized).
    pub fn state(&self) -> Option<&Sections> {
        self.state.as_ref()
    }

    /// Decodes the frame that is the whole of `frame` (prefix included)
    /// and returns the sample's time and sections. After an error the
    /// decoder needs a keyframe again.
    pub fn frame(&mut self, frame: &[u8]) -> Result<(i64, &Sections), FormatError> {
        let t = self.frame_chained(frame)?;
        Ok((t, self.materialize()?))
    }

    /// Decodes a frame's chained part only: enough to decode the frames
    /// after it. Its transient sections wait for [`Self::materialize`].
    pub fn frame_chained(&mut self, frame: &[u8]) -> Result<i64, FormatError> {
        let r = self.decode(frame);
        if r.is_err() {
            self.state = None;
        }
        r?;
        match (&self.state, frame_time(frame)) {
            (Some(_), Some(t)) => Ok(t),
            _ => Err(damaged("no state after a frame")),
        }
    }

    /// The whole sample of the last frame decoded: its chained sections and
    /// its transient ones.
    pub fn materialize(&mut self) -> Result<&Sections, FormatError> {
        let Some(state) = self.state.as_mut() else {
            return Err(damaged("no state after a frame"));
        };
        if !self.transient.is_empty() {
            let t: Sections = serde_json::from_slice(&self.transient)
                .map_err(|e| damaged(format!("transient sections: {e}")))?;
            self.transient.clear();
            for (name, section) in t {
                self.shown.push(name.clone());
                state.insert(name, section);
            }
        }
        Ok(state)
    }

    fn decode(&mut self, frame: &[u8]) -> Result<(), FormatError> {
        if let Some(state) = self.state.as_mut() {
            for name in self.shown.drain(..) {
                state.remove(&name);
            }
        }
        self.shown.clear();
        self.transient.clear();
        let total = frame_len(frame)?;
        if frame.len() < total {
            return Err(FormatError::Incomplete {
                what: "frame",
                need: total,
                got: frame.len(),
            });
        }
        if frame.len() > total {
            return Err(damaged("bytes after the frame"));
        }
        if crc(&[&frame[0..4], &frame[8..]]) != u32_at(frame, 4) {
            return Err(damaged("frame checksum mismatch"));
        }
        let kind = frame[8];
        let raw_len = u32_at(frame, 17) as usize;
        if raw_len > MAX_BODY {
            return Err(damaged(format!("implausible body length {raw_len}")));
        }
        let compressed = &frame[FRAME_PREFIX_LEN + FRAME_FIXED_LEN..];
        let mut z = match (kind, self.zstd.take()) {
            (KIND_KEY, _) => zstd::bulk::Decompressor::new().map_err(zstd_error)?,
            (KIND_DELTA, Some(z)) if self.state.is_some() => z,
            (KIND_DELTA, _) => return Err(damaged("a delta frame without a keyframe before it")),
            (k, _) => return Err(damaged(format!("unknown frame kind {k}"))),
        };
        let body = decompress(&mut z, compressed, raw_len)?;
        let (chained, transient) = if self.split {
            if body.len() < 4 {
                return Err(damaged("a body shorter than its chained part's length"));
            }
            let n = u32_at(&body, 0) as usize;
            let rest = &body[4..];
            if n > rest.len() {
                return Err(damaged(format!(
                    "a chained part of {n} bytes in a body of {}",
                    rest.len()
                )));
            }
            rest.split_at(n)
        } else {
            (&body[..], &[][..])
        };
        if kind == KIND_KEY {
            let sections: Sections =
                serde_json::from_slice(chained).map_err(|e| damaged(format!("keyframe: {e}")))?;
            z.set_dictionary(chained).map_err(zstd_error)?;
            self.state = Some(sections);
        } else {
            let d: Delta =
                serde_json::from_slice(chained).map_err(|e| damaged(format!("delta: {e}")))?;
            let state = self
                .state
                .as_mut()
                .ok_or_else(|| damaged("a delta frame without a keyframe before it"))?;
            delta::apply(state, d)?;
        }
        self.zstd = Some(z);
        self.transient.extend_from_slice(transient);
        Ok(())
    }
}

/// The time of a frame whose fixed part is present.
fn frame_time(frame: &[u8]) -> Option<i64> {
    (frame.len() >= FRAME_PREFIX_LEN + FRAME_FIXED_LEN).then(|| i64_at(frame, 9))
}

fn zstd_error(e: std::io::Error) -> FormatError {
    damaged(format!("zstd: {e}"))
}

fn decompress(
    z: &mut zstd::bulk::Decompressor<'_>,
    data: &[u8],
    raw_len: usize,
) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::with_capacity(raw_len);
    let n = z.decompress_to_buffer(data, &mut out).map_err(zstd_error)?;
    if n != raw_len || out.len() != raw_len {
        return Err(damaged(format!(
            "the body decompresses to {n} bytes, not the {raw_len} its frame gives"
        )));
    }
    Ok(out)
}

/// What [`decode_file`] found in a whole file's bytes.
#[derive(Debug, Default)]
pub struct DecodedFile {
    pub header: Option<FileHeader>,
    pub samples: Vec<Sample>,
    /// Why decoding stopped before the end, and at which byte.
    pub error: Option<(usize, FormatError)>,
}

/// Decodes a whole file held in memory: every sample up to the first
/// error. The file reader streams instead; this is for tests and fuzzing,
/// over the same [`FileHeader::decode`], [`frame_len`] and
/// [`SampleDecoder`].
pub fn decode_file(bytes: &[u8]) -> DecodedFile {
    let mut out = DecodedFile::default();
    match FileHeader::decode(bytes) {
        Ok(h) => out.header = Some(h),
        Err(e) => {
            out.error = Some((0, e));
            return out;
        }
    }
    let mut at = FILE_HEADER_LEN;
    let mut decoder = SampleDecoder::for_version(out.header.map_or(FORMAT_VERSION, |h| h.version));
    while at < bytes.len() {
        let rest = &bytes[at..];
        let r = frame_len(rest).and_then(|len| {
            let frame = rest.get(..len).ok_or(FormatError::Incomplete {
                what: "frame",
                need: len,
                got: rest.len(),
            })?;
            let (time_ns, sections) = decoder.frame(frame)?;
            out.samples.push(Sample {
                time_ns,
                sections: sections.clone(),
            });
            Ok(len)
        });
        match r {
            Ok(len) => at += len,
            Err(e) => {
                out.error = Some((at, e));
                break;
            }
        }
    }
    out
}
