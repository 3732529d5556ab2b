//! Inflating one large raw DEFLATE stream (a zip member) in chunks, on two cores when it is big
//! enough, with exactly the output a sequential inflater gives.
//!
//! DEFLATE is one sequential stream, so the second core works speculatively, the way rapidgzip
//! does: it looks for a block boundary at about 2/5 of the compressed bytes and inflates
//! from there with a stand-in for the 32 KiB window it cannot know yet. It does so twice, with
//! two different stand-ins, until the last 32 KiB it produced no longer depend on the window:
//! an output byte both passes agree on is a literal or a copy of one, a byte they disagree on
//! is a copy of the window byte whose index the pair encodes. Meanwhile the first core inflates
//! from the start and stops at the guessed boundary only if it really reaches a block boundary
//! at that exact bit; then the second half's window-dependent bytes are filled in from the
//! first half's last 32 KiB. In every other case (no boundary found, the guess was not a real
//! boundary, the second half gave up before the window stopped mattering) the first core just
//! carries on, so the speculation can cost time but never changes the output or the errors
//! reported.
//!
//! Not here: zip framing, and checking the output against the archive's size and CRC-32
//! (`zip.rs`); hashing and spilling (the callers' sinks).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;

use crate::zip::ReleaseCursor;

/// Output is handed out in chunks of this size (the last one may be shorter).
pub(crate) const CHUNK: usize = 1 << 20;

/// DEFLATE's window: the farthest a back-reference can reach.
const WINDOW: usize = 32 << 10;

/// The share of the compressed bytes the front inflates. Less than half: the front's thread
/// shares the cores with the caller's consumers of the chunks (hashing, spilling), and the
/// back's output waits for the front anyway. Measured on xgboost's 347 MB library (repair,
/// two vCPUs, BENCHMARKS.md): 2/5 gave the shortest wall time (0.80–0.82 s; 9/20: 0.80–0.84 s,
/// 1/2: 0.84–0.90 s, 7/20: 0.81–0.87 s).
const SPLIT: (u64, u64) = (2, 5);

/// Below this many compressed bytes a second thread costs more than it saves.
const PARALLEL_MIN: usize = 16 << 20;

/// How many chunks the speculative inflater may run ahead of the front before it waits.
const BACKLOG_CHUNKS: usize = 1024;

const STREAM_CUT_SHORT: &str = "the compressed data ends before the end of the stream";

/// If the speculative half's output still depends on the unknown window after this much, give
/// up (the data keeps copying from before the boundary; two passes would cost too much).
const DUAL_PASS_CAP: u64 = 16 << 20;

/// How much a boundary candidate must inflate without error before it is worth a thread.
const TRIAL_OUTPUT: usize = 256 << 10;

/// Inflate the raw DEFLATE stream `compressed`, handing its output to `sink` in order, in
/// chunks of at most [`CHUNK`] bytes taken from `pool`. Stops early when `sink` returns false
/// or after `limit + 1` bytes (so the caller, comparing the total it returns with what it
/// expected, sees that there was more). `release(offset, len)` is told which compressed bytes
/// will not be read again. The error is zlib's description of the corruption.
pub(crate) fn inflate_chunks(
    compressed: &[u8],
    limit: u64,
    release: &(dyn Fn(usize, usize) + Sync),
    pool: &ChunkPool,
    sink: &mut dyn FnMut(Vec<u8>) -> bool,
) -> Result<u64, String> {
    let guess = speculation_start(compressed);
    inflate_from_guess(compressed, limit, release, pool, sink, guess)
}

/// Where the second core starts, if it is worth starting: a block boundary shortly after
/// [`SPLIT`] of the compressed bytes.
fn speculation_start(compressed: &[u8]) -> Option<u64> {
    if compressed.len() < PARALLEL_MIN
        || !std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
    {
        return None;
    }
    let from = compressed.len() as u64 * 8 / SPLIT.1 * SPLIT.0;
    find_block_boundary(compressed, from, from + (1 << 20) * 8)
}

