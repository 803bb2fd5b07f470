//! Arbitrary bytes in arbitrary chunkings through the record deframer: it must never
//! panic, never hold more than its limit, return records that are exactly a prefix of the
//! input, and give the same records whatever the chunking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_record::{Deframer, RecordKind, RecordVersion};

/// A small deterministic generator for chunk sizes, seeded from the input.
struct Chunks(u32);

impl Chunks {
    fn next(&mut self, max: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        1 + (self.0 as usize % max)
    }
}

/// Deframes `data` fed in chunks; returns the records' bytes and whether it failed.
fn run(kind: RecordKind, data: &[u8], mut chunk: impl FnMut() -> usize) -> (Vec<Vec<u8>>, bool) {
    let mut deframer = Deframer::new();
    deframer.set_kind(kind);
    let mut records = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let size = chunk().min(rest.len());
        let took = deframer.push(&rest[..size]);
        assert!(deframer.buffered() <= deframer.buffer_limit());
        rest = &rest[took..];
        loop {
            match deframer.next_record() {
                Ok(Some(record)) => {
                    assert_eq!(record.as_bytes().len(), 5 + record.fragment().len());
                    assert!(record.fragment().len() <= kind.max_fragment_len());
                    records.push(record.as_bytes().to_vec());
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = e.alert();
                    assert_eq!(deframer.next_record(), Err(e));
                    return (records, true);
                }
            }
        }
    }
    (records, false)
}

fuzz_target!(|input: &[u8]| {
    let Some((&control, data)) = input.split_first() else {
        return;
    };
    let kind = match control % 3 {
        0 => RecordKind::Plaintext,
        1 => RecordKind::Protected(RecordVersion::Tls13),
        _ => RecordKind::Protected(RecordVersion::Tls12),
    };
    let max = [1usize, 2, 7, 64, 1500, 20_000, 100_000][usize::from(control / 3) % 7];
    let mut rng = Chunks(u32::from(control) | 0x9e37_0000);
    let (chunked, chunked_failed) = run(kind, data, || rng.next(max));
    let (whole, whole_failed) = run(kind, data, || usize::MAX);

    // The same records and the same verdict, whatever the chunking.
    assert_eq!(chunked, whole);
    assert_eq!(chunked_failed, whole_failed);
    let joined: Vec<u8> = chunked.concat();
    assert_eq!(&joined[..], &data[..joined.len()]);
});
