/**
 * The node of every point for one server run: node ids with their namespace URI looked up in the
 * run's NamespaceArray, browse paths translated by the server. Done at every connect, so a
 * server that restarted with its namespaces in another order is read at the right nodes.
 */
import type { NodeId } from 'node-opcua-client';
import { browseNamesForRun, nodeIdForRun } from './node-address.js';
import type { OpcuaPoint } from './opcua-device.js';
import { chunks, type OpcuaLink } from './opcua-link.js';

export interface ResolvedPoint {
  point: OpcuaPoint;
  nodeId: NodeId;
  /** The node id as text, for logs and `device test`. */
  nodeIdText: string;
}

/** A point with no node on this server run, and why. */
export interface UnresolvedPoint {
  point: OpcuaPoint;
  error: string;
}

export interface Resolution {
  resolved: ResolvedPoint[];
  unresolved: UnresolvedPoint[];
}

export async function resolvePoints(link: OpcuaLink, points: readonly OpcuaPoint[]): Promise<Resolution> {
  const { opcua } = link.library;
  const resolution: Resolution = { resolved: [], unresolved: [] };
  const byPath: Array<{ point: OpcuaPoint; names: Array<{ namespaceIndex: number; name: string }> }> = [];
  for (const point of points) {
    const address = point.address;
    if (address.kind === 'nodeId') {
      const text = nodeIdForRun(address.nodeId, link.namespaceArray);
      if (typeof text !== 'string') resolution.unresolved.push({ point, error: text.error });
      else resolution.resolved.push({ point, nodeId: opcua.coerceNodeId(text), nodeIdText: text });
      continue;
    }
    const names = browseNamesForRun(address.segments, link.namespaceArray);
    if ('error' in names) resolution.unresolved.push({ point, error: names.error });
    else byPath.push({ point, names });
  }
  const objectsFolder = opcua.coerceNodeId(`i=${opcua.ObjectIds.ObjectsFolder}`);
  const hierarchical = opcua.coerceNodeId(`i=${opcua.ReferenceTypeIds.HierarchicalReferences}`);
  for (const chunk of chunks(byPath, link.limits.maxNodesPerTranslate)) {
    const results = await link.session.translateBrowsePath(
      chunk.map(({ names }) => ({
        startingNode: objectsFolder,
        relativePath: { elements: names.map((name) => ({ referenceTypeId: hierarchical, isInverse: false, includeSubtypes: true, targetName: name })) },
      })),
    );
    chunk.forEach(({ point }, index) => {
      const result = results[index];
      const target = result?.targets?.[0];
      if (!result || !result.statusCode.isGood() || !target) {
        resolution.unresolved.push({ point, error: `browse path ${point.address.text} not found (${result?.statusCode.name ?? 'no result'})` });
        return;
      }
      const id = target.targetId;
      const nodeId = new opcua.NodeId(id.identifierType, id.value, id.namespace);
      resolution.resolved.push({ point, nodeId, nodeIdText: nodeId.toString() });
    });
  }
  return resolution;
}
