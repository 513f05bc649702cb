# Makes ordinary library calls for TestStraceRealCalls and writes, to
# argv[1], the raw value of each argument it wants checked, one a line:
# "MARKER SYSCALL ARGINDEX KIND VALUE". Before each call it stats
# "/ctrace-marker-MARKER", so the call is the next SYSCALL in the trace.
import fcntl
import mmap
import os
import socket
import sys
import tempfile

out = open(sys.argv[1], "w")
tmp = tempfile.mkdtemp()
n = 0


def mark(*checks):
    global n
    n += 1
    try:
        os.stat("/ctrace-marker-%d" % n)
    except OSError:
        pass
    for sc, idx, kind, value in checks:
        out.write("%d %s %d %s %d\n" % (n, sc, idx, kind, value))


path = os.path.join(tmp, "f")
for flags in (os.O_RDONLY, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
              os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | os.O_SYNC):
    target = tmp if flags & os.O_DIRECTORY else path
    mark(("openat", 0, "DirFd", (1 << 64) - 100), ("openat", 2, "OpenFlags", flags | os.O_CLOEXEC))  # os.open always adds O_CLOEXEC
    try:
        fd = os.open(target, flags, 0o640)
        os.close(fd)
    except OSError:
        pass
    if flags & os.O_CREAT:
        try:
            os.unlink(path)
        except OSError:
            pass
mark(("openat", 3, "FileMode", 0o640))
os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o640))

for mode in (os.F_OK, os.R_OK, os.R_OK | os.W_OK, os.X_OK):
    mark(("access", 1, "AccessMode", mode))
    os.access(path, mode)

for fam, typ in ((socket.AF_INET, socket.SOCK_STREAM), (socket.AF_UNIX, socket.SOCK_DGRAM), (socket.AF_INET6, socket.SOCK_DGRAM)):
    mark(("socket", 0, "SocketFamily", fam), ("socket", 1, "SocketType", typ | socket.SOCK_CLOEXEC),
         ("socket", 2, {socket.AF_UNIX: "SocketProtocol"}.get(fam, "InetProtocol"), 0))
    socket.socket(fam, typ).close()
mark(("socket", 2, "InetProtocol", socket.IPPROTO_TCP))
socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP).close()

mark(("mmap", 2, "MmapProt", mmap.PROT_READ | mmap.PROT_WRITE), ("mmap", 3, "MmapFlags", mmap.MAP_SHARED | mmap.MAP_ANONYMOUS))
mmap.mmap(-1, 8192).close()
mark(("mmap", 2, "MmapProt", mmap.PROT_READ), ("mmap", 3, "MmapFlags", mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS))
mmap.mmap(-1, 8192, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ).close()

mark(("kill", 1, "Signal", 0))
os.kill(os.getpid(), 0)

fd = os.open(path, os.O_RDONLY)
mark(("fcntl", 1, "FcntlCmd", fcntl.F_SETFD), ("fcntl", 2, "FdFlags", fcntl.FD_CLOEXEC))
fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
mark(("fcntl", 1, "FcntlCmd", fcntl.F_SETFL), ("fcntl", 2, "OpenFlags", os.O_NONBLOCK))
fcntl.fcntl(fd, fcntl.F_SETFL, os.O_NONBLOCK)
mark(("lseek", 2, "Whence", os.SEEK_END))
os.lseek(fd, 0, os.SEEK_END)
os.close(fd)
os.unlink(path)
os.rmdir(tmp)
out.close()
