// Transcodes every KTX2 image of a GLB with three.js's Basis Universal transcoder (the one
// KTX2Loader runs in browsers) and writes level 0 as raw RGBA8 to <out>/<image>.rgba.
// Prints one JSON line per image: validity, size, level count, UASTC or ETC1S, alpha.
//     node transcode.cjs model.glb out/
const fs = require('fs');
const path = require('path');
// three ships the transcoder as a classic script inside an ES-module package: evaluate it.
const dir = path.dirname(require.resolve('three/examples/jsm/libs/basis/basis_transcoder.js'));
const src = fs.readFileSync(path.join(dir, 'basis_transcoder.js'), 'utf8');
const BASIS = new Function('__filename', '__dirname', 'require', `${src}\nreturn BASIS;`)(
  path.join(dir, 'basis_transcoder.js'), dir, require);
const RGBA32 = 13; // basist::transcoder_texture_format::cTFRGBA32

BASIS({ wasmBinary: fs.readFileSync(path.join(dir, 'basis_transcoder.wasm')) }).then((m) => {
  m.initializeBasis();
  const [file, out] = process.argv.slice(2);
  const glb = fs.readFileSync(file);
  const jsonLength = glb.readUInt32LE(12);
  const doc = JSON.parse(glb.subarray(20, 20 + jsonLength).toString());
  const bin = 20 + jsonLength + 8;
  for (const [i, image] of (doc.images || []).entries()) {
    if (image.mimeType !== 'image/ktx2') continue;
    const view = doc.bufferViews[image.bufferView];
    const start = bin + (view.byteOffset || 0);
    const ktx = new m.KTX2File(new Uint8Array(glb.subarray(start, start + view.byteLength)));
    const report = { image: i, valid: ktx.isValid() };
    if (report.valid) {
      Object.assign(report, {
        width: ktx.getWidth(), height: ktx.getHeight(), levels: ktx.getLevels(),
        uastc: ktx.isUASTC(), alpha: ktx.getHasAlpha(),
      });
      const pixels = new Uint8Array(ktx.getImageTranscodedSizeInBytes(0, 0, 0, RGBA32));
      report.transcoded = !!(ktx.startTranscoding() &&
        ktx.transcodeImage(pixels, 0, 0, 0, RGBA32, 0, -1, -1));
      fs.writeFileSync(path.join(out, `${i}.rgba`), pixels);
    }
    console.log(JSON.stringify(report));
    ktx.close();
    ktx.delete();
  }
});
