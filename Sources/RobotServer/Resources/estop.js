// The emergency stop (docs/PAGE.md, docs/SAFETY.md). The #estop button (always on screen) and Escape publish
// {"action":"estop"} at once and end the page's drive loop. robotd latches it and says so in every telemetry message
// (`estop`): the page then shows #estop-banner, holds back every motion and shows the drive controls disabled. The
// release is deliberate: #estop-release reveals #estop-release-confirm for 5 s, which publishes {"action":"release"}.
import { $ } from './page.js';
import { halt, publishAction, motionHolds } from './drive.js';

const CONFIRM_MS = 5000;

export const estop = {
  engaged: null, // the latch as robotd's telemetry last said (null: unknown, e.g. an older robotd)
  confirmTimer: null,
};
motionHolds.push(() => estop.engaged === true);

/** The big button, Escape: the robot stops and latches; nothing this page holds drives on. */
export function engageEstop() {
  halt();
  publishAction('estop');
}

/** The latch as telemetry reports it (`estop`: true or false), or null to forget it (another robot chosen). */
export function showEstop(engaged) {
  const latched = typeof engaged === 'boolean' ? engaged : null;
  // Whichever way it changes, whatever was held when it changed must be pressed again to drive.
  if (latched !== estop.engaged && estop.engaged !== null) halt();
  estop.engaged = latched;
  if (latched !== true) hideConfirm();
  $('estop-banner').hidden = latched !== true;
  document.body.classList.toggle('estopped', latched === true);
  for (const button of document.querySelectorAll('.drive')) button.disabled = latched === true;
  $('joystick').setAttribute('aria-disabled', String(latched === true));
}

function hideConfirm() {
  clearTimeout(estop.confirmTimer);
  estop.confirmTimer = null;
  $('estop-release-confirm').hidden = true;
}

{
  const button = $('estop');
  // On pointer down, not on click: an emergency stop should not wait for the finger to lift.
  button.addEventListener('pointerdown', (event) => {
    event.preventDefault();
    engageEstop();
  });
  button.addEventListener('click', (event) => { if (event.detail === 0) engageEstop(); }); // Enter or Space
  // Escape anywhere, even in a text field.
  document.addEventListener('keydown', (event) => {
    if (event.code !== 'Escape' && event.key !== 'Escape') return;
    event.preventDefault();
    if (!event.repeat) engageEstop();
  }, { capture: true });

  $('estop-release').addEventListener('click', () => {
    hideConfirm();
    $('estop-release-confirm').hidden = false;
    estop.confirmTimer = setTimeout(hideConfirm, CONFIRM_MS);
  });
  $('estop-release-confirm').addEventListener('click', () => {
    hideConfirm();
    publishAction('release');
  });
}
