/**
 * A small typed vim25 client: the calls a sync and VM provisioning need, over node:https.
 * - TLS is verified by default (system CAs or a given CA); a SHA-256 thumbprint can be pinned
 *   instead, checked before anything (the password included) is sent; `insecure` skips both.
 * - The session cookie is kept; on NotAuthenticated it logs in again, once.
 * - Connect and read timeouts; connection errors are retried with backoff for calls that only read.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { NotAuthenticated, VsphereConnectionError, VsphereError, VsphereTaskError, VsphereTimeoutError, VsphereTlsError } from './errors.ts';
import { asArray, child, el, envelope, moref, parseResponse, text, typeOf, xml, type MoRef, type Node, type Xml } from './soap.ts';

export interface TlsOptions {
  /** PEM of the CA (or self-signed certificate) to trust instead of the system's. */
  ca?: string;
  /** SHA-256 fingerprint of the server certificate, hex with or without colons. */
  thumbprint?: string;
  /** Accept any certificate. */
  insecure?: boolean;
}

export interface ClientOptions {
  /** https://vcenter.example.com/sdk */
  url: string;
  username: string;
  password: string;
  tls?: TlsOptions;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /** Attempts for read-only calls that fail to connect (default 3). */
  attempts?: number;
}

export interface ServiceContent {
  rootFolder: MoRef;
  propertyCollector: MoRef;
  viewManager: MoRef;
  sessionManager: MoRef;
  customizationSpecManager?: MoRef;
  about: { fullName: string; apiVersion: string; instanceUuid: string };
}

export interface PropertySpecRequest {
  type: string;
  paths: string[];
}

export interface ObjectContent {
  obj: MoRef;
  props: Map<string, Node>;
  /** Properties the server could not read, with the fault name. */
  missing: Map<string, string>;
}

const SERVICE_INSTANCE: MoRef = { type: 'ServiceInstance', value: 'ServiceInstance' };
/** Methods safe to send again after a connection failure. */
const READ_ONLY = new Set(['RetrieveServiceContent', 'RetrievePropertiesEx', 'ContinueRetrievePropertiesEx', 'CreateContainerView', 'DestroyView', 'Logout']);

const normalizeThumbprint = (value: string) => value.replace(/[^0-9a-fA-F]/g, '').toUpperCase();

