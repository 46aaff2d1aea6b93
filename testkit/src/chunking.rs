//! Seeded ways to split a byte stream, as a real network may.
//!
//! TCP promises the bytes and their order, never the boundaries: one write
//! may arrive as many reads and many writes as one. A [`Chunking`] names how
//! a test splits what it sends; [`ChunkedReader`] delivers an in-memory
//! stream that way to code that takes any `Read`, and [`write_chunked`]
//! writes to a socket that way, pausing so the pieces really travel apart.

use std::fmt;
use std::io::{self, Read, Write};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::lang::t;

/// How a stream is cut into pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunking {
    /// Everything in one piece: several messages merged into one write.
    Whole,
    /// Pieces of exactly this many bytes (the last may be shorter); `Fixed(1)`
    /// is one byte at a time.
    Fixed(usize),
    /// Pieces of 1 to `max` bytes, cut where a seeded generator says.
    Random {
        /// Replays the same cuts.
        seed: u64,
        /// The largest piece.
        max: usize,
    },
}

impl fmt::Display for Chunking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Chunking::Whole => f.write_str(&t!("chunk-whole")),
            Chunking::Fixed(1) => f.write_str(&t!("chunk-one-byte")),
            Chunking::Fixed(n) => f.write_str(&t!("chunk-fixed", size = n)),
            Chunking::Random { seed, max } => f.write_str(&t!(
                "chunk-random",
                max = max,
                // As text: a seed is an identifier, not a quantity.
                seed = seed.to_string()
            )),
        }
    }
}

impl Chunking {
    /// The lengths of the pieces `len` bytes are cut into.
    pub fn sizes(&self, len: usize) -> Vec<usize> {
        let mut sizes = Vec::new();
        let mut left = len;
        let mut rng = match self {
            Chunking::Random { seed, .. } => Some(ChaCha8Rng::seed_from_u64(*seed)),
            _ => None,
        };
        while left > 0 {
            let n = match self {
                Chunking::Whole => left,
                Chunking::Fixed(n) => (*n).max(1).min(left),
                Chunking::Random { max, .. } => {
                    let rng = rng.as_mut().expect("random chunking has a generator");
                    rng.random_range(1..=(*max).max(1)).min(left)
                }
            };
            sizes.push(n);
            left -= n;
        }
        sizes
    }

    /// This chunking with the step's seed when it is random (the seed is
    /// printed if the step fails, and `TESTKIT_SEED` replays it); any other
    /// chunking as it is.
    pub fn seeded(self, step: &crate::Step) -> Chunking {
        match self {
            Chunking::Random { max, .. } => Chunking::Random {
                seed: step.seed(),
                max,
            },
            other => other,
        }
    }

    /// Cuts `data` into pieces.
    pub fn split<'a>(&self, data: &'a [u8]) -> Vec<&'a [u8]> {
        let mut out = Vec::new();
        let mut rest = data;
        for n in self.sizes(data.len()) {
            let (piece, tail) = rest.split_at(n);
            out.push(piece);
            rest = tail;
        }
        out
    }
}

/// A `Read` over bytes in memory that returns at most one piece per call,
/// the way a socket returns whatever has arrived so far.
#[derive(Debug)]
pub struct ChunkedReader {
    data: Vec<u8>,
    sizes: std::vec::IntoIter<usize>,
    pos: usize,
    current: usize,
}

impl ChunkedReader {
    /// Delivers `data` cut as `chunking` says, then EOF.
    pub fn new(data: impl Into<Vec<u8>>, chunking: Chunking) -> Self {
        let data = data.into();
        let sizes = chunking.sizes(data.len()).into_iter();
        ChunkedReader {
            data,
            sizes,
            pos: 0,
            current: 0,
        }
    }
}

impl Read for ChunkedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.current == 0 {
            match self.sizes.next() {
                Some(n) => self.current = n,
                None => return Ok(0),
            }
        }
        let n = self.current.min(buf.len());
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        self.current -= n;
        Ok(n)
    }
}

/// A reader whose `at`th read (counting from 1) fails once with
/// `ErrorKind::Interrupted`, as a read does when a signal arrives: nothing
/// is lost, and code that reads must retry. `at = 0` never fails.
#[derive(Debug)]
pub struct InterruptedOnce<R> {
    inner: R,
    calls: usize,
    at: usize,
}

