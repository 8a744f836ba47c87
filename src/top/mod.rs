//! The engine of `top`: which tasks, their samples, and the rows computed
//! between two of them.
//!
//! [`live`] samples the kernel's records of the tasks the
//! [`crate::filter`] keeps; [`grouper`] sums them per key (`--by`), exits
//! included;
//! [`baseline`] turns two samples into rows of rates or totals; [`view`]
//! is top's full-screen view between refreshes; [`stored`] makes the
//! same rows from two stored samples, for `replay`, and [`replay_view`] is
//! replay's full-screen view as it moves through them.

pub mod baseline;
pub mod grouper;
pub mod live;
pub mod replay_view;
pub mod stored;
pub mod view;
