//! taskstat: Linux per-task statistics from the kernel's taskstats interface.
//!
//! The data path runs one way: the command line ([`cli`]), a request and
//! the kernel's bytes ([`wire`], pure decoding; [`client`], the socket;
//! [`probe`], what the kernel does where its version does not say), a
//! typed record and what is computed from it ([`model`]), a renderer
//! ([`render`]). [`host`] holds the facts about the machine that choose the
//! tasks and explain the figures; [`source`] completes the kernel's records
//! from /proc; [`filter`] picks the tasks, [`pacer`] bounds how fast a sweep
//! asks, and [`listener`] receives exit records. [`top`] is the engine of
//! `top` and `replay`, and [`tui`] their full-screen loop; [`history`] is
//! the typed stored sample with its recorder and reader, [`store`] its
//! framing on disk, and [`capture`] the files of `listen --write`. Beside
//! the path, [`time`] parses and prints times and [`exit`] holds the exit
//! statuses. The binary's `cmd/` has one module per subcommand.

pub mod capture;
pub mod cli;
pub mod client;
pub mod exit;
pub mod filter;
pub mod history;
pub mod host;
pub mod listener;
pub mod model;
pub mod pacer;
pub mod probe;
pub mod render;
pub mod source;
pub mod store;
pub mod time;
pub mod top;
pub mod tui;
pub mod wire;
