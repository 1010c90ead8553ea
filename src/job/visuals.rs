//! Thumbnails of the source scene, and visual QA of each LOD against it.
//!
//! One submission renders everything the source needs: the 3/4 thumbnail at 1024 px (512 px
//! and the white-background JPEG are derived from it, which also supersamples them), any extra
//! views at 1024 px, the turntable frames at 512 px and the QA reference views. LODs are then
//! rendered from the same QA cameras, framed on the source.

use super::manifest::ThumbnailEntry;
use crate::asset::Asset;
use crate::error::Result;
use crate::qa::{self, VisualDiff};
use crate::render::{Framing, Renderer, RgbaImage, TextureCache, View, ViewRequest};
use crate::report::Warning;
use crate::settings::Settings;
use crate::storage::OutputSink;
use crate::thumbnail;

/// Size of the main thumbnail and extra views, pixels.
const THUMB: u32 = 1024;
/// Size of turntable frames, pixels.
const TURNTABLE: u32 = 512;
/// JPEG quality of the white-background thumbnail.
const JPEG_QUALITY: u8 = 90;
/// Turntable frames per second in the animated PNG.
const TURNTABLE_FPS: u16 = 12;

/// What QA compares against: the source's renders and the framing they used.
pub struct Reference<'a> {
    renderer: &'a Renderer,
    cache: TextureCache,
    framing: Framing,
    images: Vec<RgbaImage>,
}

/// Thumbnails written, and what the renderer warned about.
pub struct Thumbnails<'a> {
    /// Manifest entries of the files written.
    pub entries: Vec<ThumbnailEntry>,
    /// Renderer warnings (unshaded extensions, undecodable textures).
    pub warnings: Vec<Warning>,
    /// The QA reference.
    pub reference: Reference<'a>,
}

fn turntable_views(frames: u32) -> Vec<View> {
    (0..frames)
        .map(|i| View::Orbit {
            azimuth: 35.0 + 360.0 * i as f32 / frames as f32,
            elevation: 20.0,
        })
        .collect()
}

struct Writer<'s> {
    sink: &'s dyn OutputSink,
    entries: Vec<ThumbnailEntry>,
}

impl Writer<'_> {
    fn put(&mut self, file: String, view: &str, img: &RgbaImage, jpeg: bool) -> Result<()> {
        let (bytes, mime, background) = if jpeg {
            (
                thumbnail::jpeg_on_white(img, JPEG_QUALITY)?,
                "image/jpeg",
                "white",
            )
        } else {
            (thumbnail::png(img)?, "image/png", "transparent")
        };
        self.add(file, view, img, bytes, mime, background)
    }

    fn add(
        &mut self,
        file: String,
        view: &str,
        img: &RgbaImage,
        bytes: Vec<u8>,
        mime: &str,
        background: &str,
    ) -> Result<()> {
        let size = self.sink.put(&file, &bytes)?;
        self.entries.push(ThumbnailEntry {
            file,
            view: view.to_string(),
            width: img.width,
            height: img.height,
            background: background.to_string(),
            mime_type: mime.to_string(),
            bytes: size,
        });
        Ok(())
    }
}

/// Renders and writes the source's thumbnails into `sink`; keeps the QA reference.
pub fn thumbnails<'a>(
    renderer: &'a Renderer,
    source: &Asset,
    settings: &Settings,
    sink: &dyn OutputSink,
) -> Result<Thumbnails<'a>> {
    let mut requests = vec![ViewRequest {
        view: View::ThreeQuarter,
        size: THUMB,
    }];
    requests.extend(
        settings
            .views
            .iter()
            .map(|&view| ViewRequest { view, size: THUMB }),
    );
    let turntable = turntable_views(settings.turntable);
    requests.extend(turntable.iter().map(|&view| ViewRequest {
        view,
        size: TURNTABLE,
    }));
    requests.extend(qa::VIEWS.iter().map(|&view| ViewRequest {
        view,
        size: qa::SIZE,
    }));
    let cache = TextureCache::default();
    let rendered = renderer.render(source, &requests, &cache, None)?;
    let mut images = rendered.images.into_iter();
    let mut w = Writer {
        sink,
        entries: vec![],
    };
    let main = images.next().expect("main thumbnail");
    let small = thumbnail::half(&main);
    w.put(format!("thumb_{THUMB}.png"), "three-quarter", &main, false)?;
    w.put(
        format!("thumb_{}.png", THUMB / 2),
        "three-quarter",
        &small,
        false,
    )?;
    w.put(
        format!("thumb_{}.jpg", THUMB / 2),
        "three-quarter",
        &small,
        true,
    )?;
    for view in &settings.views {
        let img = images.next().expect("view image");
        w.put(
            format!("view_{}.png", view.name()),
            &view.name(),
            &img,
            false,
        )?;
    }
    if !turntable.is_empty() {
        let frames: Vec<RgbaImage> = images.by_ref().take(turntable.len()).collect();
        for (i, f) in frames.iter().enumerate() {
            w.put(format!("turntable_{i:02}.png"), "turntable", f, false)?;
        }
        let sheet = thumbnail::sprite_sheet(&frames);
        w.put(
            "turntable_sheet.png".into(),
            "turntable-sheet",
            &sheet,
            false,
        )?;
        let anim = thumbnail::apng(&frames, TURNTABLE_FPS)?;
        w.add(
            "turntable.apng".into(),
            "turntable",
            &frames[0],
            anim,
            "image/apng",
            "transparent",
        )?;
    }
    Ok(Thumbnails {
        entries: w.entries,
        warnings: rendered.warnings,
        reference: Reference {
            renderer,
            cache,
            framing: rendered.framing,
            images: images.collect(),
        },
    })
}

impl Reference<'_> {
    /// Renders `lod` from the QA views, framed as the source was, and compares.
    pub fn judge(&self, lod: &Asset) -> Result<VisualDiff> {
        let requests: Vec<ViewRequest> = qa::VIEWS
            .iter()
            .map(|&view| ViewRequest {
                view,
                size: qa::SIZE,
            })
            .collect();
        let rendered = self
            .renderer
            .render(lod, &requests, &self.cache, Some(self.framing))?;
        Ok(qa::compare(&self.images, &rendered.images))
    }
}
