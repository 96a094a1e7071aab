#!/usr/bin/env python3
"""zipcraft: hand-craft ZIP bytes, including hostile and odd archives, for tests.

Real tools (python zipfile, Info-ZIP zip, 7z, bsdtar) make well-formed archives; zipcraft makes
the ones they refuse to: wrong CRCs, local/central disagreement, overlapping entries, fake end
records in comments, ZIP64 where it is not needed, multi-disk numbers, traversal names, legacy
name encodings, truncation. Every field APPNOTE 6.3.10 defines can be overridden.

Usage
-----
    zipcraft.py --spec spec.json out.zip [--layout layout.json]
    zipcraft.py --spec - out.zip            (spec on stdin)
    zipcraft.py --example NAME out.zip      (a canned archive; --list-examples names them)

Python API
----------
    import zipcraft
    data, layout = zipcraft.build({"entries": [{"name": "a.txt", "data": "hi"}]})
    zipcraft.write(spec, "out.zip")

Spec format (JSON; the Python API takes the same dict)
------------------------------------------------------
BYTES (anywhere raw bytes are expected) is one of:
    "text"                              UTF-8 of the string
    {"hex": "504b0304"}                 {"b64": "UEsDBA=="}
    {"text": "결과.txt", "encoding": "cp949"}   encoded by Python's codec (cp437, shift_jis, gbk...)
    {"nfd": "résumé.txt"}               UTF-8 of the NFD form (what macOS writes)
    {"repeat": BYTES, "count": 1000}    {"concat": [BYTES, ...]}
    {"random": 4096, "seed": 1}         deterministic pseudo-random bytes
    {"eocd": {EOCD fields}}             a standalone end-of-central-directory record (to hide in a
                                        comment as a fake one); same fields as "eocd" below
In the Python API BYTES may also be a bytes object.

Top level (all keys optional):
    "entries": [ENTRY, ...]
    "prepend": BYTES            data before the first local header (self-extractor stub)
    "offsets_include_prepend": true   false = offsets relative to the ZIP part (unadjusted SFX)
    "comment": BYTES            archive comment
    "zip64": false              write ZIP64 end record + locator (forced even when not needed)
    "eocd": {...}               overrides of the EOCD: disk_number, cd_disk, entries_on_disk,
                                total_entries, cd_size, cd_offset, comment_length; without
                                ZIP64 the counts default to the record count modulo 65,536, as
                                writers without ZIP64 wrap them
    "zip64_eocd": {...}         overrides of the ZIP64 EOCD: version_made_by, version_needed,
                                disk_number, cd_disk, entries_on_disk, total_entries, cd_size,
                                cd_offset, record_size
    "zip64_locator": {...}      overrides: eocd64_disk, eocd64_offset, total_disks
    "between_entries_and_cd": BYTES   junk between the last member and the central directory
    "between_cd_and_eocd": BYTES      junk after the central directory, before the ZIP64 end
                                record (or the EOCD); not counted in the directory's size
    "comment_directory": {"entries": [i, ...], "suffix": BYTES, "eocd": {...}}
                                a decoy hidden in the archive comment (after "comment"): a
                                second central directory holding the records of entries i, ...
                                (no_central ones included), then an EOCD describing it whose
                                comment is "suffix" (so by default it too ends at the end of the
                                file); "eocd" overrides that decoy EOCD's fields
    "append": BYTES             bytes after the EOCD (and its comment)
    "truncate": N               keep only the first N bytes of the result
    "truncate_end": N           drop the last N bytes

ENTRY (all keys but "name" optional):
    "name": BYTES               the raw name (a string is UTF-8)
    "data": BYTES               the uncompressed content (default empty)
    "method": 0                 0 stored, 8 deflate, 12 bzip2, 14 lzma, 93 zstd (needs the zstd
                                command), 95 xz: compressed here; any other number needs
                                "compressed"
    "compressed": BYTES         use these as the compressed bytes (data then only sets crc/size)
    "utf8": false               set general-purpose bit 11
    "encrypted": false          set bit 0 (traditional encryption; data is written as given)
    "flags": N                  the whole flags word (overrides utf8/encrypted/descriptor bits)
    "aes": {"strength": 3, "vendor_version": 2, "method": 8}
                                WinZip AES: method 99, bit 0, extra 0x9901 naming the real method
    "unicode_path": BYTES       Info-ZIP 0x7075 extra with this UTF-8 name and the CRC of the
                                raw name; "unicode_path_crc": N forces another CRC
    "extra": [{"id": 0x1234, "data": BYTES}]    extra fields in both headers ("local_extra",
                                "central_extra" for one side only); "extra_raw": BYTES replaces
                                the whole extra block verbatim in both headers
    "zip64": false              ZIP64 extra in both headers with sizes (and offset in central),
                                and 0xFFFFFFFF in the 32-bit fields
    "data_descriptor": null     or {"signature": true, "zip64": false, "crc": N,
                                "compressed_size": N, "uncompressed_size": N}: sets bit 3, writes
                                zeros in the local crc/sizes and the descriptor after the data
    "crc": N                    CRC in both headers (default: the real CRC-32 of data)
    "symlink": "target"         Unix symlink: data = target, mode 0120777, made-by Unix
    "unix_mode": "100644"       Unix mode (an octal string, or a number) in the high 16 bits of
                                external attributes; sets made-by Unix
    "external_attr": N          the whole external attributes word
    "version_made_by": N        "version_needed": N      "dos_datetime": N ((date<<16)|time)
    "internal_attr": N          "disk_start": N          "comment": BYTES (entry comment)
    "same_data_as": i           no local header of its own: the central record points at entry
                                i's local header (Fifield-style overlap); sizes/crc from entry i
                                unless overridden
    "no_central": false         write the local header and data but no central record
    "local": {...}, "central": {...}
                                per-header overrides, applied last: name, flags, method, crc,
                                compressed_size, uncompressed_size, version_needed, dos_datetime,
                                extra (BYTES, verbatim), name_length, extra_length; central also:
                                version_made_by, disk_start, internal_attr, external_attr,
                                local_header_offset, comment_length
    "signature": N              local header signature (default 0x04034b50)

Layout (second return value of build, or --layout file): offsets of every local header, data
start, data end and descriptor, of the central directory, ZIP64 records and EOCD, and the size.

Helpers for tests: TRAVERSAL_NAMES (every spelling of path traversal), fifield_overlap(),
examples (canned archives: see --list-examples).
"""

