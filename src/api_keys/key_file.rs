//! AWS's API key import file (README: "API keys and usage plans"), read as AWS's import reads it
//! (AWS docs: "API Gateway API key file format"): a header naming the columns in any order and
//! any case; `Name` and `Key` required; `Description`, `Enabled` and `UsagePlanIds` optional;
//! other columns ignored. A `Key` has 20 to 128 characters, a `Name` at most 1,024. An empty
//! `Enabled` is true; `UsagePlanIds` is a comma-separated list (quoted in the file when it holds
//! several). The same key twice: the later row wins, as a later import overwrites an earlier one.
//!
//! The file has no key id, which `$context.identity.apiKeyId` needs. Our choice: an optional `Id`
//! column (AWS's import ignores it, so the same file still imports), else an id derived from the
//! key (10 lower-case letters and digits, the shape of AWS's ids, from the key's SHA-256): stable
//! across restarts and machines, changed only when the key changes.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::csv::{self, Record};

/// AWS's bounds on a key's length (characters).
pub const MIN_KEY_CHARS: usize = 20;
pub const MAX_KEY_CHARS: usize = 128;
/// AWS's bound on a name's length (characters).
pub const MAX_NAME_CHARS: usize = 1024;
/// The longest `Id` (our choice: AWS's ids have 10 characters).
pub const MAX_ID_CHARS: usize = 128;

/// One API key of the file.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// `$context.identity.apiKeyId`.
    pub id: String,
    pub name: String,
    pub description: String,
    /// `$context.identity.apiKey`: what the caller presents.
    pub value: String,
    pub enabled: bool,
    /// The usage plans the key is in, as the file lists them.
    pub usage_plan_ids: Vec<String>,
    /// The file line of its row (for messages: the key itself is never printed).
    pub line: usize,
}

impl std::fmt::Debug for ApiKey {
    // Never the key itself, not even in a debug line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("enabled", &self.enabled)
            .field("usage_plan_ids", &self.usage_plan_ids)
            .field("line", &self.line)
            .finish()
    }
}

/// What is wrong with the file: the line (0: the file as a whole), the column, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFileError {
    pub line: usize,
    pub column: &'static str,
    pub message: String,
}

impl KeyFileError {
    fn new(line: usize, column: &'static str, message: impl Into<String>) -> KeyFileError {
        KeyFileError { line, column, message: message.into() }
    }
}

/// The columns this gateway reads, by their header name in lower case.
#[derive(Debug, Default)]
struct Columns {
    name: Option<usize>,
    key: Option<usize>,
    description: Option<usize>,
    enabled: Option<usize>,
    usage_plan_ids: Option<usize>,
    id: Option<usize>,
}

impl Columns {
    fn of(header: &Record) -> Result<Columns, KeyFileError> {
        let mut c = Columns::default();
        for (i, title) in header.fields.iter().enumerate() {
            let slot = match title.trim().to_ascii_lowercase().as_str() {
                "name" => &mut c.name,
                "key" => &mut c.key,
                "description" => &mut c.description,
                "enabled" => &mut c.enabled,
                "usageplanids" => &mut c.usage_plan_ids,
                "id" => &mut c.id,
                // AWS: "Unrecognized columns are permitted, but are ignored".
                _ => continue,
            };
            if slot.replace(i).is_some() {
                return Err(KeyFileError::new(header.line, "header", format!("the column {:?} is named twice", title.trim())));
            }
        }
        if c.name.is_none() || c.key.is_none() {
            return Err(KeyFileError::new(header.line, "header",
                "the columns Name and Key are required (AWS's API key file format: Name,Key,Description,Enabled,UsagePlanIds)"));
        }
        Ok(c)
    }
}

