//! What the binary prints: a progress bar on a terminal, and one-screen summaries.

use crate::job::{InputReport, Manifest, Progress};
use crate::pipeline::textures::TextureEntry;
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::Path;

/// A progress bar on stderr, drawn only when stderr is a terminal.
pub struct Bar(Option<ProgressBar>);

impl Bar {
    /// A bar for `lods` LOD levels (hidden when stderr is not a terminal).
    pub fn new(lods: usize) -> Bar {
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = ProgressBar::new(lods as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:<14} [{bar:30}] {pos}/{len} LODs {elapsed}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        Bar(Some(bar))
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn phase(&self, name: &str) {
        if let Some(b) = &self.0 {
            b.set_message(name.to_string());
        }
    }

    fn lod_written(&self, _level: usize, _count: usize) {
        if let Some(b) = &self.0 {
            b.inc(1);
        }
    }
}

/// Thousands separators: 1234567 -> "1,234,567".
fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Human-readable size: "3.7 MB".
fn size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

/// Counts, bounds, extensions and problems of an input, as text.
pub fn input_summary(r: &InputReport) -> String {
    let c = &r.counts;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {}, {} triangles, {} vertices",
        r.file,
        size(r.bytes),
        grouped(c.triangles),
        grouped(c.vertices)
    );
    let _ = writeln!(
        s,
        "  {} nodes, {} meshes ({} primitives), {} materials, {} textures, {} images, {} animations, {} skins, {} morph targets, {} cameras, {} scenes",
        c.nodes,
        c.meshes,
        c.primitives,
        c.materials,
        c.textures,
        c.images,
        c.animations,
        c.skins,
        c.morph_targets,
        c.cameras,
        c.scenes
    );
    if let Some(b) = r.bounds {
        let d: Vec<String> = (0..3)
            .map(|i| format!("{:.3}", b.max[i] - b.min[i]))
            .collect();
        let _ = writeln!(
            s,
            "  bounds {} (min {:?}, max {:?})",
            d.join(" x "),
            b.min,
            b.max
        );
    }
    if !r.extensions_used.is_empty() {
        let _ = writeln!(
            s,
            "  extensions {} (required: {})",
            r.extensions_used.join(", "),
            if r.extensions_required.is_empty() {
                "none".to_string()
            } else {
                r.extensions_required.join(", ")
            }
        );
    }
    let p = &r.problems;
    let _ = writeln!(
        s,
        "  problems: {} errors, {} warnings, {} infos",
        p.errors, p.warnings, p.infos
    );
    for m in p.messages.iter().take(10) {
        let _ = writeln!(
            s,
            "    {:?} {} {}: {}",
            m.severity, m.code, m.pointer, m.message
        );
    }
    if p.messages.len() > 10 || p.truncated {
        let _ = writeln!(s, "    ... ({} in all; --json lists them)", p.total());
    }
    s
}

/// The one-screen summary printed after `process`.
pub fn process_summary(m: &Manifest, dir: &Path) -> String {
    let mut s = format!(
        "{} -> {} in {:.2} s\n",
        m.input.file,
        dir.display(),
        m.total_ms / 1e3
    );
    s.push_str(&input_summary(&m.input));
    let _ = writeln!(
        s,
        "\n  LOD  file        target   triangles   vertices      bytes   error %  screen px"
    );
    for l in &m.lods {
        let _ = writeln!(
            s,
            "  {:<4} {:<10} {:>7} {:>11} {:>10} {:>10} {:>9.3} {:>10}",
            l.level,
            l.file,
            l.target.to_string(),
            grouped(l.triangles),
            grouped(l.vertices),
            size(l.bytes),
            l.error_relative * 100.0,
            l.screen_size_px
                .map_or_else(|| "any".to_string(), |p| format!("{p:.0}"))
        );
    }
    s.push_str(&texture_table(&m.textures));
    if !m.warnings.is_empty() {
        let _ = writeln!(s, "\n  warnings:");
        for w in m.warnings.iter().take(8) {
            let _ = writeln!(s, "    {}: {}", w.code, w.message);
        }
        if m.warnings.len() > 8 {
            let _ = writeln!(
                s,
                "    ... ({} in all, see manifest.json)",
                m.warnings.len()
            );
        }
    }
    s
}

/// The delivered textures with how each was encoded and what it measured; empty when every
/// one ships as it came.
fn texture_table(textures: &[TextureEntry]) -> String {
    if textures.iter().all(|t| t.measured.is_none()) {
        return String::new();
    }
    let mut s =
        "\n  image  class   encoding        size         bytes     error        GPU\n".to_string();
    for t in textures {
        let class = t
            .class
            .map_or("-".into(), |c| format!("{c:?}").to_lowercase());
        let dims = match (t.width, t.height) {
            (Some(w), Some(h)) => format!("{w}x{h}"),
            _ => "?".into(),
        };
        let error = t.measured.as_ref().map_or_else(String::new, |f| {
            let unit = if f.normal_degrees.is_some() {
                "deg"
            } else {
                "FLIP"
            };
            format!("{:.4} {unit}", f.error())
        });
        let over = if t.within_bound == Some(false) {
            " over"
        } else {
            ""
        };
        let gpu = t.gpu_bytes.map_or("?".into(), size);
        let _ = writeln!(
            s,
            "  {:<6} {:<7} {:<15} {:<10} {:>9} {:>14} {:>10}{over}",
            t.image,
            class,
            t.encoding,
            dims,
            size(t.bytes),
            error,
            gpu
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(grouped(1234567), "1,234,567");
        assert_eq!(grouped(12), "12");
        assert_eq!(size(3_773_916), "3.8 MB");
    }

    #[test]
    fn textures_are_listed_only_when_some_were_judged() {
        let image = crate::asset::Image {
            name: None,
            mime_type: "image/png".into(),
            data: vec![0; 100].into(),
            ext: Default::default(),
        };
        let class = Some(crate::texture::Class::Color);
        let mut entry = TextureEntry::new(&image, class, Some((256, 256)), 100, false);
        assert_eq!(texture_table(std::slice::from_ref(&entry)), "");
        entry.encoding = "uastc rdo 1".into();
        entry.measured = Some(crate::texture::judge::Figures {
            psnr: Some(50.0),
            flip: Some(0.0254),
            normal_degrees: None,
            channels: vec![],
        });
        entry.within_bound = Some(false);
        let table = texture_table(&[entry]);
        for part in ["color", "uastc rdo 1", "256x256", "0.0254 FLIP", "over"] {
            assert!(table.contains(part), "{part} in {table}");
        }
    }
}
