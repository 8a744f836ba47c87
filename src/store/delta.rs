//! What changed between two samples' sections, and how to apply it: pure,
//! no I/O.
//!
//! A [`Delta`] lists, per section, the keys that are new or whose value
//! was replaced whole (`put`), the keys whose object changed in some leaves
//! (`patch`, holding only those leaves, recursively, and `add`, the
//! integers that are shorter written as a change: counters), and the keys
//! that are gone. A section or key that did not change is not mentioned at all, so
//! it costs nothing. A JSON null in a patch is a value like any other, not
//! a deletion: an object that lost a field (at any depth) is `put` whole
//! instead of patched.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Sections;

/// The changes from one sample's sections to the next.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delta {
    /// Sections that changed or are new (a new section may be empty).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sections: BTreeMap<String, SectionDelta>,
    /// Sections no longer present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gone: Vec<String>,
}

/// The changes within one section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDelta {
    /// New keys, and keys whose value is replaced whole.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub put: BTreeMap<String, Value>,
    /// Keys whose object changed: only the leaves that changed, merged
    /// into the object (an object in the patch merges into an object in
    /// the value; anything else replaces).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub patch: BTreeMap<String, Map<String, Value>>,
    /// Keys whose object has integer fields that changed by less than
    /// their new value takes to write: the amount to add to each, in a
    /// tree of the object's shape. Applied after `patch`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub add: BTreeMap<String, Map<String, Value>>,
    /// Keys no longer present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gone: Vec<String>,
}

impl Delta {
    /// No change at all.
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty() && self.gone.is_empty()
    }
}

impl SectionDelta {
    fn is_empty(&self) -> bool {
        self.put.is_empty() && self.patch.is_empty() && self.add.is_empty() && self.gone.is_empty()
    }
}

/// Visits the keys of two sorted maps in order, with the value each has.
fn walk<'a, V>(
    old: &'a BTreeMap<String, V>,
    new: &'a BTreeMap<String, V>,
    mut f: impl FnMut(&'a String, Option<&'a V>, Option<&'a V>),
) {
    let mut a = old.iter().peekable();
    let mut b = new.iter().peekable();
    loop {
        match (a.peek(), b.peek()) {
            (Some((ka, va)), Some((kb, vb))) => match ka.cmp(kb) {
                std::cmp::Ordering::Less => {
                    f(ka, Some(va), None);
                    a.next();
                }
                std::cmp::Ordering::Greater => {
                    f(kb, None, Some(vb));
                    b.next();
                }
                std::cmp::Ordering::Equal => {
                    f(ka, Some(va), Some(vb));
                    a.next();
                    b.next();
                }
            },
            (Some((ka, va)), None) => {
                f(ka, Some(va), None);
                a.next();
            }
            (None, Some((kb, vb))) => {
                f(kb, None, Some(vb));
                b.next();
            }
            (None, None) => break,
        }
    }
}

/// The delta that turns `old` into `new`.
pub fn diff(old: &Sections, new: &Sections) -> Delta {
    diff_unless(old, new, &|_, _| false)
}

/// [`diff`], taking the caller's word that the records for which
/// `unchanged(section, key)` holds are equal in `old` and `new`: they are not
/// compared. A recorder knows which processes did not run; comparing their
/// records field by field was a third of its CPU.
pub fn diff_unless(
    old: &Sections,
    new: &Sections,
    unchanged: &dyn Fn(&str, &str) -> bool,
) -> Delta {
    diff_chained(old, new, unchanged, &|_| false)
}

/// [`diff_unless`] of the sections for which `transient(name)` does not
/// hold: the others are stored whole with each sample, outside the chain
/// of deltas.
pub fn diff_chained(
    old: &Sections,
    new: &Sections,
    unchanged: &dyn Fn(&str, &str) -> bool,
    transient: &dyn Fn(&str) -> bool,
) -> Delta {
    let mut delta = Delta::default();
    walk(old, new, |name, before, after| match (before, after) {
        _ if transient(name) => {}
        (None, Some(section)) => {
            delta.sections.insert(
                name.clone(),
                SectionDelta {
                    put: section.clone(),
                    ..SectionDelta::default()
                },
            );
        }
        (Some(before), Some(section)) => {
            let d = diff_section(before, section, &|key| unchanged(name, key));
            if !d.is_empty() {
                delta.sections.insert(name.clone(), d);
            }
        }
        (Some(_), None) => delta.gone.push(name.clone()),
        (None, None) => {}
    });
    delta
}

