// robot-server's drive page: live video and sound over WebRTC (the robot's producer offers, this page answers),
// push to talk through the robot's speaker, driving through the REST API (pointer, keys, gamepad), robot state from
// telemetry relayed on the signaling WebSocket, and the link's health. No build step. docs/PAGE.md describes it.
'use strict';

const TICK_MS = 80; // drive commands while a control is held: 12.5 per second
const GAMEPAD_TICK_MS = 50; // … and 20 per second while the gamepad's dead-man button is held
const HOLD_MS = 300; // each command holds this long; the robot stops by itself if the next one does not come
const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);

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
  peer: null, // this socket's peer id, from `welcome`
  talker: null, // the peer id of whoever talks through the robot, from `talker`
  talkerName: null,
  remoteTracks: [], // every track the producer sends (video, audio): one MediaStream on the video element
  robotHears: false, // the offer's audio m-line lets the robot receive (sendrecv/recvonly)
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
    page.talker = null;
    renderTalk();
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
      page.peer = typeof message.peer === 'string' ? message.peer : null;
      break;
    case 'talker':
      onTalker(message);
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
      talkRefused(String(message.message || ''));
      break;
    default:
      break;
  }
}

// MARK: WebRTC

function closePeer() {
  stopTalking(true);
  talk.sender = null;
  if (page.pc) {
    page.pc.ontrack = null;
    page.pc.onicecandidate = null;
    page.pc.onconnectionstatechange = null;
    page.pc.close();
  }
  page.pc = null;
  page.pendingCandidates = [];
  page.remoteTracks = [];
  page.robotHears = false;
  $('video').srcObject = null;
  renderTalk();
  renderSound();
}

/** `jitterBufferTarget=MS` in the query: the receivers' jitter buffer target (ms); absent = the browser's own. */
const jitterBufferTarget = query.has('jitterBufferTarget') ? Number(query.get('jitterBufferTarget')) : null;

/** The direction of the offer's audio m-line (`sendrecv`, `sendonly`, `recvonly`, `inactive`), or null without one. */
function audioDirection(sdp) {
  const audio = sdp.split(/\r?\n(?=m=)/).find((section) => section.startsWith('m=audio'));
  if (!audio) return null;
  const match = audio.match(/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m);
  return match ? match[1] : 'sendrecv';
}

async function answerOffer(sdp) {
  closePeer();
  const pc = new RTCPeerConnection({ iceServers: page.iceServers });
  page.pc = pc;
  page.peerConnections += 1;
  // ontrack fires once per track (video, audio): all of them play from one MediaStream on the video element.
  pc.ontrack = (event) => {
    if (page.pc !== pc) return;
    if (jitterBufferTarget !== null && Number.isFinite(jitterBufferTarget)) {
      try { event.receiver.jitterBufferTarget = jitterBufferTarget; } catch (error) { note(`jitterBufferTarget: ${error}`); }
    }
    page.remoteTracks.push(event.track);
    $('video').srcObject = new MediaStream(page.remoteTracks);
    playWithSound();
    renderSound();
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
      if (stateName === 'failed') stopTalking(true); // the microphone goes nowhere until a new offer comes
      setStatus('video', 'bad', `Video: ${stateName}`);
      setOverlay(stateName === 'failed' ? 'Video connection failed; waiting for a new offer…' : 'Video interrupted…');
    } else {
      setStatus('video', 'warn', `Video: ${stateName}`);
    }
  };
  setStatus('video', 'warn', 'Video: connecting');
  await pc.setRemoteDescription({ type: 'offer', sdp });
  if (page.pc !== pc) return; // a newer offer replaced this one meanwhile
  // The robot can hear (its audio m-line receives): answer with a sending audio transceiver, no track yet; talking
  // puts the microphone on it (replaceTrack), so pressing talk needs no renegotiation.
  const direction = audioDirection(sdp);
  const audio = pc.getTransceivers().find((transceiver) => transceiver.receiver.track?.kind === 'audio');
  page.robotHears = (direction === 'sendrecv' || direction === 'recvonly') && audio !== undefined;
  if (page.robotHears) {
    audio.direction = direction === 'sendrecv' ? 'sendrecv' : 'sendonly';
    talk.sender = audio.sender;
  }
  renderTalk();
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

