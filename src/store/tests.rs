//! Tests of the store as a whole: writer, files, retention, reader.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::format::{self, FILE_HEADER_LEN, FORMAT_VERSION, SampleEncoder};
use super::*;

const SEC: i64 = 1_000_000_000;
/// 2026-01-01T00:00:00Z
const T0: i64 = 1_767_225_600 * SEC;

/// A directory of its own, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("taskstat-store-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// The store files, in name order.
    fn files(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "tsh"))
            .collect();
        v.sort();
        v
    }

    fn bytes(&self) -> u64 {
        self.files()
            .iter()
            .map(|p| fs::metadata(p).unwrap().len())
            .sum()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// xorshift64*: reproducible figures without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn no_sync() -> WriterOptions {
    WriterOptions {
        sync: false,
        ..WriterOptions::default()
    }
}

fn write_all(dir: &Path, opts: WriterOptions, samples: &[Sample]) {
    let mut w = Writer::open(dir, opts).unwrap();
    for s in samples {
        w.append(s).unwrap();
    }
}

fn read_ok(dir: &Path) -> Vec<Sample> {
    let (samples, warnings) = read(dir, ..).unwrap();
    assert_eq!(warnings, [], "no warnings expected");
    samples
}

/// ~100 fields of the kind a process record has: counters of several
/// magnitudes, a few strings, a null, a nested object.
fn field_names() -> Vec<String> {
    let mut names = Vec::new();
    for cat in [
        "cpu",
        "blkio",
        "swapin",
        "freepages",
        "thrashing",
        "compact",
        "wpcopy",
        "irq",
    ] {
        for what in ["count", "delay_total_ns", "delay_max_ns", "delay_min_ns"] {
            names.push(format!("{cat}_{what}"));
        }
    }
    for f in [
        "utime_us",
        "stime_us",
        "utimescaled_us",
        "stimescaled_us",
        "cpu_run_real_total_ns",
        "cpu_run_virtual_total_ns",
        "nvcsw",
        "nivcsw",
        "minflt",
        "majflt",
        "read_bytes",
        "write_bytes",
        "cancelled_write_bytes",
        "read_char",
        "write_char",
        "read_syscalls",
        "write_syscalls",
        "coremem_mb_us",
        "virtmem_mb_us",
        "hiwater_rss_kb",
        "hiwater_vm_kb",
        "ac_btime",
        "ac_etime_us",
        "ac_uid",
        "ac_gid",
        "ac_pid",
        "ac_ppid",
        "ac_nice",
        "ac_sched",
        "ac_exitcode",
        "ac_flag",
        "threads",
    ] {
        names.push(f.to_string());
    }
    for i in 0..36 {
        names.push(format!("extra_counter_{i:02}_total"));
    }
    names
}

fn process(names: &[String], rng: &mut Rng) -> Value {
    let mut o = serde_json::Map::new();
    for (i, n) in names.iter().enumerate() {
        // Counters from thousands to tens of trillions.
        let v = rng.below(10u64.pow(3 + (i % 11) as u32));
        o.insert(n.clone(), json!(v));
    }
    o.insert("comm".into(), json!(format!("worker-{}", rng.below(1000))));
    o.insert("state".into(), json!("S"));
    o.insert("cgroup".into(), json!("/system.slice/example.service"));
    o.insert("thrashing_extension".into(), Value::Null);
    o.insert(
        "memory".into(),
        json!({"rss_kb": rng.below(1 << 30), "swap_kb": 0}),
    );
    Value::Object(o)
}

/// Adds to `fields` numeric fields of `key`'s object.
fn bump(obj: &mut Value, names: &[String], fields: usize, rng: &mut Rng) {
    let Value::Object(o) = obj else {
        unreachable!()
    };
    for _ in 0..fields {
        let n = &names[rng.below(names.len() as u64) as usize];
        let v = o[n.as_str()].as_u64().unwrap() + 1 + rng.below(1_000_000);
        o.insert(n.clone(), json!(v));
    }
}

fn processes(n: usize, rng: &mut Rng) -> (Vec<String>, Sections) {
    let names = field_names();
    let mut section = BTreeMap::new();
    for i in 0..n {
        let key = format!("{}:{}", 1000 + i * 7, 4_000_000 + rng.below(900_000_000));
        section.insert(key, process(&names, rng));
    }
    (names, BTreeMap::from([("processes".to_string(), section)]))
}

