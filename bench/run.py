#!/usr/bin/python3
"""unpackd benchmark suite: one command, side-by-side ratios measured in one run.

    /usr/bin/python3 bench/run.py            # default run (~15 min on 2 cores)
    /usr/bin/python3 bench/run.py --quick    # small archives, 1 repetition (smoke)
    /usr/bin/python3 bench/run.py --large    # also the >= 4 GiB ZIP64 archive

What it does, in order:
  1. builds unpackd (Release, in bench/work/build) unless --unpackd points at a binary;
  2. starts s3rver (tests/s3's pinned copy, installed with npm ci if needed) on 127.0.0.1, and
     the latency/fault proxy (tests/tools/fault_proxy.py) in front of it; with
     --servers s3rver,radosgw also a private radosgw (tests/tools/radosgw_cluster.py) with a
     proxy of its own, and every S3 contender runs against each server;
  3. generates the archives deterministically (bench/make_archives.py, cached in bench/work/),
     uploads them to s3rver and places them in a local store folder;
  4. for every archive, runs every contender --reps times, rotating the order each round so
     no contender always runs on a cold or hot cache; S3 contenders run both direct and through
     the proxy (--delay-ms, default 20 ms per request);
  5. checks each run's output (object/file count and byte total equal the archive's), removes
     it, and prints per archive and contender: median wall time, peak RSS, peak local disk,
     disk bytes written, requests (through the proxy) and the time ratio to unpackd;
  6. with --baseline-unpackd, also runs that (older) binary as unpackd@before and
     unpackd-local@before, each in the same round right beside its "after" twin, and prints a
     before/after table: median wall, ratio after/before, min-max, peak RSS, CPU.

How things are measured (see bench/README.md for the why):
  wall       time.monotonic() around the process tree, from spawn to reap.
  peak RSS   max of (a) the sum of VmRSS over the live process tree, sampled every 20 ms
             through /proc/<pid>/task/*/children, and (b) the largest VmHWM (the kernel's own
             high-water mark, so peaks between samples count) of any process in the tree.
             Not wait4()'s ru_maxrss: Linux folds the pre-exec copy of this (Python) runner
             into it, which would add ~60 MiB to every contender.
  peak disk  the largest size (allocated blocks) of the contender's scratch folders, sampled
             every 100 ms (and once more at exit); every contender gets TMPDIR and its working
             directory inside those folders. For local-store contenders it is the output itself.
  disk write bytes the tree sent to the block layer (/proc/self/io write_bytes of this runner
             before/after reaping: Linux adds a reaped child's I/O counters to its parent's).
             A contender that keeps no local copy writes 0.
  requests   lines of the proxy's request log written during the run (proxied runs only).
  CPU s/GiB  user+sys of the tree per GiB of member bytes written (issue 12).
"""

import argparse
import atexit
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import make_archives  # noqa: E402

CREDS = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER",
         "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
BUCKET = "bench"
RADOSGW_CLUSTER = os.path.join(REPO, "tests", "tools", "radosgw_cluster.py")
PAGE = os.sysconf("SC_PAGE_SIZE")


# ----------------------------------------------------------------------------- measuring

def tree_pids(root):
    """The live descendants of `root` (inclusive), via /proc/<pid>/task/<tid>/children."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return out


def tree_rss(root, hwm, io):
    """Sum of VmRSS over the live tree; records each process's VmHWM (its own high-water
    mark, kept by the kernel) into `hwm` and its write_bytes into `io`, by pid."""
    total = 0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/io") as f:
                for line in f:
                    if line.startswith("write_bytes:"):
                        io[pid] = max(io.get(pid, 0), int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm[pid] = max(hwm.get(pid, 0), int(line.split()[1]) * 1024)
                    elif line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total


def dir_usage(path):
    """Bytes allocated on disk under `path` (st_blocks, like du)."""
    total = 0
    stack = [path]
    while stack:
        p = stack.pop()
        try:
            with os.scandir(p) as it:
                for e in it:
                    try:
                        if e.is_dir(follow_symlinks=False):
                            stack.append(e.path)
                        else:
                            total += e.stat(follow_symlinks=False).st_blocks * 512
                    except FileNotFoundError:
                        pass
        except (FileNotFoundError, NotADirectoryError):
            pass
    return total


def self_write_bytes():
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    return 0


class Sample:
    def __init__(self):
        self.peak_rss = 0
        self.peak_disk = 0
        self.hwm = {}
        self.io = {}


def measure(argv, env, cwd, scratch_dirs, log_prefix, timeout, preexec_fn=None):
    """Runs argv as its own session; returns a dict of measurements. `preexec_fn` runs in the
    child between fork and exec (bench/lambda_shaped.py joins a cgroup there)."""
    sample = Sample()
    stop = threading.Event()
    out = open(log_prefix + ".out", "wb")
    err = open(log_prefix + ".err", "wb")
    w0 = self_write_bytes()
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=preexec_fn)

    def poll():
        n = 0
        while not stop.is_set():
            sample.peak_rss = max(sample.peak_rss, tree_rss(proc.pid, sample.hwm, sample.io))
            if n % 5 == 0:
                sample.peak_disk = max(sample.peak_disk,
                                       sum(dir_usage(d) for d in scratch_dirs))
            n += 1
            stop.wait(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    timed_out = False
    deadline = t0 + timeout

    # wait4 with a deadline: poll the child without reaping, then reap it to get its rusage.
    while True:
        try:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status, ru = proc.pid, 0, None
            break
        if pid == proc.pid:
            break
        if time.monotonic() > deadline:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, ru = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    poller.join()
    # Whatever the tree left in its scratch folders counts too (the seed never cleans up).
    sample.peak_disk = max(sample.peak_disk, sum(dir_usage(d) for d in scratch_dirs))
    # Kill stragglers the contender left behind (its session only).
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    out.close()
    err.close()
    hwm = max(sample.hwm.values(), default=0)
    return {"wall": wall, "rc": proc.returncode, "timed_out": timed_out,
            "peak_rss": max(sample.peak_rss, hwm), "peak_rss_single": hwm,
            "peak_disk": sample.peak_disk, "disk_written": self_write_bytes() - w0,
            # Cross-check: write_bytes of each process as last sampled (misses what a process
            # wrote in its last 20 ms, and processes that lived less than that).
            "disk_written_sampled": sum(sample.io.values()),
            "user": ru.ru_utime if ru else 0, "sys": ru.ru_stime if ru else 0}


# ----------------------------------------------------------------------------- services

def children_cpu():
    """CPU seconds (user+sys) of every child this runner has reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def find_s3rver(args):
    if args.s3rver:
        return args.s3rver
    pinned = os.path.join(REPO, "tests", "s3")
    binary = os.path.join(pinned, "node_modules", ".bin", "s3rver")
    if not os.path.exists(binary) and os.path.exists(os.path.join(pinned, "package.json")):
        cmd = ["npm", "ci"] if os.path.exists(os.path.join(pinned, "package-lock.json")) \
            else ["npm", "install"]
        print(f"bench: installing s3rver ({' '.join(cmd)} in tests/s3)", flush=True)
        subprocess.run(cmd + ["--no-audit", "--no-fund", "--silent"], cwd=pinned, check=True)
    if os.path.exists(binary):
        return binary
    found = shutil.which("s3rver")
    if found:
        return found
    sys.exit("bench: no s3rver: add tests/s3/package.json (npm) or pass --s3rver PATH")