/// [`inflate_chunks`] with the second core starting at bit `guess` (if any): a guess that is
/// not a block boundary only costs time.
fn inflate_from_guess(
    compressed: &[u8],
    limit: u64,
    release: &(dyn Fn(usize, usize) + Sync),
    pool: &ChunkPool,
    sink: &mut dyn FnMut(Vec<u8>) -> bool,
    guess: Option<u64>,
) -> Result<u64, String> {
    let mut front = Front::new(compressed, limit, release)?;
    let Some(boundary) = guess else {
        front.run(None, pool, sink)?;
        return Ok(front.produced);
    };
    let abandon = AtomicBool::new(false);
    let (sender, receiver) = std::sync::mpsc::sync_channel(BACKLOG_CHUNKS);
    std::thread::scope(|scope| {
        scope.spawn(|| speculate(compressed, boundary, limit, &abandon, release, pool, sender));
        let reached = front.run(Some(boundary), pool, sink);
        let committed = match reached {
            Ok(Reached::Boundary) if front.produced >= WINDOW as u64 => match receiver.recv() {
                Ok(Back::GaveUp) | Err(_) => None,
                Ok(first) => Some(first),
            },
            _ => None,
        };
        let Some(first) = committed else {
            abandon.store(true, Ordering::Relaxed);
            drop(receiver);
            if reached? != Reached::End {
                front.run(None, pool, sink)?;
            }
            return Ok(front.produced);
        };
        // From here the back's output is the stream's: it is patched and handed out in order.
        let window = front.window();
        let back_start = boundary.div_ceil(8) as usize;
        front.released.finish(back_start, front.release);
        let mut message = Ok(first);
        if !front.chunk.is_empty() && !front.hand_out(sink) {
            message = Ok(Back::End);
        }
        let outcome = loop {
            match message {
                Ok(Back::Chunk(mut chunk, holes)) => {
                    for (offset, index) in holes {
                        if let (Some(byte), Some(&value)) = (
                            chunk.get_mut(offset as usize),
                            window.get(usize::from(index)),
                        ) {
                            *byte = value;
                        }
                    }
                    let room = limit.saturating_add(1).saturating_sub(front.produced);
                    chunk.truncate(usize::try_from(room).unwrap_or(usize::MAX));
                    front.produced += chunk.len() as u64;
                    if !sink(chunk) || front.produced > limit {
                        break Ok(front.produced);
                    }
                }
                Ok(Back::End) => break Ok(front.produced),
                Ok(Back::Corrupt(problem)) => break Err(problem),
                Ok(Back::GaveUp) | Err(_) => {
                    break Err("the second inflating thread stopped unexpectedly".to_owned());
                }
            }
            message = receiver.recv();
        };
        abandon.store(true, Ordering::Relaxed);
        drop(receiver);
        // Bytes after the end of the stream, if any, are not read either.
        ReleaseCursor::at(back_start).finish(compressed.len(), release);
        outcome
    })
}

/// What the speculative inflater sends the front.
enum Back {
    /// Output, with the (offset, window index) of each byte still to be copied from the
    /// window. Chunks come in order, at most [`CHUNK`] bytes each.
    Chunk(Vec<u8>, Vec<(u32, u16)>),
    /// Only ever the first message: nothing usable will come.
    GaveUp,
    /// The stream is corrupt at this point (zlib's message).
    Corrupt(String),
    /// The stream ended, or more than `limit` bytes came out.
    End,
}

/// Output buffers for the inflaters, handed back by whoever consumed them: faulting in fresh
/// pages for every chunk of a large member costs a tenth of inflating it.
#[derive(Debug, Default)]
pub struct ChunkPool(std::sync::Mutex<Vec<Vec<u8>>>);

impl ChunkPool {
    /// An empty buffer with room for a chunk.
    pub fn take(&self) -> Vec<u8> {
        let reused = self.0.lock().ok().and_then(|mut pool| pool.pop());
        let mut chunk = reused.unwrap_or_default();
        chunk.clear();
        chunk.reserve_exact(CHUNK);
        chunk
    }

    /// Give a consumed chunk back for reuse.
    pub fn give(&self, chunk: Vec<u8>) {
        if let Ok(mut pool) = self.0.lock() {
            pool.push(chunk);
        }
    }
}

/// Where [`Front::run`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    /// The end of the stream, past `limit`, or the sink asked to stop.
    End,
    /// A block boundary exactly at the requested bit.
    Boundary,
    /// A block boundary after the requested bit, without stopping at it: it was not one.
    Passed,
}

/// The authoritative inflater, from the start of the stream.
struct Front<'c, 'r> {
    inflater: ffi::RawInflater,
    compressed: &'c [u8],
    release: &'r (dyn Fn(usize, usize) + Sync),
    consumed: usize,
    released: ReleaseCursor,
    produced: u64,
    limit: u64,
    /// The last [`WINDOW`] bytes of the chunks already handed out.
    tail: Vec<u8>,
    /// The chunk being filled.
    chunk: Vec<u8>,
}

impl<'c, 'r> Front<'c, 'r> {
    fn new(
        compressed: &'c [u8],
        limit: u64,
        release: &'r (dyn Fn(usize, usize) + Sync),
    ) -> Result<Self, String> {
        Ok(Front {
            inflater: ffi::RawInflater::new()
                .ok_or_else(|| "cannot allocate an inflate state".to_owned())?,
            compressed,
            release,
            consumed: 0,
            released: ReleaseCursor::at(0),
            produced: 0,
            limit,
            tail: Vec::new(),
            chunk: Vec::new(),
        })
    }