import argparse
import base64
import binascii
import bz2
import json
import lzma
import random
import struct
import subprocess
import sys
import unicodedata
import zlib

LOCAL_SIG = 0x04034B50
CENTRAL_SIG = 0x02014B50
EOCD_SIG = 0x06054B50
ZIP64_EOCD_SIG = 0x06064B50
ZIP64_LOCATOR_SIG = 0x07064B50
DESCRIPTOR_SIG = 0x08074B50

FLAG_ENCRYPTED = 0x0001
FLAG_LZMA_EOS = 0x0002
FLAG_DESCRIPTOR = 0x0008
FLAG_UTF8 = 0x0800

UNIX = 3
EOCD_SIZE = 22
DEFAULT_DOS_DATETIME = (((2024 - 1980) << 9 | 5 << 5 | 17) << 16) | (12 << 11 | 30 << 5 | 0)

# Every spelling of "escape the extraction root" a hostile archive may use.
TRAVERSAL_NAMES = [
    "../evil.txt",
    "a/../../evil.txt",
    "a/b/../../../evil.txt",
    "..\\evil.txt",
    "a\\..\\..\\evil.txt",
    "/etc/evil.txt",
    "/abs/evil.txt",
    "\\abs\\evil.txt",
    "C:\\evil.txt",
    "C:/evil.txt",
    "c:evil.txt",
    "\\\\host\\share\\evil.txt",
    "//host/share/evil.txt",
    "a//b.txt",
    "./a/./b.txt",
    "..",
    ".",
    "a/..",
    "a/\u2025/evil.txt",  # two-dot leader: looks like ".." but is not
]


