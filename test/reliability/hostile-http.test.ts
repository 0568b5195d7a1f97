import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeProcess } from '../../tools/processes.js';
import { printFigures } from '../helpers/figures.js';
import { startHostProcess } from '../helpers/host-process.js';

/** Sends bytes as they are (no client library fixes them up) and answers the status line. */
function rawRequest(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

/** Attacks at the HTTP level, against the host as `npm start` runs it, in its own process. */
describe('hostile HTTP requests', () => {
  let host: NodeProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'datafly-hostile-http-'));
    host = await startHostProcess(dataDir);
  });
  afterAll(async () => {
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 400 to request targets that are not URLs, without a token, and keeps serving', async () => {
    const targets = ['http://a:99999/health', '//[/x', 'http://%zz/', 'http://[::1/health'];
    const rows = [];
    for (const target of targets) {
      const status = await rawRequest(host.url, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const health = await fetch(`${host.url}/health`);
      rows.push({ target, answer: status, 'host alive after': health.status });
      expect(status).toBe('HTTP/1.1 400 Bad Request');
      expect(health.status).toBe(200);
    }
    printFigures('Request targets that are not URLs', rows);
    expect(host.child.exitCode).toBeNull();
  });
});