/// Samples in which keys change, stay, appear and go, a section comes and
/// goes, objects lose fields and change type.
fn varied_samples(n: usize, step_ns: i64, seed: u64) -> Vec<Sample> {
    let mut rng = Rng(seed);
    let (names, mut sections) = processes(12, &mut rng);
    let mut next_key = 0u64;
    let mut out = Vec::new();
    for i in 0..n {
        let procs = sections.get_mut("processes").unwrap();
        let keys: Vec<String> = procs.keys().cloned().collect();
        for k in &keys {
            if rng.below(4) == 0 {
                bump(procs.get_mut(k).unwrap(), &names, 3, &mut rng);
            }
        }
        if keys.len() > 4 && rng.below(3) == 0 {
            let k = &keys[rng.below(keys.len() as u64) as usize];
            procs.remove(k);
        }
        if rng.below(3) == 0 {
            next_key += 1;
            procs.insert(format!("new:{next_key}"), process(&names, &mut rng));
        }
        if rng.below(10) == 0 {
            // A field is lost, a nested value changes type, null comes and goes.
            let k = &keys[rng.below(keys.len() as u64) as usize];
            if let Some(Value::Object(o)) = procs.get_mut(k) {
                o.remove("state");
                o.insert("memory".into(), json!(rng.below(5)));
                o.insert("thrashing_extension".into(), json!({"count": 1}));
            }
        }
        if i % 7 == 3 {
            sections.insert(
                "exited".into(),
                BTreeMap::from([(format!("x:{i}"), json!({"code": i, "sig": null}))]),
            );
        } else if i % 7 == 5 {
            sections.remove("exited");
        }
        if i % 11 == 0 {
            sections.entry("empty".into()).or_default();
        } else if i % 11 == 6 {
            sections.remove("empty");
        }
        out.push(Sample {
            time_ns: T0 + i as i64 * step_ns,
            sections: sections.clone(),
        });
    }
    out
}

#[test]
fn round_trip_across_files() {
    let dir = TempDir::new("round-trip");
    // A sample every 2 minutes for 10 hours: a file an hour.
    let samples = varied_samples(300, 120 * SEC, 1);
    write_all(dir.path(), no_sync(), &samples);
    assert_eq!(dir.files().len(), 10);
    assert_eq!(read_ok(dir.path()), samples);
    // Each file can be read alone, and starts where its name says.
    let mut total = 0;
    for (i, f) in dir.files().iter().enumerate() {
        let (alone, warnings) = read(f, ..).unwrap();
        assert_eq!(warnings, []);
        assert_eq!(alone[0].time_ns, T0 + i as i64 * 3600 * SEC);
        assert_eq!(alone[..], samples[total..total + alone.len()]);
        total += alone.len();
    }
    assert_eq!(total, samples.len());
    let name = dir.files()[1].file_name().unwrap().to_owned();
    assert_eq!(name, "taskstat-20260101T010000Z-0000.tsh");
}

#[test]
fn round_trip_with_sync_and_reopen() {
    let dir = TempDir::new("reopen");
    let samples = varied_samples(40, SEC / 50, 2);
    write_all(dir.path(), WriterOptions::default(), &samples[..20]);
    // A second writer starts a file of its own, in the same second.
    write_all(dir.path(), WriterOptions::default(), &samples[20..]);
    let files = dir.files();
    assert_eq!(files.len(), 2);
    assert!(
        files[1].to_string_lossy().ends_with("-0001.tsh"),
        "{files:?}"
    );
    assert_eq!(read_ok(dir.path()), samples);
}

#[test]
fn the_clock_going_back_keeps_names_in_writing_order() {
    let dir = TempDir::new("clock-back");
    let mut samples = varied_samples(6, 3600 * SEC, 3);
    samples[3].time_ns = T0 - 5 * 3600 * SEC;
    samples[4].time_ns = T0 - 5 * 3600 * SEC + SEC;
    write_all(dir.path(), no_sync(), &samples);
    assert_eq!(read_ok(dir.path()), samples);
}

#[test]
fn time_range() {
    let dir = TempDir::new("range");
    let samples = varied_samples(200, 60 * SEC, 4);
    write_all(dir.path(), no_sync(), &samples);
    let reader = Reader::open(dir.path()).unwrap();
    let times = |entries: Vec<Entry>| -> Vec<i64> {
        entries
            .into_iter()
            .map(|e| match e {
                Entry::Sample(s) => s.time_ns,
                Entry::Warning(w) => panic!("{w}"),
            })
            .collect()
    };
    let b = T0 + 61 * 60 * SEC;
    let e = T0 + 130 * 60 * SEC;
    let want: Vec<i64> = (61..=130).map(|i| T0 + i * 60 * SEC).collect();
    assert_eq!(times(reader.samples(b..=e).collect()), want);
    assert_eq!(times(reader.samples(b - 1..e + 1).collect()), want);
    assert_eq!(
        times(reader.samples(b..e).collect()),
        want[..want.len() - 1]
    );
    assert_eq!(
        times(reader.samples(T0 + 199 * 60 * SEC..).collect()).len(),
        1
    );
    assert_eq!(times(reader.samples(..T0).collect()).len(), 0);
    let in_range: Vec<Sample> = reader
        .samples(b..=e)
        .filter_map(|e| match e {
            Entry::Sample(s) => Some(s),
            Entry::Warning(_) => None,
        })
        .collect();
    assert_eq!(in_range, samples[61..=130]);
    // Lent rather than copied.
    let mut it = reader.samples(b..=e);
    let mut i = 61;
    while let Some(entry) = it.next_ref() {
        let EntryRef::Sample { time_ns, sections } = entry else {
            panic!("{entry:?}");
        };
        assert_eq!(time_ns, samples[i].time_ns);
        assert_eq!(sections, &samples[i].sections);
        i += 1;
    }
    assert_eq!(i, 131);
}

