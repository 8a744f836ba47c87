//! The decoder against byte fixtures: a real v16 capture and synthetic
//! structs for every layout, built from the ABI tables (not from the decoder).

use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
use netlink_packet_generic::GenlMessage;
use proptest::prelude::*;
use std::path::PathBuf;

use serde_json::Value;
use taskstat::model::{Accounting, Record};
use taskstat::render::{self, ShownSections};
use taskstat::wire::{
    self, Body, Category as C, Extension, RawRecord, RecordKind, TaskStats, TaskstatsMessage,
    datagram_messages,
};

type Get = fn(&TaskStats) -> Option<u64>;

/// (name, v16 offset, v15 offset, size, since) straight from the uapi tables
/// in docs/abi.md §2/§3; `since` 15 marks the max/min pairs.
const FIELDS: &[(&str, usize, usize, usize, u16, Get)] = &[
    ("ac_exitcode", 4, 4, 4, 2, |s| s.ac_exitcode.map(u64::from)),
    ("ac_flag", 8, 8, 1, 2, |s| s.ac_flag.map(u64::from)),
    ("ac_nice", 9, 9, 1, 2, |s| s.ac_nice.map(u64::from)),
    ("cpu_count", 16, 16, 8, 1, |s| s.delays[C::Cpu].count),
    ("cpu_delay_total", 24, 24, 8, 1, |s| {
        s.delays[C::Cpu].total_ns
    }),
    ("blkio_count", 32, 48, 8, 1, |s| s.delays[C::Blkio].count),
    ("blkio_delay_total", 40, 56, 8, 1, |s| {
        s.delays[C::Blkio].total_ns
    }),
    ("swapin_count", 48, 80, 8, 1, |s| s.delays[C::Swapin].count),
    ("swapin_delay_total", 56, 88, 8, 1, |s| {
        s.delays[C::Swapin].total_ns
    }),
    ("cpu_run_real_total", 64, 112, 8, 1, |s| {
        s.cpu_run_real_total
    }),
    ("cpu_run_virtual_total", 72, 120, 8, 1, |s| {
        s.cpu_run_virtual_total
    }),
    ("ac_sched", 112, 160, 1, 2, |s| s.ac_sched.map(u64::from)),
    ("ac_uid", 120, 168, 4, 2, |s| s.ac_uid.map(u64::from)),
    ("ac_gid", 124, 172, 4, 2, |s| s.ac_gid.map(u64::from)),
    ("ac_pid", 128, 176, 4, 2, |s| s.ac_pid.map(u64::from)),
    ("ac_ppid", 132, 180, 4, 2, |s| s.ac_ppid.map(u64::from)),
    ("ac_btime", 136, 184, 4, 2, |s| s.ac_btime.map(u64::from)),
    ("ac_etime", 144, 192, 8, 2, |s| s.ac_etime),
    ("ac_utime", 152, 200, 8, 2, |s| s.ac_utime),
    ("ac_stime", 160, 208, 8, 2, |s| s.ac_stime),
    ("ac_minflt", 168, 216, 8, 2, |s| s.ac_minflt),
    ("ac_majflt", 176, 224, 8, 2, |s| s.ac_majflt),
    ("coremem", 184, 232, 8, 2, |s| s.coremem),
    ("virtmem", 192, 240, 8, 2, |s| s.virtmem),
    ("hiwater_rss", 200, 248, 8, 2, |s| s.hiwater_rss),
    ("hiwater_vm", 208, 256, 8, 2, |s| s.hiwater_vm),
    ("read_char", 216, 264, 8, 2, |s| s.read_char),
    ("write_char", 224, 272, 8, 2, |s| s.write_char),
    ("read_syscalls", 232, 280, 8, 2, |s| s.read_syscalls),
    ("write_syscalls", 240, 288, 8, 2, |s| s.write_syscalls),
    ("read_bytes", 248, 296, 8, 3, |s| s.read_bytes),
    ("write_bytes", 256, 304, 8, 3, |s| s.write_bytes),
    ("cancelled_write_bytes", 264, 312, 8, 3, |s| {
        s.cancelled_write_bytes
    }),
    ("nvcsw", 272, 320, 8, 4, |s| s.nvcsw),
    ("nivcsw", 280, 328, 8, 4, |s| s.nivcsw),
    ("ac_utimescaled", 288, 336, 8, 6, |s| s.ac_utimescaled),
    ("ac_stimescaled", 296, 344, 8, 6, |s| s.ac_stimescaled),
    ("cpu_scaled_run_real_total", 304, 352, 8, 6, |s| {
        s.cpu_scaled_run_real_total
    }),
    ("freepages_count", 312, 360, 8, 7, |s| {
        s.delays[C::Freepages].count
    }),
    ("freepages_delay_total", 320, 368, 8, 7, |s| {
        s.delays[C::Freepages].total_ns
    }),
    ("thrashing_count", 328, 392, 8, 9, |s| {
        s.delays[C::Thrashing].count
    }),
    ("thrashing_delay_total", 336, 400, 8, 9, |s| {
        s.delays[C::Thrashing].total_ns
    }),
    ("ac_btime64", 344, 424, 8, 10, |s| s.ac_btime64),
    ("compact_count", 352, 432, 8, 11, |s| {
        s.delays[C::Compact].count
    }),
    ("compact_delay_total", 360, 440, 8, 11, |s| {
        s.delays[C::Compact].total_ns
    }),
    ("ac_tgid", 368, 464, 4, 12, |s| s.ac_tgid.map(u64::from)),
    ("ac_tgetime", 376, 472, 8, 12, |s| s.ac_tgetime),
    ("ac_exe_dev", 384, 480, 8, 12, |s| s.ac_exe_dev),
    ("ac_exe_inode", 392, 488, 8, 12, |s| s.ac_exe_inode),
    ("wpcopy_count", 400, 496, 8, 13, |s| {
        s.delays[C::Wpcopy].count
    }),
    ("wpcopy_delay_total", 408, 504, 8, 13, |s| {
        s.delays[C::Wpcopy].total_ns
    }),
    ("irq_count", 416, 528, 8, 14, |s| s.delays[C::Irq].count),
    ("irq_delay_total", 424, 536, 8, 14, |s| {
        s.delays[C::Irq].total_ns
    }),
    ("cpu_delay_max", 432, 32, 8, 15, |s| s.delays[C::Cpu].max_ns),
    ("cpu_delay_min", 440, 40, 8, 15, |s| s.delays[C::Cpu].min_ns),
    ("blkio_delay_max", 448, 64, 8, 15, |s| {
        s.delays[C::Blkio].max_ns
    }),
    ("blkio_delay_min", 456, 72, 8, 15, |s| {
        s.delays[C::Blkio].min_ns
    }),
    ("swapin_delay_max", 464, 96, 8, 15, |s| {
        s.delays[C::Swapin].max_ns
    }),
    ("swapin_delay_min", 472, 104, 8, 15, |s| {
        s.delays[C::Swapin].min_ns
    }),
    ("freepages_delay_max", 480, 376, 8, 15, |s| {
        s.delays[C::Freepages].max_ns
    }),
    ("freepages_delay_min", 488, 384, 8, 15, |s| {
        s.delays[C::Freepages].min_ns
    }),
    ("thrashing_delay_max", 496, 408, 8, 15, |s| {
        s.delays[C::Thrashing].max_ns
    }),
    ("thrashing_delay_min", 504, 416, 8, 15, |s| {
        s.delays[C::Thrashing].min_ns
    }),
    ("compact_delay_max", 512, 448, 8, 15, |s| {
        s.delays[C::Compact].max_ns
    }),
    ("compact_delay_min", 520, 456, 8, 15, |s| {
        s.delays[C::Compact].min_ns
    }),
    ("wpcopy_delay_max", 528, 512, 8, 15, |s| {
        s.delays[C::Wpcopy].max_ns
    }),
    ("wpcopy_delay_min", 536, 520, 8, 15, |s| {
        s.delays[C::Wpcopy].min_ns
    }),
    ("irq_delay_max", 544, 544, 8, 15, |s| {
        s.delays[C::Irq].max_ns
    }),
    ("irq_delay_min", 552, 552, 8, 15, |s| {
        s.delays[C::Irq].min_ns
    }),
];

