//! A record as csv columns: nested keys joined with dots, in schema order,
//! read straight from `Serialize` (no intermediate JSON value).
//!
//! A column holds a number as JSON writes it, a string as it is, an empty
//! field for null, and a list as its items joined with "; " (strings as they
//! are, anything else as compact JSON).

use std::io;

use serde::ser::{self, Error as _, Impossible, Serialize};
// serde_json's error: the flattening fails where JSON would.
use serde_json::Error;

fn unsupported(what: &str) -> Error {
    Error::custom(format!("{what} has no place in taskstat's output"))
}

/// (column, value) pairs of `value`, in the order its fields serialise.
pub fn columns<T: Serialize + ?Sized>(value: &T) -> io::Result<Vec<(String, String)>> {
    let mut f = Flat {
        cols: Vec::with_capacity(128),
        prefix: String::new(),
    };
    value.serialize(&mut f).map_err(io::Error::from)?;
    Ok(f.cols)
}

struct Flat {
    cols: Vec<(String, String)>,
    /// The dotted key of the value being written.
    prefix: String,
}

impl Flat {
    fn put(&mut self, v: String) {
        self.cols.push((self.prefix.clone(), v));
    }

    /// Descends into `key`, runs `f`, and comes back up.
    fn within(&mut self, key: &str, f: impl FnOnce(&mut Self) -> Res) -> Res {
        let len = self.prefix.len();
        if len > 0 {
            self.prefix.push('.');
        }
        self.prefix.push_str(key);
        let r = f(self);
        self.prefix.truncate(len);
        r
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Res {
        self.within(key, |f| {
            let before = f.cols.len();
            value.serialize(&mut *f)?;
            // A null max_at still gives both of its columns, so that every
            // row of a stream has the same header.
            if key == "max_at" && f.cols.len() == before + 1 && f.cols[before].1.is_empty() {
                f.cols.pop();
                for part in ["sec", "nsec"] {
                    f.within(part, |f| {
                        f.put(String::new());
                        Ok(())
                    })?;
                }
            }
            Ok(())
        })
    }
}

type Res = Result<(), Error>;

/// One csv line (RFC 4180, `\n`-terminated), as the csv crate writes it:
/// a field is quoted, its quotes doubled, when it holds a comma, a quote or
/// a line break. csv-core, the csv crate's own writer, needs no buffer of
/// its own: `listen -f csv` writes a line per exit, and the csv crate's
/// Writer would allocate and zero 8 KB for each.
pub fn csv_line<'a>(out: &mut Vec<u8>, fields: impl IntoIterator<Item = &'a str>) {
    let mut w = csv_core::WriterBuilder::new()
        .terminator(csv_core::Terminator::Any(b'\n'))
        .build();
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            // An end quote and the comma.
            spill(out, 2, |o| w.delimiter(o));
        }
        // csv-core's bound: every byte a doubled quote, and two quotes.
        let room = 2 + 2 * field.len();
        spill(out, room, |o| {
            let (res, _, n) = w.field(field.as_bytes(), o);
            (res, n)
        });
    }
    spill(out, 3, |o| w.terminator(o));
}

/// Runs a csv-core step on `room` spare bytes at the end of `out`, then keeps
/// only what it wrote. Each caller gives the step's documented worst case,
/// so it never stops short.
fn spill(
    out: &mut Vec<u8>,
    room: usize,
    step: impl FnOnce(&mut [u8]) -> (csv_core::WriteResult, usize),
) {
    let start = out.len();
    out.resize(start + room, 0);
    let (_, n) = step(&mut out[start..]);
    out.truncate(start + n);
}

macro_rules! integers {
    ($($name:ident: $t:ty),*) => {$(
        fn $name(self, v: $t) -> Res {
            self.put(itoa::Buffer::new().format(v).to_string());
            Ok(())
        }
    )*};
}

impl<'f> ser::Serializer for &'f mut Flat {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = List<'f>;
    type SerializeTuple = List<'f>;
    type SerializeTupleStruct = List<'f>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Fields<'f>;
    type SerializeStruct = Fields<'f>;
    type SerializeStructVariant = Impossible<(), Error>;

    integers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
              serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64);

    fn serialize_bool(self, v: bool) -> Res {
        self.put(v.to_string());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Res {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Res {
        // JSON's text of the number; JSON has no infinities or NaN: null.
        self.put(if v.is_finite() {
            serde_json::to_string(&v)?
        } else {
            String::new()
        });
        Ok(())
    }
    fn serialize_char(self, v: char) -> Res {
        self.put(v.to_string());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Res {
        self.put(v.to_string());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Res {
        ser::Serializer::collect_seq(self, v)
    }
    fn serialize_none(self) -> Res {
        self.put(String::new());
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Res {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Res {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Res {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Res {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Res {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Res {
        self.field(variant, value)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<List<'f>, Error> {
        Ok(List {
            flat: self,
            items: Vec::new(),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<List<'f>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<List<'f>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(unsupported("a tuple variant"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Fields<'f>, Error> {
        Ok(Fields {
            flat: self,
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'f>, Error> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(unsupported("a struct variant"))
    }
}

/// A list: one column, its items joined.
pub struct List<'f> {
    flat: &'f mut Flat,
    items: Vec<String>,
}

impl ser::SerializeSeq for List<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        // A string item as it is, without its JSON quotes and escapes.
        self.items.push(match serde_json::to_value(value)? {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        });
        Ok(())
    }
    fn end(self) -> Res {
        self.flat.put(self.items.join("; "));
        Ok(())
    }
}

impl ser::SerializeTuple for List<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Res {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for List<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Res {
        ser::SerializeSeq::end(self)
    }
}

/// An object or map: its fields under the prefix.
pub struct Fields<'f> {
    flat: &'f mut Flat,
    key: Option<String>,
}

impl ser::SerializeMap for Fields<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Res {
        // A map key as JSON gives it: numbers become strings.
        self.key = Some(match serde_json::to_value(key)? {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err(unsupported("a map key that is not a string")),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        let key = self.key.take().unwrap_or_default();
        self.flat.field(&key, value)
    }
    fn end(self) -> Res {
        Ok(())
    }
}

impl ser::SerializeStruct for Fields<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Res {
        self.flat.field(key, value)
    }
    fn end(self) -> Res {
        Ok(())
    }
}

#[cfg(test)]
mod csv_tests {
    use proptest::prelude::*;

    fn by_csv_crate(fields: &[String]) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        w.write_record(fields).expect("write");
        w.into_inner().expect("flush")
    }

    proptest! {
        // Names and cgroup paths hold anything: quotes, commas, line breaks.
        // Every record has columns, so no line has no fields.
        #[test]
        fn lines_are_the_csv_crates_bytes(fields in prop::collection::vec("[a-z\",\n\r \u{e9}]{0,12}", 1..6)) {
            let mut out = b"kept".to_vec();
            super::csv_line(&mut out, fields.iter().map(String::as_str));
            let mut want = b"kept".to_vec();
            want.extend(by_csv_crate(&fields));
            prop_assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(&want));
        }
    }
}