def stop_group(proc):
    """SIGTERM to a child's session, SIGKILL after 10 s."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def process_cpu(pid):
    """CPU seconds (utime+stime) process `pid` has used so far; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Proxy:
    """tests/tools/fault_proxy.py in front of one server, with its own request log."""

    def __init__(self, args, work, name, upstream_port):
        self.log = os.path.join(work, f"proxy-requests.{name}.jsonl")
        if os.path.exists(self.log):
            os.remove(self.log)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(REPO, "tests", "tools", "fault_proxy.py"),
             "--listen-port", "0", "--upstream", f"127.0.0.1:{upstream_port}",
             "--delay-ms", str(args.delay_ms), "--log-file", self.log,
             "--max-seconds", str(args.max_minutes * 60)],
            stdout=subprocess.PIPE, stderr=open(os.path.join(work, f"proxy.{name}.stderr.log"), "wb"),
            text=True, start_new_session=True)
        self.port = int(self.proc.stdout.readline())

    def lines(self):
        try:
            with open(self.log, "rb") as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0

    def entries(self, skip):
        """Log entries after the first `skip` lines."""
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for i, line in enumerate(f) if i >= skip]

    def stop(self):
        stop_group(self.proc)


class S3rver:
    """s3rver 3.7.1 on 127.0.0.1, its storage in `data` (RAM when there is room)."""
    name = "s3rver"

    def __init__(self, args, work, data):
        self.data = data
        os.makedirs(data)
        self.port = free_port()
        self.log = open(os.path.join(work, "s3rver.log"), "wb")
        self.proc = subprocess.Popen(
            [find_s3rver(args), "-d", data, "-a", "127.0.0.1", "-p", str(self.port),
             "--silent", "--configure-bucket", BUCKET],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
            # s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES, which Node 20's
            # OpenSSL 3 only offers through the legacy provider: without it every listing of
            # more than 1,000 keys answers 500 InternalError.
            env=dict(os.environ, NODE_OPTIONS="--openssl-legacy-provider"))
        wait_port(self.port)

    def cpu(self):
        return process_cpu(self.proc.pid)

    def reclaim(self):
        """Nothing to do: s3rver frees a deleted object's file at once."""

    def stop(self):
        stop_group(self.proc)


class Radosgw:
    """A private single-node Ceph cluster with radosgw on 127.0.0.1, started and stopped by
    tests/tools/radosgw_cluster.py (as bench/server_copy.py does), its objects in the OSD's
    memstore (RAM). A second user is given run.py's credentials (CREDS), so every contender
    signs for radosgw exactly as for s3rver."""
    name = "radosgw"

    def __init__(self, work):
        self.root = os.path.join(work, "radosgw")
        subprocess.run([sys.executable, RADOSGW_CLUSTER, "start", self.root], check=True,
                       stdout=subprocess.DEVNULL)
        with open(os.path.join(self.root, "cluster.json")) as f:
            self.cluster = json.load(f)
        self.port = urllib.parse.urlsplit(self.cluster["endpoint"]).port
        self.admin(["user", "create", "--uid=bench", "--display-name=unpackd bench",
                    f"--access-key={CREDS['AWS_ACCESS_KEY_ID']}",
                    f"--secret-key={CREDS['AWS_SECRET_ACCESS_KEY']}"])
        s3_client(self.cluster["endpoint"]).create_bucket(Bucket=BUCKET)

    def admin(self, argv):
        subprocess.run(["radosgw-admin"] + argv + ["-c", self.cluster["conf"]], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)

    def cpu(self):
        """CPU of the whole cluster (radosgw, the OSD and the monitor)."""
        return sum(process_cpu(pid) for pid in self.cluster["pids"])

    def reclaim(self):
        """Deleted objects' tails wait hours for radosgw's garbage collector; memstore keeps
        them in RAM until then. Collect them now, so repeated runs do not fill the OSD."""
        self.admin(["gc", "process", "--include-all"])

    def stop(self):
        subprocess.run([sys.executable, RADOSGW_CLUSTER, "stop", self.root],
                       stdout=subprocess.DEVNULL)


SERVERS = ("s3rver", "radosgw")


class Services:
    """The S3 servers (`args.servers`, default s3rver alone) and a latency proxy in front of
    each, all children of this runner, all stopped by stop(). Methods take the server's name;
    without one, the first server's."""

    def __init__(self, args, work):
        self.servers, self.proxies = {}, {}
        self.data = ""
        atexit.register(self.stop)  # also after an exception: no server is left behind
        # The ceiling's extracted files live in `data` (in RAM when s3rver's storage is).
        # s3rver's storage lives in RAM (tmpfs) when there is room: the benchmark is about
        # the client side, and s3rver creates several files per object, which on a busy
        # shared disk would make the "server" the slowest part of every S3 run.
        data = args.s3rver_dir or os.path.join(work, "s3rver-data")
        self.data = data
        shutil.rmtree(data, ignore_errors=True)
        os.makedirs(data)
        self.names = list(getattr(args, "servers", None) or ["s3rver"])
        for name in self.names:
            server = S3rver(args, work, os.path.join(data, "s3rver")) if name == "s3rver" \
                else Radosgw(work)
            self.servers[name] = server
            self.proxies[name] = Proxy(args, work, name, server.port)

    def server(self, name=None):
        return self.servers[name or self.names[0]]

    def endpoint(self, mode, server=None):
        if mode == "proxy":
            return f"http://127.0.0.1:{self.proxies[server or self.names[0]].port}"
        return f"http://127.0.0.1:{self.server(server).port}"

    def proxy_lines(self, server=None):
        return self.proxies[server or self.names[0]].lines()

    def proxy_entries(self, skip, server=None):
        return self.proxies[server or self.names[0]].entries(skip)

    def requests_since(self, skip, server=None):
        """(requests, most in flight at once) the proxy logged after its first `skip` lines."""
        # The proxy logs a request right after answering it: let the last lines land.
        time.sleep(0.2)
        entries = self.proxy_entries(skip, server)
        return len(entries), max_in_flight(entries)

    def server_cpu(self, server=None):
        """CPU seconds the server has used so far."""
        return self.server(server).cpu()

    def stop(self):
        for proxy in self.proxies.values():
            proxy.stop()
        for server in self.servers.values():
            server.stop()
        self.proxies, self.servers = {}, {}
        if self.data.startswith("/dev/shm/"):
            shutil.rmtree(self.data, ignore_errors=True)