    /// Inflate until the stream ends, more than `limit` bytes came out, or (with `stop_at`)
    /// the inflater sits at a block boundary at bit `stop_at` or has passed it.
    fn run(
        &mut self,
        stop_at: Option<u64>,
        pool: &ChunkPool,
        sink: &mut dyn FnMut(Vec<u8>) -> bool,
    ) -> Result<Reached, String> {
        let mut near = false;
        loop {
            if self.chunk.len() == CHUNK && !self.hand_out(sink) {
                return Ok(Reached::End);
            }
            if self.chunk.capacity() == 0 {
                self.chunk = pool.take();
            }
            // Stopping at every block boundary costs a little, so only near the target: input
            // that ends well before the target bit cannot take the inflater to it.
            let far_before = stop_at
                .filter(|_| !near)
                .map(|target| {
                    let end = (target / 8).saturating_sub(64);
                    usize::try_from(end)
                        .map_or(self.compressed.len(), |end| end.min(self.compressed.len()))
                })
                .filter(|&end| end > self.consumed);
            let input = next_input(
                self.compressed,
                self.consumed,
                far_before.unwrap_or(self.compressed.len()),
            );
            let room = CHUNK - self.chunk.len();
            let stop_at_blocks = stop_at.is_some() && far_before.is_none();
            let step = self
                .inflater
                .inflate_into(input, &mut self.chunk, room, stop_at_blocks)
                .map_err(str::to_owned)?;
            self.consumed += step.consumed;
            self.produced += step.produced as u64;
            self.released.advance(self.consumed, self.release);
            if step.stream_end || self.produced > self.limit {
                let excess = self.produced.saturating_sub(self.limit.saturating_add(1));
                self.chunk.truncate(self.chunk.len() - excess as usize);
                self.produced -= excess;
                if !self.chunk.is_empty() {
                    self.hand_out(sink);
                }
                self.released.finish(self.compressed.len(), self.release);
                return Ok(Reached::End);
            }
            if let (Some(target), Some(buffered)) = (stop_at, step.block_boundary) {
                let at = self.consumed as u64 * 8 - u64::from(buffered);
                if at == target {
                    return Ok(Reached::Boundary);
                }
                if at > target {
                    return Ok(Reached::Passed);
                }
            }
            if step.consumed == 0 && step.produced == 0 {
                if far_before.is_some() {
                    near = true;
                    continue;
                }
                // No progress with input and room left: the stream stops short of its end.
                return Err(STREAM_CUT_SHORT.into());
            }
        }
    }

    /// Hand the current chunk to `sink`; false when the sink asks to stop.
    fn hand_out(&mut self, sink: &mut dyn FnMut(Vec<u8>) -> bool) -> bool {
        let chunk = std::mem::take(&mut self.chunk);
        let keep = chunk.len().min(WINDOW);
        self.tail.extend_from_slice(&chunk[chunk.len() - keep..]);
        let excess = self.tail.len().saturating_sub(WINDOW);
        self.tail.drain(..excess);
        sink(chunk)
    }

    /// The last (up to) [`WINDOW`] bytes inflated so far.
    fn window(&self) -> Vec<u8> {
        let mut window = self.tail.clone();
        window.extend_from_slice(&self.chunk);
        let excess = window.len().saturating_sub(WINDOW);
        window.drain(..excess);
        window
    }
}

/// The compressed bytes from `from` up to `end`, at most four chunks' worth: one inflate call.
fn next_input(compressed: &[u8], from: usize, end: usize) -> &[u8] {
    let end = end
        .min(compressed.len())
        .min(from.saturating_add(CHUNK * 4));
    compressed.get(from..end).unwrap_or_default()
}

/// The stand-in windows of the two passes: window byte `i` reads as `first(i)` in one and
/// `second(i)` in the other. The two differ for every `i`, and the pair gives `i` back.
fn stand_in_windows() -> (Vec<u8>, Vec<u8>) {
    let first = (0..WINDOW).map(|i| i as u8).collect();
    let second = (0..WINDOW)
        .map(|i| (i as u8).wrapping_add(1 + (i >> 8) as u8))
        .collect();
    (first, second)
}

/// The window index a byte that differs between the passes was copied from.
fn window_index(first: u8, second: u8) -> Option<usize> {
    let high = usize::from(second.wrapping_sub(first).wrapping_sub(1));
    (high < WINDOW >> 8).then_some(high << 8 | usize::from(first))
}

/// Inflate from the block boundary at bit `start` to the end of the stream and send the output
/// to the front, or send [`Back::GaveUp`] first. Until the output stops depending on the
/// unknown window nothing is sent, so giving up then costs the front nothing; after that, only
/// the stream itself can stop it (an error, its end, or `limit`).
fn speculate(
    compressed: &[u8],
    start: u64,
    limit: u64,
    abandon: &AtomicBool,
    release: &(dyn Fn(usize, usize) + Sync),
    pool: &ChunkPool,
    front: SyncSender<Back>,
) {
    let mut consumed = start.div_ceil(8) as usize;
    let mut released = ReleaseCursor::at(consumed);
    let Some((mut inflater, pending, mut produced)) =
        dual_pass(compressed, start, limit, abandon, pool, &mut consumed)
    else {
        let _ = front.send(Back::GaveUp);
        return;
    };
    let mut ended = false;
    for (chunk, holes, end) in pending {
        ended |= end;
        if front.send(Back::Chunk(chunk, holes)).is_err() {
            return;
        }
    }
    let mut chunk = pool.take();
    while !ended {
        if abandon.load(Ordering::Relaxed) {
            return;
        }
        let input = next_input(compressed, consumed, compressed.len());
        let room = CHUNK - chunk.len();
        let step = match inflater.inflate_into(input, &mut chunk, room, false) {
            Ok(step) => step,
            Err(problem) => {
                let _ = front.send(Back::Corrupt(problem.to_owned()));
                return;
            }
        };
        consumed += step.consumed;
        produced += step.produced as u64;
        released.advance(consumed, release);
        ended = step.stream_end || produced > limit;
        if !ended && step.consumed == 0 && step.produced == 0 {
            let _ = front.send(Back::Corrupt(STREAM_CUT_SHORT.to_owned()));
            return;
        }
        if (chunk.len() == CHUNK || ended)
            && front
                .send(Back::Chunk(
                    std::mem::replace(&mut chunk, pool.take()),
                    Vec::new(),
                ))
                .is_err()
        {
            return;
        }
    }
    let _ = front.send(Back::End);
}