fn diff_section(
    old: &BTreeMap<String, Value>,
    new: &BTreeMap<String, Value>,
    unchanged: &dyn Fn(&str) -> bool,
) -> SectionDelta {
    let mut d = SectionDelta::default();
    walk(old, new, |key, before, value| match (before, value) {
        (Some(_), Some(_)) if unchanged(key) => {}
        (None, Some(value)) => {
            d.put.insert(key.clone(), value.clone());
        }
        (Some(Value::Object(b)), Some(Value::Object(v))) => match diff_object(b, v) {
            Some(o) => {
                if !o.set.is_empty() {
                    d.patch.insert(key.clone(), o.set);
                }
                if !o.add.is_empty() {
                    d.add.insert(key.clone(), o.add);
                }
            }
            None => {
                d.put.insert(key.clone(), Value::Object(v.clone()));
            }
        },
        (Some(before), Some(value)) => {
            if before != value {
                d.put.insert(key.clone(), value.clone());
            }
        }
        (Some(_), None) => d.gone.push(key.clone()),
        (None, None) => {}
    });
    d
}

/// How one object differs from another: leaves to set, and integer leaves
/// to add to, each as a tree of the object's shape.
#[derive(Default)]
struct ObjectDiff {
    set: Map<String, Value>,
    add: Map<String, Value>,
}

/// How `new` differs from `old`, or None when `old` has a field (at any
/// depth) that `new` lacks: a merge cannot remove it.
fn diff_object(old: &Map<String, Value>, new: &Map<String, Value>) -> Option<ObjectDiff> {
    let mut d = ObjectDiff::default();
    // Objects of one kind have their fields in the same order: pair them
    // without looking any up.
    if old.len() == new.len() && old.keys().zip(new.keys()).all(|(a, b)| a == b) {
        for ((k, b), v) in old.iter().zip(new.values()) {
            diff_leaf(&mut d, k, Some(b), v)?;
        }
        return Some(d);
    }
    if old.keys().any(|k| !new.contains_key(k)) {
        return None;
    }
    for (k, v) in new {
        diff_leaf(&mut d, k, old.get(k), v)?;
    }
    Some(d)
}

fn diff_leaf(d: &mut ObjectDiff, k: &str, old: Option<&Value>, new: &Value) -> Option<()> {
    match (old, new) {
        (Some(Value::Object(b)), Value::Object(o)) => {
            let sub = diff_object(b, o)?;
            if !sub.set.is_empty() {
                d.set.insert(k.to_string(), Value::Object(sub.set));
            }
            if !sub.add.is_empty() {
                d.add.insert(k.to_string(), Value::Object(sub.add));
            }
        }
        (Some(b), _) if b == new => {}
        (Some(b), _) => match increment(b, new) {
            Some(inc) => {
                d.add.insert(k.to_string(), inc);
            }
            None => {
                d.set.insert(k.to_string(), new.clone());
            }
        },
        (None, _) => {
            d.set.insert(k.to_string(), new.clone());
        }
    }
    Some(())
}

fn integer(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .map(i128::from)
            .or_else(|| n.as_i64().map(i128::from)),
        _ => None,
    }
}

/// Digits and sign of an integer in JSON.
fn json_len(n: i128) -> usize {
    let mut len = usize::from(n < 0) + 1;
    let mut m = n.unsigned_abs() / 10;
    while m > 0 {
        len += 1;
        m /= 10;
    }
    len
}

/// What to add to integer `old` to make integer `new`, if that is shorter
/// to write than `new` (a counter that grew, a gauge that moved a little).
fn increment(old: &Value, new: &Value) -> Option<Value> {
    let (o, n) = (integer(old)?, integer(new)?);
    let inc = i64::try_from(n - o).ok()?;
    (json_len(i128::from(inc)) < json_len(n)).then(|| Value::from(inc))
}

/// A delta that does not fit the state it is applied to: the frames were
/// not written from this state. The format's reader reports it as damage.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Mismatch(pub String);

