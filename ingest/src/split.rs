//! Splitting a stream of bytes into raw records, without reading it whole.
//!
//! CloudTrail records reach us in several wrappings, and a file may be far
//! larger than memory; this reader walks the JSON structure incrementally and
//! hands out each record's exact bytes:
//!
//! | form | example |
//! |---|---|
//! | delivery envelope | `{"Records":[{…},{…}]}` |
//! | bare array | `[{…},{…}]` |
//! | one event per line, or concatenated | `{…}\n{…}` |
//! | `lookup-events` output | `{"Events":[{"CloudTrailEvent":"{…}"}]}` |
//! | JSON strings holding events | `["{…}","{…}"]` |
//!
//! Only the structure (nesting, strings) is checked here; a record whose
//! content is not valid JSON is still handed out, and rejected by the parser
//! with a precise reason while its neighbours are kept. A structural break
//! (truncation, stray bytes, a corrupt compressed stream) ends the stream:
//! the rest is reported as one bad item, everything before it is kept.
//!
//! Memory is bounded by the largest single record ([`MAX_RECORD_BYTES`]),
//! never by the size of the stream.

use std::io::{BufRead, ErrorKind};

/// Records larger than this are rejected instead of buffered.
pub const MAX_RECORD_BYTES: usize = 32 << 20;
/// Bad input kept with a quarantine entry is cut to this size.
pub const MAX_QUARANTINE_BYTES: usize = 256 << 10;

/// One record's bytes and where it sat in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// Ordinal of the record in the stream, from 0.
    pub index: u64,
    /// Byte offset of the record's first byte (of the decompressed stream).
    pub offset: u64,
    pub text: String,
}

/// Input that could not be split into records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadInput {
    pub index: Option<u64>,
    pub offset: u64,
    pub reason: String,
    /// The offending bytes (cut to [`MAX_QUARANTINE_BYTES`]).
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Record(RawRecord),
    Bad(BadInput),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Elements are records (delivery envelope, bare array).
    Records,
    /// Elements are `lookup-events` entries holding `CloudTrailEvent`.
    LookupEvents,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between top-level values.
    Top,
    /// Inside an array of records, before an element, `,` or `]`.
    InArray {
        ctx: Context,
        in_envelope: bool,
    },
    /// After an envelope's array closed: the rest of the enclosing object.
    AfterArray,
    Done,
}

/// A structural failure: where, and why.
#[derive(Debug)]
struct Broken {
    offset: u64,
    reason: String,
}

/// Streaming record splitter over any `BufRead` (for example a gzip decoder).
/// Every position below is an absolute offset in the stream.
#[derive(Debug)]
pub struct RecordReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    base: u64,
    /// Next unread offset.
    pos: u64,
    /// Offset that must stay in memory (start of a value being read).
    pin: Option<u64>,
    eof: bool,
    state: State,
    index: u64,
}

impl<R: BufRead> Iterator for RecordReader<R> {
    type Item = Item;
    fn next(&mut self) -> Option<Item> {
        match self.step() {
            Ok(item) => item,
            Err(b) => Some(self.give_up(b)),
        }
    }
}

impl<R: BufRead> RecordReader<R> {
    pub fn new(inner: R) -> Self {
        RecordReader {
            inner,
            buf: Vec::with_capacity(64 << 10),
            base: 0,
            pos: 0,
            pin: None,
            eof: false,
            state: State::Top,
            index: 0,
        }
    }

