#!/usr/bin/env python3
"""Writes the fuzz seed corpus: small archives made by real tools and by zipcraft.

    make_seed_corpus.py OUT_DIR [SOURCE_DIR]

Real tools: python zipfile (stored, deflate, bzip2, lzma; ZIP64 forced; data descriptors from a
non-seekable stream; comments; directories), Info-ZIP zip, 7z and bsdtar when installed.
zipcraft: every canned example plus a few hostile variants. Then every *.zip under
SOURCE_DIR/tests/data (the project's test archives) and every file in tests/data/fuzz
(regression inputs). Seeds are kept small (<= 64 KiB) so fuzzing stays fast.
"""
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

MAX_SEED = 64 * 1024


def save(out_dir, name, data):
    if len(data) <= MAX_SEED:
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)


class Unseekable(io.RawIOBase):
    """A write-only stream without tell/seek, so zipfile writes data descriptors."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buffer += b
        return len(b)


def python_archives(out_dir):
    members = {"a.txt": b"hello\n" * 20, "dir/b.bin": bytes(range(256)) * 8, "empty": b"",
               "결과.txt": "한글 내용\n".encode() * 10}
    for method, tag in [(zipfile.ZIP_STORED, "stored"), (zipfile.ZIP_DEFLATED, "deflate"),
                        (zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "lzma")]:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", method) as z:
            z.writestr("dir/", b"")
            for name, data in members.items():
                z.writestr(name, data)
            z.comment = b"python zipfile " + tag.encode()
        save(out_dir, f"py-{tag}.zip", buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            with z.open(name, "w", force_zip64=True) as f:
                f.write(data)
    save(out_dir, "py-zip64.zip", buf.getvalue())
    stream = Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            with z.open(name, "w") as f:
                f.write(data)
    save(out_dir, "py-descriptors.zip", bytes(stream.buffer))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(200):
            z.writestr(f"many/{i:03d}.txt", f"{i}\n")
    save(out_dir, "py-many.zip", buf.getvalue())


def tool_archives(out_dir, work):
    src = os.path.join(work, "src")
    os.makedirs(os.path.join(src, "sub"), exist_ok=True)
    with open(os.path.join(src, "a.txt"), "wb") as f:
        f.write(b"tool input\n" * 50)
    with open(os.path.join(src, "sub", "b.bin"), "wb") as f:
        f.write(bytes(range(256)) * 4)
    os.symlink("a.txt", os.path.join(src, "link"))
    commands = [
        ("zip-deflate.zip", ["zip", "-qry", "{out}", "."]),
        ("zip-stored.zip", ["zip", "-qry0", "{out}", "."]),
        ("zip-bzip2.zip", ["zip", "-qry", "-Z", "bzip2", "{out}", "."]),
        ("zip-stream.zip", ["sh", "-c", "zip -q - a.txt sub/b.bin > {out}"]),
        ("7z-deflate64.zip", ["7z", "a", "-bd", "-tzip", "-mm=Deflate64", "{out}", "."]),
        ("7z-lzma.zip", ["7z", "a", "-bd", "-tzip", "-mm=LZMA", "{out}", "."]),
        ("7z-aes.zip", ["7z", "a", "-bd", "-tzip", "-pfuzz", "-mem=AES256", "{out}", "."]),
        ("bsdtar.zip", ["bsdtar", "--format", "zip", "-cf", "{out}", "."]),
    ]
    for name, argv in commands:
        if shutil.which(argv[0]) is None:
            continue
        out = os.path.join(work, name)
        argv = [a.replace("{out}", out) for a in argv]
        subprocess.run(argv, cwd=src, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if os.path.exists(out):
            with open(out, "rb") as f:
                save(out_dir, name, f.read())


def zipcraft_archives(out_dir, source_dir):
    sys.path.insert(0, os.path.join(source_dir, "tests", "tools"))
    import zipcraft  # noqa: E402

    for name, spec in zipcraft._examples().items():
        data, _ = zipcraft.build(spec)
        save(out_dir, f"zc-{name}.zip", data)
    extra = {
        "bzip2-descriptor": {"entries": [{"name": "b", "data": "x" * 500, "method": 12,
                                          "data_descriptor": {"signature": False}}]},
        "lzma": {"entries": [{"name": "l", "data": "abc" * 300, "method": 14}]},
        "zstd-xz": {"entries": [{"name": "z", "data": "zstd" * 300, "method": 93},
                                {"name": "x", "data": "xz" * 300, "method": 95}]},
        "zip64-everything": {"zip64": True, "entries": [
            {"name": "z", "data": "zip64", "method": 8, "zip64": True,
             "data_descriptor": {"zip64": True}}]},
        "legacy-names": {"entries": [
            {"name": {"text": "결과.txt", "encoding": "cp949"}, "data": "k"},
            {"name": {"text": "テスト.txt", "encoding": "shift_jis"}, "data": "j"},
            {"name": {"nfd": "résumé.txt"}, "data": "f", "utf8": True}]},
        "overlap-64": zipcraft.fifield_overlap(count=64, kernel_size=1 << 14),
    }
    for name, spec in extra.items():
        data, _ = zipcraft.build(spec)
        save(out_dir, f"zc-{name}.zip", data)


def project_archives(out_dir, source_dir):
    data_dir = os.path.join(source_dir, "tests", "data")
    for root, _, files in os.walk(data_dir):
        for f in files:
            path = os.path.join(root, f)
            if f.endswith(".zip") or os.path.basename(root) == "fuzz":
                with open(path, "rb") as fh:
                    rel = os.path.relpath(path, data_dir).replace(os.sep, "_")
                    save(out_dir, "data-" + rel, fh.read())


def main():
    out_dir = sys.argv[1]
    source_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    os.makedirs(out_dir, exist_ok=True)
    python_archives(out_dir)
    with tempfile.TemporaryDirectory() as work:
        tool_archives(out_dir, work)
    zipcraft_archives(out_dir, source_dir)
    project_archives(out_dir, source_dir)
    print(f"seed corpus: {len(os.listdir(out_dir))} files in {out_dir}")


if __name__ == "__main__":
    main()
