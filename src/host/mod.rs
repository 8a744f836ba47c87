//! Facts about the machine, read from /proc, /sys and the cgroup trees:
//! what explains the kernel's answers and which tasks to ask about.

pub mod cgroup;
pub mod cpulist;
pub mod held;
pub mod poll;
pub mod pressure;
pub mod procfs;
pub mod system;
pub mod users;
