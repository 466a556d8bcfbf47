// The glass-to-glass probe (docs/PAGE.md): with `?probe=1`, every shown frame's clock stripe is decoded and paired
// with the wall-clock time it is shown. decodeClockStripe is pure; the rest samples the video element.
import { $, query, note, round, median } from './page.js';

/**
 * The time painted into a frame's clock stripe (ms since the Unix epoch), or null when the rows hold no valid stripe.
 * `rgba`: the frame's top 16 rows, `width` pixels each, 4 bytes a pixel (ImageData.data). The stripe (docs/PAGE.md,
 * robot-webrtc `--source clock`): 64 cells across; cells 0,1 white, black; 2…49 the 48-bit time, most significant
 * bit first; 50…57 the XOR of its six bytes; 58…63 black, white, black, white, black, white. Each cell's luma is the
 * mean (r+g+b)/3 over rows 4…11 and the middle half of its width; the threshold is halfway between cells 0 and 1.
 */
export function decodeClockStripe(rgba, width) {
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
export const probe = {
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

export function probeMedianMs() {
  const since = performance.now() - 1000;
  while (probe.recent.length && probe.recent[0][0] < since) probe.recent.shift();
  return probe.recent.length ? round(median(probe.recent.map((sample) => sample[1]))) : null;
}

export function watchProbe() {
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
