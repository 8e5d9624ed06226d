/**
 * The vCenter simulator harness (test/vcsim): builds it, starts it on the seeds scenario over
 * HTTPS, and reads the estate back with raw vim25 SOAP, checking it is the scenario exactly.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { readScenario, startVcsim, type Scenario, type Vcsim } from './vcsim/harness.ts';

type Node = Record<string, unknown>;

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, parseTagValue: false });

const list = (value: unknown): unknown[] => (value === undefined || value === null || value === '' ? [] : Array.isArray(value) ? value : [value]);
const node = (value: unknown): Node => (typeof value === 'object' && value !== null ? (value as Node) : {});
const text = (value: unknown): string => (typeof value === 'object' && value !== null ? String((value as Node)['#text'] ?? '') : String(value ?? ''));
const path = (value: unknown, ...names: string[]): unknown => names.reduce<unknown>((current, name) => node(current)[name], value);
const texts = (value: unknown): string[] => list(value).map(text);

const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const moref = (tag: string, type: string, value: string) => `<${tag} type="${escape(type)}">${escape(value)}</${tag}>`;

interface SoapReply {
  status: number;
  body: Node;
  cookie: string | undefined;
}

function soap(vc: Vcsim, body: string, cookie?: string): Promise<SoapReply> {
  const envelope =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
  return new Promise((resolve, reject) => {
    const req = request(
      vc.url,
      {
        method: 'POST',
        ca: vc.certPem,
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:vim25/6.5', ...(cookie ? { cookie } : {}) },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('end', () => {
          const session = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith('vmware_soap_session='));
          resolve({ status: res.statusCode ?? 0, body: node(path(parser.parse(data), 'Envelope', 'Body')), cookie: session });
        });
      },
    );
    req.on('error', reject);
    req.end(envelope);
  });
}

/** Objects from a RetrievePropertiesEx reply, by name, each a map of property path to value. */
function objectsByName(reply: SoapReply): Map<string, Map<string, unknown>> {
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  const objects = list(path(reply.body, 'RetrievePropertiesExResponse', 'returnval', 'objects'));
  assert.equal(path(reply.body, 'RetrievePropertiesExResponse', 'returnval', 'token'), undefined, 'everything in one page');
  const out = new Map<string, Map<string, unknown>>();
  for (const object of objects) {
    const props = new Map(list(path(object, 'propSet')).map((prop) => [text(path(prop, 'name')), path(prop, 'val')]));
    const name = text(props.get('name'));
    props.set('@moref', text(path(object, 'obj')));
    props.set('@type', node(path(object, 'obj'))['@type']);
    out.set(name, props);
  }
  return out;
}

