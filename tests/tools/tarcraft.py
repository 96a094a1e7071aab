#!/usr/bin/python3
"""Tar archives for unpackd's tests, made with Python's tarfile (stdlib only).

  tarcraft.py tree OUT MODE FORMAT DIR   every file under DIR (sorted), as tarfile writes them:
                                         MODE is tarfile's ("w", "w:gz", "w:bz2", "w:xz"),
                                         FORMAT "gnu", "pax" or "ustar"
  tarcraft.py hostile OUT CASE           one crafted hostile archive (plain tar; CASE below)
  tarcraft.py big-dict OUT FORMAT MIB DICT_MIB
                                         a tar of one member, zeros.bin (MIB MiB of zeros),
                                         compressed as FORMAT ("xz" or "lzma", preset 0), whose
                                         header then claims a DICT_MIB MiB dictionary: what a
                                         hostile encoder writes to make a decoder allocate it
                                         (the data still decodes: a dictionary only has to be
                                         large enough)

Hostile cases: traversal, absolute, symlink-out, hardlink, pax-rename, device, fifo,
size-too-big (a header declaring more than the data that follows), size-too-small (less:
the rest is read as a header), duplicate, and a file and a folder of one name in either order:
file-then-folder ("a", then "a/b"), folder-then-file ("a/b", then "a"), file-then-dir ("a",
then the folder entry "a/"), dir-then-file ("a/", then "a").
"""
import binascii
import io
import lzma
import os
import sys
import tarfile

FORMATS = {"gnu": tarfile.GNU_FORMAT, "pax": tarfile.PAX_FORMAT, "ustar": tarfile.USTAR_FORMAT}


def tree(out, mode, fmt, root):
    with tarfile.open(out, mode, format=FORMATS[fmt]) as tar:
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                tar.add(path, arcname=os.path.relpath(path, root))


def add_file(tar, name, data, **pax):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    if pax:
        info.pax_headers = pax
    tar.addfile(info, io.BytesIO(data))


