// robot-server's drive page: live video over WebRTC (the robot's producer offers, this page answers), driving
// through the REST API, robot state from telemetry relayed on the signaling WebSocket. No build step.
'use strict';

const TICK_MS = 80; // drive commands while a control is held: 12.5 per second
const HOLD_MS = 300; // each command holds this long; the robot stops by itself if the next one does not come
const $ = (id) => document.getElementById(id);

const page = {
  token: localStorage.getItem('robot.token') || '',
  robot: null,
  socket: null,
  socketGeneration: 0,
  reconnectDelay: 1000,
  reconnectTimer: null,
  iceServers: [],
  producerOnline: false,
  pc: null,
  pendingCandidates: [],
  peerConnections: 0,
  firstFrameMs: null,
  lastStats: null,
  telemetry: null,
  telemetryAt: 0,
  errors: [],
};

// MARK: status line

function setStatus(which, level, text) {
  $(`${which}-dot`).className = `dot ${level}`;
  $(`${which}-text`).textContent = text;
}

function setOverlay(text) { $('overlay').textContent = text; }

function showMessage(text) {
  $('message').textContent = text;
  if (text) openSettings(true);
}

function openSettings(open) {
  $('settings').hidden = !open;
  $('settings-button').setAttribute('aria-expanded', String(open));
}

// MARK: REST

function authHeaders() {
  return page.token ? { Authorization: `Bearer ${page.token}` } : {};
}