export class VimClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly verifiedSockets = new WeakSet<object>();
  private cookie: string | undefined;
  private content: ServiceContent | undefined;

  constructor(private readonly options: ClientOptions) {
    this.url = new URL(options.url);
    const tls = options.tls ?? {};
    this.agent =
      this.url.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 8, ca: tls.ca, rejectUnauthorized: !(tls.insecure || tls.thumbprint) })
        : new http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  get serviceContent(): ServiceContent {
    if (!this.content) throw new VsphereError('not connected: call connect() first');
    return this.content;
  }

  /** Retrieves the service content and logs in. */
  async connect(): Promise<ServiceContent> {
    const root = await this.call('RetrieveServiceContent', SERVICE_INSTANCE, xml());
    const ref = (name: string) => moref(child(root, name));
    const about = child(root, 'about');
    this.content = {
      rootFolder: ref('rootFolder')!,
      propertyCollector: ref('propertyCollector')!,
      viewManager: ref('viewManager')!,
      sessionManager: ref('sessionManager')!,
      customizationSpecManager: ref('customizationSpecManager'),
      about: { fullName: text(child(about, 'fullName')) ?? '', apiVersion: text(child(about, 'apiVersion')) ?? '', instanceUuid: text(child(about, 'instanceUuid')) ?? '' },
    };
    if (!this.content.rootFolder || !this.content.propertyCollector || !this.content.sessionManager) throw new VsphereError('the service content lacks rootFolder, propertyCollector or sessionManager: is this a vCenter or ESXi SDK endpoint?');
    await this.login();
    return this.content;
  }

  private async login(): Promise<void> {
    await this.call('Login', this.serviceContent.sessionManager, xml(el('userName', this.options.username), el('password', this.options.password)), { retryLogin: false });
  }

  async logout(): Promise<void> {
    if (!this.content || !this.cookie) return;
    try {
      await this.call('Logout', this.content.sessionManager, xml(), { retryLogin: false });
    } finally {
      this.cookie = undefined;
      this.agent.destroy();
    }
  }

  async createContainerView(container: MoRef, types: string[], recursive = true): Promise<MoRef> {
    const result = await this.call('CreateContainerView', this.serviceContent.viewManager, xml(el('container', container), el('type', types), el('recursive', recursive)));
    const view = moref(result);
    if (!view) throw new VsphereError('CreateContainerView returned no view');
    return view;
  }

  async destroyView(view: MoRef): Promise<void> {
    await this.call('DestroyView', view, xml());
  }

  /**
   * RetrievePropertiesEx over a container view (or one object when `root` is not a view), with
   * ContinueRetrievePropertiesEx until the server has sent every page.
   */
  async retrieveProperties(root: MoRef, specs: PropertySpecRequest[], options: { pageSize?: number } = {}): Promise<ObjectContent[]> {
    const isView = root.type === 'ContainerView';
    const traversal = isView ? el('selectSet', xml(el('name', 'view'), el('type', 'ContainerView'), el('path', 'view'), el('skip', false)), 'TraversalSpec') : xml();
    const specSet = el(
      'specSet',
      xml(
        ...specs.map((spec) => el('propSet', xml(el('type', spec.type), el('all', false), el('pathSet', spec.paths)))),
        el('objectSet', xml(el('obj', root), el('skip', isView), traversal)),
      ),
    );
    const collector = this.serviceContent.propertyCollector;
    const objects: ObjectContent[] = [];
    let result = await this.call('RetrievePropertiesEx', collector, xml(specSet, el('options', xml(el('maxObjects', options.pageSize)))));
    for (;;) {
      objects.push(...asArray(child(result, 'objects')).map(readObjectContent));
      const token = text(child(result, 'token'));
      if (!token) return objects;
      result = await this.call('ContinueRetrievePropertiesEx', collector, el('token', token));
    }
  }

  /** Runs a task method and waits for it; a task that ends in error throws VsphereTaskError. */
  async runTask(method: string, self: MoRef, body: Xml, options: { timeoutMs?: number } = {}): Promise<Node | undefined> {
    const task = moref(await this.call(method, self, body));
    if (!task) throw new VsphereError(`${method} returned no task`);
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
      const [info] = await this.retrieveProperties(task, [{ type: 'Task', paths: ['info.state', 'info.error', 'info.result'] }]);
      const state = text(info?.props.get('info.state'));
      if (state === 'success') return info?.props.get('info.result');
      if (state === 'error') {
        const error = info?.props.get('info.error');
        const message = text(child(error, 'localizedMessage')) || typeOf(child(error, 'fault')) || 'unknown error';
        throw new VsphereTaskError(`${method} failed: ${message}`);
      }
      if (Date.now() > deadline) throw new VsphereTimeoutError(`${method} did not finish within ${(options.timeoutMs ?? 300_000) / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** One SOAP call, with re-login on NotAuthenticated and retries of connection failures for read-only methods. */
  async call(method: string, self: MoRef, body: Xml, options: { retryLogin?: boolean } = {}): Promise<Node | undefined> {
    const attempts = READ_ONLY.has(method) ? (this.options.attempts ?? 3) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send(method, self, body);
      } catch (error) {
        if (error instanceof NotAuthenticated && options.retryLogin !== false && this.content) {
          await this.login();
          return this.send(method, self, body);
        }
        if (error instanceof VsphereConnectionError && attempt < attempts) {
          await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
          continue;
        }
        throw error;
      }
    }
  }

  private send(method: string, self: MoRef, body: Xml): Promise<Node | undefined> {
    const payload = Buffer.from(envelope(method, self, body));
    const isHttps = this.url.protocol === 'https:';
    const connectTimeout = this.options.connectTimeoutMs ?? 10_000;
    const readTimeout = this.options.readTimeoutMs ?? 60_000;
    const where = `${this.url.host}`;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        request.destroy();
        reject(error);
      };
      const request = (isHttps ? https : http).request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port || (isHttps ? 443 : 80),
          path: `${this.url.pathname}${this.url.search}`,
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'text/xml; charset=utf-8',
            soapaction: 'urn:vim25/6.5',
            'content-length': payload.length,
            ...(this.cookie ? { cookie: this.cookie } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => fail(new VsphereConnectionError(`the connection to ${where} broke during ${method}: ${error.message}`)));
          response.on('end', () => {
            if (settled) return;
            const setCookie = response.headers['set-cookie']?.find((cookie) => cookie.startsWith('vmware_soap_session='));
            if (setCookie) this.cookie = setCookie.split(';')[0];
            try {
              settled = true;
              resolve(parseResponse(method, Buffer.concat(chunks).toString('utf8'), response.statusCode ?? 0));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      const connectTimer = setTimeout(() => fail(new VsphereTimeoutError(`could not connect to ${where} within ${connectTimeout / 1000} s`)), connectTimeout);
      request.setTimeout(readTimeout, () => fail(new VsphereTimeoutError(`${where} did not answer ${method} within ${readTimeout / 1000} s`)));
      request.on('error', (error: NodeJS.ErrnoException) => fail(transportError(error, where, method)));
      request.on('socket', (socket) => {
        const ready = () => {
          clearTimeout(connectTimer);
          if (isHttps && this.options.tls?.thumbprint && !this.verifiedSockets.has(socket)) {
            const pin = normalizeThumbprint(this.options.tls.thumbprint);
            const actual = normalizeThumbprint((socket as TLSSocket).getPeerCertificate().fingerprint256 ?? '');
            if (actual !== pin) return fail(new VsphereTlsError(`the certificate of ${where} has SHA-256 thumbprint ${actual}, not the pinned ${pin}; nothing was sent`));
          }
          this.verifiedSockets.add(socket);
          // The body (and with it any credential or cookie) leaves only once the peer is checked.
          request.end(payload);
        };
        // A kept-alive socket was checked on its first request; a new one is checked once connected.
        if (this.verifiedSockets.has(socket)) ready();
        else socket.once(isHttps ? 'secureConnect' : 'connect', ready);
      });
    });
  }
}

function transportError(error: NodeJS.ErrnoException, where: string, method: string): VsphereError {
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') return new VsphereConnectionError(`${where} refused the connection: is the URL right and vCenter up?`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new VsphereConnectionError(`cannot resolve ${where}: check the host name in the URL`);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new VsphereConnectionError(`${where} is unreachable from here`);
  if (code === 'ECONNRESET' || code === 'EPIPE') return new VsphereConnectionError(`${where} closed the connection during ${method}`);
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return new VsphereTlsError(`the certificate of ${where} is not trusted (${code}): pass --ca FILE, pin it with --thumbprint SHA256, or --insecure`);
  }
  return new VsphereConnectionError(`${method} to ${where} failed: ${error.message}`);
}

function readObjectContent(node: Node): ObjectContent {
  const props = new Map<string, Node>();
  for (const prop of asArray(child(node, 'propSet'))) {
    const name = text(child(prop, 'name'));
    const value = child(prop, 'val');
    if (name && value !== undefined) props.set(name, value);
  }
  const missing = new Map<string, string>();
  for (const item of asArray(child(node, 'missingSet'))) {
    const path = text(child(item, 'path'));
    if (path) missing.set(path, typeOf(child(item, 'fault')) ?? 'fault');
  }
  return { obj: moref(child(node, 'obj'))!, props, missing };
}

