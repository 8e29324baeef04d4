//! RFC 8785 JSON Canonicalization Scheme: object members sorted by their UTF-16 code units,
//! no insignificant whitespace, strings and numbers serialised as ECMAScript's
//! `JSON.stringify` does. Rekor bodies and the signed entry timestamp are signed in this form.

use serde_json::Value;

/// The canonical bytes of `value`.
pub fn canonical(value: &Value) -> Vec<u8> {
    let mut out = String::new();
    write_value(value, &mut out);
    out.into_bytes()
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_number(n: &serde_json::Number, out: &mut String) {
    if let Some(i) = n.as_i64() {
        out.push_str(&i.to_string());
    } else if let Some(u) = n.as_u64() {
        out.push_str(&u.to_string());
    } else if let Some(f) = n.as_f64() {
        out.push_str(&es6_number(f));
    }
}

/// ECMAScript `Number.prototype.toString()` for a finite double.
fn es6_number(f: f64) -> String {
    if f == 0.0 {
        return "0".to_string();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    // Rust's `{:e}` prints the shortest digits that round-trip: "d.ddde±x".
    let formatted = format!("{:e}", f.abs());
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exponent + 1; // the decimal point sits after n digits
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        format!("{int}.{frac}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e_sign = if e < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        format!("{first}{frac}e{e_sign}{}", e.abs())
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(text: &str) -> String {
        let v: Value = serde_json::from_str(text).unwrap();
        String::from_utf8(canonical(&v)).unwrap()
    }

    #[test]
    fn rfc8785_sorting_example() {
        // RFC 8785 §3.2.3: keys sorted by UTF-16 code units.
        let got = canon(
            r#"{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
               "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
               "\u00f6": "Latin Small Letter O With Diaeresis"}"#,
        );
        let want = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
                    \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
                    \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(got, want);
    }

    #[test]
    fn rfc8785_string_escapes() {
        // RFC 8785 §3.2.2.2 example string.
        let got = canon(r#""\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/""#);
        assert_eq!(got, "\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
        assert_eq!(
            canon(r#""\u2028\u007f\b\t\f\r""#),
            "\"\u{2028}\u{7f}\\b\\t\\f\\r\""
        );
    }

    #[test]
    #[allow(clippy::excessive_precision)] // the RFC's literal, kept as written
    fn rfc8785_numbers_and_literals() {
        // RFC 8785 §3.2.2.3 and Appendix B samples.
        // (The doubles come from Rust literals: serde_json's default parser may be 1 ulp off.)
        let numbers: Vec<f64> = vec![
            333333333.33333329,
            1E30,
            4.50,
            2e-3,
            0.000000000000000000000000001,
        ];
        let got = String::from_utf8(canonical(
            &json!({"numbers": numbers, "literals": [null, true, false]}),
        ))
        .unwrap();
        assert_eq!(
            got,
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}"#
        );
        assert_eq!(
            canon("[-0.0, 1e21, 1e20, 123e-7, -5]"),
            "[0,1e+21,100000000000000000000,0.0000123,-5]"
        );
    }

    #[test]
    fn nested_objects_are_compact_and_sorted() {
        let v = json!({"spec": {"b": 1, "a": [{"z": "x", "y": 2}]}, "kind": "dsse", "apiVersion": "0.0.1"});
        assert_eq!(
            String::from_utf8(canonical(&v)).unwrap(),
            r#"{"apiVersion":"0.0.1","kind":"dsse","spec":{"a":[{"y":2,"z":"x"}],"b":1}}"#
        );
    }
}