/// Applies `delta` to `state`. A delta that does not fit the state (a
/// patch or removal of a key that is not there) is an error: the frames
/// were not written from this state.
pub fn apply(state: &mut Sections, delta: Delta) -> Result<(), Mismatch> {
    for name in delta.gone {
        if state.remove(&name).is_none() {
            return Err(Mismatch(format!(
                "a delta removes section {name:?}, which is not there"
            )));
        }
    }
    for (name, d) in delta.sections {
        let section = state.entry(name).or_default();
        for key in d.gone {
            if section.remove(&key).is_none() {
                return Err(Mismatch(format!(
                    "a delta removes key {key:?}, which is not there"
                )));
            }
        }
        section.extend(d.put);
        for (key, patch) in d.patch {
            match section.get_mut(&key) {
                Some(Value::Object(target)) => merge(target, patch),
                _ => return Err(no_object("patches", &key)),
            }
        }
        for (key, add) in d.add {
            match section.get_mut(&key) {
                Some(Value::Object(target)) => add_to(target, add)?,
                _ => return Err(no_object("adds to", &key)),
            }
        }
    }
    Ok(())
}

fn no_object(what: &str, key: &str) -> Mismatch {
    Mismatch(format!("a delta {what} key {key:?}, which holds no object"))
}

fn merge(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        match (target.get_mut(&k), v) {
            (Some(Value::Object(t)), Value::Object(p)) => merge(t, p),
            (_, v) => {
                target.insert(k, v);
            }
        }
    }
}