#[test]
fn unchanged_keys_cost_almost_nothing() {
    let mut rng = Rng(5);
    let (_, sections) = processes(1000, &mut rng);
    let mut enc = SampleEncoder::new(3).unwrap();
    let key = enc
        .key_frame(&Sample {
            time_ns: T0,
            sections: sections.clone(),
        })
        .unwrap();
    for i in 1..4 {
        let delta = enc
            .delta_frame(&Sample {
                time_ns: T0 + i * SEC,
                sections: sections.clone(),
            })
            .unwrap()
            .unwrap();
        // Prefix, kind, time, body length, and zstd's frame of "{}".
        assert!(delta.len() <= 40, "{} bytes", delta.len());
    }
    assert!(key.len() > 100_000, "{} bytes", key.len());
}

/// Bytes per sample of 1,000 processes of ~100 fields, for several rates
/// of change. `TASKSTAT_STORE_MEASURE=1 cargo test --release --lib
/// store::tests::measure -- --nocapture` prints them over 300 samples.
#[test]
fn measure_bytes_per_sample() {
    let full = std::env::var("TASKSTAT_STORE_MEASURE").as_deref() == Ok("1");
    let (runs, n): (&[(u64, usize)], i64) = if full {
        (&[(0, 0), (2, 4), (10, 4), (100, 2)], 300)
    } else {
        (&[(2, 4)], 10)
    };
    for &(percent, fields) in runs {
        let mut rng = Rng(6);
        let (names, mut sections) = processes(1000, &mut rng);
        let mut enc = SampleEncoder::new(3).unwrap();
        let key = enc
            .key_frame(&Sample {
                time_ns: T0,
                sections: sections.clone(),
            })
            .unwrap()
            .len();
        let keys: Vec<String> = sections["processes"].keys().cloned().collect();
        let mut deltas = 0;
        for i in 1..=n {
            let procs = sections.get_mut("processes").unwrap();
            for k in &keys {
                if rng.below(100) < percent {
                    bump(procs.get_mut(k).unwrap(), &names, fields, &mut rng);
                }
            }
            let s = Sample {
                time_ns: T0 + i * SEC,
                sections: sections.clone(),
            };
            deltas += enc.delta_frame(&s).unwrap().unwrap().len();
        }
        let per = deltas as f64 / n as f64;
        println!(
            "1000 keys, {percent}% changing {fields} fields a sample: keyframe {key} bytes, delta {per:.0} bytes/sample"
        );
        if percent == 2 {
            // Measured: 896 bytes.
            assert!(per < 1200.0, "{per}");
        }
    }
}

/// Cuts the last frame of the newest file at `cut` bytes from its end, or
/// appends `junk`.
fn damage_tail(dir: &TempDir, cut: u64, junk: &[u8]) {
    let last = dir.files().pop().unwrap();
    let len = fs::metadata(&last).unwrap().len();
    let f = fs::OpenOptions::new().write(true).open(&last).unwrap();
    f.set_len(len - cut).unwrap();
    drop(f);
    let mut bytes = fs::read(&last).unwrap();
    bytes.extend_from_slice(junk);
    fs::write(&last, bytes).unwrap();
}

#[test]
fn torn_tail_loses_only_the_last_sample() {
    let samples = varied_samples(20, SEC, 7);
    let dir = TempDir::new("torn");
    write_all(dir.path(), no_sync(), &samples);
    let last = dir.files().pop().unwrap();
    let pristine = fs::read(&last).unwrap();
    let last_frame = {
        let decoded = format::decode_file(&pristine);
        assert!(decoded.error.is_none());
        // The size of the last frame: encode it again from its predecessor.
        let mut enc = SampleEncoder::new(3).unwrap();
        enc.key_frame(&samples[0]).unwrap();
        for s in &samples[1..19] {
            enc.delta_frame(s).unwrap();
        }
        enc.delta_frame(&samples[19]).unwrap().unwrap().len() as u64
    };
    let cuts = (1..last_frame).filter(|c| *c < 40 || c % 37 == 0 || *c > last_frame - 30);
    for cut in cuts {
        fs::write(&last, &pristine).unwrap();
        damage_tail(&dir, cut, &[]);
        let (got, warnings) = read(dir.path(), ..).unwrap();
        assert_eq!(got, samples[..19], "cut {cut}");
        assert_eq!(warnings.len(), 1, "cut {cut}");
        assert!(matches!(warnings[0], Warning::TornTail { samples: 19, .. }));
        let line = warnings[0].to_string();
        assert!(!line.contains('\n'));
        assert!(line.contains("ends inside a sample"), "{line}");
    }
    let mut rng = Rng(8);
    for len in [1usize, 3, 8, 13, 40, 1000, 100_000] {
        fs::write(&last, &pristine).unwrap();
        let junk: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        damage_tail(&dir, 0, &junk);
        let (got, warnings) = read(dir.path(), ..).unwrap();
        assert_eq!(got, samples, "junk of {len}");
        assert_eq!(warnings.len(), 1, "junk of {len}: {warnings:?}");
    }
    // Zeros, as a file system may leave after a power cut.
    fs::write(&last, &pristine).unwrap();
    damage_tail(&dir, 0, &[0; 4096]);
    let (got, warnings) = read(dir.path(), ..).unwrap();
    assert_eq!(got, samples);
    assert_eq!(warnings.len(), 1);
}