/// A finished chunk of the dual pass: bytes, holes, and whether the stream ended with it.
type PendingChunk = (Vec<u8>, Vec<(u32, u16)>, bool);

/// Inflate from `start` twice in step, with the two stand-in windows, until the last
/// [`WINDOW`] bytes agree (or the stream ends); return the first pass's inflater to carry on
/// with, the chunks so far with their holes, and how much they hold. `None`: give up.
fn dual_pass(
    compressed: &[u8],
    start: u64,
    limit: u64,
    abandon: &AtomicBool,
    pool: &ChunkPool,
    consumed: &mut usize,
) -> Option<(ffi::RawInflater, Vec<PendingChunk>, u64)> {
    let (first_window, second_window) = stand_in_windows();
    let mut first = ffi::RawInflater::starting_at(compressed, start, &first_window)?;
    let mut second = ffi::RawInflater::starting_at(compressed, start, &second_window)?;
    let mut pending: Vec<PendingChunk> = Vec::new();
    let mut chunk = pool.take();
    let mut holes = Vec::new();
    let mut scratch = Vec::with_capacity(CHUNK);
    let mut produced = 0u64;
    let mut last_hole_end = 0u64;
    loop {
        if abandon.load(Ordering::Relaxed) || produced > DUAL_PASS_CAP {
            return None;
        }
        let before = chunk.len();
        let input = next_input(compressed, *consumed, compressed.len());
        let room = CHUNK - before;
        let step = first.inflate_into(input, &mut chunk, room, false).ok()?;
        scratch.clear();
        if second.inflate_into(input, &mut scratch, room, false).ok()? != step {
            return None;
        }
        for (at, (&a, &b)) in chunk[before..].iter().zip(&scratch).enumerate() {
            if a != b {
                holes.push(((before + at) as u32, window_index(a, b)? as u16));
                last_hole_end = produced + at as u64 + 1;
            }
        }
        *consumed += step.consumed;
        produced += step.produced as u64;
        let ended = step.stream_end || produced > limit;
        if !ended && step.consumed == 0 && step.produced == 0 {
            return None;
        }
        let settled = produced - last_hole_end >= WINDOW as u64;
        if chunk.len() == CHUNK || ended || settled {
            pending.push((
                std::mem::replace(&mut chunk, pool.take()),
                std::mem::take(&mut holes),
                ended,
            ));
        }
        if ended || settled {
            return Some((first, pending, produced));
        }
    }
}

/// The first bit in `from..to` where a dynamic-Huffman block that inflates cleanly for a while
/// plausibly starts. A false guess costs only time: the front confirms it.
fn find_block_boundary(compressed: &[u8], from: u64, to: u64) -> Option<u64> {
    let to = to.min(compressed.len() as u64 * 8);
    let zeros = vec![0u8; WINDOW];
    let mut byte = usize::try_from(from / 8).ok()?;
    while (byte as u64) * 8 < to {
        let available = compressed.get(byte..)?;
        let mut word = [0u8; 8];
        word[..available.len().min(8)].copy_from_slice(&available[..available.len().min(8)]);
        let word = u64::from_le_bytes(word);
        for shift in 0..8 {
            let bits = word >> shift;
            // Cheap first: not final, dynamic Huffman, at most 286 literal and 30 distance codes.
            let plausible = bits & 7 == 0b100 && (bits >> 3) & 31 <= 29 && (bits >> 8) & 31 <= 29;
            let bit = byte as u64 * 8 + shift;
            if plausible
                && (from..to).contains(&bit)
                && dynamic_header_is_valid(compressed, bit)
                && inflates_cleanly(compressed, bit, &zeros)
            {
                return Some(bit);
            }
        }
        byte += 1;
    }
    None
}

fn inflates_cleanly(compressed: &[u8], bit: u64, window: &[u8]) -> bool {
    let Some(mut inflater) = ffi::RawInflater::starting_at(compressed, bit, window) else {
        return false;
    };
    let start = bit.div_ceil(8) as usize;
    let mut out = Vec::with_capacity(TRIAL_OUTPUT);
    let mut consumed = start;
    while out.len() < TRIAL_OUTPUT {
        let input = compressed.get(consumed..).unwrap_or_default();
        let room = TRIAL_OUTPUT - out.len();
        match inflater.inflate_into(input, &mut out, room, false) {
            Ok(step) if step.stream_end => return true,
            Ok(step) if step.consumed == 0 && step.produced == 0 => return false,
            Ok(step) => consumed += step.consumed,
            Err(_) => return false,
        }
    }
    true
}

