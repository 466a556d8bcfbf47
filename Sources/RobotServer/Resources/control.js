// Who drives (docs/PAGE.md): robot-server's control lease, one driver per robot. Its `control` frames say who holds
// the lease and what this viewer may do; #control shows it and asks, hands over, keeps or takes over control over
// REST (POST /robots/{robot}/control). An older robot-server sends no frame: the banner stays hidden and nothing is
// held back. Imports only page.js: drive.js asks it whether someone else drives and tells it about a 409.
import { $, page, note, authHeaders, explain } from './page.js';

export const control = {
  known: false, // a `control` frame (or a 409 naming the holder) came: this server has leases
  holder: null, // { name, since } or null
  request: null, // { name, at } or null
  idleSeconds: null,
  you: null, // { name, driving, mayDrive, admin }
  refusal: '', // why robot-server refused this page's last drive or control request, until the lease changes
};

/** Another principal holds the lease: this page's motions would be refused with a 409. */
export function someoneElseDrives() {
  return control.known && control.holder !== null && control.you?.driving !== true;
}

function member(value, keys) {
  if (!value || typeof value !== 'object') return null;
  return keys.every((key) => typeof value[key] === 'string') ? value : null;
}

/** A `control` frame or a control state from REST; null forgets everything (another robot chosen). */
export function onControl(state) {
  if (!state || typeof state !== 'object') {
    Object.assign(control, { known: false, holder: null, request: null, idleSeconds: null, you: null, refusal: '' });
    renderControl();
    return;
  }
  const holderBefore = control.holder?.name ?? null;
  control.known = true;
  control.holder = member(state.holder, ['name', 'since']);
  control.request = member(state.request, ['name', 'at']);
  control.idleSeconds = typeof state.idleSeconds === 'number' ? state.idleSeconds : null;
  const you = state.you && typeof state.you === 'object' ? state.you : {};
  control.you = {
    name: typeof you.name === 'string' ? you.name : '', driving: you.driving === true,
    mayDrive: you.mayDrive === true, admin: you.admin === true,
  };
  if (!someoneElseDrives() || (control.holder?.name ?? null) !== holderBefore) control.refusal = '';
  renderControl();
}

/** A 409 from publish: `answer` is its body (`holder` names who drives), `why` its text. */
export function controlRefused(answer, why) {
  control.refusal = why;
  const holder = member(answer?.holder, ['name', 'since']);
  if (holder) {
    control.known = true;
    control.holder = holder;
    control.you = { name: '', mayDrive: true, admin: false, ...control.you, driving: false };
  }
  renderControl();
}

const buttonIds = ['control-request', 'control-handover', 'control-decline', 'control-takeover'];

async function ask(action) {
  if (!page.robot) return;
  try {
    const response = await fetch(`/robots/${encodeURIComponent(page.robot)}/control`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', ...authHeaders() },
      body: JSON.stringify({ action }),
    });
    if (response.ok) {
      onControl(await response.json());
      return;
    }
    control.refusal = await explain(response);
  } catch (error) {
    control.refusal = `${action}: ${error.message || error}`;
  }
  note(`control: ${control.refusal}`);
  renderControl();
}

/** What the banner says and which of its buttons show (their ids). */
function banner() {
  const { holder, request, you } = control;
  const asker = request && request.name !== you.name ? request.name : null;
  if (you.driving) {
    return asker
      ? { text: `You are driving — ${asker} asks for control`, buttons: ['control-handover', 'control-decline'] }
      : { text: 'You are driving', buttons: [] };
  }
  if (!holder) return { text: 'Nobody is driving', buttons: [] };
  const buttons = [];
  let text = `${holder.name} is driving`;
  if (request && request.name === you.name) text += ' — you asked for control';
  else if (you.mayDrive) buttons.push('control-request');
  if (you.admin) buttons.push('control-takeover');
  return { text, buttons };
}

export function renderControl() {
  const box = $('control');
  box.hidden = !control.known;
  const shown = control.known ? banner() : { text: '', buttons: [] };
  $('control-text').textContent = shown.text;
  for (const id of buttonIds) {
    $(id).hidden = !shown.buttons.includes(id);
  }
  $('control-detail').textContent = control.refusal;
  box.classList.toggle('driving', control.you?.driving === true);
  box.classList.toggle('other', someoneElseDrives());
}

/** The banner's buttons now shown, for tests (stats()). */
export function controlButtons() {
  return buttonIds.filter((id) => !$(id).hidden);
}

$('control-request').addEventListener('click', () => ask('request'));
$('control-handover').addEventListener('click', () => ask('handover'));
$('control-decline').addEventListener('click', () => ask('decline'));
$('control-takeover').addEventListener('click', () => ask('takeover'));
