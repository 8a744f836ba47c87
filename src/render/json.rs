//! JSON text from any `Serialize` value, written straight into a byte
//! buffer: compact (one line, for ndjson and JSON streams) or indented as
//! serde_json's pretty printer indents.
//!
//! serde_json writes each token through `io::Write` and escapes every key
//! byte by byte; for a listen record (2 KB, 120 keys) that was most of the
//! per-record cost (bench/listen.sh). Here a key or string without anything
//! to escape is one copy, numbers go through itoa and zmij as in serde_json,
//! and the output is byte for byte what serde_json writes (tests below).

use std::io;
use std::sync::OnceLock;

use serde::ser::{self, Impossible, Serialize};

use super::sink::Sink;
use crate::record::view::ALL_NULL_DELAY;

/// Appends `value` as compact JSON.
pub fn compact<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> io::Result<()> {
    write(out, value, false)
}

/// Appends `value` as indented JSON (two spaces), without a final newline.
pub fn pretty<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> io::Result<()> {
    write(out, value, true)
}

fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T, pretty: bool) -> io::Result<()> {
    let mut w = Writer {
        out: Sink::new(out),
        pretty,
        depth: 0,
    };
    let r = value.serialize(&mut w);
    w.out.flush();
    r.map_err(io::Error::from)
}

/// The text of a JSON string (`"a\\nb"` gives `a` newline `b`), or None for
/// any other JSON text.
pub fn unquote(text: &[u8]) -> Option<String> {
    if text.first() != Some(&b'"') {
        return None;
    }
    serde_json::from_slice(text).ok()
}

/// A map key as the text JSON gives it (numbers become strings).
pub fn key_text<T: Serialize + ?Sized>(key: &T) -> Result<String, Error> {
    let mut text = Vec::new();
    let mut sink = Sink::new(&mut text);
    key.serialize(MapKey(&mut sink))?;
    sink.flush();
    unquote(&text).ok_or_else(|| Error::unsupported("a map key that is not a string"))
}

/// Why a value has no JSON form.
#[derive(Debug)]
pub struct Error(String);

impl Error {
    pub fn unsupported(what: &str) -> Error {
        Error(format!("{what} has no place in taskstat's output"))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error(e.to_string())
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

/// The compact text of an all-null delay category, written once and then
/// copied (see [`ALL_NULL_DELAY`]).
static ALL_NULL_DELAY_TEXT: OnceLock<Box<[u8]>> = OnceLock::new();

struct Writer<'a> {
    out: Sink<'a>,
    pretty: bool,
    depth: usize,
}

/// What JSON requires escaped: the quote, the backslash and control bytes.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// A high bit in each byte of `x` (eight bytes, little-endian) that is
/// below 0x20, '"' or '\\' (exact for the first such byte; later ones may
/// be false positives, which the caller checks byte by byte).
#[inline(always)]
fn escape_mask(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    below(x, 0x20)
        | below(x ^ (ONES * u64::from(b'"')), 1)
        | below(x ^ (ONES * u64::from(b'\\')), 1)
}

/// The eight bytes at `at`, if there are eight.
#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    bytes
        .get(at..at + 8)
        .and_then(|c| <[u8; 8]>::try_from(c).ok())
        .map(u64::from_le_bytes)
}

/// The index of the first byte at or after `from` that needs escaping.
/// Sixteen bytes at a time: a record's strings are mostly long notes and
/// names with nothing to escape.
fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    let mut found = false;
    while let (Some(a), Some(b)) = (word_at(bytes, i), word_at(bytes, i + 8)) {
        if escape_mask(a) | escape_mask(b) != 0 {
            found = true;
            break;
        }
        i += 16;
    }
    // Under 16 bytes left: the word at i and the last word, which may
    // overlap it and what was checked, cover them.
    if !found
        && let (Some(a), Some(b)) = (
            word_at(bytes, i),
            bytes.len().checked_sub(8).and_then(|l| word_at(bytes, l)),
        )
        && escape_mask(a) | escape_mask(b) == 0
    {
        return None;
    }
    bytes
        .get(i..)?
        .iter()
        .position(|&b| needs_escape(b))
        .map(|p| i + p)
}

