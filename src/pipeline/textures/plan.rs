//! Sharing a byte budget among a job's textures: every image has options (a size and a step
//! of its ladder, each with bytes and error predicted by probes), and [`allocate`] picks one
//! per image, giving up the least error per byte saved until the total fits, then spending
//! what is left where it lowers the error most per byte: on images over their bound, or
//! buying back what an image gave up, never past its choice without a budget.
//!
//! Errors are in units of each image's bound (1 is at the bound), so colour, data and normal
//! maps compare. Within the bound an error weighs [`WITHIN_WEIGHT`] (any error there is fine,
//! so the search first takes what is cheaper and still within it); over it, [`OVER_WEIGHT`],
//! so the search takes a texture over its bound only when every other saving is spent.

/// Weight of a unit of error within the bound.
const WITHIN_WEIGHT: f64 = 0.1;
/// Weight of a unit of error over the bound.
const OVER_WEIGHT: f64 = 10.0;

/// One way of delivering an image, as probes predict it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Predicted {
    /// Largest side delivered, pixels.
    pub side: u32,
    /// Step of the image's ladder.
    pub step: usize,
    /// Predicted bytes of the file.
    pub bytes: u64,
    /// Predicted error against the source at its largest size, in units of the bound.
    pub error: f32,
}

/// The cost of an error in units of the bound.
fn cost(error: f32) -> f64 {
    let e = f64::from(error);
    WITHIN_WEIGHT * e.min(1.0) + OVER_WEIGHT * (e - 1.0).max(0.0)
}

/// Picks one of `options[i]` per image, starting from `start[i]` (its choice without a
/// budget), so that their bytes sum to at most `budget` where they can: returns the index of
/// each pick. When even the cheapest options do not fit, those are returned.
///
/// Precondition: every `options[i]` is non-empty and `start[i]` indexes it.
pub fn allocate(options: &[Vec<Predicted>], start: &[usize], budget: u64) -> Vec<usize> {
    let mut pick = start.to_vec();
    let total =
        |pick: &[usize]| -> u64 { pick.iter().zip(options).map(|(&p, o)| o[p].bytes).sum() };
    // Shrink: the move that costs the least error per byte saved.
    while total(&pick) > budget {
        let saving = |_: usize, from: &Predicted, to: &Predicted| {
            let saved = from.bytes.checked_sub(to.bytes).filter(|&b| b > 0)?;
            Some((cost(from.error) - cost(to.error)) / saved as f64)
        };
        let Some((i, j)) = best_move(options, &pick, saving) else {
            break;
        };
        pick[i] = j;
    }
    // Spend what is left: the move that lowers the error most per byte spent, while it fits,
    // on an image over its bound or within what it started at.
    loop {
        let slack = budget.saturating_sub(total(&pick));
        let buying = |i: usize, from: &Predicted, to: &Predicted| {
            let spent = to.bytes.saturating_sub(from.bytes);
            let within_start = from.error > 1.0 || to.bytes <= options[i][start[i]].bytes;
            let better = cost(to.error) < cost(from.error);
            (better && spent <= slack && within_start)
                .then(|| (cost(from.error) - cost(to.error)) / spent.max(1) as f64)
        };
        let Some((i, j)) = best_move(options, &pick, buying) else {
            break;
        };
        pick[i] = j;
    }
    pick
}

/// The (image, option) with the highest score, of those `score(image, current, option)`
/// admits (`None`: not a move to make).
fn best_move(
    options: &[Vec<Predicted>],
    pick: &[usize],
    score: impl Fn(usize, &Predicted, &Predicted) -> Option<f64>,
) -> Option<(usize, usize)> {
    let mut best: Option<(f64, usize, usize)> = None;
    for (i, o) in options.iter().enumerate() {
        for (j, to) in o.iter().enumerate() {
            let Some(v) = score(i, &o[pick[i]], to) else {
                continue;
            };
            if best.is_none_or(|(b, _, _)| v > b) {
                best = Some((v, i, j));
            }
        }
    }
    best.map(|(_, i, j)| (i, j))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn option(side: u32, step: usize, bytes: u64, error: f32) -> Predicted {
        Predicted {
            side,
            step,
            bytes,
            error,
        }
    }

    /// Two images: a busy one whose error climbs fast when halved, and a smooth one that
    /// loses little at half size.
    fn two() -> Vec<Vec<Predicted>> {
        vec![
            vec![option(1024, 0, 1000, 0.5), option(512, 0, 250, 1.6)],
            vec![option(1024, 0, 1000, 0.3), option(512, 0, 250, 0.4)],
        ]
    }

    #[test]
    fn within_budget_the_unconstrained_choices_stand() {
        assert_eq!(allocate(&two(), &[0, 0], 2000), [0, 0]);
    }

    #[test]
    fn the_texture_that_loses_least_per_byte_gives_way_first() {
        assert_eq!(allocate(&two(), &[0, 0], 1500), [0, 1]);
        // Only both halved fit: the busy one goes over its bound, as nothing else is left.
        assert_eq!(allocate(&two(), &[0, 0], 600), [1, 1]);
        // Nothing fits: the cheapest of everything.
        assert_eq!(allocate(&two(), &[0, 0], 100), [1, 1]);
    }

    #[test]
    fn what_is_left_buys_back_what_an_image_gave_up_within_its_bound() {
        // The jump to the cheapest is the better rate but overshoots: the middle is bought back.
        let options = vec![vec![
            option(1024, 0, 1000, 0.2),
            option(1024, 1, 600, 0.6),
            option(512, 0, 100, 0.61),
        ]];
        assert_eq!(allocate(&options, &[0], 700), [1]);
        // Never past the choice without a budget, however much room there is.
        assert_eq!(allocate(&options, &[1], 5000), [1]);
    }

    #[test]
    fn what_is_left_buys_back_an_image_over_its_bound() {
        // The jump to the cheapest is the better rate but overshoots: the middle is bought back.
        let options = vec![vec![
            option(1024, 0, 1000, 0.2),
            option(1024, 1, 600, 1.9),
            option(512, 0, 200, 2.0),
        ]];
        assert_eq!(allocate(&options, &[0], 700), [1]);
    }
}
