#!/usr/bin/python3
"""Against the seed, side by side, under Lambda-like limits (issue 13).

The seed's approach (bench/contenders/seed_baseline.py: boto3 download to /tmp, extractall,
serial upload_file with a Content-Type) and `unpackd lambda` (the custom runtime, driven through
tests/tools/lambda_runtime_double.py exactly as Lambda drives it) on the same archives, each run
in a fresh cgroup v1 shaped like a Lambda function of 512 MB and of 1,769 MB:

  cpu     cpu.cfs_quota_us = cpu.cfs_period_us x memory / 1769 (Lambda gives one vCPU at
          1,769 MB, in proportion below it: 0.29 CPU at 512 MB, 1.0 at 1,769 MB)
  memory  memory.limit_in_bytes = the function's memory in MiB

The contender joins both cgroups between fork and exec (so every byte and CPU cycle of its
process tree counts), S3 is s3rver behind the 20 ms-per-request proxy (bench/run.py's Services),
and the archives are bench/make_archives.py's. Each archive x function size x mode is a pair of
runs back to back, the seed first in even rounds and unpackd first in odd ones.

  wall       spawn to reap of the contender (run.measure). For unpackd the S3 event is queued
             on the Runtime API double just before `unpackd lambda --max-invocations 1` starts,
             so it spans the runtime's start, GET /next, the extraction and the POST of the
             response, as the seed's spans Python's start, boto3's import and its work.
  CPU s      user + system of the tree (wait4).
  peak mem   the cgroup's memory.max_usage_in_bytes: everything charged to the function,
             page cache of the files it writes included (on Lambda too, /tmp's page cache lives
             in the sandbox's memory). Peak RSS (run.measure's sampler) beside it.
  OOM        memory.oom_control's oom_kill count (or a SIGKILL exit): reported as OOM-KILLED,
             never as a time.
  /tmp       peak allocated size of the contender's TMPDIR (= HOME = cwd = the seed's --tmp),
             on disk, never tmpfs (tmpfs would be charged to the cgroup as memory).
  throttled  cpu.stat throttled_time: how long the CFS quota held the tree back.

Usage: lambda_shaped.py [--quick] [--rounds N] [--sizes 512,1769] [--modes proxy,direct]
                        [--archives a,b] [--unpackd PATH] [--json-out FILE]
Needs root (cgroup v1 at /sys/fs/cgroup/{cpu,memory}) and what bench/run.py needs.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_archives  # noqa: E402
import run as bench  # noqa: E402  (bench/run.py: services, measuring, output checks)

REPO = bench.REPO
BUCKET = bench.BUCKET
CGROUP_ROOT = "/sys/fs/cgroup"
MIB_PER_VCPU = 1769
DOUBLE = os.path.join(REPO, "tests", "tools", "lambda_runtime_double.py")
CONTENDERS = ("seed", "unpackd", "ceiling")
# s3-unspool's published figures (Rust, on AWS Lambda): 4,506 MiB written from a 2,071 MiB
# archive of 1,000 files, by function memory (MB) -> seconds (issue 12).
COMPETITOR = {"name": "s3-unspool", "out_mib": 4506, "zip_mib": 2071, "files": 1000,
              "seconds": {512: 79, 256: 154, 128: 340}}
COMPETITOR_ARCHIVES = ("competitor", "competitor-quarter")


# ----------------------------------------------------------------------------- cgroups

def own_cgroup(controller):
    """This process's cgroup (v1) for `controller`, as a path below the hierarchy's mount."""
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(","):
                return path
    raise RuntimeError(f"no cgroup v1 '{controller}' hierarchy in /proc/self/cgroup")


def read_text(path):
    with open(path) as f:
        return f.read()


def write_text(path, value):
    with open(path, "w") as f:
        f.write(str(value))


class LambdaCgroup:
    """A cpu and a memory cgroup (v1) shaped like a Lambda function of `memory_mb`, created
    below this process's own cgroups (so whatever limits and accounting hold this runner hold
    the contender too) and removed by remove()."""

    def __init__(self, name, memory_mb):
        self.dirs = {}
        try:
            for controller in ("cpu", "memory"):
                d = os.path.join(CGROUP_ROOT, controller,
                                 own_cgroup(controller).lstrip("/"), name)
                os.mkdir(d)
                self.dirs[controller] = d
            cpu, mem = self.dirs["cpu"], self.dirs["memory"]
            period = int(read_text(os.path.join(cpu, "cpu.cfs_period_us")))
            self.cpus = memory_mb / MIB_PER_VCPU
            write_text(os.path.join(cpu, "cpu.cfs_quota_us"), round(period * self.cpus))
            write_text(os.path.join(mem, "memory.limit_in_bytes"), memory_mb << 20)
        except BaseException:
            self.remove()
            raise

    def join(self):
        """Runs in the contender between fork and exec: from here on it is charged here."""
        pid = str(os.getpid())
        for d in self.dirs.values():
            write_text(os.path.join(d, "cgroup.procs"), pid)

    def stats(self):
        mem, cpu = self.dirs["memory"], self.dirs["cpu"]
        oom = dict(line.split() for line in read_text(os.path.join(mem, "memory.oom_control"))
                   .splitlines() if line.strip())
        cpu_stat = dict(line.split() for line in read_text(os.path.join(cpu, "cpu.stat"))
                        .splitlines() if line.strip())
        return {"cgroup_peak": int(read_text(os.path.join(mem, "memory.max_usage_in_bytes"))),
                "failcnt": int(read_text(os.path.join(mem, "memory.failcnt"))),
                "oom_kills": int(oom.get("oom_kill", 0)),
                "nr_throttled": int(cpu_stat.get("nr_throttled", 0)),
                "throttled_s": int(cpu_stat.get("throttled_time", 0)) / 1e9}

    def remove(self):
        for d in reversed(list(self.dirs.values())):
            for _ in range(50):  # a reaped tree leaves the cgroup a moment later
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                print(f"lambda-shaped: could not remove cgroup {d}", file=sys.stderr)
        self.dirs = {}


# ----------------------------------------------------------------------------- the Runtime API

class RuntimeApiDouble:
    """tests/tools/lambda_runtime_double.py, one per unpackd run (fresh state, nothing queued
    by an earlier run can reach this one)."""

    def __init__(self, log_path):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-u", DOUBLE, "--port", "0", "--timeout-seconds", "900",
             "--access-key", "S3RVER", "--secret-key", "S3RVER"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        self.port = 0
        deadline = time.monotonic() + 20
        while not self.port:
            for line in read_text(log_path).splitlines():
                if line.startswith("LISTENING "):
                    self.port = int(line.split()[1])
            if self.port:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the Runtime API double did not start:\n" + read_text(log_path))
            time.sleep(0.05)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def invoke(self, event):
        req = urllib.request.Request(self.url("/_test/invoke"), data=json.dumps(event).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)["request_id"]

    def state(self):
        with urllib.request.urlopen(self.url("/_test/state"), timeout=10) as r:
            return json.load(r)

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def s3_event(bucket, key, size, etag, sequencer):
    """One S3 ObjectCreated:Put record, as S3 sends it to Lambda (the shape of
    tests/support/s3_serve_harness.cc's S3EventDocument)."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"),
        "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket},
               "object": {"key": key, "size": size, "eTag": etag, "sequencer": sequencer}}}]}


