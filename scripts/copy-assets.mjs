#!/usr/bin/env node
// After tsc: copies every file of src/ that is not TypeScript (the pages the app serves itself:
// HTML, CSS, browser JS, icons) to the same place under dist/src/, so a module finds its files
// beside itself whether it runs from src/ (tests) or from dist/ (npm start, the image).
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = 'src';
const OUT = join('dist', 'src');

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (!path.endsWith('.ts')) yield path;
  }
}

let copied = 0;
for (const file of files(SRC)) {
  cpSync(file, join(OUT, relative(SRC, file)));
  copied++;
}
console.log(`copy-assets: ${copied} file(s) to ${OUT}`);
