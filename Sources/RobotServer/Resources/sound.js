// What the viewer hears: the video element plays the robot's audio track. Preferences are kept in localStorage.
// Browsers may refuse sound until the user interacts with the page: then it plays muted, says so, and the next
// click (or the mute button) turns the sound on.
import { $, page } from './page.js';

export const sound = {
  muted: localStorage.getItem('robot.muted') === 'true',
  volume: Math.max(0, Math.min(1, Number(localStorage.getItem('robot.volume') ?? 1))),
  blocked: false, // the browser refused to play unmuted without a user gesture
};

export function renderSound() {
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
export async function playWithSound() {
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
