/** Sparkplug B topics: spBv1.0/<group>/<message type>/<edge node>[/<device>]. */
export const namespace = 'spBv1.0';

export const messageTypes = ['NBIRTH', 'NDATA', 'NDEATH', 'DBIRTH', 'DDATA', 'DDEATH', 'NCMD', 'DCMD'] as const;
export type SparkplugMessageType = (typeof messageTypes)[number];

export interface SparkplugTopic {
  group: string;
  type: SparkplugMessageType;
  node: string;
  device?: string;
}

/** A group, edge node or device id: no topic separators or wildcards. */
export const sparkplugIdPattern = /^[^/+#]+$/;

export function parseSparkplugTopic(topic: string): SparkplugTopic | undefined {
  const levels = topic.split('/');
  if (levels[0] !== namespace || levels.length < 4 || levels.length > 5) return undefined;
  const type = levels[2] as SparkplugMessageType;
  if (!messageTypes.includes(type)) return undefined;
  const isDeviceMessage = type.startsWith('D');
  if (isDeviceMessage !== (levels.length === 5)) return undefined;
  return { group: levels[1]!, type, node: levels[3]!, device: levels[4] };
}

/** What a host subscribes to for one edge node: its own messages and its devices'. */
export function nodeFilters(group: string, node: string): string[] {
  return [`${namespace}/${group}/+/${node}`, `${namespace}/${group}/+/${node}/+`];
}

export function commandTopic(group: string, node: string): string {
  return `${namespace}/${group}/NCMD/${node}`;
}

/**
 * Whether `filter` reads only the commands sent to this edge node and its devices: its NCMD
 * topic, or DCMD topics with one device id, `+` or `#` — what an edge node subscribes to.
 */
export function isNodeCommandFilter(filter: string, group: string, node: string): boolean {
  const [space, filterGroup, type, filterNode, device, ...rest] = filter.split('/');
  if (space !== namespace || filterGroup !== group || filterNode !== node || rest.length > 0) return false;
  if (type === 'NCMD') return device === undefined;
  return type === 'DCMD' && device !== undefined && (device === '+' || device === '#' || sparkplugIdPattern.test(device));
}
