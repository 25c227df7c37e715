/**
 * Where webhooks may go. By default only to public addresses: a platform admin's webhook must
 * not become a way to reach the hub's own machine or network (its databases, a cloud metadata
 * service) and read their answers in a delivery's last error. A hub whose receivers are inside
 * its network is started with --allow-private-webhooks. Names are checked when a delivery
 * connects (each lookup), so one that later resolves inward is refused too.
 */
import dns from 'node:dns';
import net from 'node:net';

const inward = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  inward.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  inward.addSubnet(network, prefix, 'ipv6');
}

export const allowPrivateHint = 'webhooks go to public addresses unless the hub is started with --allow-private-webhooks (allowPrivateWebhooks: true in hub.yaml)';

/** Why `address` (an IP) is not public; undefined when it is. */
export function inwardAddress(address: string): string | undefined {
  const family = net.isIP(address);
  if (family === 0) return undefined;
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is checked as the IPv4 it is.
  const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  const checked = mapped ?? address;
  return inward.check(checked, mapped || family === 4 ? 'ipv4' : 'ipv6') ? `${address} is a loopback, private or link-local address` : undefined;
}

/** Why a webhook URL's host is refused before any lookup (an inward IP, or localhost); undefined otherwise. */
export function inwardHost(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return `${hostname} is this machine`;
  return inwardAddress(bare);
}

/** A `lookup` for http.request that refuses names resolving to an inward address. */
export const publicLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, options, (error, address, family) => {
    if (error) return callback(error, address, family);
    const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
    for (const candidate of addresses) {
      const why = inwardAddress(candidate);
      if (why) return callback(new Error(`${hostname} resolves to ${why}: ${allowPrivateHint}`), address, family);
    }
    callback(null, address, family);
  });
};
