//! Capture files (`listen --write`): raw exit records with a header that
//! describes them, so that `taskstat decode` can read them back on any
//! machine (getdelays -w wrote bare structs that no tool can frame).
//!
//! Layout (integers little-endian):
//!
//! ```text
//! magic       8 bytes  "TASKSTAT"
//! format      u16      FORMAT_VERSION
//! header_len  u32      length of the JSON header that follows
//! header      JSON     {"taskstat", "struct_version", "kernel", "hostname", "time", "byte_order", "delayacct"}
//! frames      repeated:
//!   kind      u8       1 = pid record, 2 = tgid record
//!   reserved  3 bytes  0
//!   id        u32      the PID or TGID
//!   len       u32      payload length (at most MAX_PAYLOAD)
//!   crc32     u32      CRC-32 of kind, reserved, id, len and payload
//!   payload   len bytes  struct taskstats as the kernel sent it (host byte order)
//! ```

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

use crate::wire::{self, RawRecord, Record, RecordKind, TaskStats, WireError};

pub const MAGIC: &[u8; 8] = b"TASKSTAT";
pub const FORMAT_VERSION: u16 = 1;
/// Larger than any struct taskstats (688 bytes in v17), small enough that a
/// damaged length cannot make the reader allocate much.
pub const MAX_PAYLOAD: u32 = 64 * 1024;
const MAX_HEADER: u32 = 64 * 1024;
const FRAME_HEADER: usize = 16;

/// What the file says about where its records came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureHeader {
    pub taskstat: String,
    pub struct_version: Option<u16>,
    pub kernel: String,
    pub hostname: String,
    /// Epoch seconds when the file was started.
    pub time: u64,
    /// "little" or "big": the payloads' byte order.
    pub byte_order: String,
    /// `kernel.task_delayacct` when the file was started: with it off, the
    /// zeros in most delay categories mean "not measured". Absent (None)
    /// in files written before taskstat recorded it.
    #[serde(default)]
    pub delayacct: Option<bool>,
}

pub fn host_byte_order() -> &'static str {
    if cfg!(target_endian = "little") {
        "little"
    } else {
        "big"
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("not a taskstat record file (no TASKSTAT magic at its start)")]
    NotACaptureFile,
    #[error("record file format {0} is newer than this taskstat reads ({FORMAT_VERSION})")]
    UnsupportedFormat(u16),
    #[error("the file header is damaged: {0}")]
    BadHeader(String),
    #[error("the records were written on a {0}-endian machine; decode them on one like it")]
    ByteOrder(String),
    #[error("truncated: the record at byte {offset} is incomplete (after {records} whole records)")]
    Truncated { offset: u64, records: u64 },
    #[error("damaged at byte {offset} (after {records} good records): {why}")]
    Damaged {
        offset: u64,
        records: u64,
        why: String,
    },
    #[error(transparent)]
    Io(#[from] io::Error),
}

pub fn write_header(w: &mut dyn Write, h: &CaptureHeader) -> io::Result<()> {
    let mut json = Vec::new();
    serde_json::to_writer(&mut json, h)?;
    w.write_all(MAGIC)?;
    w.write_all(&FORMAT_VERSION.to_le_bytes())?;
    w.write_all(&(json.len() as u32).to_le_bytes())?;
    w.write_all(&json)
}

fn frame_head(kind: RecordKind, id: u32, len: u32) -> [u8; 12] {
    let mut h = [0u8; 12];
    h[0] = match kind {
        RecordKind::Pid => 1,
        RecordKind::Tgid => 2,
    };
    h[4..8].copy_from_slice(&id.to_le_bytes());
    h[8..12].copy_from_slice(&len.to_le_bytes());
    h
}

/// CRC-32 (IEEE 802.3, as zlib computes it) of a frame's head and
/// payload: crc32fast, which the history store uses too.
fn crc(head: &[u8], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(head);
    h.update(payload);
    h.finalize()
}

