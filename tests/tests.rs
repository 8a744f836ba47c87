//! One integration-test binary (one link on a 2-core machine), a module per area.

mod cgroup;
mod cli;
mod kernel;
mod packaging;
mod common;
mod wire;
