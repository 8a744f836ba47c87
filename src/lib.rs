//! taskstat: Linux per-task statistics from the kernel's taskstats interface.
//!
//! The data path runs one way: a request and the kernel's bytes ([`wire`],
//! pure decoding; [`client`], the socket), a typed record and what is
//! computed from it ([`model`]), a renderer ([`render`]). [`source`]
//! combines the kernel's records with /proc where a process needs both. [`host`] holds the
//! facts about the machine that choose the tasks and explain the figures;
//! [`store`] keeps samples on disk for `record`, `replay` and `dump`;
//! [`cli`] declares the command line and [`exit`] the exit statuses;
//! [`probe`] finds out what the running kernel does where its struct
//! version does not say. [`top`] is top's engine (sampler, grouper,
//! baseline) and [`tui`] the full-screen mode top and replay share;
//! [`filter`] is the task filter of top, listen, replay and dump, and
//! [`pacer`] bounds how fast a sweep queries the kernel.

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
