import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of every shape; each asserts the fields it needs
export interface HttpAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A tiny client for the real app listening on a free port. */
export async function listen(app: INestApplication) {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> => {
    const raw = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
    const res = await fetch(base + path, {
      method,
      body: raw,
      headers: { ...(raw !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    });
    const text = await res.text();
    const isJson = res.headers.get('content-type')?.includes('json');
    return { status: res.status, body: isJson && text ? JSON.parse(text) : text, headers: res.headers };
  };
  return {
    base,
    send,
    get: (path: string, headers?: Record<string, string>) => send('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => send('POST', path, body ?? {}, headers),
  };
}
