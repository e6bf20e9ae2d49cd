//! Tokens of space-separated log lines where `[…]` and `"…"` are one token.

/// Split a line into tokens; brackets and quotes are stripped.
pub(crate) fn tokens(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '"' => {
                chars.next();
                let mut t = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                t.push(n);
                            }
                        }
                        '"' => break,
                        c => t.push(c),
                    }
                }
                out.push(t);
            }
            '[' => {
                chars.next();
                let t: String = chars.by_ref().take_while(|c| *c != ']').collect();
                out.push(format!("[{t}]"));
            }
            _ => {
                let mut t = String::new();
                while let Some(&c) = chars.peek() {
                    if c == ' ' || c == '\t' {
                        break;
                    }
                    t.push(c);
                    chars.next();
                }
                out.push(t);
            }
        }
    }
    out
}

/// `-` and empty mean "no value" in access logs.
pub(crate) fn value(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s != "-").then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_quotes_and_brackets_together() {
        assert_eq!(
            tokens(
                r#"1.2.3.4 - - [07/Dec/2016:10:34:43 +0100] "GET / HTTP/1.1" 200 612 "-" "a \"b\" c""#
            ),
            vec![
                "1.2.3.4",
                "-",
                "-",
                "[07/Dec/2016:10:34:43 +0100]",
                "GET / HTTP/1.1",
                "200",
                "612",
                "-",
                r#"a "b" c"#
            ]
        );
    }
}
