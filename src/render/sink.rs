//! The sinks of the formats scripts parse: a JSON document, a JSON array
//! written element by element, ndjson lines and csv rows. Every command
//! that writes one of them writes it here, so that an array is opened and
//! closed, and a csv header written, in this file alone.

use std::io::{self, Write};

use serde::Serialize;

use super::flat::csv_line;

/// One JSON document, pretty-printed, on lines of its own.
pub fn json_document<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut buf = Vec::with_capacity(8192);
    serde_json::to_writer_pretty(&mut buf, value)?;
    buf.push(b'\n');
    out.write_all(&buf)
}

/// A JSON array whose elements come one at a time (a stream, refreshes):
/// it is opened by its first element and closed by [`JsonArray::finish`],
/// an empty one (`[]`) when none came.
pub struct JsonArray {
    started: bool,
    /// Pretty elements each end their last line, so that a reader of lines
    /// has a refresh whole as soon as it is written; compact ones share
    /// theirs with the separator that follows.
    pretty: bool,
}

impl JsonArray {
    /// Elements on one line each.
    pub fn compact() -> JsonArray {
        JsonArray {
            started: false,
            pretty: false,
        }
    }

    /// Elements pretty-printed (`top --json`).
    pub fn pretty() -> JsonArray {
        JsonArray {
            started: false,
            pretty: true,
        }
    }

    /// Appends an element to `buf`: the array's opening or a separator first.
    pub fn element<T: Serialize + ?Sized>(&mut self, buf: &mut Vec<u8>, v: &T) -> io::Result<()> {
        buf.extend_from_slice(if self.started { b",\n" } else { b"[\n" });
        self.started = true;
        if self.pretty {
            serde_json::to_writer_pretty(&mut *buf, v)?;
            buf.push(b'\n');
        } else {
            serde_json::to_writer(&mut *buf, v)?;
        }
        Ok(())
    }

    /// Closes the array (or writes an empty one).
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(match (self.started, self.pretty) {
            (false, _) => b"[]\n",
            (true, true) => b"]\n",
            (true, false) => b"\n]\n",
        })
    }
}

/// Appends one ndjson line: a complete JSON document and its newline.
pub fn ndjson_line<T: Serialize + ?Sized>(buf: &mut Vec<u8>, v: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *buf, v)?;
    buf.push(b'\n');
    Ok(())
}

/// One record per line, each written and flushed on its own.
pub fn write_ndjson<T: Serialize>(out: &mut dyn Write, records: &[T]) -> io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    for r in records {
        buf.clear();
        ndjson_line(&mut buf, r)?;
        out.write_all(&buf)?;
        out.flush()?;
    }
    Ok(())
}

/// Flattened columns of a record, in schema order (see `flat`). `max_at`
/// objects flatten to `.sec`/`.nsec` even when null so that every row has
/// the same columns.
pub fn csv_row<T: Serialize>(r: &T) -> io::Result<Vec<(String, String)>> {
    super::flat::columns(r)
}

/// csv rows under one header: the first row's column names.
#[derive(Default)]
pub struct Csv {
    header_done: bool,
}

impl Csv {
    pub fn new() -> Csv {
        Csv::default()
    }

    /// Appends a row of flattened columns, after the header if it is the first.
    pub fn columns(&mut self, buf: &mut Vec<u8>, cols: &[(String, String)]) {
        if !self.header_done {
            self.header(buf, cols);
        }
        csv_line(buf, cols.iter().map(|(_, v)| v.as_str()));
    }

    /// Appends the row of a record.
    pub fn row<T: Serialize>(&mut self, buf: &mut Vec<u8>, r: &T) -> io::Result<()> {
        self.columns(buf, &csv_row(r)?);
        Ok(())
    }

    /// Appends the header alone, unless one was written: with no rows, a
    /// consumer still sees the columns (those of `like`).
    pub fn header_of<T: Serialize>(&mut self, buf: &mut Vec<u8>, like: &T) -> io::Result<()> {
        if !self.header_done {
            self.header(buf, &csv_row(like)?);
        }
        Ok(())
    }

    fn header(&mut self, buf: &mut Vec<u8>, cols: &[(String, String)]) {
        csv_line(buf, cols.iter().map(|(k, _)| k.as_str()));
        self.header_done = true;
    }
}

/// Header and rows; with no rows, the header of `empty`.
pub fn write_csv<T: Serialize>(out: &mut dyn Write, records: &[T], empty: &T) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut csv = Csv::new();
    for r in records {
        csv.row(&mut buf, r)?;
    }
    csv.header_of(&mut buf, empty)?;
    out.write_all(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Accounting, Record};
    use crate::wire::{Category, RecordKind, TaskStats};
    use serde_json::Value;

    // The flattening this replaced, through serde_json's Value: the oracle.
    fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
        let key = |k: &str| {
            if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            }
        };
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    flatten(&key(k), v, out);
                }
            }
            Value::Null => out.push((prefix.to_string(), String::new())),
            Value::String(s) => out.push((prefix.to_string(), s.clone())),
            Value::Array(items) => out.push((
                prefix.to_string(),
                items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| i.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }

    /// Flattened columns of a record, in schema order. `max_at` objects flatten to
    /// `.sec`/`.nsec` even when null so that every row has the same columns.
    fn value_row<T: Serialize>(r: &T) -> io::Result<Vec<(String, String)>> {
        let mut v = serde_json::to_value(r)?;
        if let Some(delays) = v.get_mut("delays").and_then(Value::as_object_mut) {
            for cat in delays.values_mut() {
                if let Some(at) = cat.get_mut("max_at").filter(|at| at.is_null()) {
                    *at = serde_json::json!({"sec": null, "nsec": null});
                }
            }
        }
        let mut cols = Vec::new();
        flatten("", &v, &mut cols);
        Ok(cols)
    }

    fn record(version: u16, len: usize, acct: bool) -> crate::model::RecordView {
        let mut s = TaskStats {
            version,
            payload_len: len,
            ac_comm: Some(b"a,b\"c\nd".to_vec()),
            ..Default::default()
        };
        s.cpu_run_virtual_total = Some(12);
        s.delays[Category::Blkio].count = Some(3);
        s.delays[Category::Blkio].total_ns = Some(5_000_000);
        Record {
            kind: RecordKind::Pid,
            id: 7,
            stats: s,
            origin: Default::default(),
        }
        .view(&Accounting {
            delayacct: Some(acct),
            ..Accounting::default()
        })
    }

    /// Column for column what the Value-based flattening gave, for records
    /// with notes, nulls, a hostile name and every layout.
    #[test]
    fn columns_match_the_value_flattening() {
        for (version, len) in [(16, 560), (17, 592), (17, 688), (8, 300)] {
            for acct in [false, true] {
                let r = record(version, len, acct);
                assert_eq!(
                    csv_row(&r).unwrap(),
                    value_row(&r).unwrap(),
                    "v{version} {len}"
                );
            }
        }
    }
}