/** The current peer connection's statistics this page uses: inbound video and audio, the selected candidate pair. */
async function readStats() {
  const pc = page.pc;
  const result = {
    video: { framesDecoded: 0, framesPerSecond: 0, width: 0, height: 0, bytesReceived: 0 },
    videoEntry: null, audioEntry: null, pairEntry: null,
    audio: { tracks: page.remoteTracks.filter((track) => track.kind === 'audio').length, totalSamplesReceived: 0,
      totalAudioEnergy: 0, audioLevel: 0 },
  };
  if (!pc) return result;
  const report = await pc.getStats();
  let selectedPair = null;
  report.forEach((entry) => {
    if (entry.type === 'inbound-rtp' && entry.kind === 'video') {
      result.videoEntry = entry;
      result.video = {
        framesDecoded: entry.framesDecoded || 0, framesPerSecond: entry.framesPerSecond || 0,
        width: entry.frameWidth || 0, height: entry.frameHeight || 0, bytesReceived: entry.bytesReceived || 0,
      };
    } else if (entry.type === 'inbound-rtp' && entry.kind === 'audio') {
      result.audioEntry = entry;
      result.audio.totalSamplesReceived = entry.totalSamplesReceived || 0;
      result.audio.totalAudioEnergy = entry.totalAudioEnergy || 0;
      result.audio.audioLevel = entry.audioLevel || 0;
    } else if (entry.type === 'transport' && entry.selectedCandidatePairId) {
      selectedPair = entry.selectedCandidatePairId;
    } else if (entry.type === 'candidate-pair' && entry.nominated && entry.state === 'succeeded' && !result.pairEntry) {
      result.pairEntry = entry;
    }
  });
  if (selectedPair && report.get(selectedPair)) result.pairEntry = report.get(selectedPair);
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
  if (!page.pc) {
    showLink(null);
    return;
  }
  const all = await readStats();
  const stats = all.video;
  page.lastStats = stats;
  showLink(all);
  if (page.pc && page.pc.connectionState === 'connected' && stats.framesDecoded > 0) {
    const fps = Math.round(stats.framesPerSecond);
    setStatus('video', 'good', `Video: ${fps} fps, ${stats.width}×${stats.height}`);
  }
}, 1000);

// MARK: link health

/** The numbers of the link line, each second from getStats(); see docs/PAGE.md for their sources. */
const link = {
  rttMs: null, fps: null, width: null, height: null, bitrateKbps: null, packetsLost: null, lossPercent: null,
  freezeCount: null, audioLevel: null, glassToGlassMs: null, driveRoundTripMs: null,
};
const linkBefore = { bytes: null, lost: null, received: null, at: null };

function updateLink(all) {
  const video = all?.videoEntry;
  const pair = all?.pairEntry;
  link.rttMs = typeof pair?.currentRoundTripTime === 'number' ? round(pair.currentRoundTripTime * 1000) : null;
  link.fps = video ? round(video.framesPerSecond || 0) : null;
  link.width = video ? video.frameWidth || 0 : null;
  link.height = video ? video.frameHeight || 0 : null;
  link.packetsLost = video ? video.packetsLost || 0 : null;
  link.freezeCount = video ? video.freezeCount || 0 : null;
  link.audioLevel = all?.audioEntry ? round(all.audioEntry.audioLevel || 0) : null;
  link.glassToGlassMs = probe.enabled ? probeMedianMs() : null;
  // Bitrate and loss over the last second (deltas of the cumulative counters).
  link.bitrateKbps = null;
  link.lossPercent = null;
  if (video && linkBefore.at !== null && video.timestamp > linkBefore.at) {
    const seconds = (video.timestamp - linkBefore.at) / 1000;
    link.bitrateKbps = Math.max(0, Math.round(((video.bytesReceived || 0) - linkBefore.bytes) * 8 / 1000 / seconds));
    const lost = Math.max(0, (video.packetsLost || 0) - linkBefore.lost);
    const received = Math.max(0, (video.packetsReceived || 0) - linkBefore.received);
    link.lossPercent = lost + received > 0 ? round((lost / (lost + received)) * 100) : 0;
  }
  Object.assign(linkBefore, video
    ? { bytes: video.bytesReceived || 0, lost: video.packetsLost || 0, received: video.packetsReceived || 0,
      at: video.timestamp }
    : { bytes: null, lost: null, received: null, at: null });
}

