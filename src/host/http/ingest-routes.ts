import type { EventType } from '../../contract/index.js';
import { ApiError, badRequest } from '../errors.js';
import type { IngestionService, IngestResult } from '../ingest.js';
import type { Reply, Route } from './router.js';

/** `POST /v1/batch` and the one-event shorthands of the collector. */
export function ingestRoutes(ingestion: IngestionService, maxBatchEvents: number): Route[] {
  const answer = (result: IngestResult): Reply => {
    const body = {
      accepted: result.accepted.length,
      rejected: result.rejected,
      events: result.accepted,
      queued_for_integrations: result.integrations,
    };
    if (result.accepted.length === 0 && result.rejected.length > 0) {
      return { status: 400, body: { error: { code: 'invalid_events', message: 'No event in the request was valid; see rejected', fields: result.rejected.map((r) => ({ field: r.field, message: r.reason })) }, ...body } };
    }
    return { status: 200, body };
  };

  const single = (path: string, type: EventType): Route => ({
    method: 'POST',
    path,
    auth: 'pipeline',
    handler: ({ body }) => {
      if (body === undefined) throw badRequest('The request body must be one event object');
      return answer(ingestion.ingest([body], type));
    },
  });

  return [
    {
      method: 'POST',
      path: '/v1/batch',
      auth: 'pipeline',
      handler: ({ body }) => {
        const batch = (body as { batch?: unknown } | undefined)?.batch;
        if (!Array.isArray(batch)) throw badRequest('batch: must be an array of events', [{ field: 'batch', message: 'must be an array of events' }]);
        if (batch.length > maxBatchEvents) throw new ApiError(413, 'batch_too_large', `batch: holds ${batch.length} events; at most ${maxBatchEvents} per request`);
        return answer(ingestion.ingest(batch));
      },
    },
    single('/v1/t', 'track'),
    single('/v1/p', 'page'),
    single('/v1/i', 'identify'),
    single('/v1/g', 'group'),
  ];
}