    /// Bytes of the stream read so far.
    pub fn bytes_read(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    /// Bytes held in memory right now (the buffer's capacity): bounded by
    /// the largest record, whatever the stream's length.
    pub fn memory(&self) -> usize {
        self.buf.capacity()
    }

    /// Hand back the inner reader (e.g. to finish a hash over it).
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn byte(&self, at: u64) -> u8 {
        self.buf[(at - self.base) as usize]
    }

    fn end(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    fn slice(&self, from: u64, to: u64) -> &[u8] {
        &self.buf[(from - self.base) as usize..(to - self.base) as usize]
    }

    fn broken(at: u64, reason: impl Into<String>) -> Broken {
        Broken {
            offset: at,
            reason: reason.into(),
        }
    }

    /// Read more input, dropping bytes no longer needed. `Ok(false)` at the end.
    fn fill(&mut self) -> Result<bool, Broken> {
        if self.eof {
            return Ok(false);
        }
        let keep_from = self.pin.unwrap_or(self.pos).min(self.pos);
        let drop = (keep_from - self.base) as usize;
        if drop > 0 && drop * 2 >= self.buf.len() {
            self.buf.drain(..drop);
            self.base = keep_from;
        }
        if self.end() - keep_from > MAX_RECORD_BYTES as u64 {
            return Err(Self::broken(keep_from, "record larger than 32 MiB"));
        }
        let chunk = loop {
            match self.inner.fill_buf() {
                Ok(c) => break c,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(Self::broken(self.end(), format!("unreadable input: {e}"))),
            }
        };
        if chunk.is_empty() {
            self.eof = true;
            return Ok(false);
        }
        let n = chunk.len();
        self.buf.extend_from_slice(chunk);
        self.inner.consume(n);
        Ok(true)
    }

    /// The next non-whitespace byte (not consumed), reading as needed.
    fn peek(&mut self) -> Result<Option<u8>, Broken> {
        loop {
            while self.pos < self.end() {
                let b = self.byte(self.pos);
                if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                    return Ok(Some(b));
                }
                self.pos += 1;
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    fn expect_more(&mut self, what: &str) -> Result<u8, Broken> {
        self.peek()?
            .ok_or_else(|| Self::broken(self.end(), format!("input ends before {what}")))
    }

    /// Scan one JSON value starting at `self.pos` (which must be its first
    /// byte); returns the offset just past it, and moves `pos` there.
    fn scan_value(&mut self) -> Result<u64, Broken> {
        let start = self.pos;
        let outer_pin = self.pin;
        if self.pin.is_none() {
            self.pin = Some(start);
        }
        let mut i = start;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let end = loop {
            if i >= self.end() {
                if !self.fill()? {
                    let what = if in_string { "a string" } else { "a value" };
                    return Err(Self::broken(start, format!("input ends inside {what}")));
                }
                continue;
            }
            let b = self.byte(i);
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                    if depth == 0 {
                        break i + 1;
                    }
                } else {
                    let rest = &self.buf[(i - self.base) as usize..];
                    i += memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len()) as u64;
                    continue;
                }
            } else {
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    // A closing bracket right after a bare scalar ends it.
                    b'}' | b']' if depth == 0 && i > start => break i,
                    b'}' | b']' if depth == 0 => {
                        return Err(Self::broken(i, format!("unexpected '{}'", b as char)));
                    }
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            break i + 1;
                        }
                    }
                    // A bare scalar (number, literal) ends at a delimiter.
                    b',' | b':' | b' ' | b'\n' | b'\r' | b'\t' if depth == 0 => break i,
                    _ => {}
                }
            }
            i += 1;
        };
        self.pin = outer_pin;
        self.pos = end;
        Ok(end)
    }

    fn step(&mut self) -> Result<Option<Item>, Broken> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Top => match self.peek()? {
                    None => {
                        self.state = State::Done;
                        return Ok(None);
                    }
                    // Tolerate separators between concatenated events.
                    Some(b',') => self.pos += 1,
                    Some(b'[') => {
                        self.pos += 1;
                        self.state = State::InArray {
                            ctx: Context::Records,
                            in_envelope: false,
                        };
                    }
                    Some(b'{') => {
                        if let Some(item) = self.top_object()? {
                            return Ok(Some(item));
                        }
                    }
                    Some(b'"') => {
                        let start = self.pos;
                        let end = self.scan_value()?;
                        return Ok(Some(self.element(Context::Records, start, end)));
                    }
                    Some(b) => {
                        return Err(Self::broken(
                            self.pos,
                            format!("unexpected '{}'", b as char),
                        ));
                    }
                },
                State::InArray { ctx, in_envelope } => match self.expect_more("the array's end")? {
                    b']' => {
                        self.pos += 1;
                        self.state = if in_envelope {
                            State::AfterArray
                        } else {
                            State::Top
                        };
                    }
                    b',' => self.pos += 1,
                    _ => {
                        let start = self.pos;
                        let end = self.scan_value()?;
                        return Ok(Some(self.element(ctx, start, end)));
                    }
                },
                State::AfterArray => {
                    if self.members(None)?.is_none() {
                        self.state = State::Top;
                    }
                }
            }
        }
    }

    /// A top-level object: either an envelope (its `Records` or `Events`
    /// array is streamed) or one event (returned whole).
    fn top_object(&mut self) -> Result<Option<Item>, Broken> {
        let start = self.pos;
        self.pin = Some(start);
        self.pos += 1;
        match self.members(Some(start))? {
            Some(ctx) => {
                self.pin = None;
                self.state = State::InArray {
                    ctx,
                    in_envelope: true,
                };
                Ok(None)
            }
            None => {
                self.pin = None;
                let end = self.pos;
                Ok(Some(self.element(Context::Records, start, end)))
            }
        }
    }

    /// Walk an object's members up to its closing `}`. When `envelope_start`
    /// is set and a `Records`/`Events` array is found, stop just inside it
    /// and say which.
    fn members(&mut self, envelope_start: Option<u64>) -> Result<Option<Context>, Broken> {
        loop {
            match self.expect_more("the object's end")? {
                b'}' => {
                    self.pos += 1;
                    return Ok(None);
                }
                b',' => self.pos += 1,
                b'"' => {
                    let key_start = self.pos;
                    let key_end = self.scan_value()?;
                    let ctx = match self.slice(key_start, key_end) {
                        b"\"Records\"" => Some(Context::Records),
                        b"\"Events\"" => Some(Context::LookupEvents),
                        _ => None,
                    };
                    if self.expect_more("a value")? != b':' {
                        return Err(Self::broken(self.pos, "expected ':' after a key"));
                    }
                    self.pos += 1;
                    let v = self.expect_more("a value")?;
                    if let (Some(ctx), Some(_), b'[') = (ctx, envelope_start, v) {
                        self.pos += 1;
                        return Ok(Some(ctx));
                    }
                    self.scan_value()?;
                }
                b => {
                    return Err(Self::broken(
                        self.pos,
                        format!("unexpected '{}' in an object", b as char),
                    ));
                }
            }
        }
    }

    /// Turn the value at `start..end` into an item.
    fn element(&mut self, ctx: Context, start: u64, end: u64) -> Item {
        let index = self.index;
        self.index += 1;
        let bytes = self.slice(start, end);
        let bad = |reason: String, bytes: &[u8]| {
            Item::Bad(BadInput {
                index: Some(index),
                offset: start,
                reason,
                bytes: bytes[..bytes.len().min(MAX_QUARANTINE_BYTES)].to_vec(),
            })
        };
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => return bad(format!("not valid UTF-8: {e}"), bytes),
        };
        let record = |text: String| {
            Item::Record(RawRecord {
                index,
                offset: start,
                text,
            })
        };
        match (ctx, bytes.first()) {
            // An event serialised into a JSON string.
            (_, Some(b'"')) => match serde_json::from_str::<String>(text) {
                Ok(inner) => record(inner),
                Err(e) => bad(format!("invalid JSON string: {e}"), bytes),
            },
            (Context::LookupEvents, _) => {
                #[derive(serde::Deserialize)]
                struct Entry {
                    #[serde(rename = "CloudTrailEvent")]
                    event: Option<String>,
                }
                match serde_json::from_str::<Entry>(text) {
                    Ok(Entry { event: Some(e) }) => record(e),
                    Ok(Entry { event: None }) => {
                        bad("lookup-events entry without CloudTrailEvent".into(), bytes)
                    }
                    Err(e) => bad(format!("invalid JSON: {e}"), bytes),
                }
            }
            (Context::Records, _) => record(text.to_owned()),
        }
    }

    /// After a structural break: report the rest of the stream as one bad
    /// item, and stop.
    fn give_up(&mut self, b: Broken) -> Item {
        self.state = State::Done;
        // Inside a top-level value, keep it whole: report from its start.
        let from = self
            .pin
            .take()
            .map_or(b.offset, |p| p.min(b.offset))
            .clamp(self.base, self.end());
        let mut bytes = self.slice(from, self.end()).to_vec();
        bytes.truncate(MAX_QUARANTINE_BYTES);
        // Read (and count) the rest, keeping only what fits.
        while !self.eof && bytes.len() < MAX_QUARANTINE_BYTES {
            match self.inner.fill_buf() {
                Ok([]) | Err(_) => break,
                Ok(c) => {
                    let n = c.len();
                    let room = MAX_QUARANTINE_BYTES - bytes.len();
                    bytes.extend_from_slice(&c[..n.min(room)]);
                    self.inner.consume(n);
                }
            }
        }
        Item::Bad(BadInput {
            index: None,
            offset: b.offset,
            reason: b.reason,
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io;

    fn items(input: &str) -> Vec<Item> {
        RecordReader::new(io::BufReader::with_capacity(7, input.as_bytes())).collect()
    }

    fn texts(input: &str) -> Vec<String> {
        items(input)
            .into_iter()
            .map(|i| match i {
                Item::Record(r) => r.text,
                Item::Bad(b) => format!("BAD {} @{}", b.reason, b.offset),
            })
            .collect()
    }

    #[test]
    fn envelope_keeps_exact_bytes() {
        let got = texts(r#"{"Records": [ {"a": "x}]\"", "b": [1,2]} , {"c":{}} ], "x": 1}"#);
        assert_eq!(got, vec![r#"{"a": "x}]\"", "b": [1,2]}"#, r#"{"c":{}}"#]);
    }

    #[test]
    fn other_forms() {
        assert_eq!(
            texts("[{\"a\":1},{\"b\":2}]"),
            vec!["{\"a\":1}", "{\"b\":2}"]
        );
        assert_eq!(
            texts("{\"a\":1}\n{\"b\":2}\n"),
            vec!["{\"a\":1}", "{\"b\":2}"]
        );
        assert_eq!(texts(r#"["{\"a\":1}"]"#), vec![r#"{"a":1}"#]);
        assert_eq!(
            texts(
                r#"{"Events":[{"EventId":"1","CloudTrailEvent":"{\"eventID\":\"1\"}"}],"NextToken":null}"#
            ),
            vec![r#"{"eventID":"1"}"#]
        );
        assert_eq!(texts(""), Vec::<String>::new());
        assert_eq!(texts("{\"Records\":[]}"), Vec::<String>::new());
    }

    #[test]
    fn bad_content_is_kept_apart_structural_break_ends() {
        // The middle record is structurally fine but invalid JSON: handed out as text.
        assert_eq!(
            texts(r#"[{"a":1},{"b": x},{"c":3}]"#),
            vec![r#"{"a":1}"#, r#"{"b": x}"#, r#"{"c":3}"#]
        );
        let got = texts(r#"{"Records":[{"a":1},{"b":2"#);
        assert_eq!(got[0], r#"{"a":1}"#);
        assert!(
            got[1].starts_with("BAD input ends inside a value"),
            "{got:?}"
        );
        assert_eq!(got.len(), 2);
        let got = texts("{\"a\":1}\n}garbage");
        assert_eq!(got[0], "{\"a\":1}");
        assert!(got[1].starts_with("BAD unexpected '}' @8"), "{got:?}");
    }

    #[test]
    fn offsets_and_indexes() {
        let got = items("{\"a\":1}\n  {\"b\":2}");
        let Item::Record(r) = &got[1] else {
            panic!("{got:?}")
        };
        assert_eq!((r.index, r.offset), (1, 10));
    }
}
