/**
 * A small SOAP 1.1 client on node:http/https: one keep-alive agent per provider instance, HTTP
 * Basic authentication from the configuration, a time limit per request and the host's abort
 * signal. Every failure becomes an {@link ImsError}; the password never appears in one.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ImsError, isImsError, type Logger } from '@ims/spi';
import { buildRequest, parseReply, SoapFormatError, soapAction } from './envelope.js';
import { faultError } from './faults.js';
import type { XmlElementSpec } from './xml-builder.js';
import type { XmlNode } from './xml-reader.js';

/** The OVM 2.2 web services. */
export type OvmService =
  | 'ServerPoolService'
  | 'VirtualMachineService'
  | 'LifecycleService'
  | 'ResourceService';

/** Options of a {@link SoapClient}. */
export interface SoapClientOptions {
  /** The Manager's base URL, e.g. `http://manager:8888`. */
  managerUrl: string;
  /** HTTP Basic user. */
  username: string;
  /** HTTP Basic password. */
  password: string;
  /** Time limit of one request, in milliseconds. */
  timeoutMs: number;
  /** Cancels every request in flight. */
  signal: AbortSignal;
  /** Logger for request timings (never bodies: they may hold parameters). */
  logger: Logger;
}

/** Options of one call. */
export interface CallOptions {
  /**
   * The call only reads: when a reused keep-alive connection turns out to have been closed by the
   * Manager before the request reached it, the call is sent once more on a new connection.
   */
  readOnly: boolean;
  /**
   * Not cancelled by the abort signal: for clean-up calls that must still run after the user
   * cancelled the operation they clean up after.
   */
  uncancellable?: boolean;
}

/** Responses larger than this are refused: no OVM answer comes near it. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

const SOCKET_LOST = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

interface RawResponse {
  status: number;
  body: string;
}

/**
 * How long an idle keep-alive connection is kept. Servers close idle connections after a timeout
 * of their own (5 s is common); a request written just as the server closes one is lost with
 * ECONNRESET, and a request that changes something is never sent twice. Closing our side well
 * before any usual server timeout keeps a change from being sent over a connection that is going.
 */
export const KEEP_ALIVE_IDLE_MS = 2_000;

/** Calls operations of the OVM Manager web services. */
export class SoapClient {
  readonly #options: SoapClientOptions;
  readonly #base: URL;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #authorization: string;