def to_bytes(spec):
    """Turns a BYTES spec (see module doc) into bytes."""
    if spec is None:
        return b""
    if isinstance(spec, (bytes, bytearray)):
        return bytes(spec)
    if isinstance(spec, str):
        return spec.encode("utf-8")
    if isinstance(spec, list):
        return b"".join(to_bytes(s) for s in spec)
    if not isinstance(spec, dict):
        raise ValueError(f"not a byte spec: {spec!r}")
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    if "b64" in spec:
        return base64.b64decode(spec["b64"])
    if "text" in spec:
        return spec["text"].encode(spec.get("encoding", "utf-8"))
    if "nfd" in spec:
        return unicodedata.normalize("NFD", spec["nfd"]).encode("utf-8")
    if "repeat" in spec:
        return to_bytes(spec["repeat"]) * int(spec["count"])
    if "concat" in spec:
        return b"".join(to_bytes(s) for s in spec["concat"])
    if "random" in spec:
        rng = random.Random(spec.get("seed", 0))
        return bytes(rng.randrange(256) for _ in range(int(spec["random"])))
    if "eocd" in spec:
        return eocd_record(spec["eocd"], b"")
    raise ValueError(f"unknown byte spec keys: {sorted(spec)}")


def compress(method, data):
    """Compresses `data` the way ZIP stores method `method`."""
    if method == 0:
        return data
    if method == 8:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()
    if method == 12:
        return bz2.compress(data, 9)
    if method == 14:
        # APPNOTE 5.8.8: version 2 bytes, properties size 2 bytes, LZMA properties, raw stream.
        filters = [{"id": lzma.FILTER_LZMA1}]
        props = lzma._encode_filter_properties(filters[0])
        c = lzma.LZMACompressor(lzma.FORMAT_RAW, filters=filters)
        return struct.pack("<BBH", 9, 4, len(props)) + props + c.compress(data) + c.flush()
    if method == 93:
        # Zstandard frame, through the zstd command (Python has no zstd module in Debian 12).
        return subprocess.run(["zstd", "-q", "-c", "-19"], input=data, stdout=subprocess.PIPE,
                              check=True).stdout
    if method == 95:
        return lzma.compress(data, format=lzma.FORMAT_XZ)
    raise ValueError(f"method {method}: give the compressed bytes in 'compressed'")


def extra_block(fields):
    out = b""
    for f in fields or []:
        data = to_bytes(f.get("data"))
        size = f.get("size", len(data))
        out += struct.pack("<HH", int(f["id"]), size) + data
    return out


def eocd_record(fields, comment, defaults=None):
    """An end-of-central-directory record; `fields` override `defaults`."""
    v = dict(disk_number=0, cd_disk=0, entries_on_disk=0, total_entries=0, cd_size=0, cd_offset=0,
             comment_length=len(comment))
    v.update(defaults or {})
    v.update(fields or {})
    return struct.pack("<IHHHHIIH", v.get("signature", EOCD_SIG), v["disk_number"], v["cd_disk"],
                       v["entries_on_disk"], v["total_entries"], v["cd_size"], v["cd_offset"],
                       v["comment_length"]) + comment


