import { describe, expect, it } from 'vitest';
import { browseNamesForRun, nodeIdForRun, parseBrowsePath, parseNodeId, portableNodeId } from './node-address.js';

const namespaces = ['http://opcfoundation.org/UA/', 'urn:host:server', 'urn:davy:sim:mine-ventilation-fan'];

describe('node addresses', () => {
  it.each([
    ['nsu=urn:davy:sim:mine-ventilation-fan;s=Fan1.Speed', { namespaceUri: 'urn:davy:sim:mine-ventilation-fan', namespaceIndex: undefined, identifier: 's=Fan1.Speed' }],
    ['ns=2;s=a;b=c', { namespaceUri: undefined, namespaceIndex: 2, identifier: 's=a;b=c' }],
    ['i=2258', { namespaceUri: undefined, namespaceIndex: undefined, identifier: 'i=2258' }],
    ['ns=3;g=0a1b2c3d-0000-4000-8000-00000000abcd', { namespaceUri: undefined, namespaceIndex: 3, identifier: 'g=0a1b2c3d-0000-4000-8000-00000000abcd' }],
  ])('parses %s', (text, parsed) => {
    expect(parseNodeId(text)).toEqual(parsed);
  });

  it.each([
    ['Fan1.Speed', '"Fan1.Speed" is not a node id; write nsu=<namespace uri>;s=<name> (best: it survives a server restart), ns=<index>;s=<name>, or i=<number> for a standard node'],
    ['ns=2;i=abc', '"abc" is not a valid i= identifier in node id "ns=2;i=abc"'],
    ['s=', '"" is not a valid s= identifier in node id "s="'],
  ])('rejects %s', (text, error) => {
    expect(parseNodeId(text)).toEqual({ error });
  });

  it('looks a namespace URI up in the server run, so a shifted index is followed', () => {
    const nodeId = parseNodeId('nsu=urn:davy:sim:mine-ventilation-fan;s=Fan1.Speed');
    if ('error' in nodeId) throw new Error(nodeId.error);
    expect(nodeIdForRun(nodeId, namespaces)).toBe('ns=2;s=Fan1.Speed');
    expect(nodeIdForRun(nodeId, [...namespaces.slice(0, 2), 'urn:other', namespaces[2]!])).toBe('ns=3;s=Fan1.Speed');
    expect(nodeIdForRun(nodeId, namespaces.slice(0, 2))).toEqual({ error: 'namespace urn:davy:sim:mine-ventilation-fan is not on the server (its namespaces: http://opcfoundation.org/UA/, urn:host:server)' });
  });

  it('reads browse paths in the profile namespace, with indexed names for standard nodes', () => {
    const segments = parseBrowsePath('/Fan1/Motor/0:Current', 'urn:davy:sim:mine-ventilation-fan');
    if ('error' in segments) throw new Error(segments.error);
    expect(browseNamesForRun(segments, namespaces)).toEqual([
      { namespaceIndex: 2, name: 'Fan1' },
      { namespaceIndex: 2, name: 'Motor' },
      { namespaceIndex: 0, name: 'Current' },
    ]);
    expect(parseBrowsePath('Fan1//Speed', 'urn:x')).toEqual({ error: 'browse path "Fan1//Speed" has an empty name; separate names with one "/"' });
    expect(parseBrowsePath('Fan1/Speed', undefined)).toEqual({ error: '"Fan1" in browse path "Fan1/Speed" names no namespace, and the profile has no namespace:' });
  });

  it('writes node ids of a run in the portable form', () => {
    expect(portableNodeId('ns=2;s=Fan1.Speed', namespaces)).toBe('nsu=urn:davy:sim:mine-ventilation-fan;s=Fan1.Speed');
    expect(portableNodeId('i=2258', namespaces)).toBe('i=2258');
  });
});
