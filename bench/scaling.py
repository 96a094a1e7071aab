#!/usr/bin/python3
"""Scaling (issue 16): one 1,000-member ZIP of about 2 GiB extracted S3 -> S3 (s3rver on
loopback) through the 20 ms latency proxy by 1 worker and by N workers (default 3), side by
side in alternating rounds, on this machine:

  1 worker   one `unpackd extract s3://bench/in/scaling.zip --to s3://bench/out/.../{path}`
             (the whole archive, no --shard)
  N workers  N `unpackd extract ... --shard I/N` processes started at once (I = 0..N-1), the
             stand-in for N fleet workers each taking one shard job off the queue; wall time is
             from the first spawn until the last one is reaped

Every process gets the same `--memory` (default 512 MiB: what one worker has) and unpackd's
default `--jobs`. Each worker has its own latency proxy (tests/tools/fault_proxy.py,
--delay-ms 20), as each real worker has its own path to S3: one shared asyncio proxy would be a
single-core funnel no real deployment has. The 1-worker run uses the first one.

After every run the output is checked: exit 0 everywhere; `--json` says "extracted" for the
whole run, and for the N shards "shard-done" or "extracted", their member ranges tile the archive
and their members_written add up to it, and at least one committed the manifest (exactly one on a
server that honours If-None-Match; s3rver does not, so the count is reported); exactly one
manifest under the prefix; every member's object there with its size; 5 members read back byte
for byte. Then the prefix is deleted.

"Where the time goes": CPU seconds (user + sys) of the unpackd processes (wait4 rusage), of
s3rver and of the proxies (/proc/<pid>/stat before and after), against wall x CPUs, and the
machine's own busy time over the run (/proc/stat: what everything on it used, other sessions
included), and of this runner; peak RSS per worker (the kernel's VmHWM, read every 100 ms).

Usage: scaling.py [--unpackd PATH] [--rounds N] [--workers N] [--size-mib M] [--members N]
                  [--memory MIB] [--delay-ms MS] [--client default|s3] [--json-out FILE]
The archive is cached in bench/work/archives/ (building the 2 GiB one takes a minute or two).
"""

import argparse
import hashlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_archives  # noqa: E402  (its text blocks, dates)
import run  # noqa: E402  (s3rver, the proxy, the boto3 client)

# What the unpackd processes send with every body (docs/s3-store.md). "default": what they do
# against this server over plain http (SHA-256 payload signing; Content-MD5, since s3rver echoes
# no CRC-32). "s3": what they send to AWS S3 over https (CRC-32, UNSIGNED-PAYLOAD; TLS's own cost
# is not in it), forced here because s3rver does not check CRC-32.
CLIENT_ENV = {"default": {},
              "s3": {"UNPACKD_S3_CHECKSUM": "crc32", "UNPACKD_S3_SIGN_PAYLOAD": "off"}}
VERSION = 1  # bump when the generator changes, so a cached archive is rebuilt
BLOCK = 64 << 10