class _Member:
    """An entry as laid out: what the local and central headers will say."""

    def __init__(self, index, spec):
        self.index = index
        self.spec = spec
        self.raw_name = to_bytes(spec["name"])
        self.data = to_bytes(spec.get("data"))
        self.symlink = spec.get("symlink")
        if self.symlink is not None:
            self.data = to_bytes(self.symlink)
        self.method = int(spec.get("method", 0))
        aes = spec.get("aes")
        real_method = self.method
        if aes is not None:
            real_method = int(aes.get("method", self.method if self.method != 99 else 0))
        if "compressed" in spec:
            self.compressed = to_bytes(spec["compressed"])
        else:
            self.compressed = compress(real_method, self.data)
        if aes is not None:
            self.method = 99
        self.crc = int(spec["crc"]) if "crc" in spec else zlib.crc32(self.data) & 0xFFFFFFFF
        self.descriptor = spec.get("data_descriptor")
        flags = 0
        if spec.get("utf8"):
            flags |= FLAG_UTF8
        if spec.get("encrypted") or aes is not None:
            flags |= FLAG_ENCRYPTED
        if self.descriptor is not None:
            flags |= FLAG_DESCRIPTOR
        if real_method == 14 and "compressed" not in spec:
            flags |= FLAG_LZMA_EOS  # Python's raw LZMA1 encoder always writes the end marker
        self.flags = int(spec.get("flags", flags))
        self.zip64 = bool(spec.get("zip64"))
        self.dos_datetime = int(spec.get("dos_datetime", DEFAULT_DOS_DATETIME))
        needed = {12: 46, 14: 63, 93: 63, 95: 63}.get(real_method, 20)
        self.version_needed = int(spec.get("version_needed", max(needed, 45 if self.zip64 else 0)))
        unix = self.symlink is not None or "unix_mode" in spec
        self.version_made_by = int(spec.get("version_made_by", (UNIX << 8 | 30) if unix else 20))
        if "external_attr" in spec:
            self.external_attr = int(spec["external_attr"])
        elif self.symlink is not None:
            self.external_attr = 0o120777 << 16
        elif "unix_mode" in spec:
            mode = spec["unix_mode"]
            self.external_attr = (int(mode, 8) if isinstance(mode, str) else int(mode)) << 16
        else:
            self.external_attr = 0
        self.common_extra = []
        if "unicode_path" in spec:
            upath = to_bytes(spec["unicode_path"])
            crc = int(spec.get("unicode_path_crc", zlib.crc32(self.raw_name) & 0xFFFFFFFF))
            self.common_extra.append({"id": 0x7075, "data": struct.pack("<BI", 1, crc) + upath})
        if aes is not None:
            self.common_extra.append({"id": 0x9901, "data": struct.pack(
                "<H2sBH", int(aes.get("vendor_version", 2)), b"AE", int(aes.get("strength", 3)),
                real_method)})
        self.common_extra += spec.get("extra", [])
        self.local_offset = None

    def zip64_extra(self, central, offset):
        values = [len(self.data), len(self.compressed)]
        if central:
            values.append(offset)
        return {"id": 0x0001, "data": struct.pack("<" + "Q" * len(values), *values)}

    def local_header(self):
        s = self.spec
        o = s.get("local", {})
        crc, csize, usize = self.crc, len(self.compressed), len(self.data)
        if self.descriptor is not None:
            crc = csize = usize = 0
        extra_fields = list(self.common_extra) + s.get("local_extra", [])
        if self.zip64:
            extra_fields.insert(0, self.zip64_extra(False, 0))
            csize = usize = 0xFFFFFFFF
        extra = to_bytes(s["extra_raw"]) if "extra_raw" in s else extra_block(extra_fields)
        if "extra" in o:
            extra = to_bytes(o["extra"])
        name = to_bytes(o["name"]) if "name" in o else self.raw_name
        return struct.pack(
            "<IHHHIIIIHH", int(s.get("signature", LOCAL_SIG)),
            int(o.get("version_needed", self.version_needed)), int(o.get("flags", self.flags)),
            int(o.get("method", self.method)), int(o.get("dos_datetime", self.dos_datetime)),
            int(o.get("crc", crc)), int(o.get("compressed_size", csize)),
            int(o.get("uncompressed_size", usize)), int(o.get("name_length", len(name))),
            int(o.get("extra_length", len(extra)))) + name + extra

    def descriptor_bytes(self):
        d = self.descriptor
        fmt = "<Q" if d.get("zip64") else "<I"
        out = struct.pack("<I", DESCRIPTOR_SIG) if d.get("signature", True) else b""
        out += struct.pack("<I", int(d.get("crc", self.crc)))
        out += struct.pack(fmt, int(d.get("compressed_size", len(self.compressed))))
        out += struct.pack(fmt, int(d.get("uncompressed_size", len(self.data))))
        return out

    def central_header(self, source):
        """`source` is the member whose local header this record points at (self, or the
        target of same_data_as)."""
        s = self.spec
        o = s.get("central", {})
        offset = source.local_offset
        if source is self:
            crc, csize, usize, method = self.crc, len(self.compressed), len(self.data), self.method
        else:
            crc = self.crc if "crc" in s else source.crc
            csize = len(source.compressed)
            usize = len(self.data) if "data" in s else len(source.data)
            method = self.method if "method" in s else source.method
        extra_fields = list(self.common_extra) + s.get("central_extra", [])
        out_csize, out_usize, out_offset = csize, usize, offset
        if self.zip64:
            values = struct.pack("<QQQ", usize, csize, offset)
            extra_fields.insert(0, {"id": 0x0001, "data": values})
            out_csize = out_usize = out_offset = 0xFFFFFFFF
        extra = to_bytes(s["extra_raw"]) if "extra_raw" in s else extra_block(extra_fields)
        if "extra" in o:
            extra = to_bytes(o["extra"])
        name = to_bytes(o["name"]) if "name" in o else self.raw_name
        comment = to_bytes(s.get("comment"))
        return struct.pack(
            "<IHHHHIIIIHHHHHII", CENTRAL_SIG, int(o.get("version_made_by", self.version_made_by)),
            int(o.get("version_needed", self.version_needed)), int(o.get("flags", self.flags)),
            int(o.get("method", method)), int(o.get("dos_datetime", self.dos_datetime)),
            int(o.get("crc", crc)), int(o.get("compressed_size", out_csize)),
            int(o.get("uncompressed_size", out_usize)), int(o.get("name_length", len(name))),
            int(o.get("extra_length", len(extra))), int(o.get("comment_length", len(comment))),
            int(o.get("disk_start", s.get("disk_start", 0))),
            int(o.get("internal_attr", s.get("internal_attr", 0))),
            int(o.get("external_attr", self.external_attr)),
            int(o.get("local_header_offset", out_offset))) + name + extra + comment