/// LSB-first bits of a DEFLATE stream from an arbitrary bit.
struct Bits<'a> {
    data: &'a [u8],
    at: u64,
}

impl Bits<'_> {
    fn take(&mut self, n: u32) -> Option<u32> {
        let mut value = 0u32;
        for i in 0..n {
            let byte = *self.data.get((self.at / 8) as usize)?;
            value |= u32::from((byte >> (self.at % 8)) & 1) << i;
            self.at += 1;
        }
        Some(value)
    }
}

/// Whether a non-final dynamic-Huffman block header that zlib would accept starts at `bit`:
/// the block type, the counts, and all three codes (complete, or a single code where zlib
/// allows one, with an end-of-block code).
fn dynamic_header_is_valid(data: &[u8], bit: u64) -> bool {
    const ORDER: [usize; 19] = [
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
    ];
    let mut bits = Bits { data, at: bit };
    // BFINAL = 0, BTYPE = 2 (LSB first): the three bits read 0b100.
    if bits.take(3) != Some(0b100) {
        return false;
    }
    let (Some(hlit), Some(hdist), Some(hclen)) = (bits.take(5), bits.take(5), bits.take(4)) else {
        return false;
    };
    let (literals, distances) = (hlit as usize + 257, hdist as usize + 1);
    if literals > 286 || distances > 30 {
        return false;
    }
    let mut code_lengths = [0u8; 19];
    for &symbol in &ORDER[..hclen as usize + 4] {
        let Some(length) = bits.take(3) else {
            return false;
        };
        code_lengths[symbol] = length as u8;
    }
    let Some(code_length_code) = Canonical::new(&code_lengths, false) else {
        return false;
    };
    let mut lengths = [0u8; 316];
    let mut filled = 0;
    while filled < literals + distances {
        let Some(symbol) = code_length_code.decode(&mut bits) else {
            return false;
        };
        let (value, repeat) = match symbol {
            0..=15 => (symbol as u8, 1),
            16 => match (filled.checked_sub(1), bits.take(2)) {
                (Some(previous), Some(extra)) => (lengths[previous], 3 + extra as usize),
                _ => return false,
            },
            17 => match bits.take(3) {
                Some(extra) => (0, 3 + extra as usize),
                None => return false,
            },
            _ => match bits.take(7) {
                Some(extra) => (0, 11 + extra as usize),
                None => return false,
            },
        };
        if filled + repeat > literals + distances {
            return false;
        }
        lengths[filled..filled + repeat].fill(value);
        filled += repeat;
    }
    lengths[256] != 0
        && Canonical::new(&lengths[..literals], true).is_some()
        && Canonical::new(&lengths[literals..literals + distances], true).is_some()
}

/// A canonical Huffman code, decoded bit by bit (only used on a few header bits).
struct Canonical {
    counts: [u16; 16],
    symbols: Vec<u16>,
}

impl Canonical {
    /// `None` when zlib would reject the code: over-subscribed, or incomplete (allowed for the
    /// literal and distance codes only when the longest code is one bit).
    fn new(lengths: &[u8], single_code_allowed: bool) -> Option<Canonical> {
        let mut counts = [0u16; 16];
        for &length in lengths {
            counts[usize::from(length)] += 1;
        }
        counts[0] = 0;
        let longest = (1..16).rev().find(|&l| counts[l] != 0).unwrap_or(0);
        let mut left = 1i32;
        for &count in &counts[1..] {
            left = (left << 1) - i32::from(count);
            if left < 0 {
                return None;
            }
        }
        if longest == 0 {
            // No codes at all: zlib accepts the table and fails only if it is used.
            return single_code_allowed.then(|| Canonical {
                counts,
                symbols: Vec::new(),
            });
        }
        if left > 0 && !(single_code_allowed && longest == 1) {
            return None;
        }
        let mut symbols = Vec::with_capacity(lengths.len());
        for length in 1..16u8 {
            for (symbol, &l) in lengths.iter().enumerate() {
                if l == length {
                    symbols.push(symbol as u16);
                }
            }
        }
        Some(Canonical { counts, symbols })
    }

    fn decode(&self, bits: &mut Bits<'_>) -> Option<u16> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for &count in &self.counts[1..] {
            code |= bits.take(1)? as i32;
            let count = i32::from(count);
            if code - first < count {
                return self.symbols.get((index + code - first) as usize).copied();
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        None
    }
}

/// The zlib-rs inflater through its C interface: only that interface lets a raw stream start
/// at an arbitrary bit (`inflatePrime`) and report the exact bit it stopped at (`Z_BLOCK` and
/// `data_type`), which the speculation needs.
#[allow(unsafe_code)]
mod ffi {
    use libz_rs_sys::{
        Z_BLOCK, Z_BUF_ERROR, Z_NO_FLUSH, Z_OK, Z_STREAM_END, inflate, inflateEnd, inflateInit2_,
        inflatePrime, inflateSetDictionary, z_stream, zlibVersion,
    };

