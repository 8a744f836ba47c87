//! `taskstat decode FILE`: the records of a `listen --write` file.

use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;

use anyhow::Context as _;
use taskstat::cli::DecodeArgs;
use taskstat::exit;
use taskstat::recfile::RecordReader;
use taskstat::record::{Accounting, Record};
use taskstat::render::RecordStream;

pub fn run(args: DecodeArgs) -> anyhow::Result<ExitCode> {
    let shown = args.file.display();
    let f = File::open(&args.file).with_context(|| format!("cannot open {shown}"))?;
    let (header, reader) =
        RecordReader::open(BufReader::new(f)).with_context(|| format!("{shown}"))?;
    // Whether delay accounting was on when the records were written, as the
    // header says (older files do not say: figures are shown as recorded).
    let acct = Accounting {
        delayacct: header.delayacct,
        ..Accounting::default()
    };
    let mut out = super::stdout();
    let mut stream = RecordStream::new(args.output.format(), args.output.sections());
    for item in reader {
        let raw = match item {
            Ok(raw) => raw,
            Err(e) => {
                // The records before the damage, as a complete document.
                stream.finish(&mut out)?;
                return Err(anyhow::Error::from(e).context(format!("{shown}")));
            }
        };
        let rec = Record::decode(&raw, 0)
            .with_context(|| format!("{shown}: a record cannot be decoded"))?;
        stream.record(&mut out, &rec, || rec.view(&acct))?;
    }
    stream.finish(&mut out)?;
    Ok(exit::code(exit::OK))
}