def add_special(tar, name, kind, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    tar.addfile(info)


def hostile(out, case):
    buf = io.BytesIO()
    fmt = tarfile.PAX_FORMAT if case == "pax-rename" else tarfile.GNU_FORMAT
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        add_file(tar, "good.txt", b"good\n")
        if case == "traversal":
            add_file(tar, "../evil.txt", b"evil\n")
        elif case == "absolute":
            add_file(tar, "/etc/evil.txt", b"evil\n")
        elif case == "symlink-out":
            add_special(tar, "link", tarfile.SYMTYPE, "/etc/passwd")
            add_special(tar, "up", tarfile.SYMTYPE, "../../outside")
        elif case == "hardlink":
            add_special(tar, "hard", tarfile.LNKTYPE, "good.txt")
        elif case == "pax-rename":
            add_file(tar, "innocent.txt", b"evil\n", path="../x")
        elif case == "device":
            add_special(tar, "dev/null", tarfile.CHRTYPE)
        elif case == "fifo":
            add_special(tar, "pipe", tarfile.FIFOTYPE)
        elif case == "duplicate":
            add_file(tar, "dir/a.txt", b"one\n")
            add_file(tar, "./dir/a.txt", b"two\n")
        elif case in ("size-too-big", "size-too-small"):
            add_file(tar, "second.txt", b"x" * 600)
        elif case == "file-then-folder":
            add_file(tar, "a", b"file\n")
            add_file(tar, "a/b", b"below\n")
        elif case == "folder-then-file":
            add_file(tar, "a/b", b"below\n")
            add_file(tar, "a", b"file\n")
        elif case == "file-then-dir":
            add_file(tar, "a", b"file\n")
            add_special(tar, "a/", tarfile.DIRTYPE)
        elif case == "dir-then-file":
            add_special(tar, "a/", tarfile.DIRTYPE)
            add_file(tar, "a", b"file\n")
        add_file(tar, "last.txt", b"last\n")
    data = bytearray(buf.getvalue())
    if case in ("size-too-big", "size-too-small"):
        # The second header: good.txt's header and its one data block come first.
        header = 1024
        assert data[header:header + 10].rstrip(b"\0") == b"second.txt"
        size = 1_000_000 if case == "size-too-big" else 10
        data[header + 124:header + 136] = b"%011o\0" % size
        data[header + 148:header + 156] = b" " * 8
        checksum = sum(data[header:header + 512])
        data[header + 148:header + 156] = b"%06o\0 " % checksum
    with open(out, "wb") as f:
        f.write(data)


class _Zeros(io.RawIOBase):
    def readable(self):
        return True

    def readinto(self, b):
        b[:] = bytes(len(b))
        return len(b)


class _Compressing:
    """A write-only file that compresses into `f` as bytes arrive (no copy of the tar)."""

    def __init__(self, f, compressor):
        self.f, self.c = f, compressor

    def write(self, b):
        self.f.write(self.c.compress(b))
        return len(b)

    def finish(self):
        self.f.write(self.c.flush())


def _lzma2_dict_byte(dict_bytes):
    """LZMA2's one-byte dictionary size (xz file format, 5.3.1): 2^11 * (2 | bit0) << bits/2."""
    for p in range(41):
        if (2 | (p & 1)) << (p // 2 + 11) == dict_bytes:
            return p
    sys.exit("%d bytes is no LZMA2 dictionary size" % dict_bytes)


def _read_vli(data, pos):
    value, shift = 0, 0
    while True:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        shift += 7
        if not byte & 0x80:
            return value, pos


def _claim_dictionary(data, fmt, dict_bytes):
    if fmt == "lzma":
        # The .lzma header: properties byte, then the dictionary size (32 bits, little-endian).
        data[1:5] = dict_bytes.to_bytes(4, "little")
        return
    # xz: the first block header follows the 12-byte stream header; its filter flags hold
    # LZMA2's (id 0x21) properties, and its last 4 bytes a CRC-32 of the rest.
    start = 12
    size = (data[start] + 1) * 4
    flags = data[start + 1]
    pos = start + 2
    if flags & 0x40:
        _, pos = _read_vli(data, pos)  # compressed size
    if flags & 0x80:
        _, pos = _read_vli(data, pos)  # uncompressed size
    for _ in range((flags & 0x03) + 1):
        filter_id, pos = _read_vli(data, pos)
        props_size, pos = _read_vli(data, pos)
        if filter_id == 0x21:
            data[pos] = _lzma2_dict_byte(dict_bytes)
        pos += props_size
    crc = binascii.crc32(bytes(data[start:start + size - 4]))
    data[start + size - 4:start + size] = crc.to_bytes(4, "little")


def big_dict(out, fmt, mib, dict_mib):
    if fmt == "xz":
        compressor = lzma.LZMACompressor(format=lzma.FORMAT_XZ, preset=0)
    elif fmt == "lzma":
        compressor = lzma.LZMACompressor(format=lzma.FORMAT_ALONE, preset=0)
    else:
        sys.exit("FORMAT is xz or lzma")
    buf = io.BytesIO()
    sink = _Compressing(buf, compressor)
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo("zeros.bin")
        info.size = mib << 20
        tar.addfile(info, io.BufferedReader(_Zeros(), 1 << 20))
    sink.finish()
    data = bytearray(buf.getvalue())
    _claim_dictionary(data, fmt, dict_mib << 20)
    with open(out, "wb") as f:
        f.write(data)


def main(argv):
    if len(argv) == 6 and argv[1] == "tree":
        tree(argv[2], argv[3], argv[4], argv[5])
    elif len(argv) == 4 and argv[1] == "hostile":
        hostile(argv[2], argv[3])
    elif len(argv) == 6 and argv[1] == "big-dict":
        big_dict(argv[2], argv[3], int(argv[4]), int(argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
