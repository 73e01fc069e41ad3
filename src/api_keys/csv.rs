//! The comma-separated text of AWS's API key import file (README: "API keys and usage plans"):
//! records of fields separated by `,`, one record a line (`\n` or `\r\n`). AWS's page on the file
//! format quotes a field holding commas "with a pair of double or single quotes"
//! (`"c7y23b,glvrsr"`), so a field that **starts** with `"` or `'` is quoted up to the same quote
//! character; inside it that character is written twice to stand for itself, as in RFC 4180.
//! A quote anywhere else in a field is an ordinary character (`O'Brien`). Blank lines are
//! skipped; a UTF-8 byte order mark before the first record is dropped.

/// One record and the line it starts on (1 for the first line of the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// A quoted field that is never closed, or text after a closing quote: the line it starts on and
/// what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub message: String,
}

/// Reads every record of `text`.
pub fn records(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader { chars: text.chars().peekable(), line: 1 };
    let mut out = Vec::new();
    while reader.chars.peek().is_some() {
        let line = reader.line;
        let fields = reader.record()?;
        let blank = matches!(fields.as_slice(), [only] if only.is_empty());
        if !blank {
            out.push(Record { line, fields });
        }
    }
    Ok(out)
}

struct Reader<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl Reader<'_> {
    /// One record, up to and including its line end (or the end of the text).
    fn record(&mut self) -> Result<Vec<String>, CsvError> {
        let mut fields = Vec::new();
        loop {
            let field = match self.chars.peek() {
                Some(&q) if q == '"' || q == '\'' => self.quoted(q)?,
                _ => self.plain(),
            };
            fields.push(field);
            match self.chars.next() {
                Some(',') => continue,
                Some('\r') if self.chars.peek() == Some(&'\n') => {
                    self.chars.next();
                    self.line = self.line.saturating_add(1);
                }
                Some('\n') => self.line = self.line.saturating_add(1),
                Some(_) | None => {}
            }
            return Ok(fields);
        }
    }

    /// An unquoted field: up to the next `,` or line end (a lone `\r` is kept as text).
    fn plain(&mut self) -> String {
        let mut field = String::new();
        while let Some(&c) = self.chars.peek() {
            if c == ',' || c == '\n' || (c == '\r' && self.at_crlf()) {
                break;
            }
            field.push(c);
            self.chars.next();
        }
        field
    }

    /// Whether the next two characters are `\r\n`.
    fn at_crlf(&self) -> bool {
        let mut ahead = self.chars.clone();
        ahead.next() == Some('\r') && ahead.next() == Some('\n')
    }

    /// A field quoted with `quote`; line ends inside it are part of the value.
    fn quoted(&mut self, quote: char) -> Result<String, CsvError> {
        let start = self.line;
        self.chars.next();
        let mut field = String::new();
        loop {
            match self.chars.next() {
                None => {
                    return Err(CsvError { line: start, message: format!("a field opened with {quote} is never closed") })
                }
                Some(c) if c == quote => {
                    if self.chars.peek() == Some(&quote) {
                        self.chars.next();
                        field.push(quote);
                        continue;
                    }
                    return match self.chars.peek().copied() {
                        None | Some(',') | Some('\n') => Ok(field),
                        Some('\r') if self.at_crlf() => Ok(field),
                        Some(_) => Err(CsvError {
                            line: self.line,
                            message: format!("text after the closing {quote} of a quoted field"),
                        }),
                    };
                }
                Some(c) => {
                    if c == '\n' {
                        self.line = self.line.saturating_add(1);
                    }
                    field.push(c);
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::{records, CsvError, Record};

    fn fields(text: &str) -> Vec<Vec<String>> {
        records(text).unwrap().into_iter().map(|r| r.fields).collect()
    }

    // AWS's own examples (the API key file format page) read as AWS means them.
    #[test]
    fn aws_examples() {
        assert_eq!(fields("Key,name\napikey1234abcdefghij0123456789,MyFirstApiKey\n"),
                   [vec!["Key", "name"], vec!["apikey1234abcdefghij0123456789", "MyFirstApiKey"]]);
        assert_eq!(fields("Enabled,Name,key,UsageplanIds\ntrue,MyFirstApiKey,apikey1234abcdefghij0123456789,\"c7y23b,glvrsr\"")[1],
                   ["true", "MyFirstApiKey", "apikey1234abcdefghij0123456789", "c7y23b,glvrsr"]);
        assert_eq!(fields("a,b\r\nx,'c7y23b,glvrsr'\r\n")[1], ["x", "c7y23b,glvrsr"]);
    }

    // Doubled quotes, quotes inside unquoted fields, empty fields, line ends inside quotes (the
    // line numbers still count them), blank lines, a byte order mark, a lone \r kept as text.
    #[test]
    fn quoting_and_lines() {
        let text = "\u{feff}h1,h2,h3\n\n\"say \"\"hi\"\"\",O'Brien,\n'multi\nline',,x\ra\n";
        let r = records(text).unwrap();
        assert_eq!(r, vec![
            Record { line: 1, fields: vec!["h1".into(), "h2".into(), "h3".into()] },
            Record { line: 3, fields: vec!["say \"hi\"".into(), "O'Brien".into(), String::new()] },
            Record { line: 4, fields: vec!["multi\nline".into(), String::new(), "x\ra".into()] },
        ]);
    }

    // A quote never closed, or text after the closing quote: refused with the line.
    #[test]
    fn malformed() {
        assert_eq!(records("a\n\"open,b\n"), Err(CsvError { line: 2, message: "a field opened with \" is never closed".into() }));
        assert_eq!(records("a\nb\n'x'y,z"), Err(CsvError { line: 3, message: "text after the closing ' of a quoted field".into() }));
        assert_eq!(records(""), Ok(vec![]));
    }
}
