import type { Histogram, Registry } from 'prom-client';

/**
 * sessiond_http_request_duration_seconds, kept so that timing a request finds its series
 * without building, checking or hashing a label set: each route holds its own series by method
 * and status class (RouteDurations), made on first use. prom-client's Histogram does all of
 * that on every observe, which costs more than the session check it times. The exposition is
 * the same as prom-client's (same buckets, `_bucket`/`_sum`/`_count`, cumulative counts).
 */

/** prom-client's default buckets, in seconds. */
export const DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Label values come from these lists only: a method or class never carries caller text. */
const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const STATUS_CLASSES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

export function statusClass(status: number): string {
  return STATUS_CLASSES[statusClassIndex(status)]!;
}

function statusClassIndex(status: number): number {
  return status >= 100 && status < 600 ? Math.floor(status / 100) : 0;
}

interface Labels {
  method: string;
  route: string;
  status_class: string;
}

class DurationSeries {
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts = new Float64Array(DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  constructor(readonly labels: Labels) {}

  observe(seconds: number): void {
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/** One route template's series, by request method and status class. */
export class RouteDurations {
  private readonly byMethod = new Map<string, Array<DurationSeries | undefined>>();

  constructor(
    private readonly durations: RequestDurations,
    private readonly route: string,
  ) {}

  observe(method: string, status: number, seconds: number): void {
    let classes = this.byMethod.get(method);
    if (classes === undefined) {
      classes = [];
      this.byMethod.set(method, classes);
    }
    const index = statusClassIndex(status);
    let series = classes[index];
    if (series === undefined) {
      series = this.durations.series({ method: METHODS.has(method) ? method : 'other', route: this.route, status_class: STATUS_CLASSES[index]! });
      classes[index] = series;
    }
    series.observe(seconds);
  }
}

export class RequestDurations {
  readonly name = 'sessiond_http_request_duration_seconds';
  readonly help = 'Time to answer HTTP requests, by method, route template (unmatched for 404s) and status class';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly byKey = new Map<string, DurationSeries>();

  constructor(registry: Registry) {
    // prom-client's registry takes any metric that answers get() in its shape; its types name
    // only its own classes.
    registry.registerMetric(this as unknown as Histogram);
  }

  /** The series of one route template (a route's registered URL, never the path asked for). */
  forRoute(route: string): RouteDurations {
    return new RouteDurations(this, route);
  }

  /** The one series of a label set (routes of the same template share it). */
  series(labels: Labels): DurationSeries {
    const key = `${labels.method} ${labels.route} ${labels.status_class}`;
    let series = this.byKey.get(key);
    if (series === undefined) {
      series = new DurationSeries(labels);
      this.byKey.set(key, series);
    }
    return series;
  }

  /** The values in prom-client's shape (what its registry writes out). */
  async get() {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const series of this.byKey.values()) {
      let cumulative = 0;
      for (let i = 0; i <= DURATION_BUCKETS.length; i++) {
        cumulative += series.counts[i]!;
        values.push({ labels: { le: DURATION_BUCKETS[i] ?? '+Inf', ...series.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { ...series.labels }, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...series.labels }, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    for (const series of this.byKey.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