impl<R> InterruptedOnce<R> {
    /// `inner`, with its `at`th read failing once.
    pub fn new(inner: R, at: usize) -> Self {
        InterruptedOnce {
            inner,
            calls: 0,
            at,
        }
    }
}

impl<R: Read> Read for InterruptedOnce<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls == self.at {
            return Err(io::Error::new(
                io::ErrorKind::Interrupted,
                "interrupted by a signal (the test's reader: retry the read)",
            ));
        }
        self.inner.read(buf)
    }
}

/// How long the test itself takes to take `raw` one byte per read into a
/// buffer: the least any reader can cost, the baseline a step that checks a
/// reader's efficiency measures against in the same run. The fastest of
/// three runs.
pub fn one_byte_reads_baseline(raw: &[u8]) -> Duration {
    (0..3)
        .map(|_| {
            let mut reader = ChunkedReader::new(raw.to_vec(), Chunking::Fixed(1));
            let started = std::time::Instant::now();
            let mut data = Vec::new();
            let mut buf = [0u8; 8192];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                data.extend_from_slice(&buf[..n]);
            }
            std::hint::black_box(&data);
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// How many times [`one_byte_reads_baseline`] a reader may take. One that
/// searches only the new bytes takes a few times the baseline; one that
/// searches the whole buffer again after every read takes thousands of
/// times. A step also gives a floor of its own, so that a busy machine
/// never fails a correct reader.
pub const SLOW_FACTOR: u32 = 100;

/// The pause between pieces written to a socket: long enough that the
/// pieces leave as separate segments, short enough for thousands of them.
pub const PIECE_PAUSE: Duration = Duration::from_micros(200);

/// Writes `data` to `w` cut as `chunking` says, flushing and pausing between
/// pieces so that they are not merged again on the way.
pub fn write_chunked<W: Write>(w: &mut W, data: &[u8], chunking: Chunking) -> io::Result<()> {
    let pieces = chunking.split(data);
    let count = pieces.len();
    for (i, piece) in pieces.into_iter().enumerate() {
        w.write_all(piece)?;
        w.flush()?;
        if i + 1 < count && chunking != Chunking::Whole {
            std::thread::sleep(PIECE_PAUSE);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Lang, scoped};
    use rstest::rstest;

    #[rstest]
    #[case(Chunking::Whole)]
    #[case(Chunking::Fixed(1))]
    #[case(Chunking::Fixed(7))]
    #[case(Chunking::Random { seed: 42, max: 5 })]
    fn pieces_cover_the_data_in_order(#[case] chunking: Chunking) {
        let _en = scoped(Lang::En);
        let data: Vec<u8> = (0..=255).collect();
        let joined: Vec<u8> = chunking.split(&data).concat();
        assert_eq!(joined, data);
        let mut read_back = Vec::new();
        ChunkedReader::new(data.clone(), chunking)
            .read_to_end(&mut read_back)
            .unwrap();
        assert_eq!(read_back, data);
    }

    #[test]
    fn fixed_sizes_are_exact() {
        let _en = scoped(Lang::En);
        assert_eq!(Chunking::Fixed(3).sizes(8), vec![3, 3, 2]);
        assert_eq!(Chunking::Whole.sizes(8), vec![8]);
        assert!(Chunking::Whole.sizes(0).is_empty());
    }

    #[test]
    fn a_seed_replays_the_same_cuts() {
        let _en = scoped(Lang::En);
        let a = Chunking::Random { seed: 7, max: 9 }.sizes(500);
        let b = Chunking::Random { seed: 7, max: 9 }.sizes(500);
        let c = Chunking::Random { seed: 8, max: 9 }.sizes(500);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|&n| (1..=9).contains(&n)));
    }

    #[test]
    fn a_reader_never_returns_more_than_a_piece() {
        let _en = scoped(Lang::En);
        let mut r = ChunkedReader::new(b"hello world".to_vec(), Chunking::Fixed(4));
        let mut buf = [0u8; 64];
        assert_eq!(r.read(&mut buf).unwrap(), 4);
        assert_eq!(r.read(&mut buf[..2]).unwrap(), 2);
        assert_eq!(r.read(&mut buf).unwrap(), 2);
        assert_eq!(r.read(&mut buf).unwrap(), 3);
        assert_eq!(r.read(&mut buf).unwrap(), 0);
    }
}