/// sizeof(struct taskstats) per version (docs/abi.md §3).
fn size_of_version(v: u16) -> usize {
    match v {
        2 => 248,
        3 => 272,
        4 | 5 => 288,
        6 => 312,
        7 | 8 => 328,
        9 => 344,
        10 => 352,
        11 => 368,
        12 => 400,
        13 => 416,
        14 => 432,
        15 | 16 => 560,
        17 => 688,
        _ => unreachable!(),
    }
}

/// A value that fits the field and differs per field.
fn value_for(i: usize, size: usize) -> u64 {
    let v = 0x0101_0101_0101_0101u64.wrapping_mul(i as u64 + 1) ^ 0x55;
    if size == 8 {
        v
    } else {
        v & ((1u64 << (size * 8)) - 1)
    }
}

fn synthetic(version: u16) -> Vec<u8> {
    let mut buf = vec![0u8; size_of_version(version)];
    buf[..2].copy_from_slice(&version.to_ne_bytes());
    for (i, &(_, off, off15, size, since, _)) in FIELDS.iter().enumerate() {
        if version < since || (since == 15 && version < 15) {
            continue;
        }
        let off = if version == 15 { off15 } else { off };
        if off + size > buf.len() {
            continue;
        }
        buf[off..off + size].copy_from_slice(&value_for(i, size).to_ne_bytes()[..size]);
    }
    if version >= 17 {
        for c in 0..8usize {
            let off = 560 + 16 * c;
            buf[off..off + 8].copy_from_slice(&(1_790_000_000i64 + c as i64).to_ne_bytes());
            buf[off + 8..off + 16].copy_from_slice(&(1000i64 * c as i64).to_ne_bytes());
        }
    }
    buf
}