/** Three bars for a linear audio level 0…1, on a −60…0 dB scale. */
function levelBars(level) {
  const decibels = level > 0 ? 20 * Math.log10(level) : -Infinity;
  const filled = Math.max(0, Math.min(3, Math.ceil((decibels + 60) / 20)));
  return '▮'.repeat(filled) + '▯'.repeat(3 - filled);
}

function showLink(all) {
  updateLink(all);
  const parts = [];
  const known = (value) => value !== null && value !== undefined;
  if (known(link.rttMs)) parts.push(`RTT ${Math.round(link.rttMs)} ms`);
  if (known(link.fps)) parts.push(`${Math.round(link.fps)} fps ${link.width}×${link.height}`);
  if (known(link.bitrateKbps)) parts.push(`${link.bitrateKbps} kbit/s`);
  if (known(link.lossPercent)) parts.push(`loss ${link.lossPercent} %`);
  if (known(link.freezeCount)) parts.push(`freezes ${link.freezeCount}`);
  if (known(link.audioLevel)) parts.push(`audio ${levelBars(link.audioLevel)}`);
  if (known(link.glassToGlassMs)) parts.push(`g2g ${Math.round(link.glassToGlassMs)} ms`);
  if (known(link.driveRoundTripMs)) parts.push(`drive ${Math.round(link.driveRoundTripMs)} ms`);
  $('link').textContent = parts.length ? parts.join(' · ') : 'Link: no video yet';
  const value = (number, unit = '') => (known(number) ? `${number}${unit}` : '–');
  const rows = [
    ['round-trip time', value(link.rttMs, ' ms'), 'getStats candidate-pair (selected) currentRoundTripTime'],
    ['frame rate', value(link.fps, ' fps'), 'inbound-rtp video framesPerSecond'],
    ['resolution', known(link.width) ? `${link.width}×${link.height}` : '–', 'inbound-rtp video frameWidth × frameHeight'],
    ['bitrate', value(link.bitrateKbps, ' kbit/s'), 'inbound-rtp video bytesReceived, change over the last second'],
    ['packets lost', value(link.packetsLost), 'inbound-rtp video packetsLost (since the connection started)'],
    ['loss', value(link.lossPercent, ' %'), 'inbound-rtp video packetsLost / (lost + packetsReceived), last second'],
    ['freezes', value(link.freezeCount), 'inbound-rtp video freezeCount'],
    ['audio level', value(link.audioLevel), 'inbound-rtp audio audioLevel (0…1)'],
    ['glass to glass', value(link.glassToGlassMs, ' ms'),
      probe.enabled ? 'clock stripe: shown − painted, median of the last second' : 'off (open the page with ?probe=1)'],
    ['drive round trip', value(link.driveRoundTripMs, ' ms'), 'REST publish → the robot\'s telemetry with the same id'],
  ];
  $('link-list').replaceChildren(...rows.flatMap(([name, number, source]) => {
    const term = document.createElement('dt');
    term.textContent = `${name}: ${number}`;
    const detail = document.createElement('dd');
    detail.textContent = source;
    return [term, detail];
  }));
}