fn add_to(target: &mut Map<String, Value>, add: Map<String, Value>) -> Result<(), Mismatch> {
    for (k, v) in add {
        let sum = match (target.get_mut(&k), v) {
            (Some(Value::Object(t)), Value::Object(a)) => {
                add_to(t, a)?;
                continue;
            }
            (Some(t), v) => integer(t)
                .zip(v.as_i64())
                .map(|(t, v)| t + i128::from(v))
                .and_then(|n| {
                    u64::try_from(n)
                        .map(Value::from)
                        .or_else(|_| i64::try_from(n).map(Value::from))
                        .ok()
                }),
            (None, _) => None,
        };
        match sum {
            Some(n) => {
                target.insert(k, n);
            }
            None => {
                return Err(Mismatch(format!(
                    "a delta adds to field {k:?}, which holds no integer it can add to"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sections(v: Value) -> Sections {
        serde_json::from_value(v).unwrap()
    }

    fn round_trip(old: &Sections, new: &Sections) -> Delta {
        let d = diff(old, new);
        let mut state = old.clone();
        apply(&mut state, d.clone()).unwrap();
        assert_eq!(&state, new, "delta {d:?}");
        d
    }

    /// Records the caller vouches for are skipped, the rest compared, and
    /// the delta still turns old into new.
    #[test]
    fn records_said_unchanged_are_not_compared() {
        let old = sections(json!({"p": {"1": {"a": 1}, "2": {"a": 2}}, "e": {"9": {"x": 1}}}));
        let new = sections(
            json!({"p": {"1": {"a": 1}, "2": {"a": 3}, "3": {"a": 4}}, "e": {"9": {"x": 1}}}),
        );
        let said = |section: &str, key: &str| section == "p" && key == "1";
        let d = diff_unless(&old, &new, &said);
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::to_value(diff(&old, &new)).unwrap(),
            "an unchanged record adds nothing to the delta either way"
        );
        let mut state = old.clone();
        apply(&mut state, d).unwrap();
        assert_eq!(state, new);
        // Only records present in both can be vouched for: a new one is put.
        let d = diff_unless(&old, &new, &|_, k| k == "3");
        let mut state = old.clone();
        apply(&mut state, d).unwrap();
        assert_eq!(state, new);
    }

    #[test]
    fn unchanged_is_empty() {
        let s = sections(json!({"p": {"1": {"a": 1, "b": {"c": null}}}, "e": {}}));
        assert!(round_trip(&s, &s).is_empty());
        assert_eq!(serde_json::to_string(&diff(&s, &s)).unwrap(), "{}");
    }

    #[test]
    fn only_changed_leaves() {
        let old = sections(json!({"p": {"1": {"a": 1, "b": {"c": 2, "d": 3}, "e": [1]}}}));
        let new = sections(json!({"p": {"1": {"a": 1, "b": {"c": 2, "d": 4}, "e": [1]}}}));
        let d = round_trip(&old, &new);
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            json!({"sections": {"p": {"patch": {"1": {"b": {"d": 4}}}}}})
        );
    }

    #[test]
    fn integers_that_moved_little_are_added_to() {
        let old = sections(json!({"p": {"1": {
            "ns": 123_456_789_000u64, "small": 3, "gauge": 1_000_000, "top": u64::MAX,
            "neg": -5, "far": -5, "io": {"bytes": 40_960_000}, "f": 1.5,
        }}}));
        let new = sections(json!({"p": {"1": {
            "ns": 123_456_999_000u64, "small": 4, "gauge": 999_990, "top": u64::MAX - 5,
            "neg": -7, "far": u64::MAX, "io": {"bytes": 40_964_096}, "f": 2.5,
        }}}));
        let d = round_trip(&old, &new);
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            json!({"sections": {"p": {
                "patch": {"1": {"small": 4, "neg": -7, "far": u64::MAX, "f": 2.5}},
                "add": {"1": {"ns": 210_000, "gauge": -10, "top": -5, "io": {"bytes": 4096}}},
            }}})
        );
    }

    #[test]
    fn null_is_a_value() {
        let old = sections(json!({"p": {"1": {"a": 1, "b": null}}}));
        let new = sections(json!({"p": {"1": {"a": null, "b": 2}}}));
        let d = round_trip(&old, &new);
        assert_eq!(
            d.sections["p"].patch["1"],
            *json!({"a": null, "b": 2}).as_object().unwrap()
        );
    }

    #[test]
    fn removed_field_puts_the_whole_object() {
        let old = sections(json!({"p": {"1": {"a": 1, "b": {"c": 1, "d": 2}}}}));
        let new = sections(json!({"p": {"1": {"a": 1, "b": {"c": 1}}}}));
        let d = round_trip(&old, &new);
        assert!(d.sections["p"].put.contains_key("1"));
    }

    #[test]
    fn new_gone_and_type_changes() {
        let old = sections(json!({
            "p": {"1": {"a": 1}, "2": {"a": 2}, "3": 5, "4": {"x": {"y": 1}}},
            "old": {"k": {}},
        }));
        let new = sections(json!({
            "p": {"1": {"a": 1}, "3": {"a": 3}, "4": {"x": 7}, "5": {"a": 5}},
            "new": {},
        }));
        let d = round_trip(&old, &new);
        assert_eq!(d.gone, ["old"]);
        assert_eq!(d.sections["p"].gone, ["2"]);
        assert!(d.sections["new"].is_empty());
        // And back.
        round_trip(&new, &old);
        round_trip(&Sections::new(), &old);
        round_trip(&old, &Sections::new());
    }

    #[test]
    fn deltas_that_do_not_fit_are_errors() {
        let mut state = sections(json!({"p": {"1": 3}}));
        for d in [
            json!({"gone": ["q"]}),
            json!({"sections": {"p": {"gone": ["2"]}}}),
            json!({"sections": {"p": {"patch": {"1": {"a": 1}}}}}),
            json!({"sections": {"p": {"patch": {"2": {"a": 1}}}}}),
            json!({"sections": {"p": {"add": {"1": {"a": 1}}}}}),
        ] {
            let d: Delta = serde_json::from_value(d).unwrap();
            assert!(apply(&mut state, d).is_err());
        }
        let mut state = sections(json!({"p": {"1": {"a": "x", "n": u64::MAX, "m": i64::MIN}}}));
        for d in [
            json!({"sections": {"p": {"add": {"1": {"a": 1}}}}}),
            json!({"sections": {"p": {"add": {"1": {"b": 1}}}}}),
            json!({"sections": {"p": {"add": {"1": {"n": 1}}}}}),
            json!({"sections": {"p": {"add": {"1": {"m": -1}}}}}),
            json!({"sections": {"p": {"add": {"1": {"n": 1.5}}}}}),
            json!({"sections": {"p": {"add": {"1": {"n": {"x": 1}}}}}}),
        ] {
            let d: Delta = serde_json::from_value(d).unwrap();
            assert!(apply(&mut state, d).is_err());
        }
    }
}