def central_record(members, m):
    """Member m's central record, pointing at its own local header or at same_data_as's."""
    source = members[int(m.spec["same_data_as"])] if "same_data_as" in m.spec else m
    if source.local_offset is None:
        raise ValueError(f"entry {m.index}: same_data_as must name an entry with local data")
    return m.central_header(source)


def decoy_directory(decoy, members, at, base, layout):
    """A second central directory plus an EOCD describing it, to hide in the archive comment
    starting at file offset `at` (see "comment_directory" in the module doc)."""
    records = b"".join(central_record(members, members[int(i)]) for i in decoy["entries"])
    count = len(decoy["entries"])
    layout["comment_directory"] = at
    layout["comment_eocd"] = at + len(records)
    defaults = dict(entries_on_disk=count, total_entries=count, cd_size=len(records),
                    cd_offset=at - base)
    return records + eocd_record(decoy.get("eocd"), to_bytes(decoy.get("suffix")), defaults)


def build(spec):
    """Returns (archive bytes, layout dict) for a spec (see module doc)."""
    prepend = to_bytes(spec.get("prepend"))
    base = 0 if spec.get("offsets_include_prepend", True) else len(prepend)
    out = bytearray(prepend)
    layout = {"prepend": len(prepend), "entries": []}
    members = [_Member(i, e) for i, e in enumerate(spec.get("entries", []))]

    for m in members:
        info = {"index": m.index}
        if "same_data_as" not in m.spec:
            m.local_offset = len(out) - base
            info["local_header"] = len(out)
            out += m.local_header()
            info["data_start"] = len(out)
            out += m.compressed
            info["data_end"] = len(out)
            if m.descriptor is not None:
                info["descriptor"] = len(out)
                out += m.descriptor_bytes()
        layout["entries"].append(info)

    out += to_bytes(spec.get("between_entries_and_cd"))
    cd_start = len(out)
    records = 0
    for m in members:
        if m.spec.get("no_central"):
            continue
        layout["entries"][m.index]["central_header"] = len(out)
        out += central_record(members, m)
        records += 1
    cd_size = len(out) - cd_start
    layout["central_directory"] = cd_start
    layout["central_directory_size"] = cd_size
    out += to_bytes(spec.get("between_cd_and_eocd"))

    comment = to_bytes(spec.get("comment"))
    # Writers without ZIP64 wrap the 16-bit counts (a ZIP64 end record below saturates them).
    defaults = dict(entries_on_disk=records & 0xFFFF, total_entries=records & 0xFFFF,
                    cd_size=cd_size, cd_offset=cd_start - base)
    if spec.get("zip64"):
        z = dict(record_size=44, version_made_by=45, version_needed=45, disk_number=0, cd_disk=0,
                 entries_on_disk=records, total_entries=records, cd_size=cd_size,
                 cd_offset=cd_start - base)
        z.update(spec.get("zip64_eocd", {}))
        layout["zip64_eocd"] = len(out)
        eocd64_offset = len(out) - base
        out += struct.pack("<IQHHIIQQQQ", ZIP64_EOCD_SIG, z["record_size"], z["version_made_by"],
                           z["version_needed"], z["disk_number"], z["cd_disk"],
                           z["entries_on_disk"], z["total_entries"], z["cd_size"], z["cd_offset"])
        loc = dict(eocd64_disk=0, eocd64_offset=eocd64_offset, total_disks=1)
        loc.update(spec.get("zip64_locator", {}))
        layout["zip64_locator"] = len(out)
        out += struct.pack("<IIQI", ZIP64_LOCATOR_SIG, loc["eocd64_disk"], loc["eocd64_offset"],
                           loc["total_disks"])
        defaults.update(entries_on_disk=0xFFFF, total_entries=0xFFFF, cd_size=0xFFFFFFFF,
                        cd_offset=0xFFFFFFFF)
    layout["eocd"] = len(out)
    if "comment_directory" in spec:
        comment += decoy_directory(spec["comment_directory"], members,
                                   len(out) + EOCD_SIZE + len(comment), base, layout)
    out += eocd_record(spec.get("eocd"), comment, defaults)
    out += to_bytes(spec.get("append"))

    if "truncate" in spec:
        del out[int(spec["truncate"]):]
    if "truncate_end" in spec:
        del out[len(out) - int(spec["truncate_end"]):]
    layout["size"] = len(out)
    return bytes(out), layout


