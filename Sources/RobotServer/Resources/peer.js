// The WebRTC side: answering the producer's offer, the remote tracks on the video element, ICE candidates both
// ways, the peer connection's statistics and the first frame's time.
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
