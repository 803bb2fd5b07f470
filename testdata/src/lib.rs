//! Known-answer vectors and throwaway PKIs ([`pki`]) for strata's tests. Vectors are read
//! straight from the RFC texts kept beside this crate, so that a test names the step of the
//! trace it checks rather than pasting hex.
//!
//! RFC 8448 prints each step of its example handshakes as an actor (`{client}` or
//! `{server}`), a title (`derive secret "tls13 c hs traffic"`) and labelled octet strings
//! (`PRK (32 octets):  1d c8 …`). [`rfc8448`] returns one section's steps in order.
//!
//! ```
//! let trace = strata_testdata::rfc8448(3);
//! let hello = trace.step("client", "construct a ClientHello handshake message");
//! assert_eq!(hello.value("ClientHello").len(), 196);
//! ```
#![forbid(unsafe_code)]
#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod pki;

/// The text of RFC 8448, Example Handshake Traces for TLS 1.3.
pub const RFC8448: &str = include_str!("../rfc8448.txt");

/// One step of a trace: who did it, what it was, and the octet strings it printed.
#[derive(Debug, Clone)]
pub struct Step {
    /// `client` or `server`.
    pub actor: String,
    /// The step's title without its trailing colon or "(same as …)" remark.
    pub title: String,
    /// The labelled octet strings, in order (`("PRK", bytes)`).
    pub values: Vec<(String, Vec<u8>)>,
}

impl Step {
    /// The octet string with this label; panics (in a test) if the step has none.
    pub fn value(&self, label: &str) -> &[u8] {
        self.values
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.as_slice())
            .unwrap_or_else(|| panic!("step {:?} has no value {label:?}", self.title))
    }
}

/// The steps of one section of RFC 8448, in order.
#[derive(Debug, Clone)]
pub struct Trace {
    /// Every step of the section.
    pub steps: Vec<Step>,
}

impl Trace {
    /// Every step by `actor` whose title is `title`, in order.
    pub fn steps<'a>(&'a self, actor: &'a str, title: &'a str) -> impl Iterator<Item = &'a Step> {
        self.steps
            .iter()
            .filter(move |s| s.actor == actor && s.title == title)
    }

    /// The first step by `actor` titled `title`; panics (in a test) if there is none.
    pub fn step(&self, actor: &str, title: &str) -> &Step {
        self.nth(actor, title, 0)
    }

    /// The `n`th (from 0) step by `actor` titled `title`.
    pub fn nth(&self, actor: &str, title: &str, n: usize) -> &Step {
        self.steps
            .iter()
            .filter(|s| s.actor == actor && s.title == title)
            .nth(n)
            .unwrap_or_else(|| panic!("no step {n} {{{actor}}} {title:?}"))
    }
}

/// The steps of section `section` (3 to 7) of RFC 8448.
pub fn rfc8448(section: u32) -> Trace {
    let heading = format!("{section}.  ");
    let next = format!("{}.  ", section + 1);
    let lines: Vec<&str> = RFC8448
        .lines()
        .filter(|l| !is_page_furniture(l))
        .skip_while(|l| !l.starts_with(&heading))
        .skip(1)
        .take_while(|l| !l.starts_with(&next))
        .collect();
    Trace {
        steps: parse_steps(&lines),
    }
}

fn is_page_furniture(line: &str) -> bool {
    line.contains('\u{c}')
        || (line.starts_with("Thomson") && line.contains("[Page"))
        || line.starts_with("RFC 8448 ")
}

fn parse_steps(lines: &[&str]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(rest) = line.strip_prefix("   {") {
            let (actor, first) = rest.split_once("}  ").expect("actor");
            let mut title = first.trim().to_string();
            // A long title wraps onto the following lines until its colon or a blank line.
            while !title.ends_with(':') && i + 1 < lines.len() && !lines[i + 1].trim().is_empty() {
                i += 1;
                title.push(' ');
                title.push_str(lines[i].trim());
            }
            steps.push(Step {
                actor: actor.to_string(),
                title: normalise_title(&title),
                values: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix("      ") {
            if !rest.starts_with(' ') {
                if let (Some(step), Some((label, value))) =
                    (steps.last_mut(), rest.split_once(":  "))
                {
                    let mut hex_text = value.to_string();
                    // Continuation lines are indented further; a page break may leave
                    // blank lines in the middle of a value.
                    loop {
                        let mut j = i + 1;
                        while j < lines.len() && lines[j].trim().is_empty() {
                            j += 1;
                        }
                        if j < lines.len() && lines[j].starts_with("         ") {
                            i = j;
                            hex_text.push(' ');
                            hex_text.push_str(lines[i].trim());
                        } else {
                            break;
                        }
                    }
                    let (label, count) = split_count(label);
                    let bytes = parse_octets(&hex_text);
                    if let (Some(bytes), Some(count)) = (&bytes, count) {
                        assert_eq!(bytes.len(), count, "{label} in {:?}", step.title);
                    }
                    if let Some(bytes) = bytes {
                        step.values.push((label, bytes));
                    }
                }
            }
        }
        i += 1;
    }
    steps
}

fn normalise_title(title: &str) -> String {
    let title = title.trim_end_matches(':');
    let title = match title.find(" (same as") {
        Some(at) => &title[..at],
        None => title,
    };
    title.trim().to_string()
}

/// `PRK (32 octets)` -> ("PRK", Some(32)).
fn split_count(label: &str) -> (String, Option<usize>) {
    match label.rsplit_once(" (") {
        Some((name, count)) if count.ends_with(" octets)") => (
            name.to_string(),
            count.trim_end_matches(" octets)").parse().ok(),
        ),
        _ => (label.to_string(), None),
    }
}

/// Hex octets separated by spaces; `(empty)` is no octets; anything else is not octets.
fn parse_octets(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text == "(empty)" {
        return Some(Vec::new());
    }
    let joined: String = text.split_whitespace().collect();
    if text.split_whitespace().any(|w| w.len() != 2) {
        return None;
    }
    hex::decode(joined).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_3_has_the_steps_of_a_full_handshake() {
        let t = rfc8448(3);
        let hs = t.step("server", "derive secret \"tls13 c hs traffic\"");
        assert_eq!(hs.value("PRK").len(), 32);
        assert_eq!(&hs.value("expanded")[..4], &[0xb3, 0xed, 0xdb, 0x12]);
        let early = t.step("server", "extract secret \"early\"");
        assert_eq!(early.value("IKM"), &[0u8; 32]);
        // A wrapped title with a "(same as …)" remark is normalised.
        assert!(t.steps("client", "extract secret \"handshake\"").count() == 1);
        let record = t.step("client", "send handshake record");
        assert_eq!(record.value("complete record").len(), 201);
    }

    #[test]
    fn every_section_parses() {
        for section in 3..=7 {
            let t = rfc8448(section);
            assert!(
                t.steps.len() > 20,
                "section {section}: {} steps",
                t.steps.len()
            );
            assert!(t.steps.iter().all(|s| !s.values.is_empty()
                || s.title.contains("same")
                || s.title.starts_with("send")
                || s.title.starts_with("derive")
                || s.title.starts_with("extract")
                || s.title.starts_with("calculate")
                || s.title.starts_with("generate")
                || s.title.starts_with("create")
                || s.title.starts_with("construct")));
        }
    }
}
