/**
 * What `davy-agent device discover` finds: every scalar variable under a node (the Objects
 * folder by default), with its browse path, data type, description and engineering unit
 * (EUInformation of its EngineeringUnits property, where it has one). Properties are not points.
 */
import type { BrowseDescriptionLike, BrowseResult, ReferenceDescription } from 'node-opcua-client';
import { builtInTypeNames } from './data-value.js';
import { chunks, type OpcuaLink } from './opcua-link.js';

export interface FoundVariable {
  nodeId: string;
  /** Browse names from the starting node. */
  path: string[];
  dataType: string;
  description?: string;
  unit?: string;
}

export interface Skipped {
  path: string[];
  reason: string;
}

export async function browseVariables(link: OpcuaLink, options: { root?: string; maxDepth: number; maxVariables: number }): Promise<{ variables: FoundVariable[]; skipped: Skipped[] }> {
  const { opcua } = link.library;
  const root = opcua.coerceNodeId(options.root ?? `i=${opcua.ObjectIds.ObjectsFolder}`);
  const hasProperty = opcua.coerceNodeId(`i=${opcua.ReferenceTypeIds.HasProperty}`);
  const hierarchical = opcua.coerceNodeId(`i=${opcua.ReferenceTypeIds.HierarchicalReferences}`);
  const seen = new Set<string>([root.toString()]);
  const found: Array<{ reference: ReferenceDescription; path: string[] }> = [];
  let level: Array<{ nodeId: string; path: string[] }> = [{ nodeId: root.toString(), path: [] }];
  for (let depth = 1; depth <= options.maxDepth && level.length > 0 && found.length < options.maxVariables; depth++) {
    const next: typeof level = [];
    for (const chunk of chunks(level, link.limits.maxNodesPerRead)) {
      const results = await browseAll(
        link,
        chunk.map(({ nodeId }) => ({
          nodeId,
          referenceTypeId: hierarchical,
          includeSubtypes: true,
          browseDirection: opcua.BrowseDirection.Forward,
          nodeClassMask: opcua.NodeClassMask.Object | opcua.NodeClassMask.Variable,
          resultMask: 63,
        })),
      );
      chunk.forEach(({ path }, index) => {
        for (const reference of results[index] ?? []) {
          const id = reference.nodeId.toString();
          // The server's own diagnostics (namespace 0, e.g. Objects/Server) are not device points.
          if (seen.has(id) || (reference.nodeId.namespace === 0 && options.root === undefined) || opcua.sameNodeId(reference.referenceTypeId, hasProperty)) continue;
          seen.add(id);
          const childPath = [...path, reference.browseName.name ?? id];
          if (reference.nodeClass === opcua.NodeClass.Variable) found.push({ reference, path: childPath });
          next.push({ nodeId: id, path: childPath });
        }
      });
    }
    level = next;
  }
  return describe(link, found.slice(0, options.maxVariables));
}

async function browseAll(link: OpcuaLink, descriptions: BrowseDescriptionLike[]): Promise<ReferenceDescription[][]> {
  const results: BrowseResult[] = await link.session.browse(descriptions);
  return Promise.all(
    results.map(async (result) => {
      const references = [...(result.references ?? [])];
      let continuation = result.continuationPoint;
      while (continuation && continuation.length > 0) {
        const [more] = await link.session.browseNext([continuation], false);
        references.push(...(more?.references ?? []));
        continuation = more?.continuationPoint ?? Buffer.alloc(0);
      }
      return references;
    }),
  );
}

/** Data type, value rank, description and unit of each variable. */
async function describe(link: OpcuaLink, found: Array<{ reference: ReferenceDescription; path: string[] }>): Promise<{ variables: FoundVariable[]; skipped: Skipped[] }> {
  const { opcua } = link.library;
  const variables: FoundVariable[] = [];
  const skipped: Skipped[] = [];
  const attributes = [opcua.AttributeIds.DataType, opcua.AttributeIds.ValueRank, opcua.AttributeIds.Description];
  for (const chunk of chunks(found, Math.max(1, Math.floor(link.limits.maxNodesPerRead / attributes.length)))) {
    const values = await link.session.read(chunk.flatMap(({ reference }) => attributes.map((attributeId) => ({ nodeId: reference.nodeId, attributeId }))));
    const units = await engineeringUnits(link, chunk.map(({ reference }) => reference.nodeId.toString()));
    chunk.forEach(({ reference, path }, index) => {
      const [dataType, valueRank, description] = values.slice(index * 3, index * 3 + 3);
      const typeId = dataType?.value.value as { namespace: number; value: unknown } | undefined;
      const typeName = typeId && typeId.namespace === 0 && typeof typeId.value === 'number' ? builtInTypeNames[typeId.value] : undefined;
      const rank = Number(valueRank?.value.value ?? -1);
      if (rank !== -1) return skipped.push({ path, reason: 'an array (a point reads one scalar)' });
      if (!typeName || typeName === 'Null' || !scalarTypes.has(typeName)) {
        return skipped.push({ path, reason: `of data type ${typeId ? String(typeId.value) : 'unknown'} (not a number, boolean or text)` });
      }
      const text = (description?.value.value as { text?: string | null } | null)?.text ?? undefined;
      variables.push({ nodeId: reference.nodeId.toString(), path, dataType: typeName, description: text || undefined, unit: units[index] });
    });
  }
  return { variables, skipped };
}

const scalarTypes = new Set(['Boolean', 'SByte', 'Byte', 'Int16', 'UInt16', 'Int32', 'UInt32', 'Int64', 'UInt64', 'Float', 'Double', 'String', 'DateTime']);

/** The EUInformation display name of each node's EngineeringUnits property, where there is one. */
async function engineeringUnits(link: OpcuaLink, nodeIds: string[]): Promise<Array<string | undefined>> {
  const { opcua } = link.library;
  const results = await link.session.translateBrowsePath(
    nodeIds.map((nodeId) => ({
      startingNode: opcua.coerceNodeId(nodeId),
      relativePath: {
        elements: [{ referenceTypeId: opcua.coerceNodeId(`i=${opcua.ReferenceTypeIds.HasProperty}`), isInverse: false, includeSubtypes: true, targetName: { namespaceIndex: 0, name: 'EngineeringUnits' } }],
      },
    })),
  );
  const targets = results.map((result) => (result.statusCode.isGood() ? result.targets?.[0]?.targetId : undefined));
  const present = targets.flatMap((target, index) => (target ? [{ index, nodeId: new opcua.NodeId(target.identifierType, target.value, target.namespace) }] : []));
  const units: Array<string | undefined> = nodeIds.map(() => undefined);
  if (present.length === 0) return units;
  const values = await link.session.read(present.map(({ nodeId }) => ({ nodeId, attributeId: opcua.AttributeIds.Value })));
  present.forEach(({ index }, position) => {
    const information = values[position]?.value.value as { displayName?: { text?: string | null } } | null;
    const text = information?.displayName?.text;
    if (text) units[index] = text;
  });
  return units;
}
