// Command fileops is the workload of TestFileEvents (test/e2e): file
// operations with relative paths after chdir/fchdir and through openat
// directory descriptors, with exact byte counts. Built statically by the
// test and run inside a busybox container. It exits non-zero on any
// unexpected error.
package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

func must(what string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "fileops: %s: %v\n", what, err)
		os.Exit(1)
	}
}

func write(fd int, s string) {
	n, err := unix.Write(fd, []byte(s))
	must("write", err)
	if n != len(s) {
		must("write", fmt.Errorf("short write %d", n))
	}
}

func main() {
	must("mkdir", os.MkdirAll("/tmp/w/sub", 0o755))
	must("chdir", unix.Chdir("/tmp/w"))

	// Relative to the working directory.
	fd, err := unix.Open("a.txt", unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC, 0o644)
	must("open a.txt", err)
	write(fd, "hello") // 5 bytes
	unix.Close(fd)
	fd, err = unix.Open("a.txt", unix.O_RDONLY, 0)
	must("open a.txt for reading", err)
	buf := make([]byte, 64)
	n, err := unix.Read(fd, buf)
	must("read", err)
	if n != 5 {
		must("read", fmt.Errorf("read %d bytes", n))
	}
	unix.Close(fd)
	if _, err := unix.Open("missing.txt", unix.O_RDONLY, 0); err != unix.ENOENT {
		must("open missing.txt", fmt.Errorf("want ENOENT, got %v", err))
	}

	// Through a directory descriptor.
	dir, err := unix.Open("sub", unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must("open sub", err)
	fd, err = unix.Openat(dir, "b.txt", unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC, 0o600)
	must("openat b.txt", err)
	write(fd, "abc") // 3 bytes
	unix.Close(fd)
	must("renameat", unix.Renameat(dir, "b.txt", dir, "c.txt"))
	must("unlinkat", unix.Unlinkat(dir, "c.txt", 0))

	// After fchdir into it.
	must("fchdir", unix.Fchdir(dir))
	fd, err = unix.Open("d.txt", unix.O_CREAT|unix.O_WRONLY, 0o644)
	must("open d.txt", err)
	unix.Close(fd)
	must("unlink d.txt", unix.Unlink("d.txt"))
	must("rename", unix.Rename("../a.txt", "../e.txt"))
	must("chmod", unix.Chmod("../e.txt", 0o600))
	must("unlink e.txt", unix.Unlink("../e.txt"))

	// Into the volume a second container reads.
	fd, err = unix.Open("/shared/data.txt", unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC, 0o644)
	must("open /shared/data.txt", err)
	write(fd, "shared!") // 7 bytes
	unix.Close(fd)
	must("ready", os.WriteFile("/shared/ready", nil, 0o644))
}
