// The signaling WebSocket (docs/SIGNALING.md): connecting (an HTTP check first, so a refusal can say why),
// reconnecting with backoff, sending frames. What the frames do is app.js's business: it sets `signalHandlers`.
import { page, setStatus, setOverlay, showMessage, note, authHeaders, explain } from './page.js';

/** What the rest of the page does with the socket; app.js fills these in before the first connect(). */
export const signalHandlers = {
  /** A parsed frame from the server. */
  frame: async (message) => {},
  /** A new socket is about to open: whatever the old one set up goes. */
  reset: () => {},
  /** The socket closed: the peer connection and the server's state go with it. */
  closed: () => {},
};

function socketURL(robot) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = new URLSearchParams({ role: 'viewer' });
  if (page.token) query.set('token', page.token);
  return `${scheme}//${location.host}/robots/${encodeURIComponent(robot)}/signal?${query}`;
}

export async function connect() {
  clearTimeout(page.reconnectTimer);
  const robot = page.robot;
  const generation = ++page.socketGeneration;
  if (page.socket) page.socket.close();
  page.socket = null;
  signalHandlers.reset();
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
    signalHandlers.frame(message).catch((error) => note(`signaling: ${error}`));
  };
  socket.onclose = (event) => {
    if (generation !== page.socketGeneration) return;
    page.socket = null;
    signalHandlers.closed();
    setStatus('video', '', 'Video: off');
    if (event.code === MOVED) {
      // Routine when robot-server runs as several instances: not a failure, so no alarm and no back-off.
      setStatus('server', 'warn', 'Server: reconnecting');
      scheduleReconnect(generation, 100 + Math.random() * 200);
      return;
    }
    setStatus('server', 'bad', `Server: disconnected${event.reason ? ` (${event.reason})` : ''}`);
    setOverlay('Reconnecting…');
    scheduleReconnect(generation);
  };
}

/** Close code 4003: this robot's room moved to another robot-server instance, or the instance serving it went away.
 * The page reconnects at once (100–300 ms, jittered so a room's viewers do not all arrive together) and lands in the
 * room wherever it is now. */
const MOVED = 4003;

/** Reconnects after `delay` ms; by default the back-off (1 s, doubling up to 8 s; reset when a socket opens). */
function scheduleReconnect(generation, delay) {
  if (generation !== page.socketGeneration) return;
  if (delay === undefined) {
    delay = page.reconnectDelay;
    page.reconnectDelay = Math.min(delay * 2, 8000);
  }
  page.reconnectTimer = setTimeout(() => { if (generation === page.socketGeneration) connect(); }, delay);
}

export function send(message) {
  if (page.socket && page.socket.readyState === WebSocket.OPEN) page.socket.send(JSON.stringify(message));
}
