//! json, ndjson and csv: the record schema, for scripts.

use std::io::{self, Write};

use serde::Serialize;

pub fn write_json<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut buf = Vec::with_capacity(8192);
    serde_json::to_writer_pretty(&mut buf, value)?;
    buf.push(b'\n');
    out.write_all(&buf)
}

/// One record per line; each line is a complete JSON document.
pub fn write_ndjson<T: Serialize>(out: &mut dyn Write, records: &[T]) -> io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    for r in records {
        buf.clear();
        serde_json::to_writer(&mut buf, r)?;
        buf.push(b'\n');
        out.write_all(&buf)?;
        out.flush()?;
    }
    Ok(())
}

/// Flattened columns of a record, in schema order (see `flat`). `max_at`
/// objects flatten to `.sec`/`.nsec` even when null so that every row has
/// the same columns.
use super::flat::csv_line;

pub fn csv_row<T: Serialize>(r: &T) -> io::Result<Vec<(String, String)>> {
    super::flat::columns(r)
}

/// Header and rows; with no rows, the header of `empty` (so that a consumer
/// still sees the columns).
pub fn write_csv<T: Serialize>(out: &mut dyn Write, records: &[T], empty: &T) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut header_done = false;
    for r in records {
        let cols = csv_row(r)?;
        if !header_done {
            csv_line(&mut buf, cols.iter().map(|(k, _)| k.as_str()));
            header_done = true;
        }
        csv_line(&mut buf, cols.iter().map(|(_, v)| v.as_str()));
    }
    if !header_done {
        csv_line(&mut buf, csv_row(empty)?.iter().map(|(k, _)| k.as_str()));
    }
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
