//! The history store's content: the typed stored sample ([`sample`]), the
//! recorder that writes it ([`recorder`]) and the reader that yields it
//! ([`reader`]). The store's framing (files, deltas, keyframes) is
//! [`crate::store`]'s.

pub mod reader;
pub mod recorder;
pub mod sample;
