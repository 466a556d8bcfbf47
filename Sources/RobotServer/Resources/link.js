// The link's health (docs/PAGE.md): once a second the peer connection's statistics become the #link line, its
// #link-details and the video status.
import { $, page, setStatus, round } from './page.js';
import { readStats } from './peer.js';
import { probe, probeMedianMs } from './probe.js';

/** The numbers of the link line, each second from getStats(); see docs/PAGE.md for their sources. */
export const link = {
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
  if (page.noRoute) parts.unshift(page.noRoute);
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

/** Every second: the link line, and the video status with the frame rate and size once frames decode. */
export function watchLink() {
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
}
