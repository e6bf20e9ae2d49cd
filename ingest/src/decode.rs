//! Opening input: transparent gzip, and the SHA-256 of the decompressed
//! bytes computed while they stream past (what CloudTrail digests list).

use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::MultiGzDecoder;
use sha2::{Digest, Sha256};

/// A reader that hashes everything read through it.
#[derive(Debug)]
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    pub fn finish(self) -> [u8; 32] {
        self.hasher.finalize().into()
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Decompressed bytes of `input` (gzip detected by its magic number),
/// buffered and hashed.
pub type Decoded = BufReader<HashingReader<Box<dyn Read + Send>>>;

pub fn decode<R: Read + Send + 'static>(input: R) -> io::Result<Decoded> {
    let mut raw = BufReader::with_capacity(128 << 10, input);
    let is_gzip = raw.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let inner: Box<dyn Read + Send> = if is_gzip {
        Box::new(MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    Ok(BufReader::with_capacity(
        128 << 10,
        HashingReader::new(inner),
    ))
}

/// Read what is left (so the hash covers the whole stream) and return the
/// SHA-256 and length of the decompressed bytes.
pub fn finish(reader: Decoded) -> io::Result<([u8; 32], u64)> {
    let mut hashing = reader.into_inner();
    io::copy(&mut hashing, &mut io::sink())?;
    let n = hashing.bytes_read();
    Ok((hashing.finish(), n))
}