#[test]
fn every_layout_decodes_each_field_from_its_offset() {
    for version in 2..=17u16 {
        let buf = synthetic(version);
        // The 688-byte v17 (timestamps); the 592-byte one has its own test.
        let s = TaskStats::decode(&buf).unwrap();
        assert_eq!(s.version, version);
        assert_eq!(s.payload_len, buf.len());
        for (i, &(name, off, _, size, since, get)) in FIELDS.iter().enumerate() {
            // Fields whose offset is past the version's size (e.g. nvcsw in v4/v5
            // ends at 288, scaled times need 312) are absent.
            let present = version >= since && (version == 15 || off + size <= buf.len());
            let expected = present.then(|| value_for(i, size));
            assert_eq!(get(&s), expected, "v{version} {name}");
        }
        let ts = s.delays[C::Irq].max_ts;
        if version >= 17 {
            assert_eq!(ts.map(|t| (t.sec, t.nsec)), Some((1_790_000_007, 7000)));
        } else {
            assert_eq!(ts, None, "v{version} has no timestamps");
        }
    }
}

#[test]
fn comm_stops_at_nul_and_needs_v2() {
    let mut buf = synthetic(16);
    buf[80..112].fill(0);
    buf[80..85].copy_from_slice(b"sleep");
    assert_eq!(
        TaskStats::decode(&buf).unwrap().ac_comm.as_deref(),
        Some(&b"sleep"[..])
    );
    // v15 has comm 48 bytes later.
    let mut buf = synthetic(15);
    buf[128..160].fill(b'x');
    assert_eq!(TaskStats::decode(&buf).unwrap().ac_comm.unwrap().len(), 32);
}

#[test]
fn short_long_and_unknown_payloads() {
    // A v16 struct cut short: fields past the cut are null, and the view says so.
    let buf = synthetic(16);
    let s = TaskStats::decode(&buf[..300]).unwrap();
    assert!(s.ac_utimescaled.is_some()); // 288..296
    assert_eq!(s.cpu_scaled_run_real_total, None); // 304..312
    assert_eq!(s.delays[C::Cpu].max_ns, None);
    let rec = Record {
        kind: RecordKind::Pid,
        id: 1,
        stats: s,
        origin: Default::default(),
    };
    let notes = rec.view(&Accounting::default()).notes.join("\n");
    assert!(notes.contains("300 bytes, fewer than the 560"), "{notes}");

    // A newer version with a longer struct: the known prefix decodes.
    let mut buf = synthetic(17);
    buf[..2].copy_from_slice(&18u16.to_ne_bytes());
    buf.extend_from_slice(&[0xff; 40]);
    let s = TaskStats::decode(&buf).unwrap();
    assert_eq!(s.version, 18);
    assert_eq!(
        s.delays[C::Irq].min_ns,
        Some(value_for(FIELDS.len() - 1, 8))
    );
    let rec = Record {
        kind: RecordKind::Pid,
        id: 1,
        stats: s,
        origin: Default::default(),
    };
    assert!(rec.view(&Accounting::default()).notes[0].contains("newer than this taskstat knows"));

    assert!(TaskStats::decode(&[]).is_err());
    assert!(TaskStats::decode(&[16]).is_err());
    assert!(TaskStats::decode(&1u16.to_ne_bytes()).is_err());
    // Just a version: decodes, with every field null.
    let s = TaskStats::decode(&16u16.to_ne_bytes()).unwrap();
    assert_eq!(s.ac_utime, None);
}

fn parse(datagram: &[u8]) -> Vec<TaskstatsMessage> {
    datagram_messages(datagram)
        .map(|m| {
            let msg =
                NetlinkMessage::<GenlMessage<TaskstatsMessage>>::deserialize(m.unwrap()).unwrap();
            match msg.payload {
                NetlinkPayload::InnerMessage(g) => g.payload,
                other => panic!("not a data message: {other:?}"),
            }
        })
        .collect()
}

fn records(datagram: &[u8]) -> Vec<RawRecord> {
    parse(datagram)
        .into_iter()
        .flat_map(|m| match m.body {
            Body::Records(r) => r,
            other => panic!("{other:?}"),
        })
        .collect()
}

/// The captured replies were taken from a SIGSTOPped process, and getdelays
/// (built from the kernel tree, run on the same stopped process) printed the
/// .getdelays.txt files.
#[test]
fn captured_v16_replies_render_exactly_as_getdelays() {
    for (bin, txt, kind) in [
        (
            &include_bytes!("fixtures/v16-pid-reply.bin")[..],
            include_str!("fixtures/v16-pid-reply.getdelays.txt"),
            RecordKind::Pid,
        ),
        (
            &include_bytes!("fixtures/v16-tgid-reply.bin")[..],
            include_str!("fixtures/v16-tgid-reply.getdelays.txt"),
            RecordKind::Tgid,
        ),
    ] {
        assert_eq!(bin.len(), 596);
        let raws = records(bin);
        assert_eq!(raws.len(), 1);
        assert_eq!(raws[0].kind, kind);
        assert_eq!(raws[0].stats.len(), wire::SIZE_V16);
        let rec = Record::decode(&raws[0], 0).unwrap();
        assert_eq!(rec.stats.version, 16);
        let mut out = Vec::new();
        render::write_getdelays(&mut out, &rec, ShownSections::default().or_all());
        assert_eq!(String::from_utf8(out).unwrap(), txt);
    }
}

