import { describe, expect, it } from 'vitest';
import { parseTopicPattern, type TopicPattern } from './topic-pattern.js';

describe('topic patterns', () => {
  it.each<[string, string, boolean]>([
    ['chargers/{device}/status', 'chargers/+/status', true],
    ['site/+/meters/#', 'site/+/meters/#', false],
    ['{device}', '+', true],
    ['plant/boiler-1', 'plant/boiler-1', false],
  ])('%s subscribes to %s', (text, filter, capturesDevice) => {
    expect(parseTopicPattern(text)).toMatchObject({ text, filter, capturesDevice });
  });

  it('takes the device from its level, and matches as MQTT does', () => {
    const pattern = parseTopicPattern('chargers/{device}/+/#') as TopicPattern;
    expect(pattern.match('chargers/c-7/status/x/y')).toEqual({ device: 'c-7' });
    expect(pattern.match('chargers/c-7/status')).toEqual({ device: 'c-7' });
    expect(pattern.match('chargers/c-7')).toBeUndefined();
    expect(pattern.match('meters/c-7/status')).toBeUndefined();
    const exact = parseTopicPattern('chargers/{device}/status') as TopicPattern;
    expect(exact.match('chargers/c-7/status/extra')).toBeUndefined();
  });

  it.each<[string, { error: string; fix: string }]>([
    ['', { error: 'a topic cannot be empty', fix: 'write a topic like chargers/{device}/status' }],
    ['a/{device}/b/{device}', { error: '"a/{device}/b/{device}" names {device} twice', fix: 'keep one {device} level' }],
    ['chargers/c-{device}/status', { error: '"chargers/c-{device}/status": {device} must be a whole topic level, not part of "c-{device}"', fix: 'put {device} between two "/" on its own, e.g. chargers/{device}/status' }],
    ['chargers/{id}/status', { error: '"chargers/{id}/status": "{id}" is not a placeholder; only {device} is', fix: 'use {device} for the level that names the device, + for any other level' }],
    ['chargers/#/status', { error: '"chargers/#/status": # must be the last level', fix: 'move # to the end, or use + for one level' }],
    ['chargers/c+/status', { error: '"chargers/c+/status": + and # must be whole levels, not part of "c+"', fix: 'write + or # between two "/" on its own' }],
  ])('refuses %j', (text, expected) => {
    expect(parseTopicPattern(text)).toEqual(expected);
  });
});
