import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Headers that belong to one hop, not to the request or answer passed on. */
const HOP = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'content-encoding']);

/**
 * A gate in front of the sandbox: passes every request on, but holds those to a closed path until the
 * gate opens. A test stops a run at the step it means (waiting for Heap to confirm the credentials,
 * with batches in flight) and waits for the run to reach that step, never for time.
 */
export async function startGate(target: string) {
  const rules = new Map<string, { after: number; seen: number; held: number }>();
  let release: ((pass: boolean) => void)[] = [];
  const passing = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const pass = (async () => {
      try {
        const body = await read(req);
        const rule = [...rules].find(([prefix]) => (req.url ?? '').startsWith(prefix))?.[1];
        if (rule && rule.seen++ >= rule.after) {
          rule.held++;
          // A request still held when the gate stops never reaches the sandbox (nor the next test).
          if (!(await new Promise<boolean>((resolve) => release.push(resolve)))) return void res.destroy();
        }
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP.has(k))) as Record<string, string>;
        const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, body: body.length > 0 ? new Uint8Array(body) : undefined });
        const bytes = Buffer.from(await answer.arrayBuffer());
        const answered: Record<string, string> = {};
        answer.headers.forEach((value, key) => {
          if (!HOP.has(key)) answered[key] = value;
        });
        res.writeHead(answer.status, answered);
        res.end(bytes);
      } catch {
        res.destroy();
      }
    })();
    passing.add(pass);
    void pass.finally(() => passing.delete(pass));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    /** Holds requests to paths starting with `prefix`, after the first `after` of them. */
    close(prefix: string, after = 0): void {
      rules.set(prefix, { after, seen: 0, held: 0 });
    },
    /** Requests to `prefix` held so far (since it was closed). */
    held(prefix: string): number {
      return rules.get(prefix)?.held ?? 0;
    },
    /** Lets every held request through, and holds none from now on. */
    open(): void {
      rules.clear();
      for (const resolve of release) resolve(true);
      release = [];
    },
    /** Drops the requests still held, waits for those passing through to be answered, then closes. */
    async stop(): Promise<void> {
      for (const resolve of release) resolve(false);
      release = [];
      await Promise.all(passing);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Gate = Awaited<ReturnType<typeof startGate>>;

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
