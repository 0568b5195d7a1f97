/** What the sandbox answers: a string body goes as text/plain, anything else as JSON. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Why nothing of the request was kept, though it was answered (recorded with the request). */
  dropped?: string;
}

export function reply(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, headers };
}
