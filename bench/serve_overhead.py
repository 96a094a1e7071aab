#!/usr/bin/python3
"""What the service path costs: `unpackd serve` against `unpackd extract` on the same archives.

Both run on the embedded local store with the same binary, memory budget and one job at a time
(serve --workers 1), so the difference is what serve adds around the same extraction: the
inotify event, the HEAD that confirms it, the durable job record (SQLite, fsync), the JSON log
and the worker hand-off. Rounds alternate the two paths, each on a fresh store.

  extract: for each archive, `unpackd --root R extract R/bucket/<key>`; wall time of all.
  serve:   `unpackd --root R serve` already running; the archives are moved into the watched
           store one after another (as a finished batch job would), timed from the first move to
           the last manifest.

Usage: serve_overhead.py [--unpackd PATH] [--rounds N] [--quick] [--json-out FILE]
Prints a Markdown table and the ratio serve / extract (median of rounds).
"""

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_archives  # noqa: E402  (the benchmark's own archive generator)

BUCKET = "bench"


def stage_archives(quick):
    """The archives of one run, keyed as the seed's batch jobs write them."""
    out = os.path.join(HERE, "work", "archives")
    staged = []
    names = ["many-small"] + ([] if quick else ["big-member"])
    for i, name in enumerate(names):
        info = make_archives.make(name, out, quick=quick)
        staged.append((info["path"], f"user-{i}/project-{name}/result.zip"))
    return staged


def fresh_store(root, staged):
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, BUCKET))
    # Beside the store, not in it: a folder in the watched root is a bucket, and serve would
    # take the staged copies for archives of their own.
    incoming = os.path.join(os.path.dirname(root), "incoming")
    shutil.rmtree(incoming, ignore_errors=True)
    os.makedirs(incoming)
    copies = []
    for i, (path, key) in enumerate(staged):
        # Same filesystem as the store, so moving one in is one rename (one inotify event).
        copy = os.path.join(incoming, f"{i}.zip")
        shutil.copyfile(path, copy)
        copies.append((copy, key))
    # The copies above (and the previous round's output) are dirty pages; written back during
    # the timed part they would be charged to whichever path ran next.
    os.sync()
    return copies


def manifest_path(root, key):
    folder = key[: -len(".zip")]
    return os.path.join(root, BUCKET, folder, ".unpackd", "manifest.json")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_extract(unpackd, root, copies, memory_mib, job_seconds):
    """Returns (wall seconds, CPU seconds of the unpackd processes, wall seconds per archive);
    fills job_seconds with each job's own time as `extract --json` reports it (no process
    start-up or exit)."""
    for copy, key in copies:
        target = os.path.join(root, BUCKET, key)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.rename(copy, target)
    start, cpu = time.monotonic(), children_cpu()
    per_archive = {}
    for _, key in copies:
        began = time.monotonic()
        done = subprocess.run([unpackd, "--root", root, "extract", os.path.join(root, BUCKET, key),
                               "--memory", str(memory_mib), "--json"], check=True,
                              stdout=subprocess.PIPE)
        per_archive[key] = time.monotonic() - began
        job_seconds[key] = json.loads(done.stdout)["seconds"]
    return time.monotonic() - start, children_cpu() - cpu, per_archive


