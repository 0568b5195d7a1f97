import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/** The OpenAPI document of every route registered after this, made from their zod schemas (served at /v1/openapi.json). */
export async function describeApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Datafly reference host: Management API and ingestion',
        version,
        description:
          'Install and watch integrations (`/v1/admin`, admin token) and send events (`/v1/batch`, `/v1/t|p|s|i|g`, pipeline key). Errors are `{"error": {"code", "message", "fields"?}}`; lists are `{data, next_cursor, has_more}`.',
      },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token (DATAFLY_ADMIN_TOKEN)' },
          pipelineKey: { type: 'http', scheme: 'bearer', description: 'The pipeline key (DATAFLY_PIPELINE_KEY)' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
    hideUntagged: false,
  });
}