/** The error detail of a JSON error answer, or the status line. */
async function explain(response) {
  try {
    const body = await response.json();
    return `${response.status} ${body.error}: ${typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail)}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

async function loadRobots() {
  const response = await fetch('/robots', { headers: authHeaders(), cache: 'no-store' });
  if (!response.ok) throw new Error(await explain(response));
  return response.json();
}

// MARK: signaling

function socketURL(robot) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = new URLSearchParams({ role: 'viewer' });
  if (page.token) query.set('token', page.token);
  return `${scheme}//${location.host}/robots/${encodeURIComponent(robot)}/signal?${query}`;
}

async function connect() {
  clearTimeout(page.reconnectTimer);
  const robot = page.robot;
  const generation = ++page.socketGeneration;
  if (page.socket) page.socket.close();
  page.socket = null;
  closePeer();
  setStatus('server', 'warn', 'Server: connecting');
  // A WebSocket refused before the upgrade says nothing about why: ask over HTTP first (426 means go ahead).
  try {
    const check = await fetch(`/robots/${encodeURIComponent(robot)}/signal?role=viewer`, {
      headers: authHeaders(), cache: 'no-store',
    });
    if (generation !== page.socketGeneration) return;
    if (check.status !== 426) {
      const why = await explain(check);
      setStatus('server', 'bad', `Server: ${why}`);
      if (check.status === 401 || check.status === 403) {
        showMessage(`The server refused the token: ${why}`);
        setOverlay('Enter a valid token (Token button above).');
        return;
      }
      scheduleReconnect(generation);
      return;
    }
  } catch (error) {
    if (generation !== page.socketGeneration) return;
    setStatus('server', 'bad', 'Server: unreachable');
    scheduleReconnect(generation);
    return;
  }
  const socket = new WebSocket(socketURL(robot));
  page.socket = socket;
  socket.onopen = () => {
    page.reconnectDelay = 1000;
    setStatus('server', 'good', 'Server: connected');
  };
  socket.onmessage = (event) => {
    if (generation !== page.socketGeneration) return;
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    onSignal(message).catch((error) => note(`signaling: ${error}`));
  };
  socket.onclose = (event) => {
    if (generation !== page.socketGeneration) return;
    page.socket = null;
    closePeer();
    page.producerOnline = false;
    setStatus('server', 'bad', `Server: disconnected${event.reason ? ` (${event.reason})` : ''}`);
    setStatus('video', '', 'Video: off');
    setOverlay('Reconnecting…');
    scheduleReconnect(generation);
  };
}

function scheduleReconnect(generation) {
  if (generation !== page.socketGeneration) return;
  const delay = page.reconnectDelay;
  page.reconnectDelay = Math.min(delay * 2, 8000);
  page.reconnectTimer = setTimeout(() => { if (generation === page.socketGeneration) connect(); }, delay);
}

function send(message) {
  if (page.socket && page.socket.readyState === WebSocket.OPEN) page.socket.send(JSON.stringify(message));
}

function note(text) {
  page.errors.push(text);
  if (page.errors.length > 20) page.errors.shift();
  console.warn(text);
}

async function onSignal(message) {
  switch (message.type) {
    case 'welcome':
      page.iceServers = Array.isArray(message.iceServers) ? message.iceServers : [];
      break;
    case 'producer':
      page.producerOnline = message.online === true;
      if (!page.producerOnline) {
        closePeer();
        setStatus('video', 'warn', 'Video: camera offline');
        setOverlay("Waiting for the robot's camera…");
      } else if (!page.pc) {
        setStatus('video', 'warn', 'Video: waiting for an offer');
        setOverlay('Camera online, connecting…');
      }
      break;
    case 'offer':
      await answerOffer(message.sdp);
      break;
    case 'ice':
      await addRemoteCandidate(message);
      break;
    case 'telemetry':
      showTelemetry(message.data);
      break;
    case 'error':
      note(`server: ${message.message}`);
      break;
    default:
      break;
  }
}

// MARK: WebRTC

function closePeer() {
  if (page.pc) {
    page.pc.ontrack = null;
    page.pc.onicecandidate = null;
    page.pc.onconnectionstatechange = null;
    page.pc.close();
  }
  page.pc = null;
  page.pendingCandidates = [];
  $('video').srcObject = null;
}

async function answerOffer(sdp) {
  closePeer();
  const pc = new RTCPeerConnection({ iceServers: page.iceServers });
  page.pc = pc;
  page.peerConnections += 1;
  pc.ontrack = (event) => {
    const video = $('video');
    video.srcObject = event.streams[0] || new MediaStream([event.track]);
    video.play().catch(() => {});
  };
  pc.onicecandidate = (event) => {
    if (!event.candidate || !event.candidate.candidate) return;
    send({
      type: 'ice', candidate: event.candidate.candidate,
      sdpMLineIndex: event.candidate.sdpMLineIndex ?? 0, sdpMid: event.candidate.sdpMid,
    });
  };
  pc.onconnectionstatechange = () => {
    if (page.pc !== pc) return;
    const stateName = pc.connectionState;
    if (stateName === 'connected') {
      setStatus('video', 'good', 'Video: live');
      setOverlay('');
    } else if (stateName === 'failed' || stateName === 'disconnected') {
      setStatus('video', 'bad', `Video: ${stateName}`);
      setOverlay(stateName === 'failed' ? 'Video connection failed; waiting for a new offer…' : 'Video interrupted…');
    } else {
      setStatus('video', 'warn', `Video: ${stateName}`);
    }
  };
  setStatus('video', 'warn', 'Video: connecting');
  await pc.setRemoteDescription({ type: 'offer', sdp });
  if (page.pc !== pc) return; // a newer offer replaced this one meanwhile
  for (const candidate of page.pendingCandidates.splice(0)) {
    await pc.addIceCandidate(candidate).catch((error) => note(`remote candidate: ${error}`));
  }
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  if (page.pc === pc) send({ type: 'answer', sdp: pc.localDescription.sdp });
}

async function addRemoteCandidate(message) {
  if (!message.candidate) return;
  const candidate = {
    candidate: message.candidate,
    sdpMLineIndex: typeof message.sdpMLineIndex === 'number' ? message.sdpMLineIndex : 0,
  };
  if (typeof message.sdpMid === 'string') candidate.sdpMid = message.sdpMid;
  const pc = page.pc;
  if (!pc || !pc.remoteDescription) {
    page.pendingCandidates.push(candidate);
    return;
  }
  await pc.addIceCandidate(candidate).catch((error) => note(`remote candidate: ${error}`));
}

/** The current peer connection's inbound video statistics. */
async function videoStats() {
  const pc = page.pc;
  const result = { framesDecoded: 0, framesPerSecond: 0, width: 0, height: 0, bytesReceived: 0 };
  if (!pc) return result;
  const report = await pc.getStats();
  report.forEach((entry) => {
    if (entry.type === 'inbound-rtp' && entry.kind === 'video') {
      result.framesDecoded = entry.framesDecoded || 0;
      result.framesPerSecond = entry.framesPerSecond || 0;
      result.width = entry.frameWidth || 0;
      result.height = entry.frameHeight || 0;
      result.bytesReceived = entry.bytesReceived || 0;
    }
  });
  return result;
}

function watchFirstFrame() {
  const video = $('video');
  const mark = () => { if (page.firstFrameMs === null) page.firstFrameMs = performance.now(); };
  if ('requestVideoFrameCallback' in video) {
    const onFrame = () => { mark(); };
    video.addEventListener('loadedmetadata', () => video.requestVideoFrameCallback(onFrame));
  }
  video.addEventListener('playing', mark, { once: false });
}

setInterval(async () => {
  if (!page.pc) return;
  const stats = await videoStats();
  page.lastStats = stats;
  if (page.pc && page.pc.connectionState === 'connected' && stats.framesDecoded > 0) {
    const fps = Math.round(stats.framesPerSecond);
    setStatus('video', 'good', `Video: ${fps} fps, ${stats.width}×${stats.height}`);
  }
}, 1000);

// MARK: telemetry

function showTelemetry(data) {
  if (!data || typeof data !== 'object') return;
  page.telemetry = data;
  page.telemetryAt = Date.now();
  const left = Number(data.left || 0).toFixed(2);
  const right = Number(data.right || 0).toFixed(2);
  const reason = data.reason ? ` (${data.reason})` : '';
  switch (data.event) {
    case 'offline':
      setStatus('robot', 'bad', `Robot: offline${reason}`);
      break;
    case 'rejected':
      setStatus('robot', 'warn', `Robot: rejected a command${reason}`);
      break;
    case 'video':
      break; // the video status line says it
    default: {
      const moving = Number(data.left) !== 0 || Number(data.right) !== 0;
      setStatus('robot', 'good', moving ? `Robot: moving L ${left} R ${right}` : `Robot: stopped${reason}`);
    }
  }
}

setInterval(() => {
  // robotd sends a heartbeat every few seconds; a long silence is worth saying.
  if (page.telemetryAt && Date.now() - page.telemetryAt > 30000 && page.telemetry?.event !== 'offline') {
    setStatus('robot', 'warn', 'Robot: no telemetry for 30 s');
  }
}, 5000);

// MARK: driving

const drive = {
  sources: { keys: null, buttons: null, joystick: null },
  target: null,
  timer: null,
  inFlight: false,
};

function speed() { return Number($('speed').value); }

function clamp(value) { return Math.max(-1, Math.min(1, value)); }

/** Differential mix of forward (y) and turn (x), both −1…1, scaled so neither wheel exceeds 1. */
function mix(x, y) {
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

function setSource(name, value) {
  drive.sources[name] = value;
  const target = drive.sources.joystick ?? drive.sources.buttons ?? drive.sources.keys;
  const wasMoving = drive.target !== null;
  drive.target = target;
  if (target && !drive.timer) {
    sendMove();
    drive.timer = setInterval(sendMove, TICK_MS);
  } else if (!target && wasMoving) {
    clearInterval(drive.timer);
    drive.timer = null;
    sendStop();
  }
}

function round(value) { return Math.round(value * 100) / 100; }

async function post(body) {
  if (!page.robot) return;
  const response = await fetch(`/robots/${encodeURIComponent(page.robot)}/publish`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...authHeaders() }, body: JSON.stringify(body),
  });
  if (!response.ok) {
    const why = await explain(response);
    note(`drive: ${why}`);
    setStatus('robot', 'bad', `Robot: ${why}`);
    if (response.status === 401 || response.status === 403) showMessage(`Driving refused: ${why}`);
  }
}