fn string(out: &mut Sink, s: &str) {
    out.byte(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut at = 0;
    while let Some(i) = next_escape(bytes, at) {
        at = i + 1;
        let b = bytes[i];
        out.put(&bytes[start..i]);
        start = i + 1;
        match b {
            b'"' => out.put(b"\\\""),
            b'\\' => out.put(b"\\\\"),
            b'\n' => out.put(b"\\n"),
            b'\r' => out.put(b"\\r"),
            b'\t' => out.put(b"\\t"),
            0x08 => out.put(b"\\b"),
            0x0c => out.put(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.put(b"\\u00");
                out.byte(HEX[usize::from(b >> 4)]);
                out.byte(HEX[usize::from(b & 0xf)]);
            }
        }
    }
    out.put(&bytes[start..]);
    out.byte(b'"');
}

impl<'a> Writer<'a> {
    fn newline(&mut self) {
        self.out.byte(b'\n');
        for _ in 0..self.depth {
            self.out.put(b"  ");
        }
    }

    fn open<'w>(&'w mut self, bracket: u8) -> Compound<'w, 'a> {
        self.out.byte(bracket);
        self.depth += 1;
        Compound {
            w: self,
            first: true,
        }
    }

    /// `{"variant": ` and the bracket of its fields.
    fn variant<'w>(&'w mut self, name: &str, bracket: u8) -> Variant<'w, 'a> {
        let mut outer = self.open(b'{');
        outer.key(name);
        Variant::new(outer, bracket)
    }

    #[inline(always)]
    fn integer<I: itoa::Integer>(&mut self, v: I) {
        self.out.put(itoa::Buffer::new().format(v).as_bytes());
    }

    fn float(&mut self, v: f64, f32: Option<f32>) {
        if !v.is_finite() {
            self.out.put(b"null");
            return;
        }
        let mut b = zmij::Buffer::new();
        let text = match f32 {
            Some(f) => b.format_finite(f),
            None => b.format_finite(v),
        };
        self.out.put(text.as_bytes());
    }
}

/// An array or object being written.
struct Compound<'w, 'a> {
    w: &'w mut Writer<'a>,
    first: bool,
}

impl Compound<'_, '_> {
    /// The separator before an element or key.
    #[inline(always)]
    fn next(&mut self) {
        if !std::mem::replace(&mut self.first, false) {
            self.w.out.byte(b',');
        }
        if self.w.pretty {
            self.w.newline();
        }
    }

    fn close(self, bracket: u8) {
        self.w.depth -= 1;
        if self.w.pretty && !self.first {
            self.w.newline();
        }
        self.w.out.byte(bracket);
    }

    /// A struct field's name. These come from the schema's source, never
    /// from data, and none needs escaping (the tests compare whole records
    /// with serde_json's output), so they are copied as they are.
    #[inline(always)]
    fn key(&mut self, key: &str) {
        self.next();
        debug_assert!(!key.bytes().any(needs_escape), "{key}");
        let out = &mut self.w.out;
        out.key(key.as_bytes());
        if self.w.pretty {
            out.byte(b' ');
        }
    }
}

type Res = Result<(), Error>;

/// `serialize_<int>` methods: the number's digits, as they are.
macro_rules! integers {
    ($($name:ident: $t:ty),* $(,)?) => {$(
        #[inline(always)]
        fn $name(self, v: $t) -> Res {
            self.integer(v);
            Ok(())
        }
    )*};
}