#[test]
fn a_writer_after_a_crash_starts_a_new_file() {
    let samples = varied_samples(30, SEC, 9);
    let dir = TempDir::new("crash");
    write_all(dir.path(), no_sync(), &samples[..10]);
    damage_tail(&dir, 5, &[]);
    write_all(dir.path(), no_sync(), &samples[10..]);
    assert_eq!(dir.files().len(), 2);
    let (got, warnings) = read(dir.path(), ..).unwrap();
    let mut want = samples[..9].to_vec();
    want.extend_from_slice(&samples[10..]);
    assert_eq!(got, want);
    assert_eq!(warnings.len(), 1);
    assert!(matches!(&warnings[0], Warning::TornTail { file, .. } if *file == dir.files()[0]));
}

#[test]
fn damage_costs_the_samples_up_to_the_next_keyframe() {
    // A sample a minute: a keyframe every 5 samples, three hourly files.
    let samples = varied_samples(180, 60 * SEC, 10);
    let dir = TempDir::new("damage");
    write_all(dir.path(), no_sync(), &samples);
    let files = dir.files();
    assert_eq!(files.len(), 3);
    let pristine = fs::read(&files[1]).unwrap();
    let n = pristine.len();
    for at in [
        n / 2,
        n / 3,
        FILE_HEADER_LEN + 2,
        FILE_HEADER_LEN + 30,
        n - 3,
    ] {
        let mut bytes = pristine.clone();
        bytes[at] ^= 0x10;
        fs::write(&files[1], bytes).unwrap();
        let (got, warnings) = read(dir.path(), ..).unwrap();
        assert_eq!(warnings.len(), 1, "flip at {at}: {warnings:?}");
        assert!(
            matches!(
                warnings[0],
                Warning::Resumed { .. } | Warning::Damaged { .. } | Warning::TornTail { .. }
            ),
            "{warnings:?}"
        );
        let lost: Vec<&Sample> = samples.iter().filter(|s| !got.contains(s)).collect();
        assert!(
            !lost.is_empty() && lost.len() <= 5,
            "flip at {at}: lost {} samples: {warnings:?} {:?}",
            lost.len(),
            lost.iter()
                .map(|l| samples.iter().position(|s| s == *l).unwrap())
                .collect::<Vec<_>>()
        );
        // What is lost is one run of samples, in the damaged file.
        let first = samples.iter().position(|s| s == lost[0]).unwrap();
        assert_eq!(got[..first], samples[..first]);
        assert_eq!(got[first..], samples[first + lost.len()..]);
        assert!(
            (60..120).contains(&first),
            "flip at {at}: first lost {first}"
        );
    }
}

#[test]
fn an_empty_file_from_a_crash_is_a_warning() {
    let samples = varied_samples(3, SEC, 11);
    let dir = TempDir::new("empty-file");
    write_all(dir.path(), no_sync(), &samples);
    fs::write(dir.path().join("taskstat-20260101T010000Z-0000.tsh"), b"").unwrap();
    fs::write(
        dir.path().join("taskstat-20260101T020000Z-0000.tsh"),
        b"TASKHI",
    )
    .unwrap();
    fs::write(dir.path().join("notes.tsh"), b"hello").unwrap();
    let (got, warnings) = read(dir.path(), ..).unwrap();
    assert_eq!(got, samples);
    assert_eq!(warnings.len(), 3, "{warnings:?}");
}

#[test]
fn a_newer_version_is_an_error_naming_both() {
    let dir = TempDir::new("newer");
    write_all(dir.path(), no_sync(), &varied_samples(3, SEC, 12));
    let file = dir.files().pop().unwrap();
    let mut bytes = fs::read(&file).unwrap();
    bytes[8..10].copy_from_slice(&3u16.to_le_bytes());
    fs::write(&file, bytes).unwrap();
    for path in [dir.path(), file.as_path()] {
        let err = Reader::open(path).unwrap_err();
        assert!(matches!(
            err,
            StoreError::NewerVersion {
                found: 3,
                supported: 2,
                ..
            }
        ));
        let line = err.to_string();
        assert!(
            line.ends_with(
                "written by store format version 3; this taskstat reads versions up to 2: upgrade taskstat"
            ),
            "{line}"
        );
        assert!(line.contains(&*file.to_string_lossy()), "{line}");
    }
}

