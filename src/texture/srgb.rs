//! The sRGB transfer function, both ways, by table: texture filtering and factor folding
//! average colour in linear light.

use std::sync::OnceLock;

/// An sRGB byte as linear light, 0 to 1.
pub fn to_linear(c: u8) -> f32 {
    static TABLE: OnceLock<[f32; 256]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        std::array::from_fn(|i| {
            let c = i as f32 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        })
    });
    table[usize::from(c)]
}

/// Linear light (clamped to 0..1, in 4096 steps: finer than 8-bit sRGB needs anywhere) as
/// an sRGB byte.
pub fn from_linear(c: f32) -> u8 {
    static TABLE: OnceLock<[u8; 4096]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        std::array::from_fn(|i| {
            let c = i as f32 / 4095.0;
            let s = if c <= 0.003_130_8 {
                c * 12.92
            } else {
                1.055 * c.powf(1.0 / 2.4) - 0.055
            };
            (s.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
        })
    });
    table[(c.clamp(0.0, 1.0) * 4095.0 + 0.5) as usize]
}

#[cfg(test)]
mod tests {
    #[test]
    fn bytes_survive_the_round_trip() {
        for c in 0..=255u8 {
            assert_eq!(super::from_linear(super::to_linear(c)), c);
        }
        assert_eq!(super::to_linear(255), 1.0);
    }
}