    /// What one call of [`RawInflater::inflate_into`] did.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) struct Step {
        pub(super) consumed: usize,
        pub(super) produced: usize,
        pub(super) stream_end: bool,
        /// At a block boundary (only reported when asked to stop at them): how many bits of the
        /// consumed input the inflater holds but has not used.
        pub(super) block_boundary: Option<u32>,
    }

    /// A raw (headerless) DEFLATE inflater.
    pub(super) struct RawInflater {
        // Boxed: the C interface's stream must not move between calls.
        stream: Box<z_stream>,
    }

    // SAFETY: the stream owns its state exclusively and holds no pointer between calls that
    // another thread could observe (next_in/next_out are reset on every call).
    unsafe impl Send for RawInflater {}

    impl RawInflater {
        pub(super) fn new() -> Option<RawInflater> {
            let mut stream = Box::new(z_stream::default());
            // SAFETY: the stream is a valid, default-initialised z_stream (allocator set), the
            // version string is zlib-rs's own and the size is that of the struct passed.
            let status = unsafe {
                inflateInit2_(
                    &mut *stream,
                    -15,
                    zlibVersion(),
                    std::mem::size_of::<z_stream>() as i32,
                )
            };
            (status == Z_OK).then_some(RawInflater { stream })
        }

        /// An inflater positioned at bit `bit` of `compressed`, with `window` as the history;
        /// feed it input from byte `ceil(bit / 8)` on.
        pub(super) fn starting_at(
            compressed: &[u8],
            bit: u64,
            window: &[u8],
        ) -> Option<RawInflater> {
            let mut inflater = RawInflater::new()?;
            // SAFETY: the stream was initialised above; the dictionary pointer and length
            // describe a live slice.
            let status = unsafe {
                inflateSetDictionary(&mut *inflater.stream, window.as_ptr(), window.len() as u32)
            };
            if status != Z_OK {
                return None;
            }
            let skip = (bit % 8) as u32;
            if skip != 0 {
                let byte = *compressed.get((bit / 8) as usize)?;
                let value = i32::from(byte >> skip);
                // SAFETY: the stream was initialised above.
                let status = unsafe { inflatePrime(&mut *inflater.stream, 8 - skip as i32, value) };
                if status != Z_OK {
                    return None;
                }
            }
            Some(inflater)
        }

        /// Inflate from `input` into the spare capacity of `out`, at most `room` bytes (which
        /// `out` must have spare). With `stop_at_blocks`, return at every block boundary.
        pub(super) fn inflate_into(
            &mut self,
            input: &[u8],
            out: &mut Vec<u8>,
            room: usize,
            stop_at_blocks: bool,
        ) -> Result<Step, &'static str> {
            let room = room.min(out.capacity() - out.len()).min(u32::MAX as usize);
            let spare = out.spare_capacity_mut();
            self.stream.next_in = input.as_ptr();
            self.stream.avail_in = input.len().min(u32::MAX as usize) as u32;
            self.stream.next_out = spare.as_mut_ptr().cast();
            self.stream.avail_out = room as u32;
            let avail_in = self.stream.avail_in;
            let flush = if stop_at_blocks { Z_BLOCK } else { Z_NO_FLUSH };
            // SAFETY: the stream was initialised by `new`; next_in/avail_in describe a live
            // slice, next_out/avail_out a live region of `out`'s spare capacity.
            let status = unsafe { inflate(&mut *self.stream, flush) };
            let consumed = (avail_in - self.stream.avail_in) as usize;
            let produced = room - self.stream.avail_out as usize;
            self.stream.next_in = std::ptr::null();
            self.stream.avail_in = 0;
            self.stream.next_out = std::ptr::null_mut();
            self.stream.avail_out = 0;
            match status {
                Z_OK | Z_STREAM_END | Z_BUF_ERROR => {
                    // SAFETY: inflate initialised exactly `produced` bytes of the spare
                    // capacity, which `room` bounds.
                    unsafe { out.set_len(out.len() + produced) };
                    let data_type = self.stream.data_type;
                    Ok(Step {
                        consumed,
                        produced,
                        stream_end: status == Z_STREAM_END,
                        block_boundary: (stop_at_blocks && data_type & 128 != 0)
                            .then_some((data_type & 63) as u32),
                    })
                }
                _ => Err(self.message()),
            }
        }

