// Writes src/version.ts from package.json, so that the runtime check for a second
// copy of @nn/core (src/instance.ts) can name each copy's version. Run by `build`
// (and so by `prepack`): a `changeset version` bump reaches the code before publishing.
import { readFileSync, writeFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const file = new URL('../src/version.ts', import.meta.url);
const text = `// Written by scripts/version.mjs from package.json; do not edit.\n\n/** The version of this copy of @nn/core. */\nexport const VERSION = '${version}';\n`;
let old = '';
try {
  old = readFileSync(file, 'utf8');
} catch {}
if (old !== text) writeFileSync(file, text);
