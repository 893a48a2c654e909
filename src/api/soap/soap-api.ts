import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SessiondError } from '../../core/errors.ts';
import { STATUS_CODES } from '../../core/status-codes.ts';
import type { SessiondContext } from '../../http/context.ts';
import { toSessiondError } from '../rest/error-handler.ts';
import { loginFailureReason } from '../../observability/metrics.ts';
import { parseInput } from '../validate-input.ts';
import { parseSoapRequest } from './envelope.ts';
import { readEnvelopeStream, RefusedEnvelope, ScannedEnvelope } from './envelope-stream.ts';
import { FAULT_HTTP_STATUS, renderFault } from './fault.ts';
import { soapPath } from '@sessiond/client/protocol';
import { OPERATIONS } from './operations.ts';
import { acceptedVersion, ACCEPTED_VERSIONS_TEXT } from './partner-versions.ts';
import { renderResponse } from './response.ts';
import { renderWsdl } from './wsdl.ts';

const XML = 'text/xml; charset=utf-8';

const endpointParams = z.object({
  version: z.string(),
  // The login answer's serverUrl ends in the organization ID; later calls may be sent there.
  orgId: z.string().regex(/^[A-Za-z0-9]{1,18}$/, 'an organization ID').optional(),
});

/**
 * The Salesforce-compatible Partner SOAP endpoint, `/services/Soap/u/{version}`, as one
 * encapsulated fastify plugin: it reads any content type as text, and every error is a fault.
 */
export function soapApi(ctx: SessiondContext) {
  return async function soapPlugin(app: FastifyInstance): Promise<void> {
    // Clients send text/xml, application/soap+xml or nothing useful: the body is read as text
    // whatever it says, and JSON is not parsed here. The body limit is the server's. The
    // envelope's bounds are checked as the body streams in (envelope-stream.ts).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (request, payload, done) =>
      readEnvelopeStream(payload, request.routeOptions.bodyLimit ?? ctx.config.bodyLimitBytes, request.headers['content-length'], done),
    );
    app.setErrorHandler((error, request, reply) => sendFault(ctx, request, reply, toSessiondError(error)));

    /** The endpoint's API version, or the UNSUPPORTED_API_VERSION fault naming the range. */
    const endpointVersion = (request: FastifyRequest): number => {
      const { version } = parseInput(endpointParams, request.params, 'path');
      const accepted = acceptedVersion(version);
      if (accepted === null) {
        throw new SessiondError(
          'UNSUPPORTED_API_VERSION',
          `Partner API version ${version.slice(0, 16)} is not served here: sessiond serves ${ACCEPTED_VERSIONS_TEXT}.`,
        );
      }
      return accepted;
    };

    const handle = async (request: FastifyRequest, reply: FastifyReply) => {
      const version = endpointVersion(request);
      const body = request.body;
      if (body instanceof RefusedEnvelope) throw body.failure;
      const call = body instanceof ScannedEnvelope ? parseSoapRequest(body.text, body.readable) : parseSoapRequest('');
      const operation = OPERATIONS.get(call.operation);
      if (!operation) {
        throw new SessiondError(
          'INVALID_OPERATION',
          `No operation "${call.operation.slice(0, 64)}": this endpoint speaks ${[...OPERATIONS.keys()].join(', ')}.`,
        );
      }
      let content;
      try {
        content = await operation(ctx, {
          version,
          payload: call.payload,
          sessionId: call.sessionId,
          address: request.ip,
          userAgent: request.headers['user-agent'],
        });
      } catch (error) {
        if (call.operation === 'login') ctx.metrics.loginFailed('soap', loginFailureReason(toSessiondError(error)));
        throw error;
      }
      return reply.type(XML).send(renderResponse(call.operation, content));
    };

    const describe = async (request: FastifyRequest, reply: FastifyReply) => {
      const version = endpointVersion(request);
      const query = request.query && typeof request.query === 'object' ? Object.keys(request.query) : [];
      if (!query.some((k) => k.toLowerCase() === 'wsdl')) {
        throw new SessiondError('INVALID_REQUEST', 'POST a SOAP envelope here, or GET ?wsdl for the WSDL.');
      }
      return reply.type(XML).send(renderWsdl(version, ctx.baseUrl() + soapPath(`${version}.0`)));
    };

    for (const path of ['/services/Soap/u/:version', '/services/Soap/u/:version/:orgId']) {
      app.post(path, handle);
      app.get(path, describe);
    }
  };
}

function sendFault(ctx: SessiondContext, request: FastifyRequest, reply: FastifyReply, failure: SessiondError): FastifyReply {
  if (STATUS_CODES[failure.code].http >= 500) ctx.storeOutages.logFailure(request.log, failure, 'SOAP call failed');
  if (failure.retryAfterSeconds !== undefined) void reply.header('retry-after', String(failure.retryAfterSeconds));
  return reply.status(FAULT_HTTP_STATUS).type(XML).send(renderFault(failure, request.id));
}
