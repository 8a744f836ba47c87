//! `taskstat check`'s findings: one line each, with what to do about it.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: CheckStatus,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    pub fn new(
        name: &'static str,
        status: CheckStatus,
        detail: impl Into<String>,
        fix: Option<&str>,
    ) -> Check {
        Check {
            name,
            status,
            detail: detail.into(),
            fix: fix.map(str::to_string),
        }
    }
}

/// The whole report: `ok` when nothing failed.
#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
    pub ok: bool,
    pub checks: &'a [Check],
}
