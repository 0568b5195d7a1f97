import { execFile } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** How long one npm or tsc run may take before the test gives up on it (a hung npm fails, it does not hang). */
const RUN_LIMIT_MS = 240_000;

/** The environment without what `npm test` adds (npm_config_local_prefix and others would point npm back at the repository). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  return { ...env, ...extra };
}

/** Runs a command to its end; a failure, or no end within the limit, throws with what it printed. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, timeout: RUN_LIMIT_MS, killSignal: 'SIGKILL', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const why = error.killed ? `did not finish within ${RUN_LIMIT_MS / 1000} s and was stopped` : `failed (${error.code ?? error.signal})`;
      reject(new Error(`${command} ${args.join(' ')} ${why}:\n${stderr}${stdout}`));
    });
  });
}

export interface PackedPlugin {
  filename: string;
  integrity: string;
  files: string[];
}

/** `npm pack` of the repository root (the plugin) into `destination`; scripts are not run, so dist/ is as built. */
export async function packPlugin(root: string, destination: string): Promise<PackedPlugin> {
  const [packed] = JSON.parse(await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], root)) as {
    filename: string;
    integrity: string;
    files: { path: string }[];
  }[];
  return { filename: packed.filename, integrity: packed.integrity, files: packed.files.map((f) => f.path) };
}

interface LockEntry {
  version: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}
interface Lockfile {
  packages: Record<string, LockEntry>;
}

/** Where npm put `name` for the package at `from`: its own node_modules, then each parent's, then the root's. */
function locate(lock: Lockfile, from: string, name: string): string {
  for (let at = from; ; at = at.includes('/node_modules/') ? at.slice(0, at.lastIndexOf('/node_modules/')) : '') {
    const path = `${at === '' ? '' : `${at}/`}node_modules/${name}`;
    if (lock.packages[path]) return path;
    if (at === '') throw new Error(`${name} (needed by ${from || 'the plugin'}) is not in package-lock.json: run npm install`);
  }
}

/**
 * The lock entries of `names` and everything they need, as the repository's package-lock.json has them,
 * each with the registry address of its tarball (the repository's lock leaves it out), so npm takes
 * the tarballs from its cache by integrity and asks the registry for nothing.
 */
export function lockedTree(repositoryLock: Lockfile, names: readonly string[], registry: string): Record<string, LockEntry> {
  const tree: Record<string, LockEntry> = {};
  const visit = (path: string) => {
    if (tree[path]) return;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = repositoryLock.packages[path];
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    tree[path] = { ...entry, resolved: entry.resolved ?? `${registry.replace(/\/?$/, '/')}${name}/-/${name.split('/').pop()}-${entry.version}.tgz` };
    const peers = Object.keys(entry.peerDependencies ?? {}).filter((peer) => !entry.peerDependenciesMeta?.[peer]?.optional);
    for (const dependency of [...Object.keys(entry.dependencies ?? {}), ...peers]) visit(locate(repositoryLock, path, dependency));
  };
  for (const name of names) visit(locate(repositoryLock, '', name));
  return tree;
}

export interface InstalledPackage {
  /** Its folder under the project, e.g. `node_modules/got`. */
  path: string;
  /** Bytes of its files (its own nested node_modules left out). */
  bytes: number;
  /** What those files take on this disk (whole blocks). */
  diskBytes: number;
  /** Files that would be or come from a native build. */
  native: string[];
}

/** Every package installed under `projectDir`, nested ones included. */
export function installedPackages(projectDir: string, under = 'node_modules'): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  const folder = join(projectDir, under);
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const names = entry.name.startsWith('@') ? readdirSync(join(folder, entry.name)).map((n) => `${entry.name}/${n}`) : [entry.name];
    for (const name of names) {
      const path = `${under}/${name}`;
      packages.push({ path, ...measure(join(projectDir, path)) });
      if (lstatSync(join(projectDir, path, 'node_modules'), { throwIfNoEntry: false })?.isDirectory()) packages.push(...installedPackages(projectDir, `${path}/node_modules`));
    }
  }
  return packages;
}

function measure(dir: string, at = ''): { bytes: number; diskBytes: number; native: string[] } {
  const found = { bytes: 0, diskBytes: 0, native: [] as string[] };
  for (const entry of readdirSync(join(dir, at), { withFileTypes: true })) {
    const path = at === '' ? entry.name : `${at}/${entry.name}`;
    if (entry.isDirectory()) {
      if (at === '' && entry.name === 'node_modules') continue;
      const inner = measure(dir, path);
      found.bytes += inner.bytes;
      found.diskBytes += inner.diskBytes;
      found.native.push(...inner.native);
      continue;
    }
    const stat = lstatSync(join(dir, path));
    found.bytes += stat.size;
    found.diskBytes += stat.blocks * 512;
    if (entry.name.endsWith('.node') || entry.name === 'binding.gyp') found.native.push(path);
  }
  return found;
}

export const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
