// The robot's battery (docs/PAGE.md): the reading robotd puts in its heartbeats (`battery`: volts, and amps and
// level where measured) in #battery, with the warning `Battery low` when the reading says so or robotd's `battery`
// event does (reason `low`; `ok` clears it). Hidden until a reading came.
import { $ } from './page.js';

export const battery = { volts: null, amps: null, level: null, low: false };

const number = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** A telemetry message: its `battery` reading, if any, and a `battery` event's verdict. */
export function showBattery(data) {
  const reading = data.battery;
  if (reading && typeof reading === 'object' && number(reading.volts) !== null) {
    battery.volts = reading.volts;
    battery.amps = number(reading.amps);
    battery.level = number(reading.level);
    battery.low = reading.low === true;
  }
  if (data.event === 'battery' && (data.reason === 'low' || data.reason === 'ok')) battery.low = data.reason === 'low';
  renderBattery();
}

/** Another robot chosen: nothing known. */
export function forgetBattery() {
  Object.assign(battery, { volts: null, amps: null, level: null, low: false });
  renderBattery();
}

function renderBattery() {
  const parts = [];
  if (battery.volts !== null) parts.push(`Battery ${battery.volts.toFixed(2)} V`);
  if (battery.amps !== null) parts.push(`${battery.amps.toFixed(2)} A`);
  if (battery.level !== null) parts.push(`${Math.round(battery.level * 100)} %`);
  $('battery-text').textContent = parts.length ? parts.join(' · ') : 'Battery';
  $('battery').hidden = battery.volts === null && !battery.low;
  $('battery').classList.toggle('low', battery.low);
  $('battery-low').hidden = !battery.low;
}
