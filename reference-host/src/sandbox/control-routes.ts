import type { Faults } from './faults.js';
import type { SandboxLimits } from './limits.js';
import { RequestProblem } from './problems.js';
import { reply, type Reply } from './reply.js';
import type { RecordedState } from './state.js';

/** Inspection and fault control live under this prefix; everything else is Heap's API. */
export const CONTROL = '/__sandbox';

/** What the control routes read and steer. */
export interface ControlContext {
  state: RecordedState;
  faults: Faults;
  limits(): SandboxLimits;
  setLimits(input: unknown): void;
  stats(): unknown;
  reset(): void;
  now: number;
}

/** `/__sandbox/...`: a person's or a test's window on the sandbox. Bad input answers 400 naming the field. */
export function answerControl(ctx: ControlContext, method: string, url: URL, raw: string): Reply {
  const route = `${method} ${url.pathname.slice(CONTROL.length)}`;
  try {
    switch (route) {
      case 'GET /requests': {
        const status = url.searchParams.get('status');
        return reply(200, ctx.state.requestList({ path: url.searchParams.get('path') ?? undefined, status: status ? Number(status) : undefined }));
      }
      case 'DELETE /requests':
        ctx.state.clearRequests();
        return reply(200, { cleared: true });
      case 'GET /events':
        return reply(200, ctx.state.eventList());
      case 'GET /stats':
        return reply(200, ctx.stats());
      case 'GET /users':
        return reply(200, ctx.state.userList());
      case 'GET /accounts':
        return reply(200, ctx.state.accountList());
      case 'GET /merges':
        return reply(200, ctx.state.mergeList());
      case 'GET /deletions':
        return reply(
          200,
          ctx.state.deletionList().map((d) => ({ ...d, status: ctx.state.statusOf(d, ctx.now), requested_at: new Date(d.requested_at).toISOString() })),
        );
      case 'POST /reset':
        ctx.reset();
        return reply(200, { reset: true });
      case 'GET /faults':
        return reply(200, ctx.faults.list());
      case 'POST /faults':
        return reply(201, ctx.faults.add(jsonOf(raw)));
      case 'DELETE /faults':
        ctx.faults.clear();
        return reply(200, { cleared: true });
      case 'GET /limits':
        return reply(200, ctx.limits());
      case 'POST /limits':
        ctx.setLimits(jsonOf(raw));
        return reply(200, ctx.limits());
      default:
        return reply(404, { error: `no sandbox control route ${route}` });
    }
  } catch (error) {
    if (error instanceof RequestProblem) return reply(400, { error: error.message });
    throw error;
  }
}

function jsonOf(raw: string): unknown {
  try {
    return JSON.parse(raw || '{}');
  } catch {
    throw new RequestProblem('body: malformed JSON');
  }
}