/// Reads the file's keys, in file order, a repeated key kept once (at its later row). The
/// warnings name lines, never keys.
pub fn parse(text: &str) -> Result<(Vec<ApiKey>, Vec<String>), KeyFileError> {
    let records = csv::records(text).map_err(|e| KeyFileError::new(e.line, "", e.message))?;
    let mut rows = records.iter().filter(|r| r.fields.iter().any(|f| !f.trim().is_empty()));
    let Some(header) = rows.next() else {
        return Err(KeyFileError::new(0, "header", "the file is empty (AWS's API key file format: Name,Key,Description,Enabled,UsagePlanIds)"));
    };
    let columns = Columns::of(header)?;
    // Key -> its slot in `kept`; a repeated key empties its earlier slot.
    let mut by_value: HashMap<String, usize> = HashMap::new();
    let mut kept: Vec<Option<ApiKey>> = Vec::new();
    let mut warnings = Vec::new();
    for record in rows {
        let key = row(&columns, header.fields.len(), record)?;
        if let Some(earlier) = by_value.insert(key.value.clone(), kept.len()).and_then(|i| kept.get_mut(i)?.take()) {
            warnings.push(format!("line {} repeats the key of line {}: the later row wins, as AWS's import does",
                key.line, earlier.line));
        }
        kept.push(Some(key));
    }
    let keys: Vec<ApiKey> = kept.into_iter().flatten().collect();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for key in &keys {
        if let Some(line) = by_id.insert(&key.id, key.line) {
            return Err(KeyFileError::new(key.line, "Id",
                format!("the key id {:?} is also line {line}'s: each key needs its own id", key.id)));
        }
    }
    Ok((keys, warnings))
}

/// One row's key.
fn row(columns: &Columns, width: usize, record: &Record) -> Result<ApiKey, KeyFileError> {
    let line = record.line;
    if record.fields.len() > width {
        return Err(KeyFileError::new(line, "", format!("{} fields, the header names {width}", record.fields.len())));
    }
    let field = |column: Option<usize>| column.and_then(|i| record.fields.get(i)).map_or("", String::as_str);
    let value = field(columns.key).to_string();
    let chars = value.chars().count();
    if !(MIN_KEY_CHARS..=MAX_KEY_CHARS).contains(&chars) {
        return Err(KeyFileError::new(line, "Key", format!("has {chars} characters: a key has {MIN_KEY_CHARS} to {MAX_KEY_CHARS}")));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        // Such a key could never arrive in an x-api-key header as written.
        return Err(KeyFileError::new(line, "Key", "holds white space or a control character"));
    }
    let name = field(columns.name).to_string();
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(KeyFileError::new(line, "Name", format!("longer than {MAX_NAME_CHARS} characters")));
    }
    let enabled = match field(columns.enabled).trim().to_ascii_lowercase().as_str() {
        "" | "true" => true,
        "false" => false,
        other => return Err(KeyFileError::new(line, "Enabled", format!("{other:?} is neither true nor false"))),
    };
    let usage_plan_ids = field(columns.usage_plan_ids)
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect();
    let id = match field(columns.id).trim() {
        "" => derived_id(&value),
        given if given.chars().count() > MAX_ID_CHARS || given.chars().any(char::is_control) => {
            return Err(KeyFileError::new(line, "Id", format!("at most {MAX_ID_CHARS} characters, no control character")))
        }
        given => given.to_string(),
    };
    Ok(ApiKey { id, name, description: field(columns.description).to_string(), value, enabled, usage_plan_ids, line })
}

