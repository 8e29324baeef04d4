//! RFC 8785 (JCS) canonical JSON for the values the stand-ins sign: objects with members
//! sorted by UTF-16 code units, no whitespace, strings escaped as ECMAScript does (serde_json
//! escapes the same set: `\"`, `\\`, `\b\f\n\r\t`, other controls as lowercase `\u00xx`).
//! Numbers must be integers (all Rekor numbers are); a float panics.

use serde_json::Value;

/// The canonical bytes of `value`.
pub fn canonicalize(value: &Value) -> Vec<u8> {
    let mut out = String::new();
    write(value, &mut out);
    out.into_bytes()
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Null | Value::Bool(_) => out.push_str(&value.to_string()),
        Value::Number(n) => {
            assert!(
                n.is_i64() || n.is_u64(),
                "canonicalize: only integers, got {n}"
            );
            out.push_str(&n.to_string());
        }
        Value::String(s) => out.push_str(&Value::String(s.clone()).to_string()),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write(v, out);
            }
            out.push('}');
        }
    }
}