# ----------------------------------------------------------------------------- one run

class Runner:
    def __init__(self, args, services, s3, work, logs):
        self.args, self.services, self.s3, self.work, self.logs = args, services, s3, work, logs
        self.runs_dir = os.path.join(work, "runs")  # on disk: the functions' /tmp
        shutil.rmtree(self.runs_dir, ignore_errors=True)
        os.makedirs(self.runs_dir)
        # LAMBDA_TASK_ROOT: what the package ships beside the binary that unpackd reads.
        self.task_root = os.path.join(work, "task")
        os.makedirs(self.task_root, exist_ok=True)
        shutil.copyfile("/etc/mime.types", os.path.join(self.task_root, "mime.types"))
        self.seq = 0

    def one(self, meta, archive, contender, size, mode, rnd):
        tag = f"{meta['name']}.{contender}.{size}.{mode}.{rnd}"
        prefix = f"out/{tag}/"  # both contenders write <prefix><member path>
        scratch = os.path.join(self.runs_dir, tag)
        os.makedirs(scratch)
        env = dict(os.environ, **bench.CREDS, TMPDIR=scratch, HOME=scratch)
        env.pop("AWS_PROFILE", None)
        endpoint = self.services.endpoint(mode)
        # The server's ceiling runs outside any function's limits: what the server takes.
        cg = None if contender == "ceiling" else \
            LambdaCgroup(f"unpackd-lambda-shaped-{os.getpid()}-{tag}", size)
        double = None
        m = {}
        try:
            lines0 = self.services.proxy_lines()
            if contender == "ceiling":
                argv = bench.Ceiling().command(bench.Ctx(
                    endpoint=endpoint, dest_prefix=prefix, extracted=archive["extracted"],
                    jobs=self.args.ceiling_jobs))
            elif contender == "seed":
                argv = bench.SeedBaseline().command(bench.Ctx(
                    endpoint=endpoint, archive_key=archive["key"], dest_prefix=prefix,
                    scratch=scratch))
            else:
                double = RuntimeApiDouble(os.path.join(self.logs, tag + ".double.log"))
                env.update({
                    "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{double.port}",
                    "AWS_LAMBDA_FUNCTION_NAME": "unpackd",
                    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(size),
                    "AWS_REGION": "us-east-1",
                    "AWS_ENDPOINT_URL_S3": endpoint,
                    "AWS_ENDPOINT_URL_LAMBDA": double.url(""),
                    "LAMBDA_TASK_ROOT": self.task_root,
                    "UNPACKD_CONFIG_TOML": (
                        f'[[rules]]\nname = "bench"\nbuckets = ["{BUCKET}"]\n'
                        f'prefixes = ["archives/"]\ndestination = "{prefix}{{path}}"\n')})
                self.seq += 1
                request_id = double.invoke(s3_event(BUCKET, archive["key"], meta["compressed"],
                                                    archive["etag"], f"{self.seq:016X}"))
                argv = [self.args.unpackd, "lambda", "--max-invocations", "1"]
            m = bench.measure(argv, env, scratch, [scratch], os.path.join(self.logs, tag),
                              self.args.timeout, preexec_fn=cg.join if cg else None)
            m.update(cg.stats() if cg else {"cgroup_peak": 0, "failcnt": 0, "oom_kills": 0,
                                           "nr_throttled": 0, "throttled_s": 0.0})
            if mode == "proxy":
                m["requests"], m["in_flight"] = self.services.requests_since(lines0)
            m["oom"] = m["oom_kills"] > 0 or (m["rc"] == -signal.SIGKILL and not m["timed_out"])
            if double:
                invocations = double.state()["invocations"]
                mine = [i for i in invocations if i["request_id"] == request_id]
                m["invocation_status"] = mine[0]["status"] if mine else "missing"
                m["continuations"] = sum(1 for i in invocations if i["source"] == "invoke")
                m["invocation_response"] = mine[0].get("response") or mine[0].get("error") \
                    if mine else None
            if m["oom"]:
                ok, detail = False, "OOM-killed by the memory cgroup"
            elif m["rc"] != 0:
                ok, detail = False, f"exit code {m['rc']}" + (" (timed out)" if m["timed_out"] else "")
            elif double and m["invocation_status"] != "succeeded":
                ok, detail = False, f"invocation {m['invocation_status']}: {m['invocation_response']}"
            elif double and m["continuations"]:
                ok, detail = False, f"{m['continuations']} continuation(s) left undone"
            else:
                ok, _, detail = bench.check_s3_output(self.s3, prefix, meta)
            if not ok:
                with open(os.path.join(self.logs, tag + ".err"), errors="replace") as f:
                    m["error"] = f.read()[-2000:]
        finally:
            if double:
                double.stop()
            bench.delete_prefix(self.s3, bench.list_prefix(self.s3, prefix).keys())
            shutil.rmtree(scratch, ignore_errors=True)
            if cg:
                cg.remove()
        m.update({"archive": meta["name"], "contender": contender, "size": size, "mode": mode,
                  "round": rnd, "ok": ok, "detail": detail})
        mem = "OOM-KILLED" if m["oom"] else bench.fmt_bytes(m["cgroup_peak"])
        print(f"  {contender:8} {size:5} MB {mode:6} round {rnd}: {m['wall']:8.2f} s  "
              f"cpu {m['user'] + m['sys']:6.1f} s  mem {mem:>10}  rss "
              f"{bench.fmt_bytes(m['peak_rss']):>10}  /tmp {bench.fmt_bytes(m['peak_disk']):>10}  "
              f"throttled {m['throttled_s']:5.1f} s  {'ok' if ok else 'FAILED: ' + detail}",
              flush=True)
        if not ok and m.get("error"):
            print("    " + m["error"].strip().replace("\n", "\n    ")[-800:], flush=True)
        return m