def write(spec, path):
    """Builds `spec` into the file at `path`; returns the layout."""
    data, layout = build(spec)
    with open(path, "wb") as f:
        f.write(data)
    return layout


def fifield_overlap(count=1000, kernel_size=1 << 20, method=8):
    """A spec in the style of David Fifield's non-recursive zip bomb (2019), simplified: one
    highly compressible kernel stored once, and `count` central records (distinct names) that
    all point at its single local header, so a naive extractor inflates it `count` times."""
    entries = [{"name": "kernel.bin", "data": {"repeat": "\0", "count": kernel_size},
                "method": method}]
    entries += [{"name": f"copy{i:06d}.bin", "same_data_as": 0} for i in range(1, count)]
    return {"entries": entries}


def _examples():
    """Canned archives, for the CLI and for quick manual tests."""
    hello = {"name": "hello.txt", "data": "hello, world\n", "method": 8}
    return {
        "plain": {"entries": [hello]},
        "bad-crc": {"entries": [dict(hello, crc=0x12345678)]},
        "local-central-name-mismatch": {"entries": [dict(hello, local={"name": "other.txt"})]},
        "overlap": fifield_overlap(count=16, kernel_size=1 << 16),
        "traversal": {"entries": [{"name": n, "data": "x"} for n in TRAVERSAL_NAMES]},
        "symlink": {"entries": [{"name": "link", "symlink": "../../etc/passwd"}]},
        "sfx": {"prepend": {"random": 4096, "seed": 7}, "entries": [hello]},
        "sfx-unadjusted": {"prepend": {"random": 4096, "seed": 7},
                           "offsets_include_prepend": False, "entries": [hello]},
        "fake-eocd-in-comment": {"entries": [hello],
                                 "comment": {"eocd": {"cd_offset": 0x7FFFFFFF, "total_entries": 9}}},
        "multi-disk": {"entries": [hello], "eocd": {"disk_number": 1, "cd_disk": 1}},
        "cd-outside-file": {"entries": [hello], "eocd": {"cd_offset": 0x10000000}},
        "truncated": {"entries": [hello], "truncate_end": 30},
        "zip64": {"zip64": True, "entries": [dict(hello, zip64=True)]},
        "descriptor": {"entries": [dict(hello, data_descriptor={"signature": True})]},
        "descriptor-nosig-64": {"entries": [dict(hello, data_descriptor={"signature": False,
                                                                          "zip64": True})]},
        "aes": {"entries": [{"name": "secret.txt", "aes": {"strength": 3, "method": 8},
                             "data": "x", "compressed": {"random": 40, "seed": 3}}]},
        "cp949-names": {"entries": [{"name": {"text": "결과.txt", "encoding": "cp949"},
                                     "data": "x"}]},
        "unicode-path": {"entries": [{"name": {"text": "Bericht.txt", "encoding": "cp437"},
                                      "unicode_path": "Bericht_결과.txt", "data": "x"}]},
        "unknown-method": {"entries": [{"name": "m.bin", "method": 17, "data": "x",
                                        "compressed": "x"}]},
        "entry-count-too-low": {"entries": [hello, dict(hello, name="second.txt")],
                                "eocd": {"total_entries": 1, "entries_on_disk": 1}},
        "cd-size-too-large": {"entries": [hello], "between_cd_and_eocd": "x" * 16,
                              "eocd": {"cd_size": 46 + len("hello.txt") + 16}},
        "decoy-eocd-in-comment": {"entries": [hello, {"name": "evil.txt", "data": "evil",
                                                      "no_central": True}],
                                  "comment_directory": {"entries": [1]}},
        "gap-before-eocd": {"entries": [hello], "between_cd_and_eocd": "0123456789"},
        "false-zip64-locator": {"entries": [dict(hello, comment={"hex": "504b0607" + "00" * 16})]},
        "fifo-with-data": {"entries": [dict(hello, unix_mode="010600")]},
    }