        fn message(&self) -> &'static str {
            if self.stream.msg.is_null() {
                return "invalid compressed data";
            }
            // SAFETY: zlib-rs sets msg to one of its static, NUL-terminated messages.
            unsafe { std::ffi::CStr::from_ptr(self.stream.msg) }
                .to_str()
                .unwrap_or("invalid compressed data")
        }
    }

    impl Drop for RawInflater {
        fn drop(&mut self) {
            // SAFETY: the stream was initialised by `new` and is ended once.
            unsafe {
                inflateEnd(&mut *self.stream);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Raw DEFLATE of `data` at zlib level `level`.
    fn deflate(data: &[u8], level: u32) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(level));
        encoder.write_all(data).expect("in memory");
        encoder.finish().expect("in memory")
    }

    /// Deterministic bytes that compress like code: short random runs, repeats at all
    /// distances up to the window (and beyond, which becomes literals again).
    fn code_like(len: usize, seed: u64) -> Vec<u8> {
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut data = Vec::with_capacity(len);
        while data.len() < len {
            let r = next();
            if data.len() > 40_000 && r % 3 != 0 {
                let distance = 1 + (r >> 8) as usize % 40_000;
                let run = 3 + (r >> 32) as usize % 60;
                let from = data.len() - distance;
                for i in 0..run {
                    data.push(data[from + i]);
                }
            } else {
                data.extend_from_slice(&(r >> 8).to_le_bytes()[..1 + (r % 7) as usize]);
            }
        }
        data.truncate(len);
        data
    }

    /// What the sink saw, and the chunk sizes.
    fn collect(
        compressed: &[u8],
        limit: u64,
        guess: Option<u64>,
    ) -> Result<(Vec<u8>, u64), String> {
        let mut out = Vec::new();
        let handed = inflate_from_guess(
            compressed,
            limit,
            &|_, _| {},
            &ChunkPool::default(),
            &mut |chunk| {
                assert!(chunk.len() <= CHUNK);
                out.extend_from_slice(&chunk);
                true
            },
            guess,
        )?;
        Ok((out, handed))
    }

    /// Inflating with the second core starting at `guess` gives exactly `data`.
    #[track_caller]
    fn check(data: &[u8], level: u32, guess: impl FnOnce(&[u8]) -> Option<u64>) {
        let compressed = deflate(data, level);
        let guess = guess(&compressed);
        let (out, handed) = collect(&compressed, data.len() as u64, guess).expect("inflates");
        assert_eq!(handed, data.len() as u64);
        assert!(out == data, "output differs (guess {guess:?})");
    }

    fn middle_boundary(compressed: &[u8]) -> Option<u64> {
        let middle = compressed.len() as u64 * 4;
        let found = find_block_boundary(compressed, middle, middle + (8 << 20));
        assert!(found.is_some(), "no block boundary found");
        found
    }

    #[test]
    fn speculation_from_a_real_boundary_gives_the_sequential_output() {
        for seed in 1..4 {
            check(&code_like(6 << 20, seed), 6, middle_boundary);
        }
        check(&code_like(5 << 20, 9), 9, middle_boundary);
        // zlib-rs's fastest level writes only fixed-Huffman blocks, which are not looked for.
        check(&code_like(5 << 20, 9), 1, |c| {
            let middle = c.len() as u64 * 4;
            find_block_boundary(c, middle, middle + (8 << 20))
        });
    }

    #[test]
    fn a_large_stream_is_split_and_inflated_to_the_same_bytes() {
        // Half code-like, half noise: compresses to about half, so 40 MiB clear the threshold.
        let mut noise = code_like(1 << 20, 31)
            .into_iter()
            .cycle()
            .skip(7)
            .step_by(3);
        let data: Vec<u8> = code_like(40 << 20, 29)
            .chunks(64)
            .enumerate()
            .flat_map(|(i, piece)| {
                let piece = piece.to_vec();
                if i % 2 == 0 {
                    piece
                } else {
                    piece.iter().map(|_| noise.next().unwrap_or(0)).collect()
                }
            })
            .collect();
        let compressed = deflate(&data, 6);
        assert!(
            compressed.len() >= PARALLEL_MIN,
            "{} bytes",
            compressed.len()
        );
        if std::thread::available_parallelism().is_ok_and(|n| n.get() > 1) {
            let start = speculation_start(&compressed).expect("a boundary near the split");
            let share = start as f64 / (compressed.len() as f64 * 8.0);
            assert!((0.39..0.45).contains(&share), "starts at {share}");
        }
        let mut out = Vec::new();
        let handed = inflate_chunks(
            &compressed,
            data.len() as u64,
            &|_, _| {},
            &ChunkPool::default(),
            &mut |chunk| {
                out.extend_from_slice(&chunk);
                true
            },
        )
        .expect("inflates");
        assert_eq!(handed, data.len() as u64);
        assert!(out == data);
    }

    #[test]
    fn copies_from_across_the_boundary_are_filled_from_the_real_window() {
        // One 20 KiB pattern repeated: after the boundary nearly everything copies from before.
        let pattern = code_like(20 << 10, 7);
        let data: Vec<u8> = pattern.iter().copied().cycle().take(12 << 20).collect();
        let mut noisy = data.clone();
        for (i, byte) in noisy.iter_mut().enumerate().step_by(4099) {
            *byte = byte.wrapping_add(i as u8);
        }
        check(&noisy, 6, middle_boundary);
    }

    #[test]
    fn a_guess_that_is_no_boundary_costs_only_time() {
        let data = code_like(4 << 20, 5);
        for offset in [0, 1, 3, 8] {
            check(&data, 6, |c| middle_boundary(c).map(|b| b + offset + 1));
        }
        check(&data, 6, |c| Some(c.len() as u64 * 8 / 3));
        check(&data, 6, |_| Some(0));
        check(&data, 6, |c| Some(c.len() as u64 * 8 + 100));
    }

    #[test]
    fn incompressible_data_has_no_dynamic_block_and_inflates_in_order() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let data: Vec<u8> = (0..3 << 20)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 56) as u8
            })
            .collect();
        let compressed = deflate(&data, 6);
        let middle = compressed.len() as u64 * 4;
        assert_eq!(
            find_block_boundary(&compressed, middle, middle + (1 << 20) * 8),
            None
        );
        check(&data, 6, |_| None);
    }

    #[test]
    fn corruption_after_the_boundary_is_reported_as_sequential_inflating_would() {
        let data = code_like(4 << 20, 11);
        let compressed = deflate(&data, 6);
        let boundary = middle_boundary(&compressed).expect("found");
        let mut errors = 0;
        for (distance, fill) in [(1, 0xff), (1_000, 0x00), (100_000, 0xff), (300_000, 0x5a)] {
            let mut corrupt = compressed.clone();
            let at = (boundary / 8) as usize + distance;
            corrupt[at..at + 64].fill(fill);
            let speculating = collect(&corrupt, data.len() as u64, Some(boundary));
            let sequential = collect(&corrupt, data.len() as u64, None);
            errors += usize::from(sequential.is_err());
            let summary = |r: &Result<(Vec<u8>, u64), String>| match r {
                Ok((out, handed)) => format!("{} bytes, {handed} handed", out.len()),
                Err(e) => e.clone(),
            };
            assert!(
                speculating == sequential,
                "corrupted {distance} bytes after the boundary: {} vs sequential {}",
                summary(&speculating),
                summary(&sequential)
            );
        }
        assert!(
            errors > 0,
            "no corruption was detectable: the test proves nothing"
        );
    }

    #[test]
    fn random_damage_and_guesses_never_change_the_result() {
        let data = code_like(600 << 10, 37);
        let compressed = deflate(&data, 6);
        let boundary = middle_boundary(&compressed).expect("found");
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below.max(1)
        };
        let bits = compressed.len() as u64 * 8;
        for round in 0..300 {
            let mut damaged = compressed.clone();
            match round % 3 {
                0 => damaged[next(bits / 8) as usize] ^= 1 << next(8),
                1 => damaged.truncate(next(bits / 8) as usize),
                _ => {}
            }
            let guess = match round % 4 {
                0 => boundary,
                1 => boundary + 1 + next(64),
                2 => next(bits + 64),
                _ => boundary - 1 - next(64),
            };
            let limit = if round % 5 == 0 {
                next(data.len() as u64)
            } else {
                data.len() as u64
            };
            assert_eq!(
                collect(&damaged, limit, Some(guess)),
                collect(&damaged, limit, None),
                "round {round}: guess {guess}, limit {limit}"
            );
        }
    }

    #[test]
    fn a_truncated_stream_is_an_error() {
        let data = code_like(3 << 20, 13);
        let compressed = deflate(&data, 6);
        let cut = &compressed[..compressed.len() - 1000];
        let boundary = middle_boundary(cut);
        let problem = collect(cut, data.len() as u64, boundary).expect_err("truncated");
        assert!(problem.contains("ends before"), "{problem}");
    }

    #[test]
    fn output_beyond_the_limit_stops_the_stream() {
        let data = code_like(4 << 20, 17);
        let compressed = deflate(&data, 6);
        let boundary = middle_boundary(&compressed);
        for limit in [1000u64, (1 << 20) + 5, 3 << 20] {
            let (out, handed) = collect(&compressed, limit, boundary).expect("inflates");
            assert_eq!(handed, limit + 1);
            assert_eq!(out.len() as u64, handed);
            assert!(data.starts_with(&out));
        }
    }

    #[test]
    fn a_sink_that_refuses_stops_the_stream() {
        let data = code_like(4 << 20, 19);
        let compressed = deflate(&data, 6);
        let mut chunks = 0;
        let handed = inflate_from_guess(
            &compressed,
            data.len() as u64,
            &|_, _| {},
            &ChunkPool::default(),
            &mut |_| {
                chunks += 1;
                chunks < 3
            },
            middle_boundary(&compressed),
        )
        .expect("inflates");
        assert_eq!(chunks, 3);
        assert!(handed <= 3 * CHUNK as u64, "{handed}");
    }

    #[test]
    fn the_whole_stream_is_released_exactly_once_per_byte_or_more() {
        let data = code_like(4 << 20, 23);
        let compressed = deflate(&data, 6);
        let released = std::sync::Mutex::new(vec![false; compressed.len()]);
        let release = |offset: usize, len: usize| {
            let mut released = released.lock().expect("not poisoned");
            released[offset..offset + len].fill(true);
        };
        inflate_from_guess(
            &compressed,
            data.len() as u64,
            &release,
            &ChunkPool::default(),
            &mut |_| true,
            middle_boundary(&compressed),
        )
        .expect("inflates");
        let released = released.into_inner().expect("not poisoned");
        assert!(
            released.iter().all(|&r| r),
            "some compressed bytes were never released"
        );
    }

    #[test]
    fn every_window_index_survives_the_two_stand_ins() {
        let (first, second) = stand_in_windows();
        for i in 0..WINDOW {
            assert_ne!(first[i], second[i], "index {i}");
            assert_eq!(window_index(first[i], second[i]), Some(i));
        }
    }
}
