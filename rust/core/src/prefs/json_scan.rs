//! A byte scan that tells the JSON-lines reader, in one pass, how many JSON string values a
//! file holds, so the check "no number / boolean / list / object was coerced into a text
//! column" costs one vectorised pass instead of a parse or a regex per column.
//!
//! Inside a JSON string every `"` is escaped as `\"`, so an unescaped quote followed by `:`
//! can only end an object key. A key followed by `"` (compact `"k":"v"`) or by one space and
//! `"` (`"k": "v"`) therefore starts a string value, and nothing else matches: in escaped
//! text `\":\"` the byte before the second quote is a backslash, not `:` or a space.

/// Number of `":"` and `": "` occurrences: the string-valued keys of a JSON document written
/// with zero or one space after each colon (at any nesting depth).
pub fn json_string_values(data: &[u8]) -> u64 {
    let n = data.len();
    if n < 3 {
        return 0;
    }
    // One pass over four shifted views of the bytes; the two patterns cannot both match at
    // one position (the third byte is `"` in one and a space in the other). Counts are summed
    // in u8 lanes over blocks of 255 positions so the loop vectorises.
    let m = n - 3; // positions where the 4-byte pattern fits
    let mut total = 0u64;
    let mut start = 0;
    while start < m {
        let end = (start + 255).min(m);
        let acc = data[start..end]
            .iter()
            .zip(&data[start + 1..end + 1])
            .zip(&data[start + 2..end + 2])
            .zip(&data[start + 3..end + 3])
            .fold(0u8, |s, (((&a, &b), &c), &d)| {
                let hit = (a == b'"') & (b == b':') & ((c == b'"') | ((c == b' ') & (d == b'"')));
                s.wrapping_add(u8::from(hit))
            });
        total += u64::from(acc);
        start = end;
    }
    // the last position only fits the 3-byte pattern
    let tail = &data[m..];
    total + u64::from(tail[0] == b'"' && tail[1] == b':' && tail[2] == b'"')
}

#[cfg(test)]
mod tests {
    use super::json_string_values;

    #[test]
    fn counts_string_valued_keys_only() {
        assert_eq!(json_string_values(b""), 0);
        assert_eq!(json_string_values(br#"{"a": "x", "b": 5}"#), 1);
        assert_eq!(json_string_values(br#"{"a":"x","b":"y","c":true}"#), 2);
        // a quote-colon-quote inside text is escaped and does not count
        assert_eq!(json_string_values(br#"{"a": "say \": \" and \":\""}"#), 1);
        // nested objects count their own string values
        assert_eq!(json_string_values(br#"{"m": [{"role": "user", "content": "hi"}]}"#), 2);
        assert_eq!(json_string_values(b"{\"a\": \"x\"}\n{\"a\": 5}\n{\"a\": \"y\"}\n"), 2);
        // a pattern at the very end, and block boundaries (255 positions) crossed
        assert_eq!(json_string_values(br#"":""#), 1);
        let row = br#"{"k": "v", "n":"w"}"#;
        let many: Vec<u8> = row.iter().copied().cycle().take(row.len() * 1000).collect();
        assert_eq!(json_string_values(&many), 2000);
    }
}
