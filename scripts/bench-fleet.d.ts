// Types of bench-fleet.js for the tests that build a fleet with it.
export type SnapshotPart = string | { head: string; text: string };
export function collectorSnapshot(): Buffer;
export function snapshotParts(bytes: Buffer): SnapshotPart[];
export function snapshotText(parts: SnapshotPart[], edit?: (s: string) => string): string;
export function hostSnapshot(parts: SnapshotPart[], name: string, i: number): string;
export function writeFleet(dir: string, n: number, parts?: SnapshotPart[], first?: number): number;
export function fleetDeploy(n: number, opts?: { perHost?: boolean; byAddress?: boolean }): string;