// MARK: glass-to-glass probe

/**
 * The time painted into a frame's clock stripe (ms since the Unix epoch), or null when the rows hold no valid stripe.
 * `rgba`: the frame's top 16 rows, `width` pixels each, 4 bytes a pixel (ImageData.data). The stripe (docs/PAGE.md,
 * robot-webrtc `--source clock`): 64 cells across; cells 0,1 white, black; 2…49 the 48-bit time, most significant
 * bit first; 50…57 the XOR of its six bytes; 58…63 black, white, black, white, black, white. Each cell's luma is the
 * mean (r+g+b)/3 over rows 4…11 and the middle half of its width; the threshold is halfway between cells 0 and 1.
 */
function decodeClockStripe(rgba, width) {
  const cells = 64;
  if (width < cells * 4 || rgba.length < width * 16 * 4) return null;
  const luma = (cell) => {
    // Cell `cell` spans columns [cell·width/64, (cell+1)·width/64), as ClockStripe.columns(ofCell:width:) in Swift.
    const start = Math.floor((cell * width) / cells);
    const end = Math.floor(((cell + 1) * width) / cells);
    const quarter = Math.floor((end - start) / 4);
    const from = start + quarter;
    const to = Math.max(from + 1, end - quarter);
    let sum = 0;
    for (let y = 4; y < 12; y += 1) {
      for (let x = from; x < to; x += 1) {
        const at = (y * width + x) * 4;
        sum += rgba[at] + rgba[at + 1] + rgba[at + 2];
      }
    }
    return sum / (3 * 8 * (to - from));
  };
  const white = luma(0);
  const black = luma(1);
  if (white - black < 32) return null; // no marker: not a stripe
  const threshold = (white + black) / 2;
  const bit = (cell) => (luma(cell) > threshold ? 1 : 0);
  for (let cell = 58; cell < 64; cell += 1) if (bit(cell) !== (cell % 2)) return null;
  let time = 0;
  let byte = 0;
  let xor = 0;
  for (let index = 0; index < 48; index += 1) {
    const value = bit(2 + index);
    time = time * 2 + value; // 48 bits: beyond 32-bit integer operators, exact in a double
    byte = (byte << 1) | value;
    if (index % 8 === 7) {
      xor ^= byte;
      byte = 0;
    }
  }
  let checksum = 0;
  for (let cell = 50; cell < 58; cell += 1) checksum = (checksum << 1) | bit(cell);
  return checksum === xor ? time : null;
}

/** `probe=1` in the query: decode every displayed frame's clock stripe (robot-webrtc `--source clock`). */
const probe = {
  enabled: query.get('probe') === '1',
  frames: 0,
  misses: 0,
  mismatched: 0, // decoded, but the canvas held a later frame than the one the callback was for
  offsets: [], // the last 15 (paintedMs − mediaTime): constant while the canvas holds the callback's frame
  samples: [], // [shownMs, paintedMs] since the last robotPage.probe() (at most 10 000)
  recent: [], // [performance.now(), latencyMs] of the last second, for the link line's median
  context: null,
  handle: null,
};

function readProbeFrame(video, metadata) {
  const width = video.videoWidth;
  if (!width || video.videoHeight < 64) return;
  if (!probe.context || probe.context.canvas.width !== width) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = 16;
    probe.context = canvas.getContext('2d', { willReadFrequently: true });
  }
  probe.context.drawImage(video, 0, 0, width, 16, 0, 0, width, 16);
  const painted = decodeClockStripe(probe.context.getImageData(0, 0, width, 16).data, width);
  if (painted === null) {
    probe.misses += 1;
    return;
  }
  // Now and then the canvas gets the next frame already (the page ran late): its painted time is one frame later
  // than the callback's media time says. Such a sample would pair the wrong frame with this display time: skipped.
  if (typeof metadata.mediaTime === 'number') {
    probe.offsets.push(painted - metadata.mediaTime * 1000);
    if (probe.offsets.length > 15) probe.offsets.shift();
    if (Math.abs(probe.offsets[probe.offsets.length - 1] - median(probe.offsets)) > 8) {
      probe.mismatched += 1;
      return;
    }
  }
  // When the frame is shown, on the wall clock: the page's time origin plus the frame's expected display time.
  const shown = performance.timeOrigin + metadata.expectedDisplayTime;
  probe.frames += 1;
  probe.samples.push([shown, painted]);
  if (probe.samples.length > 10000) probe.samples.shift();
  probe.recent.push([performance.now(), shown - painted]);
}

