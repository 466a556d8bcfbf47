#!/usr/bin/env python3
"""A stand-in for the KVS WebRTC producer, for tests.

Records each start as one JSON line in $FAKE_PRODUCER_DIR/starts.jsonl (pid, process group, parent, argv and
the AWS_* environment), writes a line to stdout and one to stderr, then does what $FAKE_PRODUCER_DIR/behavior
says (read at every start; default "run"):

    run            run until SIGTERM (recorded in events.jsonl), then exit 0
    exit N         exit with status N at once
    crash          die of SIGSEGV at once
    ignore-term    run, ignoring SIGTERM (only SIGKILL ends it)
"""
import json
import os
import signal
import sys
import time

folder = os.environ["FAKE_PRODUCER_DIR"]


def append(name, entry):
    with open(os.path.join(folder, name), "a") as f:
        f.write(json.dumps(entry) + "\n")


try:
    with open(os.path.join(folder, "behavior")) as f:
        behavior = f.read().strip() or "run"
except FileNotFoundError:
    behavior = "run"

append("starts.jsonl", {
    "pid": os.getpid(), "pgid": os.getpgid(0), "ppid": os.getppid(), "argv": sys.argv[1:],
    "env": {key: value for key, value in os.environ.items() if key.startswith("AWS_")},
    "behavior": behavior, "time": time.time(),
})
print(f"fake producer {os.getpid()} started ({behavior})", flush=True)
print(f"fake producer {os.getpid()} says hello on stderr", file=sys.stderr, flush=True)

if behavior.startswith("exit"):
    sys.exit(int(behavior.split()[1]))
if behavior == "crash":
    os.kill(os.getpid(), signal.SIGSEGV)


def terminated(number, frame):
    append("events.jsonl", {"event": "terminated", "pid": os.getpid(), "time": time.time()})
    sys.exit(0)


signal.signal(signal.SIGTERM, signal.SIG_IGN if behavior == "ignore-term" else terminated)
while True:
    time.sleep(3600)
