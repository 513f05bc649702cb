#!/usr/bin/env bash
# test/images/strace/build-rootfs.sh — recipe of the ctrace-test/strace image.
#
#   build-rootfs.sh --inputs   print the host files the image is made of, one per line
#   build-rootfs.sh DIR        populate DIR (must not exist) with the image's root file system
#
# The image is busybox (static, every applet linked in /bin) plus the host's
# Debian /usr/bin/strace with the shared libraries ldd lists and the dynamic
# loader, at the paths ldd prints (no ld.so.cache: the loader's built-in
# multiarch search path finds them). test/setup.sh hashes this script and the
# --inputs files into the image tag, `docker import`s DIR and tags :latest.
# Used by test/e2e/strace_test.go: `strace -f -o /out/strace.txt sh -c ...`.
set -euo pipefail

BUSYBOX=${BUSYBOX:-/bin/busybox}
STRACE=${STRACE:-/usr/bin/strace}

die() {
	printf 'build-rootfs: %s\n' "$*" >&2
	exit 1
}

# The shared objects $STRACE needs, as ldd names them: "libx.so => /path (0x..)"
# and the loader "/lib64/ld-linux-x86-64.so.2 (0x..)"; the vdso has no file.
strace_libs() {
	local out
	out=$(ldd "$STRACE") || die "ldd $STRACE failed"
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out" | sort -u
}

inputs() {
	[[ -x $BUSYBOX ]] || die "$BUSYBOX missing (package busybox-static)"
	[[ -x $STRACE ]] || die "$STRACE missing (package strace)"
	if ldd "$BUSYBOX" >/dev/null 2>&1; then
		die "$BUSYBOX is dynamically linked; install busybox-static"
	fi
	printf '%s\n' "$BUSYBOX" "$STRACE"
	strace_libs
}

build() {
	local d=$1 f a
	[[ ! -e $d ]] || die "$d already exists"
	local files
	files=$(inputs)
	mkdir -p "$d"/{bin,usr/bin,etc,tmp,root,dev,proc,sys,out}
	install -m 0755 "$BUSYBOX" "$d/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[[ $a == busybox || $a == */* || -e $d/bin/$a ]] || ln -s busybox "$d/bin/$a"
	done

	install -m 0755 "$STRACE" "$d/usr/bin/strace"
	while IFS= read -r f; do
		[[ $f == "$BUSYBOX" || $f == "$STRACE" ]] && continue
		mkdir -p "$d${f%/*}"
		cp -L -- "$f" "$d$f" # -L: the library itself, not the host's symlink
		chmod 0755 "$d$f"
	done <<<"$files"
	find "$d" -type d -exec chmod 0755 {} +
	chmod 1777 "$d/tmp"
	chmod 0700 "$d/root"

	printf 'ctrace-test\n' >"$d/etc/hostname"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n' >"$d/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$d/etc/group"
	chmod 0644 "$d/etc/hostname" "$d/etc/passwd" "$d/etc/group"
}

case ${1:-} in
--inputs) inputs ;;
"" | -*) die "usage: $0 --inputs | $0 DIR" ;;
*) build "$1" ;;
esac
