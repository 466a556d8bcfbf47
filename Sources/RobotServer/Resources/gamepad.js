// The gamepad (docs/PAGE.md): Gamepad API, standard mapping. The left stick drives through the same mix() as the
// joystick, only while LB or RB (buttons 4, 5: the dead-man) is held; polled every 50 ms while a pad is connected.
// stickTarget is pure.
import { $ } from './page.js';
import { drive, mix, setSource, onHalt, GAMEPAD_TICK_MS } from './drive.js';

const GAMEPAD_DEADZONE = 0.15;
export const gamepad = { index: null, id: null, deadman: false, blocked: false, timer: null };
onHalt.push(() => { gamepad.blocked = true; }); // a held dead-man must be released and pressed again

/** The left stick's axes as a drive target: a radial deadzone, the rest rescaled to 0…1, forward = −axes[1]. */
export function stickTarget(axes) {
  const x = Number(axes[0]) || 0;
  const y = Number(axes[1]) || 0;
  const length = Math.hypot(x, y);
  if (length < GAMEPAD_DEADZONE) return { left: 0, right: 0 };
  const scale = Math.min(1, (length - GAMEPAD_DEADZONE) / (1 - GAMEPAD_DEADZONE)) / length;
  return mix(x * scale, -y * scale);
}

export function connectedPads() {
  const pads = navigator.getGamepads ? Array.from(navigator.getGamepads() || []) : [];
  return pads.filter((pad) => pad && pad.connected !== false);
}

function pollGamepad() {
  const pad = connectedPads().find((candidate) => candidate.index === gamepad.index);
  if (!pad) {
    gamepadGone();
    return;
  }
  const buttons = pad.buttons || [];
  gamepad.deadman = Boolean(buttons[4]?.pressed || buttons[5]?.pressed);
  if (!gamepad.deadman) gamepad.blocked = false;
  const driving = gamepad.deadman && !gamepad.blocked;
  if (driving || drive.sources.gamepad) setSource('gamepad', driving ? stickTarget(pad.axes || []) : null);
}

export function useGamepad(pad) {
  if (!pad || gamepad.index !== null) return;
  gamepad.index = pad.index;
  gamepad.id = String(pad.id || 'unknown pad');
  gamepad.blocked = false;
  const layout = pad.mapping === 'standard' ? '' : ' (not a standard layout: the stick may be wrong)';
  $('gamepad-status').textContent = `Gamepad: ${gamepad.id}${layout} — hold LB/RB to drive`;
  gamepad.timer = setInterval(pollGamepad, GAMEPAD_TICK_MS);
  pollGamepad();
}

function gamepadGone() {
  if (gamepad.index === null) return;
  const gone = gamepad.index;
  clearInterval(gamepad.timer);
  Object.assign(gamepad, { index: null, id: null, deadman: false, timer: null });
  $('gamepad-status').textContent = '';
  setSource('gamepad', null);
  useGamepad(connectedPads().find((pad) => pad.index !== gone)); // another pad still plugged in takes over
}

window.addEventListener('gamepadconnected', (event) => useGamepad(event.gamepad));
window.addEventListener('gamepaddisconnected', (event) => {
  if (event.gamepad && event.gamepad.index === gamepad.index) gamepadGone();
});
