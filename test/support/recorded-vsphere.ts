/**
 * A vCenter that replays recorded SOAP exchanges, for calls the simulator cannot answer: a local
 * HTTP server at /sdk that takes each request in turn, records what it was (method, `_this`, and
 * the text of each parameter), and answers with the next recorded response. A request other than
 * the one expected next is answered with a SOAP fault naming both, so a test fails on its
 * assertions, not on a hang. Responses follow the vim25 WSDL shapes, in vCenter's own spelling.
 *
 *   const vc = await startRecordedVsphere([serviceContent(UUID), login(), ...]);
 *   // account url vc.url (http: add it with insecure), then assert on vc.requests
 *   await vc.stop();
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';

export interface Exchange {
  /** The SOAP method expected, e.g. SelectVnicForNicType. */
  method: string;
  status: number;
  /** The content of soapenv:Body. */
  body: string;
}

export interface RecordedRequest {
  method: string;
  this: { type: string; value: string };
  /** Each parameter after `_this` by name, parsed: text, or an object of its children (`@type` for a type). */
  params: Record<string, unknown>;
}

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>';
const ENVELOPE_CLOSE = '</soapenv:Body></soapenv:Envelope>';

const response = (method: string, returnval: string): Exchange => ({ method, status: 200, body: `<${method}Response xmlns="urn:vim25">${returnval}</${method}Response>` });

/** RetrieveServiceContent: the managers a client needs and `about` with the instance UUID. */
export function serviceContent(instanceUuid: string): Exchange {
  return response(
    'RetrieveServiceContent',
    '<returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector>' +
      '<viewManager type="ViewManager">ViewManager</viewManager><about><name>VMware vCenter Server</name><fullName>VMware vCenter Server 7.0.3 build-21477706</fullName>' +
      `<vendor>VMware, Inc.</vendor><version>7.0.3</version><build>21477706</build><apiType>VirtualCenter</apiType><apiVersion>7.0.3.0</apiVersion><instanceUuid>${instanceUuid}</instanceUuid></about>` +
      '<sessionManager type="SessionManager">SessionManager</sessionManager></returnval>',
  );
}

/** Login: a UserSession (the session cookie is set by the server). */
export function login(userName: string): Exchange {
  return response('Login', `<returnval><key>52d0b1f4-7a0e-4c6b-9a55-2f1d3c0e9b11</key><userName>${userName}</userName><fullName>${userName}</fullName><loginTime>2024-05-01T10:00:00Z</loginTime><lastActiveTime>2024-05-01T10:00:00Z</lastActiveTime><locale>en</locale><messageLocale>en</messageLocale><extensionSession>false</extensionSession></returnval>`);
}

/** RetrievePropertiesEx of a HostSystem's configManager.virtualNicManager, as vCenter writes a moref value. */
export function virtualNicManagerProperty(hostMoref: string, manager: string): Exchange {
  return response(
    'RetrievePropertiesEx',
    `<returnval><objects><obj type="HostSystem">${hostMoref}</obj><propSet><name>configManager.virtualNicManager</name><val type="HostVirtualNicManager" xsi:type="ManagedObjectReference">${manager}</val></propSet></objects></returnval>`,
  );
}

/** SelectVnicForNicType returns nothing. */
export const selectVnicForNicType = (): Exchange => response('SelectVnicForNicType', '');

/** A SOAP fault with its vim25 fault type in the detail. */
export function fault(method: string, type: string, message: string): Exchange {
  return { method, status: 500, body: `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${message}</faultstring><detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}"></${type}Fault></detail></soapenv:Fault>` };
}

export const logout = (): Exchange => response('Logout', '');

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, parseTagValue: false, trimValues: true });

export interface RecordedVsphere {
  /** http://127.0.0.1:PORT/sdk */
  url: string;
  requests: RecordedRequest[];
  /** Exchanges not yet asked for. */
  remaining(): number;
  stop(): Promise<void>;
}

export async function startRecordedVsphere(exchanges: Exchange[]): Promise<RecordedVsphere> {
  const queue = [...exchanges];
  const requests: RecordedRequest[] = [];
  const server = createServer((request, reply) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = (parser.parse(text) as { Envelope: { Body: Record<string, Record<string, unknown>> } }).Envelope.Body;
      const [method, content] = Object.entries(body)[0]!;
      const self = content._this as { '#text': string; '@type': string };
      const params = Object.fromEntries(Object.entries(content).filter(([name]) => name !== '_this' && !name.startsWith('@')));
      requests.push({ method, this: { type: self['@type'], value: self['#text'] }, params });
      const next = queue[0]?.method === method ? queue.shift()! : fault(method, 'InvalidRequest', `recorded exchange expected ${queue[0]?.method ?? 'no request'}, got ${method}`);
      const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8' };
      if (method === 'Login' && next.status === 200) headers['set-cookie'] = 'vmware_soap_session="52d0b1f4-7a0e-4c6b-9a55-2f1d3c0e9b11"; Path=/; HttpOnly';
      reply.writeHead(next.status, headers).end(`${ENVELOPE_OPEN}${next.body}${ENVELOPE_CLOSE}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sdk`,
    requests,
    remaining: () => queue.length,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
