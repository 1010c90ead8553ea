// Validates glTF/GLB files with the Khronos glTF validator and prints one JSON line per file:
// {"file", "errors", "warnings", "infos", "codes": {CODE: count}} (codes of errors only).
// External resources of .gltf files are resolved next to the file.
import { validateBytes } from 'gltf-validator';
import fs from 'node:fs';
import path from 'node:path';

for (const file of process.argv.slice(2)) {
  const dir = path.dirname(file);
  const report = await validateBytes(new Uint8Array(fs.readFileSync(file)), {
    maxIssues: 0,
    externalResourceFunction: (uri) =>
      new Promise((resolve, reject) => {
        fs.readFile(path.join(dir, decodeURIComponent(uri)), (err, data) =>
          err ? reject(err.toString()) : resolve(new Uint8Array(data)));
      }),
  });
  const codes = {};
  const messages = [];
  for (const m of report.issues.messages) {
    if (m.severity === 0) {
      codes[m.code] = (codes[m.code] || 0) + 1;
      if (messages.length < 5) messages.push(`${m.code} ${m.pointer ?? ''} ${m.message}`);
    }
  }
  console.log(JSON.stringify({
    file,
    errors: report.issues.numErrors,
    warnings: report.issues.numWarnings,
    infos: report.issues.numInfos,
    codes,
    messages,
  }));
}