function median(values) {
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function probeMedianMs() {
  const since = performance.now() - 1000;
  while (probe.recent.length && probe.recent[0][0] < since) probe.recent.shift();
  return probe.recent.length ? round(median(probe.recent.map((sample) => sample[1]))) : null;
}

function watchProbe() {
  const video = $('video');
  if (!probe.enabled) return;
  if (!('requestVideoFrameCallback' in video)) {
    note('probe: this browser has no requestVideoFrameCallback');
    return;
  }
  const onFrame = (now, metadata) => {
    probe.handle = video.requestVideoFrameCallback(onFrame);
    try { readProbeFrame(video, metadata); } catch (error) { note(`probe: ${error}`); }
  };
  const schedule = () => {
    probe.offsets = []; // a new stream: a new media timeline
    if (probe.handle !== null) video.cancelVideoFrameCallback(probe.handle);
    probe.handle = video.requestVideoFrameCallback(onFrame);
  };
  video.addEventListener('loadedmetadata', schedule);
  schedule();
}

// MARK: telemetry

function showTelemetry(data) {
  if (!data || typeof data !== 'object') return;
  page.telemetry = data;
  page.telemetryAt = Date.now();
  noteAnswer(data.id);
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
  sources: { keys: null, buttons: null, joystick: null, gamepad: null },
  target: null,
  timer: null,
  tickMs: TICK_MS,
  inFlight: false,
};
/** Which source drives when several are held: the first in this order that has a target. */
const sourceOrder = ['joystick', 'buttons', 'gamepad', 'keys'];

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

/** One drive path for every control: each source sets its target (null when released); the first held one drives. */
function setSource(name, value) {
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
    sendStop();
  }
}

function round(value) { return Math.round(value * 100) / 100; }

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
function noteAnswer(id) {
  const sent = typeof id === 'string' ? commandIds.sentAt.get(id) : undefined;
  if (sent === undefined) return;
  commandIds.sentAt.delete(id);
  link.driveRoundTripMs = round(performance.now() - sent);
}

