//! taskstat: Linux per-task statistics from the kernel's taskstats interface.
//!
//! The data path runs one way: a request ([`wire`]), bytes from the kernel
//! ([`client`]), a typed [`record::Record`], a renderer ([`render`]).

pub mod cgroup;
pub mod cli;
pub mod client;
pub mod cpulist;
pub mod exit;
pub mod interval;
pub mod process;
pub mod recfile;
pub mod record;
pub mod render;
pub mod system;
pub mod top;
pub mod totals;
pub mod wire;