pub fn write_record(w: &mut dyn Write, r: &RawRecord) -> io::Result<()> {
    let len = u32::try_from(r.stats.len())
        .ok()
        .filter(|l| *l <= MAX_PAYLOAD)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "record larger than a record file frame",
            )
        })?;
    let head = frame_head(r.kind, r.id.unwrap_or(0), len);
    w.write_all(&head)?;
    w.write_all(&crc(&head, &r.stats).to_le_bytes())?;
    w.write_all(&r.stats)
}

/// Reads until `buf` is full or the input ends; returns how much was read.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Reads a capture file: the header first, then the records one by one.
pub struct CaptureReader<R> {
    input: R,
    offset: u64,
    records: u64,
    done: bool,
}

impl<R: Read> CaptureReader<R> {
    pub fn open(mut input: R) -> Result<(CaptureHeader, CaptureReader<R>), CaptureError> {
        let mut fixed = [0u8; 14];
        let n = read_full(&mut input, &mut fixed)?;
        if n < 8 || &fixed[..8] != MAGIC {
            return Err(CaptureError::NotACaptureFile);
        }
        if n < 14 {
            return Err(CaptureError::BadHeader(
                "the file ends inside its header".into(),
            ));
        }
        let format = u16::from_le_bytes([fixed[8], fixed[9]]);
        if format != FORMAT_VERSION {
            return Err(CaptureError::UnsupportedFormat(format));
        }
        let len = u32::from_le_bytes([fixed[10], fixed[11], fixed[12], fixed[13]]);
        if len > MAX_HEADER {
            return Err(CaptureError::BadHeader(format!(
                "header length {len} is implausible"
            )));
        }
        let mut json = vec![0u8; len as usize];
        if read_full(&mut input, &mut json)? < json.len() {
            return Err(CaptureError::BadHeader(
                "the file ends inside its header".into(),
            ));
        }
        let header: CaptureHeader =
            serde_json::from_slice(&json).map_err(|e| CaptureError::BadHeader(e.to_string()))?;
        if header.byte_order != host_byte_order() {
            return Err(CaptureError::ByteOrder(header.byte_order));
        }
        let reader = CaptureReader {
            input,
            offset: 14 + u64::from(len),
            records: 0,
            done: false,
        };
        Ok((header, reader))
    }

    fn next_record(&mut self) -> Result<Option<RawRecord>, CaptureError> {
        let start = self.offset;
        let mut head = [0u8; FRAME_HEADER];
        let n = read_full(&mut self.input, &mut head)?;
        if n == 0 {
            return Ok(None);
        }
        let truncated = CaptureError::Truncated {
            offset: start,
            records: self.records,
        };
        if n < FRAME_HEADER {
            return Err(truncated);
        }
        let damaged = |why: String| CaptureError::Damaged {
            offset: start,
            records: self.records,
            why,
        };
        let kind = match head[0] {
            1 => RecordKind::Pid,
            2 => RecordKind::Tgid,
            k => return Err(damaged(format!("unknown record kind {k}"))),
        };
        let id = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        let len = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
        let sum = u32::from_le_bytes([head[12], head[13], head[14], head[15]]);
        if len > MAX_PAYLOAD || head[1..4] != [0, 0, 0] {
            return Err(damaged(format!("implausible record header (length {len})")));
        }
        let mut payload = vec![0u8; len as usize];
        if read_full(&mut self.input, &mut payload)? < payload.len() {
            return Err(truncated);
        }
        if crc(&head[..12], &payload) != sum {
            return Err(damaged("checksum mismatch".into()));
        }
        self.offset += (FRAME_HEADER + payload.len()) as u64;
        self.records += 1;
        Ok(Some(RawRecord {
            kind,
            id: Some(id),
            stats: payload,
        }))
    }
}

impl<R: Read> Iterator for CaptureReader<R> {
    type Item = Result<RawRecord, CaptureError>;

