//! A small .env reader: `KEY=VALUE` lines.

/// Parses `.env` text: blank lines and lines starting with `#` are skipped; an `export `
/// prefix is dropped; the key is trimmed and must be non-empty; a value wrapped in matching
/// single or double quotes loses them (nothing inside is unescaped); otherwise it is trimmed.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let t = t.strip_prefix("export ").unwrap_or(t);
        let Some((k, v)) = t.split_once('=') else {
            return Err(format!("line {}: expected KEY=VALUE", n + 1));
        };
        let k = k.trim();
        if k.is_empty() || k.chars().any(char::is_whitespace) {
            return Err(format!("line {}: invalid variable name {k:?}", n + 1));
        }
        let v = v.trim();
        let v = match v.as_bytes() {
            [q @ (b'"' | b'\''), .., last] if last == q && v.len() >= 2 => &v[1..v.len() - 1],
            _ => v,
        };
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn dotenv_lines() {
        let got = parse("# c\n\nA=1\nexport B = two words \nC=\"quoted = x\"\nD='s'\nE=\nF=\"\n")
            .unwrap();
        let want = [
            ("A", "1"),
            ("B", "two words"),
            ("C", "quoted = x"),
            ("D", "s"),
            ("E", ""),
            ("F", "\""),
        ];
        assert_eq!(got.len(), want.len());
        for ((k, v), (wk, wv)) in got.iter().zip(want) {
            assert_eq!((k.as_str(), v.as_str()), (wk, wv));
        }
        assert!(parse("NOEQUALS\n").unwrap_err().contains("line 1"));
        assert!(parse("=x\n").is_err());
        assert!(parse("A B=x\n").is_err());
    }
}
