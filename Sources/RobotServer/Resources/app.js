// robot-server's drive page: live video and sound over WebRTC (the robot's producer offers, this page answers),
// push to talk through the robot's speaker, driving through the REST API (pointer, keys, gamepad), the emergency
// stop, who drives (the control lease), robot state and battery from telemetry relayed on the signaling WebSocket,
// and the link's health. Native ES modules, no build step; this one
// wires them together: docs/PAGE.md describes the page and lists the modules.
import { $, page, setStatus, setOverlay, showMessage, openSettings, note, authHeaders, explain } from './page.js';
import { signalHandlers, connect, send } from './signaling.js';
import { closePeer, answerOffer, addRemoteCandidate, readStats, watchFirstFrame } from './peer.js';
import { link, watchLink } from './link.js';
import { probe, watchProbe } from './probe.js';
import { stopEverything, letGo, restoreSpeed, drive } from './drive.js';
import { gamepad, useGamepad, connectedPads } from './gamepad.js';
import { renderSound } from './sound.js';
import { talk, onTalker, talkRefused, stopTalking, renderTalk } from './talk.js';
import { showTelemetry, watchTelemetry } from './telemetry.js';
import { control, onControl, controlButtons } from './control.js';
import { estop, showEstop } from './estop.js';
import { battery, forgetBattery } from './battery.js';

// MARK: signaling frames

async function onSignal(message) {
  switch (message.type) {
    case 'welcome':
      page.iceServers = Array.isArray(message.iceServers) ? message.iceServers : [];
      page.peer = typeof message.peer === 'string' ? message.peer : null;
      break;
    case 'talker':
      onTalker(message);
      break;
    case 'control':
      onControl(message);
      break;
    case 'producer':
      page.producerOnline = message.online === true;
      if (!page.producerOnline) {
        closePeer();
        page.noRoute = null;
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

signalHandlers.frame = onSignal;
signalHandlers.reset = closePeer;
signalHandlers.closed = () => {
  closePeer();
  page.noRoute = null;
  page.producerOnline = false;
  page.talker = null;
  renderTalk();
};

// Losing focus or hiding the page must not leave the robot driving, nor the microphone open.
window.addEventListener('blur', () => {
  stopTalking(true);
  if (drive.target) letGo();
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) return;
  stopTalking(true);
  // As on blur: the held keys are forgotten too, or a key held while the tab was hidden would drive again later.
  if (drive.target) letGo();
});

// MARK: REST

async function loadRobots() {
  const response = await fetch('/robots', { headers: authHeaders(), cache: 'no-store' });
  if (!response.ok) throw new Error(await explain(response));
  return response.json();
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
  showEstop(null);
  onControl(null);
  forgetBattery();
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

restoreSpeed();
watchFirstFrame();
watchLink();
watchTelemetry();
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
      ice: page.ice,
      iceRestarts: page.iceRestarts,
      noRoute: page.noRoute !== null,
      overlay: $('overlay').textContent,
      signaling: page.socket ? page.socket.readyState === WebSocket.OPEN : false,
      producerOnline: page.producerOnline,
      robot: page.robot,
      telemetry: page.telemetry,
      errors: page.errors.slice(),
      estop: {
        engaged: estop.engaged, banner: !$('estop-banner').hidden,
        confirming: !$('estop-release-confirm').hidden,
        controlsDisabled: Array.from(document.querySelectorAll('.drive')).every((button) => button.disabled),
      },
      control: {
        known: control.known, holder: control.holder, request: control.request, you: control.you,
        refusal: control.refusal, text: $('control-text').textContent, buttons: controlButtons(),
      },
      battery: { ...battery, shown: !$('battery').hidden, warning: !$('battery-low').hidden },
      drive: { driving: drive.target !== null, moved: drive.moved, motions: drive.motions },
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

// For the console and for tests that play a misbehaving page (AudioBrowserTests: a page that ignores the server's
// refusal to talk): the talk state and the raw signaling send, without making them globals.
window.robotPage.internals = { talk, send };

start();
