import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { fieldIssues } from '@datafly/heap-integration/contract';
import { ApiError } from '../errors.js';

const handlerChecked = new WeakSet<z.ZodType>();

/**
 * A schema that documents a body the handler checks itself (ingestion answers per item; install and
 * edit name near misses of unknown keys): Fastify passes the body through unvalidated, and the
 * handler sees it as it is, `unknown`.
 */
export function checkedByHandler(schema: z.ZodType): z.ZodType {
  handlerChecked.add(schema);
  return schema;
}

/**
 * Path, query and body are checked by their zod schemas; a failure is a 400 naming each field.
 * Response schemas document the answers; the handlers build them, so serialising is plain JSON.
 */
export function checkWithZod(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const zodSchema = schema as unknown as z.ZodType;
    // The handler reads the body as sent. Fastify hands an absent body to a validator as null and
    // stores whatever `value` it answers, so answering no value keeps "no body" apart from `null`.
    if (handlerChecked.has(zodSchema)) return () => true;
    return (data) => {
      const parsed = zodSchema.safeParse(data);
      if (parsed.success) return { value: parsed.data };
      const fields = fieldIssues(parsed.error);
      return { error: new ApiError(400, 'invalid_request', `The request ${httpPart === 'querystring' ? 'query' : httpPart === 'params' ? 'path' : httpPart} is invalid: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields) };
    };
  });
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
