/** `hostwire sim`: the failure simulation over a stored host and the guests on it. */
import { invalid } from '../domain/errors.ts';
import { checkInteger } from '../domain/validate.ts';
import { simulateBalance, type TeamBalance } from '../sim/balance.ts';
import { simulateFailure, type FailoverEntry } from '../sim/failover.ts';
import type { SimOptions } from '../sim/teams.ts';
import { planVmotion, type VmotionPlan } from '../sim/vmotion.ts';
import type { Context } from '../store/context.ts';
import { observedLinks, renderInputFor } from './host-network.ts';

export interface SimSettings {
  /** The host-wide beacon probing interval and threshold (ESXi's Net.* advanced settings). */
  beaconInterval?: number | string;
  beaconThreshold?: number | string;
  /** Upstream switches as `NAME=nic,nic`. */
  upstream?: string[];
  /** Ignore the host's observed link state and start from every link up. */
  allLinksUp?: boolean;
}

function simOptions(settings: SimSettings): SimOptions {
  const options: SimOptions = {};
  if (settings.beaconInterval !== undefined || settings.beaconThreshold !== undefined) {
    options.beacon = {
      intervalSeconds: checkInteger('beaconInterval', settings.beaconInterval ?? 1, 1, 3600, 'seconds between beacons'),
      threshold: checkInteger('beaconThreshold', settings.beaconThreshold ?? 3, 0, 100, 'missed beacons before failover (0 turns beacon detection off)'),
    };
  }
  for (const entry of settings.upstream ?? []) {
    const match = /^([^=]+)=(.+)$/.exec(entry);
    if (!match) throw invalid('upstream', `'${entry}' is not NAME=nic,nic (an upstream switch and the host NICs cabled to it)`);
    options.upstream = { ...options.upstream, [match[1]!]: match[2]!.split(',') };
  }
  return options;
}

/** NICs the host's last facts saw without link, itself or as a bond member or bridge port. */
async function nicsDown(context: Context, host: string): Promise<string[]> {
  const down = Object.entries(await observedLinks(context, host)).filter(([, state]) => state === 'down');
  return [...new Set(down.map(([key]) => key.slice(key.lastIndexOf('/') + 1)))];
}

/** A failure on top of what is already down, unless told to start from every link up. */
export async function simulateHostFailure(context: Context, host: string, failure: { links: string[]; switchDown?: string[] }, settings: SimSettings = {}): Promise<FailoverEntry[]> {
  const input = await renderInputFor(context, host);
  const alreadyDown = settings.allLinksUp ? [] : await nicsDown(context, host);
  return simulateFailure(input, input.vms ?? [], { ...failure, alreadyDown }, simOptions(settings));
}

export async function simulateHostBalance(context: Context, host: string, settings: SimSettings = {}): Promise<TeamBalance[]> {
  const input = await renderInputFor(context, host);
  return simulateBalance(input, input.vms ?? [], simOptions(settings));
}

export async function planHostVmotion(context: Context, from: string, to: string, settings: SimSettings = {}): Promise<VmotionPlan> {
  return planVmotion(await renderInputFor(context, from), await renderInputFor(context, to), simOptions(settings));
}
