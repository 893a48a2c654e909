import type { KeySource, RequestKeys } from './types.ts';

type Entry = { name: string; value: string; source: KeySource };

/** Query, form, cookie and web-session values of one request; names are case-insensitive. */
export class RequestKeyValues implements RequestKeys {
  private readonly entries: Entry[] = [];

  add(source: KeySource, values: Readonly<Record<string, unknown>> | undefined): this {
    for (const [name, value] of Object.entries(values ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v === 'string') this.entries.push({ name: name.toLowerCase(), value: v, source });
      }
    }
    return this;
  }

  getValue(name: string): string | undefined {
    const values = this.getValues(name);
    return values.length ? values.join(',') : undefined;
  }
  getValues(name: string): string[] {
    const key = String(name).toLowerCase();
    return this.entries.filter((e) => e.name === key).map((e) => e.value);
  }
  getSource(name: string): KeySource | undefined {
    const key = String(name).toLowerCase();
    return this.entries.find((e) => e.name === key)?.source;
  }
  names(): string[] {
    return [...new Set(this.entries.map((e) => e.name))];
  }
}
