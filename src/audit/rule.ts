/** What an audit rule is and what it finds. */
import type { Estate } from './estate.ts';

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One problem a rule found: the objects involved and a concrete action that fixes it. */
export interface Hit {
  /** The host the finding is about, null for estate-wide ones (a subnet, a wire). */
  host: string | null;
  /** The names involved, e.g. host and vmk, or VM and IP. */
  objects: string[];
  /** This finding in one sentence, naming the objects. */
  message: string;
  /** The esxcli / PowerCLI lines or the hostwire command that fixes it. */
  fix: string;
}

export interface Rule {
  id: string;
  severity: Severity;
  title: string;
  why: string;
  check(estate: Estate): Hit[];
}

export interface Finding extends Hit {
  rule: string;
  severity: Severity;
  title: string;
  why: string;
}