#[test]
fn not_a_store() {
    let dir = TempDir::new("not-a-store");
    let err = Reader::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
    assert!(err.to_string().contains("not a taskstat store"), "{err}");
    fs::write(dir.path().join("a.txt"), b"hello").unwrap();
    assert!(matches!(
        Reader::open(dir.path()),
        Err(StoreError::NotAStore { .. })
    ));
    assert!(matches!(
        Reader::open(dir.path().join("a.txt")),
        Err(StoreError::NotAStore { .. })
    ));
    assert!(matches!(
        Reader::open(dir.path().join("missing")),
        Err(StoreError::Io { .. })
    ));
}

#[test]
fn one_writer_at_a_time() {
    let dir = TempDir::new("lock");
    let _w = Writer::open(dir.path(), no_sync()).unwrap();
    let err = Writer::open(dir.path(), no_sync()).err().unwrap();
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    drop(_w);
    Writer::open(dir.path(), no_sync()).unwrap();
}

#[test]
fn too_deep_is_refused_before_writing() {
    let dir = TempDir::new("deep");
    let mut v = json!(1);
    for _ in 0..=format::MAX_DEPTH {
        v = json!([v]);
    }
    let mut w = Writer::open(dir.path(), no_sync()).unwrap();
    let s = Sample {
        time_ns: T0,
        sections: BTreeMap::from([("s".into(), BTreeMap::from([("k".into(), v)]))]),
    };
    assert!(matches!(w.append(&s), Err(StoreError::TooDeep { .. })));
    // Still usable.
    let good = varied_samples(2, SEC, 13);
    for s in &good {
        w.append(s).unwrap();
    }
    drop(w);
    assert_eq!(read_ok(dir.path()), good);
}

/// A sample every 0.2 s into a 1 MiB store: it never takes more than
/// 1.25 MiB, and keeps most of it. Each sample changes a few small objects,
/// one of them by 200 random characters, which zstd cannot shrink: about
/// 300 bytes a sample, so that 12,000 samples fill the store 3 times over.
#[test]
fn retention_by_size() {
    let dir = TempDir::new("size");
    let max = 1 << 20;
    let opts = WriterOptions {
        max_size: Some(max),
        ..no_sync()
    };
    let mut w = Writer::open(dir.path(), opts).unwrap();
    let mut rng = Rng(14);
    let mut section: BTreeMap<String, Value> = (0..10)
        .map(|i| {
            (
                format!("{i}:1"),
                json!({"cpu_ns": i, "rss_kb": 1000, "note": ""}),
            )
        })
        .collect();
    let n = 12_000;
    let mut written = Vec::new();
    for i in 0..n {
        for (j, v) in section.values_mut().enumerate() {
            v["cpu_ns"] = json!(i * 1000 + j as i64);
        }
        let k = format!("{}:1", rng.below(10));
        let note: String = (0..100)
            .map(|_| format!("{:02x}", rng.next() as u8))
            .collect();
        section.get_mut(&k).unwrap()["note"] = json!(note);
        let s = Sample {
            time_ns: T0 + i * SEC / 5,
            sections: BTreeMap::from([("processes".into(), section.clone())]),
        };
        w.append(&s).unwrap();
        assert!(w.stored_bytes() <= max + max / 4, "{}", w.stored_bytes());
        if i % 500 == 0 {
            assert_eq!(dir.bytes(), w.stored_bytes());
        }
        written.push(s);
    }
    let bytes = dir.bytes();
    assert_eq!(bytes, w.stored_bytes());
    assert!(bytes <= max, "{bytes}");
    assert!(bytes > max * 3 / 4, "{bytes}");
    assert!(dir.files().len() >= 7, "{:?}", dir.files());
    drop(w);
    // What is left is the newest samples, all of them.
    let got = read_ok(dir.path());
    assert!(got.len() > 2000, "{}", got.len());
    assert_eq!(got[..], written[written.len() - got.len()..]);
    // A smaller limit holds as soon as the next writer appends.
    let opts = WriterOptions {
        max_size: Some(max / 2),
        ..no_sync()
    };
    let mut w = Writer::open(dir.path(), opts).unwrap();
    w.append(&written[0]).unwrap();
    assert!(dir.bytes() <= max / 2);
}

#[test]
fn retention_by_age() {
    let dir = TempDir::new("age");
    let max_age = Duration::from_secs(2 * 3600);
    let opts = WriterOptions {
        max_age: Some(max_age),
        ..no_sync()
    };
    // Files of max_age/8 = 15 minutes.
    assert_eq!(opts.file_span_ns(), 900 * SEC);
    let samples = varied_samples(6 * 120, 30 * SEC, 15);
    write_all(dir.path(), opts, &samples);
    let got = read_ok(dir.path());
    let newest = samples.last().unwrap().time_ns;
    let oldest = got[0].time_ns;
    let age = 2 * 3600 * SEC;
    assert!(oldest <= newest - age, "keeps at least max_age");
    assert!(
        oldest > newest - age - 900 * SEC,
        "and at most one file more"
    );
    assert_eq!(got[..], samples[samples.len() - got.len()..]);
    // Hourly files without max_age, or when max_age is long.
    let long = WriterOptions {
        max_age: Some(Duration::from_secs(30 * 86400)),
        ..no_sync()
    };
    assert_eq!(long.file_span_ns(), 3600 * SEC);
}

