//! The delay categories: the one place that names them.
//!
//! Everything else (the decoder's offsets, the record schema, deltas, sums,
//! shares, sort keys, table rows, getdelays' blocks) iterates
//! [`Category::ALL`] or indexes a [`PerCategory`], so a new category is a new
//! row here plus its offsets in the decoder.

use std::ops::{Index, IndexMut};

/// A delay category, in the kernel's (and getdelays') order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Cpu,
    Blkio,
    Swapin,
    /// The kernel's `freepages_*` fields: direct reclaim.
    Freepages,
    Thrashing,
    Compact,
    Wpcopy,
    Irq,
    /// Only in the unmerged 592-byte "version 17" layout (docs/abi.md §4).
    Softirq,
}

/// What a wait is spent on, for views that fold categories into a few
/// columns (top's RUNQ%, IO%, MEM%, IRQ%).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// Waiting for a CPU (run queue).
    RunQueue,
    /// Waiting for block I/O.
    Io,
    /// Waiting on memory: swap-in, reclaim, thrashing, compaction, copy-on-write.
    Memory,
    /// Time taken by interrupt handling.
    Irq,
}

/// The facts about one category.
pub struct Info {
    /// The key in the record schema (`delays.<key>`) and the CLI's sort value.
    pub key: &'static str,
    /// The prefix of the kernel's field names (`<kernel>_count`, ...).
    pub kernel: &'static str,
    /// getdelays' block title.
    pub getdelays: &'static str,
    /// The struct version that introduced it.
    pub since: u16,
    pub group: Group,
    /// Sent only by some kernels (not by any merged version): tables and
    /// getdelays' text show it only where the kernel sent it.
    pub optional: bool,
    /// What it measures, for help texts (e.g. `threads --sort`).
    pub about: &'static str,
}

const INFO: [Info; Category::COUNT] = [
    Info {
        key: "cpu",
        kernel: "cpu",
        getdelays: "CPU",
        since: 1,
        group: Group::RunQueue,
        optional: false,
        about: "Run-queue wait (delays.cpu)",
    },
    Info {
        key: "blkio",
        kernel: "blkio",
        getdelays: "IO",
        since: 1,
        group: Group::Io,
        optional: false,
        about: "Block I/O wait (delays.blkio)",
    },
    Info {
        key: "swapin",
        kernel: "swapin",
        getdelays: "SWAP",
        since: 1,
        group: Group::Memory,
        optional: false,
        about: "Swap-in wait (delays.swapin)",
    },
    Info {
        key: "reclaim",
        kernel: "freepages",
        getdelays: "RECLAIM",
        since: 7,
        group: Group::Memory,
        optional: false,
        about: "Direct reclaim wait (delays.reclaim)",
    },
    Info {
        key: "thrashing",
        kernel: "thrashing",
        getdelays: "THRASHING",
        since: 9,
        group: Group::Memory,
        optional: false,
        about: "Thrashing wait (delays.thrashing)",
    },
    Info {
        key: "compact",
        kernel: "compact",
        getdelays: "COMPACT",
        since: 11,
        group: Group::Memory,
        optional: false,
        about: "Compaction wait (delays.compact)",
    },
    Info {
        key: "wpcopy",
        kernel: "wpcopy",
        getdelays: "WPCOPY",
        since: 13,
        group: Group::Memory,
        optional: false,
        about: "Copy-on-write wait (delays.wpcopy)",
    },
    Info {
        key: "irq",
        kernel: "irq",
        getdelays: "IRQ",
        since: 14,
        group: Group::Irq,
        optional: false,
        about: "IRQ time charged (delays.irq)",
    },
    Info {
        key: "softirq",
        kernel: "soft",
        getdelays: "SOFTIRQ",
        since: 17,
        group: Group::Irq,
        optional: true,
        about: "Soft-IRQ time charged (delays.softirq; kernels with the 592-byte version 17 only)",
    },
];

impl Category {
    pub const COUNT: usize = 9;
    pub const ALL: [Category; Category::COUNT] = [
        Category::Cpu,
        Category::Blkio,
        Category::Swapin,
        Category::Freepages,
        Category::Thrashing,
        Category::Compact,
        Category::Wpcopy,
        Category::Irq,
        Category::Softirq,
    ];

    pub const fn info(self) -> &'static Info {
        &INFO[self as usize]
    }

    pub const fn key(self) -> &'static str {
        self.info().key
    }

    pub fn from_key(key: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.key() == key)
    }

    pub const fn group(self) -> Group {
        self.info().group
    }
}

/// One value per category, indexed by [`Category`]: consumers iterate it,
/// so none can forget a category.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PerCategory<T>(pub [T; Category::COUNT]);

impl<T> PerCategory<T> {
    pub fn from_fn(mut f: impl FnMut(Category) -> T) -> Self {
        PerCategory(std::array::from_fn(|i| f(Category::ALL[i])))
    }

    pub fn each(&self) -> impl Iterator<Item = (Category, &T)> {
        Category::ALL.into_iter().zip(self.0.iter())
    }

    pub fn each_mut(&mut self) -> impl Iterator<Item = (Category, &mut T)> {
        Category::ALL.into_iter().zip(self.0.iter_mut())
    }

    pub fn map<U>(&self, mut f: impl FnMut(Category, &T) -> U) -> PerCategory<U> {
        PerCategory::from_fn(|c| f(c, &self[c]))
    }
}

impl<T> Index<Category> for PerCategory<T> {
    type Output = T;
    fn index(&self, c: Category) -> &T {
        &self.0[c as usize]
    }
}

impl<T> IndexMut<Category> for PerCategory<T> {
    fn index_mut(&mut self, c: Category) -> &mut T {
        &mut self.0[c as usize]
    }
}

/// Serialised as an object keyed by schema name, in the kernel's order.
impl<T: serde::Serialize> serde::Serialize for PerCategory<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize_mapped(s, |v| v)
    }
}

/// Read back from the object [`Serialize`](serde::Serialize) writes (the
/// history store): a category the object lacks takes T's default, and keys
/// that are no category are ignored.
impl<'de, T: serde::Deserialize<'de> + Default> serde::Deserialize<'de> for PerCategory<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de> + Default> serde::de::Visitor<'de> for Visit<T> {
            type Value = PerCategory<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object keyed by delay category")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = PerCategory::from_fn(|_| T::default());
                while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                    match Category::from_key(&k) {
                        Some(c) => out[c] = m.next_value()?,
                        None => {
                            m.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

impl<T> PerCategory<T> {
    /// The object [`Serialize`](serde::Serialize) writes, each value as
    /// `f` gives it (the same figures in a shape a serializer may treat
    /// specially, say).
    pub fn serialize_mapped<'a, S: serde::Serializer, U: serde::Serialize>(
        &'a self,
        s: S,
        f: impl Fn(&'a T) -> U,
    ) -> Result<S::Ok, S::Error> {
        // A struct, not a map: the keys are the schema's own names, known
        // at compile time, which lets a serializer copy them as they are.
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("PerCategory", Category::COUNT)?;
        for (c, v) in self.each() {
            m.serialize_field(c.key(), &f(v))?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_enum_agree() {
        for (i, c) in Category::ALL.into_iter().enumerate() {
            assert_eq!(c as usize, i, "{c:?}");
            assert_eq!(Category::from_key(c.key()), Some(c));
        }
        let keys: std::collections::HashSet<_> = Category::ALL.iter().map(|c| c.key()).collect();
        assert_eq!(keys.len(), Category::COUNT);
    }
}
