//! Aligned columns without borders: the only table layout taskstat prints
//! (record sections, interval delays, `top -b`).
//!
//! Each column is as wide as its widest cell (or a minimum), cells are
//! padded to it on the left or right, two spaces follow each column, and
//! trailing blanks are trimmed. comfy-table laid these out before at
//! 750k instructions for one record's sections, most of a one-shot query's
//! cost (bench/query.sh); this is the same layout, byte for byte (tests).

use unicode_width::UnicodeWidthStr;

/// A header row and rows of cells, laid out by [`Grid::render`].
pub struct Grid {
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
    min: Vec<usize>,
}

impl Grid {
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Grid {
        let header: Vec<String> = header.into_iter().map(Into::into).collect();
        Grid {
            right: vec![false; header.len()],
            min: vec![0; header.len()],
            rows: vec![header],
        }
    }

    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let row: Vec<String> = cells.into_iter().map(Into::into).collect();
        if row.len() > self.right.len() {
            self.right.resize(row.len(), false);
            self.min.resize(row.len(), 0);
        }
        self.rows.push(row);
    }

    /// Right-aligns column `i` (numbers).
    pub fn align_right(&mut self, i: usize) {
        if let Some(r) = self.right.get_mut(i) {
            *r = true;
        }
    }

    /// Makes column `i` at least `width` wide, so sections line up.
    pub fn min_width(&mut self, i: usize, width: usize) {
        if let Some(m) = self.min.get_mut(i) {
            *m = width;
        }
    }

    /// The lines, joined by newlines, without a final one.
    pub fn render(&self) -> String {
        let mut widths = self.min.clone();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.width());
            }
        }
        let mut out = String::new();
        for (n, row) in self.rows.iter().enumerate() {
            if n > 0 {
                out.push('\n');
            }
            let start = out.len();
            for (i, &width) in widths.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                let pad = width.saturating_sub(cell.width());
                if self.right[i] {
                    out.extend(std::iter::repeat_n(' ', pad));
                    out.push_str(cell);
                } else {
                    out.push_str(cell);
                    out.extend(std::iter::repeat_n(' ', pad));
                }
                out.push_str("  ");
            }
            let kept = out[start..].trim_end().len();
            out.truncate(start + kept);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_pad_and_trim() {
        let mut g = Grid::new(["DELAYS", "count", "total"]);
        g.row(["cpu", "2", "1.179 ms"]);
        g.row(["blkio", "-", "-"]);
        g.row(["é名", "12345", ""]);
        g.align_right(1);
        g.align_right(2);
        g.min_width(0, 8);
        assert_eq!(
            g.render(),
            "DELAYS    count     total\n\
             cpu           2  1.179 ms\n\
             blkio         -         -\n\
             é名       12345"
        );
    }

    #[test]
    fn an_empty_grid_is_its_header() {
        assert_eq!(Grid::new(["TASK", ""]).render(), "TASK");
    }
}
