// The WebRTC side: answering the producer's offer, the remote tracks on the video element, ICE candidates both
// ways, recovering a connection that failed or stays disconnected (a `restart` for a new offer, with back-off), the
// peer connection's statistics and the first frame's time.
import { $, page, query, note, setStatus, setOverlay } from './page.js';
import { send } from './signaling.js';
import { talk, stopTalking, renderTalk } from './talk.js';
import { playWithSound, renderSound } from './sound.js';

export function closePeer() {
  stopTalking(true);
  talk.sender = null;
  if (page.pc) {
    page.pc.ontrack = null;
    page.pc.onicecandidate = null;
    page.pc.onconnectionstatechange = null;
    page.pc.oniceconnectionstatechange = null;
    page.pc.close();
  }
  clearTimeout(page.restartTimer);
  clearTimeout(page.stallTimer);
  page.restartTimer = null;
  page.stallTimer = null;
  page.ice = 'new';
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

export async function answerOffer(sdp) {
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
  pc.onconnectionstatechange = () => watchConnection(pc);
  pc.oniceconnectionstatechange = () => watchConnection(pc);
  setStatus('video', 'warn', page.noRoute ? `Video: trying again (restart ${page.iceRestarts})` : 'Video: connecting');
  stallAfter(pc, iceCheckingLimitMs, 'no connection within 15 s', true);
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

// MARK: recovery

/** What the overlay says when ICE found no path (docs/PAGE.md, docs/NAT.md). */
export const noRouteText = 'No route to the robot: the connection attempt (ICE) failed — no network path between '
  + 'this browser and the robot was found. The likely cause: no TURN relay is configured (robot-server\'s '
  + 'video.turn), or a firewall blocks UDP and the TURN server\'s ports (see docs/NAT.md).';
/** The link line's short form of it. */
const noRouteLink = 'No route to the robot: the connection attempt (ICE) failed';
/** A connection disconnected this long is given up (Chromium says `disconnected` some 6 s after packets stop). */
const disconnectedGraceMs = 2000;
/** A connection still not connected this long after the offer counts as failed: Chromium does not call unanswered
 * checks `failed` within a minute, and a relayed connection takes well under 5 s even on a slow link. */
const iceCheckingLimitMs = 15000;
/** A restart not answered with a new offer this long is asked again (with the back-off). */
const restartAnswerLimitMs = 10000;
/** Restarts while connections keep failing: 1 s, doubling to 30 s; reset once one connects. */
const restartBackoff = { initialMs: 1000, maxMs: 30000 };

/** Peer connections that have been connected: one that loses its path was a route; one that never had one is not. */
const connectedOnce = new WeakSet();

/** The peer connection's ICE state as stats() reports it: new, checking, connected, disconnected or failed. */
function iceStateOf(pc) {
  if (pc.connectionState === 'failed' || pc.iceConnectionState === 'failed') return 'failed';
  switch (pc.iceConnectionState) {
    case 'checking': return 'checking';
    case 'connected': case 'completed': return 'connected';
    case 'disconnected': return 'disconnected';
    case 'closed': return 'failed';
    default: return 'new';
  }
}

/** A connection or ICE state change of `pc`: the status, the overlay, and a restart when it failed or stalls. */
function watchConnection(pc) {
  if (page.pc !== pc) return;
  const ice = iceStateOf(pc);
  const changed = ice !== page.ice;
  page.ice = ice;
  if (ice === 'connected' && pc.connectionState === 'connected') {
    connectedOnce.add(pc);
    clearTimeout(page.stallTimer);
    clearTimeout(page.restartTimer); // it came back by itself: a restart still waiting is not needed
    page.restartTimer = null;
    page.noRoute = null;
    page.restartDelay = restartBackoff.initialMs;
    setStatus('video', 'good', 'Video: live');
    setOverlay('');
  } else if (ice === 'failed') {
    failed(pc, 'ICE failed', true);
  } else if (ice === 'disconnected') {
    if (!page.noRoute) {
      setStatus('video', 'bad', 'Video: disconnected');
      setOverlay('Video interrupted…');
    }
    if (changed) stallAfter(pc, disconnectedGraceMs, 'disconnected for 2 s', !connectedOnce.has(pc));
  } else if (!page.noRoute) {
    setStatus('video', 'warn', `Video: ${pc.connectionState}`);
  }
}

/** Unless `pc` is connected by then, `ms` from now it counts as failed (`noRoute`: as having found no path). */
function stallAfter(pc, ms, why, noRoute) {
  clearTimeout(page.stallTimer);
  page.stallTimer = setTimeout(() => {
    if (page.pc === pc && iceStateOf(pc) !== 'connected') failed(pc, why, noRoute);
  }, ms);
}

/** `pc` found no path (`noRoute`), or lost the one it had: say so, and ask for a new connection. The "No route"
 * sentence stays until a connection works. */
function failed(pc, why, noRoute) {
  if (page.pc !== pc) return;
  clearTimeout(page.stallTimer);
  stopTalking(true); // the microphone goes nowhere until a new connection works
  if (noRoute) page.noRoute = noRouteLink;
  if (page.noRoute) {
    setStatus('video', 'bad', 'Video: no route to the robot (ICE failed)');
    setOverlay(noRouteText);
  } else {
    setStatus('video', 'bad', `Video: lost (${why})`);
    setOverlay('Video interrupted; reconnecting…');
  }
  requestRestart(why);
}

/** Asks the producer for a new peer connection (`restart`), at most once per back-off delay. A new offer replaces
 * the connection in place (answerOffer); the producer going away or coming back offers by itself. */
function requestRestart(why) {
  if (page.restartTimer) return;
  const since = page.lastRestartAt === null ? Infinity : performance.now() - page.lastRestartAt;
  const wait = Math.max(0, page.restartDelay - since);
  page.restartTimer = setTimeout(() => {
    page.restartTimer = null;
    if (!page.producerOnline) return;
    page.lastRestartAt = performance.now();
    page.restartDelay = Math.min(page.restartDelay * 2, restartBackoff.maxMs);
    page.iceRestarts += 1;
    console.info(`restart ${page.iceRestarts}: ${why}`);
    send({ type: 'restart' });
    // The answer is a new offer; if none comes (the request lost on a dead socket), the next try backs off more.
    if (page.pc) stallAfter(page.pc, restartAnswerLimitMs, 'no new offer after a restart', page.noRoute !== null);
  }, wait);
}

export async function addRemoteCandidate(message) {
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
export async function readStats() {
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

export function watchFirstFrame() {
  const video = $('video');
  const mark = () => { if (page.firstFrameMs === null) page.firstFrameMs = performance.now(); };
  if ('requestVideoFrameCallback' in video) {
    const onFrame = () => { mark(); };
    video.addEventListener('loadedmetadata', () => video.requestVideoFrameCallback(onFrame));
  }
  video.addEventListener('playing', mark, { once: false });
}
