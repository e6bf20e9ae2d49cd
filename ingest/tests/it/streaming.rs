//! Memory stays bounded by the record size, however long the input.

use std::io::{BufReader, Read};

use keyledger_ingest::split::{Item, RecordReader};

/// An envelope of `n` generated records, produced on the fly: the input is
/// never in memory as a whole.
struct Envelope {
    n: u64,
    i: u64,
    pending: Vec<u8>,
    done: bool,
}

impl Envelope {
    fn new(n: u64) -> Self {
        Envelope {
            n,
            i: 0,
            pending: b"{\"Records\":[".to_vec(),
            done: false,
        }
    }
}

impl Read for Envelope {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.is_empty() && !self.done {
            if self.i == self.n {
                self.pending.extend_from_slice(b"]}");
                self.done = true;
            } else {
                if self.i > 0 {
                    self.pending.push(b',');
                }
                let rec = format!(
                    r#"{{"eventVersion":"1.11","eventTime":"2025-03-06T10:00:00Z","eventName":"Decrypt","eventID":"id-{}","requestParameters":{{"encryptionContext":{{"note":"{}"}}}}}}"#,
                    self.i,
                    "x".repeat(900)
                );
                self.pending.extend_from_slice(rec.as_bytes());
                self.i += 1;
            }
        }
        let n = out.len().min(self.pending.len());
        out[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[test]
fn a_large_envelope_streams_in_bounded_memory() {
    // ~200 MB of input.
    let n = 200_000;
    let mut reader = RecordReader::new(BufReader::new(Envelope::new(n)));
    let mut count = 0u64;
    let mut peak = 0;
    while let Some(item) = reader.next() {
        let Item::Record(r) = item else {
            panic!("{item:?}")
        };
        assert!(r.text.starts_with("{\"eventVersion\""));
        count += 1;
        peak = peak.max(reader.memory());
    }
    assert_eq!(count, n);
    assert!(reader.bytes_read() > 190_000_000, "{}", reader.bytes_read());
    assert!(peak < 1 << 20, "splitter held {peak} bytes");
}
