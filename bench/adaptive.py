#!/usr/bin/python3
"""Adaptive concurrency (issue 12): the many-small archive (3,000 members of 0.2-3 KiB)
extracted S3 -> S3 (s3rver on loopback) with `--adaptive on` and `--adaptive off`, side by side
in alternating rounds, through three proxies (tests/tools/fault_proxy.py):

  latency   20 ms added to every request (a Lambda-like round trip), no faults: adaptive must
            cost nothing where the server keeps up;
  throttle  20 ms, and 503 SlowDown for every request arriving while --max-in-flight (16) others
            are being served, as S3 does above a prefix's request rate: adaptive should cut the
            requests in flight, be throttled far less, and finish sooner or as soon;
  queue     20 ms, and at most --max-in-flight (16) requests served at once, the others queued
            (a saturated server that refuses nothing): only the answers' first-byte waits grow,
            adaptive should cut for latency and finish as soon.

Every run must exit 0 with every member's object present with its size (checked by listing).
Prints one Markdown table: median wall seconds, throttled answers, retries and the limit's
course (start -> min -> final, latency cuts) per proxy and mode, and the on/off ratio of wall seconds.

Usage: adaptive.py [--unpackd PATH] [--rounds N] [--max-in-flight N] [--proxies latency,throttle,queue]
                   [--quick]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_archives  # noqa: E402
import run  # noqa: E402  (its s3rver service, boto3 client and output check)

MODES = ["on", "off"]


def start_bounding_proxy(name, bound_flag, upstream_port, bound, work):
    """A 20 ms proxy with `bound_flag` (--max-in-flight or --serve-at-once) set to `bound`."""
    proxy = subprocess.Popen(
        [sys.executable, os.path.join(run.REPO, "tests", "tools", "fault_proxy.py"),
         "--listen-port", "0", "--upstream", f"127.0.0.1:{upstream_port}", "--delay-ms", "20",
         bound_flag, str(bound), "--max-seconds", "3600",
         "--stats-file", os.path.join(work, f"{name}-proxy-stats.json")],
        stdout=subprocess.PIPE, stderr=open(os.path.join(work, f"{name}-proxy.log"), "wb"),
        text=True, start_new_session=True)
    return proxy, int(proxy.stdout.readline())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unpackd", default=os.path.join(HERE, "..", "build", "unpackd"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-in-flight", type=int, default=16)
    ap.add_argument("--quick", action="store_true", help="300 members, for a smoke run")
    ap.add_argument("--proxies", default="latency,throttle,queue",
                    help="which of latency,throttle,queue to run (default all)")
    args = ap.parse_args()

    meta = make_archives.make("many-small", os.path.join(HERE, "work", "archives"),
                              quick=args.quick)
    work = tempfile.mkdtemp(prefix="unpackd-adaptive-bench-")
    service_args = argparse.Namespace(s3rver=None, s3rver_dir=run.s3rver_dir_in_ram(1 << 30),
                                      delay_ms=20, max_minutes=60)
    services = run.Services(service_args, work)
    throttler, throttle_port = start_bounding_proxy("throttle", "--max-in-flight",
                                                    services.server().port, args.max_in_flight,
                                                    work)
    queuer, queue_port = start_bounding_proxy("queue", "--serve-at-once", services.server().port,
                                              args.max_in_flight, work)
    s3 = run.s3_client(services.endpoint("direct"))
    s3.upload_file(meta["path"], run.BUCKET, "in/many.zip")
    proxies = {"latency": services.endpoint("proxy"),
               "throttle": f"http://127.0.0.1:{throttle_port}",
               "queue": f"http://127.0.0.1:{queue_port}"}
    proxies = {name: proxies[name] for name in args.proxies.split(",")}

    results = {(p, m): [] for p in proxies for m in MODES}
    try:
        # One unrecorded run first: s3rver's first writes into a fresh bucket are slower, and
        # the first contender measured would carry that.
        subprocess.run([args.unpackd, "extract", f"s3://{run.BUCKET}/in/many.zip", "--to",
                        f"s3://{run.BUCKET}/warm-up/{{path}}", "--endpoint",
                        services.endpoint("direct"), "--path-style", "on", "--no-progress"],
                       env=dict(os.environ, **run.CREDS), stdout=subprocess.DEVNULL, check=True)
        run.delete_prefix(s3, run.list_prefix(s3, "warm-up/"))
        for round_no in range(args.rounds):
            for proxy, endpoint in proxies.items():
                order = MODES if round_no % 2 == 0 else list(reversed(MODES))
                for mode in order:
                    dest = f"out/{round_no}/{proxy}/{mode}/"
                    done = subprocess.run(
                        [args.unpackd, "extract", f"s3://{run.BUCKET}/in/many.zip", "--to",
                         f"s3://{run.BUCKET}/{dest}{{path}}", "--endpoint", endpoint,
                         "--path-style", "on", "--no-progress", "--json", "--adaptive", mode],
                        env=dict(os.environ, **run.CREDS), stdout=subprocess.PIPE)
                    if done.returncode != 0:
                        sys.exit(f"{proxy}/{mode}: exit {done.returncode}")
                    report = json.loads(done.stdout)
                    ok, got, what = run.check_s3_output(s3, dest, meta)
                    if not ok:
                        sys.exit(f"{proxy}/{mode}: wrong output: {what}")
                    results[(proxy, mode)].append(report)
                    run.delete_prefix(s3, run.list_prefix(s3, dest))
                    print(f"round {round_no + 1}: {proxy} adaptive={mode}: "
                          f"{report['seconds']:.2f} s, {report['throttled']} throttled, "
                          f"{report['retries']} retries, limit {report['concurrency_start']} -> "
                          f"{report['concurrency_min']} -> {report['concurrency_final']}, "
                          f"{report['concurrency_latency_cuts']} latency cuts",
                          file=sys.stderr)
    finally:
        for proxy in (throttler, queuer):
            proxy.terminate()
            proxy.wait(10)
        services.stop()

    print(f"archive: many-small, {meta['members']} members, {args.rounds} rounds, medians; "
          f"throttle proxy: 503 SlowDown above {args.max_in_flight} requests in flight; "
          f"queue proxy: {args.max_in_flight} served at once, the rest queued")
    print("| proxy | adaptive | wall s | vs off | throttled | retries | limit start -> min "
          "-> final | latency cuts |")
    print("|---|---|---|---|---|---|---|---|")
    for proxy in proxies:
        off = statistics.median(r["seconds"] for r in results[(proxy, "off")])
        for mode in MODES:
            rs = results[(proxy, mode)]
            wall = statistics.median(r["seconds"] for r in rs)
            med = lambda key: statistics.median(r[key] for r in rs)  # noqa: E731
            course = (f"{med('concurrency_start'):g} -> {med('concurrency_min'):g} -> "
                      f"{med('concurrency_final'):g}" if mode == "on" else "-")
            cuts = f"{med('concurrency_latency_cuts'):g}" if mode == "on" else "-"
            print(f"| {proxy} | {mode} | {wall:.2f} | {wall / off:.2f}x | "
                  f"{med('throttled'):g} | {med('retries'):g} | {course} | {cuts} |")


if __name__ == "__main__":
    main()
