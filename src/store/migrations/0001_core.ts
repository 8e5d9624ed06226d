/**
 * The core schema: address plan, inventory graph, tags and change log. Constraints the database can
 * hold are here (uniqueness, VLAN and enum checks, foreign keys); the rest is in the services.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { ADDRESS_STATES, ALLOCATION_POLICIES, OS_FAMILIES, PLATFORMS, WIRE_ORIGINS } from '../../domain/model.ts';
import type { Dialect } from '../dialect.ts';

const oneOf = (column: string, values: readonly string[]) =>
  sql.raw(`${column} in (${values.map((value) => `'${value}'`).join(', ')})`);

export function coreMigration(dialect: Dialect): Migration {
  const postgres = dialect === 'postgres';
  // Address keys are compared as byte strings; PostgreSQL's default collation may not sort them that way.
  const keyType = postgres ? sql`text collate "C"` : sql`text`;

  return {
    async up(db: Kysely<any>) {
      const table = (name: string) =>
        db.schema
          .createTable(name)
          .addColumn('id', postgres ? 'serial' : 'integer', (column) => (postgres ? column.primaryKey() : column.primaryKey().autoIncrement()));

      await table('ip_spaces')
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .execute();

      await table('wires')
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('mtu', 'integer', (c) => c.notNull().check(sql`mtu between 68 and 9216`))
        .addColumn('origin', 'text', (c) => c.notNull().check(oneOf('origin', WIRE_ORIGINS)))
        .addColumn('source_account', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await table('subnets')
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('space_id', 'integer', (c) => c.notNull().references('ip_spaces.id'))
        .addColumn('wire_id', 'integer', (c) => c.notNull().references('wires.id'))
        .addColumn('cidr', 'text', (c) => c.notNull())
        .addColumn('family', 'integer', (c) => c.notNull().check(sql`family in (4, 6)`))
        .addColumn('prefix_length', 'integer', (c) => c.notNull())
        .addColumn('first_key', keyType, (c) => c.notNull())
        .addColumn('last_key', keyType, (c) => c.notNull())
        .addColumn('vlan', 'integer', (c) => c.notNull().check(sql`vlan between 0 and 4094`))
        .addColumn('gateway', 'text')
        .addColumn('dns_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('domain', 'text')
        .addColumn('policy', 'text', (c) => c.notNull().check(oneOf('policy', ALLOCATION_POLICIES)))
        .addColumn('hold_down_seconds', 'integer', (c) => c.notNull().defaultTo(0).check(sql`hold_down_seconds >= 0`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('subnets_space_first').on('subnets').columns(['space_id', 'first_key']).execute();
      await db.schema.createIndex('subnets_wire').on('subnets').column('wire_id').execute();

      await table('subnet_pools')
        .addColumn('subnet_id', 'integer', (c) => c.notNull().references('subnets.id'))
        .addColumn('first_key', keyType, (c) => c.notNull())
        .addColumn('last_key', keyType, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('subnet_pools_subnet').on('subnet_pools').columns(['subnet_id', 'first_key']).execute();

      await db.schema
        .createTable('free_ranges')
        .addColumn('subnet_id', 'integer', (c) => c.notNull().references('subnets.id'))
        .addColumn('first_key', keyType, (c) => c.notNull())
        .addColumn('last_key', keyType, (c) => c.notNull())
        .addPrimaryKeyConstraint('free_ranges_pk', ['subnet_id', 'first_key'])
        .execute();
      await db.schema.createIndex('free_ranges_last').on('free_ranges').columns(['subnet_id', 'last_key']).unique().execute();

      await db.schema
        .createTable('address_holds')
        .addColumn('subnet_id', 'integer', (c) => c.notNull().references('subnets.id'))
        .addColumn('key', keyType, (c) => c.notNull())
        .addColumn('until', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('address_holds_pk', ['subnet_id', 'key'])
        .execute();
      await db.schema.createIndex('address_holds_until').on('address_holds').columns(['subnet_id', 'until']).execute();

      await table('addresses')
        .addColumn('space_id', 'integer', (c) => c.notNull().references('ip_spaces.id'))
        .addColumn('subnet_id', 'integer', (c) => c.notNull().references('subnets.id'))
        .addColumn('key', keyType, (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(oneOf('state', ADDRESS_STATES)))
        .addColumn('owner_kind', 'text')
        .addColumn('owner_id', 'text')
        .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // The rule that no address is handed out twice lives here, not only in code.
      await db.schema.createIndex('addresses_space_key').on('addresses').columns(['space_id', 'key']).unique().execute();
      await db.schema.createIndex('addresses_subnet_key').on('addresses').columns(['subnet_id', 'key']).execute();
      await db.schema.createIndex('addresses_owner').on('addresses').columns(['owner_kind', 'owner_id']).execute();

      await table('hosts')
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('platform', 'text', (c) => c.notNull().check(oneOf('platform', PLATFORMS)))
        .addColumn('os_family', 'text', (c) => c.notNull().check(oneOf('os_family', OS_FAMILIES)))
        .addColumn('cluster', 'text')
        .addColumn('management_address', 'text')
        .addColumn('hardware_uuid', 'text', (c) => c.unique())
        .addColumn('source_account', 'text')
        .addColumn('external_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('hosts_cluster').on('hosts').column('cluster').execute();

      await table('host_interfaces')
        .addColumn('host_id', 'integer', (c) => c.notNull().references('hosts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('mac', 'text')
        .addColumn('mtu', 'integer')
        // The VLAN of a VLAN interface or port group, as a column so that lists filter on it.
        .addColumn('vlan', 'integer')
        .addColumn('params_json', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('host_interfaces_host_name', ['host_id', 'name'])
        .execute();
      await db.schema.createIndex('host_interfaces_mac').on('host_interfaces').column('mac').execute();
      await db.schema.createIndex('host_interfaces_kind_vlan').on('host_interfaces').columns(['kind', 'vlan']).execute();

      await db.schema
        .createTable('interface_links')
        .addColumn('interface_id', 'integer', (c) => c.notNull().references('host_interfaces.id'))
        .addColumn('parent_id', 'integer', (c) => c.notNull().references('host_interfaces.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('interface_links_pk', ['interface_id', 'parent_id', 'role'])
        .execute();
      await db.schema.createIndex('interface_links_parent').on('interface_links').column('parent_id').execute();

      await table('vms')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('bios_uuid', 'text')
        .addColumn('host_id', 'integer', (c) => c.references('hosts.id'))
        .addColumn('power_state', 'text', (c) => c.notNull())
        .addColumn('tools_state', 'text', (c) => c.notNull())
        .addColumn('source_account', 'text')
        .addColumn('external_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vms_host').on('vms').column('host_id').execute();
      await db.schema.createIndex('vms_name').on('vms').column('name').execute();

      await table('vnics')
        .addColumn('vm_id', 'integer', (c) => c.notNull().references('vms.id'))
        .addColumn('mac', 'text', (c) => c.notNull())
        .addColumn('portgroup_id', 'integer', (c) => c.references('host_interfaces.id'))
        .addColumn('network_name', 'text')
        .addColumn('connected', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('observed_ips_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addUniqueConstraint('vnics_vm_mac', ['vm_id', 'mac'])
        .execute();

      await db.schema
        .createTable('tags')
        .addColumn('object_kind', 'text', (c) => c.notNull())
        .addColumn('object_id', 'integer', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('tags_pk', ['object_kind', 'object_id', 'key'])
        .execute();
      await db.schema.createIndex('tags_key').on('tags').column('key').execute();

      await table('changes')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('object_kind', 'text', (c) => c.notNull())
        .addColumn('object_id', 'integer')
        .addColumn('object_name', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('before_json', 'text')
        .addColumn('after_json', 'text')
        .execute();
      await db.schema.createIndex('changes_object').on('changes').columns(['object_kind', 'object_id']).execute();
      await db.schema.createIndex('changes_at').on('changes').column('at').execute();

      await db.insertInto('ip_spaces').values({ name: 'default', description: 'The default IP space' }).execute();
    },
  };
}
