//! One integration-test binary (one link on a 2-core machine), a module per area.

mod cgroup;
mod cli;
mod common;
mod kernel;
mod packaging;
mod wire;
