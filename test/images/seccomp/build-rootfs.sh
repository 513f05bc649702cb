#!/usr/bin/env bash
# test/images/seccomp/build-rootfs.sh — recipe of the ctrace-test/seccomp image.
#
#   build-rootfs.sh --inputs   print the host files the image is made of, one per line
#   build-rootfs.sh DIR        populate DIR (must not exist) with the image's root file system
#
# busybox (static, every applet) + Debian's nginx (a real-world server: the
# binary from the nginx .deb that test/setup.sh downloads, with the shared
# libraries ldd lists and the loader) + a static 32-bit program built here
# with gcc -m32 (gcc-multilib). Used by test/e2e/seccomp_test.go.
# NGINX_DEB names the downloaded nginx package (set by test/setup.sh).
set -euo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
BUSYBOX=${BUSYBOX:-/bin/busybox}
NGINX_DEB=${NGINX_DEB:-}

die() {
	printf 'build-rootfs: %s\n' "$*" >&2
	exit 1
}

# nginx extracted from the .deb into a cache next to it (extracted once per .deb).
nginx_bin() {
	[[ -f $NGINX_DEB ]] || die "NGINX_DEB ($NGINX_DEB) is not a file (test/setup.sh downloads it)"
	local x=${NGINX_DEB%.deb}.extracted
	if [[ ! -x $x/usr/sbin/nginx ]]; then
		rm -rf -- "$x"
		dpkg-deb -x "$NGINX_DEB" "$x" || die "dpkg-deb -x $NGINX_DEB failed"
	fi
	printf '%s\n' "$x/usr/sbin/nginx"
}

nginx_libs() {
	local out
	out=$(ldd "$1") || die "ldd $1 failed (missing libraries?)"
	grep -q "not found" <<<"$out" && die "nginx needs libraries the host lacks: $(grep 'not found' <<<"$out" | tr '\n' ' ')"
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out" | sort -u
}

inputs() {
	[[ -x $BUSYBOX ]] || die "$BUSYBOX missing (package busybox-static)"
	command -v gcc >/dev/null || die "gcc missing (package gcc-multilib)"
	[[ -f /usr/lib32/libc.a ]] || die "/usr/lib32/libc.a missing (package gcc-multilib)"
	local n
	n=$(nginx_bin)
	printf '%s\n' "$BUSYBOX" "$NGINX_DEB" "$HERE/compat32.c" "$HERE/nginx.conf" /usr/lib32/libc.a
	nginx_libs "$n"
}

build() {
	local d=$1 f a n
	[[ ! -e $d ]] || die "$d already exists"
	local files
	files=$(inputs)
	n=$(nginx_bin)
	mkdir -p "$d"/{bin,usr/sbin,etc/nginx,tmp,root,dev,proc,sys,www,var/log/nginx,var/lib/nginx}
	install -m 0755 "$BUSYBOX" "$d/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[[ $a == busybox || $a == */* || -e $d/bin/$a ]] || ln -s busybox "$d/bin/$a"
	done
	install -m 0755 "$n" "$d/usr/sbin/nginx"
	install -m 0644 "$HERE/nginx.conf" "$d/etc/nginx/nginx.conf"
	printf 'hello from nginx in ctrace-test/seccomp\n' >"$d/www/index.html"
	while IFS= read -r f; do
		[[ $f == /* && $f == *.so* ]] || continue
		mkdir -p "$d${f%/*}"
		cp -L -- "$f" "$d$f"
		chmod 0755 "$d$f"
	done <<<"$files"
	gcc -m32 -static -O2 -o "$d/bin/compat32" "$HERE/compat32.c" || die "gcc -m32 -static failed (gcc-multilib)"
	find "$d" -type d -exec chmod 0755 {} +
	chmod 1777 "$d/tmp"
	chmod 0700 "$d/root"
	chmod 0644 "$d/www/index.html"
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
