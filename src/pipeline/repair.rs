//! Repairs of real-world defects that every viewer would otherwise have to work around.
//!
//! Today: skin weights that do not sum to one (older exporters; the Khronos validator reports
//! them as errors, three.js renormalizes on load). Each vertex's weights are divided by their
//! sum, which is what viewers do at draw time, so nothing visible changes.

use crate::asset::{Asset, Semantic, weight_sum_tolerance};
use crate::report::{StageReport, Warning};
use crate::settings::Settings;

/// Renormalizes skin weights; reports the vertices changed, with one warning per primitive.
pub fn run(asset: &mut Asset, _: &Settings) -> StageReport {
    let mut report = StageReport::new("repair");
    for (m, mesh) in asset.meshes.iter_mut().enumerate() {
        for (p, prim) in mesh.primitives.iter_mut().enumerate() {
            let Some(w0) = prim.attribute(&Semantic::Weights(0)) else {
                continue;
            };
            let tolerance = weight_sum_tolerance(w0.format.component);
            let scales: Vec<f32> = (0..prim.vertex_count())
                .map(|v| match prim.weight_sum(v) {
                    Some(s) if s > 0.0 && (s - 1.0).abs() > tolerance => 1.0 / s,
                    _ => 1.0,
                })
                .collect();
            let fixed = scales.iter().filter(|&&s| s != 1.0).count();
            if fixed == 0 {
                continue;
            }
            for a in &mut prim.attributes {
                if matches!(a.semantic, Semantic::Weights(_)) {
                    let d = a.data.format.dims;
                    for (v, chunk) in a.data.values.chunks_exact_mut(d).enumerate() {
                        chunk.iter_mut().for_each(|w| *w *= scales[v]);
                    }
                }
            }
            report.changed("skin_weights_renormalized", fixed);
            report.warnings.push(Warning::at(
                "SKIN_WEIGHTS_RENORMALIZED",
                format!("/meshes/{m}/primitives/{p}/attributes/WEIGHTS_0"),
                format!("{fixed} vertices had skin weights not summing to 1; renormalized"),
            ));
        }
    }
    report
}
