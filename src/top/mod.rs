//! The engine of `top`: which tasks, their samples, and the rows computed
//! between two of them.
//!
//! [`live`] samples the kernel's records of the tasks the
//! [`crate::filter`] keeps; [`grouper`] sums them per key (`--by`), exits
//! included;
//! [`baseline`] turns two samples into rows of rates or totals; [`view`]
//! is the full-screen view's state between refreshes; [`stored`] makes the
//! same rows from two stored samples, for `replay`.

pub mod baseline;
pub mod grouper;
pub mod live;
pub mod stored;
pub mod view;