def main(argv):
    parser = argparse.ArgumentParser(description="Hand-craft ZIP bytes (see module doc).")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--spec", help="JSON spec file, or - for stdin")
    group.add_argument("--example", help="a canned archive (see --list-examples)")
    group.add_argument("--list-examples", action="store_true")
    parser.add_argument("output", nargs="?", help="the ZIP file to write")
    parser.add_argument("--layout", help="write the layout (offsets) as JSON here")
    args = parser.parse_args(argv)

    if args.list_examples:
        print("\n".join(sorted(_examples())))
        return 0
    if args.output is None:
        parser.error("output file required")
    if args.spec is not None:
        text = sys.stdin.read() if args.spec == "-" else open(args.spec, encoding="utf-8").read()
        spec = json.loads(text)
    else:
        examples = _examples()
        if args.example not in examples:
            parser.error(f"unknown example {args.example!r}; known: {', '.join(sorted(examples))}")
        spec = examples[args.example]
    try:
        layout = write(spec, args.output)
    except (ValueError, KeyError, TypeError, struct.error, binascii.Error) as e:
        print(f"zipcraft: bad spec: {e}", file=sys.stderr)
        return 2
    if args.layout:
        with open(args.layout, "w", encoding="utf-8") as f:
            json.dump(layout, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
