// [ml2] extension_drivers as os_neutron's templates/plugins/ml2/ml2_conf.ini.j2 writes it (the
// same line from Zed to 2026.1): port_security, then qos, dns, dns_domain_ports,
// subnet_dns_publish_fixed_ip and dns_domain_keywords when neutron_plugin_base names them. Nothing
// there adds port_numa_affinity_policy: only neutron_ml2_conf_ini_overrides
// (`ml2: {extension_drivers: ...}`, which replaces the whole option) can enable it.
const FROM_PLUGIN_BASE = [
  'qos',
  'dns',
  'dns_domain_ports',
  'subnet_dns_publish_fixed_ip',
  'dns_domain_keywords',
];

export function templateExtensionDrivers(pluginBase: readonly string[]): string[] {
  return ['port_security', ...FROM_PLUGIN_BASE.filter((d) => pluginBase.includes(d))];
}

/** Neutron's ListOpt reading: comma separated, blanks dropped. */
export function parseDriverList(value: string): string[] {
  return value
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
}
