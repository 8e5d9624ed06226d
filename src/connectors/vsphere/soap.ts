/**
 * vim25 SOAP on the wire: envelopes out, parsed bodies and faults in. Requests are small, built
 * from `Xml` fragments with escaping; responses are parsed with fast-xml-parser into plain objects
 * where every element is a string, an object or (when repeated) an array. Element names lose their
 * namespace prefix; `@xsi:type` keeps its own, apart from a moref's `@type`: vCenter writes both on
 * one element, in either order.
 */
import { XMLParser } from 'fast-xml-parser';
import { vimFault, VsphereProtocolError } from './errors.ts';

/** A managed object reference: `{type: 'HostSystem', value: 'host-21'}`. */
export interface MoRef {
  type: string;
  value: string;
}

/** An XML fragment that is already escaped. */
export class Xml {
  constructor(readonly text: string) {}
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export type XmlValue = string | number | boolean | Xml | MoRef | XmlValue[] | null | undefined;

function isMoRef(value: unknown): value is MoRef {
  return typeof value === 'object' && value !== null && !(value instanceof Xml) && !Array.isArray(value) && 'type' in value && 'value' in value;
}

/** `<name>value</name>`; arrays repeat the element, null and undefined are left out. */
export function el(name: string, value: XmlValue, xsiType?: string): Xml {
  if (value === null || value === undefined) return new Xml('');
  if (Array.isArray(value)) return new Xml(value.map((item) => el(name, item, xsiType).text).join(''));
  const typeAttribute = xsiType ? ` xsi:type="${escape(xsiType)}"` : '';
  if (value instanceof Xml) return new Xml(`<${name}${typeAttribute}>${value.text}</${name}>`);
  if (isMoRef(value)) return new Xml(`<${name} type="${escape(value.type)}">${escape(value.value)}</${name}>`);
  return new Xml(`<${name}${typeAttribute}>${escape(String(value))}</${name}>`);
}

export const xml = (...parts: Xml[]) => new Xml(parts.map((part) => part.text).join(''));

export function envelope(method: string, self: MoRef, body: Xml): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body><${method} xmlns="urn:vim25">${el('_this', self).text}${body.text}</${method}></soapenv:Body></soapenv:Envelope>`
  );
}

const withoutPrefix = (name: string) => name.slice(name.indexOf(':') + 1);
/**
 * A prefixed `type` attribute is the XML Schema instance type, whatever the prefix: vCenter writes
 * `xsi:type`, Go's encoder (the simulator) `XMLSchema-instance:type`; vim25 has no other.
 */
const attributeName = (name: string) => (name.includes(':') && withoutPrefix(name) === 'type' ? '@xsi:type' : `@${withoutPrefix(name.slice(1))}`);
const parser = new XMLParser({
  ignoreAttributes: (name) => name === 'xmlns' || name.startsWith('xmlns:'),
  attributeNamePrefix: '@',
  transformTagName: withoutPrefix,
  transformAttributeName: attributeName,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

/** A parsed element: text, an object of children (`@xsi:type` for its schema type, `@type` for a moref's), or repeated elements. */
export type Node = string | { [name: string]: Node } | Node[];

/**
 * Parses a SOAP response and returns the content of `<METHODResponse>`, or throws the fault as a
 * typed VimFault, or a VsphereProtocolError when the document is not a SOAP answer.
 */
export function parseResponse(method: string, text: string, status: number): Node | undefined {
  let document: Record<string, unknown>;
  try {
    document = parser.parse(text, true) as Record<string, unknown>;
  } catch (error) {
    throw new VsphereProtocolError(`the answer to ${method} (HTTP ${status}) is not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
  }
  const body = (document.Envelope as Record<string, unknown> | undefined)?.Body as Record<string, Node> | undefined;
  if (!body) throw new VsphereProtocolError(`the answer to ${method} (HTTP ${status}) is not a SOAP envelope${text.trim() ? '' : ' (it is empty)'}`);
  const fault = body.Fault as Record<string, Node> | undefined;
  if (fault) {
    const detail = fault.detail as Record<string, Node> | undefined;
    const [detailName, detailValue] = detail && typeof detail === 'object' ? (Object.entries(detail)[0] ?? []) : [];
    const typed = typeOf(detailValue);
    const name = (typed ?? detailName ?? 'Fault').replace(/Fault$/, '');
    const message = typeof fault.faultstring === 'string' ? fault.faultstring : name;
    throw vimFault(name, message, detailValue);
  }
  const response = `${method}Response`;
  if (!(response in body)) throw new VsphereProtocolError(`the answer to ${method} (HTTP ${status}) has no ${response}`);
  const content = body[response];
  return typeof content === 'object' && content !== null && !Array.isArray(content) ? content.returnval : undefined;
}

// Readers for parsed nodes: vim25 leaves cardinality and types to the schema, so readers decide.

export function asArray(node: Node | undefined): Node[] {
  if (node === undefined || node === '') return [];
  return Array.isArray(node) ? node : [node];
}

export function child(node: Node | undefined, name: string): Node | undefined {
  return node && typeof node === 'object' && !Array.isArray(node) ? node[name] : undefined;
}

export function text(node: Node | undefined): string | undefined {
  if (typeof node === 'string') return node;
  const value = child(node, '#text');
  return typeof value === 'string' ? value : undefined;
}

export function int(node: Node | undefined): number | undefined {
  const value = text(node);
  return value === undefined || !/^-?[0-9]+$/.test(value) ? undefined : Number(value);
}

export function bool(node: Node | undefined): boolean | undefined {
  const value = text(node);
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** A data object's schema type (its xsi:type). */
export function typeOf(node: Node | undefined): string | undefined {
  const value = child(node, '@xsi:type');
  return typeof value === 'string' ? value : undefined;
}

/** A managed object reference: its `type` attribute (never the xsi:type ManagedObjectReference beside it) and its text. */
export function moref(node: Node | undefined): MoRef | undefined {
  const type = child(node, '@type');
  const value = text(node);
  return typeof type === 'string' && value ? { type, value } : undefined;
}

/** Children of an `ArrayOfX` value: its one repeated element, whatever its name. */
export function arrayItems(node: Node | undefined): Node[] {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return [];
  const entries = Object.entries(node).filter(([name]) => !name.startsWith('@') && name !== '#text');
  return entries.flatMap(([, value]) => asArray(value));
}
