// The robot's state from telemetry (robotd's frames, relayed on the signaling socket) in the status line.
import { page, setStatus } from './page.js';
import { noteAnswer } from './drive.js';

export function showTelemetry(data) {
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

/** robotd sends a heartbeat every few seconds; a long silence is worth saying. */
export function watchTelemetry() {
  setInterval(() => {
    if (page.telemetryAt && Date.now() - page.telemetryAt > 30000 && page.telemetry?.event !== 'offline') {
      setStatus('robot', 'warn', 'Robot: no telemetry for 30 s');
    }
  }, 5000);
}
