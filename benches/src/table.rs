//! Markdown tables, padded so that they read in a terminal as well.

use crate::measure::{Figure, Sampled};

/// A table with a heading.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// The `###` heading.
    pub title: String,
    /// A line under the heading.
    pub note: String,
    /// Column names.
    pub headers: Vec<String>,
    /// The cells, row by row.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table.
    pub fn new(title: &str, note: &str, headers: &[&str]) -> Self {
        Self {
            title: title.into(),
            note: note.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The Markdown: heading, note, and the table with its columns padded.
    pub fn markdown(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        // A column of figures (and n/a) is right-aligned, any other left-aligned.
        let numeric: Vec<bool> = (0..columns)
            .map(|i| {
                i > 0
                    && self.rows.iter().all(|row| {
                        row.get(i).is_none_or(|c| {
                            c.starts_with(|c: char| c.is_ascii_digit() || c == '-')
                                || c.starts_with("n/a")
                        })
                    })
            })
            .collect();
        let line = |cells: &[String]| {
            let mut s = String::from("|");
            for i in 0..columns {
                let cell = cells.get(i).map_or("", String::as_str);
                let w = widths.get(i).copied().unwrap_or(0);
                if numeric.get(i).copied().unwrap_or(false) {
                    s.push_str(&format!(" {cell:>w$} |"));
                } else {
                    s.push_str(&format!(" {cell:<w$} |"));
                }
            }
            s.push('\n');
            s
        };
        let mut out = format!("### {}\n\n", self.title);
        if !self.note.is_empty() {
            out.push_str(&format!("{}\n\n", self.note));
        }
        out.push_str(&line(&self.headers));
        let rule: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if numeric.get(i).copied().unwrap_or(false) {
                    format!("{}:", "-".repeat(w.saturating_sub(1)))
                } else {
                    "-".repeat(*w)
                }
            })
            .collect();
        out.push_str(&line(&rule));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

/// "n/a (not implemented yet)" and the like.
pub fn not_applicable(why: &str) -> String {
    format!("n/a ({why})")
}

/// What a table cell can show: a single value, or a figure's repetitions.
pub trait Measured {
    /// The value shown: the median of the repetitions.
    fn shown(&self) -> f64;
    /// `self / other`: for repetitions that took turns, the median of their ratios
    /// ([`Sampled::ratio_to`]).
    fn ratio_to(&self, other: &Self) -> f64;
}

impl Measured for f64 {
    fn shown(&self) -> f64 {
        *self
    }
    fn ratio_to(&self, other: &Self) -> f64 {
        self / other
    }
}

impl Measured for Sampled {
    fn shown(&self) -> f64 {
        self.median()
    }
    fn ratio_to(&self, other: &Self) -> f64 {
        Sampled::ratio_to(self, other)
    }
}

/// A figure with `decimals` decimals, or its n/a.
pub fn figure<M: Measured>(f: &Figure<M>, decimals: usize) -> String {
    match f {
        Figure::Value(v) if v.shown().is_finite() => format!("{:.decimals$}", v.shown()),
        Figure::Value(_) => "n/a".into(),
        Figure::NotApplicable(why) => not_applicable(why),
    }
}

/// `a / b` with two decimals, or "n/a" when either is missing.
pub fn ratio<M: Measured>(a: &Figure<M>, b: &Figure<M>) -> String {
    match (a.value(), b.value()) {
        (Some(a), Some(b)) => {
            let r = a.ratio_to(b);
            if r.is_finite() {
                format!("{r:.2}")
            } else {
                "n/a".into()
            }
        }
        _ => "n/a".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_right_text_left_and_not_applicable_spelled_out() {
        let mut t = Table::new("T", "note", &["name", "side", "value", "ratio"]);
        let na = Figure::NotApplicable("not implemented yet".into());
        t.row(vec![
            "a".into(),
            "client".into(),
            figure(&Figure::Value(1234.5), 0),
            ratio(&Figure::Value(1.0), &Figure::Value(4.0)),
        ]);
        t.row(vec![
            "b".into(),
            "server".into(),
            figure(&na, 1),
            ratio(&na, &Figure::Value(4.0)),
        ]);
        let md = t.markdown();
        assert!(md.starts_with("### T\n\nnote\n\n"), "{md}");
        assert!(md.contains("| a    | client |"), "{md}");
        assert!(md.contains("|                      1234 |  0.25 |"), "{md}");
        assert!(md.contains("| n/a (not implemented yet) |   n/a |"), "{md}");
        assert!(
            md.contains("| ---- | ------ | ------------------------: | ----: |"),
            "{md}"
        );
    }
}