#[test]
fn captured_tgid_reply_nulls_what_the_kernel_leaves_empty() {
    let raws = records(include_bytes!("fixtures/v16-tgid-reply.bin"));
    let rec = Record::decode(&raws[0], 0).unwrap();
    let v = serde_json::to_value(rec.view(&Accounting {
        delayacct: Some(true),
        ..Accounting::default()
    }))
    .unwrap();
    assert_eq!(v["type"], "tgid");
    for key in [
        "comm",
        "pid",
        "tgid",
        "ppid",
        "uid",
        "gid",
        "nice",
        "flags",
        "exit_code",
        "start_time",
    ] {
        assert!(v[key].is_null(), "{key}");
    }
    assert!(v["io"]["read_bytes"].is_null());
    assert!(v["memory"]["hiwater_rss_kib"].is_null());
    assert!(v["delays"]["blkio"]["max_ns"].is_null());
    // The summed figures stay, as the kernel sent them.
    assert_eq!(
        v["delays"]["blkio"]["count"],
        rec.stats.delays[C::Blkio].count.unwrap()
    );
    assert_eq!(v["context_switches"]["voluntary"], rec.stats.nvcsw.unwrap());
    assert!(v["cpu"]["run_virtual_ns"].as_u64().unwrap() > 0);
}

#[test]
fn delayacct_off_nulls_all_but_cpu_delay() {
    let raws = records(include_bytes!("fixtures/v16-pid-reply.bin"));
    let rec = Record::decode(&raws[0], 0).unwrap();
    let view = rec.view(&Accounting {
        delayacct: Some(false),
        ..Accounting::default()
    });
    assert_eq!(view.delays[C::Cpu].count, rec.stats.delays[C::Cpu].count);
    assert_eq!(view.delays[C::Blkio].count, None);
    assert_eq!(view.delays[C::Irq].total_ns, None);
    assert!(view.notes.iter().any(|n| n.contains("task_delayacct")));
}

#[test]
fn messages_round_trip_and_padding_is_skipped() {
    let stats = synthetic(16);
    let msg = TaskstatsMessage {
        cmd: wire::cmd::NEW,
        body: Body::Records(vec![
            RawRecord {
                kind: RecordKind::Pid,
                id: Some(42),
                stats: stats.clone(),
            },
            RawRecord {
                kind: RecordKind::Tgid,
                id: Some(40),
                stats: stats.clone(),
            },
        ]),
    };
    let mut g = GenlMessage::from_payload(msg.clone());
    g.set_resolved_family_id(31);
    let mut nl = NetlinkMessage::from(g);
    nl.finalize();
    let mut bytes = vec![0; nl.buffer_len()];
    nl.serialize(&mut bytes);
    // A group exit with v16 structs is 1172 bytes (docs/abi.md §1).
    assert_eq!(bytes.len(), 1172);
    assert_eq!(parse(&bytes), vec![msg]);

    // TASKSTATS_TYPE_NULL padding before the stats, as non-x86 kernels send it.
    let mut nest = Vec::new();
    for (kind, value) in [
        (1u16, 7u32.to_ne_bytes().to_vec()),
        (6, vec![]),
        (3, stats.clone()),
    ] {
        nest.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
        nest.extend_from_slice(&kind.to_ne_bytes());
        nest.extend_from_slice(&value);
    }
    let mut payload = vec![wire::cmd::NEW, 1, 0, 0];
    payload.extend_from_slice(&((4 + nest.len()) as u16).to_ne_bytes());
    payload.extend_from_slice(&4u16.to_ne_bytes());
    payload.extend_from_slice(&nest);
    let mut dgram = Vec::new();
    dgram.extend_from_slice(&((16 + payload.len()) as u32).to_ne_bytes());
    dgram.extend_from_slice(&31u16.to_ne_bytes());
    dgram.extend_from_slice(&[0; 10]);
    dgram.extend_from_slice(&payload);
    let r = records(&dgram);
    assert_eq!(
        r,
        vec![RawRecord {
            kind: RecordKind::Pid,
            id: Some(7),
            stats
        }]
    );
}

#[test]
fn several_messages_in_one_datagram_are_walked() {
    let one = include_bytes!("fixtures/v16-pid-reply.bin");
    let mut two = one.to_vec();
    two.extend_from_slice(one);
    assert_eq!(records(&two).len(), 2);
    // A datagram cut mid-message is an error, not a panic or a short read.
    let cut = &two[..one.len() + 100];
    assert!(datagram_messages(cut).any(|m| m.is_err()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decoder_never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..800)) {
        if let Ok(s) = TaskStats::decode(&bytes) {
            prop_assert_eq!(s.payload_len, bytes.len());
            let rec = Record { kind: RecordKind::Tgid, id: 1, stats: s, origin: Default::default() };
            let _ = serde_json::to_string(&rec.view(&Accounting::default())).unwrap();
            let mut out = Vec::new();
            render::write_getdelays(&mut out, &rec, ShownSections::default().or_all());
        }
    }

    #[test]
    fn message_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1300)) {
        for m in datagram_messages(&bytes).flatten() {
            let _ = NetlinkMessage::<GenlMessage<TaskstatsMessage>>::deserialize(m);
        }
    }

    #[test]
    fn truncated_and_corrupted_replies_never_panic(cut in 0usize..596, flip in 0usize..596, bit in 0u8..8) {
        let mut bytes = include_bytes!("fixtures/v16-pid-reply.bin").to_vec();
        bytes[flip] ^= 1 << bit;
        for m in datagram_messages(&bytes[..cut]).flatten() {
            let Ok(msg) = NetlinkMessage::<GenlMessage<TaskstatsMessage>>::deserialize(m) else {
                continue;
            };
            if let NetlinkPayload::InnerMessage(g) = msg.payload {
                if let Body::Records(rs) = g.payload.body {
                    for r in rs {
                        let _ = Record::decode(&r, 0);
                    }
                }
            }
        }
    }
}

