import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { zodValidatorCompiler } from '../validate-input.ts';
import { REQUEST_ID_PATTERN } from '../../observability/request-scope.ts';
import { ROUTE_TAGS } from './route-contract.ts';

/**
 * The REST API's OpenAPI 3.1 document, generated from the route contracts (zod schemas the
 * routes validate with; see route-contract.ts), served at /openapi.json, and a browsable
 * reference at /docs (Swagger UI, served from its npm package: no CDN).
 *
 * Routes that declare a contract are in the document; pages, the SOAP endpoint and static
 * files declare none and stay out. A route under /api/ without a contract is a mistake: the
 * document refuses to build, naming it.
 */
const version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// Swagger UI's own scripts only, and it calls this server and nothing else. Its React views set
// inline styles, which cannot run code: style-src allows them.
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Call on the root instance before any route is registered. */
export async function registerApiDocument(app: FastifyInstance): Promise<void> {
  // Inputs are checked with their zod schemas (messages name the field); answers are written
  // as plain JSON, since the contract tests prove they match the document.
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'sessiond REST API',
        version,
        description:
          'Sessions for applications: log in, check, log out, invalidateSessions; admin calls by handle. Every error answers ' +
          '`{ "errorCode", "message" }` with a code from one status table. The same calls in the Salesforce Partner SOAP API ' +
          'are at /services/Soap/u/{version} (WSDL: ?wsdl). Every answer carries `X-Request-Id`: the caller\'s own when it sent ' +
          'a well-formed one (1-128 of A-Z a-z 0-9 . _ : -), else one the server made; 5xx bodies repeat it as `requestId`, and ' +
          'every log line of the request carries it as `reqId`.',
      },
      tags: ROUTE_TAGS.map((tag) => ({ ...tag })),
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'The session ID that POST /api/v1/login answers.' },
        },
      },
    },
    hideUntagged: true,
    transformObject: (input) => ('openapiObject' in input ? withRequestIdHeader(input.openapiObject) : input.swaggerObject),
    transform: (input) => {
      if (input.url.startsWith('/api/') && !input.schema?.response) {
        throw new Error(
          `${input.route.method} ${input.url} has no route contract: declare one (src/api/rest/route-contract.ts) so it joins the OpenAPI document`,
        );
      }
      return jsonSchemaTransform(input);
    },
  });

  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(app.swagger()),
  );

  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: { validatorUrl: null, deepLinking: true, tryItOutEnabled: false },
  });
}

/** Every answer of every operation documents the X-Request-Id header (one shared definition). */
function withRequestIdHeader<D extends object>(document: D): D {
  const doc = document as {
    components?: Record<string, Record<string, unknown>>;
    paths?: Record<string, Record<string, { responses?: Record<string, { headers?: Record<string, unknown> }> }>>;
  };
  doc.components = {
    ...doc.components,
    headers: {
      ...doc.components?.headers,
      XRequestId: {
        description: "This request's ID: the caller's X-Request-Id when well formed, else one the server made.",
        schema: { type: 'string', pattern: REQUEST_ID_PATTERN.source },
      },
    },
  };
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const response of Object.values(operation.responses ?? {})) {
        response.headers = { ...response.headers, 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } };
      }
    }
  }
  return document;
}
