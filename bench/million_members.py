#!/usr/bin/python3
"""One archive of a million tiny members: unpackd against bsdtar and unzip, side by side.

Issue 14 asks that memory stay inside `--memory` at any member count and that a million tiny
members extract in at most 1.2x bsdtar's wall time, with a no-op rerun under a second. This
measures exactly that, on the local store, in one run:

  unpackd   `unpackd --root R --memory 256 extract R/bench/<archive>.zip --no-progress` into a
            fresh store each round (the archive is hard-linked in; the old output removed first)
  rerun     the same command again right after: the manifest is there, so nothing is written
  bsdtar    `bsdtar -x -f <archive> -C <fresh dir>`
  unzip     `unzip -q <archive> -d <fresh dir>`

All outputs go under bench/work/million/ (one filesystem). Contenders rotate their order each
round so no one always runs first. With --baseline-unpackd, an older binary runs too (its
extract and its rerun), in the same round beside the current one.

Measured per run:
  wall      time.monotonic() from spawn to reap.
  peak RSS  ru_maxrss of the reaped child (os.wait4). Linux folds the RSS this runner had when
            it forked into that figure, so the runner keeps itself small (the archive is built
            by a child process) and prints its own RSS as the floor every figure includes.
  CPU       user + system seconds of the child.
Each output is checked: the number of files extracted (unpackd: objects, sidecars aside) must be
the archive's member count.

Usage: million_members.py [--members N] [--rounds N] [--memory-mib M] [--unpackd PATH]
                          [--baseline-unpackd PATH] [--json-out FILE]
The archive is cached in bench/work/archives/ (building the 1,000,000-member one takes about a
minute and ~100 MiB).
"""

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
BUCKET = "bench"
FOLDERS = 1000


def archive_path(members):
    return os.path.join(HERE, "work", "archives", f"million-{members}.zip")