describe('vCenter simulator harness (test/vcsim) on the seeds scenario', () => {
  const seeds = readScenario('seeds');
  let vc: Vcsim;
  let cookie: string;
  const content: Node = {};

  const retrieve = async (type: string, paths: string[]) => {
    const view = await soap(
      vc,
      `<CreateContainerView xmlns="urn:vim25">${moref('_this', 'ViewManager', text(content['viewManager']))}` +
        `${moref('container', 'Folder', text(content['rootFolder']))}<type>${type}</type><recursive>true</recursive></CreateContainerView>`,
      cookie,
    );
    assert.equal(view.status, 200, JSON.stringify(view.body));
    const viewRef = text(path(view.body, 'CreateContainerViewResponse', 'returnval'));
    return objectsByName(
      await soap(
        vc,
        `<RetrievePropertiesEx xmlns="urn:vim25">${moref('_this', 'PropertyCollector', text(content['propertyCollector']))}<specSet>` +
          `<propSet><type>${type}</type>${paths.map((p) => `<pathSet>${p}</pathSet>`).join('')}</propSet>` +
          `<objectSet>${moref('obj', 'ContainerView', viewRef)}<skip>true</skip>` +
          '<selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet>' +
          '</objectSet></specSet><options/></RetrievePropertiesEx>',
        cookie,
      ),
    );
  };

  const login = (password: string) =>
    soap(
      vc,
      `<Login xmlns="urn:vim25">${moref('_this', 'SessionManager', text(content['sessionManager']))}` +
        `<userName>${escape(vc.username)}</userName><password>${escape(password)}</password></Login>`,
    );

  before(async () => {
    vc = await startVcsim(seeds, { tls: true });
    const reply = await soap(vc, `<RetrieveServiceContent xmlns="urn:vim25">${moref('_this', 'ServiceInstance', 'ServiceInstance')}</RetrieveServiceContent>`);
    assert.equal(reply.status, 200);
    Object.assign(content, node(path(reply.body, 'RetrieveServiceContentResponse', 'returnval')));
    const session = await login(vc.password);
    assert.equal(session.status, 200, JSON.stringify(session.body));
    assert.ok(session.cookie, 'Login sets the session cookie');
    cookie = session.cookie;
  });

  after(() => vc?.stop());

  it('serves HTTPS with the certificate and thumbprint it printed, and the scenario instance UUID', () => {
    assert.match(vc.url, /^https:\/\/127\.0\.0\.1:\d+\/sdk$/);
    assert.equal(vc.thumbprint, new X509Certificate(vc.certPem).fingerprint256);
    assert.equal(vc.instanceUuid, seeds.instanceUuid);
    assert.equal(text(path(content, 'about', 'instanceUuid')), seeds.instanceUuid);
    assert.equal(text(path(content, 'about', 'apiType')), 'VirtualCenter');
  });

  it('refuses a wrong password with an InvalidLogin fault', async () => {
    const reply = await login('not-the-password');
    assert.equal(reply.status, 500);
    const detail = node(path(reply.body, 'Fault', 'detail'));
    assert.ok('InvalidLoginFault' in detail, JSON.stringify(reply.body));
    assert.equal(reply.cookie, undefined);
  });

  it('has exactly the scenario hosts, with their pnics, vSwitches, port groups, vmks, gateway and DVS membership', async () => {
    const hosts = await retrieve('HostSystem', ['name', 'config.network', 'config.virtualNicManagerInfo', 'hardware.systemInfo.uuid', 'runtime.connectionState']);
    const expected = seeds.clusters?.flatMap((cluster) => cluster.hosts ?? []) ?? [];
    assert.deepEqual([...hosts.keys()].sort(), expected.map((host) => host.name).sort());
    for (const spec of expected) {
      const host = hosts.get(spec.name)!;
      const network = host.get('config.network');
      assert.equal(text(host.get('hardware.systemInfo.uuid')), spec.uuid);
      assert.equal(text(host.get('runtime.connectionState')), 'connected');

      const pnics = list(path(network, 'pnic'));
      assert.deepEqual(
        pnics.map((pnic) => [text(path(pnic, 'device')), text(path(pnic, 'mac')), Number(text(path(pnic, 'linkSpeed', 'speedMb'))), text(path(pnic, 'driver'))]),
        (spec.pnics ?? []).map((pnic) => [pnic.name, pnic.mac, pnic.speedMb, pnic.driver]),
      );

      const vswitches = list(path(network, 'vswitch'));
      assert.deepEqual(
        vswitches.map((vswitch) => [text(path(vswitch, 'name')), texts(path(vswitch, 'spec', 'bridge', 'nicDevice')), Number(text(path(vswitch, 'mtu')))]),
        (spec.vswitches ?? []).map((vswitch) => [vswitch.name, vswitch.uplinks, vswitch.mtu]),
      );
      const vSwitch0 = path(vswitches[0], 'spec', 'policy', 'nicTeaming', 'nicOrder');
      assert.deepEqual([texts(path(vSwitch0, 'activeNic')), texts(path(vSwitch0, 'standbyNic'))], [['vmnic0'], ['vmnic1']]);

      const portgroups = list(path(network, 'portgroup'));
      assert.deepEqual(
        portgroups.map((pg) => [text(path(pg, 'spec', 'name')), text(path(pg, 'spec', 'vswitchName')), Number(text(path(pg, 'spec', 'vlanId')))]),
        (spec.portgroups ?? []).map((pg) => [pg.name, pg.vswitch, pg.vlan]),
      );
      // vMotion-2: one active uplink, the other unused (in neither list), as an override.
      const vMotion2 = portgroups.find((pg) => text(path(pg, 'spec', 'name')) === 'vMotion-2');
      const order = path(vMotion2, 'spec', 'policy', 'nicTeaming', 'nicOrder');
      assert.deepEqual(texts(path(order, 'activeNic')), ['vmnic3']);
      assert.deepEqual(texts(path(order, 'standbyNic')), []);
      // Management Network overrides nothing.
      const management = portgroups.find((pg) => text(path(pg, 'spec', 'name')) === 'Management Network');
      assert.equal(path(management, 'spec', 'policy', 'nicTeaming', 'nicOrder'), undefined);
      assert.deepEqual(texts(path(management, 'computedPolicy', 'nicTeaming', 'nicOrder', 'activeNic')), ['vmnic0']);

      const vmks = list(path(network, 'vnic'));
      assert.deepEqual(
        vmks.map((vmk) => [text(path(vmk, 'device')), text(path(vmk, 'portgroup')), text(path(vmk, 'spec', 'ip', 'ipAddress')), text(path(vmk, 'spec', 'ip', 'subnetMask')), text(path(vmk, 'spec', 'mac')), Number(text(path(vmk, 'spec', 'mtu')))]),
        (spec.vmks ?? []).map((vmk) => [vmk.name, vmk.portgroup, vmk.ip, vmk.netmask, vmk.mac, vmk.mtu]),
      );
      assert.equal(text(path(network, 'ipRouteConfig', 'defaultGateway')), spec.gateway);
      const proxy = list(path(network, 'proxySwitch'));
      assert.deepEqual(proxy.map((p) => text(path(p, 'dvsName'))), ['dvs1']);

      // Services: every nic type lists every vmk as a candidate and selects those with the service.
      const netConfig = list(path(host.get('config.virtualNicManagerInfo'), 'netConfig'));
      assert.deepEqual(netConfig.map((c) => text(path(c, 'nicType'))), ['management', 'vmotion', 'vSAN', 'faultToleranceLogging', 'vSphereProvisioning', 'vSphereReplication']);
      for (const config of netConfig) {
        const nicType = text(path(config, 'nicType'));
        assert.deepEqual(list(path(config, 'candidateVnic')).map((c) => text(path(c, 'device'))), ['vmk0', 'vmk1', 'vmk2', 'vmk3'], nicType);
      }
      const selected = (nicType: string) =>
        texts(path(netConfig.find((c) => text(path(c, 'nicType')) === nicType), 'selectedVnic')).map((key) => key.replace(`${nicType}.key-vim.host.VirtualNic-`, ''));
      assert.deepEqual(selected('management'), ['vmk0']);
      assert.deepEqual(selected('vSAN'), []);
      assert.deepEqual(selected('vmotion'), spec.name === 'esx02' ? ['vmk1', 'vmk3'] : ['vmk1', 'vmk2', 'vmk3'], `${spec.name}: esx02 vmk2 has vMotion off (seed 002)`);
    }
  });

  it('has the standard port groups as shared Network objects and nothing else', async () => {
    // A view of Network also holds its subtype DistributedVirtualPortgroup, as on a real vCenter.
    const all = await retrieve('Network', ['name', 'host']);
    const networks = new Map([...all.entries()].filter(([, props]) => props.get('@type') === 'Network'));
    assert.deepEqual([...networks.keys()].sort(), ['Management Network', 'VM Network', 'vMotion-1', 'vMotion-2', 'vMotion-3']);
    for (const network of networks.values()) assert.equal(texts(path(network.get('host'), 'ManagedObjectReference')).length, 2);
  });

  it('has the DV port groups with their VLAN specs', async () => {
    const portgroups = await retrieve('DistributedVirtualPortgroup', ['name', 'key', 'config.defaultPortConfig', 'config.uplink']);
    const db = node(path(portgroups.get('dv-db-51')?.get('config.defaultPortConfig'), 'vlan'));
    assert.equal(db['@type'], 'VmwareDistributedVirtualSwitchVlanIdSpec');
    assert.equal(text(db['vlanId']), '51');
    const trunk = node(path(portgroups.get('dv-trunk')?.get('config.defaultPortConfig'), 'vlan'));
    assert.equal(trunk['@type'], 'VmwareDistributedVirtualSwitchTrunkVlanSpec');
    assert.deepEqual(list(trunk['vlanId']).map((range) => [text(path(range, 'start')), text(path(range, 'end'))]), [['100', '200']]);
    assert.equal(text(portgroups.get('dv-db-51')?.get('config.uplink')), 'false');
    const uplinks = [...portgroups.entries()].filter(([, pg]) => text(pg.get('config.uplink')) === 'true').map(([name]) => name);
    assert.equal(uplinks.length, 1);
    assert.match(uplinks[0] ?? '', /^dvs1-DVUplinks/);
  });

  it('has the VMs with their NICs, backings, power and tools state, and guest IPs', async () => {
    const vms = await retrieve('VirtualMachine', ['name', 'config.uuid', 'config.instanceUuid', 'runtime.host', 'runtime.powerState', 'guest.toolsRunningStatus', 'config.hardware.device', 'guest.net']);
    const portgroups = await retrieve('DistributedVirtualPortgroup', ['name', 'key']);
    const hosts = await retrieve('HostSystem', ['name']);
    const hostNames = new Map([...hosts.entries()].map(([name, props]) => [String(props.get('@moref')), name]));
    assert.deepEqual([...vms.keys()].sort(), (seeds.vms ?? []).map((vm) => vm.name).sort());
    for (const spec of seeds.vms ?? []) {
      const vm = vms.get(spec.name)!;
      assert.equal(text(vm.get('config.uuid')), spec.uuid);
      assert.equal(text(vm.get('config.instanceUuid')), spec.instanceUuid);
      assert.equal(hostNames.get(text(vm.get('runtime.host'))), spec.host);
      assert.equal(text(vm.get('runtime.powerState')), spec.powerState);
      assert.equal(text(vm.get('guest.toolsRunningStatus')), spec.toolsRunning ? 'guestToolsRunning' : 'guestToolsNotRunning');
      const nics = list(path(vm.get('config.hardware.device'), 'VirtualDevice')).filter((device) => path(device, 'macAddress') !== undefined);
      assert.deepEqual(nics.map((nic) => [node(nic)['@type'], text(path(nic, 'macAddress'))]), (spec.nics ?? []).map((nic) => ['VirtualVmxnet3', nic.mac]));
      const nicSpec = spec.nics?.[0];
      const backing = path(nics[0], 'backing');
      if (nicSpec?.dvportgroup) {
        assert.equal(node(backing)['@type'], 'VirtualEthernetCardDistributedVirtualPortBackingInfo');
        assert.equal(text(path(backing, 'port', 'portgroupKey')), text(portgroups.get(nicSpec.dvportgroup)?.get('key')));
      } else {
        assert.equal(node(backing)['@type'], 'VirtualEthernetCardNetworkBackingInfo');
        assert.equal(text(path(backing, 'deviceName')), nicSpec?.portgroup);
      }
      const guestNics = list(path(vm.get('guest.net'), 'GuestNicInfo'));
      if (!spec.toolsRunning) {
        assert.deepEqual(guestNics, [], `${spec.name}: no guest data without tools`);
        continue;
      }
      assert.deepEqual(
        guestNics.map((nic) => [text(path(nic, 'macAddress')), texts(path(nic, 'ipAddress')), text(path(nic, 'connected'))]),
        (spec.nics ?? []).map((nic) => [nic.mac, nic.ips ?? [], 'true']),
      );
    }
    assert.deepEqual(texts(path(vms.get('orphan01')?.get('guest.net'), 'GuestNicInfo', 'ipAddress')), ['192.168.77.20']);
  });

  it('pages RetrievePropertiesEx by options.maxObjects, like vCenter', async () => {
    const view = await soap(
      vc,
      `<CreateContainerView xmlns="urn:vim25">${moref('_this', 'ViewManager', text(content['viewManager']))}` +
        `${moref('container', 'Folder', text(content['rootFolder']))}<type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>`,
      cookie,
    );
    const collector = moref('_this', 'PropertyCollector', text(content['propertyCollector']));
    let reply = await soap(
      vc,
      `<RetrievePropertiesEx xmlns="urn:vim25">${collector}<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet>` +
        `<objectSet>${moref('obj', 'ContainerView', text(path(view.body, 'CreateContainerViewResponse', 'returnval')))}<skip>true</skip>` +
        '<selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet>' +
        '</objectSet></specSet><options><maxObjects>2</maxObjects></options></RetrievePropertiesEx>',
      cookie,
    );
    let result = path(reply.body, 'RetrievePropertiesExResponse', 'returnval');
    const names: string[] = [];
    const pages: number[] = [];
    for (;;) {
      const objects = list(path(result, 'objects'));
      pages.push(objects.length);
      names.push(...objects.map((object) => text(path(object, 'propSet', 'val'))));
      const token = path(result, 'token');
      if (token === undefined) break;
      reply = await soap(vc, `<ContinueRetrievePropertiesEx xmlns="urn:vim25">${collector}<token>${escape(text(token))}</token></ContinueRetrievePropertiesEx>`, cookie);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      result = path(reply.body, 'ContinueRetrievePropertiesExResponse', 'returnval');
    }
    assert.deepEqual(pages, [2, 2, 1]);
    assert.deepEqual(names.sort(), (seeds.vms ?? []).map((vm) => vm.name).sort());
  });

  it('stop() ends the process; a scenario error fails the start with exit status 2', async () => {
    const small: Scenario = { datacenter: 'lab', standaloneHosts: [{ name: 'esx09' }] };
    const other = await startVcsim(small, { tls: false });
    assert.match(other.url, /^http:\/\/127\.0\.0\.1:\d+\/sdk$/);
    assert.equal(other.thumbprint, '');
    const post = () =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(other.url, { method: 'POST', agent: false, headers: { 'content-type': 'text/xml' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('<Envelope/>');
      });
    assert.equal(await post(), 500);
    await other.stop();
    await other.stop();
    await assert.rejects(post(), /ECONNREFUSED/);

    await assert.rejects(
      startVcsim({ standaloneHosts: [{ name: 'esx09', vmks: [{ name: 'vmk0', portgroup: 'nope' }] }] }),
      /exited with status 2 before serving \(scenario error\):\n.*no portgroup "nope" on this host/,
    );
  });
});
