import type { FastifyReply, FastifyRequest } from 'fastify';
import { EVENT_TYPES, type EventType } from '@datafly/heap-integration/contract';
import { ApiError, badRequest } from '../../errors.js';
import type { IngestionService, IngestResult } from '../../ingest.js';
import { ErrorSchema, IngestAnswerSchema, IngestBatchSchema, IngestEventSchema } from '../schemas.js';
import type { Api } from './deps.js';

const docs = { security: [{ pipelineKey: [] }], tags: ['ingestion'] };

/** The collector's one-event shorthands, one per event type of the contract (a type without one does not compile). */
export const SINGLE_EVENT_PATHS: Readonly<Record<EventType, string>> = { track: '/v1/t', page: '/v1/p', screen: '/v1/s', identify: '/v1/i', group: '/v1/g' };
const responses = { 200: IngestAnswerSchema, 400: IngestAnswerSchema.extend({ error: ErrorSchema.shape.error }), 401: ErrorSchema, 413: ErrorSchema, 503: ErrorSchema };

/** `POST /v1/batch` and the one-event shorthands of the collector. */
export function ingestRoutes(app: Api, ingestion: IngestionService, maxBatchEvents: number): void {
  const answer = (reply: FastifyReply, result: IngestResult) => {
    const body = {
      accepted: result.accepted.length,
      rejected: result.rejected,
      duplicates: result.duplicates,
      events: result.accepted,
      queued_for_integrations: result.integrations,
      ...(result.disabled > 0 ? { disabled_integrations: result.disabled } : {}),
      ...(result.warning ? { warning: result.warning } : {}),
      ...(result.unread.length > 0 ? { unread_fields: result.unread } : {}),
    };
    if (result.accepted.length === 0 && result.rejected.length > 0) {
      const fields = result.rejected.map((r) => ({ field: r.field, message: r.reason }));
      return reply.code(400).send({ error: { code: 'invalid_events', message: 'No event in the request was valid; see rejected', fields }, ...body });
    }
    return reply.code(200).send(body);
  };

  app.post(
    '/v1/batch',
    { config: { auth: 'pipeline', notUtf8PerEvent: true }, schema: { ...docs, summary: 'Up to 1000 events; each is checked alone and the good ones are durable before the answer', body: IngestBatchSchema, response: responses } },
    async (req, reply) => answer(reply, await ingestBatch(req)),
  );

  /**
   * Started from a plain function, and the request's parsed body let go: an async handler would keep
   * its locals, and the request its body, until the answer, so the parsed events would outlive the
   * check (see IngestionService.ingest).
   */
  function ingestBatch(req: FastifyRequest): Promise<IngestResult> {
    const batch = (req.body as { batch?: unknown } | undefined)?.batch;
    if (!Array.isArray(batch)) throw badRequest('batch: must be an array of events', [{ field: 'batch', message: 'must be an array of events' }]);
    if (batch.length > maxBatchEvents) throw new ApiError(413, 'batch_too_large', `batch: holds ${batch.length} events; at most ${maxBatchEvents} per request`);
    req.body = undefined;
    return ingestion.ingest(batch, { notUtf8: req.bodyNotUtf8, bodyDepth: req.bodyDepth });
  }

  function ingestOne(req: FastifyRequest, type: EventType): Promise<IngestResult> {
    if (req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) throw badRequest('The request body must be one event object');
    const event = req.body;
    req.body = undefined;
    return ingestion.ingest([event], { impliedType: type, notUtf8: req.bodyNotUtf8, bodyDepth: req.bodyDepth });
  }

  const single = (path: string, type: EventType) =>
    app.post(
      path,
      { config: { auth: 'pipeline', notUtf8PerEvent: true }, schema: { ...docs, summary: `One ${type} event (its type may be left out)`, body: IngestEventSchema, response: responses } },
      async (req, reply) => answer(reply, await ingestOne(req, type)),
    );
  for (const type of EVENT_TYPES) single(SINGLE_EVENT_PATHS[type], type);
}
