import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anonymousUserId } from '../../src/heap/identity.js';
import { printFigures } from '../../reference-host/test/helpers/figures.js';
import { hostPath } from '../../reference-host/test/helpers/paths.js';
import { freePort, startNodeProcess, type NodeProcess } from '../../reference-host/tools/processes.js';
import { cleanEnv, installedPackages, lockedTree, packPlugin, readJson, run, type InstalledPackage, type PackedPlugin } from './offline-install.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SNIPPET = join(ROOT, 'test/consumer/host-snippet.ts');
const APP_ID = '1234567890';
const API_KEY = 'consumer-sandbox-key';
/** What the reference host's own dependencies are, and a plugin must not bring. */
const SERVER_PACKAGES = ['fastify', 'kysely', 'pg', 'better-sqlite3'];

interface PluginPackage {
  version: string;
  license: string;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

/**
 * The plugin as a host receives it: `npm pack`ed, installed from the npm cache alone (no registry) into
 * an empty project beside the peers a host provides, the README's snippet compiled with `tsc --strict`
 * and run against the sandbox, and loaded from CommonJS.
 */
describe('the packed plugin, installed in a host project of its own', () => {
  let dir: string;
  let project: string;
  let packed: PackedPlugin;
  let own: Set<string>;
  let installSeconds: number;
  let sandbox: NodeProcess | undefined;

  beforeAll(async () => {
    for (const built of [join(ROOT, 'dist/index.js'), hostPath('dist/sandbox/cli.js')]) {
      if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first (npm test does)`);
    }
    dir = mkdtempSync(join(tmpdir(), 'heap-plugin-consumer-'));
    project = join(dir, 'host');
    mkdirSync(project);
    packed = await packPlugin(ROOT, project);
    const trees = await writeHostProject(project, packed);
    own = new Set(['node_modules/@datafly/heap-integration', ...Object.keys(trees.plugin)]);
    const cache = (await run('npm', ['config', 'get', 'cache'], ROOT)).trim();
    const started = performance.now();
    await run('npm', ['ci', '--offline', '--cache', cache, '--no-audit', '--no-fund'], project);
    installSeconds = (performance.now() - started) / 1000;
  }, 300_000);

  afterAll(async () => {
    await sandbox?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('packs the build and the data files, nothing of the tests or the reference host', () => {
    const top = new Set(packed.files.map((file) => file.split('/')[0]));
    expect([...top].sort()).toEqual(['LICENSE', 'README.md', 'blueprints', 'catalog', 'dist', 'package.json']);
    expect(packed.files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/contract/index.d.ts', 'catalog/heap.json', 'blueprints/heap/default.json']));
  });

  it('ships source maps that carry their sources (src/ is not in the package)', () => {
    const map = readJson<{ sources: string[]; sourcesContent?: string[] }>(join(ROOT, 'dist/heap/adapter.js.map'));
    expect(map.sources).toEqual(['../../src/heap/adapter.ts']);
    expect(map.sourcesContent?.[0]).toContain('export class HeapDeliveryAdapter');
  });

  it('installs zod, got and got’s own tree: no native build, no server framework, within 40 packages and 10 MB', () => {
    const installed = installedPackages(project);
    const lock = readJson<{ packages: Record<string, { hasInstallScript?: boolean }> }>(join(project, 'node_modules/.package-lock.json'));
    expect(installed.flatMap((p) => p.native.map((file) => `${p.path}/${file}`))).toEqual([]);
    expect(Object.entries(lock.packages).filter(([, entry]) => entry.hasInstallScript).map(([path]) => path)).toEqual([]);
    expect(installed.filter((p) => SERVER_PACKAGES.some((name) => p.path.endsWith(`node_modules/${name}`)))).toEqual([]);
    const plugin = installed.filter((p) => own.has(p.path));
    expect(plugin.map((p) => p.path).sort()).toEqual([...own].sort());
    printFigures('The packed plugin in an empty host project (npm ci --offline)', [figures('the plugin: itself, zod, got and got’s tree', plugin), { ...figures('with the peers a host provides (inversify, reflect-metadata)', installed), 'seconds to install': installSeconds.toFixed(1) }]);
    expect(plugin.length).toBeLessThanOrEqual(40);
    expect(bytes(plugin)).toBeLessThanOrEqual(10_000_000);
  });

  it('the README shows the snippet this test runs, as it is', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${readFileSync(SNIPPET, 'utf8')}\`\`\`\n`);
  });

  it('the snippet compiles with tsc --strict (NodeNext, ESM) and runs against the sandbox: testConnection, preview, deliver, deleteUsers', async () => {
    copyFileSync(SNIPPET, join(project, 'host.ts'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(strictNodeNext(['host.ts']), null, 2));
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], project);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    sandbox = await startNodeProcess([hostPath('dist/sandbox/cli.js'), '--port', String(port)], { HEAP_SANDBOX_APP_ID: APP_ID, HEAP_SANDBOX_API_KEY: API_KEY }, url, '/__sandbox/stats');

    const printed = await run(process.execPath, ['host.js'], project, cleanEnv({ HEAP_APP_ID: APP_ID, HEAP_API_KEY: API_KEY, HEAP_ENDPOINT: url }));
    expect(JSON.parse(printed.trim().split('\n').pop()!)).toEqual({
      connection: { ok: true, httpStatus: 200, message: `Heap accepted the App ID and API key for app ${APP_ID}` },
      requests: [`${url}/api/track`, `${url}/api/add_user_properties`, `${url}/api/v1/identify`],
      results: ['delivered', 'delivered'],
      bucket: APP_ID,
      deletions: ['2 user(s): pending'],
    });
    // What the sandbox holds: the event arrived, then the deletion took it away with its user.
    const deletions = await inspect<{ users: unknown[]; removed: { events: number } }[]>(url, 'deletions');
    expect(deletions.map((d) => [d.users, d.removed.events])).toEqual([[[{ identity: 'user-1' }, { user_id: anonymousUserId('anon-1') }], 1]]);
    const paths = (await inspect<{ path: string }[]>(url, 'requests')).map((r) => r.path.replace(/deletion_status\/.+$/, 'deletion_status/…'));
    // The connection test and the deletion each ask for their own token.
    expect(paths.sort()).toEqual(['/api/add_user_properties', '/api/public/v0/auth_token', '/api/public/v0/auth_token', '/api/public/v0/deletion_status/…', '/api/public/v0/user_deletion', '/api/track', '/api/v1/identify']);
  }, 300_000);

  it('a CommonJS host loads it with import()', async () => {
    writeFileSync(
      join(project, 'load.cjs'),
      [
        "import('@datafly/heap-integration').then(async ({ HeapPlugin }) => {",
        "  const { INTEGRATION_PLUGIN } = await import('@datafly/heap-integration/contract');",
        '  console.log(JSON.stringify({ key: new HeapPlugin().manifest.key, token: typeof INTEGRATION_PLUGIN }));',
        '});',
        '',
      ].join('\n'),
    );
    expect(JSON.parse(await run(process.execPath, ['load.cjs'], project))).toEqual({ key: 'heap', token: 'symbol' });
  });
});

