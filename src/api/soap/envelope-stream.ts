import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { errorCodes } from 'fastify';
import { SessiondError } from '../../core/errors.ts';
import { EnvelopeScanner } from './envelope-limits.ts';

/** A body read whole and pre-scanned: the text, and what the parser reads of it. */
export class ScannedEnvelope {
  constructor(
    readonly text: string,
    readonly readable: string,
  ) {}
}

/**
 * A body refused while it streamed: the handler answers it with the usual fault (after the
 * endpoint's version check, as before). The rest of the body is read and dropped, not kept, so
 * the connection stays usable; the answer does not wait for it.
 */
export class RefusedEnvelope {
  constructor(readonly failure: SessiondError) {}
}

type Done = (error: Error | null, body?: ScannedEnvelope | RefusedEnvelope) => void;

/**
 * The SOAP endpoint's body reader: the request stream through the envelope pre-scan chunk by
 * chunk (envelope-limits.ts), so an unauthenticated envelope over any bound is refused as soon
 * as the chunk that crosses it arrives, without joining, decoding or scanning the rest of it.
 * The body limit is enforced as Fastify's own string reader does (Content-Length first, then
 * the bytes received), with the same errors.
 */
export function readEnvelopeStream(payload: Readable, limit: number, contentLengthHeader: string | undefined, done: Done): void {
  const contentLength = Number(contentLengthHeader);
  if (contentLength > limit) {
    done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    return;
  }
  const decoder = new StringDecoder('utf8');
  const scanner = new EnvelopeScanner();
  let received = 0;

  const detach = () => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onError);
  };
  const refuse = (error: unknown) => {
    if (!(error instanceof SessiondError)) {
      done(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    // Still flowing with no listener: the rest of the body is read and dropped.
    payload.resume();
    done(null, new RefusedEnvelope(error));
  };

  function onData(chunk: Buffer | string): void {
    received += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (received > limit) {
      detach();
      done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    try {
      scanner.feed(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    } catch (error) {
      detach();
      refuse(error);
    }
  }

  function onEnd(): void {
    detach();
    if (!Number.isNaN(contentLength) && received !== contentLength) {
      done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
      return;
    }
    try {
      scanner.feed(decoder.end());
      const { text, readable } = scanner.end();
      done(null, new ScannedEnvelope(text, readable));
    } catch (error) {
      refuse(error);
    }
  }

  function onError(error: Error): void {
    detach();
    done(Object.assign(error, { statusCode: 400 }));
  }

  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onError);
  payload.resume();
}
