// The page's shared state and small helpers every module uses: element lookup, the status line, REST
// authentication and error text, the error log. Imports nothing, so every module may import it.

export const $ = (id) => document.getElementById(id);
export const query = new URLSearchParams(location.search);

/** The session: the token and robot, the signaling socket, the peer connection and what the server said. */
export const page = {
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
  peer: null, // this socket's peer id, from `welcome`
  talker: null, // the peer id of whoever talks through the robot, from `talker`
  talkerName: null,
  remoteTracks: [], // every track the producer sends (video, audio): one MediaStream on the video element
  robotHears: false, // the offer's audio m-line lets the robot receive (sendrecv/recvonly)
  // Recovery (peer.js, docs/PAGE.md): the ICE state as stats() reports it, the restarts asked for, and the
  // "No route to the robot" sentence while no connection has worked since the last failure.
  ice: 'new',
  iceRestarts: 0,
  noRoute: null,
  restartDelay: 1000,
  lastRestartAt: null,
  restartTimer: null,
  stallTimer: null,
};

// MARK: status line

export function setStatus(which, level, text) {
  $(`${which}-dot`).className = `dot ${level}`;
  $(`${which}-text`).textContent = text;
}

export function setOverlay(text) { $('overlay').textContent = text; }

export function showMessage(text) {
  $('message').textContent = text;
  if (text) openSettings(true);
}

export function openSettings(open) {
  $('settings').hidden = !open;
  $('settings-button').setAttribute('aria-expanded', String(open));
}

export function note(text) {
  page.errors.push(text);
  if (page.errors.length > 20) page.errors.shift();
  console.warn(text);
}

// MARK: REST

export function authHeaders() {
  return page.token ? { Authorization: `Bearer ${page.token}` } : {};
}

/** The error detail of a JSON error answer, or the status line. */
export async function explain(response) {
  try {
    const body = await response.json();
    return `${response.status} ${body.error}: ${typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail)}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

// MARK: numbers

export function round(value) { return Math.round(value * 100) / 100; }

export function median(values) {
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
