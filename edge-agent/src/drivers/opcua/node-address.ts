/**
 * Where a profile point lives in a server's address space, as written in a profile, and how it
 * becomes a node id of one server run. A namespace index can change when a server restarts, so
 * profiles name namespaces by URI (`nsu=urn:…;s=Fan1.Speed`, or browse paths in the profile's
 * namespace) and the index is looked up in the server's NamespaceArray at every connect.
 */

/** A node id as written: `nsu=<uri>;s=…`, `ns=<index>;i=…`, or `i=2258` (namespace 0). */
export interface NodeIdText {
  namespaceUri?: string;
  namespaceIndex?: number;
  /** `s=Fan1.Speed`, `i=1001`, `g=<guid>` or `b=<base64>`. */
  identifier: string;
}

/** One browse name of a browse path: in a namespace named by URI, or by index (0 for standard nodes). */
export interface BrowseSegment {
  namespaceUri?: string;
  namespaceIndex?: number;
  name: string;
}

export type NodeAddress = { kind: 'nodeId'; text: string; nodeId: NodeIdText } | { kind: 'browsePath'; text: string; segments: BrowseSegment[] };

const identifierPatterns: Record<string, RegExp> = {
  s: /^.+$/s,
  i: /^\d{1,10}$/,
  g: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  b: /^[A-Za-z0-9+/]+={0,2}$/,
};

const nodeIdForms = 'nsu=<namespace uri>;s=<name> (best: it survives a server restart), ns=<index>;s=<name>, or i=<number> for a standard node';

/** The parsed node id, or what is wrong with it. */
export function parseNodeId(text: string): NodeIdText | { error: string } {
  let rest = text.trim();
  let namespaceUri: string | undefined;
  let namespaceIndex: number | undefined;
  // The URI ends at the first ";x=" (URIs practically never hold ";"; string identifiers may).
  const withUri = /^nsu=(.+?);([sigb]=.*)$/s.exec(rest);
  const withIndex = /^ns=(\d{1,5});([sigb]=.*)$/s.exec(rest);
  if (withUri) {
    namespaceUri = withUri[1]!;
    rest = withUri[2]!;
  } else if (withIndex) {
    namespaceIndex = Number(withIndex[1]);
    rest = withIndex[2]!;
  }
  const kind = rest.slice(0, 2);
  const value = rest.slice(2);
  const pattern = kind.endsWith('=') ? identifierPatterns[kind[0]!] : undefined;
  if (!pattern) return { error: `"${text}" is not a node id; write ${nodeIdForms}` };
  if (!pattern.test(value)) return { error: `"${value}" is not a valid ${kind[0]}= identifier in node id "${text}"` };
  return { namespaceUri, namespaceIndex, identifier: rest };
}

/**
 * A browse path from the Objects folder: browse names separated by "/", each in the profile's
 * namespace unless it starts with a namespace index (`0:Server/0:ServerStatus`).
 */
export function parseBrowsePath(text: string, namespaceUri: string | undefined): BrowseSegment[] | { error: string } {
  const parts = text.replace(/^\/+/, '').split('/');
  const segments: BrowseSegment[] = [];
  for (const part of parts) {
    const indexed = /^(\d{1,5}):(.+)$/s.exec(part);
    if (indexed) {
      segments.push({ namespaceIndex: Number(indexed[1]), name: indexed[2]! });
      continue;
    }
    if (part === '') return { error: `browse path "${text}" has an empty name; separate names with one "/"` };
    if (namespaceUri === undefined) {
      return { error: `"${part}" in browse path "${text}" names no namespace, and the profile has no namespace:` };
    }
    segments.push({ namespaceUri, name: part });
  }
  return segments;
}

/** The namespace index of a URI in this server run, or what is wrong. */
export function namespaceIndexOf(uri: string, namespaceArray: readonly string[]): number | { error: string } {
  const index = namespaceArray.indexOf(uri);
  if (index >= 0) return index;
  return { error: `namespace ${uri} is not on the server (its namespaces: ${namespaceArray.join(', ')})` };
}

/** The node id for this server run (`ns=3;s=Fan1.Speed`), or what is wrong. */
export function nodeIdForRun(nodeId: NodeIdText, namespaceArray: readonly string[]): string | { error: string } {
  if (nodeId.namespaceUri === undefined) {
    const index = nodeId.namespaceIndex ?? 0;
    return index === 0 ? nodeId.identifier : `ns=${index};${nodeId.identifier}`;
  }
  const index = namespaceIndexOf(nodeId.namespaceUri, namespaceArray);
  if (typeof index !== 'number') return index;
  return index === 0 ? nodeId.identifier : `ns=${index};${nodeId.identifier}`;
}

/** The browse names of a path with their namespace index in this server run. */
export function browseNamesForRun(segments: readonly BrowseSegment[], namespaceArray: readonly string[]): Array<{ namespaceIndex: number; name: string }> | { error: string } {
  const names: Array<{ namespaceIndex: number; name: string }> = [];
  for (const segment of segments) {
    const index = segment.namespaceUri === undefined ? segment.namespaceIndex ?? 0 : namespaceIndexOf(segment.namespaceUri, namespaceArray);
    if (typeof index !== 'number') return index;
    names.push({ namespaceIndex: index, name: segment.name });
  }
  return names;
}

/** A node id of this server run written in the restart-proof form: `nsu=<uri>;s=…` (namespace 0 stays bare). */
export function portableNodeId(nodeId: string, namespaceArray: readonly string[]): string {
  const match = /^ns=(\d+);(.*)$/s.exec(nodeId);
  if (!match) return nodeId;
  const uri = namespaceArray[Number(match[1])];
  return uri === undefined ? nodeId : `nsu=${uri};${match[2]}`;
}
