#!/usr/bin/python3
"""Generates the benchmark archives deterministically (seeded RNG, fixed timestamps).

Archives (never committed; cached under bench/work/archives/, keyed by name + parameters):
  many-small  3,000 JSON/text files of 0.2-3 KiB
  many-folders  3,000 JSON/text files of 0.2-3 KiB, each in its own folder (issue 12)
  big-member  one member: 512 MiB of compressible text
  big-stored  one stored member: 512 MiB of incompressible bytes (issue 12: CPU per GiB stored)
  competitor  shaped like s3-unspool's published benchmark archive (issue 12): 1,000 files,
              4,506 MiB out of a ~2 GiB zip (~2.2x): 3/4 of the files deflated text (~76% of
              the bytes), 1/4 incompressible PNG (stored) and JPEG (deflated) payloads
  competitor-quarter  the same shape at a quarter of the bytes (1,000 files, 1,126 MiB out)
  mixed       an "AI result": ~200 MiB over ~2,000 files: text, JSON, CSV, incompressible
              PNG/JPEG-like binaries, nested folders, Korean names
  large       4.5 GiB uncompressed, ZIP64: one member of 4.25 GiB (only with --large)
  mixed-tgz, big-member-tgz, many-small-tgz
              the same files as a tar.gz written by GNU tar -czf (gzip level 6)

Every archive is written by Python's zipfile (deflate level 6 = zlib's default, like Info-ZIP's
zip; PNG members stored as most zippers configured for media do, JPEG members deflated),
streamed member by member so memory stays small. The same parameters always give the same
bytes: a cache hit is decided by the parameter key in the file name.

Usage: make_archives.py [--quick] [--large] [--out DIR] [names...]
Prints one JSON line per archive: {"name", "path", "members", "uncompressed", "compressed"}.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import zipfile

DATE = (2024, 5, 17, 12, 0, 0)
WORDS = ("the model result score layer token batch epoch loss accuracy image label class "
         "predict train valid test region box mask confidence threshold output input tensor "
         "feature vector matrix gradient weight bias dropout attention head query key value "
         "데이터 결과 모델 이미지 분석 정확도 예측 학습 검증 파일").split()
KOREAN = ["결과", "이미지", "분석", "보고서", "데이터", "모델", "예측", "원본", "요약", "검증"]


def text_block(rng, size):
    """Prose-like text of about `size` bytes: compresses ~3x under deflate, like real logs."""
    out, n = [], 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 16)))
        line += f" {rng.randint(0, 10**6)} {rng.random():.5f}\n"
        out.append(line)
        n += len(line.encode())
    return "".join(out).encode()[:size]


def json_doc(rng, size):
    items, n = [], 2
    while n < size:
        item = {"id": rng.randint(0, 10**9), "label": rng.choice(WORDS),
                "score": round(rng.random(), 6),
                "box": [rng.randint(0, 4000) for _ in range(4)]}
        s = json.dumps(item, ensure_ascii=False)
        items.append(s)
        n += len(s.encode()) + 2
    return ("[" + ",\n".join(items) + "]").encode()


def csv_doc(rng, size):
    rows = ["id,x,y,w,h,label,score"]
    n = len(rows[0])
    while n < size:
        r = (f"{len(rows)},{rng.randint(0, 4000)},{rng.randint(0, 4000)},{rng.randint(1, 900)},"
             f"{rng.randint(1, 900)},{rng.choice(WORDS)},{rng.random():.4f}")
        rows.append(r)
        n += len(r.encode()) + 1
    return ("\n".join(rows) + "\n").encode()


def binary_blob(rng, size, kind):
    """Incompressible bytes behind a PNG or JPEG signature (random payload)."""
    header = b"\x89PNG\r\n\x1a\n" if kind == "png" else b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
    return header + rng.randbytes(max(0, size - len(header)))


def write_member(zf, name, data, compress=True):
    info = zipfile.ZipInfo(name, DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data, compresslevel=6)


def stream_member(zf, name, total, blocks, rng, force_zip64=False):
    """Writes a big text member from a pool of pre-made blocks without holding it whole."""
    info = zipfile.ZipInfo(name, DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    written = 0
    with zf.open(info, "w", force_zip64=force_zip64 or total >= (1 << 31)) as out:
        i = 0
        while written < total:
            block = b"line-block %d\n" % i + blocks[rng.randrange(len(blocks))]
            block = block[:total - written]
            out.write(block)
            written += len(block)
            i += 1
    return written


def gen_small_members(zf, rng, p, name_of):
    """p['files'] JSON and text members (alternating) of p['min']..p['max'] bytes; member i
    is named name_of(i, extension)."""
    total = 0
    for i in range(p["files"]):
        size = rng.randint(p["min"], p["max"])
        if i % 2:
            data, name = json_doc(rng, size), name_of(i, "json")
        else:
            data, name = text_block(rng, size), name_of(i, "txt")
        write_member(zf, name, data)
        total += len(data)
    return p["files"], total


def gen_many_small(zf, rng, p):
    return gen_small_members(zf, rng, p,
                             lambda i, ext: f"results/batch{i // 500:02d}/item{i:05d}.{ext}")


def gen_many_folders(zf, rng, p):
    """Small members spread over many folders: every one in a folder of its own."""
    return gen_small_members(zf, rng, p, lambda i, ext: f"results/run{i:05d}/result.{ext}")


def gen_big_member(zf, rng, p):
    blocks = [text_block(rng, 64 * 1024) for _ in range(128)]
    return 1, stream_member(zf, "output/big-log.txt", p["bytes"], blocks, rng)


def stream_random(zf, name, total, rng, compress=False):
    """A member of `total` incompressible bytes (stored, or deflated when `compress`),
    written 1 MiB at a time."""
    info = zipfile.ZipInfo(name, DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    written = 0
    with zf.open(info, "w", force_zip64=total >= (1 << 31)) as out:
        while written < total:
            chunk = rng.randbytes(min(1 << 20, total - written))
            out.write(chunk)
            written += len(chunk)
    return written


def gen_big_stored(zf, rng, p):
    return 1, stream_random(zf, "output/big-blob.bin", p["bytes"], rng)


def gen_competitor(zf, rng, p):
    """p['files'] members summing to about p['bytes'], shaped to expand ~2.2x like s3-unspool's
    benchmark archive (2,071 MiB -> 4,506 MiB over 1,000 files): every 4th file an
    incompressible binary (PNG stored, JPEG deflated) carrying p['binary_share'] of the bytes,
    the rest prose-like text (deflates ~3.8x) streamed from a pool of blocks."""
    blocks = [text_block(rng, 64 * 1024) for _ in range(128)]
    n_bin = p["files"] // 4
    bin_avg = int(p["bytes"] * p["binary_share"]) // n_bin
    text_avg = int(p["bytes"] * (1 - p["binary_share"])) // (p["files"] - n_bin)
    total = 0
    for i in range(p["files"]):
        folder = f"job-{i // 100:02d}/{rng.choice(['images', 'logs', 'tables', 'embeddings'])}"
        if i % 4 == 3:
            kind = "png" if i % 8 == 3 else "jpg"
            size = int(rng.uniform(0.5, 1.5) * bin_avg)
            total += stream_random(zf, f"{folder}/{i:04d}.{kind}", size, rng,
                                   compress=(kind == "jpg"))
        else:
            size = int(rng.uniform(0.5, 1.5) * text_avg)
            total += stream_member(zf, f"{folder}/{i:04d}.txt", size, blocks, rng)
    return p["files"], total


def gen_mixed(zf, rng, p):
    """~p['files'] members summing to ~p['bytes']: 20% binaries carry ~80% of the bytes."""
    n_bin = p["files"] // 5
    n_small = p["files"] - n_bin
    bin_avg = int(p["bytes"] * 0.8) // max(1, n_bin)
    small_avg = int(p["bytes"] * 0.2) // max(1, n_small)
    total = 0
    members = 0
    for i in range(p["files"]):
        top = rng.choice(KOREAN)
        sub = f"{rng.choice(['run', '실행', 'stage'])}{i % 7}/{rng.choice(['a', 'b', '하위'])}"
        if i % 5 == 4:
            kind = rng.choice(["png", "jpg"])
            size = max(1024, int(rng.uniform(0.2, 1.8) * bin_avg))
            data = binary_blob(rng, size, kind)
            name = f"{top}/{sub}/{rng.choice(KOREAN)}_{i:05d}.{kind}"
            write_member(zf, name, data, compress=(kind == "jpg"))
        else:
            size = max(200, int(rng.uniform(0.1, 1.9) * small_avg))
            kind = rng.choice(["txt", "json", "csv", "md"])
            if kind == "json":
                data = json_doc(rng, size)
            elif kind == "csv":
                data = csv_doc(rng, size)
            else:
                data = text_block(rng, size)
            name = f"{top}/{sub}/{rng.choice(KOREAN)}_{i:05d}.{kind}"
            write_member(zf, name, data)
        total += len(data)
        members += 1
    return members, total


def gen_large(zf, rng, p):
    """A member past 4 GiB (so its sizes need ZIP64 extra fields), another big one, and small
    JSON files. Text deflates ~3.8x, so the archive itself stays near 1.2 GiB."""
    blocks = [text_block(rng, 64 * 1024) for _ in range(128)]
    total, members = 0, 0
    for i, size in enumerate(p["sizes"]):
        total += stream_member(zf, f"large/part{i:02d}.txt", size, blocks, rng,
                               force_zip64=p["force_zip64"])
        members += 1
    for i in range(p["small_files"]):
        data = json_doc(rng, rng.randint(200, 3000))
        write_member(zf, f"large/meta/{i:05d}.json", data)
        total += len(data)
        members += 1
    return members, total


SPECS = {
    "many-small": (gen_many_small, {"files": 3000, "min": 200, "max": 2950}),
    "many-folders": (gen_many_folders, {"files": 3000, "min": 200, "max": 2950}),
    "big-member": (gen_big_member, {"bytes": 512 << 20}),
    "big-stored": (gen_big_stored, {"bytes": 512 << 20}),
    "competitor": (gen_competitor, {"files": 1000, "bytes": 4506 << 20, "binary_share": 0.24}),
    "competitor-quarter": (gen_competitor, {"files": 1000, "bytes": 4506 << 18,
                                            "binary_share": 0.24}),
    "mixed": (gen_mixed, {"files": 2000, "bytes": 200 << 20}),
    "large": (gen_large, {"sizes": [(4 << 30) + (256 << 20), 256 << 20], "small_files": 1000,
                          "force_zip64": True}),
}
QUICK = {
    "many-small": {"files": 300, "min": 200, "max": 2950},
    "many-folders": {"files": 300, "min": 200, "max": 2950},
    "big-member": {"bytes": 32 << 20},
    "big-stored": {"bytes": 32 << 20},
    "competitor": {"files": 100, "bytes": 64 << 20, "binary_share": 0.24},
    "competitor-quarter": {"files": 100, "bytes": 16 << 20, "binary_share": 0.24},
    "mixed": {"files": 200, "bytes": 16 << 20},
    "large": {"sizes": [192 << 20, 64 << 20], "small_files": 50, "force_zip64": True},
}
VERSION = 1  # bump when the generators change, so cached archives are rebuilt


def archive_path(out_dir, name, params):
    key = hashlib.sha256(json.dumps([VERSION, name, params], sort_keys=True).encode())
    return os.path.join(out_dir, f"{name}-{key.hexdigest()[:12]}.zip")


def make(name, out_dir, quick=False):
    gen, params = SPECS[name]
    params = QUICK[name] if quick else params
    path = archive_path(out_dir, name, params)
    meta_path = path + ".json"
    if os.path.exists(path) and os.path.exists(meta_path):
        with open(meta_path) as f:
            return json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    tmp = path + ".part"
    rng = random.Random(f"unpackd-bench:{name}:{json.dumps(params, sort_keys=True)}")
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
        members, total = gen(zf, rng, params)
    os.replace(tmp, path)
    meta = {"name": name, "path": path, "members": members, "uncompressed": total,
            "compressed": os.path.getsize(path), "params": params}
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    return meta


# tar.gz twins of zip archives: the same files, as `tar -czf` (gzip level 6) writes them.
TGZ = {"mixed-tgz": "mixed", "big-member-tgz": "big-member", "many-small-tgz": "many-small"}


def make_tgz(name, out_dir, quick=False):
    """The tar.gz of zip archive TGZ[name]'s files (members sorted, no folder entries)."""
    base = make(TGZ[name], out_dir, quick)
    path = base["path"][:-len(".zip")] + ".tar.gz"
    meta_path = path + ".json"
    if os.path.exists(path) and os.path.exists(meta_path):
        with open(meta_path) as f:
            return json.load(f)
    tmp_dir = path + ".d"
    shutil.rmtree(tmp_dir, ignore_errors=True)
    with zipfile.ZipFile(base["path"]) as zf:
        zf.extractall(tmp_dir)
        names = sorted(i.filename for i in zf.infolist() if not i.is_dir())
    with open(path + ".list", "w") as f:
        f.write("\n".join(names) + "\n")
    subprocess.run(["tar", "-C", tmp_dir, "-czf", path + ".part", "-T", path + ".list"], check=True)
    os.replace(path + ".part", path)
    shutil.rmtree(tmp_dir)
    os.remove(path + ".list")
    meta = dict(base, name=name, path=path, compressed=os.path.getsize(path), format="tar.gz")
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    return meta


def make_any(name, out_dir, quick=False):
    return make_tgz(name, out_dir, quick) if name in TGZ else make(name, out_dir, quick)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="default: all but 'large'")
    ap.add_argument("--quick", action="store_true", help="small sizes for smoke runs")
    ap.add_argument("--large", action="store_true", help="also build the >= 4 GiB ZIP64 archive")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "work", "archives"))
    a = ap.parse_args()
    names = a.names or [n for n in SPECS if n not in ("large", "competitor") or a.large]
    for n in names:
        if n not in SPECS and n not in TGZ:
            sys.exit(f"unknown archive {n!r}; choose from {', '.join(list(SPECS) + list(TGZ))}")
        print(json.dumps(make_any(n, a.out, a.quick), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
