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
    // Branch-free sums over aligned slices (auto-vectorised); `": "` needs a 4th byte.
    let compact: u64 = data[..n - 2]
        .iter()
        .zip(&data[1..n - 1])
        .zip(&data[2..])
        .map(|((&a, &b), &c)| u64::from((a == b'"') & (b == b':') & (c == b'"')))
        .sum();
    let spaced: u64 = if n < 4 {
        0
    } else {
        data[..n - 3]
            .iter()
            .zip(&data[1..n - 2])
            .zip(&data[2..n - 1])
            .zip(&data[3..])
            .map(|(((&a, &b), &c), &d)| {
                u64::from((a == b'"') & (b == b':') & (c == b' ') & (d == b'"'))
            })
            .sum()
    };
    compact + spaced
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
    }
}