async function post(body) {
  if (!page.robot) return;
  const response = await fetch(`/robots/${encodeURIComponent(page.robot)}/publish`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...authHeaders() },
    body: JSON.stringify({ ...body, id: commandId() }),
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
  drive.sources = { keys: null, buttons: null, joystick: null, gamepad: null };
  gamepad.blocked = true; // a held dead-man must be released and pressed again
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

// Losing focus or hiding the page must not leave the robot driving, nor the microphone open.
window.addEventListener('blur', () => {
  stopTalking(true);
  if (drive.target) { keysDown.clear(); stopEverything(); }
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) return;
  stopTalking(true);
  if (drive.target) stopEverything();
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

// MARK: gamepad

// Gamepad API, standard mapping: the left stick drives through the same mix() as the joystick, only while LB or RB
// (buttons 4, 5: the dead-man) is held; polled every 50 ms while a pad is connected.
const GAMEPAD_DEADZONE = 0.15;
const gamepad = { index: null, id: null, deadman: false, blocked: false, timer: null };

/** The left stick's axes as a drive target: a radial deadzone, the rest rescaled to 0…1, forward = −axes[1]. */
function stickTarget(axes) {
  const x = Number(axes[0]) || 0;
  const y = Number(axes[1]) || 0;
  const length = Math.hypot(x, y);
  if (length < GAMEPAD_DEADZONE) return { left: 0, right: 0 };
  const scale = Math.min(1, (length - GAMEPAD_DEADZONE) / (1 - GAMEPAD_DEADZONE)) / length;
  return mix(x * scale, -y * scale);
}

function connectedPads() {
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

function useGamepad(pad) {
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

// MARK: sound

// What the viewer hears: the video element plays the robot's audio track. Preferences are kept in localStorage.
// Browsers may refuse sound until the user interacts with the page: then it plays muted, says so, and the next
// click (or the mute button) turns the sound on.
const sound = {
  muted: localStorage.getItem('robot.muted') === 'true',
  volume: Math.max(0, Math.min(1, Number(localStorage.getItem('robot.volume') ?? 1))),
  blocked: false, // the browser refused to play unmuted without a user gesture
};

function renderSound() {
  const video = $('video');
  video.volume = sound.volume;
  video.muted = sound.muted || sound.blocked;
  $('mute').textContent = video.muted ? '🔇' : '🔊';
  $('mute').setAttribute('aria-pressed', String(video.muted));
  $('mute').setAttribute('aria-label', video.muted ? 'Unmute the robot' : 'Mute the robot');
  $('volume').value = String(sound.volume);
  const hasAudio = page.remoteTracks.some((track) => track.kind === 'audio');
  $('unmute-hint').hidden = !(hasAudio && sound.blocked && !sound.muted);
}

/** Plays the stream with sound if the user wants it; when the browser refuses, plays muted and says how to unmute. */
async function playWithSound() {
  const video = $('video');
  if (!video.srcObject) return;
  renderSound();
  try {
    await video.play();
  } catch (error) {
    if (error.name !== 'NotAllowedError' || video.muted) return;
    sound.blocked = true;
    renderSound();
    video.play().catch(() => {});
  }
}

/** A user gesture: the browser now allows sound. */
function unblockSound() {
  if (!sound.blocked) return;
  sound.blocked = false;
  playWithSound();
}

$('mute').addEventListener('click', () => {
  if (sound.blocked) {
    sound.blocked = false;
    sound.muted = false;
  } else {
    sound.muted = !sound.muted;
  }
  localStorage.setItem('robot.muted', String(sound.muted));
  playWithSound();
});
$('volume').addEventListener('input', () => {
  sound.volume = Number($('volume').value);
  localStorage.setItem('robot.volume', String(sound.volume));
  renderSound();
});
for (const type of ['pointerdown', 'keydown']) {
  document.addEventListener(type, (event) => { if (event.target !== $('mute')) unblockSound(); }, { capture: true });
}

// MARK: push to talk

// One talker at a time per robot; the server says who (`talker` frames). Pressing asks for the floor; the microphone
// goes on the audio sender only once the server granted it, and comes off on release, on losing the floor, on
// blur or a hidden page, and when the peer connection closes.
const talk = {
  sender: null, // the audio transceiver's sender, when the robot can hear
  wanted: false, // this page asked for the floor and has not released it
  track: null, // the microphone track being sent
  opening: false,
  error: '',
  toggle: localStorage.getItem('robot.talkToggle') === 'true',
};

function startTalking() {
  if (!talk.sender || talk.wanted) return;
  talk.error = '';
  if (page.talker && page.talker !== page.peer) {
    renderTalk(); // someone else holds the floor: the status says who
    return;
  }
  talk.wanted = true;
  send({ type: 'talk', on: true });
  renderTalk();
}

/** Releases the floor: the microphone off the sender and stopped; `tell` sends `talk` off to the server. */
function stopTalking(tell) {
  const asked = talk.wanted;
  talk.wanted = false;
  if (talk.track) {
    const track = talk.track;
    talk.track = null;
    if (talk.sender) talk.sender.replaceTrack(null).catch(() => {});
    track.stop();
  }
  if (tell && asked) send({ type: 'talk', on: false });
  renderTalk();
}

function onTalker(message) {
  page.talker = typeof message.viewer === 'string' ? message.viewer : null;
  page.talkerName = typeof message.name === 'string' ? message.name : null;
  if (talk.wanted) {
    if (page.talker === page.peer) openMicrophone();
    else if (page.talker !== null || talk.track) stopTalking(false); // someone else has the floor, or we lost it
  }
  renderTalk();
}

/** An `error` frame about talking while this page waits for the floor: refused (role, or someone else talks). */
function talkRefused(message) {
  if (!talk.wanted || talk.track || !/talk/i.test(message)) return;
  talk.error = message;
  stopTalking(false);
}

async function openMicrophone() {
  if (talk.track || talk.opening) return;
  talk.opening = true;
  const sender = talk.sender;
  try {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error('this browser gives microphones only to HTTPS pages (or localhost)');
    }
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    const track = stream.getAudioTracks()[0];
    if (!track || !talk.wanted || page.talker !== page.peer || talk.sender !== sender) {
      for (const each of stream.getTracks()) each.stop();
      return;
    }
    talk.track = track;
    await sender.replaceTrack(track);
  } catch (error) {
    talk.error = `No microphone: ${error.message || error}`;
    stopTalking(true);
  } finally {
    talk.opening = false;
    renderTalk();
  }
}

function renderTalk() {
  $('talk-controls').hidden = !page.robotHears;
  const button = $('talk');
  const live = Boolean(talk.track) && page.talker === page.peer;
  button.classList.toggle('pressed', talk.wanted && !live);
  button.classList.toggle('live', live);
  button.setAttribute('aria-pressed', String(talk.wanted));
  button.textContent = talk.toggle ? (talk.wanted ? '🎤 Click to stop' : '🎤 Click to talk') : '🎤 Hold to talk';
  $('talk-toggle').checked = talk.toggle;
  let status = '';
  if (talk.error) status = talk.error;
  else if (live) status = 'You are talking';
  else if (page.talker && page.talker !== page.peer) status = `${page.talkerName || 'Someone'} is talking`;
  else if (talk.wanted) status = 'Asking to talk…';
  $('talk-status').textContent = status;
}

{
  const button = $('talk');
  button.addEventListener('pointerdown', (event) => {
    if (talk.toggle) return;
    event.preventDefault();
    button.setPointerCapture(event.pointerId);
    startTalking();
  });
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
    button.addEventListener(type, () => { if (!talk.toggle) stopTalking(true); });
  }
  button.addEventListener('click', () => {
    if (!talk.toggle) return;
    if (talk.wanted) stopTalking(true); else startTalking();
  });
  button.addEventListener('contextmenu', (event) => event.preventDefault());
  $('talk-toggle').addEventListener('change', () => {
    talk.toggle = $('talk-toggle').checked;
    localStorage.setItem('robot.talkToggle', String(talk.toggle));
    stopTalking(true);
  });
}

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
watchProbe();
renderSound();
renderTalk();
useGamepad(connectedPads()[0]);

// For tests and debugging: window.robotPage.stats() and probe() in the console.
window.robotPage = {
  async stats() {
    const all = await readStats();
    return {
      ...all.video,
      audio: all.audio,
      talker: page.talker,
      peer: page.peer,
      talking: Boolean(talk.track) && page.talker === page.peer,
      gamepad: { connected: gamepad.index !== null, id: gamepad.id, deadman: gamepad.deadman },
      link: { ...link },
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
  /** The probe's decoded frames; `samples` ([shownMs, paintedMs]) are those since the previous call. */
  probe() {
    return {
      enabled: probe.enabled, frames: probe.frames, misses: probe.misses, mismatched: probe.mismatched,
      samples: probe.samples.splice(0),
    };
  },
};

start();
