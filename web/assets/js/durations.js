// durations.js - durations as people write them: a number and a unit
// (minutes, hours, days) in forms, "3 days" in lists. The API keeps
// seconds; these turn one into the other.

import { h } from './dom.js';

export const UNITS = [['60', 'minutes'], ['3600', 'hours'], ['86400', 'days']];
const NAMES = { 1: 'second', 60: 'minute', 3600: 'hour', 86400: 'day' };

// durationText - seconds in the largest unit that divides them evenly:
// 259200 -> "3 days", 5400 -> "90 minutes", 45 -> "45 seconds".
export function durationText(s) {
  if (s === null || s === undefined) return '—';
  s = Math.max(0, Math.round(Number(s)));
  for (const u of [86400, 3600, 60, 1]) {
    if (s % u === 0 && (s >= u || u === 1)) {
      const n = s / u;
      return `${n} ${NAMES[u]}${n === 1 ? '' : 's'}`;
    }
  }
  return `${s} seconds`;
}

// split - seconds as [number, unit] for the inputs: the largest unit of
// UNITS that divides them (seconds that are not whole minutes keep a
// fraction of a minute rather than a fourth unit).
function split(s) {
  for (const [u] of [...UNITS].reverse()) {
    if (s % Number(u) === 0 && s >= Number(u)) return [String(s / Number(u)), u];
  }
  return [String(Math.round((s / 60) * 100) / 100), '60'];
}

// durationInput - a number and a unit select in one control group.
// seconds: the value (null/undefined: blank, unit hours unless `unit`).
// Returns { el, number, unit, seconds() } where seconds() is undefined
// for a blank number, NaN for one that is not a number, else an integer.
export function durationInput({ name, seconds, label, placeholder, unit = '3600' }) {
  const number = h('input', { type: 'text', name, inputmode: 'decimal', autocomplete: 'off',
    class: 'duration-number', 'aria-label': label, placeholder: placeholder || '' });
  let u = unit;
  if (seconds !== null && seconds !== undefined) {
    const [n, uu] = split(Number(seconds));
    number.value = n;
    u = uu;
  }
  const sel = h('select', { name: `${name}-unit`, class: 'duration-unit', 'aria-label': `${label}: unit` },
    UNITS.map(([v, text]) => h('option', { value: v, selected: v === u }, text)));
  const el = h('div', { class: 'duration-input' }, number, sel);
  return {
    el,
    number,
    unit: sel,
    seconds() {
      const t = number.value.trim();
      if (t === '') return undefined;
      if (!/^\d+(\.\d+)?$/.test(t)) return NaN;
      return Math.round(Number(t) * Number(sel.value));
    },
  };
}