def run_serve(unpackd, root, copies, memory_mib, state):
    """Returns (wall seconds from the first move to the last manifest, CPU seconds of serve's
    whole life: start-up and shutdown included, which only counts against serve), seconds per
    job as serve logged them (from the job's claim to its end)."""
    shutil.rmtree(state, ignore_errors=True)
    log = open(os.path.join(os.path.dirname(state), "serve.log"), "w")
    serve = subprocess.Popen([unpackd, "--root", root, "serve", "--state-dir", state,
                              "--workers", "1", "--listen", "127.0.0.1:0"],
                             stdout=log, stderr=log,
                             env=dict(os.environ, UNPACKD_MEMORY=f"{memory_mib}MiB"))
    try:
        deadline = time.monotonic() + 30
        while "watching local store" not in open(log.name).read():
            if time.monotonic() > deadline or serve.poll() is not None:
                raise RuntimeError("serve did not start: " + open(log.name).read())
            time.sleep(0.05)
        start = time.monotonic()
        for copy, key in copies:
            target = os.path.join(root, BUCKET, key)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.rename(copy, target)
        pending = [manifest_path(root, key) for _, key in copies]
        deadline = time.monotonic() + 600
        while pending:
            pending = [p for p in pending if not os.path.exists(p)]
            if time.monotonic() > deadline:
                raise RuntimeError("serve did not finish: " + open(log.name).read()[-2000:])
            time.sleep(0.005)
        wall = time.monotonic() - start
    finally:
        serve.send_signal(signal.SIGTERM)
        _, _, usage = os.wait4(serve.pid, 0)
        serve.returncode = 0
        log.close()
    per_job = {}
    with open(log.name) as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("msg") == "job done":
                per_job[record["key"]] = record["seconds"]
    return wall, usage.ru_utime + usage.ru_stime, per_job


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unpackd", default=os.path.join(HERE, "..", "build", "unpackd"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--memory-mib", type=int, default=256, help="the same budget for both")
    ap.add_argument("--quick", action="store_true", help="small archives, for a smoke run")
    ap.add_argument("--store-parent", default=None,
                    help="where the store lives (default: the system temp folder); /dev/shm "
                         "takes the disk out and leaves what the service path itself adds")
    ap.add_argument("--json-out")
    args = ap.parse_args()

    staged = stage_archives(args.quick)
    work = tempfile.mkdtemp(prefix="unpackd-serve-bench-", dir=args.store_parent)
    root, state = os.path.join(work, "store"), os.path.join(work, "state")
    times = {"extract": [], "serve": []}
    cpu = {"extract": [], "serve": []}
    per_key = {}
    in_process = []  # per extract round: the sum of its jobs' own seconds
    try:
        for round_no in range(args.rounds):
            order = ["extract", "serve"] if round_no % 2 == 0 else ["serve", "extract"]
            for path in order:
                copies = fresh_store(root, staged)
                if path == "extract":
                    job_seconds = {}
                    seconds, cpu_s, each = run_extract(args.unpackd, root, copies,
                                                       args.memory_mib, job_seconds)
                    in_process.append(sum(job_seconds.values()))
                    for key, value in job_seconds.items():
                        per_key.setdefault(key, {"extract": [], "serve": [], "job": []})[
                            "job"].append(value)
                else:
                    seconds, cpu_s, each = run_serve(args.unpackd, root, copies,
                                                     args.memory_mib, state)
                times[path].append(seconds)
                cpu[path].append(cpu_s)
                for key, value in each.items():
                    per_key.setdefault(key, {"extract": [], "serve": [], "job": []})[path].append(value)
                print(f"round {round_no + 1}: {path} {seconds:.3f} s wall, {cpu_s:.3f} s CPU",
                      file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    extract, serve = statistics.median(times["extract"]), statistics.median(times["serve"])
    ratios = [s / e for s, e in zip(times["serve"], times["extract"])]
    print(f"archives: {', '.join(key for _, key in staged)}")
    print("| path | median wall | min-max | median CPU (user+sys) |")
    print("|---|---|---|---|")
    for path, median in (("extract", extract), ("serve", serve)):
        print(f"| {path} | {median:.3f} s | {min(times[path]):.3f}-{max(times[path]):.3f} | "
              f"{statistics.median(cpu[path]):.3f} s |")
    print()
    print("Per archive (medians): `extract`'s process, `extract`'s own job time (--json), and")
    print("the job's time in serve's log")
    print("| archive | extract process | extract job | serve job | serve job / extract job |")
    print("|---|---|---|---|---|")
    for key, runs in per_key.items():
        e, j, s = (statistics.median(runs[k]) for k in ("extract", "job", "serve"))
        print(f"| {key} | {e:.3f} s | {j:.3f} s | {s:.3f} s | {s / j:.3f} |")
    print()
    # The strictest reading: serve's whole path (event, HEAD, job record, hand-off, job,
    # manifest seen) against the jobs alone inside `extract`, without its process start-up.
    strict = [w / j for w, j in zip(times["serve"], in_process)]
    print(f"serve wall (event to last manifest) / extract jobs' own seconds: "
          f"{statistics.median(times['serve']) / statistics.median(in_process):.3f} "
          f"(per round {', '.join(f'{r:.3f}' for r in strict)})")
    cpu_ratio = statistics.median(cpu["serve"]) / statistics.median(cpu["extract"])
    print(f"serve / extract wall: {serve / extract:.3f} (median of rounds; per round "
          f"{', '.join(f'{r:.3f}' for r in ratios)})")
    print(f"serve / extract CPU: {cpu_ratio:.3f}")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"times": times, "cpu": cpu, "ratio": serve / extract, "ratios": ratios,
                       "cpu_ratio": cpu_ratio, "per_archive": per_key,
                   "extract_job_seconds": in_process}, f)


if __name__ == "__main__":
    main()
