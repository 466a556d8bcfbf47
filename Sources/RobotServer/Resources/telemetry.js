// The robot's state from telemetry (robotd's frames, relayed on the signaling socket): the status line, the
// emergency stop's latch (every message carries `estop`) and the battery.
import { page, setStatus } from './page.js';
import { noteAnswer } from './drive.js';
import { showEstop } from './estop.js';
import { showBattery } from './battery.js';

export function showTelemetry(data) {
  if (!data || typeof data !== 'object') return;
  page.telemetry = data;
  page.telemetryAt = Date.now();
  noteAnswer(data.id);
  if (typeof data.estop === 'boolean') showEstop(data.estop); // absent: an older robotd, or the broker's will
  showBattery(data);
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
    case 'estop':
      setStatus('robot', data.reason === 'engaged' ? 'bad' : 'good',
        data.reason === 'engaged' ? 'Robot: emergency stop engaged' : 'Robot: emergency stop released');
      break;
    case 'video':
    case 'battery':
      break; // the video status line and #battery say it
    default: {
      const moving = Number(data.left) !== 0 || Number(data.right) !== 0;
      setStatus('robot', 'good', moving ? `Robot: moving L ${left} R ${right}` : `Robot: stopped${reason}`);
    }
  }
}

/** robotd sends a heartbeat every few seconds; a long silence is worth saying. */
export function watchTelemetry() {
  setInterval(() => {
    if (page.telemetryAt && Date.now() - page.telemetryAt > 30000 && page.telemetry?.event !== 'offline') {
      setStatus('robot', 'warn', 'Robot: no telemetry for 30 s');
    }
  }, 5000);
}
