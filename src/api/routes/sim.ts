/** The failure simulation of a stored host: what fails over where when links or switches fail. */
import { createRoute, z } from '@hono/zod-openapi';
import { simulateHostFailure } from '../../services/sim.ts';
import * as s from '../schemas.ts';
import { contextFor, json, problems, READ_ERRORS, type Api, type Deps } from './common.ts';

const names = (value: string | undefined) => (value ? value.split(',').map((item) => item.trim()).filter(Boolean) : []);

export function simRoutes(app: Api, deps: Deps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/hosts/{name}/sim/fail',
      tags: ['sim'],
      summary: "Every port group, vmk and VM NIC a link or switch failure affects: uplink before and after, connectivity, detection time, recovery. Links the host's last facts saw down are down before the failure unless allLinksUp",
      request: { params: s.NameParam, query: s.SimFailQuery },
      responses: { 200: json(z.array(s.FailoverEntrySchema), 'One entry per affected object'), ...problems(...READ_ERRORS) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const entries = await simulateHostFailure(contextFor(deps, c, 'viewer'), c.req.valid('param').name, { links: names(query.links), switchDown: names(query.switchDown) }, { beaconInterval: query.beaconInterval, beaconThreshold: query.beaconThreshold, allLinksUp: query.allLinksUp === 'true' });
      return c.json(entries, 200);
    },
  );
}
