//! Records from every source, combined: the kernel's replies, completed
//! from /proc where a thread-group reply leaves a process part-empty.

use crate::client::{Client, ClientError};
use crate::host::procfs;
use crate::record::{Accounting, Record, RecordView, process};
use crate::wire::RecordKind;

/// A running process: the kernel's thread-group record (getdelays' text is
/// printed from it) and the whole process's view.
pub struct Process {
    pub group: Record,
    pub view: RecordView,
}

/// The process that `id` (a process or any of its threads) belongs to, or
/// None when it is gone.
pub fn process(
    client: &mut Client,
    id: u32,
    acct: &Accounting,
) -> Result<Option<Process>, ClientError> {
    let Some(group) = client.fetch(RecordKind::Tgid, id)? else {
        return Ok(None);
    };
    // The reply names the thread group, whose id is its leader's.
    let leader = client.fetch(RecordKind::Pid, group.id)?;
    let proc = procfs::Process::read(group.id);
    let view = process::live(&group, leader.as_ref(), &proc, acct);
    Ok(Some(Process { group, view }))
}
