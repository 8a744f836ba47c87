//! top's rows and rates, live and over the stored history.
pub mod stored;
