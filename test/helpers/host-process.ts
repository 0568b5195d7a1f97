import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A free loopback port, by asking the kernel for one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface HostProcess {
  url: string;
  child: ChildProcess;
  output: string[];
  /** SIGKILL: no shutdown code runs, as in a crash. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful stop. */
  stop(): Promise<void>;
}

export const PROCESS_TOKENS = { admin: 'crash-admin-token', pipeline: 'crash-pipeline-key', secretKey: 'b'.repeat(64) };

/** `npm start`'s entry point in its own process (through tsx), without the embedded sandbox. */
export async function startHostProcess(dataDir: string, env: Record<string, string> = {}): Promise<HostProcess> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/start.ts'], {
    env: {
      ...process.env,
      HEAP_SANDBOX: 'off',
      PORT: String(port),
      DATA_DIR: dataDir,
      DATAFLY_ADMIN_TOKEN: PROCESS_TOKENS.admin,
      DATAFLY_PIPELINE_KEY: PROCESS_TOKENS.pipeline,
      DATAFLY_SECRET_KEY: PROCESS_TOKENS.secretKey,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the host process exited with ${child.exitCode}:\n${output.join('')}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the host process did not start:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
