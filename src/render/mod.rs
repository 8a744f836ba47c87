//! Renderers: records in, bytes out. Every renderer writes to a `dyn Write`
//! and knows nothing of where the records came from.

mod cgroup;
mod getdelays;
pub mod human;
mod interval;
mod stream;
mod structured;
mod table;

pub use cgroup::{write_cgroup_getdelays, write_cgroup_table};
pub use getdelays::write_getdelays;
pub use interval::write_interval_table;
pub use stream::{RecordStream, stream_table_header, table_row};
pub use structured::{csv_row, write_csv, write_json, write_ndjson};
pub use table::{Measures, kv_section, write_measures, write_table};

/// Output formats of record-printing commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable sections (the default).
    Table,
    /// One JSON array of records.
    Json,
    /// One JSON record per line, flushed per record.
    Ndjson,
    /// A header row and one row per record; nested keys joined with dots.
    Csv,
    /// The exact text of the kernel's getdelays -d -i -q.
    Getdelays,
}

/// Which sections a table (or getdelays text) shows: getdelays' -d, -i, -q,
/// plus CPU and memory; none selected means all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sections {
    pub delays: bool,
    pub io: bool,
    pub context_switches: bool,
    pub cpu: bool,
    pub memory: bool,
}

impl Sections {
    /// All sections when none was asked for.
    pub fn or_all(self) -> Sections {
        if self == Sections::default() {
            Sections {
                delays: true,
                io: true,
                context_switches: true,
                cpu: true,
                memory: true,
            }
        } else {
            self
        }
    }
}