# ----------------------------------------------------------------------------- summary

def summarize(metas, results):
    rows = []
    for meta in metas:
        keys = sorted({(r["size"], r["mode"]) for r in results if r["archive"] == meta["name"]},
                      key=lambda k: (k[0], k[1] != "proxy"))
        for size, mode in keys:
            med = {}
            for c in CONTENDERS:
                runs = [r for r in results if (r["archive"], r["contender"], r["size"], r["mode"])
                        == (meta["name"], c, size, mode)]
                if not runs:
                    continue
                good = [r for r in runs if r["ok"]]
                row = {"archive": meta["name"], "size": size, "mode": mode, "contender": c,
                       "runs": len(runs), "ok_runs": len(good),
                       "oom_runs": sum(1 for r in runs if r["oom"]),
                       "failed_runs": sum(1 for r in runs if not r["ok"] and not r["oom"]),
                       "cgroup_peak": max(r["cgroup_peak"] for r in runs),
                       "peak_rss": max(r["peak_rss"] for r in runs),
                       "peak_tmp": max(r["peak_disk"] for r in runs),
                       "disk_written": max(r["disk_written"] for r in runs),
                       "requests": max((r.get("requests") or 0 for r in runs), default=None)
                       if mode == "proxy" else None}
                if good:
                    row.update({"wall": statistics.median(r["wall"] for r in good),
                                "wall_min": min(r["wall"] for r in good),
                                "wall_max": max(r["wall"] for r in good),
                                "cpu": statistics.median(r["user"] + r["sys"] for r in good),
                                "mib_s": meta["uncompressed"] / (1 << 20) /
                                statistics.median(r["wall"] for r in good),
                                "cpu_per_gib": statistics.median(r["user"] + r["sys"] for r in good)
                                / (meta["uncompressed"] / (1 << 30)),
                                "throttled_s": statistics.median(r["throttled_s"] for r in good)})
                    med[c] = row["wall"]
                rows.append(row)
            for row in rows[-len(CONTENDERS):]:
                if row["archive"] == meta["name"] and (row["size"], row["mode"]) == (size, mode):
                    row["ratio"] = (med["seed"] / med["unpackd"]
                                    if "seed" in med and "unpackd" in med else None)
    return rows


