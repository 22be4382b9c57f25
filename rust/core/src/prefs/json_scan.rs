//! A byte scan that tells the JSON-lines reader, in one pass, how many JSON string values a
//! file holds (and how many object / array values), so the check "no number / boolean / list /
//! object was coerced into a text column" costs one vectorised pass instead of a parse or a
//! regex per column.
//!
//! Inside a JSON string every `"` is escaped as `\"`, so an unescaped quote followed by `:`
//! can only end an object key. A key followed by `"` (compact `"k":"v"`) or by one space and
//! `"` (`"k": "v"`) therefore starts a string value, and nothing else matches: in escaped
//! text `\":\"` the byte before the second quote is a backslash, not `:` or a space. Likewise
//! a key followed by `{` or `[` starts an object or array value; that count can also match an
//! escaped `\":[` inside text, an over-count the reader treats as "not settled".

use rayon::prelude::*;

/// Counts of JSON values by kind, for keys written with zero or one space after the colon.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonValueCounts {
    /// values that are strings (`"k": "..."`), at any nesting depth
    pub strings: u64,
    /// values that are objects or arrays (`"k": {` / `"k": [`), at any nesting depth
    pub nested: u64,
}

// positions per parallel block (the blocks overlap by 3 bytes to see patterns across the cut)
const BLOCK: usize = 1 << 20;

/// Counts over pattern start positions `start..end` (the bytes read reach `end + 3`).
// Bitwise `&`/`|` on bools on purpose: branch-free, so the byte loop vectorises.
#[allow(clippy::needless_bitwise_bool)]
fn count_block(data: &[u8], start: usize, end: usize) -> JsonValueCounts {
    let mut out = JsonValueCounts::default();
    let mut s = start;
    while s < end {
        // u8 lanes over at most 255 positions so the loop vectorises without overflow
        let e = (s + 255).min(end);
        let (st, ne) = data[s..e]
            .iter()
            .zip(&data[(s + 1)..=e])
            .zip(&data[s + 2..e + 2])
            .zip(&data[s + 3..e + 3])
            .fold((0u8, 0u8), |(st, ne), (((&a, &b), &c), &d)| {
                let key = (a == b'"') & (b == b':');
                let open = |x: u8| (x == b'{') | (x == b'[');
                let string = key & ((c == b'"') | ((c == b' ') & (d == b'"')));
                let nested = key & (open(c) | ((c == b' ') & open(d)));
                (
                    st.wrapping_add(u8::from(string)),
                    ne.wrapping_add(u8::from(nested)),
                )
            });
        out.strings += u64::from(st);
        out.nested += u64::from(ne);
        s = e;
    }
    out
}

/// String and object/array values of a JSON document (see the module docs), scanned in
/// parallel blocks on the current rayon pool.
pub fn json_value_counts(data: &[u8]) -> JsonValueCounts {
    let n = data.len();
    if n < 3 {
        return JsonValueCounts::default();
    }
    let m = n - 3; // positions where a 4-byte pattern fits
    let blocks = m.div_ceil(BLOCK);
    let mut total = (0..blocks)
        .into_par_iter()
        .map(|i| count_block(data, i * BLOCK, ((i + 1) * BLOCK).min(m)))
        .reduce(JsonValueCounts::default, |a, b| JsonValueCounts {
            strings: a.strings + b.strings,
            nested: a.nested + b.nested,
        });
    // the last position only fits 3-byte patterns (`":"`, `":{`, `":[`)
    let t = &data[m..];
    if t[0] == b'"' && t[1] == b':' {
        total.strings += u64::from(t[2] == b'"');
        total.nested += u64::from(t[2] == b'{' || t[2] == b'[');
    }
    total
}

/// Number of string values (`":"` and `": "` occurrences); see [`json_value_counts`].
pub fn json_string_values(data: &[u8]) -> u64 {
    json_value_counts(data).strings
}

#[cfg(test)]
mod tests {
    use super::{json_string_values, json_value_counts, JsonValueCounts};

    #[test]
    fn counts_string_valued_keys_only() {
        assert_eq!(json_string_values(b""), 0);
        assert_eq!(json_string_values(br#"{"a": "x", "b": 5}"#), 1);
        assert_eq!(json_string_values(br#"{"a":"x","b":"y","c":true}"#), 2);
        // a quote-colon-quote inside text is escaped and does not count
        assert_eq!(json_string_values(br#"{"a": "say \": \" and \":\""}"#), 1);
        // nested objects count their own string values
        assert_eq!(
            json_string_values(br#"{"m": [{"role": "user", "content": "hi"}]}"#),
            2
        );
        assert_eq!(
            json_string_values(b"{\"a\": \"x\"}\n{\"a\": 5}\n{\"a\": \"y\"}\n"),
            2
        );
        // a pattern at the very end, and block boundaries (255 positions) crossed
        assert_eq!(json_string_values(br#"":""#), 1);
        let row = br#"{"k": "v", "n":"w"}"#;
        let many: Vec<u8> = row.iter().copied().cycle().take(row.len() * 1000).collect();
        assert_eq!(json_string_values(&many), 2000);
    }

    #[test]
    fn counts_object_and_array_values() {
        let c = json_value_counts(br#"{"m": [{"role": "user"}], "o":{"x": "y"}, "t": "[not]"}"#);
        assert_eq!(
            c,
            JsonValueCounts {
                strings: 3,
                nested: 2
            }
        );
        assert_eq!(json_value_counts(br#"":["#).nested, 1);
        // an escaped quote before `:[` inside text counts as nested: an over-count only sends the
        // reader to its exact check, never past it
        assert_eq!(
            json_value_counts(br#"{"a": "\":[\""}"#),
            JsonValueCounts {
                strings: 1,
                nested: 1
            }
        );
    }

    #[test]
    fn parallel_blocks_see_patterns_across_the_cut() {
        // a pattern straddling every block boundary position, checked against a serial count
        let row = br#"{"k": "v", "n":["w"]}"#;
        let n = super::BLOCK * 2 + 17;
        let many: Vec<u8> = row.iter().copied().cycle().take(n).collect();
        let serial = super::count_block(&many, 0, many.len() - 3);
        let mut want = serial;
        let t = &many[many.len() - 3..];
        if t[0] == b'"' && t[1] == b':' {
            want.strings += u64::from(t[2] == b'"');
            want.nested += u64::from(t[2] == b'{' || t[2] == b'[');
        }
        assert_eq!(json_value_counts(&many), want);
        let rows = (n / row.len()) as u64;
        assert!(want.strings >= rows && want.nested >= rows);
    }
}
