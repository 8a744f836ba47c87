//! Bytes gathered in a small fixed array and moved to a Vec a kilobyte at
//! a time: the writer of JSON and of getdelays' text, whose records are
//! hundreds of tokens of a few bytes each.

/// Bytes gathered in a fixed array and moved to the Vec a kilobyte at a
/// time. At opt-level z (the size budget) `Vec::push` and
/// `extend_from_slice` are calls, and a record is some 600 tokens of a
/// few bytes each; these stay inline.
pub struct Sink<'a> {
    out: &'a mut Vec<u8>,
    buf: [u8; 1024],
    len: usize,
}

impl<'a> Sink<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        Sink {
            out,
            buf: [0; 1024],
            len: 0,
        }
    }

    pub fn flush(&mut self) {
        self.out.extend_from_slice(&self.buf[..self.len]);
        self.len = 0;
    }

    #[inline(always)]
    pub fn byte(&mut self, b: u8) {
        if self.len == self.buf.len() {
            self.flush();
        }
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    #[inline(always)]
    pub fn put(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        // Room for the word-sized stores below, which may reach 7 bytes
        // past `n` without counting them.
        if self.len + n + 8 > self.buf.len() {
            self.flush();
            if n + 8 > self.buf.len() {
                self.out.extend_from_slice(bytes);
                return;
            }
        }
        let at = self.len;
        if (4..=16).contains(&n) {
            // Names and numbers: two overlapping stores of 8 (or 4) bytes
            // instead of a call to memcpy.
            if n >= 8 {
                self.store::<8>(at, bytes, 0);
                self.store::<8>(at, bytes, n - 8);
            } else {
                self.store::<4>(at, bytes, 0);
                self.store::<4>(at, bytes, n - 4);
            }
        } else if n < 4 {
            // Punctuation and short numbers: byte stores, no loop.
            match *bytes {
                [a] => self.set(at, a),
                [a, b] => {
                    self.set(at, a);
                    self.set(at + 1, b);
                }
                [a, b, c] => {
                    self.set(at, a);
                    self.set(at + 1, b);
                    self.set(at + 2, c);
                }
                _ => {}
            }
        } else if let Some(dst) = self.buf.get_mut(at..at + n) {
            dst.copy_from_slice(bytes);
        }
        self.len += n;
    }

    #[inline(always)]
    fn set(&mut self, at: usize, b: u8) {
        if let Some(slot) = self.buf.get_mut(at) {
            *slot = b;
        }
    }

    /// `"key":`, the quote and colon stored with the name, under one check
    /// for room.
    #[inline(always)]
    pub fn key(&mut self, key: &[u8]) {
        if self.len + key.len() + 3 + 8 > self.buf.len() {
            self.flush();
        }
        self.set(self.len, b'"');
        self.len += 1;
        self.put(key);
        self.set(self.len, b'"');
        self.set(self.len + 1, b':');
        self.len += 2;
    }

    /// Copies `bytes[from..from + N]` to `buf[at + from..]` as one word.
    #[inline(always)]
    fn store<const N: usize>(&mut self, at: usize, bytes: &[u8], from: usize) {
        let word = bytes
            .get(from..from + N)
            .and_then(|w| <[u8; N]>::try_from(w).ok());
        let slot = self
            .buf
            .get_mut(at + from..at + from + N)
            .and_then(|d| <&mut [u8; N]>::try_from(d).ok());
        if let (Some(word), Some(slot)) = (word, slot) {
            *slot = word;
        }
    }
}