def make_archive(out_dir, members, total):
    """`members` members of about total/members bytes each (0.5-1.5x), summing to about
    `total`, deflated (level 6). Each member is 64 KiB blocks: 40% random bytes (incompressible),
    60% prose-like text from a pool of 128 blocks (~3x under deflate), drawn in a seeded order,
    so the archive is about 0.55 of its members' bytes. Cached by parameters."""
    params = {"members": members, "total": total, "random_share": 0.4}
    key = hashlib.sha256(json.dumps([VERSION, params], sort_keys=True).encode()).hexdigest()[:12]
    path = os.path.join(out_dir, f"scaling-{key}.zip")
    if os.path.exists(path) and os.path.exists(path + ".json"):
        with open(path + ".json") as f:
            return json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(f"unpackd-bench:scaling:{json.dumps(params, sort_keys=True)}")
    text = [make_archives.text_block(rng, BLOCK) for _ in range(128)]
    sizes = [rng.uniform(0.5, 1.5) for _ in range(members)]
    scale = total / sum(sizes)
    sizes = [max(1, int(s * scale)) for s in sizes]
    sizes[-1] += total - sum(sizes)
    tmp = path + ".part"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6,
                         allowZip64=True) as zf:
        for i, size in enumerate(sizes):
            info = zipfile.ZipInfo(f"data/{i // 100:02d}/member-{i:04d}.bin", make_archives.DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with zf.open(info, "w") as out:
                left = size
                while left:
                    n = min(BLOCK, left)
                    out.write(rng.randbytes(n) if rng.random() < params["random_share"]
                              else text[rng.randrange(len(text))][:n])
                    left -= n
    os.replace(tmp, path)
    meta = {"name": "scaling", "path": path, "members": members, "uncompressed": sum(sizes),
            "compressed": os.path.getsize(path), "params": params}
    with open(path + ".json", "w") as f:
        json.dump(meta, f)
    return meta


def machine_busy():
    """(busy, total) jiffies of every CPU so far, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def measure_light(argv, env, log_prefix, timeout):
    """Runs argv (one process, no children) as its own session: wall from spawn to reap, CPU
    from wait4, peak RSS from the kernel's VmHWM read every 100 ms (a high-water mark: a sample
    missed only loses growth in the last 100 ms). Lighter than run.measure, whose 20 ms walk of
    every thread's children cost about 10% of a core per worker here; on 2 cores the runner
    would tax the N-worker side N times."""
    hwm = [0]
    stop = threading.Event()
    with open(log_prefix + ".out", "wb") as out, open(log_prefix + ".err", "wb") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)

        def poll():
            while not stop.wait(0.1):
                try:
                    with open(f"/proc/{proc.pid}/status") as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                hwm[0] = max(hwm[0], int(line.split()[1]) * 1024)
                except OSError:
                    pass

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
        timer.cancel()
        stop.set()
        poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "rc": proc.returncode, "peak_rss": hwm[0], "user": ru.ru_utime,
            "sys": ru.ru_stime}


def run_workers(args, endpoints, source, dest, logs, shards):
    """Starts one process per shard spec (None = whole archive) at once; returns the overall
    wall seconds and each process's measurement and --json report."""
    results = [None] * len(shards)
    t0 = time.monotonic()
    ends = [0.0] * len(shards)

    def one(i):
        argv = [args.unpackd, "extract", source, "--to", f"s3://{run.BUCKET}/{dest}{{path}}",
                "--endpoint", endpoints[i], "--path-style", "on", "--no-progress", "--json",
                "--memory", str(args.memory)]
        if shards[i] is not None:
            argv += ["--shard", shards[i]]
        start = time.monotonic()
        m = measure_light(argv, dict(os.environ, **run.CREDS, **CLIENT_ENV[args.client]),
                          f"{logs}/w{i}", args.timeout)
        ends[i] = start + m["wall"]
        try:
            with open(f"{logs}/w{i}.out") as f:
                m["report"] = json.load(f)
        except (OSError, ValueError):
            m["report"] = None
        with open(f"{logs}/w{i}.err", errors="replace") as f:
            m["stderr"] = f.read()[-2000:]
        results[i] = m

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(shards))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return max(ends) - t0, results


