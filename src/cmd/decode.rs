//! `taskstat decode FILE`: the records of a `listen --write` file.

use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;

use anyhow::Context as _;
use taskstat::capture::{CaptureReader, FileDecoder};
use taskstat::cli::DecodeArgs;
use taskstat::exit;
use taskstat::model::Accounting;
use taskstat::render::RecordStream;
use taskstat::wire::Undecodable;

pub fn run(args: DecodeArgs) -> anyhow::Result<ExitCode> {
    let shown = args.file.display();
    let f = File::open(&args.file).with_context(|| format!("cannot open {shown}"))?;
    let (header, reader) =
        CaptureReader::open(BufReader::new(f)).with_context(|| format!("{shown}"))?;
    // Whether delay accounting was on when the records were written, as the
    // header says (older files do not say: figures are shown as recorded).
    let acct = Accounting {
        delayacct: header.delayacct,
        ..Accounting::default()
    };
    let mut out = super::stdout();
    let mut stream = RecordStream::new(args.output.format(), args.output.sections());
    let mut decoder = FileDecoder::new(&header);
    // A frame that is whole and checksummed but holds a struct this
    // taskstat cannot read says nothing about the frames after it: it is
    // skipped, and counted.
    let mut skipped = Undecodable::default();
    for item in reader {
        let raw = match item {
            Ok(raw) => raw,
            Err(e) => {
                // The records before the damage, as a complete document.
                stream.finish(&mut out)?;
                say_skipped(&skipped, &shown);
                return Err(anyhow::Error::from(e).context(format!("{shown}")));
            }
        };
        match decoder.decode(&raw) {
            Ok(rec) => stream.record(&mut out, &rec, || rec.view(&acct))?,
            Err(e) => skipped.add(e),
        }
    }
    stream.finish(&mut out)?;
    if say_skipped(&skipped, &shown) {
        return Ok(exit::code(exit::SKIPPED));
    }
    Ok(exit::code(exit::OK))
}

/// The one line on stderr about the records that were skipped, if any.
fn say_skipped(skipped: &Undecodable, shown: &std::path::Display<'_>) -> bool {
    match skipped.summary() {
        Some(s) => {
            eprintln!("taskstat: {shown}: {s}");
            true
        }
        None => false,
    }
}