def table(rows, args):
    head = ("| archive | function | S3 | contender | wall s (median) | min-max | MiB/s out | "
            "CPU s | CPU s/GiB | throttled s | peak memory MiB (cgroup) | peak RSS MiB | "
            "/tmp MiB | requests | seed/unpackd wall |")
    out = [head, "|" + "---|" * (head.count("|") - 1)]
    mib = lambda n: f"{n / (1 << 20):.1f}"  # noqa: E731
    for r in rows:
        mode = "direct" if r["mode"] == "direct" else f"+{args.delay_ms:g} ms"
        if "wall" in r:
            wall = f"{r['wall']:.2f}"
            rng = f"{r['wall_min']:.2f}-{r['wall_max']:.2f}"
            cpu, thr = f"{r['cpu']:.1f}", f"{r['throttled_s']:.1f}"
            rate, per_gib = f"{r['mib_s']:.1f}", f"{r['cpu_per_gib']:.2f}"
        else:
            wall = "OOM-KILLED" if r["oom_runs"] else "FAILED"
            rng = cpu = thr = rate = per_gib = "-"
        if r["ok_runs"] < r["runs"]:
            wall += f" ({r['oom_runs']} OOM, {r['failed_runs']} failed of {r['runs']})"
        ratio = "-" if r.get("ratio") is None else f"{r['ratio']:.2f}x"
        function = f"{r['size']} MB ({r['size'] / MIB_PER_VCPU:.2f} CPU)" if r["size"] \
            else "no limits"
        out.append(f"| {r['archive']} | {function} | "
                   f"{mode} | {r['contender']} | {wall} | {rng} | {rate} | {cpu} | {per_gib} | "
                   f"{thr} | "
                   f"{mib(r['cgroup_peak']) if r['size'] else '-'} | {mib(r['peak_rss'])} | {mib(r['peak_tmp'])} | "
                   f"{'-' if r['requests'] is None else r['requests']} | "
                   f"{ratio if r['contender'] == 'seed' else ''} |")
    return "\n".join(out)


