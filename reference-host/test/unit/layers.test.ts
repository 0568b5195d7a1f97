import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { hostPath } from '../helpers/paths.js';

const SRC = hostPath('src');

/** Every relative import of the files under `dir`, as `file → imported file`, both relative to src/. */
function importsUnder(dir: string): string[] {
  return readdirSync(join(SRC, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .flatMap((entry) => {
      const file = join(entry.parentPath, entry.name);
      return ts
        .preProcessFile(readFileSync(file, 'utf8'), true, false)
        .importedFiles.filter(({ fileName }) => fileName.startsWith('.'))
        .map(({ fileName }) => `${relative(SRC, file)} → ${relative(SRC, resolve(dirname(file), fileName))}`);
    });
}

describe('the command line and the common modules stand apart from the host', () => {
  it.each(['cli', 'common'])('nothing in src/%s imports src/host/', (dir) => {
    const imports = importsUnder(dir);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((line) => line.split(' → ')[1].startsWith('host/'))).toEqual([]);
  });

  it('nothing in src/common imports the command line', () => {
    expect(importsUnder('common').filter((line) => line.split(' → ')[1].startsWith('cli/'))).toEqual([]);
  });
});