def check(s3, dest, meta, names, results, sharded, round_no):
    """Raises SystemExit with the reason when the run's output or reports are wrong."""
    for i, m in enumerate(results):
        if m["rc"] != 0 or m["report"] is None:
            sys.exit(f"{dest}: worker {i} exit {m['rc']}: {m['stderr']}")
    reports = [m["report"] for m in results]
    committed = reports
    if sharded:
        committed = [r for r in reports if (r.get("shard") or {}).get("committed")]
        # Of the runs that see every record at once, one commits: the manifest's PUT carries
        # If-None-Match: *. s3rver ignores that condition (README, "the last commit wins"), so
        # two shards finishing together both commit there; counted, and shown in the table.
        if not committed:
            sys.exit(f"{dest}: no shard run committed: {[r.get('status') for r in reports]}")
        if any(r.get("status") not in ("shard-done", "extracted") for r in reports):
            sys.exit(f"{dest}: statuses {[r.get('status') for r in reports]}")
        ranges = sorted(tuple(r["shard"]["members"]) for r in reports)
        tiled = ranges[0][0] == 0 and ranges[-1][1] == meta["members"] and all(
            a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
        if not tiled or sum(r["members_written"] for r in reports) != meta["members"]:
            sys.exit(f"{dest}: shard ranges {ranges}, members written "
                     f"{[r['members_written'] for r in reports]}")
        if len(committed) > 1:
            print(f"{dest}: {len(committed)} shard runs committed (s3rver ignores "
                  f"If-None-Match)", file=sys.stderr)
    elif reports[0].get("status") != "extracted":
        sys.exit(f"{dest}: status {reports[0].get('status')}")
    listing = run.list_prefix(s3, dest)
    manifests = [k for k in listing if k.endswith("manifest.json")
                 and k[len(dest):].startswith(run.MANIFEST_DIR)]
    if manifests != [f"{dest}{run.MANIFEST_DIR}manifest.json"]:
        sys.exit(f"{dest}: manifests {manifests}")
    got = {k[len(dest):]: v for k, v in listing.items()
           if not k[len(dest):].startswith(run.MANIFEST_DIR)}
    if got != names:
        missing = set(names) - set(got)
        wrong = [k for k in names if k in got and got[k] != names[k]]
        sys.exit(f"{dest}: {len(got)} objects, {len(missing)} missing, {len(wrong)} of wrong size")
    sample = random.Random(round_no).sample(sorted(names), 5)
    with zipfile.ZipFile(meta["path"]) as zf:
        for name in sample:
            body = s3.get_object(Bucket=run.BUCKET, Key=dest + name)["Body"].read()
            if body != zf.read(name):
                sys.exit(f"{dest}: {name} differs from the archive's member")
    return len(committed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unpackd", default=os.path.join(HERE, "..", "build", "unpackd"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--size-mib", type=int, default=2048, help="members' bytes in all (MiB)")
    ap.add_argument("--memory", type=int, default=512, help="--memory of every process (MiB)")
    ap.add_argument("--delay-ms", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per process")
    ap.add_argument("--client", choices=sorted(CLIENT_ENV), default="default",
                    help="body checksum and payload signing of unpackd's uploads: default (over "
                         "http: SHA-256 signed, Content-MD5) or s3 (CRC-32, unsigned, as to AWS "
                         "S3 over https)")
    ap.add_argument("--json-out", help="write every run and the summary here")
    args = ap.parse_args()
    args.unpackd = os.path.abspath(args.unpackd)

    t_gen = time.monotonic()
    meta = make_archive(os.path.join(HERE, "work", "archives"), args.members,
                        args.size_mib << 20)
    print(f"archive: {meta['path']} ({meta['members']} members, {meta['uncompressed']} B "
          f"-> {meta['compressed']} B; ready in {time.monotonic() - t_gen:.0f} s)",
          file=sys.stderr, flush=True)
    with zipfile.ZipFile(meta["path"]) as zf:
        names = {i.filename: i.file_size for i in zf.infolist()}

    work = tempfile.mkdtemp(prefix="unpackd-scaling-bench-")
    need = meta["compressed"] + 2 * meta["uncompressed"] + (1 << 30)
    service_args = argparse.Namespace(s3rver=None, s3rver_dir=run.s3rver_dir_in_ram(need),
                                      delay_ms=args.delay_ms, max_minutes=240)
    services = run.Services(service_args, work)
    proxies = [services.proxies["s3rver"]] + [
        run.Proxy(service_args, work, f"worker{i}", services.server().port)
        for i in range(1, args.workers)]
    endpoints = [f"http://127.0.0.1:{p.port}" for p in proxies]
    s3 = run.s3_client(services.endpoint("direct"))
    t_up = time.monotonic()
    s3.upload_file(meta["path"], run.BUCKET, "in/scaling.zip")
    print(f"uploaded in {time.monotonic() - t_up:.0f} s; s3rver storage in "
          f"{service_args.s3rver_dir or 'bench/work (disk)'}", file=sys.stderr, flush=True)
    source = f"s3://{run.BUCKET}/in/scaling.zip"
    modes = {"1 worker": [None],
             f"{args.workers} workers": [f"{i}/{args.workers}" for i in range(args.workers)]}
    runs = {mode: [] for mode in modes}
    load_start = os.getloadavg()[0]
    try:
        for round_no in range(args.rounds):
            order = list(modes) if round_no % 2 == 0 else list(reversed(modes))
            for mode in order:
                shards = modes[mode]
                dest = f"out/{round_no}/{mode.replace(' ', '-')}/"
                logs = os.path.join(work, f"r{round_no}-{mode.replace(' ', '-')}")
                os.makedirs(logs)
                server0 = services.server_cpu()
                proxy0 = [run.process_cpu(p.proc.pid) for p in proxies]
                req0 = sum(p.lines() for p in proxies)
                busy0 = machine_busy()
                self0 = os.times()
                wall, results = run_workers(args, endpoints, source, dest, logs, shards)
                busy1 = machine_busy()
                self1 = os.times()
                server_cpu = services.server_cpu() - server0
                proxy_cpu = sum(run.process_cpu(p.proc.pid) for p in proxies) - sum(proxy0)
                time.sleep(0.2)  # the proxies log a request right after answering it
                requests = sum(p.lines() for p in proxies) - req0
                committed = check(s3, dest, meta, names, results, shards[0] is not None,
                                  round_no)
                ncpu = os.cpu_count()
                rec = {
                    "mode": mode, "round": round_no, "wall": wall,
                    "worker_walls": [m["wall"] for m in results],
                    "unpackd_cpu": sum(m["user"] + m["sys"] for m in results),
                    "worker_cpu": [m["user"] + m["sys"] for m in results],
                    "server_cpu": server_cpu, "proxy_cpu": proxy_cpu,
                    # this runner's own threads (its VmHWM pollers) during the run
                    "runner_cpu": (self1.user + self1.system) - (self0.user + self0.system),
                    "machine_busy_cpu": (busy1[0] - busy0[0]) / os.sysconf("SC_CLK_TCK"),
                    "cpus": ncpu, "requests": requests, "committed": committed,
                    "peak_rss": [m["peak_rss"] for m in results],
                    "reports": [{k: m["report"].get(k) for k in
                                 ("status", "seconds", "members_written", "bytes_written",
                                  "retries", "throttled", "shard")} for m in results],
                }
                runs[mode].append(rec)
                run.delete_prefix(s3, run.list_prefix(s3, dest))
                print(f"round {round_no + 1}: {mode}: {wall:.1f} s wall (workers "
                      f"{', '.join(f'{w:.1f}' for w in rec['worker_walls'])}), unpackd CPU "
                      f"{rec['unpackd_cpu']:.1f} s, s3rver {server_cpu:.1f} s, proxies "
                      f"{proxy_cpu:.1f} s, runner {rec['runner_cpu']:.1f} s, machine busy "
                      f"{rec['machine_busy_cpu']:.1f} s of "
                      f"{wall * ncpu:.1f}, {requests} requests, peak RSS "
                      f"{', '.join(f'{r / 2**20:.0f}' for r in rec['peak_rss'])} MiB",
                      file=sys.stderr, flush=True)
    finally:
        for p in proxies[1:]:
            p.stop()
        services.stop()
    load_end = os.getloadavg()[0]

    mib = meta["uncompressed"] / 2**20
    ncpu = os.cpu_count()
    print(f"archive: {meta['members']} members, {mib:,.0f} MiB out of a "
          f"{meta['compressed'] / 2**20:,.0f} MiB ZIP (deflate); s3rver on loopback, "
          f"+{args.delay_ms} ms per request (one proxy per worker); every process "
          f"--memory {args.memory}, default --jobs, --client {args.client}; {args.rounds} "
          f"rounds, medians; {ncpu} CPUs; "
          f"load {load_start:.1f} at start, {load_end:.1f} at end")
    print("| workers | wall s (min-max) | wall vs 1 worker | MiB/s out | members/s | "
          "unpackd CPU s | s3rver CPU s | proxies CPU s | runner CPU s | "
          "all four / (wall x CPUs) | "
          "machine busy / (wall x CPUs) | requests | peak RSS per worker MiB | "
          "runs that committed, per round |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    summary = []
    base = statistics.median(r["wall"] for r in runs["1 worker"])
    for mode, rs in runs.items():
        med = lambda key: statistics.median(r[key] for r in rs)  # noqa: E731
        wall = med("wall")
        cap = wall * ncpu
        ours = med("unpackd_cpu") + med("server_cpu") + med("proxy_cpu") + med("runner_cpu")
        rss = statistics.median(max(r["peak_rss"]) for r in rs) / 2**20
        row = {"mode": mode, "wall": wall, "wall_min": min(r["wall"] for r in rs),
               "wall_max": max(r["wall"] for r in rs), "vs_1": wall / base,
               "mib_s": mib / wall, "members_s": meta["members"] / wall,
               "unpackd_cpu": med("unpackd_cpu"), "server_cpu": med("server_cpu"),
               "proxy_cpu": med("proxy_cpu"), "runner_cpu": med("runner_cpu"),
               "share": ours / cap,
               "machine_share": med("machine_busy_cpu") / cap, "requests": med("requests"),
               "peak_rss_mib": rss,
               "unpackd_cpu_s_per_gib": med("unpackd_cpu") / (meta["uncompressed"] / 2**30)}
        summary.append(row)
        print(f"| {mode} | {wall:.1f} ({row['wall_min']:.1f}-{row['wall_max']:.1f}) | "
              f"{row['vs_1']:.2f}x | {row['mib_s']:.1f} | {row['members_s']:.1f} | "
              f"{row['unpackd_cpu']:.1f} | {row['server_cpu']:.1f} | {row['proxy_cpu']:.1f} | "
              f"{row['runner_cpu']:.1f} | "
              f"{row['share']:.0%} | {row['machine_share']:.0%} | {row['requests']:.0f} | "
              f"{rss:.0f} | {'/'.join(str(r['committed']) for r in rs)} |")
    many = list(runs)[1]
    pairs = [n["wall"] / o["wall"] for n, o in zip(runs[many], runs["1 worker"])]
    print(f"per round, {many} / 1 worker: " + ", ".join(f"{p:.2f}x" for p in pairs)
          + f" (geometric mean {statistics.geometric_mean(pairs):.2f}x)")
    print("unpackd CPU s per GiB written: " + ", ".join(
        f"{r['mode']} {r['unpackd_cpu_s_per_gib']:.2f}" for r in summary))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"archive": meta, "args": vars(args), "runs": runs, "summary": summary,
                   "paired": pairs,
                       "load": [load_start, load_end]}, f, indent=1)


if __name__ == "__main__":
    main()
