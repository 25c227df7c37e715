/**
 * CPU seconds used so far, read from /proc (Linux): by this process, by another one, and by a
 * PostgreSQL server (its postmaster and every backend it forked), so that a latency can be read
 * next to where the CPU of the shared machine went.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** /proc reports in USER_HZ, 100 on Linux whatever the kernel's own tick. */
const ticksPerSecond = 100;

function stat(pid: number): { ppid: number; cpuSeconds: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the name (which may hold spaces): state, ppid, … utime and stime are fields 14 and 15.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond };
  } catch {
    return undefined;
  }
}

export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

export function processCpuSeconds(pid: number): number {
  return stat(pid)?.cpuSeconds ?? 0;
}

/** A process and its children (a postmaster and its backends); children gone by the second read are not counted. */
export function processTreeCpuSeconds(pid: number): number {
  let total = processCpuSeconds(pid);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const child = stat(Number(name));
    if (child?.ppid === pid) total += child.cpuSeconds;
  }
  return total;
}

/** The postmaster's pid, from the first line of postmaster.pid in the server's data folder. */
export function postmasterPid(dataDir: string): number {
  return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}
