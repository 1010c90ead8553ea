//! A small, independent glTF writer for test fixtures and the bundled sample.
//!
//! It shares no code with the crate's writer on purpose: fixtures built here test the reader
//! against an encoder that did not come from the same hands (and the same bugs). Documents are
//! plain `serde_json` values; binary data goes into one buffer.

#![allow(dead_code)]

use serde_json::{Value, json};

/// Component types.
pub const BYTE: u32 = 5120;
pub const UNSIGNED_BYTE: u32 = 5121;
pub const SHORT: u32 = 5122;
pub const UNSIGNED_SHORT: u32 = 5123;
pub const UNSIGNED_INT: u32 = 5125;
pub const FLOAT: u32 = 5126;

/// A glTF document under construction.
pub struct Builder {
    pub doc: Value,
    pub bin: Vec<u8>,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

fn push_to(doc: &mut Value, key: &str, v: Value) -> usize {
    let arr = doc
        .as_object_mut()
        .unwrap()
        .entry(key)
        .or_insert_with(|| json!([]));
    let a = arr.as_array_mut().unwrap();
    a.push(v);
    a.len() - 1
}

impl Builder {
    pub fn new() -> Builder {
        Builder {
            doc: json!({"asset": {"version": "2.0", "generator": "render-worker test builder"}}),
            bin: vec![],
        }
    }

    /// Appends `v` to the top-level array `key`; returns its index.
    pub fn push(&mut self, key: &str, v: Value) -> usize {
        push_to(&mut self.doc, key, v)
    }

    /// Raw bytes as a buffer view (4-byte aligned).
    pub fn view(&mut self, bytes: &[u8], stride: Option<usize>) -> usize {
        while !self.bin.len().is_multiple_of(4) {
            self.bin.push(0);
        }
        let mut v = json!({"buffer": 0, "byteOffset": self.bin.len(), "byteLength": bytes.len()});
        if let Some(s) = stride {
            v["byteStride"] = json!(s);
        }
        self.bin.extend_from_slice(bytes);
        self.push("bufferViews", v)
    }

    /// A float accessor of `kind` ("VEC3", ...) with min/max when `bounds`.
    pub fn floats(&mut self, values: &[f32], kind: &str, bounds: bool) -> usize {
        let dims = dims(kind);
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let view = self.view(&bytes, None);
        let mut a = json!({"bufferView": view, "componentType": FLOAT,
                           "count": values.len() / dims, "type": kind});
        if bounds {
            let (min, max) = min_max(values, dims);
            a["min"] = json!(min);
            a["max"] = json!(max);
        }
        self.push("accessors", a)
    }

    /// An integer accessor: `values` are stored as `component` (padded to `stride` per element
    /// when given), `normalized` as asked. min/max in stored units when `bounds`.
    pub fn ints(
        &mut self,
        values: &[i64],
        component: u32,
        kind: &str,
        normalized: bool,
        stride: Option<usize>,
        bounds: bool,
    ) -> usize {
        let dims = dims(kind);
        let size = match component {
            BYTE | UNSIGNED_BYTE => 1,
            SHORT | UNSIGNED_SHORT => 2,
            _ => 4,
        };
        let elem = dims * size;
        let stride_bytes = stride.unwrap_or(elem);
        let mut bytes = vec![];
        for e in values.chunks(dims) {
            let start = bytes.len();
            for &v in e {
                bytes.extend_from_slice(&v.to_le_bytes()[..size]);
            }
            bytes.resize(start + stride_bytes, 0);
        }
        let view = self.view(&bytes, stride);
        let mut a = json!({"bufferView": view, "componentType": component,
                           "count": values.len() / dims, "type": kind});
        if normalized {
            a["normalized"] = json!(true);
        }
        if bounds {
            let f: Vec<f32> = values.iter().map(|&v| v as f32).collect();
            let (min, max) = min_max(&f, dims);
            a["min"] = json!(min);
            a["max"] = json!(max);
        }
        self.push("accessors", a)
    }