/// A key's id when the file gives none: 10 base-36 digits of its SHA-256 (README: "API keys and
/// usage plans").
pub fn derived_id(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut n = digest.iter().take(8).fold(0u64, |n, b| (n << 8) | u64::from(*b));
    let alphabet = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut id = String::with_capacity(10);
    for _ in 0..10 {
        id.push(alphabet.get((n % 36) as usize).map_or('0', |c| char::from(*c)));
        n /= 36;
    }
    id
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::{derived_id, parse, KeyFileError};

    const K1: &str = "apikey1234abcdefghij0123456789";
    const K2: &str = "anotherkey0123456789abcdef";

    // AWS's examples: columns in any order and case, the optional ones defaulted, UsagePlanIds
    // quoted when it lists several.
    #[test]
    fn aws_examples() {
        let (keys, _) = parse(&format!("Key,name\n{K1},MyFirstApiKey\n")).unwrap();
        assert_eq!((keys[0].name.as_str(), keys[0].value.as_str(), keys[0].enabled), ("MyFirstApiKey", K1, true));
        assert!(keys[0].usage_plan_ids.is_empty() && keys[0].description.is_empty());
        let (keys, _) = parse(&format!("Enabled,Name,key,UsageplanIds\ntrue,MyFirstApiKey,{K1},\"c7y23b,glvrsr\"\n")).unwrap();
        assert_eq!(keys[0].usage_plan_ids, ["c7y23b", "glvrsr"]);
        let (keys, _) = parse(&format!("Name,key,description,Enabled,usageplanIds,Extra\nA,{K1},An imported key,FALSE,c7y23b,x\n")).unwrap();
        assert_eq!((keys[0].description.as_str(), keys[0].enabled, keys[0].usage_plan_ids.clone()),
                   ("An imported key", false, vec!["c7y23b".to_string()]));
    }

    // The id: the Id column when given, else derived from the key (stable, AWS's shape).
    #[test]
    fn ids() {
        let (keys, _) = parse(&format!("name,key,id\na,{K1},abc123\nb,{K2},\n")).unwrap();
        assert_eq!(keys[0].id, "abc123");
        assert_eq!(keys[1].id, derived_id(K2));
        assert_eq!(derived_id(K2), derived_id(K2));
        assert_ne!(derived_id(K1), derived_id(K2));
        assert!(derived_id(K1).len() == 10 && derived_id(K1).chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        let err = parse(&format!("name,key,id\na,{K1},same\nb,{K2},same\n")).unwrap_err();
        assert_eq!((err.line, err.column), (3, "Id"));
    }

    // The same key twice: the later row wins (AWS: the latest import overwrites), with a warning
    // naming lines only.
    #[test]
    fn repeated_key() {
        let (keys, warnings) = parse(&format!("name,key\nfirst,{K1}\nother,{K2}\nsecond,{K1}\n")).unwrap();
        assert_eq!(keys.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["other", "second"]);
        assert_eq!(warnings, ["line 4 repeats the key of line 2: the later row wins, as AWS's import does"]);
        assert!(!warnings[0].contains(K1));
    }

    // Refusals name the line and the column, never the key.
    #[test]
    fn refusals() {
        let cases = [
            ("".to_string(), 0, "header"),
            ("name,description\nx,y\n".to_string(), 1, "header"),
            ("name,key,Key\n".to_string(), 1, "header"),
            ("name,key\nshort,abc\n".to_string(), 2, "Key"),
            (format!("name,key\nlong,{}\n", "k".repeat(129)), 2, "Key"),
            (format!("name,key\nspace,{K1} x\n"), 2, "Key"),
            (format!("name,key,enabled\n\nx,{K1},yes\n"), 3, "Enabled"),
            (format!("name,key\n{},{K1}\n", "n".repeat(1025)), 2, "Name"),
            (format!("name,key\nx,{K1},extra\n"), 2, ""),
            (format!("name,key\n\"x,{K1}\n"), 2, ""),
        ];
        for (text, line, column) in cases {
            let err: KeyFileError = parse(&text).unwrap_err();
            assert_eq!((err.line, err.column), (line, column), "{text:?}: {err:?}");
            assert!(!err.message.contains(K1), "{err:?}");
        }
        assert!(parse(&format!("name,key\nok,{}\n", "k".repeat(20))).is_ok());
        assert!(parse(&format!("name,key\nok,{}\n", "k".repeat(128))).is_ok());
    }

    // Debug output never shows the key.
    #[test]
    fn debug_hides_the_key() {
        let (keys, _) = parse(&format!("name,key\nx,{K1}\n")).unwrap();
        assert!(!format!("{keys:?}").contains(K1));
    }
}