/// Writes the checked-in v1 store (TASKSTAT_WRITE_STORE_FIXTURE=1) that
/// `the_v1_fixture_reads` reads.
fn fixture_samples() -> Vec<Sample> {
    let mut out = Vec::new();
    let mut state: Sections = serde_json::from_value(json!({
        "processes": {
            "1:100": {"comm": "init", "cpu_ns": 1_000_000, "io": {"read_bytes": 4096, "write_bytes": 0}, "thrashing": null},
            "42:4200": {"comm": "sh \u{e9}\u{1f600}", "cpu_ns": 5, "io": {"read_bytes": 0, "write_bytes": 0}, "thrashing": null},
        },
        "cgroups": {"/system.slice": {"nr_running": 2, "loadavg": 0.5}},
    }))
    .unwrap();
    for i in 0..12i64 {
        let p = state.get_mut("processes").unwrap();
        p.get_mut("1:100").unwrap()["cpu_ns"] = json!(1_000_000 + i * 1000);
        if i == 3 {
            p.insert("77:7700".into(), json!({"comm": "new", "cpu_ns": u64::MAX, "io": {"read_bytes": -1, "write_bytes": 1}, "thrashing": {"count": 1}}));
        }
        if i == 5 {
            p.remove("42:4200");
        }
        if i == 7 {
            state.insert(
                "exited".into(),
                BTreeMap::from([("42:4200".into(), json!({"code": 0}))]),
            );
        }
        if i == 8 {
            state.remove("exited");
        }
        if i == 4 {
            state
                .get_mut("cgroups")
                .unwrap()
                .get_mut("/system.slice")
                .unwrap()["loadavg"] = json!(0.75);
        }
        if i == 9 {
            state
                .get_mut("processes")
                .unwrap()
                .get_mut("1:100")
                .unwrap()["thrashing"] = json!({"count": 1});
        }
        if i == 10 {
            // A field lost: the object is stored whole.
            let p = state
                .get_mut("processes")
                .unwrap()
                .get_mut("77:7700")
                .unwrap();
            p.as_object_mut().unwrap().remove("io");
        }
        // Six samples in one hour's file, six in the next.
        out.push(Sample {
            time_ns: T0 + 3000 * SEC + i * 100 * SEC + 123,
            sections: state.clone(),
        });
    }
    out
}

fn fixture_dir(version: u16) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/store-v{version}"))
}

fn fixture_names(dir: &Path) -> Vec<String> {
    Reader::open(dir)
        .unwrap()
        .files()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// The store version 1 wrote (no content version, one keyframe a file),
/// checked in when it was current: every later taskstat reads it.
#[test]
fn the_v1_fixture_reads() {
    let dir = fixture_dir(1);
    assert_eq!(
        fixture_names(&dir),
        [
            "taskstat-20260101T005000Z-0000.tsh",
            "taskstat-20260101T010000Z-0000.tsh"
        ]
    );
    assert_eq!(read_ok(&dir), fixture_samples());
}

/// The current version's store, written anew with
/// TASKSTAT_WRITE_STORE_FIXTURE=1: its second file has a keyframe within
/// it (samples 100 s apart, a keyframe each 5 minutes).
#[test]
fn the_v2_fixture_reads() {
    let dir = fixture_dir(2);
    if std::env::var("TASKSTAT_WRITE_STORE_FIXTURE").as_deref() == Ok("1") {
        fs::create_dir_all(&dir).unwrap();
        for f in fs::read_dir(&dir).into_iter().flatten() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|e| e == "tsh") {
                fs::remove_file(p).unwrap();
            }
        }
        let opts = WriterOptions {
            transient: vec!["exited".into()],
            ..WriterOptions::default()
        };
        write_all(&dir, opts, &fixture_samples());
    }
    assert_eq!(
        FORMAT_VERSION, 2,
        "check in a store-v3 fixture, and keep this one"
    );
    assert_eq!(
        fixture_names(&dir),
        [
            "taskstat-20260101T005000Z-0000.tsh",
            "taskstat-20260101T010000Z-0000.tsh"
        ]
    );
    for f in Reader::open(&dir).unwrap().files() {
        let h = format::FileHeader::decode(&fs::read(f).unwrap()).unwrap();
        assert_eq!((h.version, h.content), (2, 1));
    }
    assert_eq!(read_ok(&dir), fixture_samples());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decoding_any_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = format::decode_file(&bytes);
        let mut with_header = format::FileHeader::new(T0).encode().to_vec();
        with_header.extend_from_slice(&bytes);
        let d = format::decode_file(&with_header);
        // Random bytes do not make a frame with a good CRC.
        prop_assert!(d.samples.is_empty());
        prop_assert_eq!(d.error.is_some(), !bytes.is_empty());
    }

    #[test]
    fn damaged_files_decode_a_prefix_or_fail(
        flips in proptest::collection::vec((any::<usize>(), 1u8..=255), 1..4),
        cut in any::<usize>(),
    ) {
        let (bytes, samples) = small_file();
        let mut bad = bytes.clone();
        for (at, x) in flips {
            let at = at % bad.len();
            bad[at] ^= x;
        }
        bad.truncate(cut % (bad.len() + 1));
        let d = format::decode_file(&bad);
        // Whatever comes out was written: CRCs catch the damage.
        prop_assert!(d.samples.len() <= samples.len());
        prop_assert_eq!(&d.samples[..], &samples[..d.samples.len()]);
    }

    #[test]
    fn frames_of_crafted_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300), key in any::<bool>()) {
        // Valid CRC and zstd around arbitrary JSON bytes: the body decoders.
        let mut enc = zstd::bulk::Compressor::new(1).unwrap();
        let z = enc.compress(&body).unwrap();
        let mut frame = vec![0u8; 21];
        frame[8] = if key { 1 } else { 2 };
        frame[17..21].copy_from_slice(&(body.len() as u32).to_le_bytes());
        frame.extend_from_slice(&z);
        let len = (frame.len() - 8) as u32;
        frame[0..4].copy_from_slice(&len.to_le_bytes());
        let mut h = crc32fast::Hasher::new();
        h.update(&frame[0..4]);
        h.update(&frame[8..]);
        frame[4..8].copy_from_slice(&h.finalize().to_le_bytes());
        let mut file = format::FileHeader::new(T0).encode().to_vec();
        file.extend_from_slice(&frame);
        let _ = format::decode_file(&file);
    }

    #[test]
    fn diff_then_apply_gives_the_new_sections(old in sections(), new in sections()) {
        let d = diff(&old, &new);
        let json = serde_json::to_vec(&d).unwrap();
        let back: Delta = serde_json::from_slice(&json).unwrap();
        let mut state = old.clone();
        apply(&mut state, back).unwrap();
        prop_assert_eq!(state, new);
    }
}

