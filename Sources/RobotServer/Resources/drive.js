// Driving (docs/PAGE.md): one drive path for every control. Each source (joystick, buttons, keys, and the gamepad in
// gamepad.js) sets a target or null; the first held one drives, published over REST while held, `stop` once when
// the last lets go. mix() is pure. Every command carries an id; its telemetry gives the drive round trip.
// Motions are held back while a hold in `motionHolds` says so (estop.js: the latch) and, after one attempt per press,
// while someone else holds the control lease (control.js); stops are always published.
import { $, page, note, setStatus, showMessage, authHeaders, explain, round } from './page.js';
import { link } from './link.js';
import { someoneElseDrives, controlRefused } from './control.js';

const TICK_MS = 80; // drive commands while a control is held: 12.5 per second
export const GAMEPAD_TICK_MS = 50; // … and 20 per second while the gamepad's dead-man button is held
const HOLD_MS = 300; // each command holds this long; the robot stops by itself if the next one does not come

export const drive = {
  sources: { keys: null, buttons: null, joystick: null, gamepad: null },
  target: null,
  timer: null,
  tickMs: TICK_MS,
  inFlight: false,
  moved: false, // a motion was published since the last stop: letting go publishes `stop`
  asked: false, // this press already tried once while someone else drives (the answer is a 409, or the lease)
  motions: 0, // motions this page posted since it loaded (stats(), for tests)
};
/** Functions that return true while motions must not be published at all (estop.js: the latch is engaged). */
export const motionHolds = [];
/** Which source drives when several are held: the first in this order that has a target. */
const sourceOrder = ['joystick', 'buttons', 'gamepad', 'keys'];

function speed() { return Number($('speed').value); }

function clamp(value) { return Math.max(-1, Math.min(1, value)); }

/** Differential mix of forward (y) and turn (x), both −1…1, scaled so neither wheel exceeds 1. */
export function mix(x, y) {
  let left = y + x;
  let right = y - x;
  const biggest = Math.max(1, Math.abs(left), Math.abs(right));
  left /= biggest;
  right /= biggest;
  return { left: clamp(left), right: clamp(right) };
}

const directions = {
  forward: { x: 0, y: 1 }, backwards: { x: 0, y: -1 }, left: { x: -1, y: 0 }, right: { x: 1, y: 0 },
};

/** One drive path for every control: each source sets its target (null when released); the first held one drives. */
export function setSource(name, value) {
  drive.sources[name] = value;
  const active = sourceOrder.find((source) => drive.sources[source]) ?? null;
  const target = active ? drive.sources[active] : null;
  const wasMoving = drive.target !== null;
  drive.target = target;
  const tickMs = active === 'gamepad' ? GAMEPAD_TICK_MS : TICK_MS;
  if (target && !drive.timer) {
    sendMove();
    drive.tickMs = tickMs;
    drive.timer = setInterval(sendMove, tickMs);
  } else if (target && drive.tickMs !== tickMs) {
    clearInterval(drive.timer);
    drive.tickMs = tickMs;
    drive.timer = setInterval(sendMove, tickMs);
  } else if (!target && wasMoving) {
    clearInterval(drive.timer);
    drive.timer = null;
    drive.asked = false;
    // Only a page that moved the robot stops it: a press held back (latch, someone else's lease) must not stop
    // whoever is driving.
    if (drive.moved) publishAction('stop');
  }
}

/** Every published command carries an id; the robot echoes it in telemetry, which gives the drive round trip. */
const commandIds = { prefix: `p${Math.random().toString(36).slice(2, 6)}-`, next: 1, sentAt: new Map() };

function commandId() {
  const id = `${commandIds.prefix}${commandIds.next}`;
  commandIds.next += 1;
  commandIds.sentAt.set(id, performance.now());
  if (commandIds.sentAt.size > 200) commandIds.sentAt.delete(commandIds.sentAt.keys().next().value);
  return id;
}

/** Telemetry echoing one of this page's command ids: the round trip from publishing it. */
export function noteAnswer(id) {
  const sent = typeof id === 'string' ? commandIds.sentAt.get(id) : undefined;
  if (sent === undefined) return;
  commandIds.sentAt.delete(id);
  link.driveRoundTripMs = round(performance.now() - sent);
}

/** Publishes one command; false when robot-server refused it (the refusal is shown). */
async function post(body) {
  if (!page.robot) return false;
  const response = await fetch(`/robots/${encodeURIComponent(page.robot)}/publish`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...authHeaders() },
    body: JSON.stringify({ ...body, id: commandId() }),
  });
  if (response.ok) return true;
  const answer = response.status === 409 ? await response.clone().json().catch(() => null) : null;
  const why = await explain(response);
  note(`drive: ${why}`);
  if (response.status === 409) {
    // Someone else holds the control lease: the control banner says who, and offers to ask.
    controlRefused(answer, why);
    return false;
  }
  setStatus('robot', 'bad', `Robot: ${why}`);
  if (response.status === 401 || response.status === 403) showMessage(`Driving refused: ${why}`);
  return false;
}

async function sendMove() {
  const target = drive.target;
  // Latest wins: while one command is on its way, skip ticks rather than queue them.
  if (!target || drive.inFlight || motionHolds.some((holds) => holds())) return;
  // Someone else drives: one try per press (the lease may have gone idle; if not, the 409 says who drives).
  if (someoneElseDrives()) {
    if (drive.asked) return;
    drive.asked = true;
  }
  drive.inFlight = true;
  drive.moved = true;
  drive.motions += 1;
  const s = speed();
  try {
    const accepted = await post({ left: round(target.left * s), right: round(target.right * s), durationMs: HOLD_MS });
    if (!accepted && someoneElseDrives()) drive.moved = false;
  } catch (error) {
    note(`drive: ${error}`);
  } finally {
    drive.inFlight = false;
  }
}

