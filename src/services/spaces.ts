/** IP spaces (VRF-like): addresses are unique within one. There is always a `default` space. */
import { conflict } from '../domain/errors.ts';
import type { IpSpace } from '../domain/model.ts';
import { Checks, checkName } from '../domain/validate.ts';
import { changeEntry, insertChanges } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import { findSpace, insertSpace, listSpaces as listSpaceRows } from '../store/subnets.ts';

export async function createSpace(context: Context, input: { name: string; description?: string }): Promise<IpSpace> {
  const checks = new Checks();
  const name = checks.check(() => checkName('name', input.name));
  if ((input.description ?? '').length > 500) checks.fail('description', 'is longer than 500 characters');
  checks.done();
  return context.store.write(async (tx) => {
    if (await findSpace(tx, name!)) throw conflict(`name: an IP space named '${name}' already exists`, 'name');
    const space = await insertSpace(tx, { name: name!, description: input.description ?? '' });
    await insertChanges(tx, [changeEntry(context, 'space', space, 'create', null, space)]);
    return space;
  });
}

export async function listSpaces(context: Context): Promise<IpSpace[]> {
  return context.store.read((conn) => listSpaceRows(conn));
}