/// A small file, and the samples in it.
fn small_file() -> (Vec<u8>, Vec<Sample>) {
    static FILE: std::sync::OnceLock<(Vec<u8>, Vec<Sample>)> = std::sync::OnceLock::new();
    FILE.get_or_init(make_small_file).clone()
}

fn make_small_file() -> (Vec<u8>, Vec<Sample>) {
    let samples = varied_samples(4, SEC, 16)
        .into_iter()
        .map(|mut s| {
            // Fewer keys, so that damage often lands in the frames' heads.
            for section in s.sections.values_mut() {
                let keep: Vec<String> = section.keys().take(2).cloned().collect();
                section.retain(|k, _| keep.contains(k));
            }
            s
        })
        .collect::<Vec<_>>();
    let mut enc = SampleEncoder::new(3).unwrap();
    let mut bytes = format::FileHeader::new(samples[0].time_ns)
        .encode()
        .to_vec();
    bytes.extend(enc.key_frame(&samples[0]).unwrap());
    for s in &samples[1..] {
        bytes.extend(enc.delta_frame(s).unwrap().unwrap());
    }
    (bytes, samples)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (0u64..5).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-c]{0,2}".prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            proptest::collection::btree_map("[a-d]", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn sections() -> impl Strategy<Value = Sections> {
    proptest::collection::btree_map(
        "[pq]",
        proptest::collection::btree_map("[1-5]", value(), 0..5),
        0..3,
    )
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Per-process I/O figures are what /proc hides from other users: the
/// store is its owner's (and a chosen group's), whatever the umask, and a
/// store an earlier taskstat left world-readable is closed on open.
#[test]
fn the_store_is_readable_by_its_owner_and_group_only() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = TempDir::new("modes");
    let store = dir.path().join("store");
    write_all(&store, no_sync(), &varied_samples(3, SEC, 30));
    assert_eq!(mode(&store), 0o700);
    let files = fs::read_dir(&store).unwrap().map(|e| e.unwrap().path());
    for f in files {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    // As taskstat before store version 2 left it.
    fs::set_permissions(&store, fs::Permissions::from_mode(0o755)).unwrap();
    for f in fs::read_dir(&store).unwrap() {
        fs::set_permissions(f.unwrap().path(), fs::Permissions::from_mode(0o644)).unwrap();
    }
    // A group whoever runs the tests may give files to: the test directory's
    // (its own). A distribution's package build runs them unprivileged.
    let gid = fs::metadata(dir.path()).unwrap().gid();
    let opts = WriterOptions {
        group: Some(gid),
        ..no_sync()
    };
    write_all(&store, opts, &varied_samples(3, 3600 * SEC, 31));
    assert_eq!(mode(&store), 0o750);
    for f in fs::read_dir(&store).unwrap() {
        let f = f.unwrap().path();
        assert_eq!(mode(&f), 0o640, "{}", f.display());
        assert_eq!(fs::metadata(&f).unwrap().gid(), gid);
    }
}