/** Publishes `{"action": action}` (stop, estop, release), trying twice when the request itself fails. */
export async function publishAction(action) {
  if (action === 'stop' || action === 'estop') drive.moved = false;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await post({ action });
      return;
    } catch (error) {
      note(`${action}: ${error}`);
    }
  }
}

/** Called by halt() (gamepad.js: a held dead-man must be released and pressed again). */
export const onHalt = [];

/** Every held control is forgotten and the drive loop ends; nothing is published. */
export function halt() {
  keysDown.clear();
  drive.sources = { keys: null, buttons: null, joystick: null, gamepad: null };
  for (const hook of onHalt) hook();
  for (const button of document.querySelectorAll('.drive.pressed')) button.classList.remove('pressed');
  resetKnob();
  clearInterval(drive.timer);
  drive.timer = null;
  drive.target = null;
  drive.asked = false;
}

/** The ■ button, space, another robot chosen: everything held is forgotten and the robot told to stop. */
export function stopEverything() {
  halt();
  publishAction('stop');
}

/** Losing focus or hiding the page: everything held is forgotten; `stop` only if this page was moving the robot. */
export function letGo() {
  const moved = drive.moved;
  halt();
  if (moved) publishAction('stop');
}

// Keyboard: arrows or WASD; several at once combine (forward + left curves left).
const keyDirections = {
  ArrowUp: 'forward', KeyW: 'forward', ArrowDown: 'backwards', KeyS: 'backwards',
  ArrowLeft: 'left', KeyA: 'left', ArrowRight: 'right', KeyD: 'right',
};
const keysDown = new Set();

function keysChanged() {
  let x = 0;
  let y = 0;
  for (const code of keysDown) {
    const direction = directions[keyDirections[code]];
    x += direction.x;
    y += direction.y;
  }
  x = clamp(x);
  y = clamp(y);
  setSource('keys', x === 0 && y === 0 ? null : mix(y === 0 ? x : x * 0.5, y));
}

function typing(event) {
  return event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement;
}

document.addEventListener('keydown', (event) => {
  if (typing(event)) return;
  if (event.code === 'Space') {
    event.preventDefault();
    stopEverything();
    return;
  }
  if (!(event.code in keyDirections)) return;
  event.preventDefault();
  if (event.repeat || keysDown.has(event.code)) return;
  keysDown.add(event.code);
  keysChanged();
});

document.addEventListener('keyup', (event) => {
  if (!keysDown.delete(event.code)) return;
  event.preventDefault();
  keysChanged();
});

// Buttons: hold to drive, release to stop.
for (const button of document.querySelectorAll('.drive')) {
  const release = () => {
    if (!button.classList.contains('pressed')) return;
    button.classList.remove('pressed');
    setSource('buttons', null);
  };
  button.addEventListener('pointerdown', (event) => {
    event.preventDefault();
    button.setPointerCapture(event.pointerId);
    button.classList.add('pressed');
    const direction = directions[button.dataset.direction];
    setSource('buttons', mix(direction.x, direction.y));
  });
  button.addEventListener('pointerup', release);
  button.addEventListener('pointercancel', release);
  button.addEventListener('lostpointercapture', release);
  button.addEventListener('contextmenu', (event) => event.preventDefault());
}
$('stop').addEventListener('click', stopEverything);

// Joystick: drag from the centre; up is forward, sideways turns.
const joystick = $('joystick');
const knob = $('knob');
let joystickPointer = null;

function resetKnob() {
  joystickPointer = null;
  joystick.classList.remove('active');
  knob.style.transform = '';
}

function moveKnob(event) {
  const box = joystick.getBoundingClientRect();
  const radius = box.width / 2;
  let dx = (event.clientX - (box.left + radius)) / radius;
  let dy = (event.clientY - (box.top + radius)) / radius;
  const length = Math.hypot(dx, dy);
  if (length > 1) { dx /= length; dy /= length; }
  knob.style.transform = `translate(${dx * radius * 0.62}px, ${dy * radius * 0.62}px)`;
  const dead = Math.hypot(dx, dy) < 0.12;
  setSource('joystick', dead ? { left: 0, right: 0 } : mix(dx, -dy));
}

joystick.addEventListener('pointerdown', (event) => {
  if (joystickPointer !== null) return;
  event.preventDefault();
  joystickPointer = event.pointerId;
  joystick.setPointerCapture(event.pointerId);
  joystick.classList.add('active');
  moveKnob(event);
});
joystick.addEventListener('pointermove', (event) => { if (event.pointerId === joystickPointer) moveKnob(event); });
for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
  joystick.addEventListener(type, (event) => {
    if (event.pointerId !== joystickPointer) return;
    resetKnob();
    setSource('joystick', null);
  });
}

$('speed').addEventListener('input', () => {
  $('speed-value').textContent = `${Math.round(speed() * 100)} %`;
  localStorage.setItem('robot.speed', $('speed').value);
});

/** The Speed slider as saved in this browser. */
export function restoreSpeed() {
  const savedSpeed = localStorage.getItem('robot.speed');
  if (savedSpeed) $('speed').value = savedSpeed;
  $('speed-value').textContent = `${Math.round(speed() * 100)} %`;
}
