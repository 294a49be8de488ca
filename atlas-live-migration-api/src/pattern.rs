//! The spec's `pattern`s as the generated types run them.
//!
//! typify checks a value against its pattern with `regress` on every parse
//! and every decode. regress is a backtracking engine: it spends about 2,000
//! instructions on a 24-character ID, which made the three ID checks of one
//! call half of the client's CPU over a hand-written request. The generation
//! function therefore points the generated code's `::regress::Regex` at this
//! type (see `codegen.rs`). Every pattern is still compiled by regress, so
//! what is a valid pattern and what a pattern means stay regress's. A
//! pattern of the one shape the spec's IDs use, an ASCII class repeated
//! between anchors (`^([a-f0-9]{24})$`), is answered by an equivalent scan of
//! the bytes; every other pattern runs in regress. The tests below compare
//! the two on every short string over an alphabet chosen to probe the edges,
//! and `tests/tests/properties.rs` compares the generated ID types with
//! regress on the spec's own pattern.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;
use std::str::FromStr;

use serde::de::{self, Deserializer, Unexpected, Visitor};

/// A compiled spec pattern; the generated code calls `new` and `find`.
#[derive(Debug)]
pub(crate) struct Regex {
    engine: Engine,
}

#[derive(Debug)]
enum Engine {
    /// `^[class]{min,max}$`, optionally with the repetition in a group.
    AnchoredClassRepeat {
        /// Indexed by byte; false for every non-ASCII byte.
        class: [bool; 256],
        min: usize,
        max: usize,
    },
    Regress(regress::Regex),
}

impl Regex {
    /// Compiles `pattern` with regress, keeping a byte scan for the shape
    /// that allows one.
    pub(crate) fn new(pattern: &str) -> Result<Self, regress::Error> {
        let compiled = regress::Regex::new(pattern)?;
        let engine = match anchored_class_repeat(pattern) {
            Some((class, min, max)) => Engine::AnchoredClassRepeat { class, min, max },
            None => Engine::Regress(compiled),
        };
        Ok(Regex { engine })
    }

    /// The range of the first match in `text`, as `regress::Regex::find`
    /// finds it.
    pub(crate) fn find(&self, text: &str) -> Option<Range<usize>> {
        match &self.engine {
            Engine::AnchoredClassRepeat { class, min, max } => {
                // Every byte in an ASCII class means one byte per character,
                // so the byte length is the number of repetitions.
                let fits = (*min..=*max).contains(&text.len())
                    && text.bytes().all(|byte| class[usize::from(byte)]);
                fits.then_some(0..text.len())
            }
            Engine::Regress(regex) => regex.find(text).map(|found| found.range),
        }
    }
}

/// How typify's pattern types decode (`String::deserialize(d)?.parse()`),
/// without the `String`: the text the deserializer lends is parsed, and
/// `from_str` makes the one copy that is kept. The generation function
/// points the generated `Deserialize` impls here (see `codegen.rs`). What
/// is accepted, and every error message, are `String`'s and `from_str`'s.
pub(crate) fn deserialize_parsed<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: FromStr<Err: fmt::Display>,
    D: Deserializer<'de>,
{
    struct Parsed<T>(PhantomData<T>);
    impl<T: FromStr<Err: fmt::Display>> Visitor<'_> for Parsed<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
            text.parse().map_err(E::custom)
        }
        fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<T, E> {
            match std::str::from_utf8(bytes) {
                Ok(text) => self.visit_str(text),
                Err(_) => Err(E::invalid_value(Unexpected::Bytes(bytes), &self)),
            }
        }
    }
    deserializer.deserialize_string(Parsed(PhantomData))
}

/// Recognizes `^[…]{n}$` and `^[…]{m,n}$`, the repetition optionally
/// wrapped in `(…)` or `(?:…)`, where the class lists ASCII letters, digits
/// and ranges of them. Anything else, including every escape, negated class
/// or lazy quantifier, gives `None` and runs in regress.
fn anchored_class_repeat(pattern: &str) -> Option<([bool; 256], usize, usize)> {
    let inner = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let inner = match inner.strip_suffix(')') {
        Some(grouped) => grouped
            .strip_prefix("(?:")
            .or_else(|| grouped.strip_prefix('('))
            .filter(|rest| !rest.starts_with('?'))?,
        None => inner,
    };
    let (items, quantifier) = inner.strip_prefix('[')?.split_once(']')?;
    let (min, max) = match quantifier.strip_prefix('{')?.strip_suffix('}')? {
        bounds if bounds.contains(',') => {
            let (min, max) = bounds.split_once(',')?;
            (digits(min)?, digits(max)?)
        }
        exact => (digits(exact)?, digits(exact)?),
    };
    if min > max {
        return None;
    }
    let items = items.as_bytes();
    if items.is_empty() {
        return None;
    }
    let mut class = [false; 256];
    let mut at = 0;
    while at < items.len() {
        let first = items[at];
        let (low, high, width) = match items.get(at + 1..at + 3) {
            Some([b'-', last]) => (first, *last, 3),
            _ => (first, first, 1),
        };
        if !low.is_ascii_alphanumeric() || !high.is_ascii_alphanumeric() || low > high {
            return None;
        }
        class[usize::from(low)..=usize::from(high)].fill(true);
        at += width;
    }
    Some((class, min, max))
}

