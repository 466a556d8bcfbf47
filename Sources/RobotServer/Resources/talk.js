// Push to talk. One talker at a time per robot; the server says who (`talker` frames). Pressing asks for the floor;
// the microphone goes on the audio sender only once the server granted it, and comes off on release, on losing the
// floor, on blur or a hidden page, and when the peer connection closes.
import { $, page } from './page.js';
import { send } from './signaling.js';

export const talk = {
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
export function stopTalking(tell) {
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

export function onTalker(message) {
  page.talker = typeof message.viewer === 'string' ? message.viewer : null;
  page.talkerName = typeof message.name === 'string' ? message.name : null;
  if (talk.wanted) {
    if (page.talker === page.peer) openMicrophone();
    else if (page.talker !== null || talk.track) stopTalking(false); // someone else has the floor, or we lost it
  }
  renderTalk();
}

/** An `error` frame about talking while this page waits for the floor: refused (role, or someone else talks). */
export function talkRefused(message) {
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

export function renderTalk() {
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
