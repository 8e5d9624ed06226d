/** Who is logged in: the token's name and role, which decide what the UI offers. */
import { createContext, useContext } from 'react';
import { mayAct } from './api.ts';
import type { Role, Session } from './types.ts';

export const SessionContext = createContext<Session>({ name: '', role: 'viewer' });

/** Whether the logged-in token may do what needs `role` (the API checks again). */
export function useMay(role: Role): boolean {
  return mayAct(useContext(SessionContext).role, role);
}