def against_competitor(rows, metas, args):
    """unpackd's MiB/s out on the competitor-shaped archives beside s3-unspool's published
    figures, and issue 12's target: at 512 MB, at least 2x s3-unspool's MiB/s, or the server's
    ceiling (the `ceiling` contender, same run) if that is lower. MiB/s compares fairly when
    the archive was scaled down; seconds would not."""
    c = COMPETITOR
    theirs = {mb: c["out_mib"] / sec for mb, sec in c["seconds"].items()}
    lines = []
    for meta in metas:
        if meta["name"] not in COMPETITOR_ARCHIVES:
            continue
        lines.append(f"Against {c['name']}'s published figures ({c['out_mib']:,} MiB out of a "
                     f"{c['zip_mib']:,} MiB zip of {c['files']:,} files: "
                     + ", ".join(f"{sec} s = {theirs[mb]:.1f} MiB/s at {mb} MB"
                                 for mb, sec in c["seconds"].items())
                     + f"); this archive: {meta['members']:,} files, "
                     f"{meta['uncompressed'] / (1 << 20):,.0f} MiB out of "
                     f"{meta['compressed'] / (1 << 20):,.0f} MiB "
                     f"({meta['uncompressed'] / meta['compressed']:.2f}x):")
        for r in rows:
            if r["archive"] != meta["name"] or r["contender"] != "unpackd" or "wall" not in r:
                continue
            ceiling = next((x for x in rows if x["archive"] == meta["name"] and
                            x["contender"] == "ceiling" and x["mode"] == r["mode"]
                            and "wall" in x), None)
            line = (f"  unpackd at {r['size']} MB, {r['mode']}: {r['mib_s']:.1f} MiB/s out, "
                    f"{r['cpu_per_gib']:.2f} CPU s per GiB written")
            if r["size"] in theirs:
                line += f"; {r['mib_s'] / theirs[r['size']]:.2f}x {c['name']}'s {r['size']} MB figure"
            if ceiling:
                line += f"; server ceiling {ceiling['mib_s']:.1f} MiB/s"
            if r["size"] == 512:
                want = 2 * theirs[512]
                if ceiling and ceiling["mib_s"] < want:
                    want = ceiling["mib_s"]
                    what = "the server's ceiling, lower than 2x"
                else:
                    what = f"2x {c['name']}'s"
                line += (f" (target >= {want:.1f} MiB/s, {what}): "
                         + ("met" if r["mib_s"] >= want else "MISSED"))
            lines.append(line)
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__)
    ap.add_argument("--quick", action="store_true", help="small archives, 1 round (smoke)")
    ap.add_argument("--rounds", type=int, help="rounds of every pair (default 2, quick 1)")
    ap.add_argument("--archives", type=lambda s: s.split(","),
                    default=["many-small", "big-member", "mixed"])
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[512, 1769],
                    help="function memory sizes, MB (default 512,1769)")
    ap.add_argument("--modes", type=lambda s: s.split(","), default=["proxy"],
                    help="S3 modes: proxy (through the latency proxy), direct")
    ap.add_argument("--contenders", type=lambda s: s.split(","), default=["seed", "unpackd"],
                    help="seed,unpackd (default) and ceiling: run.py's parallel upload of the "
                         "extracted files, outside any cgroup, once per archive, mode and round")
    ap.add_argument("--ceiling-jobs", type=int, default=16,
                    help="parallel uploads of the ceiling contender")
    ap.add_argument("--delay-ms", type=float, default=20.0, help="proxy delay per request")
    ap.add_argument("--slow-seconds", type=float, default=60,
                    help="a pair whose first round took longer than this (either side) ...")
    ap.add_argument("--slow-rounds", type=int, default=1, help="... runs only this many rounds")
    ap.add_argument("--unpackd", help="the binary (default: build/unpackd, else bench/run.py's "
                    "Release build in bench/work/build)")
    ap.add_argument("--s3rver", help="path to an s3rver executable")
    ap.add_argument("--s3rver-dir", help="s3rver's data folder (default: in /dev/shm)")
    ap.add_argument("--timeout", type=float, default=900, help="per run, seconds (Lambda's max)")
    ap.add_argument("--max-minutes", type=float, default=120, help="proxy lifetime bound")
    ap.add_argument("--json-out", help="write every run and the summary rows here")
    args = ap.parse_args()
    if args.rounds is None:
        args.rounds = 1 if args.quick else 2
    if os.geteuid() != 0:
        sys.exit("lambda-shaped: needs root, to create cgroups below /sys/fs/cgroup/{cpu,memory}")
    if not args.unpackd:
        built = os.path.join(REPO, "build", "unpackd")
        args.unpackd = built if os.path.exists(built) else \
            bench.build_unpackd(os.path.join(HERE, "work"))
    args.unpackd = os.path.abspath(args.unpackd)
    for c in args.contenders:
        if c not in CONTENDERS:
            sys.exit(f"lambda-shaped: unknown contender {c!r}; choose from {', '.join(CONTENDERS)}")

    work = os.path.join(HERE, "work", "lambda")
    os.makedirs(work, exist_ok=True)
    logs = os.path.join("/dev/shm" if os.path.isdir("/dev/shm") else work,
                        f"unpackd-lambda-shaped-{os.getpid()}")
    os.makedirs(logs, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    load0 = os.getloadavg()
    t0 = time.monotonic()
    print("lambda-shaped: generating archives (cached in bench/work/archives)", flush=True)
    metas = [make_archives.make(n, os.path.join(HERE, "work", "archives"), args.quick)
             for n in args.archives]
    if not args.s3rver_dir:
        # The archives and one run's output at a time (deleted after each run).
        args.s3rver_dir = bench.s3rver_dir_in_ram(
            (2 << 30) + sum(m["compressed"] + 2 * m["uncompressed"] for m in metas))
    services = bench.Services(args, work)
    results = []
    try:
        s3 = bench.s3_client(services.endpoint("direct"))
        archives = {}
        for meta in metas:
            key = f"archives/{meta['name']}.zip"
            s3.upload_file(meta["path"], BUCKET, key)
            archives[meta["name"]] = {
                "key": key, "etag": s3.head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"'),
                # The ceiling's files, extracted once, on disk (not tmpfs: they can be GiBs).
                "extracted": bench.extracted_copy(meta, work) if "ceiling" in args.contenders
                else None}
        runner = Runner(args, services, s3, work, logs)
        first_wall = {}
        for rnd in range(args.rounds):
            for meta in metas:
                sizes = args.sizes if rnd % 2 == 0 else args.sizes[::-1]
                pairs = [(meta["name"], size, mode) for size in sizes for mode in args.modes
                         if rnd < args.slow_rounds
                         or first_wall.get((meta["name"], size, mode), 0) <= args.slow_seconds]
                if not pairs:
                    continue  # every pair of this archive took over --slow-seconds: ran once
                print(f"\n== round {rnd}, {meta['name']}: {meta['members']} members, "
                      f"{bench.fmt_bytes(meta['uncompressed'])} -> "
                      f"{bench.fmt_bytes(meta['compressed'])} zip", flush=True)
                chosen = [c for c in CONTENDERS if c in args.contenders and c != "ceiling"]
                for pair in pairs:
                    _, size, mode = pair
                    for c in (chosen if rnd % 2 == 0 else chosen[::-1]):
                        r = runner.one(meta, archives[meta["name"]], c, size, mode, rnd)
                        results.append(r)
                        first_wall[pair] = max(first_wall.get(pair, 0), r["wall"])
                if "ceiling" in args.contenders:
                    for mode in sorted({mode for _, _, mode in pairs}):
                        results.append(runner.one(meta, archives[meta["name"]], "ceiling", 0,
                                                  mode, rnd))
    finally:
        services.stop()
        shutil.rmtree(logs, ignore_errors=True)
    elapsed = time.monotonic() - t0
    load1 = os.getloadavg()
    rows = summarize(metas, results)
    print()
    print(f"lambda-shaped benchmark, {started:%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{os.cpu_count()} cores, rounds={args.rounds}, {elapsed / 60:.1f} min, load average "
          f"{load0[0]:.1f} at start, {load1[0]:.1f} at end" + (", quick" if args.quick else ""))
    for meta in metas:
        print(f"  {meta['name']}: {meta['members']} members, "
              f"{bench.fmt_bytes(meta['uncompressed'])} uncompressed, "
              f"{bench.fmt_bytes(meta['compressed'])} zip")
    print()
    print(table(rows, args))
    print("\nseed/unpackd wall: the seed's median wall / unpackd's, same archive, function size "
          "and S3 mode (> 1: unpackd is faster). Peak memory: the cgroup's max_usage_in_bytes "
          "(page cache of written files included). MiB/s out: member bytes / wall. CPU s/GiB: "
          "user+sys of the tree per GiB of member bytes written.")
    versus = against_competitor(rows, metas, args)
    if versus:
        print()
        print(versus)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"started": started.isoformat(), "elapsed_s": elapsed,
                       "load_start": load0, "load_end": load1, "args": vars(args),
                       "archives": metas, "runs": results, "rows": rows}, f, indent=1)
    sys.exit(0 if all(r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main()