    /// Records in order; after an error (truncation, damage), nothing more.
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_record() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Decodes the records of one file. A whole-process record with struct
/// version 0 (kernels before the 2026 fix; docs/abi.md) is read with the
/// layout of the struct version the header names, but only when its
/// length is one that version has: the version's size (either of v17's
/// two), or the length of that version's records already read from the
/// file. `listen --write` appends to an existing file under its first
/// header, so a file continued after a kernel upgrade can hold records of
/// another version; a length the header's version never has says the
/// layout is not that one, and such a record is not decoded. (Versions 15
/// and 16 have the same length: a file begun on 6.14 and continued on a
/// later kernel cannot tell them apart; its header says 15.)
pub struct FileDecoder {
    version: Option<u16>,
    /// Payload lengths of the header version's records read so far (a few).
    lengths: Vec<usize>,
}

impl FileDecoder {
    pub fn new(header: &CaptureHeader) -> FileDecoder {
        FileDecoder {
            version: header.struct_version,
            lengths: Vec::new(),
        }
    }

    pub fn decode(&mut self, raw: &RawRecord) -> Result<Record, WireError> {
        let (version, lengths) = (self.version, &self.lengths);
        let rec = wire::decode_record(raw, |len| match version {
            None => Err("no struct version in the file's header to give its layout"),
            Some(v) if TaskStats::fits_layout(v, len) || lengths.contains(&len) => Ok(v),
            Some(_) => Err("a length the struct version in the file's header does not have"),
        })?;
        let s = &rec.stats;
        if !s.unversioned
            && Some(s.version) == self.version
            && !self.lengths.contains(&s.payload_len)
            && self.lengths.len() < 4
        {
            self.lengths.push(s.payload_len);
        }
        Ok(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standard check value, so that files written by every earlier
    /// taskstat still read.
    #[test]
    fn crc_is_ieee_crc32() {
        assert_eq!(crc(b"1234", b"56789"), 0xCBF4_3926);
        assert_eq!(crc(b"", b""), 0);
    }

    fn sample() -> (CaptureHeader, Vec<RawRecord>, Vec<u8>) {
        let h = CaptureHeader {
            taskstat: "test".into(),
            struct_version: Some(16),
            kernel: "6.18".into(),
            hostname: "h".into(),
            time: 1,
            byte_order: host_byte_order().into(),
            delayacct: Some(false),
        };
        let recs: Vec<RawRecord> = (0..5u8)
            .map(|i| RawRecord {
                kind: if i % 2 == 0 {
                    RecordKind::Pid
                } else {
                    RecordKind::Tgid
                },
                id: Some(100 + u32::from(i)),
                stats: vec![i; 560],
            })
            .collect();
        let mut buf = Vec::new();
        write_header(&mut buf, &h).unwrap();
        for r in &recs {
            write_record(&mut buf, r).unwrap();
        }
        (h, recs, buf)
    }

    #[test]
    fn round_trip() {
        let (h, recs, buf) = sample();
        let (h2, reader) = CaptureReader::open(&buf[..]).unwrap();
        assert_eq!(h, h2);
        let back: Vec<RawRecord> = reader.map(Result::unwrap).collect();
        assert_eq!(back, recs);
    }

    #[test]
    fn every_truncation_and_corruption_ends_cleanly() {
        let (_, recs, buf) = sample();
        for cut in 0..buf.len() {
            let Ok((_, reader)) = CaptureReader::open(&buf[..cut]) else {
                continue;
            };
            let items: Vec<_> = reader.collect();
            let good = items.iter().filter(|r| r.is_ok()).count();
            assert!(good <= recs.len());
            assert!(items.iter().filter(|r| r.is_err()).count() <= 1);
        }
        for pos in 0..buf.len() {
            let mut bad = buf.clone();
            bad[pos] ^= 0x40;
            if let Ok((_, reader)) = CaptureReader::open(&bad[..]) {
                let items: Vec<_> = reader.collect();
                let good: Vec<_> = items.iter().filter_map(|r| r.as_ref().ok()).collect();
                // Whatever is returned as good is exactly what was written.
                for (g, r) in good.iter().zip(&recs) {
                    assert_eq!(*g, r);
                }
            }
        }
    }

    #[test]
    fn not_a_capture_file() {
        assert!(matches!(
            CaptureReader::open(&b"hello world, not records"[..]),
            Err(CaptureError::NotACaptureFile)
        ));
        assert!(matches!(
            CaptureReader::open(&b""[..]),
            Err(CaptureError::NotACaptureFile)
        ));
    }
}