def s3rver_dir_in_ram(need):
    """A folder in /dev/shm for s3rver's storage when it has `need` bytes free, else None."""
    if os.path.isdir("/dev/shm"):
        st = os.statvfs("/dev/shm")
        if st.f_bavail * st.f_frsize > need:
            return f"/dev/shm/unpackd-bench-s3rver-{os.getpid()}"
    return None


def max_in_flight(entries):
    """Most requests open at once, from the proxy log's start times and durations."""
    events = []
    for e in entries:
        events.append((e["t"], 1))
        events.append((e["t"] + e["ms"] / 1000.0, -1))
    events.sort(key=lambda x: (x[0], x[1]))
    level = peak = 0
    for _, d in events:
        level += d
        peak = max(peak, level)
    return peak


def s3_client(endpoint):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=CREDS["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=CREDS["AWS_SECRET_ACCESS_KEY"],
                        region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5}))


def list_prefix(s3, prefix):
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for o in page.get("Contents", []):
            out[o["Key"]] = o["Size"]
    return out


def delete_prefix(s3, keys):
    keys = list(keys)
    for i in range(0, len(keys), 1000):
        s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]],
                                                 "Quiet": True})


# ----------------------------------------------------------------------------- contenders

class Ctx:
    """What a contender needs to build its command for one run."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


class Contender:
    """A pluggable contender: `kind` is 's3' (runs direct and via proxy) or 'local';
    `formats` the archive formats it extracts."""
    name = ""
    kind = "s3"
    label = ""
    formats = ("zip",)

    def available(self, args):
        return True, ""

    def command(self, c):
        raise NotImplementedError


class UnpackdS3(Contender):
    name, kind, label = "unpackd", "s3", "unpackd extract S3->S3"
    formats = ("zip", "tar.gz")

    def available(self, args):
        return unpackd_available(args.unpackd)

    def binary(self, c):
        return c.unpackd

    def command(self, c):
        return [self.binary(c), "extract", f"s3://{BUCKET}/{c.archive_key}", "--to",
                f"s3://{BUCKET}/{c.dest_prefix}{{path}}", "--endpoint", c.endpoint,
                "--path-style", "on", "--no-progress", "--json"] + c.unpackd_jobs


class SeedBaseline(Contender):
    name, kind, label = "seed", "s3", "seed baseline (boto3, /tmp, serial upload_file)"
    formats = ("zip", "tar.gz")  # tar.gz: the same handler over tarfile

    def command(self, c):
        return ["/usr/bin/python3", os.path.join(HERE, "contenders", "seed_baseline.py"),
                "--endpoint", c.endpoint, "--bucket", BUCKET, "--key", c.archive_key,
                "--dest-prefix", c.dest_prefix, "--tmp", c.scratch, "--format", c.format]


class AwsCli(Contender):
    name, kind, label = "awscli", "s3", "aws s3 cp + unzip + aws s3 cp --recursive"

    def available(self, args):
        ok = os.path.exists("/usr/bin/aws")
        return ok, "" if ok else "/usr/bin/aws missing (apt-get install awscli)"

    def command(self, c):
        return ["/bin/bash", os.path.join(HERE, "contenders", "awscli.sh"), c.endpoint, BUCKET,
                c.archive_key, c.dest_prefix]


class Ceiling(Contender):
    name, kind, label = "ceiling", "s3", "server ceiling: parallel PUT of extracted files"

    def command(self, c):
        return ["/usr/bin/python3", os.path.join(HERE, "contenders", "ceiling_upload.py"),
                "--endpoint", c.endpoint, "--bucket", BUCKET, "--prefix", c.dest_prefix,
                "--src", c.extracted, "--jobs", str(c.jobs)]


class UnpackdLocal(Contender):
    name, kind, label = "unpackd-local", "local", "unpackd extract file->file"
    formats = ("zip", "tar.gz")

    def available(self, args):
        return unpackd_available(args.unpackd)

    def binary(self, c):
        return c.unpackd

    def command(self, c):
        # The local store's root holds buckets as folders: <root>/<bucket>/<key>; the output
        # folder is <root>/bench/out/<run>/, so unpackd writes into the same store.
        return [self.binary(c), "extract", "file://" + c.archive_path, "--root", c.store_root,
                "--to", "file://" + c.out_dir + "/{path}", "--no-progress",
                "--json"] + c.unpackd_jobs


class Unzip(Contender):
    name, kind, label = "unzip", "local", "Info-ZIP unzip"

    def command(self, c):
        return ["unzip", "-q", "-o", c.archive_path, "-d", c.out_dir]


class Bsdtar(Contender):
    name, kind, label = "bsdtar", "local", "bsdtar (libarchive)"
    formats = ("zip", "tar.gz")

    def command(self, c):
        return ["bsdtar", "-x", "-f", c.archive_path, "-C", c.out_dir]


class GnuTar(Contender):
    name, kind, label, formats = "tar-xzf", "local", "GNU tar -xzf (gzip -d)", ("tar.gz",)

    def command(self, c):
        return ["tar", "-xzf", c.archive_path, "-C", c.out_dir]


class PigzTar(Contender):
    name, kind, label, formats = ("tar-pigz", "local", "GNU tar -I pigz -xf (pigz -d)",
                                  ("tar.gz",))

    def available(self, args):
        ok = shutil.which("pigz") is not None
        return ok, "" if ok else "pigz missing (apt-get install pigz)"

    def command(self, c):
        return ["tar", "-I", "pigz", "-xf", c.archive_path, "-C", c.out_dir]


class SevenZip(Contender):
    name, kind, label = "7z", "local", "7z x (p7zip)"

    def command(self, c):
        return ["7z", "x", "-y", "-bd", "-bso0", "-bsp0", f"-o{c.out_dir}", c.archive_path]


class Before:
    """Mixin: the same contender run with --baseline-unpackd's binary (the code before a
    change), with the same arguments and checks. `twin` names the "after" contender."""
    twin = ""

    def available(self, args):
        return unpackd_available(args.baseline_unpackd)

    def binary(self, c):
        return c.unpackd_before


class UnpackdS3Before(Before, UnpackdS3):
    name, label, twin = "unpackd@before", "unpackd S3->S3, --baseline-unpackd binary", "unpackd"


class UnpackdLocalBefore(Before, UnpackdLocal):
    name, label, twin = ("unpackd-local@before", "unpackd file->file, --baseline-unpackd binary",
                         "unpackd-local")


CONTENDERS = [UnpackdS3(), UnpackdS3Before(), SeedBaseline(), AwsCli(), Ceiling(),
              UnpackdLocal(), UnpackdLocalBefore(), Unzip(), Bsdtar(), GnuTar(), PigzTar(),
              SevenZip()]
REFERENCE = {"s3": "unpackd", "local": "unpackd-local"}
BEFORE = {c.twin: c.name for c in CONTENDERS if isinstance(c, Before)}  # after -> before


def unpackd_available(binary):
    if not binary or not os.path.exists(binary):
        return False, "no unpackd binary"
    r = subprocess.run([binary, "extract", "--help"], capture_output=True, text=True)
    if r.returncode != 0:
        return False, "this unpackd has no working `extract` subcommand yet"
    return True, ""


# ----------------------------------------------------------------------------- the run

def build_unpackd(work):
    build = os.path.join(work, "build")
    subprocess.run(["cmake", "-S", REPO, "-B", build, "-G", "Ninja",
                    "-DCMAKE_BUILD_TYPE=Release", "-DBUILD_TESTING=OFF",
                    # Frame pointers let `perf record -g` (--profile) walk unpackd's stacks.
                    "-DCMAKE_CXX_FLAGS=-fno-omit-frame-pointer"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", build, "-j2", "unpackd"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(build, "unpackd")


def extracted_copy(meta, base):
    """The archive extracted once (for the ceiling contender) under `base`."""
    dest = os.path.join(base, "extracted", os.path.basename(meta["path"])[:-4])
    if not os.path.exists(dest + ".done"):
        shutil.rmtree(dest, ignore_errors=True)
        with zipfile.ZipFile(meta["path"]) as zf:
            zf.extractall(dest)
        open(dest + ".done", "w").close()
    return dest


MANIFEST_DIR = ".unpackd/"  # unpackd's manifest folder under the destination prefix


def check_s3_output(s3, prefix, meta):
    got = {k: v for k, v in list_prefix(s3, prefix).items()
           if not k[len(prefix):].startswith(MANIFEST_DIR)}
    ok = len(got) == meta["members"] and sum(got.values()) == meta["uncompressed"]
    return ok, got, f"{len(got)} objects / {sum(got.values())} B, " \
                    f"expected {meta['members']} / {meta['uncompressed']} B"


def check_local_output(out_dir, meta):
    n = size = 0
    for root, dirs, files in os.walk(out_dir):
        if root == out_dir and MANIFEST_DIR.rstrip("/") in dirs:
            dirs.remove(MANIFEST_DIR.rstrip("/"))
        for f in files:
            n += 1
            size += os.path.getsize(os.path.join(root, f))
    ok = n == meta["members"] and size == meta["uncompressed"]
    return ok, f"{n} files / {size} B, expected {meta['members']} / {meta['uncompressed']} B"


def fmt_bytes(n):
    if n is None:
        return "-"
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div:
            return f"{n / div:.1f} {unit}"
    return f"{n} B"


def run(args):
    work = os.path.join(HERE, "work")
    os.makedirs(work, exist_ok=True)
    runs_dir = os.path.join(work, "runs")
    shutil.rmtree(runs_dir, ignore_errors=True)
    os.makedirs(runs_dir)
    logs = os.path.join("/dev/shm" if os.path.isdir("/dev/shm") else work, f"unpackd-bench-{os.getpid()}")
    os.makedirs(logs, exist_ok=True)

    if not args.unpackd and not args.no_build:
        print("bench: building unpackd (Release)", flush=True)
        args.unpackd = build_unpackd(work)

    # The "@before" twins run only with --baseline-unpackd, then beside every chosen twin.
    chosen = [c for c in CONTENDERS
              if (not args.contenders or c.name in args.contenders) and not isinstance(c, Before)]
    if args.baseline_unpackd:
        picked = {c.name for c in chosen}
        chosen = [c for c in CONTENDERS if c.name in picked
                  or (isinstance(c, Before) and (c.twin in picked or c.name in (args.contenders or [])))]
    active, skipped = [], {}
    for c in chosen:
        ok, why = c.available(args)
        (active.append(c) if ok else skipped.__setitem__(c.name, why))
    for n, why in skipped.items():
        print(f"bench: skipping {n}: {why}", flush=True)

    names = args.archives or (["many-small", "big-member", "mixed"] + (["large"] if args.large else [])
                              + ["big-member-tgz", "mixed-tgz"])
    print("bench: generating archives (cached in bench/work/archives)", flush=True)
    metas = [make_archives.make_any(n, os.path.join(work, "archives"), args.quick) for n in names]

    services = Services(args, work)
    results = []
    try:
        store_root = os.path.join(work, "store")
        for meta in metas:
            fmt = meta.get("format", "zip")
            key = f"archives/{meta['name']}.{fmt}"
            for server in services.names:
                s3_client(services.endpoint("direct", server)).upload_file(meta["path"], BUCKET, key)
            local_archive = os.path.join(store_root, BUCKET, key)
            os.makedirs(os.path.dirname(local_archive), exist_ok=True)
            if os.path.exists(local_archive):
                os.remove(local_archive)
            os.link(meta["path"], local_archive)
            # In RAM beside s3rver's data when that is in /dev/shm: the ceiling then reads its
            # files as unpackd reads the archive, from memory, never from a busy disk.
            extracted = extracted_copy(meta, services.data if services.data.startswith("/dev/shm/")
                                       else work) \
                if fmt == "zip" and any(c.name == "ceiling" for c in active) else None
            # A slot is one contender in one mode, or an after/before pair that runs back to
            # back: rounds rotate the slots, and a pair swaps its order every other round, so
            # neither side always runs first.
            fitting = [c for c in active if fmt in c.formats]
            by_name = {c.name: c for c in fitting}
            slots = []
            for c in fitting:
                if isinstance(c, Before) and c.twin in by_name:
                    continue  # runs in its twin's slot
                where = [(server, m) for server in services.names for m in args.modes] \
                    if c.kind == "s3" else [(None, "local")]
                for server, m in where:
                    twin = by_name.get(BEFORE.get(c.name))
                    slots.append([(c, server, m)] + ([(twin, server, m)] if twin else []))
            plan = [x for slot in slots for x in slot]
            print(f"\n== {meta['name']}: {meta['members']} members, "
                  f"{fmt_bytes(meta['uncompressed'])} -> {fmt_bytes(meta['compressed'])} {fmt}",
                  flush=True)
            first_wall = {}
            for rep in range(args.reps):
                shift = rep % len(slots)
                order = [x for slot in slots[shift:] + slots[:shift]
                         for x in (slot[::-1] if rep % 2 else slot)]
                for c, server, mode in order:
                    # Runs dominated by fixed per-request latency (the seed through the proxy
                    # takes minutes and varies by a few %) are repeated fewer times so the
                    # default run stays within ~15 minutes. A before/after pair follows the
                    # "after" side's first run, so both sides get the same number of runs.
                    lead = getattr(c, "twin", "") or c.name
                    if rep >= args.slow_reps and \
                            first_wall.get((lead, server, mode), 0) > args.slow_seconds:
                        continue
                    r = run_one(args, services, meta, key, local_archive, extracted, c, server,
                                mode, rep, runs_dir, logs)
                    first_wall.setdefault((c.name, server, mode), r["wall"])
                    results.append(r)
            if args.profile:
                for c, server, mode in plan:
                    if c.name in REFERENCE.values():
                        profile_one(args, services, meta, key, local_archive, c, server, mode,
                                    work)
            for server in services.names:
                s3_client(services.endpoint("direct", server)).delete_object(Bucket=BUCKET, Key=key)
                services.server(server).reclaim()
    finally:
        services.stop()
        shutil.rmtree(logs, ignore_errors=True)
    return metas, results, skipped


def remove_empty_sidecar_tree(store_root):
    """Every run starts with a bucket holding no sidecar tree, as a bucket never written by an
    older unpackd: where one exists, the local store looks for old sidecars to remove."""
    meta_root = os.path.join(store_root, BUCKET, ".unpackd-meta")
    for folder in (os.path.join(meta_root, "out"), meta_root):
        try:
            os.rmdir(folder)
        except OSError:
            pass


def run_one(args, services, meta, key, local_archive, extracted, c, server, mode, rep,
            runs_dir, logs):
    """One measured run of contender `c` (on `server` in `mode`, or "local")."""
    tag = f"{meta['name']}.{c.name}.{server + '.' if server else ''}{mode}.{rep}"
    s3 = s3_client(services.endpoint("direct", server))
    scratch = os.path.join(runs_dir, tag)
    os.makedirs(scratch)
    store_root = os.path.join(HERE, "work", "store")
    out_dir = os.path.join(store_root, BUCKET, "out", tag)
    # The local store keeps object metadata in a sidecar tree where it cannot use extended
    # attributes (and older versions always did): disk it uses too.
    sidecars = os.path.join(store_root, BUCKET, ".unpackd-meta", "out", tag)
    if c.kind == "local":
        os.makedirs(out_dir)
    ctx = Ctx(unpackd=args.unpackd, unpackd_before=args.baseline_unpackd, archive_key=key,
              format=meta.get("format", "zip"),
              archive_path=local_archive, store_root=store_root, dest_prefix=f"out/{tag}/",
              endpoint=services.endpoint(mode, server),
              jobs=args.ceiling_jobs, unpackd_jobs=["--jobs", str(args.jobs)] if args.jobs else [],
              scratch=scratch, out_dir=out_dir, extracted=extracted)
    env = dict(os.environ, **CREDS, TMPDIR=scratch, HOME=scratch)
    env.pop("AWS_PROFILE", None)
    lines0 = services.proxy_lines(server)
    cpu0 = services.server_cpu(server)
    m = measure(c.command(ctx), env, scratch,
                [scratch] + ([out_dir, sidecars] if c.kind == "local" else []),
                os.path.join(logs, tag), args.timeout)
    m["server_cpu"] = services.server_cpu(server) - cpu0
    if mode == "proxy":
        m["requests"], m["in_flight"] = services.requests_since(lines0, server)
    else:
        m["requests"] = None
        m["in_flight"] = None
    if m["rc"] != 0:
        with open(os.path.join(logs, tag + ".err"), errors="replace") as f:
            m["error"] = f.read()[-2000:]
        ok, detail = False, f"exit code {m['rc']}" + (" (timed out)" if m["timed_out"] else "")
    elif c.kind == "s3":
        ok, got, detail = check_s3_output(s3, ctx.dest_prefix, meta)
    else:
        ok, detail = check_local_output(out_dir, meta)
    if c.kind == "s3":
        delete_prefix(s3, list_prefix(s3, ctx.dest_prefix).keys())
        services.server(server).reclaim()
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.rmtree(sidecars, ignore_errors=True)
    remove_empty_sidecar_tree(store_root)
    m.update({"archive": meta["name"], "contender": c.name, "server": server or "-",
              "mode": mode, "rep": rep, "ok": ok, "detail": detail})
    print(f"  {c.name:20} {server or '':7} {mode:6} rep {rep}: {m['wall']:8.2f} s  rss {fmt_bytes(m['peak_rss']):>10}"
          f"  disk {fmt_bytes(m['peak_disk']):>10}  req {m['requests'] if m['requests'] is not None else '-':>6}"
          f"  cpu {m['user'] + m['sys']:5.1f} s  {'ok' if ok else 'FAILED: ' + detail}", flush=True)
    if not ok and m.get("error"):
        print("    " + m["error"].strip().replace("\n", "\n    ")[-800:], flush=True)
    return m


def profile_one(args, services, meta, key, local_archive, c, server, mode, work):
    """One extra, unmeasured run of `c` under `perf record -g`; writes a flat report."""
    perf_dir = os.path.join(work, "perf")
    os.makedirs(perf_dir, exist_ok=True)
    tag = f"{meta['name']}.{c.name}.{server + '.' if server else ''}{mode}"
    s3 = s3_client(services.endpoint("direct", server))
    scratch = os.path.join(work, "runs", tag + ".perf")
    store_root = os.path.join(work, "store")
    out_dir = os.path.join(store_root, BUCKET, "out", tag + ".perf")
    sidecars = os.path.join(store_root, BUCKET, ".unpackd-meta", "out", tag + ".perf")
    os.makedirs(scratch)
    os.makedirs(out_dir)
    ctx = Ctx(unpackd=args.unpackd, unpackd_before=args.baseline_unpackd, archive_key=key,
              format=meta.get("format", "zip"),
              archive_path=local_archive, store_root=store_root, dest_prefix=f"out/{tag}.perf/",
              endpoint=services.endpoint(mode, server), jobs=args.ceiling_jobs,
              unpackd_jobs=["--jobs", str(args.jobs)] if args.jobs else [],
              scratch=scratch, out_dir=out_dir, extracted=None)
    data = os.path.join(perf_dir, tag + ".data")
    env = dict(os.environ, **CREDS)
    subprocess.run(["perf", "record", "-q", "-F", "999", "-g", "-o", data, "--"] + c.command(ctx),
                   env=env, cwd=scratch, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                             "--sort", "dso,symbol", "-g", "none", "--percent-limit", "0.5"],
                            capture_output=True, text=True).stdout
    # perf pads every line to a huge width; keep the figures and the symbol.
    report = "\n".join(re.sub(r"(\s+-)*\s*$", "", line) for line in report.splitlines())
    with open(os.path.join(perf_dir, tag + ".txt"), "w") as f:
        f.write(report + "\n")
    if c.kind == "s3":
        delete_prefix(s3, list_prefix(s3, ctx.dest_prefix).keys())
        services.server(server).reclaim()
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.rmtree(sidecars, ignore_errors=True)
    print(f"  profile: {os.path.relpath(os.path.join(perf_dir, tag + '.txt'), REPO)}", flush=True)


def summarize(metas, results, args):
    rows = []
    for meta in metas:
        groups = {}
        for r in results:
            if r["archive"] == meta["name"]:
                groups.setdefault((r["contender"], r["server"], r["mode"]), []).append(r)
        med = {k: statistics.median(x["wall"] for x in v) for k, v in groups.items()
               if all(x["ok"] for x in v)}
        for (name, server, mode), v in groups.items():
            kind = "local" if mode == "local" else "s3"
            ref = med.get((REFERENCE[kind], server, mode))
            cpu = statistics.median(x["user"] + x["sys"] for x in v)
            ok = all(x["ok"] for x in v)
            wall = statistics.median(x["wall"] for x in v)
            reqs = [x["requests"] for x in v if x["requests"] is not None]
            rows.append({
                "archive": meta["name"], "contender": name, "server": server, "mode": mode,
                "ok": ok,
                "runs": len(v), "wall_median": wall, "wall_min": min(x["wall"] for x in v),
                "wall_max": max(x["wall"] for x in v),
                "peak_rss": max(x["peak_rss"] for x in v),
                "peak_disk": max(x["peak_disk"] for x in v),
                "disk_written": max(x["disk_written"] for x in v),
                "requests": int(statistics.median(reqs)) if reqs else None,
                "in_flight": max((x["in_flight"] for x in v if x.get("in_flight")), default=None),
                "server_cpu": statistics.median(x["server_cpu"] for x in v),
                "cpu": cpu,
                # CPU seconds per GiB of member bytes written (user+sys of the process tree).
                "cpu_per_gib": cpu / (meta["uncompressed"] / (1 << 30)),
                "ratio": (wall / ref) if (ref and ok) else None,
                "mb_s": meta["uncompressed"] / wall / 1e6 if ok else None})
    order = {c.name: i for i, c in enumerate(CONTENDERS)}
    mode_order = {"direct": 0, "proxy": 1, "local": 2}
    server_order = {s: i for i, s in enumerate(SERVERS + ("-",))}
    rows.sort(key=lambda r: (names_index(metas, r["archive"]), server_order[r["server"]],
                             mode_order[r["mode"]], order[r["contender"]]))
    return rows


def names_index(metas, name):
    return [m["name"] for m in metas].index(name)


def mode_label(r, args):
    """"local", or the S3 server and path: "s3rver direct", "radosgw +20 ms"."""
    if r["mode"] == "local":
        return "local"
    return f"{r['server']} " + ("direct" if r["mode"] == "direct" else f"+{args.delay_ms:g} ms")


def table(rows, metas, args):
    out = []
    head = ("| archive | contender | mode | median wall | min-max | MB/s out | peak RSS | "
            "peak disk | disk written | requests (max in flight) | CPU s | CPU s/GiB | "
            "server CPU s | time vs unpackd |")
    out.append(head)
    out.append("|" + "---|" * (head.count("|") - 1))
    for r in rows:
        mode = mode_label(r, args)
        if not r["ok"]:
            out.append(f"| {r['archive']} | {r['contender']} | {mode} | FAILED | | | | | | | | | | |")
            continue
        ratio = "-" if r["ratio"] is None else (
            "1.00 (ref)" if r["contender"] in REFERENCE.values() else f"{r['ratio']:.2f}x")
        out.append(
            f"| {r['archive']} | {r['contender']} | {mode} | {r['wall_median']:.2f} s | "
            f"{r['wall_min']:.2f}-{r['wall_max']:.2f} | {r['mb_s']:.1f} | {fmt_bytes(r['peak_rss'])} | "
            f"{fmt_bytes(r['peak_disk'])} | {fmt_bytes(r['disk_written'])} | "
            f"{'-' if r['requests'] is None else str(r['requests']) + ' (' + str(r['in_flight']) + ')'} | {r['cpu']:.1f} | "
            f"{r['cpu_per_gib']:.2f} | {r['server_cpu']:.1f} | {ratio} |")
    return "\n".join(out)


def before_after(rows, results):
    """One entry per archive and mode that has both an unpackd contender and its @before twin:
    the after/before ratios, and whether the after side is off by more than the rounds' noise.
    "Beyond noise" means the two sides' min-max ranges do not overlap (every after run slower,
    or faster, than every before run); with overlapping ranges the medians' difference is within
    what the same binary varies by from round to round. The paired figures compare the two runs
    of each round (back to back, so they share the machine's state and load): their geometric
    mean, and in how many rounds the after run was the slower one. Drift across rounds widens
    both min-max ranges, so a steady few % shows in the pairs before the ranges separate."""
    by_key = {(r["archive"], r["contender"], r["server"], r["mode"]): r for r in rows}
    walls = {(x["archive"], x["contender"], x["server"], x["mode"], x["rep"]): x["wall"]
             for x in results if x["ok"]}
    out = []
    for r in rows:
        b = by_key.get((r["archive"], BEFORE.get(r["contender"]), r["server"], r["mode"]))
        if not b:
            continue
        entry = {"archive": r["archive"], "server": r["server"], "mode": r["mode"],
                 "after": r["contender"], "before": b["contender"], "ok": r["ok"] and b["ok"]}
        if entry["ok"]:
            if r["wall_min"] > b["wall_max"]:
                verdict = "slower beyond noise"
            elif r["wall_max"] < b["wall_min"]:
                verdict = "faster beyond noise"
            else:
                verdict = "within noise"
            pairs = [walls[(r["archive"], r["contender"], r["server"], r["mode"], k)] /
                     walls[(r["archive"], b["contender"], r["server"], r["mode"], k)]
                     for k in sorted({x["rep"] for x in results})
                     if (r["archive"], r["contender"], r["server"], r["mode"], k) in walls
                     and (r["archive"], b["contender"], r["server"], r["mode"], k) in walls]
            entry.update({
                "paired_ratios": pairs,
                "paired_geomean": statistics.geometric_mean(pairs) if pairs else None,
                "rounds_after_slower": sum(1 for x in pairs if x > 1),
                "wall_before": b["wall_median"], "wall_after": r["wall_median"],
                "wall_ratio": r["wall_median"] / b["wall_median"],
                "range_before": [b["wall_min"], b["wall_max"]],
                "range_after": [r["wall_min"], r["wall_max"]],
                "runs_before": b["runs"], "runs_after": r["runs"],
                "rss_before": b["peak_rss"], "rss_after": r["peak_rss"],
                "rss_ratio": r["peak_rss"] / b["peak_rss"] if b["peak_rss"] else None,
                "cpu_before": b["cpu"], "cpu_after": r["cpu"],
                "requests_before": b["requests"], "requests_after": r["requests"],
                "verdict": verdict})
        out.append(entry)
    return out


def before_after_table(pairs, args):
    out = []
    head = ("| archive | mode | median wall before | after | after/before | min-max before | "
            "min-max after | time | paired after/before (rounds slower) | peak RSS before | after | "
            "after/before | CPU s before | after |")
    out.append(head)
    out.append("|" + "---|" * (head.count("|") - 1))
    for e in pairs:
        mode = mode_label(e, args)
        if not e["ok"]:
            out.append(f"| {e['archive']} | {mode} | FAILED | | | | | | | | | | | |")
            continue
        rss = "-" if e["rss_ratio"] is None else f"{e['rss_ratio']:.2f}x"
        paired = "-" if e["paired_geomean"] is None else (
            f"{e['paired_geomean']:.2f}x ({e['rounds_after_slower']}/{len(e['paired_ratios'])})")
        out.append(
            f"| {e['archive']} | {mode} | {e['wall_before']:.2f} s | {e['wall_after']:.2f} s | "
            f"{e['wall_ratio']:.2f}x | {e['range_before'][0]:.2f}-{e['range_before'][1]:.2f} | "
            f"{e['range_after'][0]:.2f}-{e['range_after'][1]:.2f} | {e['verdict']} | {paired} | "
            f"{fmt_bytes(e['rss_before'])} | {fmt_bytes(e['rss_after'])} | {rss} | "
            f"{e['cpu_before']:.1f} | {e['cpu_after']:.1f} |")
    return "\n".join(out)


# CPU seconds per GiB written, by archive: what each archive stands for (issue 12).
CPU_PER_GIB = (("big-member", "deflate (one big deflated member)"),
               ("big-stored", "stored (one big stored member)"),
               ("many-small", "many-small (3,000 deflated members of 0.2-3 KiB)"),
               ("many-folders", "many-small, each in a folder of its own"),
               ("competitor", "competitor-shaped (1,000 files, ~2.2x expansion)"))


def cpu_per_gib_summary(rows, args):
    """unpackd's CPU seconds (user+sys of its process tree) per GiB of member bytes written,
    per archive kind, server and mode: the same figure as the table's column, gathered."""
    lines = ["CPU seconds per GiB written (unpackd, user+sys / GiB of member bytes):"]
    for archive, what in CPU_PER_GIB:
        cells = [f"{mode_label(r, args)} {r['cpu_per_gib']:.2f}" for r in rows
                 if r["archive"] == archive and r["ok"]
                 and r["contender"] in ("unpackd", "unpackd-local")]
        if cells:
            lines.append(f"  {what}: " + ", ".join(cells))
    return "\n".join(lines)


def targets(rows, args):
    """Issue 12's targets, each with the measured figure and whether it is met."""
    def row(archive, contender, mode, server=None):
        for r in rows:
            if (r["archive"], r["contender"], r["mode"]) == (archive, contender, mode) and r["ok"] \
                    and (server is None or r["server"] == server):
                return r
        return None

    def verdict(ok):
        return "met" if ok else "MISSED"

    servers = list(dict.fromkeys(r["server"] for r in rows if r["mode"] != "local"))
    lines = ["Targets (issue 12; measured either way):"]
    for server in servers:
        s, u = row("many-small", "seed", "proxy", server), row("many-small", "unpackd", "proxy", server)
        if s and u:
            ratio = s["wall_median"] / u["wall_median"]
            lines.append(f"  many-small, {server} +{args.delay_ms:g} ms proxy: unpackd {ratio:.1f}x "
                         f"faster than the seed baseline (target >= 50x): {verdict(ratio >= 50)}")
    # The tar.gz twins against the same handler over tarfile: measured, no target set.
    for archive in ("mixed-tgz", "big-member-tgz"):
        for server in servers:
            for mode in args.modes:
                s, u = row(archive, "seed", mode, server), row(archive, "unpackd", mode, server)
                if s and u:
                    lines.append(f"  {archive}, {server} {mode}: unpackd "
                                 f"{s['wall_median'] / u['wall_median']:.1f}x faster than the "
                                 f"seed baseline over tarfile (no target)")
    for r in rows:
        if r["contender"] == "unpackd" and r["mode"] == "direct" and r["ok"]:
            c = row(r["archive"], "ceiling", "direct", r["server"])
            if c:
                slower = r["wall_median"] / c["wall_median"] - 1
                want = " (target within 10%)" if r["archive"] == "big-member" else ""
                lines.append(f"  {r['archive']}, {r['server']} direct: unpackd {r['wall_median']:.2f} s "
                             f"vs the server's ceiling {c['wall_median']:.2f} s ({slower * 100:+.1f}%)"
                             + (f"{want}: {verdict(slower <= 0.10)}" if want else ""))
    for r in rows:
        if r["archive"] == "big-member" and r["contender"] in ("unpackd", "unpackd-local") and r["ok"]:
            lines.append(f"  big deflate member, {mode_label(r, args)}: {r['cpu_per_gib']:.2f} CPU s "
                         f"per GiB written (target <= 1.0): {verdict(r['cpu_per_gib'] <= 1.0)}")
    for archive in ("many-small", "many-folders"):
        u, b = row(archive, "unpackd-local", "local"), row(archive, "bsdtar", "local")
        if u and b:
            ratio = b["wall_median"] / u["wall_median"]
            lines.append(f"  {archive}, local store: unpackd {u['wall_median']:.2f} s vs bsdtar "
                         f"{b['wall_median']:.2f} s, {ratio:.2f}x (target >= 1.3x faster): "
                         f"{verdict(ratio >= 1.3)}")
    s3_rows = [r for r in rows if r["contender"] == "unpackd" and r["mode"] != "local" and r["ok"]]
    if s3_rows:
        rss = max(r["peak_rss"] for r in s3_rows)
        disk = max(max(r["peak_disk"], r["disk_written"]) for r in s3_rows)
        lines.append(f"  every unpackd S3 run: peak RSS {fmt_bytes(rss)} (target <= 256 MiB): "
                     f"{verdict(rss <= 256 << 20)}; local disk {fmt_bytes(disk)} (target 0): "
                     f"{verdict(disk == 0)}")
    else:
        lines.append("  unpackd S3 runs: not measured")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description="unpackd benchmark suite",
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__)
    ap.add_argument("--quick", action="store_true", help="small archives, 1 repetition")
    ap.add_argument("--large", action="store_true", help="add the >= 4 GiB ZIP64 archive")
    ap.add_argument("--reps", type=int, help="repetitions per contender (default 3, quick 1)")
    ap.add_argument("--archives", type=lambda s: s.split(","), help="comma list")
    ap.add_argument("--contenders", type=lambda s: s.split(","),
                    help="comma list of: " + ",".join(c.name for c in CONTENDERS))
    ap.add_argument("--modes", type=lambda s: s.split(","), default=["direct", "proxy"],
                    help="S3 modes: direct,proxy")
    ap.add_argument("--servers", type=lambda s: s.split(","), default=["s3rver"],
                    help="S3 servers, each with its own latency proxy: s3rver,radosgw (radosgw: "
                         "a private Ceph cluster on memstore, tests/tools/radosgw_cluster.py)")
    ap.add_argument("--delay-ms", type=float, default=20.0, help="proxy delay per request")
    ap.add_argument("--jobs", type=int, help="unpackd --jobs (default: unpackd's own: 64 for S3, "
                    "hardware threads for local)")
    ap.add_argument("--ceiling-jobs", type=int, default=16,
                    help="parallel uploads of the server-ceiling contender")
    ap.add_argument("--unpackd", help="use this binary instead of building one")
    ap.add_argument("--baseline-unpackd", metavar="PATH",
                    help="also run this (older) unpackd as unpackd@before / unpackd-local@before "
                         "beside every chosen unpackd contender, same arguments and checks, in "
                         "the same rounds; prints a before/after table")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--s3rver", help="path to an s3rver executable")
    ap.add_argument("--s3rver-dir", help="s3rver's data folder (default: in /dev/shm when it "
                    "has room, else bench/work/s3rver-data)")
    ap.add_argument("--timeout", type=float, default=900, help="per run, seconds")
    ap.add_argument("--max-minutes", type=float, default=120, help="proxy lifetime bound")
    ap.add_argument("--slow-seconds", type=float, default=30,
                    help="a contender whose first run took longer than this ...")
    ap.add_argument("--slow-reps", type=int, default=1, help="... runs only this many times")
    ap.add_argument("--profile", action="store_true",
                    help="after the measured runs, profile unpackd once per archive and mode "
                         "with perf record (reports in bench/work/perf/)")
    ap.add_argument("--json-out", help="write raw runs and summary rows here")
    args = ap.parse_args()
    if args.reps is None:
        args.reps = 1 if args.quick else 3
    for server in args.servers:
        if server not in SERVERS:
            sys.exit(f"bench: unknown server {server!r}; choose from {', '.join(SERVERS)}")
    if args.unpackd:
        args.unpackd = os.path.abspath(args.unpackd)
    if args.baseline_unpackd:
        args.baseline_unpackd = os.path.abspath(args.baseline_unpackd)
    if not args.s3rver_dir:
        args.s3rver_dir = s3rver_dir_in_ram((24 if args.large else 4) << 30)

    started = datetime.datetime.now(datetime.timezone.utc)
    load0 = os.getloadavg()
    metas, results, skipped = run(args)
    load1 = os.getloadavg()
    rows = summarize(metas, results, args)
    print()
    print(f"unpackd benchmark, {started:%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{os.cpu_count()} cores, reps={args.reps}, unpackd jobs={args.jobs or 'default'}, "
          f"ceiling jobs={args.ceiling_jobs}, servers={','.join(args.servers)}, load average "
          f"{load0[0]:.2f} at start, {load1[0]:.2f} at end" + (", quick" if args.quick else ""))
    for meta in metas:
        print(f"  {meta['name']}: {meta['members']} members, {fmt_bytes(meta['uncompressed'])} "
              f"uncompressed, {fmt_bytes(meta['compressed'])} {meta.get('format', 'zip')}")
    for n, why in skipped.items():
        print(f"  skipped {n}: {why}")
    if args.baseline_unpackd:
        print(f"  after:  {args.unpackd}\n  before: {args.baseline_unpackd} (the @before rows)")
    print()
    print(table(rows, metas, args))
    print("\ntime vs unpackd: contender's median wall / unpackd's median wall in the same mode "
          "(> 1: unpackd is faster; for the @before rows: before/after).")
    pairs = before_after(rows, results)
    if pairs:
        print("\nBefore/after (--baseline-unpackd), same rounds:\n")
        print(before_after_table(pairs, args))
        print("\nafter/before > 1: the new binary is slower / uses more. \"time\": \"beyond noise\" "
              "when the two min-max ranges do not overlap. Paired: geometric mean of each round's "
              "after/before (the two ran back to back), and in how many rounds after was slower.")
    print()
    print(cpu_per_gib_summary(rows, args))
    print()
    print(targets(rows, args))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"started": started.isoformat(), "load_start": load0, "load_end": load1,
                       "args": vars(args), "archives": metas,
                       "runs": results, "rows": rows, "before_after": pairs,
                       "skipped": skipped}, f, indent=1)
    failed = [r for r in rows if not r["ok"]]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