/** package.json and package-lock.json of an empty host project: the tarball, and the peers a host provides. */
async function writeHostProject(project: string, packed: PackedPlugin) {
  const plugin = readJson<PluginPackage>(join(ROOT, 'package.json'));
  const registry = (await run('npm', ['config', 'get', 'registry'], ROOT)).trim();
  const repositoryLock = readJson<Parameters<typeof lockedTree>[0]>(join(ROOT, 'package-lock.json'));
  const trees = { plugin: lockedTree(repositoryLock, Object.keys(plugin.dependencies), registry), host: lockedTree(repositoryLock, Object.keys(plugin.peerDependencies), registry) };
  const dependencies = { '@datafly/heap-integration': `file:${packed.filename}`, ...plugin.peerDependencies };
  const tarball = { version: plugin.version, resolved: `file:${packed.filename}`, integrity: packed.integrity, license: plugin.license, dependencies: plugin.dependencies, peerDependencies: plugin.peerDependencies, engines: plugin.engines };
  const lock = { name: 'host', lockfileVersion: 3, requires: true, packages: { '': { name: 'host', dependencies }, 'node_modules/@datafly/heap-integration': tarball, ...trees.plugin, ...trees.host } };
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'host', private: true, type: 'module', dependencies }, null, 2));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
  return trees;
}

/** A host's strictest ordinary settings; Node's types from this repository (a host has its own). */
function strictNodeNext(files: string[]) {
  const compilerOptions = { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2023'], types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], noEmitOnError: true };
  return { compilerOptions, files };
}

async function inspect<T>(url: string, route: string): Promise<T> {
  const answer = await fetch(`${url}/__sandbox/${route}`);
  if (!answer.ok) throw new Error(`GET /__sandbox/${route} → ${answer.status}`);
  return (await answer.json()) as T;
}

const bytes = (packages: InstalledPackage[]) => packages.reduce((sum, p) => sum + p.bytes, 0);

function figures(tree: string, packages: InstalledPackage[]) {
  return { tree, packages: packages.length, 'MB (file sizes)': (bytes(packages) / 1e6).toFixed(1), 'MB on disk': (packages.reduce((sum, p) => sum + p.diskBytes, 0) / 1e6).toFixed(1) };
}
