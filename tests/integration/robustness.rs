//! Mutated fixtures through the fuzzing entry point: the cheap, deterministic cousin of the
//! cargo-fuzz target, run in every test run. A panic here is a bug.

use crate::support::scenes;
use render_worker::fuzzing::read_process_write;

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn mutated_fixtures_never_panic() {
    let seeds = [
        scenes::kitchen_sink().glb(),
        scenes::skinned_tube().glb(),
        scenes::morph_plane().glb(),
        scenes::sphere(4, 8).glb(),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..20_000 {
        let mut bytes = seeds[round % seeds.len()].clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len());
            match rng.below(4) {
                0 => bytes[at] = rng.next() as u8,
                1 => bytes[at] ^= 1 << rng.below(8),
                2 => bytes.truncate(at.max(1)),
                _ => {
                    // Interesting numbers into a 4-byte field: lengths, counts, offsets.
                    let v = [0u32, 1, 3, 0xFF, 0xFFFF, 0x7FFF_FFFF, u32::MAX][rng.below(7)];
                    if at + 4 <= bytes.len() {
                        bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
                    }
                }
            }
        }
        read_process_write(&bytes);
    }
}