    /// A u16 or u32 index accessor.
    pub fn indices(&mut self, indices: &[u32]) -> usize {
        let big = indices.iter().any(|&i| i > 65535);
        let v: Vec<i64> = indices.iter().map(|&i| i64::from(i)).collect();
        self.ints(
            &v,
            if big { UNSIGNED_INT } else { UNSIGNED_SHORT },
            "SCALAR",
            false,
            None,
            false,
        )
    }

    /// A node under the scene's roots (creating scene 0 when needed).
    pub fn root_node(&mut self, node: Value) -> usize {
        let n = self.push("nodes", node);
        if self.doc.get("scenes").is_none() {
            self.push("scenes", json!({"nodes": []}));
            self.doc["scene"] = json!(0);
        }
        self.doc["scenes"][0]["nodes"]
            .as_array_mut()
            .unwrap()
            .push(json!(n));
        n
    }

    /// Declares an extension used (and required when asked).
    pub fn uses(&mut self, name: &str, required: bool) {
        self.push("extensionsUsed", json!(name));
        if required {
            self.push("extensionsRequired", json!(name));
        }
    }

    /// An embedded PNG image and a texture using it; returns the texture index.
    pub fn png_texture(
        &mut self,
        width: u32,
        height: u32,
        pixel: impl Fn(u32, u32) -> [u8; 4],
    ) -> usize {
        let png = encode_png(width, height, pixel);
        let view = self.view(&png, None);
        let image = self.push(
            "images",
            json!({"bufferView": view, "mimeType": "image/png"}),
        );
        self.push("textures", json!({"source": image}))
    }

    /// The document as GLB bytes.
    pub fn glb(&self) -> Vec<u8> {
        let mut doc = self.doc.clone();
        if !self.bin.is_empty() {
            doc["buffers"] = json!([{"byteLength": self.bin.len()}]);
        }
        let mut json = serde_json::to_vec(&doc).unwrap();
        while !json.len().is_multiple_of(4) {
            json.push(b' ');
        }
        let mut bin = self.bin.clone();
        while !bin.len().is_multiple_of(4) {
            bin.push(0);
        }
        let total = 12 + 8 + json.len() + if bin.is_empty() { 0 } else { 8 + bin.len() };
        let mut out = vec![];
        out.extend_from_slice(b"glTF");
        out.extend_from_slice(&2u32.to_le_bytes());
        out.extend_from_slice(&(total as u32).to_le_bytes());
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(b"JSON");
        out.extend_from_slice(&json);
        if !bin.is_empty() {
            out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
            out.extend_from_slice(b"BIN\0");
            out.extend_from_slice(&bin);
        }
        out
    }

    /// The document as `.gltf` JSON with its buffer at `bin_uri` (the caller writes the bytes).
    pub fn gltf(&self, bin_uri: &str) -> (Vec<u8>, Vec<u8>) {
        let mut doc = self.doc.clone();
        doc["buffers"] = json!([{"byteLength": self.bin.len(), "uri": bin_uri}]);
        (serde_json::to_vec_pretty(&doc).unwrap(), self.bin.clone())
    }
}

pub fn dims(kind: &str) -> usize {
    match kind {
        "SCALAR" => 1,
        "VEC2" => 2,
        "VEC3" => 3,
        "VEC4" | "MAT2" => 4,
        "MAT3" => 9,
        "MAT4" => 16,
        _ => panic!("unknown type {kind}"),
    }
}

fn min_max(values: &[f32], dims: usize) -> (Vec<f32>, Vec<f32>) {
    let mut min = vec![f32::INFINITY; dims];
    let mut max = vec![f32::NEG_INFINITY; dims];
    for e in values.chunks(dims) {
        for k in 0..dims {
            min[k] = min[k].min(e[k]);
            max[k] = max[k].max(e[k]);
        }
    }
    (min, max)
}

/// An RGBA PNG.
pub fn encode_png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
    let mut out = vec![];
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        let data: Vec<u8> = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .flat_map(|(x, y)| pixel(x, y))
            .collect();
        w.write_image_data(&data).unwrap();
    }
    out
}