/// A decimal number of at most six digits, nothing else.
fn digits(text: &str) -> Option<usize> {
    let valid = !text.is_empty() && text.len() <= 6 && text.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| text.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::{Engine, Regex};

    /// Characters at the edges of the classes below, plus a newline (which
    /// `$` must not accept before) and a multi-byte character.
    const ALPHABET: [&str; 9] = ["a", "f", "g", "0", "9", "A", "-", "\n", "é"];

    fn every_string_up_to(length: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..length {
            last = last
                .iter()
                .flat_map(|prefix| ALPHABET.iter().map(move |c| format!("{prefix}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    #[test]
    fn the_byte_scan_agrees_with_regress() {
        let strings = every_string_up_to(4);
        for pattern in [
            "^([a-f0-9]{3})$",
            "^[a-f0-9]{3}$",
            "^(?:[0-9a-f]{2})$",
            "^([a-f0-9]{1,3})$",
            "^([a-f]{0,2})$",
            "^[A-Za-z0-9]{2,4}$",
            "^[af9]{1,2}$",
        ] {
            let ours = Regex::new(pattern).unwrap();
            assert!(
                matches!(ours.engine, Engine::AnchoredClassRepeat { .. }),
                "{pattern} should take the byte scan"
            );
            let reference = regress::Regex::new(pattern).unwrap();
            for text in &strings {
                assert_eq!(
                    ours.find(text),
                    reference.find(text).map(|m| m.range),
                    "{pattern} on {text:?}"
                );
            }
        }
    }

    #[test]
    fn other_shapes_run_in_regress() {
        for pattern in [
            "^([a-f0-9]{24})",
            "([a-f0-9]{24})$",
            "^[^a-f]{2}$",
            "^[a-f0-9]{2}?$",
            "^[a-f0-9]+$",
            "^[\\d]{2}$",
            "^[a-]{2}$",
            "^[f-a]{2}$",
            "^([a-f]{2})([0-9]{2})$",
            "^(?=[a-f]{2})$",
            "^[a-f]{3,1}$",
            "^[]{2}$",
            "^([0-9]{1,3}\\.){3}[0-9]{1,3}$",
        ] {
            match Regex::new(pattern) {
                Ok(ours) => assert!(
                    matches!(ours.engine, Engine::Regress(_)),
                    "{pattern} should run in regress"
                ),
                Err(_) => assert!(regress::Regex::new(pattern).is_err(), "{pattern}"),
            }
        }
    }

    /// typify's decoding, which `deserialize_parsed` replaces.
    fn typify_decodes(json: &str) -> Result<crate::types::GroupId, String> {
        let text: String = serde_json::from_str(json).map_err(|e| e.to_string())?;
        text.parse()
            .map_err(|e: crate::types::error::ConversionError| e.to_string())
    }

    fn parsed(json: &str) -> Result<crate::types::GroupId, String> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        super::deserialize_parsed(&mut deserializer).map_err(|e: serde_json::Error| e.to_string())
    }

    #[test]
    fn decoding_accepts_and_refuses_as_typify_does() {
        for json in [
            "\"32b6e34b3d91647abb20e7b8\"",
            "\"32B6E34B3D91647ABB20E7B8\"",
            "\"\\u0033\\u0032b6e34b3d91647abb20e7b8\"",
            "\"32b6e34b3d91647abb20e7b\"",
            "\"\"",
            "42",
            "null",
            "[]",
        ] {
            let (ours, theirs) = (parsed(json), typify_decodes(json));
            match (&ours, &theirs) {
                (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs, "{json}"),
                // serde_json appends the position to its own errors only.
                (Err(ours), Err(theirs)) => {
                    let message = theirs.split(" at line").next().unwrap();
                    assert!(ours.starts_with(message), "{json}: {ours} / {theirs}")
                }
                _ => panic!("{json}: {ours:?} / {theirs:?}"),
            }
        }
        let owned = serde_json::json!("32b6e34b3d91647abb20e7b8");
        assert!(super::deserialize_parsed::<crate::types::GroupId, _>(owned).is_ok());
    }

    #[test]
    fn an_invalid_pattern_is_refused_as_regress_refuses_it() {
        assert!(Regex::new("^([a-f0-9]{24}$").is_err());
    }
}
