// Colors that carry meaning. Outcomes are CSS classes (page-style.ts); members
// and fault families get fills chosen here, from our own tables and never from
// data, so no data-derived string ever lands in a style or class attribute.

import type { NemesisKind } from '../types.js';

const memberPalette = [
  '#1f77b4',
  '#9467bd',
  '#17becf',
  '#8c564b',
  '#e377c2',
  '#bcbd22',
  '#ff7f0e',
  '#393b79',
];

/** The fill of member number `index` (its place in the sorted member list). */
export function memberColor(index: number): string {
  if (index < memberPalette.length) return memberPalette[index]!;
  return `hsl(${(index * 137) % 360} 55% 45%)`;
}

export const noLeaderColor = '#d0d0d0';
export const changingLeaderColor = '#606060';

/** Fault windows are shaded by family: processes, pauses, network, disk/crash, membership. */
export function faultColor(kind: NemesisKind): string {
  switch (kind) {
    case 'kill-leader':
    case 'kill-random':
    case 'kill-majority':
    case 'crash-point':
      return '#c0392b';
    case 'pause-leader':
    case 'pause-random':
      return '#2c7bb6';
    case 'partition-leader':
    case 'partition-half':
    case 'partition-ring':
    case 'one-way-loss':
      return '#8e44ad';
    case 'latency':
    case 'packet-loss':
      return '#d68910';
    case 'membership':
    case 'replace-member':
      return '#148f77';
    default:
      return '#7f8c8d';
  }
}

/** Outcomes, in the order the aggregated timeline counts them. */
export const outcomes = ['ok', 'fail', 'unknown', 'pending'] as const;
export type OutcomeClass = (typeof outcomes)[number];

/** The outcome's index in `outcomes`; anything else counts as unknown. */
export function outcomeIndex(outcome: unknown): number {
  switch (outcome) {
    case 'ok':
      return 0;
    case 'fail':
      return 1;
    case 'pending':
      return 3;
    default:
      return 2;
  }
}

/** The outcome as a CSS class from our own list, whatever the record holds. */
export function outcomeClass(outcome: unknown): OutcomeClass {
  return outcomes[outcomeIndex(outcome)]!;
}
