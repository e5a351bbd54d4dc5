// A stand-in for Slack's Socket Mode endpoint on 127.0.0.1: apps.connections.open hands out a ws:// URL, and a
// minimal RFC 6455 server behind it says hello, sends envelopes and records the app's acks. Other Web API calls
// are passed through to the fake Slack, so the app needs one API URL as in production. (No `ws` package here.)
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One envelope as Socket Mode delivers it. */
export interface Envelope {
  envelope_id: string;
  type: 'slash_commands' | 'interactive' | 'events_api';
  payload: unknown;
  accepts_response_payload: boolean;
}

export interface LocalSocketMode {
  /** The API URL to configure (`…/api/`): apps.connections.open here, the rest forwarded to the fake. */
  apiUrl: string;
  /** Tokens apps.connections.open was called with. */
  readonly connectionsOpened: string[];
  /** Resolves once a client has connected and been greeted. */
  connected(): Promise<void>;
  /** Resolves when the client's connection has closed (after its close handshake). */
  disconnected(): Promise<void>;
  /** Sends an envelope and resolves with the app's ack payload for it. */
  send(envelope: Envelope): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0x80 | opcode, length]) : Buffer.alloc(length < 65536 ? 4 : 10);
  if (length >= 126 && length < 65536) {
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else if (length >= 65536) {
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** Splits client frames (always masked) off the front of `buffer`; returns the rest. */
function readFrames(buffer: Buffer, onFrame: (opcode: number, payload: Buffer) => void): Buffer {
  let rest = buffer;
  while (rest.length >= 2) {
    const opcode = rest[0]! & 0x0f;
    let length = rest[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (rest.length < 4) break;
      length = rest.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (rest.length < 10) break;
      length = Number(rest.readBigUInt64BE(2));
      offset = 10;
    }
    const masked = (rest[1]! & 0x80) !== 0;
    const maskEnd = offset + (masked ? 4 : 0);
    if (rest.length < maskEnd + length) break;
    const payload = Buffer.from(rest.subarray(maskEnd, maskEnd + length));
    if (masked) for (let i = 0; i < payload.length; i += 1) payload[i]! ^= rest[offset + (i % 4)]!;
    onFrame(opcode, payload);
    rest = rest.subarray(maskEnd + length);
  }
  return rest;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startLocalSocketMode(fakeApiUrl: string): Promise<LocalSocketMode> {
  const connectionsOpened: string[] = [];
  const acks = new Map<string, (payload: Record<string, unknown>) => void>();
  let socket: Duplex | undefined;
  let greeted: () => void;
  const connected = new Promise<void>((resolve) => {
    greeted = resolve;
  });
  let gone: () => void;
  const disconnected = new Promise<void>((resolve) => {
    gone = resolve;
  });

  const server: Server = createServer(async (request, response) => {
    const method = new URL(request.url ?? '/', 'http://127.0.0.1').pathname.replace(/^\/api\//, '');
    const body = await readBody(request);
    if (method === 'apps.connections.open') {
      connectionsOpened.push(String(request.headers.authorization ?? '').replace(/^Bearer /, ''));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link` }));
      return;
    }
    const forwarded = await fetch(`${fakeApiUrl}${method}`, {
      method: 'POST',
      headers: {
        'content-type': String(request.headers['content-type'] ?? 'application/x-www-form-urlencoded'),
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      },
      body,
    });
    response.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/json' });
    response.end(Buffer.from(await forwarded.arrayBuffer()));
  });

  server.on('upgrade', (request, upgraded: Duplex) => {
    const key = request.headers['sec-websocket-key'];
    if (typeof key !== 'string') {
      upgraded.destroy();
      return;
    }
    const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
    upgraded.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket = upgraded;
    let pending: Buffer = Buffer.alloc(0);
    upgraded.on('data', (chunk: Buffer) => {
      pending = readFrames(Buffer.concat([pending, chunk]), (opcode, payload) => {
        if (opcode === 0x1) {
          const message = JSON.parse(payload.toString('utf8')) as { envelope_id: string; payload?: Record<string, unknown> };
          acks.get(message.envelope_id)?.(message.payload ?? {});
        } else if (opcode === 0x8) {
          // Echo the close frame, then end the TCP connection, as the server's half of the close handshake.
          upgraded.end(frame(0x8, payload));
        } else if (opcode === 0x9) {
          upgraded.write(frame(0xa, payload));
        }
      });
    });
    upgraded.on('error', () => {});
    upgraded.on('close', () => gone());
    upgraded.write(frame(0x1, Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0APP' } }))));
    greeted();
  });

  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    connectionsOpened,
    connected: () => connected,
    disconnected: () => disconnected,
    send(envelope) {
      if (!socket) throw new Error('no Socket Mode client is connected');
      const acked = new Promise<Record<string, unknown>>((resolve) => acks.set(envelope.envelope_id, resolve));
      socket.write(frame(0x1, Buffer.from(JSON.stringify(envelope))));
      return acked;
    },
    async close() {
      socket?.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