impl<'w, 'a> ser::Serializer for &'w mut Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Variant<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Variant<'w, 'a>;

    fn serialize_bool(self, v: bool) -> Res {
        self.out.put(if v { b"true" } else { b"false" });
        Ok(())
    }
    integers! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    }
    fn serialize_f32(self, v: f32) -> Res {
        self.float(f64::from(v), Some(v));
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Res {
        self.float(v, None);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Res {
        string(&mut self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Res {
        string(&mut self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Res {
        let mut seq = self.open(b'[');
        for b in v {
            seq.next();
            seq.w.integer(*b);
        }
        seq.close(b']');
        Ok(())
    }
    #[inline(always)]
    fn serialize_none(self) -> Res {
        self.out.put(b"null");
        Ok(())
    }
    #[inline(always)]
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Res {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Res {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Res {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Res {
        // A variant's name, like a field's, comes from the schema's source.
        debug_assert!(!variant.bytes().any(needs_escape), "{variant}");
        self.out.byte(b'"');
        self.out.put(variant.as_bytes());
        self.out.byte(b'"');
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Res {
        // Indented text depends on the depth; only the compact one is kept.
        if name == ALL_NULL_DELAY && !self.pretty {
            if let Some(text) = ALL_NULL_DELAY_TEXT.get() {
                self.out.put(text);
                return Ok(());
            }
            let mut text = Vec::new();
            compact(&mut text, value)?;
            self.out.put(&text);
            let _ = ALL_NULL_DELAY_TEXT.set(text.into());
            return Ok(());
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Res {
        let mut obj = self.open(b'{');
        obj.key(variant);
        value.serialize(&mut *obj.w)?;
        obj.close(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        Ok(self.open(b'['))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'w, 'a>, Error> {
        Ok(self.open(b'['))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'w, 'a>, Error> {
        Ok(self.open(b'['))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Variant<'w, 'a>, Error> {
        Ok(self.variant(variant, b'['))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        Ok(self.open(b'{'))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'w, 'a>, Error> {
        Ok(self.open(b'{'))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Variant<'w, 'a>, Error> {
        Ok(self.variant(variant, b'{'))
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        self.next();
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Res {
        self.close(b']');
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Res {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Res {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Res {
        self.next();
        key.serialize(MapKey(&mut self.w.out))?;
        self.w.out.put(if self.w.pretty { b": " } else { b":" });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Res {
        self.close(b'}');
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    #[inline(always)]
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Res {
        self.key(key);
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Res {
        self.close(b'}');
        Ok(())
    }
}

/// A variant with fields: `{"variant": [..]}` or `{"variant": {..}}`.
struct Variant<'w, 'a> {
    outer: Compound<'w, 'a>,
    inner_first: bool,
    bracket: u8,
}

impl<'w, 'a> Variant<'w, 'a> {
    fn new(outer: Compound<'w, 'a>, bracket: u8) -> Self {
        outer.w.out.byte(bracket);
        outer.w.depth += 1;
        Variant {
            outer,
            inner_first: true,
            bracket,
        }
    }

    fn next(&mut self) {
        if !std::mem::replace(&mut self.inner_first, false) {
            self.outer.w.out.byte(b',');
        }
        if self.outer.w.pretty {
            self.outer.w.newline();
        }
    }

    fn end(self) {
        let w = &mut *self.outer.w;
        w.depth -= 1;
        if w.pretty && !self.inner_first {
            w.newline();
        }
        w.out.byte(if self.bracket == b'[' { b']' } else { b'}' });
        self.outer.close(b'}');
    }
}

impl ser::SerializeTupleVariant for Variant<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        self.next();
        value.serialize(&mut *self.outer.w)
    }
    fn end(self) -> Res {
        Variant::end(self);
        Ok(())
    }
}

impl ser::SerializeStructVariant for Variant<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Res {
        self.next();
        string(&mut self.outer.w.out, key);
        let sep: &[u8] = if self.outer.w.pretty { b": " } else { b":" };
        self.outer.w.out.put(sep);
        value.serialize(&mut *self.outer.w)
    }
    fn end(self) -> Res {
        Variant::end(self);
        Ok(())
    }
}

/// Map keys are strings in JSON: strings as they are, numbers and booleans
/// quoted (as serde_json does); anything else has no key form.
struct MapKey<'s, 'a>(&'s mut Sink<'a>);

impl MapKey<'_, '_> {
    fn quoted(self, text: &str) -> Res {
        string(self.0, text);
        Ok(())
    }
    fn refuse<T>() -> Result<T, Error> {
        Err(Error(
            "a JSON object key must be a string or a number".into(),
        ))
    }
}

/// Map-key `serialize_<int>` methods: the number, quoted.
macro_rules! quoted_integers {
    ($($name:ident: $t:ty),* $(,)?) => {$(
        fn $name(self, v: $t) -> Res {
            self.quoted(itoa::Buffer::new().format(v))
        }
    )*};
}

impl ser::Serializer for MapKey<'_, '_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Res {
        self.quoted(v)
    }
    fn serialize_char(self, v: char) -> Res {
        self.quoted(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Res {
        self.quoted(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Res {
        value.serialize(self)
    }
    fn serialize_bool(self, v: bool) -> Res {
        self.quoted(if v { "true" } else { "false" })
    }
    quoted_integers! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64
    }
    fn serialize_f32(self, _: f32) -> Res {
        Self::refuse()
    }
    fn serialize_f64(self, _: f64) -> Res {
        Self::refuse()
    }
    fn serialize_bytes(self, _: &[u8]) -> Res {
        Self::refuse()
    }
    fn serialize_none(self) -> Res {
        Self::refuse()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Res {
        Self::refuse()
    }
    fn serialize_unit(self) -> Res {
        Self::refuse()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Res {
        Self::refuse()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Res {
        Self::refuse()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Self::refuse()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Self::refuse()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Self::refuse()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Self::refuse()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Self::refuse()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Self::refuse()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Self::refuse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    enum E {
        Unit,
        New(u8),
        Tup(u8, i64),
        Named { a: Option<f64>, b: Vec<u8> },
    }

    #[derive(serde::Serialize)]
    struct S<'a> {
        text: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
        none: Option<u32>,
        floats: [f64; 5],
        f32: f32,
        ints: (i8, u64, i64, u128),
        empty: Vec<u8>,
        empty_map: BTreeMap<String, u8>,
        map: BTreeMap<u32, bool>,
        enums: Vec<E>,
        nested: Vec<Vec<u8>>,
        unit: (),
    }

    fn sample(text: &str) -> S<'_> {
        S {
            text,
            kind: "pid",
            none: None,
            floats: [0.0, 1.5, -2.25e-7, f64::NAN, 1e300],
            f32: 0.1,
            ints: (-128, u64::MAX, i64::MIN, u128::MAX),
            empty: vec![],
            empty_map: BTreeMap::new(),
            map: [(3, true), (10, false)].into_iter().collect(),
            enums: vec![
                E::Unit,
                E::New(7),
                E::Tup(1, -1),
                E::Named {
                    a: Some(0.5),
                    b: vec![1, 2],
                },
                E::Named { a: None, b: vec![] },
            ],
            nested: vec![vec![], vec![1], vec![2, 3]],
            unit: (),
        }
    }

    /// Byte for byte what serde_json writes, compact and pretty, for every
    /// shape the schema can take and for every byte a name may hold.
    #[test]
    fn same_bytes_as_serde_json() {
        let all: String = (0u8..0x80).map(char::from).collect();
        for text in ["plain", "a,b\"c\nd\te;f\\", "\u{7f}é€😀", &all, ""] {
            let v = sample(text);
            let mut ours = Vec::new();
            compact(&mut ours, &v).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&v).unwrap()
            );
            let mut ours = Vec::new();
            pretty(&mut ours, &v).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string_pretty(&v).unwrap()
            );
        }
    }

    /// Records with all-null delay categories (written from a copy after
    /// the first) and with figures, of both kinds, under every setting of
    /// delay accounting: serde_json's bytes, first time and every time.
    #[test]
    fn records_same_bytes_as_serde_json() {
        use crate::record::Accounting;
        use crate::wire::{PerCategory, RawDelay, Record, RecordKind, TaskStats};
        let delay = RawDelay {
            count: Some(3),
            total_ns: Some(3_000_000_007),
            max_ns: Some(2_000_000_000),
            min_ns: Some(1),
            max_ts: None,
        };
        for kind in [RecordKind::Pid, RecordKind::Tgid] {
            for delayacct in [Some(false), Some(true), None] {
                let rec = Record {
                    kind,
                    id: 42,
                    stats: TaskStats {
                        version: 16,
                        payload_len: 560,
                        ac_pid: Some(42),
                        ac_comm: Some(b"a \"b\" \\c".to_vec()),
                        ac_utime: Some(17),
                        delays: PerCategory::from_fn(|_| delay),
                        ..TaskStats::default()
                    },
                };
                let view = rec.view(&Accounting { delayacct });
                if delayacct == Some(false) {
                    assert!(view.delays.each().any(|(_, d)| d.is_null()));
                }
                for _ in 0..2 {
                    let mut ours = Vec::new();
                    compact(&mut ours, &view).unwrap();
                    assert_eq!(
                        String::from_utf8(ours).unwrap(),
                        serde_json::to_string(&view).unwrap()
                    );
                    let mut ours = Vec::new();
                    pretty(&mut ours, &view).unwrap();
                    assert_eq!(
                        String::from_utf8(ours).unwrap(),
                        serde_json::to_string_pretty(&view).unwrap()
                    );
                }
            }
        }
    }

    /// The word-at-a-time scan finds an escape at every position and
    /// length, and passes over UTF-8 and bytes just above the limits.
    #[test]
    fn escapes_found_anywhere() {
        for len in 0..40 {
            for at in 0..len {
                for special in ['"', '\\', '\n', '\u{1f}', '\u{0}'] {
                    let s: String = (0..len)
                        .map(|i| {
                            if i == at {
                                special
                            } else {
                                ['a', ' ', '#', ']', 'é'][i % 5]
                            }
                        })
                        .collect();
                    let mut ours = Vec::new();
                    compact(&mut ours, &s).unwrap();
                    assert_eq!(ours, serde_json::to_vec(&s).unwrap(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn keys_that_are_not_strings_or_numbers_are_an_error() {
        let m: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into_iter().collect();
        assert!(compact(&mut Vec::new(), &m).is_err());
    }
}