/// The man page's schema section is generated from SCHEMA_DOC: every key a
/// record has must be documented there, and nothing else.
#[test]
fn schema_doc_covers_every_key() {
    use taskstat::model::schema::SCHEMA_DOC;
    let raws = records(include_bytes!("fixtures/v16-pid-reply.bin"));
    let view = Record::decode(&raws[0], 0)
        .unwrap()
        .view(&Accounting::default());
    let mut keys: Vec<String> = taskstat::render::csv_row(&view)
        .unwrap()
        .into_iter()
        .map(|(k, _)| {
            let mut parts: Vec<&str> = k.split('.').collect();
            if parts[0] == "delays" {
                assert!(C::from_key(parts[1]).is_some(), "{k}");
                parts[1] = "<cat>";
                parts.truncate(3); // max_at.sec / max_at.nsec
            }
            parts.join(".")
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| seen.insert(k.clone()));
    let documented: Vec<String> = SCHEMA_DOC.iter().map(|d| d.key.to_string()).collect();
    assert_eq!(keys, documented);
}

/// The unmerged "version 17" (docs/abi.md §4): soft-IRQ counters at 560..592.
fn softirq_v17() -> Vec<u8> {
    let mut buf = synthetic(17);
    buf.truncate(592);
    for (i, off) in [560usize, 568, 576, 584].into_iter().enumerate() {
        buf[off..off + 8].copy_from_slice(&(7_000 + i as u64).to_ne_bytes());
    }
    buf
}

#[test]
fn version_17_is_told_apart_by_its_length() {
    // 688 bytes: the merged series, each category's max timestamp, no softirq.
    let s = TaskStats::decode(&synthetic(17)).unwrap();
    assert_eq!(s.extension, Extension::MaxTimestamps);
    assert_eq!(
        s.delays[C::Cpu].max_ts.map(|t| (t.sec, t.nsec)),
        Some((1_790_000_000, 0))
    );
    assert_eq!(s.delays[C::Softirq], Default::default());

    // 592 bytes: a ninth category, and no timestamps.
    let s = TaskStats::decode(&softirq_v17()).unwrap();
    assert_eq!(s.extension, Extension::Softirq);
    let soft = s.delays[C::Softirq];
    assert_eq!(
        (soft.count, soft.total_ns, soft.max_ns, soft.min_ns),
        (Some(7_000), Some(7_001), Some(7_002), Some(7_003))
    );
    assert!(C::ALL.iter().all(|&c| s.delays[c].max_ts.is_none()));
    // The common prefix is the v16 layout.
    let v16 = TaskStats::decode(&synthetic(16)).unwrap();
    assert_eq!(s.delays[C::Irq], v16.delays[C::Irq]);
    assert_eq!(s.ac_exe_inode, v16.ac_exe_inode);

    // Any other length: the common prefix only, and a warning.
    for len in [600, 640, 700] {
        let mut buf = synthetic(17);
        buf.resize(len, 0xee);
        let s = TaskStats::decode(&buf).unwrap();
        assert_eq!(s.extension, Extension::Unknown, "{len}");
        assert_eq!(
            s.delays[C::Irq],
            v16.delays[C::Irq].clone_without_ts(),
            "{len}"
        );
        assert_eq!(s.delays[C::Softirq], Default::default());
        let rec = Record {
            kind: RecordKind::Pid,
            id: 1,
            stats: s,
            origin: Default::default(),
        };
        assert!(
            rec.decode_warning()
                .is_some_and(|w| w.contains(&len.to_string()))
        );
        let notes = rec.view(&Accounting::default()).notes.join("\n");
        assert!(
            notes.contains("matches neither version-17 layout"),
            "{notes}"
        );
    }
}

trait WithoutTs {
    fn clone_without_ts(&self) -> Self;
}

impl WithoutTs for wire::RawDelay {
    fn clone_without_ts(&self) -> Self {
        wire::RawDelay {
            max_ts: None,
            ..*self
        }
    }
}

#[test]
fn softirq_shows_in_every_format() {
    let raw = RawRecord {
        kind: RecordKind::Pid,
        id: Some(42),
        stats: softirq_v17(),
    };
    let rec = Record::decode(&raw, 0).unwrap();
    let view = rec.view(&Accounting {
        delayacct: Some(true),
        ..Accounting::default()
    });
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["delays"]["softirq"]["count"], 7_000);
    assert_eq!(json["delays"]["softirq"]["total_ns"], 7_001);
    assert_eq!(json["delays"]["softirq"]["max_ns"], 7_002);
    assert!(json["delays"]["cpu"]["max_at"].is_null());
    let cols = render::csv_row(&view).unwrap();
    assert!(cols.contains(&("delays.softirq.min_ns".to_string(), "7003".to_string())));

    let shown = [render::ShownRecord {
        view: view.clone(),
        raw: Some(&rec),
    }];
    let text = |format| {
        let mut out = Vec::new();
        render::write(
            &mut out,
            &render::Doc::Records {
                records: &shown,
                empty: &view,
            },
            render::Output {
                format,
                sections: ShownSections::default(),
            },
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    };
    let table = text(render::Format::Table);
    let row = table
        .lines()
        .find(|l| l.starts_with("softirq"))
        .unwrap_or_else(|| panic!("no softirq row in\n{table}"));
    assert!(row.contains("7000") && row.contains("0.007 ms"), "{row}");
    let gd = text(render::Format::Getdelays);
    assert!(gd.contains("SOFTIRQ"), "{gd}");
    assert!(!gd.contains("timestamp"), "{gd}");
    let ndjson = text(render::Format::Ndjson);
    assert!(ndjson.contains("\"softirq\":{\"count\":7000"), "{ndjson}");

    // A merged kernel's record has no softirq row in tables, null in JSON.
    let v16 = Record::decode(
        &RawRecord {
            kind: RecordKind::Pid,
            id: Some(1),
            stats: synthetic(16),
        },
        0,
    )
    .unwrap();
    let v = v16.view(&Accounting::default());
    assert!(v.delays[C::Softirq].count.is_none());
    let mut out = Vec::new();
    let shown = [render::ShownRecord {
        view: v.clone(),
        raw: Some(&v16),
    }];
    render::write(
        &mut out,
        &render::Doc::Records {
            records: &shown,
            empty: &v,
        },
        render::Output {
            format: render::Format::Table,
            sections: ShownSections::default(),
        },
    )
    .unwrap();
    let table = String::from_utf8(out).unwrap();
    assert!(!table.contains("softirq"), "{table}");
}

// Version-0 whole-process exit records (docs/abi.md, "Version-0
// whole-process exit records").

/// What `delayacct_add_tsk()` fills, and so all that a version-0 group
/// record of the seed kernel (kernel/taskstats.c, fill_tgid_exit) carries.
fn filled_by_delayacct(name: &str) -> bool {
    name.ends_with("_count")
        || name.ends_with("_delay_total")
        || name.ends_with("_delay_max")
        || name.ends_with("_delay_min")
        || matches!(
            name,
            "cpu_run_real_total" | "cpu_run_virtual_total" | "cpu_scaled_run_real_total"
        )
}

/// The thread record of a layout: its struct version and its payload.
fn thread_payload(layout: &str) -> (u16, Vec<u8>) {
    match layout {
        "v8" => (8, synthetic(8)),
        "v10" => (10, synthetic(10)),
        "v14" => (14, synthetic(14)),
        "v16" => (16, synthetic(16)),
        "v17" => (17, synthetic(17)),
        "v17-softirq" => (17, softirq_v17()),
        _ => unreachable!(),
    }
}

/// The group record the seed kernel sends beside `thread`: the same length,
/// version 0, and only delayacct_add_tsk()'s fields (here with the
/// thread's values, as for a process whose other threads did nothing).
fn unversioned_group(version: u16, thread: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; thread.len()];
    for &(name, off, off15, size, since, _) in FIELDS {
        let off = if version == 15 { off15 } else { off };
        if version >= since && filled_by_delayacct(name) && off + size <= buf.len() {
            buf[off..off + size].copy_from_slice(&thread[off..off + size]);
        }
    }
    // Past v16: the merged v17's max timestamps, or the soft-IRQ category.
    if thread.len() > 560 {
        buf[560..].copy_from_slice(&thread[560..]);
    }
    buf
}

