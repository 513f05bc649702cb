# Makes raw syscalls for TestAgainstStrace, to be traced by strace.
#
# argv[1] names a file of probes, one a line: "NR ARG..." (numbers in any
# Python integer notation). Each probe is bracketed by two markers,
# write(-1, NULL, i) and write(-1, 0x1, i), so the trace can be matched up.
#
# A seccomp filter makes every call whose sixth argument is COOKIE fail with
# EPERM before it runs; probes with fewer than six arguments carry COOKIE
# there, so clone, kill, prctl, mount and the like have no effect at all.
# Six-argument probes (mmap, futex, preadv2) are chosen to fail harmlessly.
import ctypes
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
L = ctypes.c_ulong
COOKIE = 0x05CA1AB1E0DDBA11
M64 = (1 << 64) - 1


def install_filter():
    lo, hi = COOKIE & 0xFFFFFFFF, COOKIE >> 32
    # seccomp_data.args[5] is at offset 56 (low half) and 60 (high half).
    prog = [
        (0x20, 0, 0, 56),          # ld  [56]
        (0x15, 0, 3, lo),          # jeq lo, next, allow
        (0x20, 0, 0, 60),          # ld  [60]
        (0x15, 0, 1, hi),          # jeq hi, next, allow
        (0x06, 0, 0, 0x00050001),  # ret SECCOMP_RET_ERRNO|EPERM
        (0x06, 0, 0, 0x7FFF0000),  # allow: ret SECCOMP_RET_ALLOW
    ]
    code = ctypes.create_string_buffer(b"".join(struct.pack("<HBBI", *i) for i in prog))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(prog), ctypes.addressof(code))
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        sys.exit("prctl(PR_SET_NO_NEW_PRIVS): errno %d" % ctypes.get_errno())
    # seccomp(SECCOMP_SET_MODE_FILTER, 0, &fprog)
    if libc.syscall(L(317), L(1), L(0), ctypes.byref(fprog)) != 0:
        sys.exit("seccomp: errno %d" % ctypes.get_errno())
    return code, fprog


def main():
    probes = []
    with open(sys.argv[1]) as f:
        for line in f:
            nums = [int(x, 0) & M64 for x in line.split()]
            nr, args = nums[0], nums[1:]
            if len(args) < 6:
                args += [0] * (5 - len(args)) + [COOKIE]
            probes.append((nr, args))
    keep = install_filter()  # noqa: F841 (the filter memory must stay alive)
    for i, (nr, args) in enumerate(probes):
        libc.syscall(L(1), L(M64), L(0), L(i))
        libc.syscall(L(nr), *[L(a) for a in args])
        libc.syscall(L(1), L(M64), L(1), L(i))


main()
