#!/usr/bin/env python3
"""Stream a stereo recording to a running `coach serve`, as a Twilio, AudioHook, mod_audio_fork or /stream client.

The integration check to run before going live: it speaks the same protocol as
the platform, paced in real time (or faster), and prints what the server
answered and how it closed. With --report-dir it also prints the nudges of
the saved report.

    python scripts/simulate_call.py call.wav --protocol twilio --url ws://127.0.0.1:8765
    python scripts/simulate_call.py call.wav --protocol stream --speed max --token SECRET
    python scripts/simulate_call.py call.wav --protocol audiohook --calls 20   # 20 at once

Exit status 0 when every call closed normally (1000), 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.testing.clients import PROTOCOLS, load_stereo, stream_call

NORMAL_CLOSE = 1000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("recording", help="stereo audio file (any format PyAV reads)")
    p.add_argument("--protocol", choices=PROTOCOLS, default="stream")
    p.add_argument("--url", default="ws://127.0.0.1:8765", help="server base URL (ws:// or wss://)")
    p.add_argument("--speed", default="1", help="1 = real time, N = N x, max = as fast as possible")
    p.add_argument("--token", default="",
                   help="stream token, Twilio auth token, AudioHook API key or audio_fork password")
    p.add_argument("--agent-channel", choices=("left", "right"), default="left")
    p.add_argument("--agent-id", default="agent-1")
    p.add_argument("--call-id", help="default: the file name (with -N suffixes for --calls)")
    p.add_argument("--calls", type=int, default=1, help="concurrent copies of the call")
    p.add_argument("--frame-ms", type=int, default=20, help="audio per message (Twilio sends 20 ms)")
    p.add_argument("--skip-silent-track", choices=("inbound", "outbound"),
                   help="Twilio: leave out this track's silent frames, as some setups do")
    p.add_argument("--report-dir", help="the server's reports_dir, to print each saved report's nudges")
    return p.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    base = load_stereo(args.recording, args.agent_channel)
    speed = None if args.speed == "max" else float(args.speed)
    call_id = args.call_id or base.call_id
    calls = [dataclasses.replace(base, call_id=call_id if args.calls == 1 else f"{call_id}-{i}",
                                 agent_id=args.agent_id) for i in range(args.calls)]
    t0 = time.monotonic()
    results = await asyncio.gather(*(
        stream_call(args.url, args.protocol, c, speed=speed, frame_ms=args.frame_ms, token=args.token,
                    twilio_skip_silent_track=args.skip_silent_track)
        for c in calls), return_exceptions=True)
    wall = time.monotonic() - t0
    ok = 0
    for call, result in zip(calls, results):
        if isinstance(result, BaseException):
            print(f"{call.call_id}: failed: {type(result).__name__}: {result}")
            continue
        ok += result.close_code == NORMAL_CLOSE
        print(f"{call.call_id}: close {result.close_code} {result.close_reason!r}, {result.frames_sent} frames sent,"
              f" {len(result.replies)} replies")
        if args.report_dir:
            report = Path(args.report_dir) / f"{call.call_id}.coach.json"
            if report.exists():
                nudges = json.loads(report.read_text())["nudges"]
                print("  nudges: " + (", ".join(f"{n['kind']}@{n['t']:.2f}s" for n in nudges) or "none"))
    duration = len(base.agent) / base.rate
    print(f"calls_ok {ok}/{len(calls)}")
    print(f"audio_s_per_call {duration:.2f}")
    print(f"wall_s {wall:.2f}")
    print(f"speed_x_realtime {duration * len(calls) / wall:.2f}")
    return 0 if ok == len(calls) else 1


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