/// One exit message of the last thread of a multi-threaded process, as
/// the kernel puts it on the wire (family id 0: listen's TASKSTAT_INJECT_EXIT_MESSAGES stamps
/// the one the kernel assigned).
pub fn exit_datagram(pid: u32, thread: &[u8], tgid: u32, group: &[u8]) -> Vec<u8> {
    let msg = TaskstatsMessage {
        cmd: wire::cmd::NEW,
        body: Body::Records(vec![
            RawRecord {
                kind: RecordKind::Pid,
                id: Some(pid),
                stats: thread.to_vec(),
            },
            RawRecord {
                kind: RecordKind::Tgid,
                id: Some(tgid),
                stats: group.to_vec(),
            },
        ]),
    };
    let mut g = GenlMessage::from_payload(msg);
    g.set_resolved_family_id(0);
    let mut nl = NetlinkMessage::from(g);
    nl.finalize();
    let mut bytes = vec![0; nl.buffer_len()];
    nl.serialize(&mut bytes);
    bytes
}

#[test]
fn version_0_group_exit_records_decode_with_the_thread_layout() {
    use taskstat::model::notes::NOTE_UNVERSIONED;
    for layout in ["v8", "v10", "v14", "v16", "v17", "v17-softirq"] {
        let (version, thread) = thread_payload(layout);
        let group = unversioned_group(version, &thread);
        assert_eq!(group.len(), thread.len());
        let raws = records(&exit_datagram(4242, &thread, 4240, &group));
        let (recs, skipped) = wire::decode_exit_message(&raws);
        assert_eq!(skipped.count, 0, "{layout}: {skipped:?}");
        assert_eq!(recs.len(), 2, "{layout}");
        let (t, g) = (&recs[0], &recs[1]);
        assert!(!t.stats.unversioned);
        assert_eq!((g.kind, g.id), (RecordKind::Tgid, 4240));
        assert!(g.stats.unversioned, "{layout}");
        assert_eq!(
            g.stats.version, version,
            "{layout}: read with the thread's layout"
        );
        assert_eq!(g.stats.extension, t.stats.extension, "{layout}");

        // What delayacct_add_tsk() fills is read from its offsets...
        for &(name, _, _, _, since, get) in FIELDS {
            let want = if filled_by_delayacct(name) {
                get(&t.stats)
            } else {
                None
            };
            assert_eq!(get(&g.stats), want, "{layout}: {name}");
            if filled_by_delayacct(name) && version >= since && !(since == 15 && version < 15) {
                assert!(want.is_some_and(|v| v != 0), "{layout}: {name} carried");
            }
        }
        assert_eq!(g.stats.delays, t.stats.delays, "{layout}");
        // ...and nothing else is, not even as 0.
        assert_eq!(g.stats.ac_comm, None);

        let v = g.view(&Accounting::default());
        assert_eq!(v.version, Some(version));
        assert!(
            v.notes.iter().any(|n| n == NOTE_UNVERSIONED),
            "{layout}: {:?}",
            v.notes
        );
        assert!(!v.notes.iter().any(|n| n.starts_with("thread-group record")));
        for (what, null) in [
            ("user_us", v.cpu.user_us.is_none()),
            ("system_us", v.cpu.system_us.is_none()),
            ("elapsed_us", v.elapsed_us.is_none()),
            ("voluntary", v.context_switches.voluntary.is_none()),
            ("involuntary", v.context_switches.involuntary.is_none()),
            ("comm", v.comm.is_none()),
            ("pid", v.pid.is_none()),
            ("exit_code", v.exit_code.is_none()),
            ("start_time", v.start_time.is_none()),
            ("read_bytes", v.io.read_bytes.is_none()),
            ("minor_faults", v.memory.minor_faults.is_none()),
            ("blkio max", v.delays[C::Blkio].max_ns.is_none()),
        ] {
            assert!(null, "{layout}: {what} should be null");
        }
        assert_eq!(v.cpu.run_real_ns, t.stats.cpu_run_real_total);
        assert_eq!(v.cpu.run_virtual_ns, t.stats.cpu_run_virtual_total);
        assert_eq!(v.cpu.run_scaled_ns, t.stats.cpu_scaled_run_real_total);
        assert_eq!(v.delays[C::Blkio].count, t.stats.delays[C::Blkio].count);
        assert!(v.delays[C::Blkio].total_ns.is_some_and(|n| n > 0));
        let softirq = v.delays[C::Softirq].count.is_some();
        assert_eq!(softirq, layout == "v17-softirq", "{layout}");
        let json = serde_json::to_value(&v).unwrap();
        assert!(json["cpu"]["user_us"].is_null(), "{layout}");
        assert!(json["context_switches"]["voluntary"].is_null(), "{layout}");
        assert!(json["cpu"]["run_virtual_ns"].is_u64(), "{layout}");
    }
}