async function sendMove() {
  const target = drive.target;
  // Latest wins: while one command is on its way, skip ticks rather than queue them.
  if (!target || drive.inFlight) return;
  drive.inFlight = true;
  const s = speed();
  try {
    await post({ left: round(target.left * s), right: round(target.right * s), durationMs: HOLD_MS });
  } catch (error) {
    note(`drive: ${error}`);
  } finally {
    drive.inFlight = false;
  }
}

async function sendStop() {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await post({ action: 'stop' });
      return;
    } catch (error) {
      note(`stop: ${error}`);
    }
  }
}

function stopEverything() {
  drive.sources = { keys: null, buttons: null, joystick: null };
  for (const button of document.querySelectorAll('.drive.pressed')) button.classList.remove('pressed');
  resetKnob();
  clearInterval(drive.timer);
  drive.timer = null;
  drive.target = null;
  sendStop();
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
    keysDown.clear();
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

// Losing focus or hiding the page must not leave the robot driving.
window.addEventListener('blur', () => { if (drive.target) { keysDown.clear(); stopEverything(); } });
document.addEventListener('visibilitychange', () => { if (document.hidden && drive.target) stopEverything(); });

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
$('stop').addEventListener('click', () => { keysDown.clear(); stopEverything(); });

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

// MARK: token and robot

$('settings-button').addEventListener('click', () => openSettings($('settings').hidden));

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  page.token = $('token').value.trim();
  if (page.token) localStorage.setItem('robot.token', page.token); else localStorage.removeItem('robot.token');
  $('token').value = '';
  start();
});

