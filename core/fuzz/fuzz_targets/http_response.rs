//! Fuzz the incremental HTTP response parser: any bytes, fed whole and in pieces.
//!
//! Invariants checked: no panic; a complete response's body lies inside the bytes
//! consumed; feeding in pieces gives the same outcome and body as feeding at once.
#![no_main]

use dstack_core::http::{ResponseParser, Status};
use libfuzzer_sys::fuzz_target;

const MAX: usize = 4096;

fn run(input: &[u8], step: usize) -> Result<(u16, Vec<u8>, bool, usize), dstack_core::Error> {
    let mut p = ResponseParser::new(MAX);
    let mut buf = Vec::with_capacity(input.len());
    let mut at = 0;
    loop {
        let end = (at + step).min(input.len());
        buf.extend_from_slice(&input[at..end]);
        at = end;
        match p.parse(&mut buf)? {
            Status::Complete(r) => {
                assert!(
                    r.body.start <= r.body.end
                        && r.body.end <= r.consumed
                        && r.consumed <= buf.len()
                );
                assert!(r.body.len() <= MAX);
                return Ok((r.status, buf[r.body].to_vec(), r.keep_alive, r.consumed));
            }
            Status::Partial if at == input.len() => {
                let r = p.finish_at_eof(&mut buf)?;
                assert!(r.body.end <= r.consumed && r.consumed <= buf.len());
                assert!(!r.keep_alive);
                return Ok((r.status, buf[r.body].to_vec(), r.keep_alive, r.consumed));
            }
            Status::Partial => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, input)) = data.split_first() else {
        return;
    };
    let whole = run(input, input.len().max(1));
    let pieces = run(input, (sel as usize % 17) + 1);
    match (&whole, &pieces) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        // A stream may fail earlier in pieces only in the same way; outcomes must agree.
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("whole {whole:?} vs pieces {pieces:?}"),
    }
});