#[test]
fn a_store_path_that_is_a_file_says_so() {
    let dir = TempDir::new("not-a-dir");
    let file = dir.path().join("history");
    fs::write(&file, b"x").unwrap();
    let err = Writer::open(&file, no_sync()).err().unwrap();
    assert!(matches!(err, StoreError::NotADirectory { .. }), "{err}");
    assert!(
        err.to_string().contains("is a file, not a directory"),
        "{err}"
    );
}

/// A tmpfs of its own, unmounted when dropped.
struct Tmpfs(TempDir);

impl Tmpfs {
    fn mount(name: &str, size: &str) -> Option<Tmpfs> {
        let dir = TempDir::new(name);
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(Tmpfs(dir));
        }
        let why = "cannot mount a tmpfs (needs root)";
        assert!(
            std::env::var("TASKSTAT_REQUIRE_KERNEL").as_deref() != Ok("1"),
            "{why}"
        );
        eprintln!("skipped: {why}");
        None
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

/// On a full disk the writer removes the oldest files to make room and
/// goes on; a sample that does not fit even then is refused whole (the
/// next one is tried again), and no file is left empty or torn.
#[test]
fn a_full_disk_frees_the_oldest_files_and_goes_on() {
    let Some(fs_) = Tmpfs::mount("enospc", "512k") else {
        return;
    };
    // Other data takes most of the disk; the store has what is left,
    // about 60 KB, less than its --max-size.
    fs::write(fs_.0.path().join("filler"), vec![1u8; 450 << 10]).unwrap();
    let store = fs_.0.path().join("store");
    let opts = WriterOptions {
        // Files of 20 KB, and a store that retention keeps to 160 KB: the
        // disk fills first.
        max_size: Some(160 << 10),
        ..no_sync()
    };
    let samples = varied_samples(400, SEC, 32);
    let mut w = Writer::open(&store, opts).unwrap();
    let mut stored = Vec::new();
    let mut refused = 0;
    let first_file = |dir: &Path| {
        let mut v: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v.first().cloned()
    };
    let mut oldest = None;
    for s in &samples {
        match w.append(s) {
            Ok(()) => stored.push(s.clone()),
            Err(e) if e.is_disk_full() => refused += 1,
            Err(e) => panic!("{e}"),
        }
        if oldest.is_none() {
            oldest = first_file(&store);
        }
    }
    drop(w);
    // The disk filled many times over: files were removed to make room.
    assert!(
        oldest.is_some_and(|f| !f.exists()),
        "the oldest file was not removed"
    );
    let kept: u64 = fs::read_dir(&store)
        .unwrap()
        .map(|f| f.unwrap().metadata().unwrap().len())
        .sum();
    assert!(kept < 80 << 10, "{kept} bytes: more than the disk had");
    assert!(refused < 10, "{refused} samples refused");
    for f in fs::read_dir(&store).unwrap() {
        let f = f.unwrap().path();
        assert!(
            fs::metadata(&f).unwrap().len() > 0,
            "{} is empty",
            f.display()
        );
    }
    let (got, warnings) = read(&store, ..).unwrap();
    assert_eq!(warnings, [], "a full disk leaves no damage");
    assert!(!got.is_empty());
    assert!(stored.len() > 350, "{} samples stored", stored.len());
    // What is kept is the newest of what was stored, in order.
    assert_eq!(got[..], stored[stored.len() - got.len()..]);
}

/// Transient sections (the interval's exits) are stored whole with each
/// sample, out of the chain of deltas: what is read back is what was
/// written, from the start, from a seek to any time, and past damage.
#[test]
fn transient_sections_read_back_as_written() {
    let mut samples = varied_samples(40, 20 * SEC, 40);
    for (i, s) in samples.iter_mut().enumerate() {
        if i % 3 != 1 {
            let mut exited = BTreeMap::new();
            for k in 0..(i % 5) {
                exited.insert(
                    format!("{i}:{k}"),
                    json!({"pid": i, "k": k, "cpu": i * 1000 + k}),
                );
            }
            s.sections.insert("exited".into(), exited);
        }
    }
    let dir = TempDir::new("transient");
    let opts = WriterOptions {
        transient: vec!["exited".into()],
        ..no_sync()
    };
    write_all(dir.path(), opts, &samples);
    assert_eq!(read_ok(dir.path()), samples);
    // From any time: the sections of that sample, none of an earlier one's.
    let reader = Reader::open(dir.path()).unwrap();
    for i in [0usize, 1, 2, 14, 15, 16, 33, 39] {
        let t = samples[i].time_ns;
        let got: Vec<Sample> = reader
            .samples(t..)
            .map(|e| match e {
                Entry::Sample(s) => s,
                Entry::Warning(w) => panic!("{w}"),
            })
            .collect();
        assert_eq!(got[..], samples[i..], "from sample {i}");
        let mut line = reader.timeline(..);
        assert_eq!(line.sample(i).unwrap(), samples[i], "timeline sample {i}");
        if i > 0 {
            assert_eq!(line.sample(i - 1).unwrap(), samples[i - 1]);
        }
    }
}
