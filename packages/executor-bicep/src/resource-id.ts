/** Type and name of an Azure resource id, e.g. `.../providers/Microsoft.Network/virtualNetworks/v1/subnets/s1`
 * → `{type: 'Microsoft.Network/virtualNetworks/subnets', name: 'v1/s1'}`. */
export function parseResourceId(id: string): { type: string; name: string; resourceGroup: string | null } {
  const parts = id.split('/').filter(Boolean);
  const rgAt = parts.findIndex((p) => p.toLowerCase() === 'resourcegroups');
  const resourceGroup = rgAt >= 0 ? (parts[rgAt + 1] ?? null) : null;
  const provAt = parts.map((p) => p.toLowerCase()).lastIndexOf('providers');
  if (provAt < 0 || provAt + 3 > parts.length) return { type: 'unknown', name: parts[parts.length - 1] ?? id, resourceGroup };
  const ns = parts[provAt + 1];
  const rest = parts.slice(provAt + 2);
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    types.push(rest[i]);
    if (rest[i + 1] !== undefined) names.push(rest[i + 1]);
  }
  return { type: [ns, ...types].join('/'), name: names.join('/'), resourceGroup };
}
