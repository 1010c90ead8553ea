// Loads GLB files the way a shopper's browser does: three.js's GLTFLoader with MeshoptDecoder,
// DRACOLoader and KTX2Loader (Basis Universal transcoder in a web worker) in headless
// Chromium, WebGL on SwiftShader. Renders each model once and prints one JSON line per file:
//   { file, ok, error, triangles, meshes, textures: [{ material, slot, index, decoded, width,
//     height, compressed, format, mipmaps }], covered, glError, rgba, warnings }
// `triangles` counts every glTF mesh once (as the manifest does), `index` is the glTF texture a
// three.js texture came from, `covered` is the number of
// 128x128 pixels the model covers, `rgba` that picture (base64 RGBA8, bottom row first, camera
// framing the scene's bounds from the front right), `warnings` what three.js logged.
//     node client.mjs a.glb b.glb        (CHROMIUM overrides /usr/bin/chromium)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const three = path.join(here, 'node_modules/three');
const files = process.argv.slice(2);

const page = `<!doctype html><html><body><canvas id="c" width="128" height="128"></canvas>
<script type="importmap">{"imports": {"three": "/three/build/three.module.js",
  "three/addons/": "/three/examples/jsm/"}}</script>
<script type="module">
import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { KTX2Loader } from 'three/addons/loaders/KTX2Loader.js';
import { DRACOLoader } from 'three/addons/loaders/DRACOLoader.js';
import { MeshoptDecoder } from 'three/addons/libs/meshopt_decoder.module.js';

const renderer = new THREE.WebGLRenderer({ canvas: document.getElementById('c'),
  antialias: false, preserveDrawingBuffer: true });
renderer.setClearColor(0x000000, 0);
const ktx2 = new KTX2Loader().setTranscoderPath('/three/examples/jsm/libs/basis/')
  .detectSupport(renderer);
const draco = new DRACOLoader().setDecoderPath('/three/examples/jsm/libs/draco/gltf/');
const loader = new GLTFLoader().setKTX2Loader(ktx2).setMeshoptDecoder(MeshoptDecoder)
  .setDRACOLoader(draco);

function textures(materials, associations) {
  // Clones (a second UV set, a transform) share their image source with the original.
  const bySource = new Map();
  for (const [object, ref] of associations) {
    if (object.isTexture && ref?.textures !== undefined) bySource.set(object.source, ref.textures);
  }
  const out = [];
  for (const m of materials) {
    for (const [slot, t] of Object.entries(m)) {
      if (!(t && t.isTexture)) continue;
      const level = t.isCompressedTexture ? t.mipmaps[0] : t.image;
      out.push({
        material: m.name, slot,
        index: associations.get(t)?.textures ?? bySource.get(t.source),
        compressed: !!t.isCompressedTexture, format: t.format,
        mipmaps: t.isCompressedTexture ? t.mipmaps.length : 0,
        width: level?.width ?? 0, height: level?.height ?? 0,
        decoded: !!level && level.width > 0 && level.height > 0 &&
          (!t.isCompressedTexture || level.data.byteLength > 0),
      });
    }
  }
  return out;
}

window.load = async (url) => {
  const gltf = await loader.loadAsync(url);
  const meshes = await gltf.parser.getDependencies('mesh');
  let triangles = 0;
  const materials = new Set();
  for (const root of meshes) {
    root.traverse((o) => {
      if (o.material) for (const m of [o.material].flat()) materials.add(m);
      if (!o.isMesh) return;
      const g = o.geometry;
      triangles += (g.index ? g.index.count : g.attributes.position.count) / 3;
    });
  }
  // three.js gives a node that several scenes share to the last scene loaded: render the
  // scene holding the most objects (the default one unless nodes are shared).
  const size = (s) => { let n = 0; s.traverse(() => n++); return n; };
  const scene = gltf.scenes.reduce((a, b) => (size(b) > size(a) ? b : a), gltf.scene);
  scene.add(new THREE.AmbientLight(0xffffff, 1));
  const light = new THREE.DirectionalLight(0xffffff, 2);
  light.position.set(1, 2, 3);
  scene.add(light);
  const box = new THREE.Box3().setFromObject(scene);
  const diagonal = box.getSize(new THREE.Vector3()).length() || 1;
  const camera = new THREE.PerspectiveCamera(40, 1, diagonal / 100, diagonal * 10);
  camera.position.copy(box.getCenter(new THREE.Vector3()))
    .add(new THREE.Vector3(0.6, 0.5, 1).normalize().multiplyScalar(diagonal * 1.2));
  camera.lookAt(box.getCenter(new THREE.Vector3()));
  renderer.render(scene, camera);
  const gl = renderer.getContext();
  const glError = gl.getError();
  const pixels = new Uint8Array(128 * 128 * 4);
  gl.readPixels(0, 0, 128, 128, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
  let covered = 0;
  for (let i = 3; i < pixels.length; i += 4) covered += pixels[i] > 0;
  let binary = '';
  for (const b of pixels) binary += String.fromCharCode(b);
  return {
    triangles, meshes: meshes.length, textures: textures(materials, gltf.parser.associations),
    covered, glError, rgba: btoa(binary),
  };
};
window.ready = true;
</script></body></html>`;

const types = {
  '.js': 'text/javascript', '.wasm': 'application/wasm', '.glb': 'model/gltf-binary',
};
const server = http.createServer((req, res) => {
  const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  let file;
  if (url === '/') {
    res.writeHead(200, { 'content-type': 'text/html' });
    return res.end(page);
  } else if (url.startsWith('/three/')) {
    file = path.join(three, path.normalize(url.slice('/three/'.length)));
  } else if (url.startsWith('/model/')) {
    file = files[Number(url.slice('/model/'.length))];
  }
  if (!file || !fs.existsSync(file)) {
    res.writeHead(404);
    return res.end();
  }
  res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

// The machine's network is closed: no background networking, no first-run work.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', '--disable-quic'],
});
let status = 0;
try {
  const tab = await browser.newPage();
  let warnings = [];
  tab.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text());
  });
  tab.on('pageerror', (e) => warnings.push(String(e)));
  await tab.goto(`${origin}/`);
  await tab.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
  for (const [i, file] of files.entries()) {
    warnings = [];
    let report;
    try {
      report = { ok: true, ...(await tab.evaluate((u) => window.load(u), `/model/${i}`)) };
    } catch (e) {
      report = { ok: false, error: String(e.message || e) };
    }
    console.log(JSON.stringify({ file, ...report, warnings }));
  }
} catch (e) {
  console.error(e);
  status = 1;
} finally {
  await browser.close();
  server.close();
}
process.exit(status);