#[test]
fn version_0_group_records_without_a_matching_thread_record_are_skipped() {
    let thread = synthetic(16);
    let group = unversioned_group(16, &thread);
    // A thread record of another length: no layout to trust.
    let raws = records(&exit_datagram(1, &synthetic(14), 1, &group));
    let (recs, skipped) = wire::decode_exit_message(&raws);
    assert_eq!(recs.len(), 1);
    assert_eq!(skipped.count, 1);
    assert!(matches!(
        skipped.first,
        Some(wire::WireError::NoLayout(560, _))
    ));
    let line = skipped.summary().unwrap();
    assert!(
        line.starts_with("skipped 1 record that cannot be decoded"),
        "{line}"
    );
    // A version-0 thread record is never guessed at.
    let raws = records(&exit_datagram(1, &group, 1, &thread));
    let (recs, skipped) = wire::decode_exit_message(&raws);
    assert_eq!((recs.len(), skipped.count), (1, 1));
    assert_eq!(recs[0].kind, RecordKind::Tgid);
}

/// A record file as `listen --write` writes it on a kernel of struct
/// `version`, of the given records.
fn record_file(name: &str, version: Option<u16>, records: &[RawRecord]) -> PathBuf {
    use taskstat::capture::{self, CaptureHeader};
    let path = std::env::temp_dir().join(format!("taskstat-{name}-{}.tsk", std::process::id()));
    let mut f = std::fs::File::create(&path).unwrap();
    let header = CaptureHeader {
        taskstat: "test".into(),
        struct_version: version,
        kernel: "6.1.0".into(),
        hostname: "test".into(),
        time: 0,
        byte_order: capture::host_byte_order().into(),
        delayacct: Some(true),
    };
    capture::write_header(&mut f, &header).unwrap();
    for r in records {
        capture::write_record(&mut f, r).unwrap();
    }
    path
}

