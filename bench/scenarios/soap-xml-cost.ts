import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { newSessionId } from '../../src/core/secret-id.ts';
import type { Row } from '../results.ts';
import { percentile } from '../sequential.ts';
import type { BenchContext } from './context.ts';
import { soapInvalidateEnvelope } from './invalidate.ts';

/**
 * The XML side of SOAP invalidateSessions alone, in this process: parsing a 200-ID request
 * envelope (src/api/soap/envelope.ts) and rendering the 200-result answer
 * (src/api/soap/response.ts). Looked up at run time, so a tree without them (or with another
 * shape) is skipped with the reason instead of failing to compile.
 */
type Parse = (xml: string) => unknown;
type Render = (operation: string, content: unknown) => string;

export async function soapXmlCost(ctx: BenchContext): Promise<Row> {
  const id = 'soap-xml-cost';
  const label = 'SOAP XML parse + serialize alone, 200 IDs (in process)';
  const envelopePath = join('src', 'api', 'soap', 'envelope.ts');
  const responsePath = join('src', 'api', 'soap', 'response.ts');
  if (!existsSync(envelopePath) || !existsSync(responsePath)) {
    return { status: 'skipped', group: 'invalidate', id, label, reason: 'src/api/soap (envelope.ts, response.ts) does not exist in this tree' };
  }
  const envelope = (await import(pathToFileURL(envelopePath).href)) as { parseSoapRequest?: Parse };
  const response = (await import(pathToFileURL(responsePath).href)) as { renderResponse?: Render };
  const parse = envelope.parseSoapRequest;
  const render = response.renderResponse;
  if (typeof parse !== 'function' || typeof render !== 'function') {
    return { status: 'skipped', group: 'invalidate', id, label, reason: 'src/api/soap no longer exports parseSoapRequest / renderResponse' };
  }

  const xml = soapInvalidateEnvelope(newSessionId(), Array.from({ length: 200 }, () => newSessionId()));
  const answer = { result: Array.from({ length: 200 }, () => ({ errors: [], success: true })) };
  const parseMs: number[] = [];
  const renderMs: number[] = [];
  const samples = ctx.mode.name === 'quick' ? 200 : 2000;
  for (let i = 0; i < samples + 50; i++) {
    let t0 = process.hrtime.bigint();
    parse(xml);
    const parsed = Number(process.hrtime.bigint() - t0) / 1e6;
    t0 = process.hrtime.bigint();
    const out = render('invalidateSessions', answer);
    const rendered = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i === 0 && (out.match(/<success>true<\/success>/g)?.length ?? 0) !== 200) throw new Error('renderResponse did not render 200 results');
    if (i >= 50) {
      parseMs.push(parsed);
      renderMs.push(rendered);
    }
  }
  const both = parseMs.map((p, i) => p + renderMs[i]!);
  return {
    status: 'ok',
    group: 'invalidate',
    id,
    label,
    p50Ms: percentile(both, 50),
    p99Ms: percentile(both, 99),
    note: `parse p50 ${percentile(parseMs, 50).toFixed(3)} ms, serialize p50 ${percentile(renderMs, 50).toFixed(3)} ms; ${samples} samples`,
    extra: { parseP50Ms: percentile(parseMs, 50), serializeP50Ms: percentile(renderMs, 50) },
  };
}
