#!/usr/bin/env python3
"""A private single-node Ceph cluster with one radosgw, on loopback, for the tests.

    radosgw_cluster.py start DIR   # prints DIR/cluster.json once radosgw answers
    radosgw_cluster.py stop DIR    # ends every process it started (by pid) and removes DIR

One monitor, one OSD on memstore (objects live in RAM: keep test data small), no cephx, the beast
frontend with tcp_nodelay (without it small requests take ~44 ms), every port on 127.0.0.1 and
every file under DIR. Cold start takes about 16 s on two cores, which is why CTest starts it once
per test run as a fixture (tests/CMakeLists.txt) instead of once per test.

cluster.json: {"endpoint", "access_key", "secret_key", "region", "pids": [...]}.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

ACCESS_KEY = "UNPACKDRGWTEST000001"
SECRET_KEY = "unpackd-radosgw-test-secret-key-0000001"
RGW_NAME = "client.rgw.unpackd"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, conf, timeout=60):
    """Runs a ceph tool against this cluster; raises with its output when it fails."""
    proc = subprocess.run(args + ["-c", conf], capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def write_conf(root, mon_port, rgw_port):
    conf = os.path.join(root, "ceph.conf")
    with open(conf, "w") as f:
        f.write(f"""[global]
fsid = {uuid.uuid4()}
mon host = v2:127.0.0.1:{mon_port}
mon initial members = a
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
ms client mode = crc secure
ms bind ipv6 = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon max pg per osd = 1000
osd crush chooseleaf type = 0
run dir = {root}/run
admin socket = {root}/run/$name.asok
log file = {root}/log/$name.log
pid file = {root}/run/$name.pid
keyring = {root}/keyring

[mon.a]
mon data = {root}/mon

[osd]
osd data = {root}/osd/$id
osd objectstore = memstore
memstore device bytes = {4 << 30}

[{RGW_NAME}]
rgw frontends = beast endpoint=127.0.0.1:{rgw_port} tcp_nodelay=1
rgw data = {root}/rgw
rgw dns name = localhost
""")
    return conf


def pid_of(root, name):
    try:
        with open(os.path.join(root, "run", name + ".pid")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def wait_for_rgw(endpoint, deadline):
    while time.time() < deadline:
        try:
            urllib.request.urlopen(endpoint + "/", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # any S3 answer (403 for an anonymous list) means it serves
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"radosgw did not answer at {endpoint} within the time limit")


def start(root):
    if os.path.exists(root):
        stop(root)
    for sub in ("run", "log", "mon", "osd/0", "rgw"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    mon_port, rgw_port = free_port(), free_port()
    conf = write_conf(root, mon_port, rgw_port)
    pids = []
    try:
        run(["ceph-authtool", "--create-keyring", f"{root}/keyring", "--gen-key", "-n", "mon.",
             "--cap", "mon", "allow *"], conf)
        with open(conf) as f:
            fsid = next(line.split("=")[1].strip() for line in f if line.startswith("fsid"))
        subprocess.run(["monmaptool", "--create", "--addv", "a", f"[v2:127.0.0.1:{mon_port}]",
                        "--fsid", fsid, f"{root}/monmap"], check=True, capture_output=True)
        run(["ceph-mon", "--mkfs", "-i", "a", "--monmap", f"{root}/monmap", "--keyring",
             f"{root}/keyring"], conf)
        run(["ceph-mon", "-i", "a"], conf)
        pids.append(pid_of(root, "mon.a"))
        osd_id = run(["ceph", "osd", "create"], conf).strip()
        run(["ceph-osd", "-i", osd_id, "--mkfs"], conf)
        run(["ceph", "osd", "crush", "add-bucket", "node1", "host"], conf)
        run(["ceph", "osd", "crush", "move", "node1", "root=default"], conf)
        run(["ceph", "osd", "crush", "add", f"osd.{osd_id}", "1.0", "host=node1"], conf)
        run(["ceph-osd", "-i", osd_id], conf)
        pids.append(pid_of(root, f"osd.{osd_id}"))
        run(["radosgw", "-n", RGW_NAME], conf)
        endpoint = f"http://127.0.0.1:{rgw_port}"
        deadline = time.time() + 90
        while pid_of(root, RGW_NAME) is None and time.time() < deadline:
            time.sleep(0.1)
        pids.append(pid_of(root, RGW_NAME))
        wait_for_rgw(endpoint, deadline)
        run(["radosgw-admin", "user", "create", "--uid=unpackd", "--display-name=unpackd tests",
             f"--access-key={ACCESS_KEY}", f"--secret-key={SECRET_KEY}"], conf, timeout=90)
    except BaseException:
        write_state(root, {"pids": [p for p in pids if p]})
        stop(root)
        raise
    state = {"endpoint": endpoint, "access_key": ACCESS_KEY, "secret_key": SECRET_KEY,
             "region": "us-east-1", "pids": [p for p in pids if p], "conf": conf}
    write_state(root, state)
    print(json.dumps(state))


def write_state(root, state):
    with open(os.path.join(root, "cluster.json"), "w") as f:
        json.dump(state, f)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def stop(root):
    pids = []
    try:
        with open(os.path.join(root, "cluster.json")) as f:
            pids = json.load(f).get("pids", [])
    except (OSError, ValueError):
        pass
    # Daemons write pid files even when cluster.json was never written (a failed start).
    for name in ("client.rgw.unpackd", "osd.0", "mon.a"):
        pid = pid_of(root, name)
        if pid and pid not in pids:
            pids.append(pid)
    for pid in reversed(pids):
        if alive(pid):
            os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 10
    for pid in pids:
        while alive(pid) and time.time() < deadline:
            time.sleep(0.1)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(root, ignore_errors=True)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit(__doc__)
    root = os.path.abspath(sys.argv[2])
    try:
        start(root) if sys.argv[1] == "start" else stop(root)
    except Exception as e:  # one clear line (and the logs) instead of a traceback
        log_dir = os.path.join(root, "log")
        print(f"radosgw_cluster: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
