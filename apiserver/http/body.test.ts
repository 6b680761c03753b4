import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.ts';
import { decodeBody, decodeObjectBodyWithFacts, readBody } from './body.ts';

/** A request body stream shaped like the IncomingMessage readBody reads. */
function request(headers: Record<string, string> = {}): PassThrough & { headers: Record<string, string>; complete: boolean } {
  return Object.assign(new PassThrough(), { headers, complete: false });
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return err;
}

function thrown(f: () => unknown): ApiError {
  try {
    f();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('readBody', () => {
  it('reads the whole body', async () => {
    const req = request();
    const body = readBody(req as unknown as IncomingMessage);
    req.end('{"a":1}');
    req.complete = true;
    expect((await body).toString()).toBe('{"a":1}');
  });

  it('answers a body the client cut short with 400, not a 500', async () => {
    const req = request({ 'content-length': '100' });
    const body = readBody(req as unknown as IncomingMessage);
    req.write('{"a":');
    req.destroy();
    const err = await failure(body);
    expect(err.status).toMatchObject({ code: 400, reason: 'BadRequest', message: 'the request body was not received in full: the client closed the connection' });
  });

  it('answers a broken stream with 400 and its error', async () => {
    const req = request();
    const body = readBody(req as unknown as IncomingMessage);
    req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    expect((await failure(body)).status).toMatchObject({ code: 400, message: 'the request body was not received in full: aborted' });
  });

  it('refuses more than the limit with 413', async () => {
    const req = request();
    const body = readBody(req as unknown as IncomingMessage, 4);
    req.end('12345');
    expect((await failure(body)).status.code).toBe(413);
    expect((await failure(readBody(request({ 'content-length': '5' }) as unknown as IncomingMessage, 4))).status.code).toBe(413);
  });
});

describe('decodeBody', () => {
  it('refuses JSON nested beyond the limit before parsing it, as the decoder words it', () => {
    const deep = `${'['.repeat(1001)}${']'.repeat(1001)}`;
    expect(thrown(() => decodeBody(Buffer.from(deep), 'application/json')).status)
      .toMatchObject({ code: 400, message: "couldn't get version/kind; json parse error: exceeded max depth" });
    const huge = `${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`;
    expect(thrown(() => decodeBody(Buffer.from(huge), 'application/json')).status.code).toBe(400);
    const ok = `${'['.repeat(1000)}${']'.repeat(1000)}`;
    expect(decodeBody(Buffer.from(ok), 'application/json')).toBeInstanceOf(Array);
    expect(decodeBody(Buffer.from('{"s":"[[[[[[\\"[[["}'), 'application/json')).toEqual({ s: '[[[[[["[[[' });
  });

  it('refuses YAML nested beyond the limit and resource-exhausting aliases with 400', () => {
    const deep = `a: ${'['.repeat(1001)}${']'.repeat(1001)}`;
    expect(thrown(() => decodeBody(Buffer.from(deep), 'application/yaml')).status.code).toBe(400);
    const bomb = 'a: &a [1,2]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]';
    expect(thrown(() => decodeBody(Buffer.from(bomb), 'application/yaml')).status.code).toBe(400);
  });
});

describe('decodeObjectBodyWithFacts', () => {
  it('finds a JSON body\'s repeated keys in the pass that measures its depth, only when asked', () => {
    const text = Buffer.from('{"metadata":{"name":"a","name":"b"},"data":{"k":"1"}}');
    const found = decodeObjectBodyWithFacts(text, 'application/json', true);
    expect(found.object).toEqual({ metadata: { name: 'b' }, data: { k: '1' } });
    expect(found.facts.duplicates?.children?.get('metadata')?.keys).toEqual(['name', 'name']);
    expect(decodeObjectBodyWithFacts(text, 'application/json', false).facts).toEqual({});
    const deep = `{"a":${'['.repeat(1000)}${']'.repeat(1000)}}`;
    expect(thrown(() => decodeObjectBodyWithFacts(Buffer.from(deep), 'application/json', true)).status.message).toBe("couldn't get version/kind; json parse error: exceeded max depth");
  });

  it('takes a YAML body with repeated keys (the last value wins) and words them as goyaml', () => {
    const found = decodeObjectBodyWithFacts(Buffer.from('metadata:\n  name: a\n  name: b\n'), 'application/yaml', true);
    expect(found.object).toEqual({ metadata: { name: 'b' } });
    expect(found.facts).toEqual({ yaml: true, yamlDuplicates: ['line 3: key "name" already set in map'] });
    expect(decodeObjectBodyWithFacts(Buffer.from('a: 1\n'), 'application/yaml', false).facts).toEqual({ yaml: true });
    expect(thrown(() => decodeObjectBodyWithFacts(Buffer.from('a: [1'), 'application/yaml', true)).status.message).toMatch(/^error converting YAML to JSON: /);
  });
});
