//! `taskstat check`'s report: aligned lines for people, or the JSON document.

use std::io::{self, Write};

use crate::model::check::{CheckReport, CheckStatus};

pub fn write_check_text(out: &mut dyn Write, r: &CheckReport) -> io::Result<()> {
    let mut text = String::new();
    for c in r.checks {
        let status = match c.status {
            CheckStatus::Ok => "ok",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "FAIL",
        };
        text += &format!("{status:<5} {:<18} {}\n", c.name, c.detail);
        if let Some(fix) = &c.fix {
            text += &format!("{:<24} fix: {fix}\n", "");
        }
    }
    out.write_all(text.as_bytes())
}