$('forget').addEventListener('click', () => {
  localStorage.removeItem('robot.token');
  page.token = '';
  start();
});

$('robot').addEventListener('change', () => {
  stopEverything();
  page.robot = $('robot').value;
  localStorage.setItem('robot.robot', page.robot);
  history.replaceState(null, '', `?robot=${encodeURIComponent(page.robot)}`);
  page.telemetry = null;
  setStatus('robot', '', 'Robot: unknown');
  connect();
});

async function start() {
  showMessage('');
  let list;
  try {
    list = await loadRobots();
  } catch (error) {
    setStatus('server', 'bad', `Server: ${error.message}`);
    setOverlay(page.token ? 'The token was refused.' : 'Enter your access token (Token button above).');
    showMessage(page.token ? `The server refused the token: ${error.message}` : 'This server needs an access token.');
    return;
  }
  const select = $('robot');
  select.replaceChildren(...list.robots.map((name) => new Option(name, name)));
  if (list.robots.length === 0) {
    setOverlay('This token may not drive any robot.');
    return;
  }
  const wanted = new URLSearchParams(location.search).get('robot') || localStorage.getItem('robot.robot');
  page.robot = list.robots.includes(wanted) ? wanted : (list.robots.includes(list.defaultRobot) ? list.defaultRobot : list.robots[0]);
  select.value = page.robot;
  select.hidden = list.robots.length < 2;
  openSettings(false);
  connect();
}

// A link may carry the token in its fragment (never sent to the server): #token=…
// It never silently replaces a different token saved here: a link from someone else could otherwise switch
// this browser to their token (their robot, their video) without the user noticing. Ask first.
if (location.hash.startsWith('#token=')) {
  let linked = '';
  try {
    linked = decodeURIComponent(location.hash.slice('#token='.length)).trim();
  } catch (error) {
    showMessage('The link\'s token is not readable; it was ignored.');
  }
  history.replaceState(null, '', location.pathname + location.search);
  if (linked && linked !== page.token) {
    const replace = !page.token || window.confirm(
      'This link carries a different access token than the one saved in this browser.\n\n'
      + 'Use the link\'s token instead? (Cancel keeps the saved one.)');
    if (replace) {
      page.token = linked;
      localStorage.setItem('robot.token', page.token);
    }
  }
}
const savedSpeed = localStorage.getItem('robot.speed');
if (savedSpeed) $('speed').value = savedSpeed;
$('speed-value').textContent = `${Math.round(speed() * 100)} %`;
watchFirstFrame();

// For tests and debugging: window.robotPage.stats() in the console.
window.robotPage = {
  async stats() {
    const video = await videoStats();
    return {
      ...video,
      firstFrameMs: page.firstFrameMs,
      peerConnections: page.peerConnections,
      connectionState: page.pc ? page.pc.connectionState : 'none',
      signaling: page.socket ? page.socket.readyState === WebSocket.OPEN : false,
      producerOnline: page.producerOnline,
      robot: page.robot,
      telemetry: page.telemetry,
      errors: page.errors.slice(),
    };
  },
};

start();
