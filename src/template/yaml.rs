//! Reading YAML that chora did not write (answers files, `--data-file`, `template.yml`): the
//! nesting depth is bounded before the parser sees the text (deep flow nesting makes parsers
//! quadratic), duplicate keys are refused (never "last wins"), and parser messages are cut to a
//! short, escaped excerpt.

use serde::de::DeserializeOwned;

/// Deepest nesting of flow collections (`[` `{`) accepted.
pub const MAX_DEPTH: usize = 64;

/// Why YAML text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YamlError {
    #[error("nested more than {MAX_DEPTH} levels deep (line {line})")]
    TooDeep { line: usize },
    #[error("{0}")]
    Invalid(String),
}

/// Refuse flow nesting deeper than [`MAX_DEPTH`], scanning outside quoted scalars and comments.
pub fn check_depth(text: &str) -> Result<(), YamlError> {
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut prev = '\n';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
            comment = false;
            // Plain multi-line scalars aside, a quoted scalar may span lines; keep the state.
        }
        if comment {
            prev = c;
            continue;
        }
        match quote {
            Some('\'') => {
                if c == '\'' {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                    } else {
                        quote = None;
                    }
                }
            }
            Some(_) => {
                if c == '\\' {
                    chars.next();
                } else if c == '"' {
                    quote = None;
                }
            }
            None => match c {
                '#' if prev.is_whitespace() => comment = true,
                '"' | '\'' => quote = Some(c),
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(YamlError::TooDeep { line });
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        prev = c;
    }
    Ok(())
}

/// Parse `text` as `T` after the depth check. The text is first read as yaml_serde's own
/// `Value`, which refuses a key repeated in one mapping at any level (a typed map such as
/// `IndexMap` would keep the last one silently); `T` is then read from the text itself, so
/// scalars keep their typed reading (`False` into a string stays `"False"`).
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check_depth(text)?;
    yaml_serde::from_str::<yaml_serde::Value>(text).map_err(invalid)?;
    yaml_serde::from_str(text).map_err(invalid)
}

fn invalid(e: yaml_serde::Error) -> YamlError {
    YamlError::Invalid(crate::text::excerpt(&e.to_string(), 300))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let deep = "a: ".to_string() + &"[".repeat(100_000);
        assert_eq!(check_depth(&deep), Err(YamlError::TooDeep { line: 1 }));
        let ok = "a: ".to_string() + &"[".repeat(10) + &"]".repeat(10);
        assert_eq!(check_depth(&ok), Ok(()));
        // Brackets inside quotes and comments do not count.
        let quoted = format!(
            "a: \"{}\"\nb: '{}' # {}\n",
            "[".repeat(200),
            "{".repeat(200),
            "[".repeat(200)
        );
        assert_eq!(check_depth(&quoted), Ok(()));
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_level() {
        type Map = indexmap::IndexMap<String, yaml_serde::Value>;
        let err = parse::<Map>("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert!(
            err.to_string().contains("duplicate entry with key"),
            "{err}"
        );
        let nested = parse::<Map>("top:\n  x: 1\n  x: 2\n").unwrap_err();
        assert!(matches!(nested, YamlError::Invalid(_)), "{nested}");
        assert!(parse::<Map>("a: 1\nb: {a: 2}\n").is_ok());
    }
}