def build_archive(members, path):
    """Stored members of 1-64 bytes in up to 1,000 folders of a two-level tree, as a build
    system's output might look. Deterministic for a given member count."""
    rng = random.Random(f"unpackd-bench:million:{members}")
    folders = max(1, min(FOLDERS, members // 10))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".part"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for i in range(members):
            folder = i % folders
            name = f"project/module-{folder // 32:02d}/pkg-{folder:04d}/file-{i:07d}.txt"
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            zf.writestr(info, rng.randbytes(rng.randint(1, 64)))
    os.replace(tmp, path)


def ensure_archive(members):
    """Builds the archive in a child process: zipfile keeps a ZipInfo per member, which would
    stay in this runner's memory and so in every child's ru_maxrss (see Measured)."""
    path = archive_path(members)
    if not os.path.exists(path):
        print(f"building {path} ...", file=sys.stderr)
        subprocess.run([sys.executable, os.path.abspath(__file__), "--build-only",
                        "--members", str(members)], check=True)
    return path


def run(cmd):
    """(wall s, peak RSS bytes, CPU s) of one child; raises if it fails."""
    start = time.monotonic()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stderr.close()
    if child.returncode != 0:
        raise RuntimeError(f"{cmd} exited {child.returncode}: {stderr.decode()[-2000:]}")
    return wall, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def count_files(folder, skip=()):
    total = 0
    stack = [folder]
    while stack:
        with os.scandir(stack.pop()) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    if e.name not in skip:
                        stack.append(e.path)
                else:
                    total += 1
    return total


def self_rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--memory-mib", type=int, default=256)
    ap.add_argument("--unpackd", default=os.path.join(HERE, "..", "build", "unpackd"))
    ap.add_argument("--baseline-unpackd", help="an older binary, run beside as unpackd@before")
    ap.add_argument("--no-others", action="store_true", help="unpackd only (no bsdtar, unzip)")
    ap.add_argument("--json-out")
    ap.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.build_only:
        build_archive(args.members, archive_path(args.members))
        return

    archive = ensure_archive(args.members)
    work = os.path.join(HERE, "work", "million")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    unpackds = {"unpackd": os.path.abspath(args.unpackd)}
    if args.baseline_unpackd:
        unpackds["unpackd@before"] = os.path.abspath(args.baseline_unpackd)
    contenders = list(unpackds) + ([] if args.no_others else ["bsdtar", "unzip"])
    results = {}  # label -> list of (wall, rss, cpu)

    def record(label, measured):
        results.setdefault(label, []).append(measured)
        wall, rss, cpu = measured
        print(f"  {label}: {wall:.2f} s wall, {rss / 2**20:.1f} MiB peak RSS, {cpu:.2f} s CPU",
              file=sys.stderr)

    for round_no in range(args.rounds):
        shift = round_no % len(contenders)
        order = contenders[shift:] + contenders[:shift]
        print(f"round {round_no + 1}: {', '.join(order)}", file=sys.stderr)
        for name in order:
            out = os.path.join(work, name)
            shutil.rmtree(out, ignore_errors=True)  # untimed: the previous round's output
            os.makedirs(out)
            if name in unpackds:
                # A fresh store: the archive hard-linked in, so it is read where it lies.
                os.makedirs(os.path.join(out, BUCKET))
                key_path = os.path.join(out, BUCKET, os.path.basename(archive))
                os.link(archive, key_path)
                cmd = [unpackds[name], "--root", out, "--memory", str(args.memory_mib),
                       "extract", key_path, "--no-progress"]
                record(name, run(cmd))
                record(name + " rerun", run(cmd))
                dest = key_path[: -len(".zip")]
                got = count_files(dest, skip={".unpackd"})
            elif name == "bsdtar":
                record(name, run(["bsdtar", "-x", "-f", archive, "-C", out]))
                got = count_files(out)
            else:
                record(name, run(["unzip", "-q", archive, "-d", out]))
                got = count_files(out)
            if got != args.members:
                raise RuntimeError(f"{name} extracted {got} files, not {args.members}")
            if round_no + 1 < args.rounds:
                shutil.rmtree(out, ignore_errors=True)
    # Removing millions of files takes minutes on a busy machine; it is nobody's time, so it
    # runs after the table (the next run starts by removing whatever is left).
    subprocess.Popen(["rm", "-rf", work], start_new_session=True)

    floor = self_rss()
    medians = {label: tuple(statistics.median(m[k] for m in runs) for k in range(3))
               for label, runs in results.items()}
    bsdtar = medians.get("bsdtar")
    print(f"archive: {os.path.basename(archive)}, {args.members:,} stored members of 1-64 "
          f"bytes, {os.path.getsize(archive) / 2**20:.1f} MiB; --memory {args.memory_mib}; "
          f"{args.rounds} round(s), medians")
    print("| contender | wall | min-max | peak RSS | CPU s | wall / bsdtar |")
    print("|---|---|---|---|---|---|")
    for label, (wall, rss, cpu) in medians.items():
        walls = [m[0] for m in results[label]]
        ratio = f"{wall / bsdtar[0]:.2f}x" if bsdtar and "rerun" not in label else ""
        print(f"| {label} | {wall:.2f} s | {min(walls):.2f}-{max(walls):.2f} | "
              f"{max(m[1] for m in results[label]) / 2**20:.1f} MiB | {cpu:.2f} | {ratio} |")
    print(f"(peak RSS is the largest of the rounds and includes this runner's "
          f"{floor / 2**20:.1f} MiB at fork)")
    if "unpackd@before" in medians:
        after, before = medians["unpackd"], medians["unpackd@before"]
        print(f"unpackd after/before: wall {after[0] / before[0]:.2f}x, "
              f"peak RSS {after[1] / before[1]:.2f}x")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"members": args.members, "memory_mib": args.memory_mib,
                       "runs": results, "runner_rss": floor}, f)


if __name__ == "__main__":
    main()
