import type { FieldIssue } from '@datafly/heap-integration/contract';

/** An error the Management API answers as `{"error": {"code", "message", "fields"?}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} was not found`);
export const badRequest = (message: string, fields?: FieldIssue[]) => new ApiError(400, 'invalid_request', message, fields);

/**
 * A reason the host cannot start that an operator can fix (a variable, a port, the database):
 * printed as one line, exit code 1, never a stack.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