fn raw(kind: RecordKind, id: u32, stats: Vec<u8>) -> RawRecord {
    RawRecord {
        kind,
        id: Some(id),
        stats,
    }
}

fn decode_file(path: PathBuf) -> (Option<i32>, Vec<Value>, String) {
    let out = crate::common::taskstat()
        .args(["decode", "-f", "ndjson"])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        out.status.code(),
        lines,
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn decode_reads_version_0_group_records_with_the_header_version() {
    // Three multi-threaded exits as a 6.1 kernel (v14) sends them, and
    // one of --groups-only, where no thread record precedes the group's.
    let thread = synthetic(14);
    let group = unversioned_group(14, &thread);
    let mut recs = Vec::new();
    for id in [100, 200, 300] {
        recs.push(raw(RecordKind::Pid, id + 1, thread.clone()));
        recs.push(raw(RecordKind::Tgid, id, group.clone()));
    }
    recs.push(raw(RecordKind::Tgid, 400, group.clone()));
    let (code, lines, stderr) = decode_file(record_file("v0", Some(14), &recs));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
    assert_eq!(lines.len(), 7);
    let groups: Vec<&Value> = lines.iter().filter(|l| l["type"] == "tgid").collect();
    assert_eq!(groups.len(), 4);
    for g in groups {
        assert_eq!(g["version"], 14);
        assert!(g["cpu"]["user_us"].is_null());
        assert!(g["delays"]["blkio"]["total_ns"].is_u64());
        assert!(
            g["notes"][0]
                .as_str()
                .unwrap()
                .starts_with("whole-process exit record from a kernel before the 2026 fix")
        );
    }
}

#[test]
fn decode_skips_what_it_cannot_read_and_says_so_once() {
    use taskstat::exit;
    let thread = synthetic(16);
    let group = unversioned_group(16, &thread);
    let recs = vec![
        raw(RecordKind::Pid, 11, thread.clone()),
        // Well framed and checksummed, but a pre-release struct version.
        raw(RecordKind::Pid, 12, 1u16.to_ne_bytes().repeat(200)),
        raw(RecordKind::Pid, 13, vec![7]),
        raw(RecordKind::Pid, 14, thread.clone()),
        raw(RecordKind::Tgid, 10, group.clone()),
    ];
    let (code, lines, stderr) = decode_file(record_file("skip", Some(16), &recs));
    assert_eq!(code, Some(i32::from(exit::SKIPPED)), "{stderr}");
    let ids: Vec<&Value> = lines.iter().map(|l| &l["id"]).collect();
    assert_eq!(ids, [11, 14, 10]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(
            "skipped 2 records that cannot be decoded (the first: struct taskstats version 1"
        ),
        "{stderr}"
    );

    // A header that names a version whose length the group record does not
    // have (a file continued on another kernel): skipped, not misread.
    let v17 = synthetic(17);
    let recs = vec![
        raw(RecordKind::Pid, 21, v17.clone()),
        raw(RecordKind::Tgid, 20, unversioned_group(17, &v17)),
    ];
    let (code, lines, stderr) = decode_file(record_file("other", Some(16), &recs));
    assert_eq!(code, Some(i32::from(exit::SKIPPED)), "{stderr}");
    assert_eq!(lines.len(), 1);
    assert!(stderr.contains("skipped 1 record"), "{stderr}");
}

/// `run` and `record` assemble a process from its threads' exit records:
/// what a version-0 group record lacks is summed over the threads.
#[test]
fn version_0_group_record_assembles_with_the_threads_times() {
    use taskstat::model::notes::NOTE_ASSEMBLED_UNVERSIONED;
    use taskstat::model::process::assemble;
    let thread = synthetic(16);
    let group = unversioned_group(16, &thread);
    let raws = records(&exit_datagram(4242, &thread, 4240, &group));
    let (recs, _) = wire::decode_exit_message(&raws);
    let threads = [recs[0].clone(), recs[0].clone()];
    let acct = Accounting::default();
    let v = assemble(4240, &threads, Some(&recs[1]), &acct).unwrap();
    let t = recs[0].view(&acct);
    let twice = |x: Option<u64>| x.map(|x| x.wrapping_mul(2));
    assert_eq!(v.cpu.user_us, twice(t.cpu.user_us));
    assert_eq!(v.cpu.system_us, twice(t.cpu.system_us));
    assert_eq!(
        v.context_switches.voluntary,
        twice(t.context_switches.voluntary)
    );
    assert_eq!(v.elapsed_us, twice(t.elapsed_us));
    // Run times and delays are the group record's.
    assert_eq!(v.cpu.run_virtual_ns, recs[1].stats.cpu_run_virtual_total);
    assert_eq!(v.notes[0], NOTE_ASSEMBLED_UNVERSIONED);
    assert_eq!(
        v.notes
            .iter()
            .filter(|n| n.contains("struct version 0"))
            .count(),
        1
    );
}