  /** Makes the client; nothing is connected until the first call. */
  constructor(options: SoapClientOptions) {
    this.#options = options;
    const base = new URL(options.managerUrl.endsWith('/') ? options.managerUrl : `${options.managerUrl}/`);
    // Credentials come from the configuration only, never from the URL (and are never shown with it).
    base.username = '';
    base.password = '';
    this.#base = base;
    this.#agent =
      base.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 8, timeout: KEEP_ALIVE_IDLE_MS })
        : new HttpAgent({ keepAlive: true, maxSockets: 8, timeout: KEEP_ALIVE_IDLE_MS });
    this.#authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64')}`;
  }

  /** The endpoint URL of a service (without credentials). */
  endpoint(service: OvmService): string {
    return new URL(`OVSWS/${service}`, this.#base).href;
  }

  /** Calls `operation` of `service` and returns its `result` elements (none for void operations). */
  async call(
    service: OvmService,
    operation: string,
    params: readonly (XmlElementSpec | undefined)[],
    options: CallOptions,
  ): Promise<XmlNode[]> {
    const endpoint = this.endpoint(service);
    const body = buildRequest(operation, params);
    const started = Date.now();
    let response: RawResponse;
    try {
      response = await this.#post(endpoint, operation, body, options);
    } catch (error) {
      if (!options.readOnly || !isStaleSocket(error)) throw this.#transportError(error, endpoint, operation);
      this.#options.logger.debug('keep-alive connection was closed by the Manager; sending again', {
        operation,
      });
      try {
        response = await this.#post(endpoint, operation, body, options);
      } catch (retryError) {
        throw this.#transportError(retryError, endpoint, operation);
      }
    }
    this.#options.logger.debug('OVM call', { operation, status: response.status, ms: Date.now() - started });
    return this.#interpret(response, endpoint, operation);
  }

  /** Closes idle keep-alive connections; later calls open new ones. */
  close(): void {
    this.#agent.destroy();
  }

  #post(endpoint: string, operation: string, body: string, options: CallOptions): Promise<RawResponse> {
    const { timeoutMs } = this.#options;
    const signal = options.uncancellable === true ? new AbortController().signal : this.#options.signal;
    if (signal.aborted) return Promise.reject(abortedError(operation));
    const url = new URL(endpoint);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const payload = Buffer.from(body, 'utf8');
    return new Promise<RawResponse>((resolve, reject) => {
      let settled = false;
      const finish = (error: unknown, response?: RawResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (response !== undefined && error === undefined) resolve(response);
        else reject(error);
      };
      const request = send(url, {
        method: 'POST',
        agent: this.#agent,
        headers: {
          'Content-Type': 'text/xml; charset=utf-8',
          SOAPAction: soapAction(operation),
          Authorization: this.#authorization,
          Accept: 'text/xml',
          'Content-Length': payload.length,
        },
      });
      const timer = setTimeout(() => {
        request.destroy(Object.assign(new Error('request timed out'), { code: 'IMS_REQUEST_TIMEOUT' }));
      }, timeoutMs);
      const onAbort = () => {
        request.destroy(Object.assign(new Error('aborted'), { code: 'IMS_REQUEST_ABORTED' }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error: NodeJS.ErrnoException) => {
        (error as NodeJS.ErrnoException & { reusedSocket?: boolean }).reusedSocket = request.reusedSocket;
        finish(error);
      });
      request.on('response', (incoming: IncomingMessage) => {
        readBody(incoming).then(
          (text) => finish(undefined, { status: incoming.statusCode ?? 0, body: text }),
          (error: unknown) => finish(error),
        );
      });
      request.end(payload);
    });
  }

  #transportError(error: unknown, endpoint: string, operation: string): ImsError {
    if (isImsError(error)) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'IMS_REQUEST_ABORTED') return abortedError(operation);
    if (code === 'IMS_REQUEST_TIMEOUT') {
      return new ImsError(
        'IMS_CONNECTION_FAILED',
        `The OVM Manager at ${endpoint} did not answer ${operation} within ${this.#options.timeoutMs} ms.`,
        {
          cause: error,
          hint: 'Check that the OVM Manager is running and not overloaded, or raise requestTimeoutMs.',
          details: { endpoint, operation, timeoutMs: this.#options.timeoutMs },
        },
      );
    }
    return new ImsError(
      'IMS_CONNECTION_FAILED',
      `Cannot reach the OVM Manager at ${endpoint} (${operation}): ${describeNetworkError(error)}.`,
      {
        cause: error,
        hint: `Check that the OVM Manager is running and that managerUrl (${this.#base.origin}) is right.`,
        details: { endpoint, operation, ...(code === undefined ? {} : { errno: code }) },
      },
    );
  }

  #interpret(response: RawResponse, endpoint: string, operation: string): XmlNode[] {
    if (response.status === 401 || response.status === 403) {
      throw new ImsError(
        'IMS_AUTH_FAILED',
        `The OVM Manager at ${endpoint} refused the credentials of user ${JSON.stringify(this.#options.username)} (HTTP ${response.status}).`,
        {
          hint: 'Check the Manager user and password; change them with `ims config update <config> --username U --password-env VAR`.',
          details: { endpoint, operation, httpStatus: response.status },
        },
      );
    }
    let reply: ReturnType<typeof parseReply> | undefined;
    let formatError: SoapFormatError | undefined;
    try {
      reply = parseReply(response.body, operation);
    } catch (error) {
      if (!(error instanceof SoapFormatError)) throw error;
      formatError = error;
    }
    if (reply?.kind === 'fault') throw faultError(operation, endpoint, reply.faultCode, reply.faultString);
    if (response.status !== 200 || reply === undefined) {
      const why =
        response.status === 200
          ? `its answer is not a SOAP response (${formatError?.message ?? 'unreadable'})`
          : `it answered HTTP ${response.status}${formatError === undefined ? '' : ' without a SOAP fault'}`;
      throw new ImsError('IMS_PROVIDER_ERROR', `OVM Manager ${operation} at ${endpoint} failed: ${why}.`, {
        hint:
          response.status === 404
            ? `Check managerUrl (${this.#base.origin}): the Manager's web services are under /OVSWS/.`
            : 'Check the OVM Manager’s log.',
        details: { endpoint, operation, httpStatus: response.status },
      });
    }
    return reply.results;
  }
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        incoming.destroy(
          Object.assign(new Error(`the response exceeds ${MAX_RESPONSE_BYTES} bytes`), { code: 'EMSGSIZE' }),
        );
        return;
      }
      chunks.push(chunk);
    });
    incoming.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    incoming.on('error', reject);
    incoming.on('aborted', () =>
      reject(Object.assign(new Error('the connection closed mid-response'), { code: 'ECONNRESET' })),
    );
  });
}

function isStaleSocket(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
  return e.reusedSocket === true && SOCKET_LOST.has(e.code ?? '');
}

function describeNetworkError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host is unreachable';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection was dropped before an answer came';
    default:
      return (error as Error).message || String(error);
  }
}

function abortedError(operation: string): ImsError {
  return new ImsError('IMS_ABORTED', `The OVM Manager call ${operation} was cancelled.`, {
    details: { operation },
  });
}
